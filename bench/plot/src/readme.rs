//! Generated blocks of the READMEs: every benchmark figure quoted in
//! `README.md` and `bench/README.md` sits between
//! `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` and is rendered from
//! `latest.json` by the same code as `latest.md`; `<!-- bench:NAME@BOARD -->`
//! renders the same block from another board's run (`board-BOARD.json`,
//! `make bench BOARD=BOARD`). `update` rewrites the blocks; `check` reports
//! each block that differs (a hand edit, or results newer than the README).
//! `<!-- bench:walk-... -->` blocks (docs/how-poll-works.md) come from
//! `walk-<arch>.json` (`make trace`, walk.rs).

use std::fmt::Write;

use serde_json::Value;

use crate::table::{f, r};
use crate::{compare, find, gpio_table, num, profile, ratio, table};

/// Renders block `name` from the results document `doc` (`NAME@BOARD`:
/// from the document of that board's run, `doc["boards"][BOARD]`).
pub fn render(name: &str, doc: &Value) -> Option<String> {
    if let Some((name, board)) = name.split_once('@') {
        let board_doc = doc.pointer(&format!("/boards/{board}"))?;
        return render(name, board_doc);
    }
    let g = &doc["guest"];
    let mut out = String::new();
    match name {
        "run" => run_line(&mut out, doc),
        "summary" => summary_table(&mut out, doc),
        "timer-summary" => timer_summary(&mut out, doc),
        "timer-latency" => table::latency_table(&mut out, g),
        "timer-same-cpu" => table::same_cpu_table(&mut out, g),
        "timer-throughput" => table::throughput_table(&mut out, g),
        "timer-cpu" => table::cpu_table(&mut out, g),
        "timer-scaling" => table::scaling_table(&mut out, g),
        "gpio-latency" => gpio_table::latency_table(&mut out, g),
        "gpio-cpu" => gpio_table::cpu_table(&mut out, g),
        "gpio-trains" => gpio_table::trains_table(&mut out, g),
        "lines-sleeping" => crate::lines_table::sleeping_table(&mut out, g),
        "lines-polled" => crate::lines_table::polled_table(&mut out, g),
        "sampling-cpu" => crate::sampling_table::cpu_table(&mut out, g),
        "sampling-latency" => crate::sampling_table::latency_table(&mut out, g),
        "before-after" => compare::before_after_table(&mut out, doc),
        "checks" => compare::checks(&mut out, doc),
        "profile" => profile::table(&mut out, &doc["profile"]),
        "profile-path" => profile::path_table(&mut out, &doc["profile"]),
        "profile-path-arm" => profile::path_table(&mut out, &doc["profile_arm"]),
        "profile-path-before-after" => {
            profile::path_before_after(&mut out, &doc["profile_before"], &doc["profile"])
        }
        "trace-cost" => trace_cost(&mut out, doc)?,
        "profile-before-after" => {
            profile::before_after(&mut out, &doc["profile_before"], &doc["profile"])
        }
        _ => return None,
    }
    Some(out)
}

/// One line naming the run the figures come from.
fn run_line(out: &mut String, doc: &Value) {
    let m = &doc["meta"];
    let s = |p: &str| m.pointer(p).and_then(Value::as_str).unwrap_or("?");
    let (command, file) = match m.pointer("/board").and_then(Value::as_str) {
        None | Some("qemu-virt") => ("make bench".to_string(), "latest.json".to_string()),
        Some(b) => (format!("make bench BOARD={b}"), format!("board-{b}.json")),
    };
    let hz = match num(m, "/kernel_hz") {
        Some(hz) => format!(", kernel CONFIG_HZ={}", f(Some(hz), 0)),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "Figures of the run of {} (commit {}, `{command}`, {} s, QEMU clock: {}{hz}), from \
         `bench/results/{file}`.",
        s("/date_utc"),
        s("/commit"),
        f(num(m, "/total_s"), 0),
        s("/clock_mode"),
    );
}

