//! Reads that must not block although the file is blocking: `preadv2()`
//! with `RWF_NOWAIT`, and io_uring, which tries every read with
//! `IOCB_NOWAIT` first and, when that would block, waits for the file's
//! poll readiness instead of handing the read to a worker thread. Both need
//! the driver to declare `FMODE_NOWAIT` at open; without it the VFS answers
//! `EOPNOTSUPP` and io_uring punts every read to an `iou-wrk-*` thread.

use std::os::fd::{AsRawFd, OwnedFd};

use io_uring::{opcode, types, IoUring};
use rpoll_uapi::{RpollEvent, RPOLL_EVENT_SIZE};

use crate::check;
use crate::dev::*;

/// `RWF_NOWAIT` of `<linux/fs.h>`.
const RWF_NOWAIT: libc::c_int = 0x8;

/// `preadv2(fd, buf, -1, RWF_NOWAIT)`: bytes read, or the errno.
fn read_nowait(fd: &OwnedFd, buf: &mut [u8]) -> Result<usize, i32> {
    let iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // Offset -1 (the file position; rpoll files are streams), split into
    // the low and high words the system call takes on every architecture.
    let (lo, hi): (libc::c_long, libc::c_long) = (-1, -1);
    // SAFETY: `iov` describes `buf`, valid for writes for the call.
    let n = unsafe {
        libc::syscall(
            libc::SYS_preadv2,
            fd.as_raw_fd(),
            &iov,
            1,
            lo,
            hi,
            RWF_NOWAIT,
        )
    };
    if n < 0 {
        Err(errno())
    } else {
        Ok(n as usize)
    }
}

/// Decodes whole records.
fn records(buf: &[u8]) -> Vec<RpollEvent> {
    buf.chunks_exact(RPOLL_EVENT_SIZE)
        .map(|c| RpollEvent::from_bytes(c.try_into().unwrap()))
        .collect()
}

/// The names of this process's io_uring worker threads (`iou-wrk-*`).
fn io_workers() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return vec!["(cannot list /proc/self/task)".into()];
    };
    dir.filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("comm")).ok())
        .map(|c| c.trim().to_string())
        .filter(|c| c.starts_with("iou-wrk"))
        .collect()
}

/// On a blocking file, `RWF_NOWAIT` gives `EAGAIN` on an empty queue (not
/// `EOPNOTSUPP`, and without sleeping) and the queued records once there
/// are some.
pub fn rwf_nowait_read() -> TestResult {
    let idle = open("idle")?;
    let mut buf = vec![0u8; 4 * RPOLL_EVENT_SIZE];
    let r = read_nowait(&idle, &mut buf);
    check!(
        r == Err(libc::EAGAIN),
        "RWF_NOWAIT on an empty queue: {r:?}, want EAGAIN"
    );
    let ms = open("rpoll-ms")?;
    sleep_ms(20);
    let n = read_nowait(&ms, &mut buf)
        .map_err(|e| format!("RWF_NOWAIT with records queued: errno {e}"))?;
    check!(
        n > 0 && n % RPOLL_EVENT_SIZE == 0,
        "RWF_NOWAIT read {n} bytes"
    );
    let recs = records(&buf[..n]);
    check!(recs[0].seq > 0, "first record has seq 0");
    check_sequence(recs[0].seq - 1, &recs)
}

/// An io_uring read of an empty queue completes when the next record comes,
/// without an `iou-wrk-*` thread (the read was tried non-blocking and then
/// waited for through poll), and returns the same records, stamp for stamp,
/// as a `read()` of a second file opened beside it.
pub fn io_uring_read_without_worker() -> TestResult {
    // 100 ms period: the queue is empty when the read is submitted.
    let a = open("nap")?;
    let b = open("nap")?;
    let mut ring = IoUring::new(4).map_err(|e| format!("io_uring_setup: {e}"))?;
    let mut buf = vec![0u8; 2 * RPOLL_EVENT_SIZE];
    let read = opcode::Read::new(types::Fd(a.as_raw_fd()), buf.as_mut_ptr(), buf.len() as u32)
        .offset(u64::MAX)
        .build()
        .user_data(7);
    // SAFETY: `buf` outlives the request: the completion is reaped below
    // before `buf` is used or dropped.
    unsafe { ring.submission().push(&read) }.map_err(|e| format!("push: {e}"))?;
    ring.submit().map_err(|e| format!("submit: {e}"))?;
    let while_pending = io_workers();
    ring.submit_and_wait(1).map_err(|e| format!("wait: {e}"))?;
    let cqe = ring
        .completion()
        .next()
        .ok_or("no completion after submit_and_wait(1)")?;
    let after = io_workers();
    check!(cqe.user_data() == 7, "completion for {}", cqe.user_data());
    let res = cqe.result();
    check!(
        res > 0 && (res as usize).is_multiple_of(RPOLL_EVENT_SIZE),
        "io_uring read: result {res}"
    );
    check!(
        while_pending.is_empty() && after.is_empty(),
        "io_uring used worker threads: {while_pending:?} while pending, {after:?} after"
    );
    let via_ring = records(&buf[..res as usize]);
    let first = via_ring[0];
    // The same event through read() on the other file (opened together, so
    // it queued the same seq; at most one earlier record before it).
    let via_read = read_n(&b, 2)?;
    let same = via_read.iter().find(|r| r.seq == first.seq);
    check!(
        same == Some(&first),
        "io_uring gave {first:?}, read() gave {via_read:?}"
    );
    Ok(())
}
