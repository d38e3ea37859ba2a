//! The GPIO path: rpoll's GPIO device against the GPIO character device
//! (gpio-cdev, what `gpiomon` uses) and against gpio-keys feeding evdev
//! (`crate::evdev`), on the same PL061 controller in the same boot, with
//! edges driven from the host through qtest.
//!
//! - rpoll: `/dev/rpoll-bench-gpio` (bench/bench.dtso: PL061 line 5, both
//!   edges, no debounce, queue depth 256). Its hard-IRQ handler stamps
//!   `ktime_get()` first, reads the line level, queues the record and wakes
//!   the reader, all in hard-IRQ context.
//! - gpio-cdev: a uAPI v2 line request on line 7 of `/dev/gpiochip0` with
//!   `GPIO_V2_LINE_FLAG_EDGE_RISING | _FALLING` and an event buffer of 256
//!   (the same depth). Its hard-IRQ handler stamps `ktime_get_ns()` and
//!   wakes its IRQ thread, which reads the level, queues the event in the
//!   kfifo and wakes the reader.
//! - evdev: `crate::evdev`, gpio-keys on line 2; its stamp is the input
//!   core's, taken in gpio-keys' worker (a lower bound of the latency).
//!
//! A train of edges is asked of the host agent (scripts/board-io, op
//! `train=LINE:COUNT:GAP_US`) followed by one rising edge on line 6, the
//! "done" line, watched through its own gpio-cdev request: once it arrives
//! every edge of the train has been taken by the controller's interrupt.

use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use rpoll_uapi::{
    RpollEvent, RpollInfo, RpollStats, RPOLL_EVENT_SIZE, RPOLL_INFO_SIZE, RPOLL_IOC_INFO,
    RPOLL_IOC_STATS, RPOLL_STATS_SIZE,
};

use crate::evdev::{self, InputEvent};
use crate::soak::{self, Soak};
use rpoll_sys as sys;

/// rpoll's GPIO device of the benchmark overlay.
pub const RPOLL_GPIO_DEV: &str = "/dev/rpoll-bench-gpio";
/// The PL061's character device.
pub const GPIOCHIP: &str = "/dev/gpiochip0";
/// PL061 line of the rpoll device (bench/bench.dtso).
pub const RPOLL_LINE: u32 = 5;
/// PL061 line requested through gpio-cdev.
pub const CDEV_LINE: u32 = 7;
/// PL061 line the host raises after each train.
pub const DONE_LINE: u32 = 6;
/// gpio-cdev's event buffer, equal to rpoll's queue depth.
pub const EVENT_BUFFER: u32 = 256;

/// `GPIO_V2_LINE_FLAG_INPUT`.
const FLAG_INPUT: u64 = 1 << 2;
/// `GPIO_V2_LINE_FLAG_EDGE_RISING`.
const FLAG_EDGE_RISING: u64 = 1 << 4;
/// `GPIO_V2_LINE_FLAG_EDGE_FALLING`.
const FLAG_EDGE_FALLING: u64 = 1 << 5;
/// `GPIO_V2_GET_LINE_IOCTL`: `_IOWR(0xB4, 0x07, struct gpio_v2_line_request)`.
const GPIO_V2_GET_LINE_IOCTL: u32 =
    (3 << 30) | ((LINE_REQUEST_SIZE as u32) << 16) | (0xB4 << 8) | 7;
/// `sizeof(struct gpio_v2_line_request)` (checked with the kernel header).
const LINE_REQUEST_SIZE: usize = 592;
/// `sizeof(struct gpio_v2_line_event)`.
const LINE_EVENT_SIZE: usize = 48;

/// `struct gpio_v2_line_config_attribute`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct LineConfigAttribute {
    id: u32,
    padding: u32,
    value: u64,
    mask: u64,
}

/// `struct gpio_v2_line_config`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct LineConfig {
    flags: u64,
    num_attrs: u32,
    padding: [u32; 5],
    attrs: [LineConfigAttribute; 10],
}

/// `struct gpio_v2_line_request`.
#[repr(C)]
struct LineRequest {
    offsets: [u32; 64],
    consumer: [u8; 32],
    config: LineConfig,
    num_lines: u32,
    event_buffer_size: u32,
    padding: [u32; 5],
    fd: i32,
}

const _: () = assert!(std::mem::size_of::<LineRequest>() == LINE_REQUEST_SIZE);

/// What the benchmark uses of one event of a line request
/// (`struct gpio_v2_line_event`).
#[derive(Clone, Copy, Debug)]
struct LineEvent {
    /// `CLOCK_MONOTONIC` stamp taken in the hard-IRQ handler.
    timestamp_ns: u64,
    /// Per-line sequence number, from 1; a gap means overflow.
    line_seqno: u32,
}