/// What the timer rows' figures depend on: QEMU's clock.
fn timer_clock_words(doc: &Value) -> &'static str {
    if doc.pointer("/meta/clock_mode").and_then(Value::as_str) == Some("icount") {
        "on QEMU's instruction clock, so independent of the host's speed and load (the \
         zero-loss rate can still move by one ladder step between runs)"
    } else {
        "on the host's real-time clock, so they vary with the host's load"
    }
}

/// The timer path's rows: latency from expiry, zero-loss rate and CPU per
/// event of rpoll, the C reference and timerfd, with the ratios.
fn timer_rows(out: &mut String, doc: &Value) {
    let g = &doc["guest"];
    let now = compare::summary(doc);
    let v = |k: &str| num(&now, &format!("/{k}"));
    let lat = |m: &str, k: &str| {
        find(&g["latency"], &[("mech", serde_json::json!(m))])
            .and_then(|e| num(e, &format!("/latency/{k}")))
    };
    let cpu = |m: &str| {
        find(&g["cpu"], &[("mech", serde_json::json!(m))])
            .and_then(|e| num(e, "/cpu/work_ms_per_1000_events"))
    };
    let _ = writeln!(
        out,
        "| timer path, 1 reader | rpoll | C ref | timerfd | rpoll / timerfd | rpoll / C ref |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    let row = |out: &mut String, label: &str, a: Option<f64>, b: Option<f64>, c: Option<f64>, d| {
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} |",
            f(a, d),
            f(b, d),
            f(c, d),
            r(ratio(a, c)),
            r(ratio(a, b))
        );
    };
    row(
        out,
        "latency p50 from expiry (us)",
        v("rpoll_p50_us"),
        lat("cref", "p50_us"),
        v("timerfd_p50_us"),
        1,
    );
    row(
        out,
        "latency p99 from expiry (us)",
        v("rpoll_p99_us"),
        lat("cref", "p99_us"),
        v("timerfd_p99_us"),
        1,
    );
    row(
        out,
        "zero-loss rate for 10 s, CPU 0 only (Hz)",
        v("rpoll_rate_hz"),
        v("cref_rate_hz"),
        v("timerfd_rate_hz"),
        0,
    );
    row(
        out,
        "CPU per event (us)",
        cpu("rpoll"),
        cpu("cref"),
        cpu("timerfd"),
        2,
    );
}

