//! GPIO lines off the on-chip controller (issue "every line a product
//! has"), measured on virt with the devices of `bench/bench.dtso`:
//!
//! - **A controller whose reads sleep**: `/dev/rpoll-bench-sim`, line 0 of
//!   the kernel's GPIO simulator (gpio-sim: `can_sleep`, interrupts through
//!   irq_sim), both edges, no debounce. Its interrupt is threaded: the hard
//!   half stamps, the thread reads the line and queues the record. A writer
//!   thread on CPU 1 toggles the line through sysfs (`pull`) at a fixed
//!   gap; a reader on CPU 0 waits in `epoll_wait`, takes
//!   `clock_gettime(CLOCK_MONOTONIC)` and reads: the latency is from the
//!   hard-IRQ stamp to that clock read, what the GPIO part measures for the
//!   PL061 line (driven from the host there), so the difference is the
//!   thread's wake-up and the sleeping read.
//! - **Sampled lines, idle**: the CPU a sampled (`rpoll,poll-interval-us`)
//!   line costs while nothing changes on it and a reader waits: PL061 line
//!   0 every 1 ms (read in the hrtimer callback), gpio-sim lines every 1,
//!   10 and 100 ms (read by a work item). CPU 0 alone, one soaker: the
//!   iterations it loses with the device open, against the same soaker with
//!   nothing open, per second of guest time. The two baselines (before and
//!   after) give the noise floor.

use std::io;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rpoll_uapi::{RpollEvent, RPOLL_EVENT_SIZE};

use crate::json::{obj, Value, With};
use crate::soak;
use crate::stats::Summary;
use rpoll_sys as sys;

/// The threaded device of the benchmark overlay.
const SIM_DEV: &str = "/dev/rpoll-bench-sim";
/// Its line on the simulator.
const SIM_LINE: u32 = 0;
/// The sampled devices: (device, controller, interval in microseconds).
const POLLED: [(&str, &str, u32); 4] = [
    ("bench-pl-poll", "pl061", 1000),
    ("bench-poll-1ms", "gpio-sim", 1000),
    ("bench-poll-10ms", "gpio-sim", 10_000),
    ("bench-poll-100ms", "gpio-sim", 100_000),
];

/// Lengths of the part.
pub struct LinesCfg {
    /// Edges of the latency train, and the writer's gap between them.
    pub edges: usize,
    pub gap_us: u64,
    /// Soaker windows, per device and per baseline.
    pub cpu_s: f64,
}

fn err(what: String) -> io::Error {
    io::Error::other(what)
}

/// The `pull` attribute of line `line` of the simulator.
fn sim_pull(line: u32) -> io::Result<PathBuf> {
    let base = "/sys/devices/platform/gpio-sim";
    for entry in std::fs::read_dir(base)?.flatten() {
        let p = entry.path().join(format!("sim_gpio{line}/pull"));
        if entry.file_name().to_string_lossy().starts_with("gpiochip") && p.exists() {
            return Ok(p);
        }
    }
    Err(err(format!(
        "no sim_gpio{line}/pull under {base}/gpiochip*"
    )))
}

/// Reads every queued record of non-blocking `fd`.
fn drain(fd: &impl AsRawFd) -> io::Result<Vec<RpollEvent>> {
    let mut buf = [0u8; RPOLL_EVENT_SIZE * 64];
    let mut out = Vec::new();
    loop {
        match sys::read(fd.as_raw_fd(), &mut buf) {
            Ok(n) => out.extend(
                buf[..n]
                    .chunks_exact(RPOLL_EVENT_SIZE)
                    .map(|c| RpollEvent::from_bytes(c.try_into().expect("a whole record"))),
            ),
            Err(e) if e.0 == libc::EAGAIN => return Ok(out),
            Err(e) => return Err(err(format!("read: errno {}", e.0))),
        }
    }
}