impl LineEvent {
    fn from_bytes(b: &[u8]) -> Self {
        let u32_at = |i: usize| u32::from_ne_bytes(b[i..i + 4].try_into().unwrap_or_default());
        Self {
            timestamp_ns: u64::from_ne_bytes(b[0..8].try_into().unwrap_or_default()),
            line_seqno: u32_at(20),
        }
    }
}

/// Consumer name of the gpio-cdev data line request (also the name of its
/// interrupt in `/proc/interrupts`).
const CDEV_CONSUMER: &[u8] = b"bench-cdev";
/// Consumer name of the done line request.
const DONE_CONSUMER: &[u8] = b"bench-done";

/// Requests `line` of the chip as an input with edge detection (`flags`)
/// and an event buffer of `buffer` events, as `consumer`; returns the line
/// fd (non-blocking).
fn request_line(line: u32, edge_flags: u64, buffer: u32, consumer: &[u8]) -> io::Result<OwnedFd> {
    let chip = sys::open_flags(GPIOCHIP, libc::O_RDONLY | libc::O_NONBLOCK)?;
    let mut req = LineRequest {
        offsets: [0; 64],
        consumer: [0; 32],
        config: LineConfig {
            flags: FLAG_INPUT | edge_flags,
            ..LineConfig::default()
        },
        num_lines: 1,
        event_buffer_size: buffer,
        padding: [0; 5],
        fd: -1,
    };
    req.offsets[0] = line;
    req.consumer[..consumer.len()].copy_from_slice(consumer);
    // SAFETY: GPIO_V2_GET_LINE_IOCTL reads and writes one struct
    // gpio_v2_line_request, which `LineRequest` mirrors (size asserted);
    // the kernel only writes `fd`, an i32.
    unsafe { sys::ioctl_ptr(chip.as_raw_fd(), GPIO_V2_GET_LINE_IOCTL, &mut req) }?;
    // SAFETY: on success `req.fd` is a new file descriptor owned by us.
    let fd = unsafe { OwnedFd::from_raw_fd(req.fd) };
    sys::set_nonblocking(&fd, true)?;
    Ok(fd)
}

/// The mechanisms compared on the GPIO path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpioMech {
    Rpoll,
    Cdev,
    Evdev,
}

impl GpioMech {
    /// All of them, in report order.
    pub const ALL: [GpioMech; 3] = [GpioMech::Rpoll, GpioMech::Cdev, GpioMech::Evdev];

    /// The name used in the results.
    pub fn name(self) -> &'static str {
        match self {
            GpioMech::Rpoll => "rpoll",
            GpioMech::Cdev => "gpio-cdev",
            GpioMech::Evdev => "evdev",
        }
    }

    /// The PL061 line this mechanism's edges are driven on.
    pub fn line(self) -> u32 {
        match self {
            GpioMech::Rpoll => RPOLL_LINE,
            GpioMech::Cdev => CDEV_LINE,
            GpioMech::Evdev => evdev::KEYS_LINE,
        }
    }
}

/// What one train gave.
#[derive(Debug, Default)]
pub struct Train {
    /// Edges the host drove.
    pub edges: u64,
    /// Events the kernel produced (rpoll: `produced`; gpio-cdev: the last
    /// `line_seqno`). Fewer than `edges` when the controller's interrupt
    /// came after two edges of the line had already happened (the
    /// second undoes the first: both mechanisms see one level change).
    pub produced: u64,
    /// Events read.
    pub delivered: u64,
    /// Events the kernel produced that the reader never got (rpoll:
    /// `lost`; gpio-cdev: `line_seqno` gaps; evdev: one per
    /// `SYN_DROPPED`, which does not say how many).
    pub lost: u64,
    /// From each event's kernel stamp to `clock_gettime()` after
    /// `epoll_wait()` returned (evdev: from the input core's stamp).
    pub latency_ns: Vec<u64>,
    /// Interrupts the line took during the train (each edge the kernel
    /// saw; several edges between two interrupts are one).
    pub interrupts: u64,
    /// Stamps of the first and last event read.
    pub first_ns: u64,
    pub last_ns: u64,
    /// With soakers: CPU time (ms, all CPUs) the train took from them.
    pub cpu_ms: Option<f64>,
}

/// Soakers with their idle rate, for measuring a train's CPU time.
pub struct Soaking {
    pub soak: Soak,
    /// Iterations per second with nothing else running.
    pub rate: f64,
    /// The CPUs soaked: the only ones online.
    pub pinned: Vec<usize>,
}

