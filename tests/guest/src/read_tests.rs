//! Reading: blocking, non-blocking, batches, short buffers, order, overflow,
//! several readers, bad operations, a partly faulting read.

use std::os::fd::AsRawFd;

use rpoll::Device;
use rpoll_uapi::{RpollEvent, RPOLL_EVENT_SIZE, RPOLL_SOURCE_TIMER};

use crate::check;
use crate::dev::*;

/// Every device of the test device tree has its node and debugfs directory.
pub fn device_nodes_exist() -> TestResult {
    for name in ["tick", "button", "fast", "idle", "rpoll-ms", "survivor"] {
        let meta = std::fs::metadata(format!("/dev/rpoll-{name}"))
            .map_err(|e| format!("/dev/rpoll-{name}: {e}"))?;
        use std::os::unix::fs::FileTypeExt;
        check!(
            meta.file_type().is_char_device(),
            "/dev/rpoll-{name} is not a char device"
        );
        debug_state(name)?;
    }
    Ok(())
}

/// With an empty queue, a non-blocking read fails with EAGAIN, and a
/// blocking read waits for the next event (its timestamp is later than the
/// moment the read started).
pub fn blocking_read_waits_for_event() -> TestResult {
    let fd = open("tick")?;
    let nb = open_nb("tick")?;
    // Drain nb until EAGAIN (at 1 Hz this is the first try in practice).
    for _ in 0..3 {
        if drain(&nb)?.is_empty() {
            break;
        }
    }
    let _ = drain(&nb)?;
    // Empty `fd` the same way, then block.
    loop {
        let before = now_ns(libc::CLOCK_MONOTONIC);
        // SAFETY: only flips O_NONBLOCK on our own fd.
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) };
        let queued = drain(&fd)?;
        // SAFETY: as above.
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, 0) };
        if !queued.is_empty() {
            continue;
        }
        let r = read_one(&fd)?;
        check!(
            r.timestamp_ns >= before,
            "blocking read returned event at {} ns, before the read started at {before} ns",
            r.timestamp_ns
        );
        check!(
            r.source == RPOLL_SOURCE_TIMER,
            "source {} != timer",
            r.source
        );
        return Ok(());
    }
}

/// `O_NONBLOCK` on an empty queue gives `EAGAIN` (idle never fires).
pub fn nonblock_empty_gives_eagain() -> TestResult {
    let fd = open_nb("idle")?;
    let r = read_batch(&fd, 1);
    check!(r == Err(libc::EAGAIN), "expected EAGAIN, got {r:?}");
    Ok(())
}

/// Buffers smaller than one record are refused with EINVAL; odd sizes give
/// whole records only.
pub fn short_buffer_is_einval() -> TestResult {
    let fd = open("rpoll-ms")?;
    for len in [1usize, 8, 31] {
        let mut buf = vec![0u8; len];
        let r = raw_read(fd.as_raw_fd(), &mut buf);
        check!(
            r == Err(libc::EINVAL),
            "read of {len} bytes: expected EINVAL, got {r:?}"
        );
    }
    sleep_ms(20);
    let mut buf = vec![0u8; 3 * RPOLL_EVENT_SIZE - 1];
    let n = raw_read(fd.as_raw_fd(), &mut buf).map_err(|e| format!("read: errno {e}"))?;
    check!(
        n == 2 * RPOLL_EVENT_SIZE || n == RPOLL_EVENT_SIZE,
        "odd buffer gave {n} bytes"
    );
    Ok(())
}

/// One read returns several whole records when several are queued.
pub fn batch_read_returns_many() -> TestResult {
    let fd = open("rpoll-ms")?;
    // 1 ms period: wait until at least 10 are queued.
    for _ in 0..500 {
        if debug_state("rpoll-ms")?.readers.iter().any(|r| r.3 >= 10) {
            break;
        }
        sleep_ms(5);
    }
    let recs = read_batch(&fd, 64).map_err(|e| format!("read: errno {e}"))?;
    check!(
        recs.len() >= 10,
        "batch read returned only {} records",
        recs.len()
    );
    check_sequence(recs[0].seq - 1 - u64::from(recs[0].lost), &recs)?;
    Ok(())
}