/// What rpoll's trace events cost while off: the run of the module that
/// added them (`with-trace-events.json`, kept: later runs carry later
/// changes too) against the same kernel and benchmark with the module built
/// before the events (`without-trace-events.json`); the kernel's own
/// mechanisms (timerfd, gpio-cdev) show the two runs' noise.
fn trace_cost(out: &mut String, all: &Value) -> Option<()> {
    let base = all.get("without_trace_events").filter(|v| v.is_object())?;
    let doc = all.get("with_trace_events").filter(|v| v.is_object())?;
    let (with, without) = (compare::summary(doc), compare::summary(base));
    let s = |d: &Value, k: &str| num(d, &format!("/{k}"));
    let gp =
        |d: &Value, m: &str, soaked: bool, p: &str| gpio_table::figure(&d["guest"], m, soaked, p);
    let _ = writeln!(
        out,
        "| figure | rpoll without events | rpoll with events (off) | ratio | control: without -> with | control's ratio |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    let mut row =
        |label: &str, a: Option<f64>, b: Option<f64>, ca: Option<f64>, cb: Option<f64>, d| {
            let _ = writeln!(
                out,
                "| {label} | {} | {} | {} | {} -> {} | {} |",
                f(a, d),
                f(b, d),
                r(ratio(b, a)),
                f(ca, d),
                f(cb, d),
                r(ratio(cb, ca))
            );
        };
    for (label, k, c) in [
        (
            "timer latency p50 (us; control timerfd)",
            "rpoll_p50_us",
            "timerfd_p50_us",
        ),
        (
            "timer latency p99 (us; control timerfd)",
            "rpoll_p99_us",
            "timerfd_p99_us",
        ),
        (
            "timer CPU per event (us; control timerfd)",
            "rpoll_cpu_us",
            "timerfd_cpu_us",
        ),
    ] {
        let d = if k.ends_with("cpu_us") { 2 } else { 1 };
        row(
            label,
            s(&without, k),
            s(&with, k),
            s(&without, c),
            s(&with, c),
            d,
        );
    }
    for (label, soaked, p, d) in [
        (
            "GPIO latency p50 (us; control gpio-cdev)",
            false,
            "/latency/p50_us",
            1,
        ),
        (
            "GPIO latency p99 (us; control gpio-cdev)",
            false,
            "/latency/p99_us",
            1,
        ),
        (
            "GPIO CPU per edge (us; control gpio-cdev)",
            true,
            "/cpu_us_per_interrupt",
            2,
        ),
    ] {
        row(
            label,
            gp(base, "rpoll", soaked, p),
            gp(doc, "rpoll", soaked, p),
            gp(base, "gpio-cdev", soaked, p),
            gp(doc, "gpio-cdev", soaked, p),
            d,
        );
    }
    let sha = |d: &Value| {
        let s = d
            .pointer("/meta/rpoll_ko_sha256")
            .and_then(Value::as_str)
            .unwrap_or("?");
        s.get(..12).unwrap_or(s).to_string()
    };
    let _ = writeln!(
        out,
        "\nBoth runs on the same kernel build ({}; event tracing built in, nothing traced), rpoll.ko SHA-256 {}... \
         without the events, {}... with them (`without-trace-events.json`, `with-trace-events.json`).",
        doc.pointer("/meta/kernel_build")
            .and_then(Value::as_str)
            .and_then(|k| k.rsplit('/').next())
            .unwrap_or("?"),
        sha(base),
        sha(doc),
    );
    Some(())
}

/// The timer path's table alone, with its footnote (another board's run).
fn timer_summary(out: &mut String, doc: &Value) {
    timer_rows(out, doc);
    let _ = writeln!(out, "\nMeasured {}.", timer_clock_words(doc));
}

/// The headline table of the top-level README: the timer path's rows
/// ([`timer_rows`]), then the GPIO path's.
fn summary_table(out: &mut String, doc: &Value) {
    timer_rows(out, doc);
    let g = &doc["guest"];
    let gp = |m: &str, soaked: bool, p: &str| gpio_table::figure(g, m, soaked, p);
    let _ = writeln!(
        out,
        "\n| GPIO path (PL061, edges from the host) | rpoll | gpio-cdev | evdev | rpoll / gpio-cdev | rpoll / evdev |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for (label, soaked, p, d) in [
        (
            "latency p50 from the kernel's stamp (us)",
            false,
            "/latency/p50_us",
            1,
        ),
        (
            "latency p99 from the kernel's stamp (us)",
            false,
            "/latency/p99_us",
            1,
        ),
        (
            "CPU per edge (interrupt) (us)",
            true,
            "/cpu_us_per_interrupt",
            2,
        ),
    ] {
        let (a, b, c) = (
            gp("rpoll", soaked, p),
            gp("gpio-cdev", soaked, p),
            gp("evdev", soaked, p),
        );
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} |",
            f(a, d),
            f(b, d),
            f(c, d),
            r(ratio(a, b)),
            r(ratio(a, c))
        );
    }
    let runs = num(g, "/config/gpio_repeats").unwrap_or(1.0);
    let timer = timer_clock_words(doc);
    let _ = writeln!(
        out,
        "\nTimer rows: measured {timer}. GPIO rows: the host paces the edges, so they are not \
         deterministic; {}, ranges in `bench/README.md`. evdev's latency is from a stamp rpoll \
         takes in the same interrupt (its line toggled together with the key's), since \
         evdev's own stamp is taken later, in gpio-keys' worker.",
        if runs > 1.0 {
            format!(
                "each comes from the median of {} runs (by p99 for latency, by CPU per \
                 interrupt for CPU)",
                f(Some(runs), 0)
            )
        } else {
            "each comes from one run".to_string()
        }
    );
    if g.get("sampling").is_some() {
        let cpu = |m: &str, wm: u64| {
            crate::sampling_table::row(g, m, 50_000.0, wm)
                .and_then(|v| num(v, "/cpu_us_per_sample"))
        };
        let _ = writeln!(
            out,
            "\n| Sampling at 50 kHz, CPU per sample (us) | rpoll | IIO | timerfd | rpoll / IIO |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|");
        for wm in [1, 64] {
            let _ = writeln!(
                out,
                "| watermark {wm} | {} | {} | {} | {} |",
                f(cpu("rpoll", wm), 2),
                f(cpu("iio", wm), 2),
                if wm == 1 {
                    f(cpu("timerfd", 1), 2)
                } else {
                    "-".into()
                },
                r(ratio(cpu("rpoll", wm), cpu("iio", wm)))
            );
        }
    }
}

