//! The ioctls: through the Rust library (`tools/rpoll`), raw, and the C
//! suite; `SET_PERIOD`'s effect on every reader and its privilege check.

use std::os::fd::AsRawFd;
use std::process::Command;

use rpoll::{Clock, Device, RPOLL_SOURCE_IRQ, RPOLL_SOURCE_TIMER};
use rpoll_uapi::RPOLL_IOC_SET_PERIOD;

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
    check!(errno_of(&e) == libc::ENOTTY, "irq period: {e}");
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

/// SET_PERIOD from one file applies at once to the device: after a change
/// from a 2 s period to 1 ms, another reader's first record is due exactly
/// one new period after the change (its stamp, the expiry, lies between
/// the clock read before the ioctl plus 1 ms and the one after it plus
/// 1 ms: no wall-clock bound), every later step is a whole number of 1 ms
/// periods, and INFO shows the period on every file.
pub fn set_period_applies_at_once_device_wide() -> TestResult {
    const NEW_NS: u64 = 1_000_000;
    let a = Device::open("retune").map_err(|e| e.to_string())?;
    let b = Device::open_nonblocking("retune").map_err(|e| e.to_string())?;
    // Records of the old period (if one fell due) are not the point.
    b.read_available(64).map_err(|e| e.to_string())?;
    let before = rpoll_sys::monotonic_ns();
    set_period(&a, 1000)?;
    let after = rpoll_sys::monotonic_ns();
    let result = (|| {
        let first = collect(b.owned_fd(), 1, 10_000)?;
        let r = first
            .iter()
            .find(|r| r.timestamp_ns >= before)
            .ok_or("other reader saw no record after the change to 1 ms")?;
        check!(
            (before + NEW_NS..=after + NEW_NS).contains(&r.timestamp_ns),
            "first record after the change due at {} ns, want {}..={} (the change at {before}..{after} plus 1 ms)",
            r.timestamp_ns,
            before + NEW_NS,
            after + NEW_NS
        );
        let info = b.info().map_err(|e| format!("INFO: {e}"))?;
        check!(
            info.period_us == 1000,
            "INFO on the other file: {}",
            info.period_us
        );
        let recs = read_n(a.owned_fd(), 20)?;
        let off: Vec<u64> = recs
            .windows(2)
            .map(|w| w[1].timestamp_ns - w[0].timestamp_ns)
            .filter(|d| *d == 0 || d % NEW_NS != 0)
            .collect();
        check!(
            off.is_empty(),
            "steps off the 1 ms grid after the change: {off:?}"
        );
        Ok(())
    })();
    set_period(&a, 2_000_000)?;
    result
}

/// Privilege is checked first: an unprivileged SET_PERIOD gets `EPERM` even
/// on an interrupt device, where a privileged one gets `ENOTTY`.
pub fn unprivileged_set_period_on_irq_is_eperm() -> TestResult {
    let d = Device::open("button").map_err(|e| e.to_string())?;
    let fd = d.owned_fd().as_raw_fd();
    let set = move || {
        let v = 500_000u32;
        // SAFETY: SET_PERIOD reads a u32 from a valid pointer.
        let r = unsafe { libc::ioctl(fd, RPOLL_IOC_SET_PERIOD as _, &v as *const u32) };
        if r < 0 {
            errno()
        } else {
            0
        }
    };
    let unprivileged = as_nobody(set)?;
    check!(
        unprivileged == libc::EPERM,
        "unprivileged SET_PERIOD on an irq device: errno {unprivileged}"
    );
    check!(
        set() == libc::ENOTTY,
        "privileged SET_PERIOD on an irq device is not ENOTTY"
    );
    Ok(())
}
