//! One measurement window: N reader threads on one source at one period,
//! each waiting in epoll_wait and reading, while the main thread samples the
//! device counters and `/proc/stat` at the window's start and end.

use std::io;
use std::thread;

use crate::source::{Mech, Setup};
use crate::stats::{CpuStat, CpuUse};
use rpoll_sys as sys;

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub mech: Mech,
    pub readers: usize,
    pub period_us: u32,
    /// Records per read (rpoll only).
    pub batch: usize,
    /// Time between opening and the window's start (results ignored).
    pub warmup_ns: u64,
    /// The window: counters and `/proc/stat` are read at its start and
    /// end; latency and loss are taken from `SETTLE_NS` after its start.
    pub window_ns: u64,
    /// Keep every latency sample (otherwise only counts).
    pub keep_latency: bool,
    /// Run the window (harness and readers) on CPU 0 only: the throughput
    /// search, where one late event decides a step. Under `-icount` the two
    /// vCPUs are time-sliced on one host thread, and a timer on CPU 1 was
    /// late by more than 40 us about twice per window whatever ran there
    /// (bench/README.md, "The clock"); on CPU 0 none was.
    pub pin: bool,
}

/// What one window gave.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Latencies of every event in the window, all readers (timerfd: also
    /// the expiries merged into a count).
    pub latency_ns: Vec<u64>,
    /// Kernel timestamps of reader 0's events, in order (grid analysis).
    pub stamps0: Vec<u64>,
    /// Latencies of reader 0's records, matching `stamps0`.
    pub latency0_ns: Vec<u64>,
    /// Records delivered in the window, all readers.
    pub delivered: u64,
    /// Events the source produced in the window (timerfd: expiries due).
    pub produced: u64,
    /// Deliveries missed: queue drops, skipped periods (x readers for the
    /// broadcast sources), timerfd expirations merged into one read.
    pub missed: u64,
    /// Of `missed`: periods skipped by a late producer.
    pub overruns: u64,
    pub cpu: CpuUse,
    pub window_ns: u64,
}

/// Time between the main thread's first snapshot and the first event that
/// counts, so the snapshot's own CPU use does not delay a counted event.
pub const SETTLE_NS: u64 = 50_000_000;

/// What one reader thread gave.
#[derive(Default)]
struct ThreadOut {
    latency_ns: Vec<u64>,
    stamps: Vec<u64>,
    delivered: u64,
    coalesced: u64,
}

/// Waits and reads until `end`; keeps what falls in `[start, end)`.
fn reader_loop(
    mut r: crate::source::Reader,
    start: u64,
    end: u64,
    keep: bool,
    stamps: bool,
) -> io::Result<ThreadOut> {
    let ep = sys::Epoll::watching(&[r.fd()])?;
    let mut out = ThreadOut::default();
    let mut got = Vec::with_capacity(64);
    loop {
        let ready = ep.wait_ready(20)?;
        // The wake-up time: right after epoll_wait returns.
        let mut now = sys::monotonic_ns();
        if now >= end {
            break;
        }
        if !ready {
            continue;
        }
        got.clear();
        if !r.read(&mut got)? {
            continue;
        }
        if r.merges() {
            // One record (a count) however many expiries it covers.
            out.delivered += u64::from(got.last().is_some_and(|&ts| ts >= start));
        }
        for &ts in &got {
            if ts < start {
                continue;
            }
            if ts > now {
                // Queued after epoll_wait returned (possible when another
                // cref reader took the event this one was woken for).
                now = sys::monotonic_ns();
            }
            if !r.merges() {
                out.delivered += 1;
            }
            if keep {
                out.latency_ns.push(now - ts);
            }
            if stamps {
                out.stamps.push(ts);
            }
        }
    }
    out.coalesced = r.coalesced;
    Ok(out)
}

/// Runs one window.
pub fn run(spec: &Spec) -> io::Result<Outcome> {
    if !spec.pin {
        return run_window(spec);
    }
    let all: Vec<usize> = (0..sys::online_cpus() as usize).collect();
    sys::run_on([0])?;
    let result = run_window(spec);
    sys::run_on(all.iter().copied())?;
    result
}

/// Runs one window (reader threads inherit the caller's CPUs).
/// Marks where a measured window starts and ends, for `make insn-profile`:
/// the host's instruction counter (bench/insn-profile) starts a new segment
/// of its counts at each call of the kernel's `sethostname()`. Two system
/// calls per window, and the hostname stays the same, so other runs see no
/// difference.
fn mark_window() {
    let name = b"rpoll-bench";
    // SAFETY: the pointer and length describe a live byte string.
    let _ = unsafe { libc::sethostname(name.as_ptr().cast(), name.len()) };
}

fn run_window(spec: &Spec) -> io::Result<Outcome> {
    let setup = Setup::open(spec.mech, spec.readers, spec.period_us)?;
    // Snapshots at `t_snap` and `end`; events count from `start`.
    let t_snap = sys::monotonic_ns() + spec.warmup_ns;
    let start = t_snap + SETTLE_NS.min(spec.window_ns / 4);
    let end = t_snap + spec.window_ns;
    let tck = sys::clk_tck();

    let (threads, c0, c1, cpu, t0, t1) = thread::scope(|s| {
        let handles: Vec<_> = (0..setup.readers())
            .map(|i| {
                let r = setup.reader(i, spec.batch, start);
                let keep = spec.keep_latency;
                thread::Builder::new()
                    .stack_size(256 * 1024)
                    .spawn_scoped(s, move || reader_loop(r, start, end, keep, keep && i == 0))
            })
            .collect::<io::Result<_>>()?;
        sys::sleep_until(t_snap);
        let c0 = setup.counters();
        let s0 = CpuStat::read();
        mark_window();
        let t0 = sys::monotonic_ns();
        sys::sleep_until(end);
        mark_window();
        let s1 = CpuStat::read();
        let t1 = sys::monotonic_ns();
        let c1 = setup.counters();
        let cpu = CpuUse::from_delta(&s1.since(&s0), t1 - t0, tck);
        let mut outs = Vec::new();
        for h in handles {
            outs.push(
                h.join()
                    .map_err(|_| io::Error::other("reader thread panicked"))??,
            );
        }
        io::Result::Ok((outs, c0?, c1?, cpu, t0, t1))
    })?;
    drop(setup);

    let mut o = Outcome {
        cpu,
        window_ns: spec.window_ns,
        ..Outcome::default()
    };
    for (i, t) in threads.into_iter().enumerate() {
        o.delivered += t.delivered;
        o.missed += t.coalesced;
        if i == 0 {
            o.stamps0 = t.stamps;
            o.latency0_ns = t.latency_ns.clone();
        }
        o.latency_ns.extend_from_slice(&t.latency_ns);
    }
    if spec.mech == Mech::Timerfd {
        // An hrtimer never runs slow: its expiries are due every period.
        o.produced = (t1 - t0) / (u64::from(spec.period_us) * 1000);
    } else {
        let fanout = if spec.mech.broadcast() {
            spec.readers as u64
        } else {
            1
        };
        o.produced = c1.produced - c0.produced;
        o.overruns = c1.overruns - c0.overruns;
        o.missed += (c1.lost - c0.lost) + o.overruns * fanout;
    }
    Ok(o)
}
