//! The three event sources under test, opened for N readers with one
//! period, and how one reader reads each of them:
//!
//! - rpoll: `/dev/rpoll-bench`, one file per reader (each gets every event);
//! - cref: `/dev/cref`, the C reference driver, one file per reader, all
//!   consuming from its single shared queue (each event goes to one reader);
//! - timerfd: one timerfd per reader, all armed on the same absolute
//!   schedule (each reader gets every expiry, as with rpoll).

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use rpoll_uapi::{
    RpollEvent, RpollStats, RPOLL_EVENT_SIZE, RPOLL_IOC_FLUSH, RPOLL_IOC_SET_PERIOD,
    RPOLL_IOC_STATS, RPOLL_STATS_SIZE,
};

use rpoll_sys as sys;

/// The rpoll device of the benchmark overlay (bench/bench.dtso).
pub const RPOLL_DEV: &str = "/dev/rpoll-bench";
/// The C reference driver (bench/cref).
pub const CREF_DEV: &str = "/dev/cref";

/// Linux's generic `_IOC()` encoding for cref's ioctl type 0xBA.
const fn cref_ioc(dir: u32, nr: u32, size: u32) -> u32 {
    (dir << 30) | (size << 16) | (0xBA << 8) | nr
}
/// `_IOW(0xBA, 1, __u32)` (bench/cref/cref.h).
const CREF_IOC_SET_PERIOD: u32 = cref_ioc(1, 1, 4);
/// `_IOR(0xBA, 2, struct cref_stats)` (bench/cref/cref.h).
const CREF_IOC_STATS: u32 = cref_ioc(2, 2, 40);

/// `struct cref_stats` of bench/cref/cref.h.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct CrefStats {
    produced: u64,
    lost: u64,
    overruns: u64,
    readers: u64,
    queued: u64,
}

/// One of the mechanisms compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mech {
    Rpoll,
    Cref,
    Timerfd,
}

impl Mech {
    /// All three, in report order.
    pub const ALL: [Mech; 3] = [Mech::Rpoll, Mech::Cref, Mech::Timerfd];

    /// The name used in the results.
    pub fn name(self) -> &'static str {
        match self {
            Mech::Rpoll => "rpoll",
            Mech::Cref => "cref",
            Mech::Timerfd => "timerfd",
        }
    }

    /// Parses a name given on the command line.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == s)
    }

    /// Whether every reader gets every event (rpoll, timerfd) rather than
    /// sharing one queue (cref).
    pub fn broadcast(self) -> bool {
        self != Mech::Cref
    }
}

/// Device-wide counters at one moment.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counters {
    /// Events the source produced (rpoll, cref).
    pub produced: u64,
    /// Events dropped from queues, summed over the readers' files.
    pub lost: u64,
    /// Periods the producer skipped because it ran late.
    pub overruns: u64,
}

/// A source opened for some readers, running at one period.
pub struct Setup {
    pub mech: Mech,
    pub period_ns: u64,
    fds: Vec<OwnedFd>,
    /// timerfd: absolute time of the first expiry.
    first_ns: u64,
}

fn rpoll_stats(fd: RawFd) -> io::Result<RpollStats> {
    let mut raw = [0u8; RPOLL_STATS_SIZE];
    // SAFETY: RPOLL_IOC_STATS writes one struct rpoll_stats, which is
    // RPOLL_STATS_SIZE bytes; any bytes are a valid byte array.
    unsafe { sys::ioctl_ptr(fd, RPOLL_IOC_STATS, &mut raw) }?;
    Ok(RpollStats::from_bytes(&raw))
}

impl Setup {
    /// Opens `readers` readers of `mech` and sets the period; the source
    /// runs from now on, with every queue empty.
    pub fn open(mech: Mech, readers: usize, period_us: u32) -> io::Result<Self> {
        let period_ns = u64::from(period_us) * 1000;
        let mut fds = Vec::with_capacity(readers);
        let mut first_ns = 0;
        match mech {
            Mech::Rpoll | Mech::Cref => {
                let (path, set) = match mech {
                    Mech::Rpoll => (RPOLL_DEV, RPOLL_IOC_SET_PERIOD),
                    _ => (CREF_DEV, CREF_IOC_SET_PERIOD),
                };
                for _ in 0..readers {
                    fds.push(sys::open_flags(path, libc::O_RDONLY | libc::O_NONBLOCK)?);
                }
                let mut us = period_us;
                // Restarts the timer (rpoll) or the producer thread (cref,
                // which also empties its queue).
                // SAFETY: both SET_PERIOD commands read one __u32.
                unsafe { sys::ioctl_ptr(fds[0].as_raw_fd(), set, &mut us) }?;
                if mech == Mech::Rpoll {
                    for fd in &fds {
                        sys::ioctl_none(fd.as_raw_fd(), RPOLL_IOC_FLUSH)?;
                    }
                }
            }
            Mech::Timerfd => {
                first_ns = sys::monotonic_ns() + 2_000_000;
                for _ in 0..readers {
                    let fd = sys::timerfd()?;
                    sys::timerfd_arm(&fd, first_ns, period_ns)?;
                    fds.push(fd);
                }
            }
        }
        Ok(Self {
            mech,
            period_ns,
            fds,
            first_ns,
        })
    }

