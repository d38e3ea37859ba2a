//! The sampling part of the report (`bench/guest/src/sampling.rs`): rpoll's
//! timer device with a wake-up watermark, IIO's buffered capture and
//! timerfd at 1, 10 and 50 kHz.

use std::fmt::Write;

use serde_json::Value;

use crate::num;
use crate::table::{f, r};

/// The rates measured, in Hz, in report order.
const RATES: [f64; 3] = [1000.0, 10_000.0, 50_000.0];

/// The row of `mech` at `rate_hz` with `watermark`.
pub fn row<'a>(g: &'a Value, mech: &str, rate_hz: f64, watermark: u64) -> Option<&'a Value> {
    g.pointer("/sampling/rows")?.as_array()?.iter().find(|x| {
        x["mech"] == mech
            && num(x, "/rate_hz").is_some_and(|h| (h - rate_hz).abs() < 0.5)
            && x["watermark"].as_u64() == Some(watermark)
    })
}

fn rate_name(hz: f64) -> String {
    format!("{} kHz", f(Some(hz / 1000.0), 0))
}

/// CPU per delivered sample, losses and wake-ups per second. Also a
/// generated README block.
pub fn cpu_table(out: &mut String, g: &Value) {
    let _ = writeln!(
        out,
        "| rate | watermark | rpoll µs/sample | IIO µs/sample | timerfd µs/expiry | rpoll / IIO | lost (rpoll / IIO / timerfd) | wake-ups/s (rpoll / IIO) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---|---|");
    for hz in RATES {
        for wm in [1, 64] {
            let (rp, iio, tfd) = (
                row(g, "rpoll", hz, wm),
                row(g, "iio", hz, wm),
                row(g, "timerfd", hz, wm),
            );
            let cpu = |x: Option<&Value>| x.and_then(|v| num(v, "/cpu_us_per_sample"));
            let lost = |x: Option<&Value>| x.map_or("-".into(), |v| f(num(v, "/lost"), 0));
            let wps = |x: Option<&Value>| {
                x.map_or("-".into(), |v| {
                    f(
                        num(v, "/wakeups")
                            .zip(num(g, "/sampling/window_s"))
                            .map(|(w, s)| w / s),
                        0,
                    )
                })
            };
            let _ = writeln!(
                out,
                "| {} | {wm} | {} | {} | {} | {} | {} / {} / {} | {} / {} |",
                rate_name(hz),
                f(cpu(rp), 2),
                f(cpu(iio), 2),
                tfd.map_or("-".into(), |_| f(cpu(tfd), 2)),
                r(crate::ratio(cpu(rp), cpu(iio))),
                lost(rp),
                lost(iio),
                lost(tfd),
                wps(rp),
                wps(iio),
            );
        }
    }
    let _ = writeln!(
        out,
        "\nCPU 0 alone (CPU 1 offline), one reader waiting in `epoll_wait` and reading all that \
         is queued, a soaker at `SCHED_IDLE` on the same CPU: the CPU a window of {} s took \
         from the soaker, divided by the samples delivered in it (noise floor: the soaker's \
         rate before and after the part differ by {} µs/s). rpoll: `/dev/rpoll-bench` with \
         `RPOLL_IOC_SET_WATERMARK` (a 500 ms delay bound, so the count decides); IIO: \
         `iio_simple_dummy` with one channel and its timestamp channel, an `iio-trig-hrtimer` \
         trigger, the buffer's `watermark`; timerfd: one read per expiry. Lost: a gap in \
         rpoll's sequence (its `lost` and `overruns`), a period with no sample in IIO's \
         timestamps, a timerfd count above 1.",
        f(num(g, "/sampling/window_s"), 0),
        f(num(g, "/sampling/noise_us_per_s"), 0),
    );
}

