//! Readiness: poll, select and epoll (level- and edge-triggered).

use std::os::fd::AsRawFd;

use crate::check;
use crate::dev::*;

const IN: u32 = libc::EPOLLIN as u32;
const RDNORM: u32 = libc::EPOLLRDNORM as u32;

/// epoll reports EPOLLIN | EPOLLRDNORM when a record is queued; reading
/// consumes it, after which the fd is only ready again if a newer record is
/// really queued.
pub fn epoll_level_triggered() -> TestResult {
    let fd = open_nb("tick")?;
    let ep = Epoll::new()?;
    ep.add(&fd, IN | RDNORM, 7)?;
    let evs = ep
        .wait(5000)
        .map_err(|e| format!("epoll_wait: errno {e}"))?;
    check!(evs.len() == 1 && evs[0].0 == 7, "epoll_wait gave {evs:?}");
    check!(
        evs[0].1 & (IN | RDNORM) == IN | RDNORM,
        "events {:#x}",
        evs[0].1
    );
    // Level-triggered: still ready until read.
    let again = ep.wait(0).map_err(|e| format!("epoll_wait: errno {e}"))?;
    check!(
        again.len() == 1,
        "level-triggered epoll not ready again before read"
    );
    let got = drain(&fd)?;
    check!(!got.is_empty(), "ready but nothing to read");
    let after = ep.wait(0).map_err(|e| format!("epoll_wait: errno {e}"))?;
    if !after.is_empty() {
        // Only acceptable if the next tick really arrived meanwhile.
        check!(!drain(&fd)?.is_empty(), "epoll ready with an empty queue");
    }
    Ok(())
}

/// Edge-triggered epoll reports a record once: without reading, a second
/// wait stays quiet until a *new* record arrives, and then wakes again (a
/// level-triggered registration would report the same record at once).
pub fn epoll_edge_triggered() -> TestResult {
    let fd = open_nb("tick")?;
    let ep = Epoll::new()?;
    ep.add(&fd, IN | libc::EPOLLET as u32, 1)?;
    let first = ep
        .wait(5000)
        .map_err(|e| format!("epoll_wait: errno {e}"))?;
    check!(first.len() == 1, "no edge for the first tick");
    let again = ep.wait(0).map_err(|e| format!("epoll_wait: errno {e}"))?;
    check!(
        again.is_empty(),
        "edge-triggered epoll reported the same unread record twice: {again:?}"
    );
    let second = ep
        .wait(5000)
        .map_err(|e| format!("epoll_wait: errno {e}"))?;
    check!(second.len() == 1, "no edge for the second tick");
    let recs = drain(&fd)?;
    check!(
        recs.len() >= 2,
        "two edges but {} records queued",
        recs.len()
    );
    check_sequence(recs[0].seq - 1, &recs)?;
    Ok(())
}

/// poll(2) and select(2) see the same readiness.
pub fn poll_and_select() -> TestResult {
    let fd = open_nb("tick")?;
    let raw = fd.as_raw_fd();
    let mut pfd = libc::pollfd {
        fd: raw,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&mut pfd, 1, 5000) };
    check!(
        n == 1 && pfd.revents & libc::POLLIN != 0,
        "poll: n={n} revents={:#x}",
        pfd.revents
    );
    check!(
        select_readable(raw, 0),
        "select does not see the queued record"
    );
    drain(&fd)?;
    let idle = open_nb("idle")?;
    check!(
        !select_readable(idle.as_raw_fd(), 50_000),
        "select reports an idle device readable"
    );
    let mut pfd = libc::pollfd {
        fd: idle.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&mut pfd, 1, 50) };
    check!(
        n == 0,
        "idle device polled ready: revents={:#x}",
        pfd.revents
    );
    Ok(())
}

/// Whether select(2) reports `fd` readable within `timeout_us`.
fn select_readable(fd: i32, timeout_us: i64) -> bool {
    // SAFETY: fd_set manipulation on a zeroed set with a valid fd.
    unsafe {
        let mut set: libc::fd_set = std::mem::zeroed();
        libc::FD_ZERO(&mut set);
        libc::FD_SET(fd, &mut set);
        let mut tv = libc::timeval {
            tv_sec: 0,
            tv_usec: timeout_us as _,
        };
        let n = libc::select(
            fd + 1,
            &mut set,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut tv,
        );
        n == 1 && libc::FD_ISSET(fd, &set)
    }
}

/// The `rpoll` crate's tokio stream (`EventStream`, over `AsyncFd`, a
/// `futures_core::Stream` driven here by `tokio_stream::StreamExt`) reads
/// two devices concurrently on one current-thread runtime: each stream
/// yields whole, consecutive records (gaps only as `lost`), interleaved in
/// time rather than one device after the other.
pub fn tokio_stream_two_devices() -> TestResult {
    use rpoll::EventStream;
    use std::time::Instant;
    use tokio_stream::StreamExt;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let start = Instant::now();
    async fn take(name: &str, n: usize, start: Instant) -> Result<Vec<(u64, u32, u128)>, String> {
        let mut s = EventStream::open(name).map_err(|e| format!("{name}: {e}"))?;
        let mut out = Vec::new();
        while out.len() < n {
            let ev = s
                .next()
                .await
                .ok_or(format!("{name}: stream ended"))?
                .map_err(|e| format!("{name}: {e}"))?;
            out.push((ev.seq, ev.lost, start.elapsed().as_micros()));
        }
        Ok(out)
    }
    let (a, b) = rt
        .block_on(async {
            let deadline = std::time::Duration::from_secs(10);
            tokio::time::timeout(deadline, async {
                tokio::join!(take("rpoll-ms", 40, start), take("fast", 20, start))
            })
            .await
        })
        .map_err(|_| "the streams did not deliver within 10 s".to_string())?;
    let (a, b) = (a?, b?);
    for (name, recs) in [("rpoll-ms", &a), ("fast", &b)] {
        for w in recs.windows(2) {
            check!(
                w[1].0 == w[0].0 + 1 + u64::from(w[1].1),
                "{name}: seq {} after {} with lost {}",
                w[1].0,
                w[0].0,
                w[1].1
            );
        }
    }
    // Concurrent, not sequential: the 2 ms device's records arrive while
    // the 1 ms device's are still coming.
    let a_last = a.last().map(|r| r.2).unwrap_or(0);
    let b_first = b.first().map(|r| r.2).unwrap_or(u128::MAX);
    check!(
        b_first < a_last,
        "fast's first record at {b_first} us came after rpoll-ms's last at {a_last} us"
    );
    Ok(())
}
