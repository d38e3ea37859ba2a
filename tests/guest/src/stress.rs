//! Stress test of rpoll, run in the guest (see `tests/run-all`, group
//! `stress`): many concurrent readers of every kind on fast timer devices,
//! files opened and closed in loops, a device unbound and bound again, a
//! period changed at run time, a GPIO line toggled from the host (read by
//! epoll readers, its level asked with `RPOLL_IOC_GET_LEVEL` meanwhile: the
//! ioctl against the hard-IRQ handler on the GPIO source's IRQ-safe lock,
//! on 7.2 the lock backend of `src/shim/release.rs`, and its edges and
//! window changed with `RPOLL_IOC_SET_CONFIG` every 50 ms) and the system
//! suspended to idle and woken by the RTC
//! again and again (at least 20 cycles), all at once; then module
//! load/unload and bind/unbind loops; then a kmemleak scan.
//!
//! Every reader checks, for each record, that the `seq` gap equals `lost`,
//! and at the end of each session that its own counts agree exactly with the
//! kernel's (`RPOLL_IOC_STATS`). Usage: `rpoll-stress SECONDS`.

use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rpoll_guest_tests::dev::*;
use rpoll_guest_tests::{kmemleak, threads};
use rpoll_uapi::*;

/// Devices of `tests/dts/stress-devices.dtso`.
const DEVICES: [&str; 3] = ["s0", "s1", "s2"];
/// The device that is unbound and bound again during the run.
const REBOUND: &str = "s2";
/// The device whose period changes during the run.
const RETUNED: &str = "s1";
/// The GPIO device (`tests/dts/test-devices.dtso`, line 6, active low, both
/// edges, no debounce) whose line the host toggles during the run.
const TOGGLED: &str = "al";
const TOGGLED_LINE: u32 = 6;
/// System sleeps the run must complete (suspend to idle, RTC wake-up).
const SLEEP_CYCLES: u64 = 20;

/// Totals reported at the end.
#[derive(Default)]
struct Figures {
    sessions: AtomicU64,
    produced_seen: AtomicU64,
    delivered: AtomicU64,
    lost: AtomicU64,
    churn_opens: AtomicU64,
    rebinds: AtomicU64,
    period_changes: AtomicU64,
    /// `RPOLL_IOC_SET_CONFIG` changes of the toggled line.
    config_changes: AtomicU64,
    sleeps: AtomicU64,
    sleeps_aborted: AtomicU64,
    /// `RPOLL_IOC_GET_LEVEL` answers, and which levels they gave (bit 0:
    /// low seen, bit 1: high seen).
    level_reads: AtomicU64,
    levels_seen: AtomicU64,
    violations: AtomicU64,
}

struct Ctx {
    stop: AtomicBool,
    figures: Figures,
    errors: Mutex<Vec<String>>,
}

impl Ctx {
    fn fail(&self, msg: String) {
        self.figures.violations.fetch_add(1, SeqCst);
        let mut e = self.errors.lock().unwrap();
        if e.len() < 20 {
            e.push(msg);
        }
    }
}

fn stats(fd: &OwnedFd) -> Result<RpollStats, i32> {
    let mut b = [0u8; RPOLL_STATS_SIZE];
    // SAFETY: STATS writes RPOLL_STATS_SIZE bytes into `b`.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), RPOLL_IOC_STATS as _, b.as_mut_ptr()) };
    if r < 0 {
        Err(errno())
    } else {
        Ok(RpollStats::from_bytes(&b))
    }
}

/// Binds the rebinder may complete, before an attempt begins, while an
/// open of the rebound device keeps failing: after a completed bind the
/// device stays for 700 ms of the rebinder's sleep, so an open that missed
/// three such windows means the device did not come back. (A progress
/// count, not a time limit: a busy host may stretch a cycle to seconds. Not
/// two: a system sleep runs the rebinder's monotonic sleep while both
/// threads are frozen, so a window can shrink to nothing; seen once with
/// two, 2026-12-06, on a loaded host.)
const REBIND_GRACE: u64 = 3;