/// Latency at watermark 1, and the highest zero-loss rate of each. Also a
/// generated README block.
pub fn latency_table(out: &mut String, g: &Value) {
    let _ = writeln!(
        out,
        "| rate | rpoll p50 / p99 (µs) | IIO p50 / p99 (µs) | timerfd p50 / p99 (µs) |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    for hz in RATES {
        let lat = |m: &str| {
            row(g, m, hz, 1).map_or("-".into(), |v| {
                format!(
                    "{} / {}",
                    f(num(v, "/latency/p50_us"), 1),
                    f(num(v, "/latency/p99_us"), 1)
                )
            })
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            rate_name(hz),
            lat("rpoll"),
            lat("iio"),
            lat("timerfd")
        );
    }
    let best = |m: &str, wm: u64| {
        RATES
            .iter()
            .copied()
            .filter(|&hz| row(g, m, hz, wm).and_then(|v| num(v, "/lost")) == Some(0.0))
            .fold(None, |a: Option<f64>, hz| Some(a.map_or(hz, |a| a.max(hz))))
            .map_or("none".into(), rate_name)
    };
    let _ = writeln!(
        out,
        "\nFrom the sample's timestamp to the reader's clock read after `epoll_wait`, \
         watermark 1, same windows as the CPU table. rpoll's and timerfd's timestamps are the \
         hrtimer's expiry; IIO's dummy takes its timestamp in the trigger's thread, after the \
         hrtimer fired and the thread woke, so its figure leaves that part out. Highest rate \
         with no sample lost, of the three: rpoll {} (watermark 1) and {} (64), IIO {} and \
         {}, timerfd {}.",
        best("rpoll", 1),
        best("rpoll", 64),
        best("iio", 1),
        best("iio", 64),
        best("timerfd", 1),
    );
}

/// Whether rpoll's CPU per sample is at or below IIO's at every rate and
/// watermark (`None` without the part), and the worst ratio.
pub fn goal(g: &Value) -> (Option<bool>, Option<f64>) {
    g.get("sampling").map_or((None, None), |_| {
        let ratios: Vec<Option<f64>> = RATES
            .iter()
            .flat_map(|&hz| [1, 64].map(|wm| (hz, wm)))
            .map(|(hz, wm)| {
                let cpu = |m| row(g, m, hz, wm).and_then(|v| num(v, "/cpu_us_per_sample"));
                crate::ratio(cpu("rpoll"), cpu("iio"))
            })
            .collect();
        if ratios.iter().any(Option::is_none) {
            return (None, None);
        }
        let worst = ratios.iter().flatten().copied().fold(0.0, f64::max);
        (Some(worst <= 1.0), Some(worst))
    })
}

/// The section of `latest.md`.
pub fn section(out: &mut String, g: &Value) {
    if g.get("sampling").is_none() {
        return;
    }
    let _ = writeln!(out, "## 7. Sampling at rate\n");
    let _ = writeln!(out, "### CPU per sample\n");
    cpu_table(out, g);
    let _ = writeln!(out, "\n### Latency and zero-loss rate\n");
    latency_table(out, g);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A sampling part where rpoll costs `rp` and IIO `iio` µs per sample
    /// everywhere, IIO losing samples at 50 kHz.
    fn doc(rp: f64, iio: f64) -> Value {
        let mut rows = Vec::new();
        for hz in RATES {
            for wm in [1u64, 64] {
                for (m, cpu) in [("rpoll", rp), ("iio", iio), ("timerfd", rp)] {
                    if m == "timerfd" && wm != 1 {
                        continue;
                    }
                    let lost = if m == "iio" && hz > 10_000.0 { 7 } else { 0 };
                    rows.push(json!({"mech": m, "rate_hz": hz, "watermark": wm,
                        "cpu_us_per_sample": cpu, "lost": lost, "wakeups": 10,
                        "latency": {"p50_us": 5.0, "p99_us": 9.0}}));
                }
            }
        }
        json!({"sampling": {"window_s": 3.0, "noise_us_per_s": 10.0, "rows": rows}})
    }

    #[test]
    fn goal_holds_only_at_or_below_iio_everywhere() {
        assert_eq!(goal(&doc(2.0, 4.0)), (Some(true), Some(0.5)));
        assert_eq!(goal(&doc(5.0, 4.0)).0, Some(false));
        assert_eq!(goal(&json!({})), (None, None));
    }

    #[test]
    fn tables_name_every_rate_and_the_zero_loss_rates() {
        let (mut cpu, mut lat) = (String::new(), String::new());
        cpu_table(&mut cpu, &doc(2.0, 4.0));
        latency_table(&mut lat, &doc(2.0, 4.0));
        assert_eq!(
            cpu.lines().filter(|l| l.starts_with("| 5")).count(),
            2,
            "{cpu}"
        );
        assert!(
            cpu.contains("| 50 kHz | 64 | 2.00 | 4.00 | - | 0.50x | 0 / 7 / - |"),
            "{cpu}"
        );
        assert!(lat.contains("IIO 10 kHz and 10 kHz"), "{lat}");
        assert!(lat.contains("rpoll 50 kHz (watermark 1)"), "{lat}");
    }
}