/// Interrupts taken so far on all CPUs by the `/proc/interrupts` line whose
/// number is `irq` or whose name is `name`.
fn interrupts(irq: Option<u32>, name: &str) -> io::Result<u64> {
    let text = std::fs::read_to_string("/proc/interrupts")?;
    let cpus = text
        .lines()
        .next()
        .map_or(0, |l| l.split_whitespace().count());
    for line in text.lines().skip(1) {
        let mut words = line.split_whitespace();
        let Some(num) = words.next().and_then(|w| w.strip_suffix(':')) else {
            continue;
        };
        let counts: Vec<u64> = words
            .by_ref()
            .take(cpus)
            .filter_map(|w| w.parse().ok())
            .collect();
        let matches = match irq {
            Some(n) => num == n.to_string(),
            None => line.split_whitespace().last() == Some(name),
        };
        if matches {
            return Ok(counts.iter().sum());
        }
    }
    Err(io::Error::other(format!(
        "no interrupt {irq:?} {name} in /proc/interrupts"
    )))
}

/// Source of one train: an rpoll file, a gpio-cdev line fd or an evdev
/// device.
struct Source {
    mech: GpioMech,
    fd: OwnedFd,
    base: RpollStats,
    last_seqno: u64,
    /// rpoll: the device's interrupt number (the others: found by name).
    irq: Option<u32>,
    /// The others' interrupt name in `/proc/interrupts`.
    irq_name: &'static str,
    /// evdev: key events read (its `produced` is read plus dropped).
    keys: u64,
}

fn rpoll_stats(fd: RawFd) -> io::Result<RpollStats> {
    let mut raw = [0u8; RPOLL_STATS_SIZE];
    // SAFETY: RPOLL_IOC_STATS writes one struct rpoll_stats, which is
    // RPOLL_STATS_SIZE bytes; any bytes are a valid byte array.
    unsafe { sys::ioctl_ptr(fd, RPOLL_IOC_STATS, &mut raw) }?;
    Ok(RpollStats::from_bytes(&raw))
}

impl Source {
    fn open(mech: GpioMech) -> io::Result<Self> {
        let mut irq = None;
        let (fd, base) = match mech {
            GpioMech::Rpoll => {
                let fd = sys::open_flags(RPOLL_GPIO_DEV, libc::O_RDONLY | libc::O_NONBLOCK)?;
                let base = rpoll_stats(fd.as_raw_fd())?;
                let mut raw = [0u8; RPOLL_INFO_SIZE];
                // SAFETY: RPOLL_IOC_INFO writes one struct rpoll_info, which
                // is RPOLL_INFO_SIZE bytes; any bytes are a valid byte array.
                unsafe { sys::ioctl_ptr(fd.as_raw_fd(), RPOLL_IOC_INFO, &mut raw) }?;
                irq = Some(RpollInfo::from_bytes(&raw).irq);
                (fd, base)
            }
            GpioMech::Cdev => (
                request_line(
                    CDEV_LINE,
                    FLAG_EDGE_RISING | FLAG_EDGE_FALLING,
                    EVENT_BUFFER,
                    CDEV_CONSUMER,
                )?,
                RpollStats::default(),
            ),
            GpioMech::Evdev => (evdev::open()?, RpollStats::default()),
        };
        let irq_name = match mech {
            GpioMech::Evdev => evdev::KEY_IRQ_NAME,
            _ => std::str::from_utf8(CDEV_CONSUMER).unwrap_or_default(),
        };
        Ok(Self {
            mech,
            fd,
            base,
            last_seqno: 0,
            irq,
            irq_name,
            keys: 0,
        })
    }

    /// Interrupts of this source's line so far.
    fn interrupts(&self) -> io::Result<u64> {
        interrupts(self.irq, self.irq_name)
    }

