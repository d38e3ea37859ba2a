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
        status != 0 && err.contains("permission denied: run as root"),
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