/// Whether `errno` from an operation on `name` is explained by the rebinder:
/// only the rebound device may vanish (`ENOENT` while its node is gone,
/// `ENODEV` once its open file outlived the device).
fn vanished(name: &str, errno: i32) -> bool {
    name == REBOUND && matches!(errno, libc::ENOENT | libc::ENODEV)
}

/// Opens `name`; only the rebound device may be missing, and only until
/// the rebinder has completed [`REBIND_GRACE`] binds since the first
/// failure. Any other failure is a violation.
fn open_retry(ctx: &Ctx, name: &str, flags: i32) -> Option<OwnedFd> {
    let start = Instant::now();
    let rebinds = ctx.figures.rebinds.load(SeqCst);
    while !ctx.stop.load(SeqCst) {
        // The binds completed before this attempt began: one that completes
        // while the attempt runs (after its lookup failed) does not count
        // against it.
        let done = ctx.figures.rebinds.load(SeqCst) - rebinds;
        match open_flags(name, flags) {
            Ok(fd) => return Some(fd),
            Err(e) if vanished(name, e) && done < REBIND_GRACE => sleep_ms(5),
            Err(e) => {
                ctx.fail(format!(
                    "open {name}: errno {e} after {} ms and {} completed binds",
                    start.elapsed().as_millis(),
                    ctx.figures.rebinds.load(SeqCst) - rebinds
                ));
                return None;
            }
        }
    }
    None
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Blocking,
    EpollLevel,
    EpollEdge,
    Slow,
    Lazy,
}

/// One reader session's own bookkeeping.
struct Session {
    base: u64,
    last: u64,
    delivered: u64,
    lost: u64,
}

impl Session {
    fn take(&mut self, ctx: &Ctx, name: &str, recs: &[RpollEvent]) {
        for r in recs {
            if r.seq != self.last + 1 + u64::from(r.lost) {
                ctx.fail(format!(
                    "{name}: seq {} after {} with lost {}",
                    r.seq, self.last, r.lost
                ));
            }
            self.last = r.seq;
            self.delivered += 1;
            self.lost += u64::from(r.lost);
        }
    }

    /// End of session: our counts must match the kernel's exactly.
    fn finish(&self, ctx: &Ctx, name: &str, fd: &OwnedFd) {
        let s = match stats(fd) {
            Ok(s) => s,
            Err(e) => {
                ctx.fail(format!("{name}: STATS at end of session: errno {e}"));
                return;
            }
        };
        let f = &ctx.figures;
        f.sessions.fetch_add(1, SeqCst);
        f.produced_seen.fetch_add(s.produced - s.base, SeqCst);
        f.delivered.fetch_add(s.delivered, SeqCst);
        f.lost.fetch_add(s.lost, SeqCst);
        let checks = [
            (s.base == self.base, "base changed"),
            (
                s.delivered == self.delivered,
                "kernel and reader disagree on delivered",
            ),
            (
                s.delivered + s.lost + s.queued == s.produced - s.base,
                "delivered + lost + queued != produced since open",
            ),
            // Events after the last one seen are queued or lost-not-yet-reported.
            (
                s.produced - self.last == (s.lost - self.lost) + s.queued,
                "events after the last record unaccounted",
            ),
        ];
        for (ok, what) in checks {
            if !ok {
                ctx.fail(format!(
                    "{name}: {what}: ours base={} last={} delivered={} lost={}, kernel {s:?}",
                    self.base, self.last, self.delivered, self.lost
                ));
            }
        }
    }
}