    /// Reads what is queued (non-blocking) into `t`, with `now` as the
    /// wake-up time; returns whether anything was read. An event stamped
    /// after `now` (it arrived between the wake-up and the read) is
    /// measured from a fresh clock reading instead.
    fn read(&mut self, buf: &mut [u8], now: u64, t: &mut Train) -> io::Result<bool> {
        let n = match sys::read(self.fd.as_raw_fd(), buf) {
            Ok(n) => n,
            Err(sys::Errno(libc::EAGAIN)) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        let mut now = now;
        let (mut first, mut last) = (t.first_ns, t.last_ns);
        let mut latency = |ts: u64| {
            first = first.min(ts);
            last = last.max(ts);
            if ts > now {
                now = sys::monotonic_ns();
            }
            now - ts.min(now)
        };
        match self.mech {
            GpioMech::Rpoll => {
                for rec in buf[..n].chunks_exact(RPOLL_EVENT_SIZE) {
                    let rec: &[u8; RPOLL_EVENT_SIZE] = rec.try_into().unwrap_or(&[0; 32]);
                    let e = RpollEvent::from_bytes(rec);
                    t.lost += u64::from(e.lost);
                    t.delivered += 1;
                    t.latency_ns.push(latency(e.timestamp_ns));
                }
            }
            GpioMech::Cdev => {
                for rec in buf[..n].chunks_exact(LINE_EVENT_SIZE) {
                    let e = LineEvent::from_bytes(rec);
                    let seq = u64::from(e.line_seqno);
                    t.lost += seq.saturating_sub(self.last_seqno + 1);
                    self.last_seqno = seq;
                    t.delivered += 1;
                    t.latency_ns.push(latency(e.timestamp_ns));
                }
            }
            GpioMech::Evdev => {
                for rec in buf[..n].chunks_exact(evdev::INPUT_EVENT_SIZE) {
                    match InputEvent::from_bytes(rec) {
                        InputEvent::Key { stamp_ns } => {
                            self.keys += 1;
                            t.delivered += 1;
                            t.latency_ns.push(latency(stamp_ns));
                        }
                        InputEvent::Dropped => t.lost += 1,
                        InputEvent::Other => {}
                    }
                }
            }
        }
        (t.first_ns, t.last_ns) = (first, last);
        Ok(n > 0)
    }
}

/// Number of the next request to the host agent (each is served once).
static NEXT_REQUEST: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// Asks the host agent for `count` edges on `line`, `gap_us` apart
/// (0: as fast as qtest takes them), then a rising edge on the done line.
fn ask_train(line: u32, count: u64, gap_us: u32) -> io::Result<()> {
    let id = NEXT_REQUEST.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1000;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "RPOLL-GPIO {id} train={line}:{count}:{gap_us} {DONE_LINE}=1 {DONE_LINE}=0"
    )?;
    out.flush()
}

/// Runs one train of `count` edges `gap_us` apart through `mech`, with
/// its CPU time measured by `soaking` if given.
pub fn run_train(
    mech: GpioMech,
    count: u64,
    gap_us: u32,
    soaking: Option<&Soaking>,
) -> io::Result<Train> {
    let mut src = Source::open(mech)?;
    let done = request_line(DONE_LINE, FLAG_EDGE_RISING, 16, DONE_CONSUMER)?;
    let ep = sys::Epoll::watching(&[src.fd.as_raw_fd(), done.as_raw_fd()])?;
    let mut t = Train {
        edges: count,
        first_ns: u64::MAX,
        ..Train::default()
    };
    // Whole records of every kind: 48 * 64 is a multiple of 32 and 24.
    let mut buf = vec![0u8; 64 * LINE_EVENT_SIZE.max(RPOLL_EVENT_SIZE)];
    let mut done_buf = [0u8; 16 * LINE_EVENT_SIZE];
    let i0 = src.interrupts()?;
    let c0 = soaking.map(|s| s.soak.count());
    let t0 = sys::monotonic_ns();
    ask_train(mech.line(), count, gap_us)?;
    let mut finished = false;
    while !finished {
        // The host paces the train; idle guest time may jump ahead under
        // -icount, so no guest-time deadline applies here.
        ep.wait_ready(1000)?;
        src.read(&mut buf, sys::monotonic_ns(), &mut t)?;
        if matches!(sys::read(done.as_raw_fd(), &mut done_buf), Ok(n) if n > 0) {
            finished = true;
        }
    }
    // Every edge of the train was taken before the done edge; let the
    // last events reach the queue (gpio-cdev queues from its IRQ thread,
    // evdev from gpio-keys' worker).
    let produced_target = match mech {
        GpioMech::Rpoll => Some(rpoll_stats(src.fd.as_raw_fd())?.produced - src.base.produced),
        GpioMech::Cdev | GpioMech::Evdev => None,
    };
    let mut quiet = 0;
    while quiet < 3 {
        let got = ep.wait_ready(10)?;
        let read = got && src.read(&mut buf, sys::monotonic_ns(), &mut t)?;
        let complete = produced_target.is_some_and(|p| t.delivered + t.lost >= p);
        quiet = if complete {
            3
        } else if read {
            0
        } else {
            quiet + 1
        };
    }
    let t1 = sys::monotonic_ns();
    if let (Some(s), Some(c0)) = (soaking, c0) {
        t.cpu_ms = Some(soak::stolen_ms(
            s.rate,
            s.soak.count() - c0,
            t1 - t0,
            s.pinned.len(),
        ));
    }
    t.interrupts = src.interrupts()? - i0;
    t.produced = match mech {
        GpioMech::Rpoll => rpoll_stats(src.fd.as_raw_fd())?.produced - src.base.produced,
        GpioMech::Cdev => src.last_seqno,
        GpioMech::Evdev => src.keys + t.lost,
    };
    // Events produced but neither read nor reported lost: lost as well.
    t.lost = t.lost.max(t.produced.saturating_sub(t.delivered));
    Ok(t)
}
