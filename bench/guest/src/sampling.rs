//! Sampling at rate (issue "sampling at rate"): rpoll's timer device with a
//! wake-up watermark against the kernel's own buffered capture, IIO, and
//! against timerfd, at 1, 10 and 50 kHz:
//!
//! - **rpoll**: `/dev/rpoll-bench` at the rate (`RPOLL_IOC_SET_PERIOD`),
//!   with `RPOLL_IOC_SET_WATERMARK` of 1 or 64 records (the delay bound is
//!   set far enough not to decide: the count does). Each record carries its
//!   timestamp.
//! - **IIO**: the `iio_simple_dummy` software device (made through
//!   configfs) with buffered capture of one channel and its timestamp
//!   channel, triggered by an `iio-trig-hrtimer` trigger at the rate, read
//!   from `/dev/iio:deviceN` with the buffer's `watermark` 1 or 64 and the
//!   timestamps on `CLOCK_MONOTONIC`. The dummy takes the timestamp in the
//!   trigger's thread, after the hrtimer fired.
//! - **timerfd**: read at each expiry (a count; no watermark).
//!
//! For each: CPU per delivered sample (CPU 1 offline, a soaker at
//! `SCHED_IDLE` on CPU 0 with the reader; `soak.rs`), the samples lost (a
//! gap in rpoll's sequence or counters, a missing period in IIO's
//! timestamps, a timerfd count above 1), and at watermark 1 the latency from
//! the sample's timestamp to the reader's clock read after `epoll_wait`.

use std::fs;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use rpoll_uapi::{
    RpollEvent, RpollStats, RpollWatermark, RPOLL_EVENT_SIZE, RPOLL_IOC_SET_PERIOD,
    RPOLL_IOC_SET_WATERMARK, RPOLL_IOC_STATS, RPOLL_STATS_SIZE,
};

use crate::json::{obj, Value, With};
use crate::soak;
use crate::source::RPOLL_DEV;
use crate::stats::Summary;
use rpoll_sys as sys;

/// The rates, as periods in microseconds: 1, 10 and 50 kHz.
const PERIODS_US: [u32; 3] = [1000, 100, 20];
/// The watermarks compared.
const WATERMARKS: [u32; 2] = [1, 64];
/// rpoll's delay bound with a watermark above 1: long enough that the
/// count decides at every rate (64 records at 1 kHz take 64 ms).
const RPOLL_MAX_DELAY_US: u32 = 500_000;
/// IIO's scan: one 16-bit channel, padding, the 64-bit timestamp.
const IIO_SCAN: usize = 16;
/// The configfs names of the IIO device and trigger.
const IIO_NAME: &str = "bench-iio";
const TRIG_NAME: &str = "bench-trig";

/// Lengths of the part.
pub struct SamplingCfg {
    /// Each window's length (the soaker's calibration window), seconds.
    pub window_s: f64,
}

fn err(what: String) -> io::Error {
    io::Error::other(what)
}

fn write(path: &Path, value: &str) -> io::Result<()> {
    fs::write(path, value).map_err(|e| err(format!("{value} > {}: {e}", path.display())))
}

/// One mechanism at one rate and watermark.
#[derive(Clone, Copy, Debug)]
enum Mech {
    Rpoll,
    Iio,
    Timerfd,
}

impl Mech {
    fn name(self) -> &'static str {
        match self {
            Mech::Rpoll => "rpoll",
            Mech::Iio => "iio",
            Mech::Timerfd => "timerfd",
        }
    }
}

/// The IIO dummy device and its hrtimer trigger, made through configfs;
/// removed when dropped.
struct Iio {
    dev: PathBuf,
    trig: PathBuf,
    node: String,
}

/// The `/sys/bus/iio/devices` entry whose `name` is `name` and whose entry
/// name starts with `prefix`.
fn iio_by_name(prefix: &str, name: &str) -> io::Result<PathBuf> {
    for e in fs::read_dir("/sys/bus/iio/devices")? {
        let p = e?.path();
        let entry = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if entry.starts_with(prefix)
            && fs::read_to_string(p.join("name")).is_ok_and(|n| n.trim() == name)
        {
            return Ok(p);
        }
    }
    Err(err(format!("no IIO {prefix} named {name}")))
}

