//! CPU cost by "cycle soaking": one busy-looping thread per CPU at
//! `SCHED_IDLE` priority counts loop iterations; whatever the kernel and the
//! readers run preempts it, so the iterations it does not get are the CPU
//! time the measured work took. Used where `/proc/stat` cannot see the
//! work: edges that arrive one by one from the host leave the CPUs idle in
//! between, and with the tick stopped in idle the short busy bursts are
//! almost never sampled. The soakers also keep the CPUs from idling, so
//! under `-icount` guest time advances with instructions only.
//!
//! Soak only CPUs that do the measured work, with it pinned there: under
//! `-icount` QEMU runs the vCPUs round-robin, and with every vCPU busy an
//! interrupt for one waits for the other's time slice (development runs
//! with soakers on both CPUs saw edge latencies of milliseconds).

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::{self, JoinHandle};

use rpoll_sys as sys;

/// Iterations between two updates of the shared counter.
const BATCH: u64 = 256;

/// Soaking threads, one per CPU, running until dropped.
pub struct Soak {
    stop: Arc<AtomicBool>,
    count: Arc<AtomicU64>,
    threads: Vec<JoinHandle<()>>,
}

impl Soak {
    /// Starts one soaker pinned to each CPU of `cpus`.
    pub fn start(cpus: &[usize]) -> io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicU64::new(0));
        let mut threads = Vec::with_capacity(cpus.len());
        let (ready_tx, ready) = mpsc::channel();
        for &cpu in cpus {
            let (stop, count, ready_tx) = (stop.clone(), count.clone(), ready_tx.clone());
            threads.push(
                thread::Builder::new()
                    .stack_size(64 * 1024)
                    .spawn(move || {
                        let setup = sys::run_on([cpu]).and_then(|()| sys::set_sched_idle());
                        let failed = setup.is_err();
                        let _ = ready_tx.send(setup);
                        if failed {
                            return;
                        }
                        let mut local = 0u64;
                        while !stop.load(Ordering::Relaxed) {
                            for _ in 0..BATCH {
                                local = std::hint::black_box(local + 1);
                            }
                            count.fetch_add(BATCH, Ordering::Relaxed);
                        }
                    })?,
            );
        }
        let soak = Self {
            stop,
            count,
            threads,
        };
        // Dropping `soak` on an error stops the soakers already running.
        for _ in cpus {
            ready
                .recv()
                .map_err(|_| io::Error::other("a soaker thread died"))?
                .map_err(|e| {
                    io::Error::new(
                        io::Error::from(e).kind(),
                        format!("soaker set-up: errno {e}"),
                    )
                })?;
        }
        Ok(soak)
    }

    /// Iterations so far, all soakers.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

impl Soak {
    /// Stops the soakers; an error if one of them panicked.
    pub fn stop(mut self) -> io::Result<()> {
        self.stop.store(true, Ordering::Relaxed);
        let mut panicked = false;
        for t in self.threads.drain(..) {
            panicked |= t.join().is_err();
        }
        if panicked {
            Err(io::Error::other("a soaker thread panicked"))
        } else {
            Ok(())
        }
    }
}

impl Drop for Soak {
    /// Stops soakers left running on an error path (the error that got
    /// here is what the run reports; a soaker's panic is reported too).
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            if t.join().is_err() {
                eprintln!("rpoll-bench: a soaker thread panicked");
            }
        }
    }
}

/// Iterations per second of guest time that the soakers get with nothing
/// else to do, measured over `secs`.
pub fn calibrate(soak: &Soak, secs: f64) -> f64 {
    let (c0, t0) = (soak.count(), sys::monotonic_ns());
    sys::sleep_until(t0 + (secs * 1e9) as u64);
    let (c1, t1) = (soak.count(), sys::monotonic_ns());
    (c1 - c0) as f64 * 1e9 / (t1 - t0) as f64
}

/// The CPU time (milliseconds, all CPUs) that other work took from soakers
/// running at `rate` idle iterations per second, given `iterations` done
/// over `wall_ns`.
pub fn stolen_ms(rate: f64, iterations: u64, wall_ns: u64, cpus: usize) -> f64 {
    let expected = rate * wall_ns as f64 / 1e9;
    // `rate` covers all soakers, i.e. `cpus` CPU-seconds per second.
    (expected - iterations as f64) / rate * 1000.0 * cpus as f64
}
