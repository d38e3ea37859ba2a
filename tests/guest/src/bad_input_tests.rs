//! Bad input: a table of wrong calls with their expected errno, a seeded
//! random ioctl/read fuzzer, and the per-device reader cap.

use std::os::fd::{AsRawFd, OwnedFd};

use rpoll_uapi::*;

use crate::check;
use crate::dev::*;

/// What a call returned: `Ok(value)` or `Err(errno)`.
type Outcome = Result<i64, i32>;

/// An address in kernel space (arm64: the linear map; 32-bit ARM with the
/// 3G/1G split: lowmem; for a 32-bit process on a 64-bit kernel it is just
/// unmapped). User copies from or to it must fail with `EFAULT`.
#[cfg(target_pointer_width = "64")]
const KERNEL_ADDR: usize = 0xffff_8000_0000_0000;
/// See the 64-bit definition.
#[cfg(target_pointer_width = "32")]
const KERNEL_ADDR: usize = 0xc000_0000;

/// One row of the bad-input table: description, device, call, expected.
type Row = (
    &'static str,
    &'static str,
    Box<dyn Fn(&OwnedFd) -> Outcome>,
    Outcome,
);

fn sys(r: i64) -> Outcome {
    if r < 0 {
        Err(errno())
    } else {
        Ok(r)
    }
}

fn read_raw(fd: &OwnedFd, ptr: usize, len: usize) -> Outcome {
    // SAFETY: the kernel validates the (possibly bad) user pointer.
    sys(unsafe { libc::read(fd.as_raw_fd(), ptr as *mut libc::c_void, len) } as i64)
}

fn ioctl_raw(fd: &OwnedFd, cmd: u32, arg: usize) -> Outcome {
    // SAFETY: the kernel validates the (possibly bad) argument.
    sys(unsafe { libc::ioctl(fd.as_raw_fd(), cmd as _, arg) } as i64)
}