    /// Reader `i`'s file descriptor.
    pub fn fd(&self, i: usize) -> RawFd {
        self.fds[i].as_raw_fd()
    }

    /// Number of readers.
    pub fn readers(&self) -> usize {
        self.fds.len()
    }

    /// The device's counters now (timerfd: none, its readers count).
    pub fn counters(&self) -> io::Result<Counters> {
        match self.mech {
            Mech::Rpoll => {
                let mut c = Counters::default();
                for (i, fd) in self.fds.iter().enumerate() {
                    let s = rpoll_stats(fd.as_raw_fd())?;
                    if i == 0 {
                        c.produced = s.produced;
                        c.overruns = s.overruns;
                    }
                    c.lost += s.lost;
                }
                Ok(c)
            }
            Mech::Cref => {
                let mut s = CrefStats::default();
                // SAFETY: CREF_IOC_STATS writes one struct cref_stats, which
                // `CrefStats` mirrors (five u64, 40 bytes); any bits are valid.
                unsafe { sys::ioctl_ptr(self.fds[0].as_raw_fd(), CREF_IOC_STATS, &mut s) }?;
                Ok(Counters {
                    produced: s.produced,
                    lost: s.lost,
                    overruns: s.overruns,
                })
            }
            Mech::Timerfd => Ok(Counters::default()),
        }
    }

    /// Reader `i`, reading up to `batch` records per read (rpoll only;
    /// cref and timerfd return one record per read by design).
    pub fn reader(&self, i: usize, batch: usize, window_start: u64) -> Reader {
        let batch = if self.mech == Mech::Rpoll {
            batch.max(1)
        } else {
            1
        };
        Reader {
            mech: self.mech,
            fd: self.fds[i].as_raw_fd(),
            buf: vec![0; batch * RPOLL_EVENT_SIZE],
            period_ns: self.period_ns,
            first_ns: self.first_ns,
            window_start,
            expirations: 0,
            coalesced: 0,
        }
    }
}

/// One reader of a [`Setup`]; borrows its file descriptor.
pub struct Reader {
    mech: Mech,
    fd: RawFd,
    buf: Vec<u8>,
    period_ns: u64,
    first_ns: u64,
    window_start: u64,
    /// timerfd: expirations read so far.
    expirations: u64,
    /// timerfd: expirations merged into a count > 1 (in the window): the
    /// events this reader could not get one by one.
    pub coalesced: u64,
}

impl Reader {
    /// Whether one read can report several events as one record (timerfd's
    /// expiration count).
    pub fn merges(&self) -> bool {
        self.mech == Mech::Timerfd
    }

    /// The file descriptor to wait on.
    pub fn fd(&self) -> RawFd {
        self.fd
    }

    /// Reads once without blocking and appends the kernel timestamp of each
    /// event to `out` (timerfd: the time of every expiry the count covers).
    /// Returns `false` if nothing was there (for cref, another reader may
    /// have taken it).
    pub fn read(&mut self, out: &mut Vec<u64>) -> io::Result<bool> {
        let n = match sys::read(self.fd, &mut self.buf) {
            Ok(n) => n,
            Err(sys::Errno(libc::EAGAIN)) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        match self.mech {
            Mech::Timerfd => {
                if n != 8 {
                    return Err(io::Error::other("short timerfd read"));
                }
                let count = u64::from_ne_bytes(self.buf[..8].try_into().unwrap_or_default());
                if count == 0 {
                    return Ok(false);
                }
                // Every expiry this read reports, oldest first: the merged
                // ones are latency samples too (the reader learns of them
                // only now).
                for _ in 0..count {
                    self.expirations += 1;
                    out.push(self.first_ns + (self.expirations - 1) * self.period_ns);
                }
                let ts = self.first_ns + (self.expirations - 1) * self.period_ns;
                if ts >= self.window_start {
                    self.coalesced += count - 1;
                }
            }
            Mech::Rpoll | Mech::Cref => {
                for rec in self.buf[..n].chunks_exact(RPOLL_EVENT_SIZE) {
                    let rec: &[u8; RPOLL_EVENT_SIZE] = rec.try_into().unwrap_or(&[0; 32]);
                    out.push(RpollEvent::from_bytes(rec).timestamp_ns);
                }
            }
        }
        Ok(true)
    }
}