/// Records come in `seq` order with consecutive numbers and increasing
/// timestamps and jiffies when the reader keeps up.
pub fn records_are_consecutive() -> TestResult {
    let fd = open("rpoll-ms")?;
    let recs = read_n(&fd, 100)?;
    check!(recs[0].lost == 0, "first record lost={}", recs[0].lost);
    let total_lost: u32 = recs.iter().map(|r| r.lost).sum();
    check_sequence(recs[0].seq - 1, &recs)?;
    for w in recs.windows(2) {
        check!(
            w[1].timestamp_ns > w[0].timestamp_ns,
            "timestamps not increasing: {w:?}"
        );
        check!(w[1].jiffies >= w[0].jiffies, "jiffies going back: {w:?}");
    }
    // depth 256 at 1 ms and a reader blocked in read: nothing can be lost.
    check!(
        total_lost == 0,
        "{total_lost} records lost by a reader that keeps up"
    );
    Ok(())
}

/// A reader that does not read loses the oldest events; the loss shows in
/// `lost` and in the `seq` gap, and delivered + lost + queued equals the
/// events produced since open, exactly.
pub fn overflow_is_accounted() -> TestResult {
    let fd = open_nb("fast")?; // depth 8, 2 ms
    let first_state = debug_state("fast")?;
    check!(
        first_state.readers.len() == 1,
        "expected 1 reader on fast, {:?}",
        first_state.readers
    );
    let base = first_state.readers[0].0;
    // Wait (no fixed sleep) until the 8-slot queue has overflowed.
    let mut st = debug_state("fast")?;
    for _ in 0..2500 {
        if st.readers[0].2 > 0 {
            break;
        }
        sleep_ms(2);
        st = debug_state("fast")?;
    }
    let (b, delivered, lost, queued) = st.readers[0];
    check!(b == base, "base changed");
    check!(
        delivered + lost + queued == st.num("produced") - base,
        "identity broken: {delivered} + {lost} + {queued} != {} - {base}",
        st.num("produced")
    );
    check!(queued == 8, "queue should be full (8), has {queued}");
    check!(lost > 0, "no loss after 100 ms at 2 ms into 8 slots");
    // One read takes the whole (full) queue: at least the 8 queued records,
    // plus any tick that arrived while they were being copied out (the read
    // keeps taking records until the buffer is full or the queue empty).
    let recs = read_batch(&fd, 64).map_err(|e| format!("read: errno {e}"))?;
    check!(
        recs.len() >= 8,
        "read {} records from a full 8-slot queue",
        recs.len()
    );
    check!(
        recs[0].lost > 0,
        "first record after overflow carries lost=0"
    );
    check_sequence(base, &recs)?;
    // After the read the identity still holds with what we saw.
    let st = debug_state("fast")?;
    let (_, delivered, lost, queued) = st.readers[0];
    check!(
        delivered + lost + queued == st.num("produced") - base,
        "identity broken after the read"
    );
    let seen_lost: u64 = recs.iter().map(|r| u64::from(r.lost)).sum();
    check!(
        delivered >= recs.len() as u64 && lost >= seen_lost,
        "counters {delivered}/{lost} below what was read {}/{seen_lost}",
        recs.len()
    );
    Ok(())
}

/// Two readers each receive every event produced while both are open.
pub fn two_readers_each_get_every_event() -> TestResult {
    let a = open("rpoll-ms")?;
    let b = open("rpoll-ms")?;
    let ra = read_n(&a, 60)?;
    let rb = read_n(&b, 60)?;
    check_sequence(ra[0].seq - 1, &ra)?;
    check_sequence(rb[0].seq - 1, &rb)?;
    check!(
        ra.iter().all(|r| r.lost == 0) && rb.iter().all(|r| r.lost == 0),
        "loss with depth 256"
    );
    // b opened after a: every seq b has from a's range must be in a too.
    let lo = rb[0].seq.max(ra[0].seq);
    let hi = ra.last().unwrap().seq.min(rb.last().unwrap().seq);
    check!(hi >= lo + 40, "readers overlap too little: {lo}..{hi}");
    for s in lo..=hi {
        let x = ra.iter().find(|r| r.seq == s);
        let y = rb.iter().find(|r| r.seq == s);
        check!(x.is_some() && x == y, "seq {s}: a={x:?} b={y:?}");
    }
    Ok(())
}

