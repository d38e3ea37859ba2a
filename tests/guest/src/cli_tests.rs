//! The `rpoll` CLI on known devices: its `--json` output parsed back, its
//! commands, and its error messages for permission and unbind.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::check;
use crate::dev::*;

fn run(args: &[&str]) -> Result<(bool, String, String), String> {
    let out = Command::new("rpoll")
        .args(args)
        .output()
        .map_err(|e| format!("rpoll: {e}"))?;
    Ok((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// Parses one JSON object printed by the tool.
fn json(line: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(line).map_err(|e| format!("not JSON ({e}): {line}"))
}

/// `rpoll watch --json --count N` on a known device, parsed back.
pub fn cli_watch_json() -> TestResult {
    let (ok, out, err) = run(&["watch", "--json", "--count", "5", "rpoll-ms"])?;
    check!(ok, "rpoll watch failed: {err}");
    let lines: Vec<&str> = out.lines().collect();
    check!(lines.len() == 5, "{} lines: {out}", lines.len());
    let mut prev: Option<u64> = None;
    for l in &lines {
        let v = json(l)?;
        check!(v["device"] == "rpoll-ms", "device in {l}");
        check!(v["source"] == "timer", "source in {l}");
        let seq = v["seq"].as_u64().ok_or(format!("seq in {l}"))?;
        let lost = v["lost"].as_u64().ok_or(format!("lost in {l}"))?;
        if let Some(p) = prev {
            check!(seq == p + 1 + lost, "seq {seq} after {p}");
            let delta = v["delta_ns"].as_u64().ok_or("delta")?;
            check!(delta > 0, "delta {delta}");
        } else {
            check!(v["delta_ns"].is_null(), "first delta in {l}");
        }
        prev = Some(seq);
    }
    Ok(())
}

/// `rpoll watch --watermark N --max-delay D`: records arrive in order, and
/// a watermark above the queue depth is refused with a message naming both
/// options.
pub fn cli_watch_watermark() -> TestResult {
    let (ok, out, err) = run(&[
        "watch",
        "--json",
        "--count",
        "12",
        "--watermark",
        "6",
        "--max-delay",
        "1s",
        "fast",
    ])?;
    check!(ok, "rpoll watch --watermark failed: {err}");
    let seqs = out
        .lines()
        .map(|l| json(l).and_then(|v| v["seq"].as_u64().ok_or(format!("seq in {l}"))))
        .collect::<Result<Vec<_>, _>>()?;
    check!(
        seqs.len() == 12 && seqs.windows(2).all(|w| w[1] > w[0]),
        "records {seqs:?}"
    );
    let (ok, _, err) = run(&["watch", "--watermark", "100", "--max-delay", "1s", "fast"])?;
    check!(
        !ok && err.contains("--watermark 100") && err.contains("queue depth"),
        "a watermark above the depth: ok {ok}, stderr {err}"
    );
    Ok(())
}

/// `rpoll list --json`, `rpoll stats`, `rpoll set-period` and the errors.
pub fn cli_list_stats_set_period() -> TestResult {
    let (ok, out, err) = run(&["list", "--json"])?;
    check!(ok, "list: {err}");
    let devices = out.lines().map(json).collect::<Result<Vec<_>, _>>()?;
    let tick = devices
        .iter()
        .find(|d| d["name"] == "rpoll-tick")
        .ok_or(format!("tick not in {out}"))?;
    check!(tick["period_us"] == 1_000_000, "{tick}");
    let button = devices
        .iter()
        .find(|d| d["name"] == "rpoll-button")
        .ok_or("button missing")?;
    check!(button["trigger"] == "edge-rising", "{button}");
    let (ok, out, _) = run(&["stats", "--json", "tick"])?;
    check!(ok && json(out.trim())?["produced"].is_u64(), "stats: {out}");
    let (ok, out, err) = run(&["set-period", "fast", "4ms"])?;
    check!(ok, "set-period: {err}");
    check!(
        debug_state("fast")?.num("period_us") == 4000,
        "period not applied: {out}"
    );
    run(&["set-period", "fast", "2ms"])?;
    let (ok, _, err) = run(&["stats", "nosuch"])?;
    check!(!ok && err.contains("no such device"), "stats nosuch: {err}");
    let (ok, _, err) = run(&["set-period", "button", "1s"])?;
    check!(
        !ok && err.contains("not supported"),
        "set-period button: {err}"
    );
    let (ok, out, err) = run(&["level", "key"])?;
    check!(
        ok && (out.trim() == "key: level 0" || out.trim() == "key: level 1"),
        "level key: {out} {err}"
    );
    let (ok, out, _) = run(&["level", "--json", "key"])?;
    check!(
        ok && json(out.trim())?["level"].is_u64(),
        "level --json: {out}"
    );
    let (ok, _, err) = run(&["level", "tick"])?;
    check!(!ok && err.contains("not supported"), "level tick: {err}");
    let (ok, _, err) = run(&["watch"])?;
    check!(
        !ok && err.to_lowercase().contains("usage"),
        "watch without device: {err}"
    );
    let (ok, out, _) = run(&["watch", "--help"])?;
    check!(ok && out.contains("--count"), "watch --help: {out}");
    Ok(())
}

/// The CLI explains the two errors a user meets most: no permission, and a
/// device unbound under a running `rpoll watch`.
pub fn cli_reports_permission_and_unbind() -> TestResult {
    let (status, err) = run_as_nobody(&["rpoll", "stats", "tick"])?;
    check!(
        status != 0 && err.contains("permission denied: run as root or as a member"),
        "rpoll stats as nobody: exit {status}, stderr {err}"
    );

    let child = Command::new("rpoll")
        .args(["watch", "idle"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("rpoll watch: {e}"))?;
    // Wait until the watcher has the device open.
    let start = Instant::now();
    while debug_state("idle")?.num("readers") == 0 {
        check!(
            start.elapsed() < Duration::from_secs(5),
            "rpoll watch never opened idle"
        );
        sleep_ms(10);
    }
    unbind("idle")?;
    let out = child.wait_with_output();
    bind("idle")?;
    let out = out.map_err(|e| format!("rpoll watch: {e}"))?;
    let err = String::from_utf8_lossy(&out.stderr);
    check!(
        !out.status.success() && err.contains("the device went away (unbound)"),
        "rpoll watch across unbind: status {}, stderr {err}",
        out.status
    );
    Ok(())
}

/// `CLOCK_TAI` readers: with the kernel's TAI offset set to 37 s
/// (`adjtimex(ADJ_TAI)`), a TAI reader's stamp of a record is its realtime
/// reader's plus exactly 37 s; `rpoll watch` prints realtime stamps as UTC
/// ISO 8601, `--localtime` in `TZ`'s offset, TAI ones on the TAI scale.
pub fn tai_clock_and_time_formats() -> TestResult {
    use rpoll::device::Clock;
    use rpoll::Device;
    let set_tai = |secs: i64| -> TestResult {
        // SAFETY: a zeroed `timex` with ADJ_TAI sets only the TAI offset.
        let mut tx: libc::timex = unsafe { std::mem::zeroed() };
        tx.modes = libc::ADJ_TAI;
        tx.constant = secs as _;
        // SAFETY: `tx` is valid for the call.
        let r = unsafe { libc::adjtimex(&mut tx) };
        check!(r >= 0, "adjtimex(ADJ_TAI, {secs}): errno {}", errno());
        Ok(())
    };
    set_tai(37)?;
    let result = (|| {
        let real = Device::open_nonblocking("rpoll-ms").map_err(|e| e.to_string())?;
        let tai = Device::open_nonblocking("rpoll-ms").map_err(|e| e.to_string())?;
        real.set_clock(Clock::Realtime).map_err(|e| e.to_string())?;
        tai.set_clock(Clock::Tai).map_err(|e| e.to_string())?;
        sleep_ms(20);
        let r = drain(real.owned_fd())?;
        let t = drain(tai.owned_fd())?;
        let pairs: Vec<(u64, u64)> = r
            .iter()
            .filter_map(|a| {
                t.iter()
                    .find(|b| b.seq == a.seq)
                    .map(|b| (a.timestamp_ns, b.timestamp_ns))
            })
            .collect();
        check!(!pairs.is_empty(), "no record read by both readers");
        for (real_ns, tai_ns) in &pairs {
            check!(
                tai_ns - real_ns == 37_000_000_000,
                "TAI {tai_ns} - realtime {real_ns} != 37 s"
            );
        }
        // The tool: UTC, local (TZ=UTC-2 is two hours east) and TAI.
        let (ok, out, err) = run(&[
            "watch", "--json", "--count", "1", "--clock", "realtime", "rpoll-ms",
        ])?;
        check!(ok, "watch realtime: {err}");
        let v = json(out.trim())?;
        let ns = v["timestamp_ns"].as_u64().ok_or("timestamp_ns")?;
        let text = v["time"].as_str().ok_or(format!("no time in {out}"))?;
        let (secs, frac) = (ns / 1_000_000_000, ns % 1_000_000_000);
        let hms = format!(
            "{:02}:{:02}:{:02}.{frac:09}Z",
            secs / 3600 % 24,
            secs / 60 % 60,
            secs % 60
        );
        check!(
            text.len() == 30 && text.ends_with(&hms),
            "UTC time '{text}' for {ns}"
        );
        let out = std::process::Command::new("rpoll")
            .args([
                "watch",
                "--count",
                "1",
                "--clock",
                "realtime",
                "--localtime",
                "rpoll-ms",
            ])
            .env("TZ", "UTC-2")
            .output()
            .map_err(|e| format!("rpoll: {e}"))?;
        let line = String::from_utf8_lossy(&out.stdout);
        check!(
            out.status.success() && line.contains("+02:00 "),
            "local time: {line}"
        );
        let (ok, out, err) = run(&["watch", "--count", "1", "--clock", "tai", "rpoll-ms"])?;
        check!(ok && out.contains(" TAI jiffies="), "TAI: {out} {err}");
        Ok(())
    })();
    set_tai(0)?;
    result
}

/// `--idle-timeout` ends a watch of a device that stays quiet (status 0, no
/// record), and `--heartbeat` prints an `idle` line per quiet stretch.
pub fn cli_idle_timeout_and_heartbeat() -> TestResult {
    let (ok, out, err) = run(&["watch", "--idle-timeout", "300ms", "idle"])?;
    check!(
        ok && out.is_empty(),
        "idle-timeout: status ok={ok}, out '{out}', err '{err}'"
    );
    let (ok, out, err) = run(&[
        "watch",
        "--heartbeat",
        "100ms",
        "--idle-timeout",
        "450ms",
        "idle",
    ])?;
    let beats = out.lines().filter(|l| l.starts_with("idle ")).count();
    check!(
        ok && (3..=4).contains(&beats) && beats == out.lines().count(),
        "heartbeat: {beats} idle lines in '{out}' ({err})"
    );
    Ok(())
}
