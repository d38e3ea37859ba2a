//! The GPIO part of the report: rpoll's GPIO device against gpio-cdev and
//! gpio-keys + evdev (latency with idle CPUs, CPU per event and loss with
//! soakers).

use std::fmt::Write;

use serde_json::{json, Value};

use crate::num;
use crate::table::{f, table_with_ratios, Col, LATENCY_COLS};

/// The GPIO mechanisms, in report order.
const GPIO_MECHS: [&str; 3] = ["rpoll", "gpio-cdev", "evdev"];
/// The ones rpoll is compared with.
const OTHERS: [&str; 2] = ["gpio-cdev", "evdev"];

/// Every train of `mech` with host gap `gap` (soaked or not): one per
/// repeat (results before repeats have one).
fn trains<'a>(gpio: &'a Value, mech: &str, gap: &Value, soaked: bool) -> Vec<&'a Value> {
    gpio["trains"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["mech"] == json!(mech) && t["gap_us"] == *gap && t["soaked"] == json!(soaked))
        .collect()
}

/// The train whose figure at `key` is the median of the repeats (the
/// lower middle one of an even number); trains without it are left out.
fn median_train<'a>(
    gpio: &'a Value,
    mech: &str,
    gap: &Value,
    soaked: bool,
    key: &str,
) -> Option<&'a Value> {
    let mut ts: Vec<(f64, &Value)> = trains(gpio, mech, gap, soaked)
        .into_iter()
        .filter_map(|t| num(t, key).map(|v| (v, t)))
        .collect();
    ts.sort_by(|a, b| a.0.total_cmp(&b.0));
    ts.get(ts.len().saturating_sub(1) / 2).map(|p| p.1)
}

/// The widest host gap (the latency and CPU tables' trains).
fn first_gap(g: &Value) -> Value {
    g.pointer("/config/gpio_gaps_us/0")
        .cloned()
        .unwrap_or(json!(1000))
}

/// The figure that picks the representative run among the repeats at the
/// widest gap: p99 latency for the idle trains, CPU per interrupt for the
/// soaked ones. With its words for the report.
fn rank_key(soaked: bool) -> (&'static str, &'static str, usize) {
    if soaked {
        ("/cpu_us_per_interrupt", "CPU µs per interrupt", 2)
    } else {
        ("/latency/p99_us", "p99 (µs)", 1)
    }
}

/// The representative train of `mech` at the widest gap: the one with the
/// median of `rank_key`.
fn representative<'a>(g: &'a Value, mech: &str, soaked: bool) -> Option<&'a Value> {
    median_train(&g["gpio"], mech, &first_gap(g), soaked, rank_key(soaked).0)
}

/// rpoll's representative idle train at the widest gap (the latency
/// table's row).
pub fn rpoll_idle_train(g: &Value) -> Option<&Value> {
    representative(g, "rpoll", false)
}

/// Figure `key` of `mech` at the widest gap, idle (`soaked` false) or
/// soaked, from the representative run, as every table and ratio quotes it.
pub fn figure(g: &Value, mech: &str, soaked: bool, key: &str) -> Option<f64> {
    representative(g, mech, soaked).and_then(|t| num(t, key))
}

/// One sentence on the repeats behind a table: how many, and the range of
/// the ranking figure for each mechanism.
fn spread_line(out: &mut String, g: &Value, soaked: bool) {
    let (key, what, d) = rank_key(soaked);
    let gap = first_gap(g);
    let ranges: Vec<String> = GPIO_MECHS
        .iter()
        .map(|m| {
            let v: Vec<f64> = trains(&g["gpio"], m, &gap, soaked)
                .iter()
                .filter_map(|t| num(t, key))
                .collect();
            let lo = v.iter().copied().reduce(f64::min);
            let hi = v.iter().copied().reduce(f64::max);
            match v.len() {
                1 => format!("{m} {} (1 run)", f(lo, d)),
                n => format!("{m} {} to {} ({n} runs)", f(lo, d), f(hi, d)),
            }
        })
        .collect();
    let _ = writeln!(
        out,
        "\nNot deterministic (the host paces the edges): each row is the run with the median \
         {what}, which ranged over {}.",
        ranges.join(", ")
    );
}