/// write, lseek and mmap fail clearly; a write-only open is refused.
pub fn unsupported_operations_fail() -> TestResult {
    let r = open_flags("idle", libc::O_WRONLY);
    check!(
        r.as_ref().err() == Some(&libc::EINVAL),
        "O_WRONLY open: expected EINVAL, got {:?}",
        r.map(|_| ())
    );
    let fd = open_flags("idle", libc::O_RDWR).map_err(|e| format!("O_RDWR open: errno {e}"))?;
    let raw = fd.as_raw_fd();
    // SAFETY: writes 4 bytes from a valid buffer to our fd.
    let w = unsafe { libc::write(raw, b"abcd".as_ptr().cast(), 4) };
    check!(
        w < 0 && errno() == libc::EINVAL,
        "write: expected EINVAL, got {w} errno {}",
        errno()
    );
    // SAFETY: plain syscall on our fd.
    let l = unsafe { libc::lseek(raw, 0, libc::SEEK_SET) };
    check!(
        l < 0 && errno() == libc::ESPIPE,
        "lseek: expected ESPIPE, got {l} errno {}",
        errno()
    );
    // SAFETY: asks for a new mapping; no memory is touched.
    let m = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ,
            libc::MAP_SHARED,
            raw,
            0,
        )
    };
    check!(
        m == libc::MAP_FAILED && errno() == libc::ENODEV,
        "mmap: expected ENODEV, errno {}",
        errno()
    );
    let mut buf = [0u8; 32];
    // SAFETY: valid buffer; pread on a stream is refused.
    let p = unsafe { libc::pread(raw, buf.as_mut_ptr().cast(), 32, 0) };
    check!(
        p < 0 && errno() == libc::ESPIPE,
        "pread: expected ESPIPE, got {p} errno {}",
        errno()
    );
    Ok(())
}

/// A read whose buffer faults part-way copies the records that fit, returns
/// their size, and reports the records it had taken but could not copy as
/// lost on the next record; the accounting identity holds throughout.
pub fn partial_read_fault_accounted() -> TestResult {
    let d = Device::open("rpoll-ms").map_err(|e| e.to_string())?;
    let fd = d.owned_fd();
    wait_queued(&d, 12, 5000)?;
    // SAFETY: sysconf is always safe.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    // Two pages, the second unmapped: the buffer holds two records before
    // the hole.
    // SAFETY: anonymous mapping owned by this test, unmapped below.
    let map = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            2 * page,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    check!(map != libc::MAP_FAILED, "mmap: errno {}", errno());
    // SAFETY: unmapping the second page of our own mapping.
    unsafe { libc::munmap(map.cast::<u8>().add(page).cast(), page) };
    // SAFETY: the first page is ours; the read may fault past it.
    let buf = unsafe { map.cast::<u8>().add(page - 2 * RPOLL_EVENT_SIZE) };
    let before = stats(&d)?;
    // SAFETY: the kernel checks the buffer; the hole is deliberate.
    let n = unsafe { libc::read(fd.as_raw_fd(), buf.cast(), 8 * RPOLL_EVENT_SIZE) };
    let err = errno();
    let mut got = [[0u8; RPOLL_EVENT_SIZE]; 2];
    for (i, g) in got.iter_mut().enumerate() {
        // SAFETY: both records lie in the mapped page.
        unsafe {
            std::ptr::copy_nonoverlapping(
                buf.add(i * RPOLL_EVENT_SIZE),
                g.as_mut_ptr(),
                RPOLL_EVENT_SIZE,
            )
        };
    }
    // SAFETY: unmapping the first page of our mapping.
    unsafe { libc::munmap(map, page) };
    // The copy stops at the hole, possibly inside the second record: whole
    // records only, at least one.
    check!(
        n == RPOLL_EVENT_SIZE as isize || n == 2 * RPOLL_EVENT_SIZE as isize,
        "read into a buffer with 2 records before a hole returned {n} (errno {err})"
    );
    let copied = n as usize / RPOLL_EVENT_SIZE;
    let recs: Vec<RpollEvent> = got[..copied].iter().map(RpollEvent::from_bytes).collect();
    check_sequence(before.base + before.delivered, &recs)?;
    let after = stats(&d)?;
    check!(
        after.delivered == before.delivered + copied as u64,
        "{copied} records copied, delivered {} -> {}",
        before.delivered,
        after.delivered
    );
    let faulted = after.lost - before.lost;
    check!(
        faulted >= 1,
        "records taken but not copied were not counted as lost"
    );
    check_identity(&after)?;
    let last = recs[copied - 1].seq;
    let next = read_one(fd)?;
    check!(
        next.seq == last + 1 + u64::from(next.lost) && u64::from(next.lost) >= faulted,
        "next record {next:?} after seq {last} does not report the {faulted} faulted records"
    );
    Ok(())
}
