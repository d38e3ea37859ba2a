//! The timer path before and after the changes of issue 15, and the
//! checks of that goals on this run.
//!
//! Latency is compared from the timer's expiry: for rpoll that is
//! `latency_from_grid` (its stamps moved back onto the ideal grid), which
//! equals `latency` since rpoll stamps expiries, and which an older run,
//! whose rpoll stamped when its callback ran, also carries.

use std::fmt::Write;

use serde_json::{json, Value};

use crate::gpio_table;
use crate::table::{f, r};
use crate::{find, has_timer_part, num, ratio};

/// The figures of one run that the before/after table shows.
pub fn summary(doc: &Value) -> Value {
    let g = &doc["guest"];
    let lat = |list: &str, m: &str, k: &str| {
        let e = find(&g[list], &[("mech", json!(m))])?;
        let path = if m == "rpoll" && e.get("latency_from_grid").is_some_and(Value::is_object) {
            format!("/latency_from_grid/{k}")
        } else {
            format!("/latency/{k}")
        };
        num(e, &path)
    };
    let cpu = |m: &str| {
        find(&g["cpu"], &[("mech", json!(m))]).and_then(|e| num(e, "/cpu/work_ms_per_1000_events"))
    };
    let rate = |v: &str| {
        find(&g["throughput"], &[("variant", json!(v))]).and_then(|e| num(e, "/max_rate_hz"))
    };
    json!({
        "commit": doc.pointer("/meta/commit"),
        "date_utc": doc.pointer("/meta/date_utc"),
        "rpoll_p50_us": lat("latency", "rpoll", "p50_us"),
        "timerfd_p50_us": lat("latency", "timerfd", "p50_us"),
        "rpoll_p99_us": lat("latency", "rpoll", "p99_us"),
        "timerfd_p99_us": lat("latency", "timerfd", "p99_us"),
        "rpoll_same_cpu_p99_us": lat("latency_same_cpu", "rpoll", "p99_us"),
        "timerfd_same_cpu_p99_us": lat("latency_same_cpu", "timerfd", "p99_us"),
        "rpoll_cpu_us": cpu("rpoll"),
        "timerfd_cpu_us": cpu("timerfd"),
        "rpoll_rate_hz": rate("rpoll"),
        "timerfd_rate_hz": rate("timerfd"),
        "cref_rate_hz": rate("cref"),
    })
}

/// Before/after table of the timer path (also a generated README block).
pub fn before_after_table(out: &mut String, doc: &Value) {
    let Some(before) = doc.get("before").filter(|b| b.is_object()) else {
        let _ = writeln!(out, "(no earlier run given)");
        return;
    };
    let now = summary(doc);
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("?").to_string();
    let _ = writeln!(
        out,
        "| timer path, 1 reader | before: rpoll | timerfd | rpoll / timerfd | now: rpoll | timerfd | rpoll / timerfd |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    for (label, a, b, d) in [
        (
            "latency p50 from expiry (us)",
            "rpoll_p50_us",
            "timerfd_p50_us",
            1,
        ),
        (
            "latency p99 from expiry (us)",
            "rpoll_p99_us",
            "timerfd_p99_us",
            1,
        ),
        (
            "same, pinned to CPU 0: p99 (us)",
            "rpoll_same_cpu_p99_us",
            "timerfd_same_cpu_p99_us",
            1,
        ),
        ("CPU per event (us)", "rpoll_cpu_us", "timerfd_cpu_us", 2),
        (
            "zero-loss rate (Hz; now on CPU 0 only)",
            "rpoll_rate_hz",
            "timerfd_rate_hz",
            0,
        ),
    ] {
        let cells = |v: &Value| {
            let (x, y) = (num(v, &format!("/{a}")), num(v, &format!("/{b}")));
            format!("{} | {} | {}", f(x, d), f(y, d), r(ratio(x, y)))
        };
        let _ = writeln!(out, "| {label} | {} | {} |", cells(before), cells(&now));
    }
    let _ = writeln!(
        out,
        "\nBefore: run {} (commit {}); now: run {} (commit {}).",
        s(before, "date_utc"),
        s(before, "commit"),
        s(&now, "date_utc"),
        s(&now, "commit"),
    );
}

/// One goal's line: met, NOT met or n/a, and what was measured.
fn goal_line(out: &mut String, ok: Option<bool>, text: String) {
    let mark = match ok {
        Some(true) => "met",
        Some(false) => "NOT met",
        None => "n/a",
    };
    let _ = writeln!(out, "- {mark}: {text}");
}

