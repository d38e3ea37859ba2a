//! Systematic fault injection from inside the guest, as the kernel's
//! fault-injection documentation describes it: writing N to
//! `/proc/thread-self/fail-nth` makes the Nth fault site the calling thread
//! reaches afterwards fail (a slab or page allocation, a user copy); reading
//! it back gives 0 once that fault was injected. [`walk`] runs an operation
//! with N = 1, 2, ... until it completes without reaching its Nth site.
//!
//! Between arming and the operation the thread must make no other system
//! call and take no page fault (those are fault sites too): callers lock
//! their memory first ([`lock_memory`]) and print nothing in between.

use std::fs;
use std::os::fd::{AsRawFd, OwnedFd};

use crate::dev::errno;

/// The fault-injection capabilities a walk uses, under debugfs.
pub const CAPABILITIES: [&str; 3] = ["failslab", "fail_page_alloc", "fail_usercopy"];

/// Sets the capabilities up for per-task injection only: `task-filter`
/// with probability 0 (nothing fails at random, anywhere), no messages
/// (a report per injected fault would flood the console), and sleeping
/// and order-0 allocations included (by default failslab and
/// fail_page_alloc skip every GFP_KERNEL allocation, so fail-nth would
/// never reach a driver's).
pub fn configure() -> Result<(), String> {
    let dbg = "/sys/kernel/debug";
    let mut settings: Vec<(String, &str)> = Vec::new();
    for cap in CAPABILITIES {
        settings.push((format!("{dbg}/{cap}/task-filter"), "Y"));
        settings.push((format!("{dbg}/{cap}/probability"), "0"));
        settings.push((format!("{dbg}/{cap}/verbose"), "0"));
    }
    settings.push((format!("{dbg}/failslab/ignore-gfp-wait"), "N"));
    settings.push((format!("{dbg}/fail_page_alloc/ignore-gfp-wait"), "N"));
    settings.push((format!("{dbg}/fail_page_alloc/ignore-gfp-highmem"), "N"));
    settings.push((format!("{dbg}/fail_page_alloc/min-order"), "0"));
    for (path, value) in settings {
        fs::write(&path, value)
            .map_err(|e| format!("{path}: {e} (kernel without fault injection?)"))?;
    }
    Ok(())
}

/// Locks this process's memory now and for the future and touches `stack`
/// bytes of stack, so that no page fault (itself a fault site: page
/// allocations) happens inside an armed window.
pub fn lock_memory(stack: usize) -> Result<(), String> {
    // SAFETY: mlockall takes flags only.
    if unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE) } != 0 {
        return Err(format!("mlockall: errno {}", errno()));
    }
    touch_stack(stack);
    Ok(())
}

#[inline(never)]
fn touch_stack(bytes: usize) {
    let mut page = [0u8; 4096];
    page[0] = 1;
    std::hint::black_box(&mut page);
    if bytes > page.len() {
        touch_stack(bytes - page.len());
    }
}

/// This thread's `/proc/thread-self/fail-nth`, opened once (opening is
/// itself full of fault sites).
pub struct FailNth {
    fd: OwnedFd,
}

impl FailNth {
    /// Opens the calling thread's control file; use it on this thread only.
    pub fn open() -> Result<Self, String> {
        let path = "/proc/thread-self/fail-nth";
        let f = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| format!("{path}: {e}"))?;
        Ok(Self { fd: f.into() })
    }

    /// Writes `text` (no allocation here: in `disarm` a heap allocation could
    /// make a system call while the count is still running).
    fn write(&self, text: &[u8]) -> Result<(), i32> {
        // SAFETY: writes `text`, which outlives the call, to our own fd.
        let r = unsafe { libc::pwrite(self.fd.as_raw_fd(), text.as_ptr().cast(), text.len(), 0) };
        if r < 0 {
            Err(errno())
        } else {
            Ok(())
        }
    }

    /// Arms: the `n`th fault site this thread reaches from now on fails.
    /// The write itself is done before the count starts.
    pub fn arm(&self, n: u32) -> Result<(), String> {
        let text = n.to_string();
        self.write(text.as_bytes())
            .map_err(|e| format!("fail-nth: write {n}: errno {e}"))
    }

    /// Disarms; returns whether the armed fault was injected. Reading
    /// shows 0 once it was; if the count was still running, the read or the
    /// write of 0 may reach it themselves (an EFAULT here, not in the
    /// operation), so the outcome of the read decides and the write of 0 is
    /// repeated until it takes.
    pub fn disarm(&self) -> Result<bool, String> {
        let mut buf = [0u8; 16];
        // SAFETY: reads into our own buffer.
        let r = unsafe { libc::pread(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        let injected = if r < 0 {
            let e = errno();
            if e != libc::EFAULT {
                return Err(format!("fail-nth: read: errno {e}"));
            }
            false
        } else {
            let text = std::str::from_utf8(&buf[..r as usize]).unwrap_or("?");
            text.trim()
                .parse::<u32>()
                .map_err(|_| format!("fail-nth: read '{text}'"))?
                == 0
        };
        for _ in 0..3 {
            if self.write(b"0").is_ok() {
                return Ok(injected);
            }
        }
        Err("fail-nth: cannot write 0".into())
    }
}

/// What a walk found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Walk {
    /// Fault sites reached (runs in which the armed fault was injected).
    pub sites: u32,
    /// Of those, runs in which the operation returned an error.
    pub errors: u32,
    /// Of those, runs in which the operation succeeded anyway (the failure
    /// was absorbed on the way, e.g. by an optional debugfs file); the
    /// result is checked like any success.
    pub absorbed: u32,
}

