//! The markdown report (`latest.md`): one table per measurement of the
//! timer path, each with the ratios rpoll / timerfd and rpoll / cref as
//! their own rows; the GPIO part, the before/after table and the goals'
//! checks come from `gpio_table` and `compare`. Each table is also a
//! function of its own, for the generated blocks of the READMEs.

use std::fmt::Write;

use serde_json::{json, Value};

use crate::{compare, find, gpio_table, has_timer_part, num, ratio};

const MECHS: [&str; 3] = ["rpoll", "cref", "timerfd"];

/// `v` with `decimals` decimals, `-` if missing.
pub fn f(v: Option<f64>, decimals: usize) -> String {
    v.map_or("-".into(), |x| format!("{x:.decimals$}"))
}

/// A ratio as `1.23x`, `-` if missing.
pub fn r(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.2}x"))
}

fn s<'a>(v: &'a Value, path: &str) -> &'a str {
    v.pointer(path).and_then(Value::as_str).unwrap_or("?")
}

/// One column of a measurement table: label, JSON pointer into the row's
/// entry, decimals, and whether the ratio rows compare it (a count of
/// samples or events has no meaningful ratio).
pub type Col<'a> = (&'a str, &'a str, usize, bool);

/// Rows of a table whose entries are `list[mech]` and columns `cols`,
/// followed by a ratio row `first / other` for each of `others`.
pub fn table_with_ratios(
    out: &mut String,
    head: &str,
    rows: &[(&str, Option<&Value>)],
    cols: &[Col<'_>],
    others: &[&str],
) {
    let _ = writeln!(
        out,
        "| {head} | {} |",
        cols.iter().map(|c| c.0).collect::<Vec<_>>().join(" | ")
    );
    let _ = writeln!(out, "|---|{}", "---:|".repeat(cols.len()));
    for (label, e) in rows {
        let cells: Vec<String> = cols
            .iter()
            .map(|(_, p, d, _)| f(e.and_then(|e| num(e, p)), *d))
            .collect();
        let _ = writeln!(out, "| {label} | {} |", cells.join(" | "));
    }
    let Some(&(first, _)) = rows.first() else {
        return;
    };
    let get = |name: &str| rows.iter().find(|(l, _)| *l == name).and_then(|(_, e)| *e);
    for other in others {
        let cells: Vec<String> = cols
            .iter()
            .map(|(_, p, _, compare)| {
                if !compare {
                    return String::new();
                }
                r(ratio(
                    get(first).and_then(|e| num(e, p)),
                    get(other).and_then(|e| num(e, p)),
                ))
            })
            .collect();
        let _ = writeln!(out, "| **{first} / {other}** | {} |", cells.join(" | "));
    }
}

/// The rows of `list`, one per timer mechanism, in report order.
fn mech_rows(list: &Value) -> Vec<(&'static str, Option<&Value>)> {
    MECHS
        .iter()
        .map(|m| (*m, find(list, &[("mech", json!(m))])))
        .collect()
}

/// Latency columns (`samples` is not compared).
pub const LATENCY_COLS: [Col<'static>; 6] = [
    ("samples", "/latency/n", 0, false),
    ("min", "/latency/min_us", 1, true),
    ("p50", "/latency/p50_us", 1, true),
    ("p99", "/latency/p99_us", 1, true),
    ("p99.9", "/latency/p999_us", 1, true),
    ("max", "/latency/max_us", 1, true),
];

/// Test 1's table alone (also a generated README block).
pub fn latency_table(out: &mut String, g: &Value) {
    table_with_ratios(
        out,
        "source",
        &mech_rows(&g["latency"]),
        &LATENCY_COLS,
        &["timerfd", "cref"],
    );
}

fn latency_section(out: &mut String, g: &Value) {
    let period = num(g, "/config/latency_period_us").unwrap_or(0.0);
    let _ = writeln!(
        out,
        "## 1. Wake-up latency (1 reader, {:.0} Hz, microseconds)\n",
        1e6 / period
    );
    let _ = writeln!(
        out,
        "From the timer's expiry to `clock_gettime(CLOCK_MONOTONIC)` right after `epoll_wait` \
         returns, for all three alike: timerfd's expiries are `it_value + n * interval`, cref \
         stamps the deadline its thread slept to, rpoll stamps each record with its hrtimer's \
         expiry. Lower is better; a ratio above 1 means rpoll is slower.\n"
    );
    latency_table(out, g);
    let rp = find(&g["latency"], &[("mech", json!("rpoll"))]);
    let off = rp.and_then(|e| num(e, "/stamp_offset_from_grid/max_us"));
    let _ = writeln!(
        out,
        "\nCheck: rpoll's stamps lie on its timer's grid (largest offset from the ideal grid: \
         {} us; 0 means every stamp is an expiry).\n",
        f(off, 3)
    );
}

/// Test 1b's table alone (also a generated README block).
pub fn same_cpu_table(out: &mut String, g: &Value) {
    table_with_ratios(
        out,
        "source",
        &mech_rows(&g["latency_same_cpu"]),
        &LATENCY_COLS[1..],
        &["timerfd", "cref"],
    );
}

fn same_cpu_section(out: &mut String, g: &Value) {
    if g.get("latency_same_cpu").is_none() {
        return;
    }
    let _ = writeln!(out, "### 1b. Diagnostic: the same test confined to CPU 0\n");
    let _ = writeln!(
        out,
        "With the benchmark process pinned to CPU 0 every timer fires on its reader's CPU. \
         rpoll's timer follows its reader anyway (it is restarted on the reader's CPU at the \
         same expiry), so this table should match test 1's; before that it did not. cref's \
         producer thread is not pinned.\n"
    );
    same_cpu_table(out, g);
    out.push('\n');
}

fn throughput_section(out: &mut String, g: &Value) {
    let secs = num(g, "/config/throughput_confirm_s").unwrap_or(0.0);
    let _ = writeln!(
        out,
        "## 2. Throughput: highest rate sustained {secs:.0} s with zero loss (1 reader, CPU 0 only)\n"
    );
    let _ = writeln!(
        out,
        "Rates from a ladder of periods (1000 us down to 10 us, steps of ~1.25x). Higher is \
         better; a ratio above 1 means rpoll sustains more. Loss = any period not delivered as \
         its own record (queue drop, skipped timer period, timerfd expirations merged into one \
         read).\n"
    );
    throughput_table(out, g);
    out.push('\n');
}

/// Test 2's table alone (also a generated README block).
pub fn throughput_table(out: &mut String, g: &Value) {
    let _ = writeln!(
        out,
        "| variant | max rate (Hz) | period (us) | first failing step (Hz) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|");
    let rate = |v: &str| {
        find(&g["throughput"], &[("variant", json!(v))]).and_then(|e| num(e, "/max_rate_hz"))
    };
    for v in ["rpoll", "rpoll-batch64", "cref", "timerfd"] {
        let e = find(&g["throughput"], &[("variant", json!(v))]);
        let fail = e
            .and_then(|e| num(e, "/first_failing_period_us"))
            .map(|p| 1e6 / p);
        let top = e
            .and_then(|e| e.get("ladder_top_reached"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let _ = writeln!(
            out,
            "| {v} | {} | {} | {} |",
            f(rate(v), 0),
            f(e.and_then(|e| num(e, "/max_rate_period_us")), 0),
            if top {
                "none (ladder top)".into()
            } else {
                f(fail, 0)
            }
        );
    }
    for other in ["timerfd", "cref"] {
        let _ = writeln!(
            out,
            "| **rpoll / {other}** | {} (batch64: {}) | | |",
            r(ratio(rate("rpoll"), rate(other))),
            r(ratio(rate("rpoll-batch64"), rate(other)))
        );
    }
}

/// Test 3's table alone (also a generated README block).
pub fn cpu_table(out: &mut String, g: &Value) {
    table_with_ratios(
        out,
        "source",
        &mech_rows(&g["cpu"]),
        &[
            ("events", "/counts/produced", 0, false),
            ("busy time (ms)", "/cpu/work_ms", 0, false),
            ("busy tick samples", "/cpu/tick_samples", 0, false),
            ("CPU us / event", "/cpu/work_ms_per_1000_events", 2, true),
        ],
        &["timerfd", "cref"],
    );
}

fn cpu_section(out: &mut String, g: &Value) {
    let period = num(g, "/config/cpu_period_us").unwrap_or(0.0);
    let secs = num(g, "/config/cpu_s").unwrap_or(0.0);
    let _ = writeln!(
        out,
        "## 3. CPU cost (1 reader, {:.0} Hz for {secs:.1} s)\n",
        1e6 / period
    );
    // Runs before the tick rate was recorded were all on 250 Hz kernels.
    let hz = num(g, "/config/kernel_hz").unwrap_or(250.0);
    let _ = writeln!(
        out,
        "Guest CPU time from `/proc/stat` (user + nice + system + irq + softirq, both CPUs, net \
         of the idle baseline) per event. The kernel ({hz:.0} Hz) charges each {:.0} ms tick to \
         what the CPU is doing at that instant and `/proc/stat` reports the sum in 10 ms units; \
         the period is prime to the tick, so the ticks sample every phase of the event cycle. \
         `busy tick samples` is how many samples the figure rests on (its statistical error is \
         about 1/sqrt of that). Lower is better.\n",
        1000.0 / hz
    );
    cpu_table(out, g);
    out.push('\n');
}

fn scaling_section(out: &mut String, g: &Value) {
    let period = num(g, "/config/scaling_period_us").unwrap_or(0.0);
    let _ = writeln!(
        out,
        "## 4. Scaling with concurrent readers ({:.0} Hz)\n",
        1e6 / period
    );
    let _ = writeln!(
        out,
        "rpoll and timerfd deliver every event to every reader (timerfd: one timer per reader \
         on the same schedule); cref has one shared queue, so each event reaches ONE of its \
         readers and the others wake for nothing. CPU: `/proc/stat` microseconds per event \
         produced and per record delivered; with one reader at this rate too few ticks land on \
         busy time to resolve it, so that row repeats test 3's figure (marked \\*). `missed` \
         counts deliveries lost.\n"
    );
    scaling_table(out, g);
    out.push('\n');
}

/// Test 4's table alone (also a generated README block).
pub fn scaling_table(out: &mut String, g: &Value) {
    let _ = writeln!(
        out,
        "| readers | source | p50 (us) | p99 (us) | p99.9 (us) | CPU us / event | CPU us / delivery | busy tick samples | delivered | missed |"
    );
    let _ = writeln!(out, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let cpu_test = |m: &str| find(&g["cpu"], &[("mech", json!(m))]);
    for n in [1u64, 8, 64] {
        let e = |m: &str| find(&g["scaling"], &[("mech", json!(m)), ("readers", json!(n))]);
        // CPU per event: from test 3 for one reader (see above).
        let cpu = |m: &str, p: &str| {
            if n == 1 {
                cpu_test(m).and_then(|x| num(x, p))
            } else {
                e(m).and_then(|x| num(x, p))
            }
        };
        let star = if n == 1 { "\\*" } else { "" };
        for m in MECHS {
            let x = e(m);
            let c = |p: &str, d: usize| f(x.and_then(|x| num(x, p)), d);
            let _ = writeln!(
                out,
                "| {n} | {m} | {} | {} | {} | {}{star} | {}{star} | {} | {} | {} |",
                c("/latency/p50_us", 1),
                c("/latency/p99_us", 1),
                c("/latency/p999_us", 1),
                f(cpu(m, "/cpu/work_ms_per_1000_events"), 2),
                f(cpu(m, "/cpu/work_ms_per_1000_deliveries"), 2),
                c("/cpu/tick_samples", 0),
                c("/counts/delivered", 0),
                c("/counts/missed", 0),
            );
        }
        for other in ["timerfd", "cref"] {
            let q = |p: &str| {
                r(ratio(
                    e("rpoll").and_then(|x| num(x, p)),
                    e(other).and_then(|x| num(x, p)),
                ))
            };
            let qc = |p: &str| r(ratio(cpu("rpoll", p), cpu(other, p)));
            let _ = writeln!(
                out,
                "| {n} | **rpoll / {other}** | {} | {} | {} | {} | {} | | | |",
                q("/latency/p50_us"),
                q("/latency/p99_us"),
                q("/latency/p999_us"),
                qc("/cpu/work_ms_per_1000_events"),
                qc("/cpu/work_ms_per_1000_deliveries"),
            );
        }
    }
}

/// Per-call costs measured from user space (diagnostic).
fn syscall_section(out: &mut String, g: &Value) {
    let Some(m) = g.get("syscall_ns") else { return };
    let _ = writeln!(out, "## Per-call costs (ns, diagnostic)\n");
    let _ = writeln!(
        out,
        "Mean cost of one call from user space with nothing to read: the fixed part of each \
         wake-up cycle. `getppid` is the bare system call.\n"
    );
    let _ = writeln!(out, "| call | rpoll | cref | timerfd |");
    let _ = writeln!(out, "|---|---:|---:|---:|");
    for (label, key) in [
        ("read, queue empty (EAGAIN)", "read_empty_ns"),
        ("poll, timeout 0", "poll0_ns"),
        ("stats ioctl", "stats_ioctl_ns"),
    ] {
        let c = |mech: &str| f(num(m, &format!("/{mech}_{key}")), 0);
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} |",
            c("rpoll"),
            c("cref"),
            c("timerfd")
        );
    }
    let _ = writeln!(out, "| getppid | {} | | |\n", f(num(m, "/getppid_ns"), 0));
}

/// The whole report.
pub fn markdown(doc: &Value) -> String {
    let g = &doc["guest"];
    let m = &doc["meta"];
    let mut out = String::new();
    let _ = writeln!(out, "# rpoll benchmark: latest results\n");
    let _ = writeln!(
        out,
        "Run {} on `{}`, guest kernel `{}` ({} vCPUs, QEMU TCG, {} clock){}. Total {} s ({} s \
         of guest time). Other QEMU processes seen on the host during the run: {} (max load \
         average {}). Absolute times under TCG mean little; compare the ratios.\n",
        s(m, "/date_utc"),
        s(m, "/host"),
        s(g, "/kernel"),
        f(num(g, "/cpus"), 0),
        match s(m, "/clock_mode") {
            "icount" => "instruction-counting (`-icount shift=2`: 4 ns per instruction)",
            "realtime" => "real-time multi-threaded",
            other => other,
        },
        if g.pointer("/config/quick").and_then(Value::as_bool) == Some(true) {
            ", **BENCH_QUICK smoke run: short windows, not for comparison**"
        } else {
            ""
        },
        f(num(m, "/total_s"), 0),
        f(num(g, "/guest_seconds"), 0),
        f(num(m, "/other_qemu_max"), 0),
        f(num(m, "/load_max"), 2),
    );
    // Another board's run has one part: the timer path (ARMv7) or the
    // GPIO path (i.MX 8M Plus EVK), and no earlier run to compare with.
    let timer = has_timer_part(g);
    if timer {
        latency_section(&mut out, g);
        same_cpu_section(&mut out, g);
        throughput_section(&mut out, g);
        cpu_section(&mut out, g);
        scaling_section(&mut out, g);
    }
    gpio_table::section(&mut out, g);
    crate::lines_table::section(&mut out, g);
    crate::sampling_table::section(&mut out, g);
    if timer && !doc["before"].is_null() {
        let _ = writeln!(out, "## Before and after (timer path)\n");
        compare::before_after_table(&mut out, doc);
        out.push('\n');
    }
    let _ = writeln!(out, "## Goals on this run\n");
    compare::checks(&mut out, doc);
    out.push('\n');
    if timer {
        syscall_section(&mut out, g);
        let _ = writeln!(
            out,
            "Latency distributions: `latency.png`. Raw numbers: `latest.json`."
        );
    }
    out
}
