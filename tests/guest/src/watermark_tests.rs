//! Guest tests of the wake-up watermark (`RPOLL_IOC_SET_WATERMARK`): a
//! reader woken by count, by the age of its oldest record, never before
//! either; poll/epoll and a blocking read agreeing; a non-blocking read
//! taking what is queued; unbind and signals waking at once; overflow still
//! counted; bad requests changing nothing.
//!
//! Devices: "fast" (2 ms, depth 8), "nap" (100 ms), "idle" (never fires).

use std::os::fd::{AsRawFd, OwnedFd};

use rpoll_uapi::{RpollWatermark, RPOLL_IOC_SET_WATERMARK};

use crate::check;
use crate::dev::*;
use crate::lifecycle_tests::{set_usr1_handler, signal_thread};

/// `RPOLL_IOC_SET_WATERMARK` on `fd`: `Err(errno)` on failure.
fn set_watermark(fd: &OwnedFd, count: u32, max_delay_us: u32) -> Result<(), i32> {
    let bytes = RpollWatermark {
        count,
        max_delay_us,
        reserved: [0; 2],
    }
    .to_bytes();
    set_watermark_raw(fd, &bytes)
}

fn set_watermark_raw(fd: &OwnedFd, bytes: &[u8; 16]) -> Result<(), i32> {
    // SAFETY: the ioctl reads 16 bytes, which `bytes` holds for the call.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), RPOLL_IOC_SET_WATERMARK as _, bytes.as_ptr()) };
    if r < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// The (count, max_delay_us) of the only reader of `name`, from debugfs.
fn debugfs_watermark(name: &str) -> Result<(u64, u64), String> {
    let path = format!("/sys/kernel/debug/rpoll-{name}/state");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let line = text
        .lines()
        .find(|l| l.starts_with("reader "))
        .ok_or(format!("{path}: no reader line"))?;
    let field = |key: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|v| v.parse().ok())
            .ok_or(format!("{path}: no {key} in '{line}'"))
    };
    Ok((field("watermark=")?, field("max_delay_us=")?))
}

/// "fast" (2 ms), watermark 6 records (or 1 s): five blocking reads each
/// return at least 6 records, in sequence with every loss counted; by
/// default a blocking read returns as soon as one record is queued.
pub fn watermark_wakes_at_count() -> TestResult {
    let fd = open("fast")?;
    set_watermark(&fd, 6, 1_000_000).map_err(|e| format!("SET_WATERMARK: errno {e}"))?;
    let mut all = Vec::new();
    for i in 0..5 {
        let recs = read_batch(&fd, 8).map_err(|e| format!("read {i}: errno {e}"))?;
        check!(
            recs.len() >= 6,
            "blocking read {i} returned {} records, below the watermark of 6",
            recs.len()
        );
        all.extend(recs);
    }
    check_sequence(all[0].seq - 1 - u64::from(all[0].lost), &all)
}

/// "nap" (100 ms), watermark 64 records or 30 ms: each blocking read returns
/// no sooner than 30 ms after its oldest record's stamp (and within a
/// second of it); with 2 s, epoll reports nothing while records wait, a
/// non-blocking read still takes them, and epoll then reports the next ones
/// no sooner than 2 s after the oldest's stamp.
pub fn watermark_delay_bounds_the_wait() -> TestResult {
    let fd = open("nap")?;
    set_watermark(&fd, 64, 30_000).map_err(|e| format!("SET_WATERMARK: errno {e}"))?;
    for i in 0..3 {
        let recs = read_batch(&fd, 64).map_err(|e| format!("read {i}: errno {e}"))?;
        let back = now_ns(libc::CLOCK_MONOTONIC);
        let waited_ms = back.saturating_sub(recs[0].timestamp_ns) as f64 / 1e6;
        println!(
            "guest note: watermark 30 ms: read {i} returned {} record(s) {waited_ms:.1} ms after the oldest's stamp",
            recs.len()
        );
        check!(
            (30.0..1030.0).contains(&waited_ms),
            "read {i}: the oldest record waited {waited_ms:.1} ms (watermark 30 ms)"
        );
    }
    set_watermark(&fd, 64, 2_000_000).map_err(|e| format!("SET_WATERMARK: errno {e}"))?;
    let nb = open_nb("nap")?;
    drop(nb);
    let ep = Epoll::new().map_err(|e| format!("epoll: {e:?}"))?;
    ep.add(&fd, IN, 1)
        .map_err(|e| format!("epoll add: {e:?}"))?;
    // Drain, then let about three records queue.
    set_nonblocking(&fd, true)?;
    while read_batch(&fd, 64).is_ok_and(|r| !r.is_empty()) {}
    sleep_ms(350);
    let early = ep.wait(0).map_err(|e| format!("epoll_wait: {e:?}"))?;
    let queued = read_batch(&fd, 64).map_err(|e| format!("non-blocking read: errno {e}"))?;
    check!(
        early.is_empty() && !queued.is_empty(),
        "with records waiting below the watermark: epoll said {early:?}, a non-blocking read took {}",
        queued.len()
    );
    let got = ep.wait(10_000).map_err(|e| format!("epoll_wait: {e:?}"))?;
    let at = now_ns(libc::CLOCK_MONOTONIC);
    let next = read_batch(&fd, 64).map_err(|e| format!("read after epoll: errno {e}"))?;
    let waited_ms = at.saturating_sub(next[0].timestamp_ns) as f64 / 1e6;
    println!(
        "guest note: watermark 2 s: epoll reported {} record(s) {waited_ms:.0} ms after the oldest's stamp",
        next.len()
    );
    check!(
        got.len() == 1 && (2000.0..4000.0).contains(&waited_ms),
        "epoll {got:?} {waited_ms:.0} ms after the oldest's stamp (watermark 2 s)"
    );
    Ok(())
}