/// Every row: a wrong call on a fresh file and the errno it must give.
// `off_t` is 32 bits on armv7 glibc: the lseek row widens it, which is a
// no-op conversion on 64-bit targets.
#[allow(clippy::useless_conversion)]
pub fn bad_input_matrix() -> TestResult {
    let mut buf = vec![0u8; 4096];
    let b = buf.as_mut_ptr() as usize;
    let kernel_addr = KERNEL_ADDR;
    let zero = 0u32;
    let huge_clock = u32::MAX;
    let p9 = 9u32;
    let p_ok = 1_000_000u32;
    let rows: Vec<Row> = vec![
        (
            "read 1 byte",
            "idle",
            Box::new(move |f| read_raw(f, b, 1)),
            Err(libc::EINVAL),
        ),
        (
            "read 31 bytes",
            "idle",
            Box::new(move |f| read_raw(f, b, 31)),
            Err(libc::EINVAL),
        ),
        // Zero bytes cannot hold a record either (0 would read as EOF).
        (
            "read 0 bytes",
            "idle",
            Box::new(move |f| read_raw(f, b, 0)),
            Err(libc::EINVAL),
        ),
        (
            "read empty nonblock",
            "idle",
            Box::new(move |f| read_raw(f, b, 32)),
            Err(libc::EAGAIN),
        ),
        (
            "read 33 bytes",
            "rpoll-ms",
            Box::new(move |f| read_raw(f, b, 33)),
            Ok(32),
        ),
        (
            "read NULL",
            "rpoll-ms",
            Box::new(|f| read_raw(f, 0, 64)),
            Err(libc::EFAULT),
        ),
        (
            "read unmapped",
            "rpoll-ms",
            Box::new(|f| read_raw(f, 16, 64)),
            Err(libc::EFAULT),
        ),
        (
            "read kernel address",
            "rpoll-ms",
            Box::new(move |f| read_raw(f, kernel_addr, 64)),
            Err(libc::EFAULT),
        ),
        (
            "ioctl unknown nr",
            "idle",
            Box::new(|f| ioctl_raw(f, ioc(0, 77, 0), 0)),
            Err(libc::ENOTTY),
        ),
        (
            "ioctl other magic",
            "idle",
            Box::new(|f| ioctl_raw(f, 0x5401, 0)),
            Err(libc::ENOTTY),
        ),
        (
            "INFO wrong size",
            "idle",
            Box::new(move |f| ioctl_raw(f, ioc(2, 0, 16), b)),
            Err(libc::ENOTTY),
        ),
        (
            "STATS wrong dir",
            "idle",
            Box::new(move |f| ioctl_raw(f, ioc(1, 1, RPOLL_STATS_SIZE), b)),
            Err(libc::ENOTTY),
        ),
        (
            "INFO NULL",
            "idle",
            Box::new(|f| ioctl_raw(f, RPOLL_IOC_INFO, 0)),
            Err(libc::EFAULT),
        ),
        (
            "INFO kernel address",
            "idle",
            Box::new(move |f| ioctl_raw(f, RPOLL_IOC_INFO, kernel_addr)),
            Err(libc::EFAULT),
        ),
        (
            "STATS unmapped",
            "idle",
            Box::new(|f| ioctl_raw(f, RPOLL_IOC_STATS, 8)),
            Err(libc::EFAULT),
        ),
        (
            "SET_CLOCK NULL",
            "idle",
            Box::new(|f| ioctl_raw(f, RPOLL_IOC_SET_CLOCK, 0)),
            Err(libc::EFAULT),
        ),
        (
            "SET_CLOCK u32::MAX",
            "idle",
            Box::new(move |f| {
                ioctl_raw(f, RPOLL_IOC_SET_CLOCK, &huge_clock as *const u32 as usize)
            }),
            Err(libc::EINVAL),
        ),
        (
            "SET_PERIOD 0",
            "idle",
            Box::new(move |f| ioctl_raw(f, RPOLL_IOC_SET_PERIOD, &zero as *const u32 as usize)),
            Err(libc::EINVAL),
        ),
        (
            "SET_PERIOD 9",
            "idle",
            Box::new(move |f| ioctl_raw(f, RPOLL_IOC_SET_PERIOD, &p9 as *const u32 as usize)),
            Err(libc::EINVAL),
        ),
        (
            "SET_PERIOD NULL",
            "idle",
            Box::new(|f| ioctl_raw(f, RPOLL_IOC_SET_PERIOD, 0)),
            Err(libc::EFAULT),
        ),
        (
            "SET_PERIOD on irq",
            "button",
            Box::new(move |f| ioctl_raw(f, RPOLL_IOC_SET_PERIOD, &p_ok as *const u32 as usize)),
            Err(libc::ENOTTY),
        ),
        (
            "FLUSH empty",
            "idle",
            Box::new(|f| ioctl_raw(f, RPOLL_IOC_FLUSH, 0)),
            Ok(0),
        ),
        // SAFETY (closure bodies): plain syscalls on our fd.
        (
            "write (read-only fd)",
            "idle",
            Box::new(move |f| sys(unsafe { libc::write(f.as_raw_fd(), b as *const _, 32) } as i64)),
            Err(libc::EBADF),
        ),
        (
            "lseek",
            "idle",
            Box::new(|f| sys(unsafe { libc::lseek(f.as_raw_fd(), 32, libc::SEEK_SET) }.into())),
            Err(libc::ESPIPE),
        ),
        (
            "pread",
            "idle",
            Box::new(
                move |f| sys(unsafe { libc::pread(f.as_raw_fd(), b as *mut _, 32, 0) } as i64),
            ),
            Err(libc::ESPIPE),
        ),
        (
            "mmap",
            "idle",
            Box::new(|f| {
                let p = unsafe {
                    libc::mmap(
                        std::ptr::null_mut(),
                        4096,
                        libc::PROT_READ,
                        libc::MAP_SHARED,
                        f.as_raw_fd(),
                        0,
                    )
                };
                if p == libc::MAP_FAILED {
                    Err(errno())
                } else {
                    Ok(0)
                }
            }),
            Err(libc::ENODEV),
        ),
    ];
    let mut failures = Vec::new();
    for (what, dev, call, want) in &rows {
        let fd = open_nb(dev)?;
        if *dev == "rpoll-ms" {
            // A blocking read so that records are there to copy.
            // SAFETY: only clears O_NONBLOCK on our own fd.
            unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, 0) };
        }
        let got = call(&fd);
        println!("  bad input: {what:<22} on {dev:<8} -> {got:?} (want {want:?})");
        if got != *want {
            failures.push(format!("{what}: got {got:?}, want {want:?}"));
        }
    }
    let wr = open_flags("idle", libc::O_WRONLY);
    println!(
        "  bad input: {:<22} on {:<8} -> {:?} (want Err({}))",
        "open O_WRONLY",
        "idle",
        wr.as_ref().map(|_| 0),
        libc::EINVAL
    );
    if wr.as_ref().err() != Some(&libc::EINVAL) {
        failures.push("O_WRONLY open".into());
    }
    let rw = open_flags("idle", libc::O_RDWR).map_err(|e| format!("O_RDWR open: errno {e}"))?;
    // SAFETY: writes 32 bytes from a valid buffer to our fd.
    let w = sys(unsafe { libc::write(rw.as_raw_fd(), b as *const _, 32) } as i64);
    println!(
        "  bad input: {:<22} on {:<8} -> {w:?} (want Err({}))",
        "write (O_RDWR fd)",
        "idle",
        libc::EINVAL
    );
    if w != Err(libc::EINVAL) {
        failures.push(format!("write on O_RDWR: {w:?}"));
    }
    drop(buf);
    check!(failures.is_empty(), "{}", failures.join("; "));
    Ok(())
}