impl Iio {
    fn create() -> io::Result<Self> {
        let cfs = Path::new("/sys/kernel/config");
        if !cfs.join("iio").exists() {
            return Err(err("configfs has no iio directory (IIO_CONFIGFS)".into()));
        }
        fs::create_dir(cfs.join("iio/triggers/hrtimer").join(TRIG_NAME))?;
        fs::create_dir(cfs.join("iio/devices/dummy").join(IIO_NAME))?;
        let dev = iio_by_name("iio:device", IIO_NAME)?;
        let trig = iio_by_name("trigger", TRIG_NAME)?;
        let node = format!(
            "/dev/{}",
            dev.file_name().and_then(|n| n.to_str()).unwrap_or("?")
        );
        write(&dev.join("trigger/current_trigger"), TRIG_NAME)?;
        write(&dev.join("scan_elements/in_voltage0_en"), "1")?;
        write(&dev.join("scan_elements/in_timestamp_en"), "1")?;
        write(&dev.join("current_timestamp_clock"), "monotonic")?;
        write(&dev.join("buffer/length"), "4096")?;
        Ok(Self { dev, trig, node })
    }

    /// Sets the rate and watermark and enables the buffer.
    fn start(&self, period_us: u32, watermark: u32) -> io::Result<OwnedFd> {
        write(
            &self.trig.join("sampling_frequency"),
            &format!("{}", 1_000_000 / period_us),
        )?;
        write(&self.dev.join("buffer/watermark"), &watermark.to_string())?;
        write(&self.dev.join("buffer/enable"), "1")?;
        sys::open_flags(&self.node, libc::O_RDONLY | libc::O_NONBLOCK)
            .map_err(|e| err(format!("{}: errno {}", self.node, e.0)))
    }

    fn stop(&self) -> io::Result<()> {
        write(&self.dev.join("buffer/enable"), "0")
    }
}

impl Drop for Iio {
    fn drop(&mut self) {
        let _ = self.stop();
        let cfs = Path::new("/sys/kernel/config/iio");
        let _ = fs::remove_dir(cfs.join("devices/dummy").join(IIO_NAME));
        let _ = fs::remove_dir(cfs.join("triggers/hrtimer").join(TRIG_NAME));
    }
}

