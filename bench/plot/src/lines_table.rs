//! The lines part of the report (`bench/guest/src/lines.rs`): a line on a
//! controller whose reads sleep beside the PL061 line of the GPIO part, and
//! the idle CPU of sampled lines.

use std::fmt::Write;

use serde_json::Value;

use crate::gpio_table;
use crate::num;
use crate::table::{f, table_with_ratios, LATENCY_COLS};

/// Row names of the latency table.
const SIM_ROW: &str = "gpio-sim, threaded";
const PL061_ROW: &str = "PL061, hard IRQ";

/// Latency from the hard-IRQ stamp to the reader: the gpio-sim line (the
/// interrupt's thread reads it) and the PL061 line of the GPIO part (read in
/// the hard-IRQ handler). Also a generated README block.
pub fn sleeping_table(out: &mut String, g: &Value) {
    let sim = g.pointer("/lines/sleeping");
    let pl061 = gpio_table::rpoll_idle_train(g);
    table_with_ratios(
        out,
        "rpoll GPIO line",
        &[(SIM_ROW, sim), (PL061_ROW, pl061)],
        &LATENCY_COLS,
        &[PL061_ROW],
    );
    let _ = writeln!(
        out,
        "\nµs from the stamp taken at the top of the hard-IRQ handler to the reader's clock \
         read after `epoll_wait`. gpio-sim: {} edges {} µs apart, written by a thread on CPU 1 \
         through the simulator's sysfs `pull` (irq_sim raises the interrupt on that CPU), \
         reader on CPU 0, {} records, {} lost. PL061: the GPIO part's representative idle \
         train (host-driven, edges 1 ms apart). The difference is the threaded half: waking \
         the interrupt's thread and the sleeping read.",
        f(num(g, "/lines/sleeping/edges"), 0),
        f(num(g, "/lines/sleeping/gap_us"), 0),
        f(num(g, "/lines/sleeping/records"), 0),
        f(num(g, "/lines/sleeping/lost"), 0),
    );
}

/// Idle CPU of each sampled line. Also a generated README block.
pub fn polled_table(out: &mut String, g: &Value) {
    let p = &g["lines"]["polled"];
    let _ = writeln!(
        out,
        "| device | controller | interval (µs) | CPU µs / s | CPU µs / sample | records |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|");
    for d in p["devices"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            d["device"].as_str().unwrap_or("?"),
            d["controller"].as_str().unwrap_or("?"),
            f(num(d, "/interval_us"), 0),
            f(num(d, "/cpu_us_per_s"), 0),
            f(num(d, "/cpu_us_per_sample"), 2),
            f(num(d, "/records"), 0),
        );
    }
    let _ = writeln!(
        out,
        "\nCPU 0 alone, one reader waiting in `epoll_wait`, the line not changing: what a \
         soaker loses with the device open against the same soaker with nothing open, over \
         {} s of guest time each. Noise floor: the two baselines (before and after) differ by \
         {} µs/s. PL061: read in the hrtimer's callback; gpio-sim: a work item per sample \
         (its reads sleep, as an I2C expander's).",
        f(num(p, "/window_s"), 0),
        f(num(p, "/noise_us_per_s"), 0),
    );
}

/// The section of `latest.md`.
pub fn section(out: &mut String, g: &Value) {
    if g.get("lines").is_none() {
        return;
    }
    let _ = writeln!(out, "## 6. Lines off the on-chip controller\n");
    let _ = writeln!(out, "### A controller whose reads sleep (latency, µs)\n");
    sleeping_table(out, g);
    let _ = writeln!(out, "\n### Sampled lines, idle\n");
    polled_table(out, g);
    out.push('\n');
}