/// A seeded random sequence of reads and ioctls (valid and invalid
/// commands, sizes, values and pointers) on several devices: every call
/// must end with a result from the documented set, and the kernel must stay
/// clean (the runner checks the log).
pub fn fuzz_reads_and_ioctls() -> TestResult {
    let seed: u64 = std::env::var("RPOLL_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1234);
    let calls: usize = std::env::var("RPOLL_FUZZ_CALLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4000);
    let mut x = seed | 1;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let devs = ["tick", "fast", "idle", "rpoll-ms", "button"];
    let mut fds: Vec<OwnedFd> = devs.iter().map(|d| open_nb(d)).collect::<Result<_, _>>()?;
    let mut buf = vec![0u8; 8192];
    let allowed = [libc::EINVAL, libc::EAGAIN, libc::EFAULT, libc::ENOTTY];
    let mut unexpected = Vec::new();
    let mut counts = [0usize; 2];
    // Last seq read per file (0: none yet, or unknown after a reopen).
    let mut last_seq = [0u64; 5];
    for i in 0..calls {
        let k = (rnd() % fds.len() as u64) as usize;
        let ptr = match rnd() % 6 {
            0 => 0,
            1 => 16,
            2 => KERNEL_ADDR + 0x1234_0000,
            3 => buf.as_mut_ptr() as usize + (rnd() % 64) as usize, // misaligned
            _ => buf.as_mut_ptr() as usize,
        };
        let out = if rnd() % 2 == 0 {
            counts[0] += 1;
            let len = match rnd() % 4 {
                0 => (rnd() % 40) as usize,
                1 => 32 * (1 + (rnd() % 64) as usize),
                2 => (rnd() % 4096) as usize,
                _ => 32,
            };
            let len = len.min(4096);
            let out = read_raw(&fds[k], ptr, len);
            if let Ok(n) = out {
                let n = n as usize;
                // A successful read returns whole records, at least one,
                // within the buffer; those landing in `buf` are checked.
                if n == 0 || !n.is_multiple_of(RPOLL_EVENT_SIZE) || n > len {
                    unexpected.push(format!(
                        "call {i} on {}: read of {len} returned {n}",
                        devs[k]
                    ));
                } else if let Some(off) = ptr.checked_sub(buf.as_ptr() as usize) {
                    for c in buf[off..off + n].chunks_exact(RPOLL_EVENT_SIZE) {
                        let r = RpollEvent::from_bytes(c.try_into().unwrap());
                        let prev = last_seq[k];
                        if r.seq <= prev
                            || (prev > 0 && r.seq != prev + 1 + u64::from(r.lost))
                            || !(1..=2).contains(&r.source)
                        {
                            unexpected.push(format!(
                                "call {i} on {}: record {r:?} after seq {prev}",
                                devs[k]
                            ));
                        }
                        last_seq[k] = r.seq;
                    }
                }
            }
            out
        } else {
            counts[1] += 1;
            let nr = (rnd() % 8) as u32;
            let dir = (rnd() % 4) as u32;
            let size = [0usize, 4, 8, RPOLL_INFO_SIZE, RPOLL_STATS_SIZE, 100][(rnd() % 6) as usize];
            let cmd = if rnd() % 3 == 0 {
                [
                    RPOLL_IOC_INFO,
                    RPOLL_IOC_STATS,
                    RPOLL_IOC_SET_CLOCK,
                    RPOLL_IOC_FLUSH,
                ][(rnd() % 4) as usize]
            } else {
                ioc(dir, nr, size)
            };
            // Values for SET_CLOCK; SET_PERIOD only gets invalid values so
            // the other tests' periods stay as configured.
            let v: u32 = [0, 1, 2, 7, 9, u32::MAX][(rnd() % 6) as usize];
            let arg = if cmd == RPOLL_IOC_SET_CLOCK && ptr == buf.as_mut_ptr() as usize {
                buf[..4].copy_from_slice(&v.to_ne_bytes());
                ptr
            } else if cmd == RPOLL_IOC_SET_PERIOD {
                let bad = [0u32, 5, 9][(rnd() % 3) as usize];
                buf[..4].copy_from_slice(&bad.to_ne_bytes());
                buf.as_mut_ptr() as usize
            } else {
                ptr
            };
            ioctl_raw(&fds[k], cmd, arg)
        };
        if let Err(e) = out {
            if !allowed.contains(&e) {
                unexpected.push(format!("call {i} on {}: errno {e}", devs[k]));
            }
        }
        if rnd() % 50 == 0 {
            fds[k] = open_nb(devs[k])?;
            last_seq[k] = 0;
        }
    }
    println!(
        "  fuzz: seed {seed:#x}, {calls} calls ({} reads, {} ioctls)",
        counts[0], counts[1]
    );
    check!(
        unexpected.is_empty(),
        "unexpected results: {:?}",
        &unexpected[..unexpected.len().min(5)]
    );
    // The devices still work.
    let fd = open("rpoll-ms")?;
    read_n(&fd, 3)?;
    Ok(())
}

/// At most 64 files may have one device open: the 65th open fails with
/// EBUSY (the device's limit; EMFILE would name the process's), and
/// closing one makes room again. Memory per device is thus
/// bounded by 64 x queue-depth x 48-byte samples.
pub fn reader_cap_bounds_memory() -> TestResult {
    let mut fds = Vec::new();
    for i in 0..64 {
        fds.push(open_flags("idle", libc::O_RDONLY).map_err(|e| format!("open #{i}: errno {e}"))?);
    }
    let r = open_flags("idle", libc::O_RDONLY);
    check!(
        r.as_ref().err() == Some(&libc::EBUSY),
        "65th open: {:?}",
        r.map(|_| ())
    );
    check!(debug_state("idle")?.num("readers") == 64, "readers != 64");
    fds.pop();
    let again = open_flags("idle", libc::O_RDONLY);
    check!(again.is_ok(), "open after a close: {:?}", again.map(|_| ()));
    Ok(())
}

/// `open()` of a device with the deepest queue (`grid`: 4096 records,
/// 192 KiB) succeeds when no physically contiguous 64 KiB block can be had:
/// fail_page_alloc, for this thread only, fails every page allocation of
/// order 4 or more during the open, as a fragmented machine would. The ring
/// then comes from vmalloc; a plain kmalloc of it (order 6) fails with
/// `ENOMEM`. The file works afterwards.
pub fn deep_queue_open_without_high_order_pages() -> TestResult {
    const DBG: &str = "/sys/kernel/debug/fail_page_alloc";
    let set = |name: &str, value: &str| {
        std::fs::write(format!("{DBG}/{name}"), value).map_err(|e| format!("{DBG}/{name}: {e}"))
    };
    for (name, value) in [
        ("task-filter", "Y"),
        ("ignore-gfp-wait", "N"),
        ("ignore-gfp-highmem", "N"),
        ("min-order", "4"),
        ("verbose", "0"),
        ("interval", "1"),
        ("times", "-1"),
        ("probability", "100"),
    ] {
        set(name, value)?;
    }
    let fail = |on: &str| {
        std::fs::write("/proc/thread-self/make-it-fail", on)
            .map_err(|e| format!("make-it-fail: {e}"))
    };
    let opened = fail("1").map(|()| open_flags("grid", libc::O_RDONLY | libc::O_NONBLOCK));
    let off = fail("0");
    let restore = set("probability", "0");
    let fd = opened?
        .map_err(|e| format!("open of a 4096-record queue without order-4 pages: errno {e}"))?;
    off?;
    restore?;
    check!(
        debug_state("grid")?.num("queue_depth") == 4096,
        "grid's queue is not 4096 deep"
    );
    let r = collect(&fd, 1, 10_000)?;
    check!(!r.is_empty(), "no record on the deep queue");
    check_sequence(r[0].seq - 1, &r)
}