fn ioctl_in<T>(fd: &OwnedFd, cmd: u32, arg: *const T) -> io::Result<()> {
    // SAFETY: the callers pass the argument each command reads.
    if unsafe { libc::ioctl(fd.as_raw_fd(), cmd as _, arg) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn rpoll_stats(fd: &OwnedFd) -> io::Result<RpollStats> {
    let mut raw = [0u8; RPOLL_STATS_SIZE];
    // SAFETY: the ioctl writes RPOLL_STATS_SIZE bytes into `raw`.
    if unsafe { libc::ioctl(fd.as_raw_fd(), RPOLL_IOC_STATS as _, raw.as_mut_ptr()) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(RpollStats::from_bytes(&raw))
}

/// What the reader thread counts; read by the main thread at the window's
/// edges.
#[derive(Default)]
struct Counts {
    delivered: AtomicU64,
    /// Samples missing from the stream: IIO periods without a sample,
    /// timerfd expiries merged into a count.
    missing: AtomicU64,
    wakeups: AtomicU64,
}

/// Reads `fd` until `stop`, pinned to CPU 0: every sample's timestamp
/// (latency kept from `keep_from` on, if asked).
fn reader(
    mech: Mech,
    fd: Arc<OwnedFd>,
    period_ns: u64,
    grid_ns: u64,
    counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
    keep_from: Option<Arc<AtomicU64>>,
) -> io::Result<Vec<u64>> {
    sys::run_on([0]).map_err(|e| err(format!("pin: errno {}", e.0)))?;
    let ep = sys::Epoll::watching(&[fd.as_raw_fd()])
        .map_err(|e| err(format!("epoll: errno {}", e.0)))?;
    let mut buf = vec![0u8; 64 * RPOLL_EVENT_SIZE.max(IIO_SCAN)];
    let mut latency = Vec::new();
    let mut last_ts = 0u64;
    while !stop.load(Ordering::Relaxed) {
        if !ep
            .wait_ready(50)
            .map_err(|e| err(format!("epoll: errno {}", e.0)))?
        {
            continue;
        }
        let mut now = sys::monotonic_ns();
        counts.wakeups.fetch_add(1, Ordering::Relaxed);
        let from = keep_from.as_ref().map(|k| k.load(Ordering::Relaxed));
        loop {
            let n = match sys::read(fd.as_raw_fd(), &mut buf) {
                Ok(n) => n,
                Err(e) if e.0 == libc::EAGAIN => break,
                Err(e) => return Err(err(format!("{} read: errno {}", mech.name(), e.0))),
            };
            let mut stamps = Vec::with_capacity(64);
            match mech {
                Mech::Rpoll => stamps.extend(buf[..n].chunks_exact(RPOLL_EVENT_SIZE).map(|c| {
                    RpollEvent::from_bytes(c.try_into().expect("a whole record")).timestamp_ns
                })),
                Mech::Iio => stamps.extend(
                    buf[..n]
                        .chunks_exact(IIO_SCAN)
                        .map(|c| u64::from_ne_bytes(c[8..16].try_into().expect("8 bytes"))),
                ),
                Mech::Timerfd => {
                    let count = u64::from_ne_bytes(buf[..8].try_into().expect("a count"));
                    counts
                        .missing
                        .fetch_add(count.saturating_sub(1), Ordering::Relaxed);
                    counts.delivered.fetch_add(1, Ordering::Relaxed);
                    // The expiry of the last period this count covers: the
                    // timer's grid starts at `grid_ns`.
                    let k = now.saturating_sub(grid_ns) / period_ns;
                    stamps.push(grid_ns + k * period_ns);
                }
            }
            if !matches!(mech, Mech::Timerfd) {
                counts
                    .delivered
                    .fetch_add(stamps.len() as u64, Ordering::Relaxed);
            }
            for &ts in &stamps {
                if matches!(mech, Mech::Iio) && last_ts != 0 {
                    // A period without a sample: the trigger fired while the
                    // previous one was still being handled, or the buffer
                    // was full.
                    let gap = ts.saturating_sub(last_ts);
                    let periods = (gap + period_ns / 2) / period_ns;
                    counts
                        .missing
                        .fetch_add(periods.saturating_sub(1), Ordering::Relaxed);
                }
                last_ts = ts;
                if ts > now {
                    // Queued while this loop read the earlier ones: its
                    // reader is here now.
                    now = sys::monotonic_ns();
                }
                if from.is_some_and(|f| ts >= f) {
                    latency.push(now.saturating_sub(ts));
                }
            }
            if matches!(mech, Mech::Timerfd) {
                break;
            }
        }
    }
    Ok(latency)
}

/// One window: `mech` at `period_us` with `watermark`, measured against
/// the soaker's idle rate `idle`.
fn window(
    cfg: &SamplingCfg,
    soak: &soak::Soak,
    idle: f64,
    iio: &Iio,
    mech: Mech,
    period_us: u32,
    watermark: u32,
) -> io::Result<Value> {
    let period_ns = u64::from(period_us) * 1000;
    let mut grid_ns = 0;
    let fd = Arc::new(match mech {
        Mech::Rpoll => {
            let fd = sys::open_flags(RPOLL_DEV, libc::O_RDONLY | libc::O_NONBLOCK)
                .map_err(|e| err(format!("{RPOLL_DEV}: errno {}", e.0)))?;
            ioctl_in(&fd, RPOLL_IOC_SET_PERIOD, &period_us)?;
            let w = RpollWatermark {
                count: watermark,
                max_delay_us: if watermark > 1 { RPOLL_MAX_DELAY_US } else { 0 },
                reserved: [0; 2],
            }
            .to_bytes();
            ioctl_in(&fd, RPOLL_IOC_SET_WATERMARK, w.as_ptr())?;
            fd
        }
        Mech::Iio => iio.start(period_us, watermark)?,
        Mech::Timerfd => {
            let fd = sys::timerfd().map_err(|e| err(format!("timerfd: errno {}", e.0)))?;
            let first = sys::monotonic_ns() + period_ns;
            grid_ns = first;
            sys::timerfd_arm(&fd, first, period_ns)
                .map_err(|e| err(format!("timerfd: errno {}", e.0)))?;
            fd
        }
    });
    let counts = Arc::new(Counts::default());
    let stop = Arc::new(AtomicBool::new(false));
    let keep_from = Arc::new(AtomicU64::new(u64::MAX));
    let handle = {
        let (fd, counts, stop) = (fd.clone(), counts.clone(), stop.clone());
        let keep = (watermark == 1).then(|| keep_from.clone());
        std::thread::spawn(move || reader(mech, fd, period_ns, grid_ns, counts, stop, keep))
    };
    // Settle (the first samples, the reader's start), then the window.
    sys::sleep_until(sys::monotonic_ns() + 300_000_000);
    let s0 = match mech {
        Mech::Rpoll => Some(rpoll_stats(&fd)?),
        _ => None,
    };
    let (d0, m0) = (
        counts.delivered.load(Ordering::Relaxed),
        counts.missing.load(Ordering::Relaxed),
    );
    let w0 = counts.wakeups.load(Ordering::Relaxed);
    keep_from.store(sys::monotonic_ns(), Ordering::Relaxed);
    let rate = soak::calibrate(soak, cfg.window_s);
    let (d1, m1) = (
        counts.delivered.load(Ordering::Relaxed),
        counts.missing.load(Ordering::Relaxed),
    );
    let w1 = counts.wakeups.load(Ordering::Relaxed);
    let s1 = match mech {
        Mech::Rpoll => Some(rpoll_stats(&fd)?),
        _ => None,
    };
    stop.store(true, Ordering::Relaxed);
    let mut latency = handle
        .join()
        .map_err(|_| err("the reader panicked".into()))??;
    if matches!(mech, Mech::Iio) {
        iio.stop()?;
    }
    let delivered = d1 - d0;
    let lost = match (s0, s1) {
        (Some(a), Some(b)) => (b.lost - a.lost) + (b.overruns - a.overruns),
        _ => m1 - m0,
    };
    let cpu_us = (1.0 - rate / idle) * 1e6 * cfg.window_s;
    let mut j = obj()
        .with("mech", mech.name())
        .with("period_us", u64::from(period_us))
        .with("rate_hz", 1e6 / f64::from(period_us))
        .with("watermark", u64::from(watermark))
        .with("delivered", delivered)
        .with("lost", lost)
        .with("wakeups", w1 - w0)
        .with("soak_rate_per_s", rate)
        .with("cpu_us_per_s", cpu_us / cfg.window_s)
        .with(
            "cpu_us_per_sample",
            if delivered > 0 {
                cpu_us / delivered as f64
            } else {
                0.0
            },
        );
    if watermark == 1 {
        if let Some(s) = Summary::of(&mut latency) {
            j = j.with("latency", s.to_json());
        }
    }
    Ok(j)
}

/// The part: every mechanism, rate and watermark, CPU 1 offline.
pub fn run(cfg: &SamplingCfg) -> io::Result<Value> {
    let others: Vec<usize> = (1..sys::online_cpus() as usize).collect();
    for &cpu in &others {
        sys::set_cpu_online(cpu, false)?;
    }
    let measured = (|| {
        let iio = Iio::create()?;
        let soak = soak::Soak::start(&[0])?;
        let before = soak::calibrate(&soak, cfg.window_s);
        let mut rows = Vec::new();
        for period_us in PERIODS_US {
            for watermark in WATERMARKS {
                for mech in [Mech::Rpoll, Mech::Iio, Mech::Timerfd] {
                    if matches!(mech, Mech::Timerfd) && watermark != 1 {
                        continue;
                    }
                    let j = window(cfg, &soak, before, &iio, mech, period_us, watermark)?;
                    eprintln!(
                        "bench: sampling {} {} us wm {}: {} us/sample, lost {}",
                        mech.name(),
                        period_us,
                        watermark,
                        j["cpu_us_per_sample"],
                        j["lost"]
                    );
                    rows.push(j);
                }
            }
        }
        let after = soak::calibrate(&soak, cfg.window_s);
        soak.stop()?;
        drop(iio);
        io::Result::Ok((before, after, rows))
    })();
    for &cpu in &others {
        sys::set_cpu_online(cpu, true)?;
    }
    let (before, after, rows) = measured?;
    Ok(obj()
        .with("window_s", cfg.window_s)
        .with("soak_rate_per_s", before)
        .with("noise_us_per_s", ((before - after) / before).abs() * 1e6)
        .with("rows", Value::Array(rows)))
}
