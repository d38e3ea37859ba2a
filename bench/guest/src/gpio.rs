//! The GPIO path: rpoll's GPIO device against the GPIO character device
//! (gpio-cdev, what `gpiomon` uses) and against gpio-keys feeding evdev
//! (`crate::evdev`), on the same PL061 controller in the same boot, with
//! edges driven from the host through qtest.
//!
//! - rpoll: `/dev/rpoll-bench-gpio` (bench/bench.dtso on virt: PL061 line
//!   5, both edges, no debounce, queue depth 256). Its hard-IRQ handler stamps
//!   `ktime_get()` first, reads the line level, queues the record and wakes
//!   the reader, all in hard-IRQ context.
//! - gpio-cdev: a uAPI v2 line request on line 7 of the controller with
//!   `GPIO_V2_LINE_FLAG_EDGE_RISING | _FALLING` and an event buffer of 256
//!   (the same depth). Its hard-IRQ handler stamps `ktime_get_ns()` and
//!   wakes its IRQ thread, which reads the level, queues the event in the
//!   kfifo and wakes the reader.
//! - evdev: `crate::evdev`, gpio-keys on line 2. Its own stamp is the
//!   input core's, taken in gpio-keys' worker, after the interrupt. For the
//!   latency trains the host toggles rpoll's line in the same qtest write
//!   as the key's, after it: both edges are taken by one interrupt of the
//!   controller, whose handler runs the key's handler first and then
//!   rpoll's, which stamps at its top; that stamp is the reference evdev's
//!   latency is measured from (the latest one at or before evdev's own).
//!   If the guest takes the interrupt between the two writes, rpoll's edge
//!   comes in a later interrupt and the reference is later: evdev's figure
//!   can only come out shorter than it was.
//!
//! The controller and the lines are the board's ([`GpioSetup`]: those of
//! virt's PL061 above by default; bench/run passes the i.MX 8M Plus EVK's).
//! A train of edges is asked of the host agent (scripts/board-io, op
//! `train=LINE:COUNT:GAP_US`) followed by one rising edge on line 6, the
//! "done" line, watched through its own gpio-cdev request: once it arrives
//! every edge of the train has been taken by the controller's interrupt.

use std::collections::VecDeque;
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
/// gpio-cdev's event buffer, equal to rpoll's queue depth.
pub const EVENT_BUFFER: u32 = 256;

/// The GPIO controller of the trains and its lines, as
/// `DEVICE:RPOLL:CDEV:DONE:KEYS` (`--gpio`): the controller's device
/// name, the line of rpoll's `bench-gpio` device and of the gpio-keys key
/// (both set by the board's benchmark overlay), the line requested through
/// gpio-cdev and the one the host raises after each train.
#[derive(Clone, Debug)]
pub struct GpioSetup {
    /// The controller's device name (`9030000.pl061`, `30240000.gpio`).
    pub device: String,
    /// Its character device, `/dev/gpiochipN`.
    pub chip: String,
    pub rpoll_line: u32,
    pub cdev_line: u32,
    pub done_line: u32,
    pub keys_line: u32,
}

impl GpioSetup {
    /// The virt board's: PL061 lines of bench/bench.dtso.
    pub const VIRT: &'static str = "9030000.pl061:5:7:6:2";