fn reader(ctx: Arc<Ctx>, name: &'static str, kind: Kind, seed: u64) {
    let mut rng = seed | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    while !ctx.stop.load(SeqCst) {
        let nonblock = matches!(kind, Kind::EpollLevel | Kind::EpollEdge);
        let Some(fd) = open_retry(&ctx, name, if nonblock { libc::O_NONBLOCK } else { 0 }) else {
            return;
        };
        let st = match stats(&fd) {
            Ok(st) => st,
            Err(e) => {
                ctx.fail(format!("{name}: STATS after open: errno {e}"));
                return;
            }
        };
        let mut s = Session {
            base: st.base,
            last: st.base,
            delivered: 0,
            lost: 0,
        };
        let ep = match Epoll::new() {
            Ok(ep) => ep,
            Err(e) => {
                ctx.fail(format!("{name}: epoll_create1: errno {e}"));
                return;
            }
        };
        let events = (libc::EPOLLIN as u32)
            | if matches!(kind, Kind::EpollEdge) {
                libc::EPOLLET as u32
            } else {
                0
            };
        if nonblock && ep.add(&fd, events, 0).is_err() {
            ctx.fail(format!("{name}: epoll_ctl"));
            return;
        }
        loop {
            if ctx.stop.load(SeqCst) {
                break;
            }
            let batch = 1 + (next() % 64) as usize;
            let got = match kind {
                Kind::Lazy => {
                    sleep_ms(20);
                    continue;
                }
                Kind::Slow => {
                    sleep_ms(30);
                    read_batch(&fd, batch)
                }
                Kind::Blocking => read_batch(&fd, batch),
                Kind::EpollLevel | Kind::EpollEdge => match ep.wait(200) {
                    Ok(evs) if evs.is_empty() => continue,
                    Ok(evs)
                        if evs[0].1 & (libc::EPOLLHUP as u32) != 0
                            && evs[0].1 & (libc::EPOLLIN as u32) == 0 =>
                    {
                        Err(libc::ENODEV)
                    }
                    Ok(_) => {
                        // Edge-triggered: drain; level: one batch.
                        let mut all = Vec::new();
                        loop {
                            match read_batch(&fd, batch) {
                                Ok(v) => {
                                    all.extend(v);
                                    if !matches!(kind, Kind::EpollEdge) {
                                        break;
                                    }
                                }
                                Err(libc::EAGAIN) => break,
                                Err(e) => {
                                    if all.is_empty() {
                                        return_err(&ctx, name, e);
                                    }
                                    break;
                                }
                            }
                        }
                        Ok(all)
                    }
                    Err(e) => Err(e.0),
                },
            };
            match got {
                Ok(v) => s.take(&ctx, name, &v),
                Err(e) if vanished(name, e) => break, // unbound: reopen
                Err(libc::EAGAIN) => {}
                Err(e) => {
                    ctx.fail(format!("{name}: read errno {e} ({kind:?})"));
                    break;
                }
            }
        }
        s.finish(&ctx, name, &fd);
    }
}

fn return_err(ctx: &Ctx, name: &str, e: i32) {
    if !vanished(name, e) {
        ctx.fail(format!("{name}: epoll read errno {e}"));
    }
}

/// Opens and closes files in a loop, checking each file's identity once.
fn churn(ctx: Arc<Ctx>, name: &'static str) {
    while !ctx.stop.load(SeqCst) {
        let Some(fd) = open_retry(&ctx, name, libc::O_NONBLOCK) else {
            return;
        };
        match read_batch(&fd, 4) {
            Ok(_) | Err(libc::EAGAIN) => {}
            Err(e) if vanished(name, e) => {}
            Err(e) => ctx.fail(format!("{name}: churn read errno {e}")),
        }
        match stats(&fd) {
            Ok(s) if s.delivered + s.lost + s.queued != s.produced - s.base => {
                ctx.fail(format!("{name}: churn identity {s:?}"))
            }
            Ok(_) => {}
            Err(e) => ctx.fail(format!("{name}: churn STATS errno {e}")),
        }
        ctx.figures.churn_opens.fetch_add(1, SeqCst);
    }
}

fn rebinder(ctx: Arc<Ctx>) {
    while !ctx.stop.load(SeqCst) {
        sleep_ms(700);
        if ctx.stop.load(SeqCst) {
            break;
        }
        if let Err(e) = unbind(REBOUND) {
            ctx.fail(e);
            return;
        }
        sleep_ms(50);
        if let Err(e) = bind(REBOUND) {
            ctx.fail(e);
            return;
        }
        ctx.figures.rebinds.fetch_add(1, SeqCst);
    }
}