/// The goals of this round (issue 26: the timer path within 1.05x of
/// timerfd, GPIO ahead of gpio-cdev and evdev) and the zero-loss goals of
/// issue 15, checked on this run (also a README block; on another board's
/// run, the goals of the part it ran).
pub fn checks(out: &mut String, doc: &Value) {
    let g = &doc["guest"];
    if has_timer_part(g) {
        timer_checks(out, doc);
    }
    if g.get("gpio").is_some() {
        gpio_checks(out, g);
    }
    if g.get("sampling").is_some() {
        let (ok, worst) = crate::sampling_table::goal(g);
        goal_line(
            out,
            ok,
            format!(
                "sampling: rpoll CPU per sample at or below IIO's at 1, 10 and 50 kHz, watermark 1 and 64 (worst rpoll / IIO): {}",
                r(worst)
            ),
        );
    }
}

/// The timer path's goals.
fn timer_checks(out: &mut String, doc: &Value) {
    let now = summary(doc);
    let v = |k: &str| num(&now, &format!("/{k}"));
    let mut line = |ok, text| goal_line(out, ok, text);
    let p99 = ratio(v("rpoll_p99_us"), v("timerfd_p99_us"));
    line(
        p99.map(|x| x <= 1.05),
        format!(
            "timer: rpoll p99 <= 1.05x timerfd, reader on any CPU: {}",
            r(p99)
        ),
    );
    let p50 = ratio(v("rpoll_p50_us"), v("timerfd_p50_us"));
    line(
        p50.map(|x| x <= 1.05),
        format!("timer: rpoll p50 <= 1.05x timerfd: {}", r(p50)),
    );
    let cpu = ratio(v("rpoll_cpu_us"), v("timerfd_cpu_us"));
    line(
        cpu.map(|x| x <= 1.0),
        format!(
            "timer: CPU per event <= 1.0x timerfd, one reader: {}",
            r(cpu)
        ),
    );
    let tc = ratio(v("rpoll_rate_hz"), v("cref_rate_hz"));
    line(
        tc.map(|x| x >= 5.0),
        format!("timer: zero-loss rate >= 5x the C reference's: {}", r(tc)),
    );
    let tt = ratio(v("rpoll_rate_hz"), v("timerfd_rate_hz"));
    line(
        tt.map(|x| x >= 2.0),
        format!("timer: zero-loss rate >= 2x timerfd's: {}", r(tt)),
    );
}

/// The GPIO path's goals: ahead of gpio-cdev and evdev at p99 and in CPU
/// per edge, and the zero-loss rate against gpio-cdev.
fn gpio_checks(out: &mut String, g: &Value) {
    let mut line = |ok, text| goal_line(out, ok, text);
    let gp = |m: &str, soaked: bool, p: &str| gpio_table::figure(g, m, soaked, p);
    for other in ["gpio-cdev", "evdev"] {
        let x = ratio(
            gp("rpoll", false, "/latency/p99_us"),
            gp(other, false, "/latency/p99_us"),
        );
        line(
            x.map(|x| x < 1.0),
            format!("GPIO: rpoll p99 below {other}'s: {}", r(x)),
        );
        let x = ratio(
            gp("rpoll", true, "/cpu_us_per_interrupt"),
            gp(other, true, "/cpu_us_per_interrupt"),
        );
        line(
            x.map(|x| x < 1.0),
            format!(
                "GPIO: rpoll CPU per edge (interrupt) below {other}'s: {}",
                r(x)
            ),
        );
    }
    let (r, c) = (
        gpio_table::zero_loss(g, "rpoll"),
        gpio_table::zero_loss(g, "gpio-cdev"),
    );
    let (rb, cb) = (r.best_hz, c.best_hz);
    let (ok, why) = match (r.limit_reached, c.limit_reached) {
        (false, false) => (
            None,
            format!(
                "neither lost an event in a train whose edges reached it one by one, so neither \
                 limit was found (such trains up to {} Hz for rpoll, {} Hz for gpio-cdev; faster \
                 host pacing only merges edges in the controller; lost in merged bursts: rpoll \
                 {}, gpio-cdev {})",
                f(rb, 0),
                f(cb, 0),
                r.lost_in_bursts,
                c.lost_in_bursts
            ),
        ),
        (rl, cl) => (
            Some(!rl && cl || ratio(rb, cb).is_some_and(|x| x > 1.0)),
            format!("rpoll {} Hz, gpio-cdev {} Hz", f(rb, 0), f(cb, 0)),
        ),
    };
    line(
        ok,
        format!("GPIO: higher zero-loss edge rate than gpio-cdev: {why}"),
    );
}
