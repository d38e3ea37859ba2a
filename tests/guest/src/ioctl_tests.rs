//! The ioctls through the Rust library (`tools/rpoll`), and the `rpoll` CLI
//! on known devices (its `--json` output parsed back).

use std::process::Command;

use rpoll::{Clock, Device, RPOLL_SOURCE_IRQ, RPOLL_SOURCE_TIMER};

use crate::check;
use crate::dev::*;

fn errno_of(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

/// INFO and STATS through the library; the accounting identity holds.
pub fn rust_info_and_stats() -> TestResult {
    let d = Device::open("rpoll-ms").map_err(|e| e.to_string())?;
    let i = d.info().map_err(|e| e.to_string())?;
    check!(
        i.name_bytes() == b"rpoll-rpoll-ms",
        "name {:?}",
        String::from_utf8_lossy(i.name_bytes())
    );
    check!(
        i.source == RPOLL_SOURCE_TIMER && i.period_us == 1000 && i.queue_depth == 256,
        "{i:?}"
    );
    let recs: Vec<_> = d
        .events()
        .take(20)
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    check_sequence(recs[0].seq - 1 - u64::from(recs[0].lost), &recs)?;
    let s = d.stats().map_err(|e| e.to_string())?;
    check!(s.delivered >= 20, "delivered {}", s.delivered);
    check_identity(&s)?;
    let b = Device::open_nonblocking("button").map_err(|e| e.to_string())?;
    let bi = b.info().map_err(|e| e.to_string())?;
    check!(bi.source == RPOLL_SOURCE_IRQ && bi.irq > 0, "{bi:?}");
    Ok(())
}

/// FLUSH drops the queue (counted as lost), SET_CLOCK rejects bad clocks,
/// SET_PERIOD range-checks and refuses IRQ devices.
pub fn rust_flush_clock_period_errors() -> TestResult {
    let d = Device::open_nonblocking("fast").map_err(|e| e.to_string())?;
    while d.stats().map_err(|e| e.to_string())?.queued < 4 {
        sleep_ms(2);
    }
    let n = d.flush().map_err(|e| e.to_string())?;
    let s = d.stats().map_err(|e| e.to_string())?;
    check!(n >= 4 && s.lost >= n, "flushed {n}, lost {}", s.lost);
    d.set_clock(Clock::Boottime).map_err(|e| e.to_string())?;
    let e = d.set_period_us(5).unwrap_err();
    check!(errno_of(&e) == libc::EINVAL, "period 5: {e}");
    let b = Device::open_nonblocking("button").map_err(|e| e.to_string())?;
    let e = b.set_period_us(1000).unwrap_err();
    check!(errno_of(&e) == libc::EOPNOTSUPP, "irq period: {e}");
    Ok(())
}

/// The ioctl errors through raw calls from Rust: EFAULT for bad pointers,
/// EINVAL for bad values, ENOTTY for unknown or mis-sized commands, EPERM for
/// an unprivileged SET_PERIOD.
pub fn rust_ioctl_errors() -> TestResult {
    use rpoll::RpollInfo;
    use rpoll_uapi::*;
    use std::os::fd::AsRawFd;
    let d = Device::open_nonblocking("tick").map_err(|e| e.to_string())?;
    let fd = d.as_raw_fd();
    let call = |cmd: u32, arg: usize| -> i32 {
        // SAFETY: the kernel validates `arg`; bad addresses are the point.
        let r = unsafe { libc::ioctl(fd, cmd as _, arg) };
        if r < 0 {
            errno()
        } else {
            0
        }
    };
    check!(call(RPOLL_IOC_INFO, 0) == libc::EFAULT, "INFO NULL");
    check!(
        call(RPOLL_IOC_STATS, 8) == libc::EFAULT,
        "STATS bad pointer"
    );
    check!(
        call(RPOLL_IOC_SET_CLOCK, 0) == libc::EFAULT,
        "SET_CLOCK NULL"
    );
    let bad_clock = 2u32; // CLOCK_PROCESS_CPUTIME_ID
    check!(
        call(RPOLL_IOC_SET_CLOCK, &bad_clock as *const u32 as usize) == libc::EINVAL,
        "bad clock"
    );
    let too_short = 9u32;
    check!(
        call(RPOLL_IOC_SET_PERIOD, &too_short as *const u32 as usize) == libc::EINVAL,
        "period 9"
    );
    check!(
        call(ioc(2, 0, 8), 0) == libc::ENOTTY,
        "INFO with the wrong size"
    );
    check!(call(ioc(0, 42, 0), 0) == libc::ENOTTY, "unknown nr");
    let mut info = [0u8; RPOLL_INFO_SIZE];
    check!(
        call(RPOLL_IOC_INFO, info.as_mut_ptr() as usize) == 0,
        "INFO"
    );
    check!(
        RpollInfo::from_bytes(&info).period_us == 1_000_000,
        "tick period"
    );
    // Unprivileged SET_PERIOD on a file opened by root.
    let v = 500_000u32;
    let unprivileged = as_nobody(|| call(RPOLL_IOC_SET_PERIOD, &v as *const u32 as usize))?;
    check!(
        unprivileged == libc::EPERM,
        "unprivileged SET_PERIOD not EPERM: errno {unprivileged}"
    );
    check!(
        debug_state("tick")?.num("period_us") == 1_000_000,
        "period changed by an unprivileged caller"
    );
    Ok(())
}

/// SET_PERIOD changes the observed interval: the mean interval with a 20 ms
/// period is several times that with 2 ms (ratios, not absolute times).
pub fn set_period_changes_interval() -> TestResult {
    let d = Device::open("fast").map_err(|e| e.to_string())?;
    // Mean interval of 10 fresh records (queued ones dropped first).
    let mean = |d: &Device| -> Result<f64, String> {
        d.flush().map_err(|e| e.to_string())?;
        let r = read_n(d.owned_fd(), 10)?;
        Ok((r[r.len() - 1].timestamp_ns - r[0].timestamp_ns) as f64 / (r.len() - 1) as f64)
    };
    let fast = mean(&d)?;
    d.set_period_us(20_000).map_err(|e| e.to_string())?;
    let slow = mean(&d)?;
    d.set_period_us(2_000).map_err(|e| e.to_string())?;
    check!(
        debug_state("fast")?.num("period_us") == 2000,
        "period not restored"
    );
    check!(
        slow > 3.0 * fast,
        "20 ms period: mean {slow} ns vs {fast} ns at 2 ms"
    );
    check!(
        slow > 10e6,
        "20 ms period gave a mean interval of {slow} ns"
    );
    Ok(())
}

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
    let (ok, _, err) = run(&["watch"])?;
    check!(
        !ok && err.to_lowercase().contains("usage"),
        "watch without device: {err}"
    );
    let (ok, out, _) = run(&["watch", "--help"])?;
    check!(ok && out.contains("--count"), "watch --help: {out}");
    Ok(())
}