/// The blocks of `text` as (name, start of content, end of content).
fn blocks(text: &str) -> Result<Vec<(String, usize, usize)>, String> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("<!-- bench:") {
        let open = from + i;
        let name_end = text[open..]
            .find(" -->")
            .ok_or("unterminated <!-- bench: marker")?
            + open;
        let name = text[open + "<!-- bench:".len()..name_end].to_string();
        let body = name_end + " -->".len();
        let close = format!("<!-- /bench:{name} -->");
        let end = text[body..]
            .find(&close)
            .ok_or(format!("block {name} has no {close}"))?
            + body;
        found.push((name, body, end));
        from = end + close.len();
    }
    Ok(found)
}

/// `text` with every block re-rendered from `doc`; also the names of the
/// blocks whose content changed.
pub fn splice(text: &str, doc: &Value) -> Result<(String, Vec<String>), String> {
    let mut out = String::with_capacity(text.len());
    let mut changed = Vec::new();
    let mut last = 0;
    for (name, body, end) in blocks(text)? {
        // docs/how-poll-works.md's blocks: a trace that does not show the
        // text's path is an error, not a stale block.
        let walked = crate::walk::render(&name, doc).transpose()?;
        let fresh =
            walked
                .or_else(|| render(&name, doc))
                .ok_or_else(|| match name.split_once('@') {
                    Some((_, b)) if doc.pointer(&format!("/boards/{b}")).is_none() => {
                        format!(
                        "block {name}: no board-{b}.json beside the results (make bench BOARD={b})"
                    )
                    }
                    _ => format!("unknown block {name}"),
                })?;
        let fresh = format!("\n{fresh}");
        if text[body..end] != fresh {
            changed.push(name);
        }
        out.push_str(&text[last..body]);
        out.push_str(&fresh);
        last = end;
    }
    out.push_str(&text[last..]);
    Ok((out, changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_finds_stale_blocks_and_keeps_the_rest() {
        let doc = serde_json::json!({"meta": {"date_utc": "D", "commit": "C", "total_s": 5,
            "clock_mode": "icount"}, "guest": {}});
        let fresh = render("run", &doc).unwrap();
        let good = format!("a\n<!-- bench:run -->\n{fresh}<!-- /bench:run -->\nb\n");
        let (same, changed) = splice(&good, &doc).unwrap();
        assert_eq!((same.as_str(), changed.len()), (good.as_str(), 0));
        let stale = "a\n<!-- bench:run -->\nold\n<!-- /bench:run -->\nb\n";
        let (out, changed) = splice(stale, &doc).unwrap();
        assert_eq!(changed, ["run"]);
        assert_eq!(out, good);
        assert!(splice("<!-- bench:nope -->x<!-- /bench:nope -->", &doc).is_err());
        assert!(splice("<!-- bench:run -->x", &doc).is_err());
    }
}