fn set_nonblocking(fd: &OwnedFd, on: bool) -> TestResult {
    // SAFETY: plain fcntl on a descriptor the caller owns.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    let flags = if on {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags) } < 0 {
        return Err(format!("fcntl: errno {}", errno()));
    }
    Ok(())
}

/// A signal interrupts a read waiting for a watermark (`EINTR`); unbinding
/// wakes a waiting reader and poller at once (`ENODEV`, `EPOLLHUP`), and a
/// reader with records below its watermark gets them first.
pub fn watermark_unbind_and_signal_wake_at_once() -> TestResult {
    set_usr1_handler(false);
    let fd = open("idle")?;
    set_watermark(&fd, 64, 10_000_000).map_err(|e| format!("SET_WATERMARK: errno {e}"))?;
    let (h, tid) = spawn_blocked(move || read_batch(&fd, 1).map(|v| v.len()))?;
    signal_thread(tid);
    let r = h.join().map_err(|_| "reader thread panicked")?;
    check!(
        r == Err(libc::EINTR),
        "read waiting for its watermark, signalled: expected EINTR, got {r:?}"
    );

    let (rfd, pfd) = (open("idle")?, open("idle")?);
    for f in [&rfd, &pfd] {
        set_watermark(f, 64, 10_000_000).map_err(|e| format!("SET_WATERMARK: errno {e}"))?;
    }
    unbind_under_blocked_readers(rfd, &pfd, || unbind("idle"))?;
    drop(pfd);
    bind("idle")?;

    let fd = std::sync::Arc::new(open("nap")?);
    set_watermark(&fd, 64, 10_000_000).map_err(|e| format!("SET_WATERMARK: errno {e}"))?;
    sleep_ms(250);
    let f2 = fd.clone();
    let (h, _) = spawn_blocked(move || read_batch(&f2, 64).map(|v| v.len()))?;
    unbind("nap")?;
    let r = h.join().map_err(|_| "reader thread panicked")?;
    let after = read_batch(&fd, 64).map(|v| v.len());
    drop(fd);
    bind("nap")?;
    check!(
        matches!(r, Ok(n) if n >= 2) && after == Err(libc::ENODEV),
        "unbind under a reader with records below its watermark: read {r:?}, then {after:?}"
    );
    Ok(())
}

/// "fast" (depth 8) with a watermark of 8 records or 5 s, not read for
/// 100 ms: the queue overflows, the oldest records are dropped and the next
/// record's `lost` says how many, so the sequence still closes.
pub fn watermark_overflow_counted() -> TestResult {
    let fd = open_nb("fast")?;
    let base = debug_state("fast")?
        .readers
        .first()
        .map(|r| r.0)
        .ok_or("fast: no reader in debugfs")?;
    set_watermark(&fd, 8, 5_000_000).map_err(|e| format!("SET_WATERMARK: errno {e}"))?;
    sleep_ms(100);
    let recs = read_batch(&fd, 8).map_err(|e| format!("read: errno {e}"))?;
    check!(
        recs.len() == 8 && recs[0].lost > 0,
        "after 100 ms unread: {} records, first lost {}",
        recs.len(),
        recs.first().map_or(0, |r| r.lost)
    );
    check_sequence(base, &recs)
}

/// Out-of-range requests fail with `EINVAL` and leave the watermark as it
/// was (debugfs shows it); an unknown reserved word too.
pub fn watermark_bad_requests_change_nothing() -> TestResult {
    let fd = open_nb("nap")?;
    set_watermark(&fd, 4, 50_000).map_err(|e| format!("SET_WATERMARK: errno {e}"))?;
    let depth = 64;
    let bad: [(u32, u32, [u32; 2]); 6] = [
        (0, 1000, [0, 0]),
        (depth + 1, 1000, [0, 0]),
        (2, 0, [0, 0]),
        (2, 10_000_001, [0, 0]),
        (2, 1000, [1, 0]),
        (u32::MAX, 1000, [0, 0]),
    ];
    for (count, max_delay_us, reserved) in bad {
        let bytes = RpollWatermark {
            count,
            max_delay_us,
            reserved,
        }
        .to_bytes();
        let r = set_watermark_raw(&fd, &bytes);
        check!(
            r == Err(libc::EINVAL),
            "watermark {count} / {max_delay_us} us / {reserved:?}: {r:?}, want EINVAL"
        );
    }
    let now = debugfs_watermark("nap")?;
    check!(
        now == (4, 50_000),
        "after refused requests the watermark is {now:?}, want (4, 50000)"
    );
    set_watermark(&fd, 1, 0).map_err(|e| format!("back to the default: errno {e}"))?;
    check!(
        debugfs_watermark("nap")? == (1, 0),
        "default watermark not restored"
    );
    Ok(())
}