    /// Parses `DEVICE:RPOLL:CDEV:DONE:KEYS` and finds the controller's
    /// character device.
    pub fn parse(spec: &str) -> io::Result<Self> {
        let bad = || io::Error::other(format!("bad --gpio {spec:?} (DEVICE:RPOLL:CDEV:DONE:KEYS)"));
        let parts: Vec<&str> = spec.split(':').collect();
        let [device, lines @ ..] = parts.as_slice() else {
            return Err(bad());
        };
        let lines: Vec<u32> = lines
            .iter()
            .map(|l| l.parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        let [rpoll_line, cdev_line, done_line, keys_line] = lines[..] else {
            return Err(bad());
        };
        Ok(Self {
            device: device.to_string(),
            chip: chip_of(device)?,
            rpoll_line,
            cdev_line,
            done_line,
            keys_line,
        })
    }
}

/// `/dev/gpiochipN` of the controller whose device is named `device`
/// (the parent of `gpiochipN` in sysfs).
fn chip_of(device: &str) -> io::Result<String> {
    for entry in std::fs::read_dir("/sys/bus/gpio/devices")? {
        let entry = entry?;
        let path = std::fs::canonicalize(entry.path())?;
        let parent = path.parent().and_then(|p| p.file_name());
        if parent.is_some_and(|p| p == device) {
            return Ok(format!("/dev/{}", entry.file_name().to_string_lossy()));
        }
    }
    Err(io::Error::other(format!(
        "no GPIO controller named {device} in /sys/bus/gpio/devices"
    )))
}

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

/// Requests `line` of `chip` as an input with edge detection (`flags`)
/// and an event buffer of `buffer` events, as `consumer`; returns the line
/// fd (non-blocking).
fn request_line(
    chip: &str,
    line: u32,
    edge_flags: u64,
    buffer: u32,
    consumer: &[u8],
) -> io::Result<OwnedFd> {
    let chip = sys::open_flags(chip, libc::O_RDONLY | libc::O_NONBLOCK)?;
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

    /// The line of `setup` this mechanism's edges are driven on.
    pub fn line(self, setup: &GpioSetup) -> u32 {
        match self {
            GpioMech::Rpoll => setup.rpoll_line,
            GpioMech::Cdev => setup.cdev_line,
            GpioMech::Evdev => setup.keys_line,
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
    /// `epoll_wait()` returned (evdev: from the reference interrupt stamp
    /// when the train has one, else from the input core's stamp).
    pub latency_ns: Vec<u64>,
    /// evdev with a reference: the same from the input core's stamp.
    pub own_latency_ns: Vec<u64>,
    /// evdev with a reference: the line of the reference, and events that
    /// found no reference stamp at or before their own (left out).
    pub reference_line: Option<u32>,
    pub unpaired: u64,
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
    /// evdev's latency trains: rpoll's GPIO device on the line toggled with
    /// the key's, and the stamps read from it not yet paired.
    reference: Option<OwnedFd>,
    ref_stamps: VecDeque<u64>,
    /// evdev: the own stamp of the last key event read.
    last_own: u64,
}

/// The rpoll records in `buf` (whole records, as `read()` returns them).
fn rpoll_events(buf: &[u8]) -> impl Iterator<Item = RpollEvent> + '_ {
    buf.chunks_exact(RPOLL_EVENT_SIZE).map(|rec| {
        let rec: &[u8; RPOLL_EVENT_SIZE] = rec.try_into().unwrap_or(&[0; RPOLL_EVENT_SIZE]);
        RpollEvent::from_bytes(rec)
    })
}

fn rpoll_stats(fd: RawFd) -> io::Result<RpollStats> {
    let mut raw = [0u8; RPOLL_STATS_SIZE];
    // SAFETY: RPOLL_IOC_STATS writes one struct rpoll_stats, which is
    // RPOLL_STATS_SIZE bytes; any bytes are a valid byte array.
    unsafe { sys::ioctl_ptr(fd, RPOLL_IOC_STATS, &mut raw) }?;
    Ok(RpollStats::from_bytes(&raw))
}

impl Source {
    fn open(mech: GpioMech, setup: &GpioSetup, with_reference: bool) -> io::Result<Self> {
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
                    &setup.chip,
                    setup.cdev_line,
                    FLAG_EDGE_RISING | FLAG_EDGE_FALLING,
                    EVENT_BUFFER,
                    CDEV_CONSUMER,
                )?,
                RpollStats::default(),
            ),
            GpioMech::Evdev => (evdev::open()?, RpollStats::default()),
        };
        let reference = match mech {
            GpioMech::Evdev if with_reference => Some(sys::open_flags(
                RPOLL_GPIO_DEV,
                libc::O_RDONLY | libc::O_NONBLOCK,
            )?),
            _ => None,
        };
        Ok(Self {
            mech,
            fd,
            base,
            last_seqno: 0,
            irq,
            reference,
            ref_stamps: VecDeque::new(),
            last_own: 0,
        })
    }

    /// Reads every stamp queued on the reference device.
    fn read_reference(&mut self) -> io::Result<()> {
        let Some(r) = &self.reference else {
            return Ok(());
        };
        let mut buf = [0u8; 64 * RPOLL_EVENT_SIZE];
        loop {
            let n = match sys::read(r.as_raw_fd(), &mut buf) {
                Ok(n) => n,
                Err(sys::Errno(libc::EAGAIN)) => return Ok(()),
                Err(e) => return Err(e.into()),
            };
            self.ref_stamps
                .extend(rpoll_events(&buf[..n]).map(|e| e.timestamp_ns));
            if n == 0 {
                return Ok(());
            }
        }
    }

    /// The reference of the key event stamped `stamp`: the latest reference
    /// stamp at or before it and after the previous key event's (an older
    /// one belongs to an earlier edge: the reference edge was taken after
    /// the event was reported, or the edges merged). Drops the stamps
    /// before it (they come in order).
    fn reference_for(&mut self, stamp: u64) -> Option<u64> {
        while self.ref_stamps.get(1).is_some_and(|&r| r <= stamp) {
            self.ref_stamps.pop_front();
        }
        let after = std::mem::replace(&mut self.last_own, stamp);
        self.ref_stamps
            .front()
            .copied()
            .filter(|&r| r <= stamp && r > after)
    }

    /// Interrupts of this source's line so far.
    fn interrupts(&self) -> io::Result<u64> {
        let name = match self.mech {
            GpioMech::Evdev => evdev::KEY_IRQ_NAME,
            _ => std::str::from_utf8(CDEV_CONSUMER).unwrap_or_default(),
        };
        interrupts(self.irq, name)
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
        // The latency of an event stamped `ts`, and the time it is taken
        // as read at: the wake-up, or a fresh reading for an event that
        // came after it.
        let mut latency = |ts: u64| {
            first = first.min(ts);
            last = last.max(ts);
            if ts > now {
                now = sys::monotonic_ns();
            }
            (now - ts.min(now), now)
        };
        match self.mech {
            GpioMech::Rpoll => {
                for e in rpoll_events(&buf[..n]) {
                    t.lost += u64::from(e.lost);
                    t.delivered += 1;
                    t.latency_ns.push(latency(e.timestamp_ns).0);
                }
            }
            GpioMech::Cdev => {
                for rec in buf[..n].chunks_exact(LINE_EVENT_SIZE) {
                    let e = LineEvent::from_bytes(rec);
                    let seq = u64::from(e.line_seqno);
                    t.lost += seq.saturating_sub(self.last_seqno + 1);
                    self.last_seqno = seq;
                    t.delivered += 1;
                    t.latency_ns.push(latency(e.timestamp_ns).0);
                }
            }
            GpioMech::Evdev => {
                // The reference stamps of these events are queued by now:
                // rpoll queues in the same interrupt, before the worker.
                let mut own = Vec::new();
                for rec in buf[..n].chunks_exact(evdev::INPUT_EVENT_SIZE) {
                    match InputEvent::from_bytes(rec) {
                        InputEvent::Key { stamp_ns } => {
                            t.delivered += 1;
                            let (own_ns, at) = latency(stamp_ns);
                            own.push((stamp_ns, own_ns, at));
                        }
                        InputEvent::Dropped => t.lost += 1,
                        InputEvent::Other => {}
                    }
                }
                if self.reference.is_some() {
                    self.read_reference()?;
                    for (stamp, own_ns, at) in own {
                        t.own_latency_ns.push(own_ns);
                        match self.reference_for(stamp) {
                            // The reference came before the event, which
                            // was queued before `at`.
                            Some(r) => t.latency_ns.push(at.saturating_sub(r)),
                            None => t.unpaired += 1,
                        }
                    }
                } else {
                    t.latency_ns.extend(own.into_iter().map(|(_, l, _)| l));
                }
            }
        }
        (t.first_ns, t.last_ns) = (first, last);
        Ok(n > 0)
    }
}