/// The latency train on the threaded line.
fn sleeping(cfg: &LinesCfg) -> io::Result<Value> {
    let pull = sim_pull(SIM_LINE)?;
    std::fs::write(&pull, "pull-down")?;
    let fd = sys::open_flags(SIM_DEV, libc::O_RDONLY | libc::O_NONBLOCK)
        .map_err(|e| err(format!("{SIM_DEV}: errno {}", e.0)))?;
    sys::run_on([0]).map_err(|e| err(format!("pin reader: errno {}", e.0)))?;
    drain(&fd)?;
    let ep = sys::Epoll::new().map_err(|e| err(format!("epoll: errno {}", e.0)))?;
    ep.add(&fd, libc::EPOLLIN as u32, 0)
        .map_err(|e| err(format!("epoll_ctl: errno {}", e.0)))?;
    let done = Arc::new(AtomicBool::new(false));
    let (edges, gap_us) = (cfg.edges, cfg.gap_us);
    let writer = {
        let done = done.clone();
        std::thread::spawn(move || -> io::Result<()> {
            sys::run_on([1]).map_err(|e| err(format!("pin writer: errno {}", e.0)))?;
            let mut next = sys::monotonic_ns();
            for k in 0..edges {
                next += gap_us * 1000;
                sys::sleep_until(next);
                std::fs::write(&pull, if k % 2 == 0 { "pull-up" } else { "pull-down" })?;
            }
            done.store(true, Ordering::SeqCst);
            Ok(())
        })
    };
    let mut lat = Vec::with_capacity(edges);
    let (mut records, mut lost) = (0u64, 0u64);
    while records < edges as u64 {
        let ready = ep
            .wait(2000)
            .map_err(|e| err(format!("epoll_wait: errno {}", e.0)))?;
        let now = sys::monotonic_ns();
        if ready.is_empty() && done.load(Ordering::SeqCst) {
            break;
        }
        for r in drain(&fd)? {
            lat.push(now.saturating_sub(r.timestamp_ns));
            records += 1;
            lost += u64::from(r.lost);
        }
    }
    writer
        .join()
        .map_err(|_| err("the writer panicked".into()))??;
    sys::run_on(0..sys::online_cpus() as usize)
        .map_err(|e| err(format!("unpin: errno {}", e.0)))?;
    let summary = Summary::of(&mut lat).map_or(Value::Null, Summary::to_json);
    Ok(obj()
        .with("device", SIM_DEV)
        .with("edges", edges as u64)
        .with("gap_us", gap_us)
        .with("records", records)
        .with("lost", lost)
        .with("latency", summary))
}

/// Idle CPU of each sampled device, CPU 0 alone.
fn polled(cfg: &LinesCfg) -> io::Result<Value> {
    let others: Vec<usize> = (1..sys::online_cpus() as usize).collect();
    for &cpu in &others {
        sys::set_cpu_online(cpu, false)?;
    }
    let measured = (|| {
        let soak = soak::Soak::start(&[0])?;
        let before = soak::calibrate(&soak, cfg.cpu_s);
        let mut rows = Vec::new();
        for (name, controller, interval_us) in POLLED {
            let path = format!("/dev/rpoll-{name}");
            let fd = sys::open_flags(&path, libc::O_RDONLY | libc::O_NONBLOCK)
                .map_err(|e| err(format!("{path}: errno {}", e.0)))?;
            let stop = Arc::new(AtomicBool::new(false));
            // A reader waiting on the device, as an application would.
            let waiter = {
                let (stop, raw) = (stop.clone(), fd.as_raw_fd());
                std::thread::spawn(move || -> io::Result<u64> {
                    sys::run_on([0]).map_err(|e| err(format!("pin: errno {}", e.0)))?;
                    let ep = sys::Epoll::watching(&[raw])
                        .map_err(|e| err(format!("epoll: errno {}", e.0)))?;
                    let mut wakeups = 0;
                    while !stop.load(Ordering::SeqCst) {
                        if !ep
                            .wait(100)
                            .map_err(|e| err(format!("epoll: {}", e.0)))?
                            .is_empty()
                        {
                            wakeups += 1;
                        }
                    }
                    Ok(wakeups)
                })
            };
            // The first samples (the start of sampling) are left out.
            sys::sleep_until(sys::monotonic_ns() + 200_000_000);
            let rate = soak::calibrate(&soak, cfg.cpu_s);
            stop.store(true, Ordering::SeqCst);
            let wakeups = waiter
                .join()
                .map_err(|_| err("the waiter panicked".into()))??;
            let records = drain(&fd)?.len() as u64;
            rows.push(
                obj()
                    .with("device", name)
                    .with("controller", controller)
                    .with("interval_us", u64::from(interval_us))
                    .with("soak_rate_per_s", rate)
                    .with("cpu_us_per_s", (1.0 - rate / before) * 1e6)
                    .with(
                        "cpu_us_per_sample",
                        (1.0 - rate / before) * 1e6 * f64::from(interval_us) / 1e6,
                    )
                    .with("wakeups", wakeups)
                    .with("records", records),
            );
            drop(fd);
        }
        let after = soak::calibrate(&soak, cfg.cpu_s);
        soak.stop()?;
        io::Result::Ok((before, after, rows))
    })();
    for &cpu in &others {
        sys::set_cpu_online(cpu, true)?;
    }
    let (before, after, rows) = measured?;
    Ok(obj()
        .with("window_s", cfg.cpu_s)
        .with("soak_rate_per_s", before)
        .with("soak_rate_per_s_after", after)
        .with("noise_us_per_s", ((before - after) / before).abs() * 1e6)
        .with("devices", Value::Array(rows)))
}

/// The part: both measurements in one object.
pub fn run(cfg: &LinesCfg) -> io::Result<Value> {
    let s = sleeping(cfg)?;
    eprintln!("bench: lines sleeping: {}", s["latency"]);
    let p = polled(cfg)?;
    eprintln!("bench: lines polled: {}", p["devices"]);
    Ok(obj().with("sleeping", s).with("polled", p))
}