/// Latency table (idle CPUs), also a generated README block.
pub fn latency_table(out: &mut String, g: &Value) {
    let rows: Vec<(&str, Option<&Value>)> = GPIO_MECHS
        .iter()
        .map(|m| (*m, representative(g, m, false)))
        .collect();
    table_with_ratios(out, "source", &rows, &LATENCY_COLS, &OTHERS);
    spread_line(out, g, false);
    let _ = writeln!(out);
    evdev_reference_line(out, g);
}

/// What evdev's latency is measured from, with its figures from its own
/// stamp (the representative train's).
fn evdev_reference_line(out: &mut String, g: &Value) {
    let Some(t) = representative(g, "evdev", false) else {
        return;
    };
    match num(t, "/latency_reference_line") {
        Some(line) => {
            let _ = writeln!(
                out,
                "rpoll and gpio-cdev: from the stamp taken at the top of their hard-IRQ handler. \
                 evdev: from the same kind of stamp, taken by rpoll's GPIO device on line {} \
                 (toggled by the host in the same qtest write, after the key's line: one \
                 interrupt, the key's handler first; a reference taken in a later interrupt can \
                 only shorten evdev's figure; {} events without a reference left out). From \
                 the input core's own stamp, taken in gpio-keys' worker, the same events give \
                 p50 {} / p99 {} µs: the interrupt-to-worker part is what that stamp leaves out.",
                f(Some(line), 0),
                f(num(t, "/unpaired"), 0),
                f(num(t, "/latency_own_stamp/p50_us"), 1),
                f(num(t, "/latency_own_stamp/p99_us"), 1),
            );
        }
        None => {
            let _ = writeln!(
                out,
                "rpoll and gpio-cdev: from the stamp taken at the top of their hard-IRQ handler. \
                 evdev: from the input core's stamp, taken in gpio-keys' worker after the \
                 interrupt and the worker's wake-up, a lower bound of its latency from the \
                 interrupt."
            );
        }
    }
}

/// CPU per event table (soakers, widest gap), also a README block.
pub fn cpu_table(out: &mut String, g: &Value) {
    let rows: Vec<(&str, Option<&Value>)> = GPIO_MECHS
        .iter()
        .map(|m| (*m, representative(g, m, true)))
        .collect();
    let cols: [Col<'_>; 5] = [
        ("interrupts", "/interrupts", 0, false),
        ("events", "/produced", 0, false),
        ("CPU taken from the soaker (ms)", "/cpu_ms", 1, false),
        ("CPU us / interrupt", "/cpu_us_per_interrupt", 2, true),
        ("CPU us / event", "/cpu_us_per_event", 2, true),
    ];
    table_with_ratios(out, "source", &rows, &cols, &OTHERS);
    spread_line(out, g, true);
}

/// Whether train `t` got its edges one by one: at least 90 % of them
/// reached the kernel as interrupts of their own. Faster host pacing only
/// makes edges merge in the controller, and an event rate over a few
/// merged bursts says nothing about what a mechanism sustains.
fn edges_separate(t: &Value) -> bool {
    let edges = num(t, "/edges").unwrap_or(0.0);
    num(t, "/interrupts").is_some_and(|i| edges > 0.0 && i >= 0.9 * edges)
}

/// What `mech`'s soaked trains say about its zero-loss event rate.
#[derive(Debug, Default, PartialEq)]
pub struct ZeroLoss {
    /// Highest guest-time event rate among trains that lost nothing and
    /// got their edges one by one.
    pub best_hz: Option<f64>,
    /// Whether a train that got its edges one by one lost events: a limit
    /// was reached.
    pub limit_reached: bool,
    /// Events lost in trains whose edges merged (bursts faster than the
    /// interrupts): reported, but no limit, since such a train's rate says
    /// nothing about what the mechanism sustains.
    pub lost_in_bursts: u64,
}