/// The C example (`tools/c/rpoll-epoll.c`) prints records of two devices.
pub fn c_example_prints_records() -> TestResult {
    let out = Command::new("rpoll-epoll")
        .args(["-n", "4", "/dev/rpoll-rpoll-ms", "/dev/rpoll-fast"])
        .output()
        .map_err(|e| format!("rpoll-epoll: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    check!(out.status.success(), "rpoll-epoll failed: {text}");
    check!(
        text.contains("rpoll-rpoll-ms, timer, queue depth 256"),
        "header: {text}"
    );
    check!(
        text.lines().filter(|l| l.contains(" seq=")).count() == 4,
        "records: {text}"
    );
    Ok(())
}

/// The C ioctl test program passes every one of its cases. Its lines are
/// (`c test NAME ... ok`) are shown indented; the runner counts this test
/// once, not each C case.
pub fn c_ioctl_suite() -> TestResult {
    let out = Command::new("rpoll-ioctl-test")
        .output()
        .map_err(|e| format!("rpoll-ioctl-test: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    for l in text.lines() {
        println!("    {l}");
    }
    let oks = text.lines().filter(|l| l.ends_with(" ... ok")).count();
    let failed: Vec<&str> = text.lines().filter(|l| l.contains(" ... FAILED")).collect();
    let summary = format!("c: {oks} passed, 0 failed");
    check!(failed.is_empty(), "C cases failed: {failed:?}");
    check!(
        out.status.success(),
        "rpoll-ioctl-test exited with {}",
        out.status
    );
    check!(
        oks >= C_IOCTL_CASES && text.lines().any(|l| l == summary),
        "expected {C_IOCTL_CASES} passing C cases and '{summary}', got {oks}"
    );
    Ok(())
}

/// Cases in `tests/guest-c/ioctl_test.c` (each prints one result line).
const C_IOCTL_CASES: usize = 7;