fn retuner(ctx: Arc<Ctx>) {
    let periods = [250u32, 100, 500, 1000, 100];
    let mut i = 0;
    while !ctx.stop.load(SeqCst) {
        sleep_ms(300);
        let Some(fd) = open_retry(&ctx, RETUNED, libc::O_NONBLOCK) else {
            return;
        };
        let p = periods[i % periods.len()];
        // SAFETY: SET_PERIOD reads a u32 from `p`.
        let r = unsafe { libc::ioctl(fd.as_raw_fd(), RPOLL_IOC_SET_PERIOD as _, &p as *const u32) };
        if r < 0 {
            ctx.fail(format!("SET_PERIOD {p}: errno {}", errno()));
        } else {
            ctx.figures.period_changes.fetch_add(1, SeqCst);
        }
        i += 1;
    }
}

/// One system sleep as a suspend daemon does it (`wakeup_count` protocol),
/// ended by the RTC alarm. The alarm has a resolution of one second, so
/// "+2" (1 to 2 s) leaves the way into the sleep time to finish; with "+1"
/// about half the alarms fired before the system slept and aborted it.
/// `Ok(false)`: a wake-up event came first and the kernel refused or
/// aborted the sleep, as it should. A device that refused to suspend also
/// makes the write fail with `EBUSY`; the PM core then logs it
/// (`<dev>: failed to suspend...: error -N`), which tells the two apart.
fn system_sleep() -> Result<bool, String> {
    let refused_before = last_device_refusal();
    match suspend_to_idle(Some(2))?.result {
        Ok(()) => Ok(true),
        // EINVAL: writing back wakeup_count; EBUSY: the sleep itself.
        Err(e @ (libc::EINVAL | libc::EBUSY)) => match last_device_refusal() {
            Some(line) if Some(&line) != refused_before.as_ref() => Err(format!(
                "system sleep: errno {e}, and a device refused it: {line}"
            )),
            _ => Ok(false),
        },
        Err(e) => Err(format!("system sleep: errno {e}")),
    }
}

/// The kernel log's last line of a device failing a suspend step, as the
/// PM core's `pm_dev_err()` prints it (with its timestamp, so a new one
/// differs from an old one).
fn last_device_refusal() -> Option<String> {
    dmesg()
        .lines()
        .rev()
        .find(|l| l.contains(": failed to ") && l.contains(": error -"))
        .map(str::to_string)
}

/// Suspends the system again and again while everything else runs.
fn sleeper(ctx: Arc<Ctx>) {
    while !ctx.stop.load(SeqCst) {
        sleep_ms(200);
        match system_sleep() {
            Ok(true) => ctx.figures.sleeps.fetch_add(1, SeqCst),
            Ok(false) => ctx.figures.sleeps_aborted.fetch_add(1, SeqCst),
            Err(e) => {
                ctx.fail(e);
                return;
            }
        };
    }
}

/// Asks the host for bursts of edges on the toggled GPIO line (100 edges 2
/// ms apart, ending low) for as long as the run lasts.
fn toggler(ctx: Arc<Ctx>) {
    while !ctx.stop.load(SeqCst) {
        gpio_drive(&format!("train={TOGGLED_LINE}:100:2000"));
        sleep_ms(400);
    }
}

/// Changes the toggled line's edges and window (`RPOLL_IOC_SET_CONFIG`)
/// every 50 ms while the host toggles it and readers read it; puts the
/// device tree's configuration back at the end.
fn reconfigurer(ctx: Arc<Ctx>) {
    let Some(fd) = open_retry(&ctx, TOGGLED, libc::O_NONBLOCK) else {
        return;
    };
    let set = |edges: u32, debounce_us: u32| {
        let c = RpollConfig {
            edges,
            debounce_us,
            poll_interval_us: 0,
            reserved: [0; 5],
        }
        .to_bytes();
        // SAFETY: SET_CONFIG reads 32 bytes from `c`.
        let r = unsafe { libc::ioctl(fd.as_raw_fd(), RPOLL_IOC_SET_CONFIG as _, c.as_ptr()) };
        if r < 0 {
            Err(errno())
        } else {
            Ok(())
        }
    };
    let steps = [(1u32, 0u32), (2, 2000), (3, 5000), (1, 1000), (3, 0)];
    let mut i = 0;
    while !ctx.stop.load(SeqCst) {
        sleep_ms(50);
        let (edges, debounce_us) = steps[i % steps.len()];
        match set(edges, debounce_us) {
            Ok(()) => {
                ctx.figures.config_changes.fetch_add(1, SeqCst);
            }
            Err(e) => ctx.fail(format!(
                "SET_CONFIG {edges}/{debounce_us} on {TOGGLED}: errno {e}"
            )),
        }
        i += 1;
    }
    if let Err(e) = set(3, 0) {
        ctx.fail(format!("restoring {TOGGLED}'s configuration: errno {e}"));
    }
}