/// Number of the next request to the host agent (each is served once).
static NEXT_REQUEST: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// Asks the host agent for `count` edges on `lines` (one line, or
/// `A+B`: both toggled together, A first), `gap_us` apart (0: as fast as
/// qtest takes them), then a rising edge on `done`.
fn ask_train(lines: &str, count: u64, gap_us: u32, done: u32) -> io::Result<()> {
    let id = NEXT_REQUEST.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1000;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "RPOLL-GPIO {id} train={lines}:{count}:{gap_us} {done}=1 {done}=0"
    )?;
    out.flush()
}

/// Runs one train of `count` edges `gap_us` apart through `mech` on the
/// lines of `setup`, with its CPU time measured by `soaking` if given.
/// evdev's trains without soakers (the latency trains) toggle rpoll's line
/// with the key's, as the reference of evdev's latency.
pub fn run_train(
    setup: &GpioSetup,
    mech: GpioMech,
    count: u64,
    gap_us: u32,
    soaking: Option<&Soaking>,
) -> io::Result<Train> {
    let with_reference = mech == GpioMech::Evdev && soaking.is_none();
    let mut src = Source::open(mech, setup, with_reference)?;
    let done = request_line(
        &setup.chip,
        setup.done_line,
        FLAG_EDGE_RISING,
        16,
        DONE_CONSUMER,
    )?;
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
    let lines = if with_reference {
        t.reference_line = Some(setup.rpoll_line);
        format!("{}+{}", mech.line(setup), setup.rpoll_line)
    } else {
        mech.line(setup).to_string()
    };
    ask_train(&lines, count, gap_us, setup.done_line)?;
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
        // Every key event read, and at least one per SYN_DROPPED.
        GpioMech::Evdev => t.delivered + t.lost,
    };
    // Events produced but neither read nor reported lost: lost as well.
    t.lost = t.lost.max(t.produced.saturating_sub(t.delivered));
    if t.interrupts == 0 {
        // The line driven is not the one the mechanism watches (the
        // board's overlay and --gpio disagree): no figure would mean
        // anything.
        return Err(io::Error::other(format!(
            "{}: no interrupt on line {} of {} during a train of {count} edges",
            mech.name(),
            mech.line(setup),
            setup.device
        )));
    }
    Ok(t)
}