/// The zero-loss figures of `mech`'s soaked trains.
pub fn zero_loss(g: &Value, mech: &str) -> ZeroLoss {
    let mut z = ZeroLoss::default();
    for t in g["gpio"]["trains"].as_array().into_iter().flatten() {
        if t["mech"] != json!(mech) || t["soaked"] != json!(true) {
            continue;
        }
        let lost = num(t, "/lost").unwrap_or(1.0);
        match (lost > 0.0, edges_separate(t)) {
            (true, true) => z.limit_reached = true,
            (true, false) => z.lost_in_bursts += lost as u64,
            (false, true) => {
                if let Some(r) = num(t, "/rate_hz") {
                    z.best_hz = Some(z.best_hz.map_or(r, |b: f64| b.max(r)));
                }
            }
            (false, false) => {}
        }
    }
    z
}

/// The edge-train table: every soaked train.
pub fn trains_table(out: &mut String, g: &Value) {
    let _ = writeln!(
        out,
        "| host gap (us) | source | edges | interrupts | events | read | lost | event rate, guest time (Hz) | CPU us / interrupt | p99 (us) |"
    );
    let _ = writeln!(out, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let gaps = g
        .pointer("/config/gpio_gaps_us")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for gap in &gaps {
        let all: Vec<Vec<&Value>> = GPIO_MECHS
            .iter()
            .map(|m| trains(&g["gpio"], m, gap, true))
            .collect();
        let runs = all.iter().map(Vec::len).max().unwrap_or(0);
        // Run by run, in the order measured (rpoll, gpio-cdev, evdev, ...).
        for (m, t) in (0..runs).flat_map(|i| {
            GPIO_MECHS
                .iter()
                .zip(&all)
                .map(move |(m, ts)| (m, ts.get(i)))
        }) {
            let t = t.copied();
            let c = |p: &str, d: usize| f(t.and_then(|t| num(t, p)), d);
            let _ = writeln!(
                out,
                "| {gap} | {m} | {} | {} | {} | {} | {} | {} | {} | {} |",
                c("/edges", 0),
                c("/interrupts", 0),
                c("/produced", 0),
                c("/delivered", 0),
                c("/lost", 0),
                c("/rate_hz", 0),
                c("/cpu_us_per_interrupt", 2),
                c("/latency/p99_us", 1),
            );
        }
    }
}

/// The whole GPIO section of `latest.md`.
pub fn section(out: &mut String, g: &Value) {
    if g.get("gpio").is_none() {
        return;
    }
    let gpio = &g["gpio"];
    let _ = writeln!(out, "## 5. GPIO path: rpoll against gpio-cdev and evdev\n");
    let _ = writeln!(
        out,
        "Same board, same boot, same PL061 controller: rpoll's GPIO device on line {} (both \
         edges, no debounce, queue depth {}) and a gpio-cdev uAPI v2 line request on line {} \
         (`GPIO_V2_LINE_FLAG_EDGE_RISING | _FALLING`, event buffer {}), read the way `gpiomon` \
         reads it, and a gpio-keys key on line {} (both edges, `debounce-interval = <0>`) read \
         through its evdev device (`EVIOCSCLOCKID` `CLOCK_MONOTONIC`; evdev's buffer is its \
         own, 64 events here), the way most boards expose buttons. The host toggles each \
         line through QEMU's qtest socket, {} edges per train. rpoll and gpio-cdev stamp \
         `CLOCK_MONOTONIC` at the top of their hard-IRQ handler; rpoll then reads the level, \
         queues and wakes the reader in that handler, gpio-cdev wakes its IRQ thread, which \
         reads the level, queues the event and wakes the reader. gpio-keys' handler queues \
         its work item; the worker reads the level and reports it, and the input core stamps \
         the event there (to the microsecond) before evdev queues it and wakes the reader.\n",
        f(num(gpio, "/rpoll_line"), 0),
        f(num(gpio, "/event_buffer"), 0),
        f(num(gpio, "/cdev_line"), 0),
        f(num(gpio, "/event_buffer"), 0),
        f(num(gpio, "/evdev_line"), 0),
        f(num(g, "/config/gpio_edges"), 0),
    );
    let _ = writeln!(
        out,
        "### 5a. Latency, idle CPUs, edges {} us apart on the host (microseconds)\n",
        first_gap(g)
    );
    let _ = writeln!(
        out,
        "From the edge's kernel stamp to `clock_gettime` after `epoll_wait` returns (evdev: \
         from a stamp in the same interrupt, see below).\n"
    );
    latency_table(out, g);
    let _ = writeln!(out, "\n### 5b. CPU per event\n");
    let _ = writeln!(
        out,
        "The CPUs idle between host edges and the tick stops in idle, so `/proc/stat` sees \
         almost none of this work. Instead every CPU but CPU 0 goes offline and a `SCHED_IDLE` \
         thread on CPU 0 counts loop iterations (idle rate {} per second, {} after the trains); the \
         iterations a train takes from it, at that rate, are its CPU time (everything the edges \
         cause: interrupt, IRQ thread or worker, reader). The soaker keeps the CPU from \
         idling, so no idle exit is counted. Per interrupt is per edge the kernel saw (two \
         edges that both happen before the interrupt is taken are one); rpoll and evdev make \
         an event only of a level change, gpio-cdev one of every interrupt.\n",
        f(num(gpio, "/soak_rate_per_s"), 0),
        f(num(gpio, "/soak_rate_per_s_after"), 0),
    );
    cpu_table(out, g);
    let _ = writeln!(out, "\n### 5c. Edge trains, soakers running\n");
    let _ = writeln!(
        out,
        "Each host gap, rpoll, gpio-cdev, then evdev. `interrupts` and `events` are fewer than \
         `edges` when the line toggles more than once before its interrupt is taken (rpoll \
         and evdev then see one level change or none; gpio-cdev reports each interrupt as one \
         event); evdev's worker reads the level once for all the interrupts that came before \
         it ran. `lost` = produced but never read (rpoll: `lost`; gpio-cdev: `line_seqno` \
         gaps; evdev: `SYN_DROPPED` markers, each at least one event). The edge rate is \
         events over the guest time between the first and last stamp. evdev's p99 here is \
         from its own stamp (these trains toggle no reference line), taken after the \
         interrupt.\n"
    );
    trains_table(out, g);
    for m in GPIO_MECHS {
        let z = zero_loss(g, m);
        let bursts = if z.lost_in_bursts > 0 {
            format!(
                "; {} events lost in trains whose edges merged, which set no limit",
                z.lost_in_bursts
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "\n{m}: highest event rate with zero loss among trains whose edges reached the \
             kernel one by one (at least 90 % as interrupts of their own): {} Hz{}{bursts}.",
            f(z.best_hz, 0),
            if z.limit_reached {
                ""
            } else {
                " (no such train lost anything: the limit was not reached)"
            }
        );
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn train(mech: &str, edges: u64, interrupts: u64, lost: u64, rate: f64) -> Value {
        json!({"mech": mech, "soaked": true, "edges": edges, "interrupts": interrupts,
               "lost": lost, "rate_hz": rate})
    }

    #[test]
    fn losses_in_merged_bursts_set_no_limit() {
        let g = json!({"gpio": {"trains": [
            train("rpoll", 4000, 3960, 0, 500.0),
            train("rpoll", 4000, 3420, 0, 34000.0),
            train("rpoll", 4000, 2178, 32, 19000.0),
            train("gpio-cdev", 4000, 3960, 0, 520.0),
            train("gpio-cdev", 4000, 3900, 7, 40000.0),
        ]}});
        let r = zero_loss(&g, "rpoll");
        // The 34 kHz train merged edges (86 % interrupts): not a rate; the
        // lossy one merged them too: no limit.
        assert_eq!(r.best_hz, Some(500.0));
        assert!(!r.limit_reached);
        assert_eq!(r.lost_in_bursts, 32);
        let c = zero_loss(&g, "gpio-cdev");
        assert_eq!(c.best_hz, Some(520.0));
        assert!(c.limit_reached);
        assert_eq!(c.lost_in_bursts, 0);
    }
}