/// Asks the toggled line's level (`RPOLL_IOC_GET_LEVEL`) every
/// millisecond while the host toggles it: each answer must be 0 or 1, and
/// the run must see both.
fn level_reader(ctx: Arc<Ctx>) {
    let fd = match open(TOGGLED) {
        Ok(fd) => fd,
        Err(e) => {
            ctx.fail(format!("level reader: {e}"));
            return;
        }
    };
    while !ctx.stop.load(SeqCst) {
        let mut level = u32::MAX;
        // SAFETY: GET_LEVEL writes one u32 into `level`.
        let r = unsafe {
            libc::ioctl(
                fd.as_raw_fd(),
                RPOLL_IOC_GET_LEVEL as _,
                &mut level as *mut u32,
            )
        };
        if r < 0 {
            ctx.fail(format!("GET_LEVEL on {TOGGLED}: errno {}", errno()));
            return;
        }
        if level > 1 {
            ctx.fail(format!("GET_LEVEL on {TOGGLED} gave {level}"));
            return;
        }
        ctx.figures.level_reads.fetch_add(1, SeqCst);
        ctx.figures.levels_seen.fetch_or(1 << level, SeqCst);
        sleep_ms(1);
    }
}

/// `n` times: a reader blocked on a threaded device and a poller on a
/// sampled one, the gpio-sim chip unbound under them (`ENODEV`,
/// `EPOLLHUP`), the chip and its devices bound again.
fn expander_cycles(n: usize) -> Result<(), String> {
    use rpoll_guest_tests::sim::{bind_sim_devices, SIM_PDEV};
    for i in 0..n {
        let pfd = open("sim-poll").map_err(|e| format!("cycle {i}: {e}"))?;
        let rfd = open("sim-key").map_err(|e| format!("cycle {i}: {e}"))?;
        unbind_under_blocked_readers(rfd, &pfd, || {
            sysfs_write("/sys/bus/platform/drivers/gpio-sim/unbind", SIM_PDEV)
        })
        .map_err(|e| format!("cycle {i}: {e}"))?;
        drop(pfd);
        sysfs_write("/sys/bus/platform/drivers/gpio-sim/bind", SIM_PDEV)
            .map_err(|e| format!("cycle {i}: {e}"))?;
        bind_sim_devices().map_err(|e| format!("cycle {i}: {e}"))?;
    }
    Ok(())
}

/// Names of the `rpoll-*` entries of directory `dir`.
fn rpoll_entries(dir: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("rpoll-"))
                .collect()
        })
        .unwrap_or_default()
}