impl Walk {
    /// Adds another walk's counts.
    pub fn add(&mut self, other: Walk) {
        self.sites += other.sites;
        self.errors += other.errors;
        self.absorbed += other.absorbed;
    }
}

/// One run of an operation: its result (a value or an errno) and whether
/// the armed fault was injected.
pub struct Run<T> {
    /// The operation's result.
    pub result: Result<T, i32>,
    /// Whether the Nth site was reached and failed.
    pub injected: bool,
    /// N.
    pub nth: u32,
}

/// Runs `op` with the Nth fault site armed, N = 1, 2, ..., up to `max`.
/// After each run `check` verifies the state the run left (an error must
/// leave nothing half-made; a success must be complete) and restores the
/// starting state; its error ends the walk. The walk ends when a run
/// reaches no injected fault: that run must succeed. A walk that needs more
/// than `max` runs, or whose operation fails without an injected fault, is
/// an error.
pub fn walk<T>(
    fnth: &FailNth,
    max: u32,
    mut op: impl FnMut() -> Result<T, i32>,
    mut check: impl FnMut(&Run<T>) -> Result<(), String>,
) -> Result<Walk, String> {
    let mut w = Walk::default();
    for nth in 1..=max {
        fnth.arm(nth)?;
        let result = op();
        let injected = fnth.disarm()?;
        let run = Run {
            result,
            injected,
            nth,
        };
        let ok = run.result.is_ok();
        if !injected && !ok {
            return Err(format!(
                "N={nth}: failed with errno {} although no fault was injected",
                run.result.as_ref().err().copied().unwrap_or(0)
            ));
        }
        check(&run).map_err(|e| format!("N={nth}: {e}"))?;
        if !injected {
            return Ok(w);
        }
        w.sites += 1;
        if ok {
            w.absorbed += 1;
        } else {
            w.errors += 1;
        }
    }
    Err(format!("still reaching new fault sites after {max} runs"))
}

/// Converts a raw system call result (`-1` and errno on failure).
pub fn cvt(r: isize) -> Result<isize, i32> {
    if r < 0 {
        Err(errno())
    } else {
        Ok(r)
    }
}

/// The kernel log as it grows: each [`Kmsg::fresh`] returns the messages
/// logged since the previous call (from `/dev/kmsg`, which, unlike `dmesg`,
/// never loses the thread when the ring buffer wraps).
pub struct Kmsg {
    fd: OwnedFd,
}

impl Kmsg {
    /// Opens `/dev/kmsg` positioned after the last message.
    pub fn open() -> Result<Self, String> {
        use std::os::unix::fs::OpenOptionsExt;
        let f = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open("/dev/kmsg")
            .map_err(|e| format!("/dev/kmsg: {e}"))?;
        // SAFETY: our own fd; SEEK_END skips the messages logged so far.
        unsafe { libc::lseek(f.as_raw_fd(), 0, libc::SEEK_END) };
        Ok(Self { fd: f.into() })
    }

    /// The messages (first line of each record) logged since the last call.
    pub fn fresh(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 8192];
        loop {
            // SAFETY: reads one record into our own buffer.
            let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n < 0 {
                if errno() == libc::EPIPE {
                    // Overwritten before we read it; the next read resumes.
                    out.push("kmsg: messages lost (ring buffer wrapped)".into());
                    continue;
                }
                return out;
            }
            let rec = String::from_utf8_lossy(&buf[..n as usize]);
            if let Some((_, msg)) = rec.split_once(';') {
                out.push(msg.lines().next().unwrap_or("").to_string());
            }
        }
    }
}