/// Names of the results this program prints, in order: the plan it declares.
fn plan(leak_check: bool) -> Vec<&'static str> {
    let mut names = vec![
        "stress_threads_no_panic",
        "stress_accounting_exact",
        "stress_did_work",
        "suspend_resume_cycles",
        "module_load_unload_loop",
        "bind_unbind_loop",
        "expander_unbind_loop",
        "no_dangling_debugfs",
    ];
    if leak_check {
        names.push("no_leaks_kmemleak");
    }
    names
}

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let mut results: Vec<(String, Result<(), String>)> = Vec::new();
    // The leak check runs whenever the kernel has kmemleak; then a missing
    // control file (kmemleak disabled itself) is a failure, not a skip.
    let leak_check = kmemleak::built_in();
    let plan = plan(leak_check);
    if !leak_check {
        // Declared, like the suite's other skips: this kernel cannot look.
        println!("guest skip no_leaks_kmemleak: the kernel has no CONFIG_DEBUG_KMEMLEAK");
    }
    println!("guest plan {}", plan.len());
    if leak_check {
        // Forget what boot left behind.
        if let Err(e) = kmemleak::baseline() {
            println!("stress: kmemleak unusable at start: {e}");
        }
    }

    let ctx = Arc::new(Ctx {
        stop: AtomicBool::new(false),
        figures: Figures::default(),
        errors: Mutex::new(Vec::new()),
    });
    let kinds = [
        Kind::Blocking,
        Kind::Blocking,
        Kind::Blocking,
        Kind::EpollLevel,
        Kind::EpollLevel,
        Kind::EpollEdge,
        Kind::EpollEdge,
        Kind::Slow,
        Kind::Slow,
        Kind::Lazy,
        Kind::Lazy,
    ];
    let mut handles: Vec<(String, std::thread::JoinHandle<()>)> = Vec::new();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for name in DEVICES {
        for kind in kinds {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let c = ctx.clone();
            handles.push((
                format!("reader {name} {kind:?}"),
                std::thread::spawn(move || reader(c, name, kind, seed)),
            ));
        }
        let c = ctx.clone();
        handles.push((
            format!("churn {name}"),
            std::thread::spawn(move || churn(c, name)),
        ));
    }
    let readers = DEVICES.len() * kinds.len();
    let c = ctx.clone();
    handles.push(("rebinder".into(), std::thread::spawn(move || rebinder(c))));
    let c = ctx.clone();
    handles.push(("retuner".into(), std::thread::spawn(move || retuner(c))));
    for (i, kind) in [Kind::EpollLevel, Kind::EpollEdge].into_iter().enumerate() {
        let c = ctx.clone();
        handles.push((
            format!("reader {TOGGLED} {kind:?}"),
            std::thread::spawn(move || reader(c, TOGGLED, kind, seed ^ i as u64)),
        ));
    }
    let c = ctx.clone();
    handles.push(("toggler".into(), std::thread::spawn(move || toggler(c))));
    let c = ctx.clone();
    handles.push((
        "level reader".into(),
        std::thread::spawn(move || level_reader(c)),
    ));
    let c = ctx.clone();
    handles.push((
        "reconfigurer".into(),
        std::thread::spawn(move || reconfigurer(c)),
    ));
    let c = ctx.clone();
    handles.push(("sleeper".into(), std::thread::spawn(move || sleeper(c))));
    println!(
        "stress: {readers} readers + {} churners on {DEVICES:?} for {seconds} s",
        DEVICES.len()
    );
    // At least `seconds`, and until the sleeper has done its cycles (at
    // most ten minutes more: a stuck sleeper is reported below).
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(seconds)
        || (ctx.figures.sleeps.load(SeqCst) < SLEEP_CYCLES
            && start.elapsed() < Duration::from_secs(seconds + 600)
            && ctx.figures.violations.load(SeqCst) == 0)
    {
        sleep_ms(250);
    }
    ctx.stop.store(true, SeqCst);
    let panics = threads::join_all(handles);
    for p in &panics {
        println!("stress violation: {p}");
    }
    results.push((
        "stress_threads_no_panic".into(),
        if panics.is_empty() {
            Ok(())
        } else {
            Err(format!("{} threads panicked", panics.len()))
        },
    ));
    let f = &ctx.figures;
    let errors = ctx.errors.lock().unwrap().clone();
    for e in &errors {
        println!("stress violation: {e}");
    }
    results.push((
        "stress_accounting_exact".into(),
        if f.violations.load(SeqCst) == 0 {
            Ok(())
        } else {
            Err(format!("{} violations", f.violations.load(SeqCst)))
        },
    ));
    results.push((
        "stress_did_work".into(),
        if f.delivered.load(SeqCst) > 1000
            && f.rebinds.load(SeqCst) > 0
            && f.period_changes.load(SeqCst) > 0
            && f.config_changes.load(SeqCst) > 0
            && f.lost.load(SeqCst) > 0
            && f.levels_seen.load(SeqCst) == 0b11
        {
            Ok(())
        } else {
            Err(format!(
                "too little happened (no loss, rebind, period or configuration change? GPIO \
                 levels seen {:#b} in {} GET_LEVEL reads, {} SET_CONFIG)",
                f.levels_seen.load(SeqCst),
                f.level_reads.load(SeqCst),
                f.config_changes.load(SeqCst)
            ))
        },
    ));

    let sleeps = f.sleeps.load(SeqCst);
    results.push((
        "suspend_resume_cycles".into(),
        if sleeps >= SLEEP_CYCLES {
            Ok(())
        } else {
            Err(format!(
                "{sleeps} system sleeps completed ({} aborted by wake-up events), want {SLEEP_CYCLES}",
                f.sleeps_aborted.load(SeqCst)
            ))
        },
    ));

    // Load/unload and bind/unbind loops with no reader open.
    let cycles = 20;
    let mut cycle_result = Ok(());
    for i in 0..cycles {
        let rm = std::process::Command::new("rmmod").arg("rpoll").status();
        let ins = std::process::Command::new("insmod")
            .arg("/lib/modules/rpoll.ko")
            .status();
        if !rm.map(|s| s.success()).unwrap_or(false) || !ins.map(|s| s.success()).unwrap_or(false) {
            cycle_result = Err(format!("rmmod/insmod failed at cycle {i}"));
            break;
        }
    }
    results.push(("module_load_unload_loop".into(), cycle_result));
    let mut bind_result = Ok(());
    'outer: for i in 0..cycles {
        for d in ["tick", "s0", "s1", "s2", "button"] {
            if let Err(e) = unbind(d).and_then(|_| bind(d)) {
                bind_result = Err(format!("cycle {i} {d}: {e}"));
                break 'outer;
            }
        }
    }
    results.push(("bind_unbind_loop".into(), bind_result));
    // The expander going away under blocked readers, again and again (the
    // leak check below covers it): gpio-sim unbound, its rpoll consumers
    // unbound by the driver core, all bound again.
    results.push(("expander_unbind_loop".into(), expander_cycles(10)));
    // No debugfs directory outlives its device.
    let dirs = rpoll_entries("/sys/kernel/debug");
    let devs = rpoll_entries("/dev");
    let dangling: Vec<&String> = dirs.iter().filter(|d| !devs.contains(d)).collect();
    results.push((
        "no_dangling_debugfs".into(),
        if dangling.is_empty() && dirs.len() == devs.len() {
            Ok(())
        } else {
            Err(format!("debugfs {dirs:?} vs /dev {devs:?}"))
        },
    ));

    let mut leaks_ours = 0;
    if leak_check {
        let (r, ours) = if kmemleak::available() {
            kmemleak::final_report("stress")
        } else {
            (
                Err(format!(
                    "{} is missing although the kernel has kmemleak",
                    kmemleak::KMEMLEAK
                )),
                0,
            )
        };
        leaks_ours = ours;
        results.push(("no_leaks_kmemleak".into(), r));
    }

    println!(
        "stress figures: readers={readers} sessions={} produced_seen={} delivered={} lost={} churn_opens={} rebinds={} period_changes={} config_changes={} sleeps={} sleeps_aborted={} level_reads={} module_cycles={cycles} bind_cycles={} violations={} leaks={}",
        f.sessions.load(SeqCst),
        f.produced_seen.load(SeqCst),
        f.delivered.load(SeqCst),
        f.lost.load(SeqCst),
        f.churn_opens.load(SeqCst),
        f.rebinds.load(SeqCst),
        f.period_changes.load(SeqCst),
        f.config_changes.load(SeqCst),
        f.sleeps.load(SeqCst),
        f.sleeps_aborted.load(SeqCst),
        f.level_reads.load(SeqCst),
        cycles * 5,
        f.violations.load(SeqCst),
        if leak_check { leaks_ours.to_string() } else { "n/a (no leak detector in this kernel)".into() },
    );
    let names: Vec<&str> = results.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, plan, "results differ from the declared plan");
    let mut failed = 0;
    for (name, r) in &results {
        match r {
            Ok(()) => println!("guest test {name} ... ok"),
            Err(e) => {
                failed += 1;
                println!("guest test {name} ... FAILED: {e}");
            }
        }
    }
    std::process::exit(if failed == 0 { 0 } else { 1 });
}
