// SPDX-License-Identifier: GPL-2.0

//! The periodic hrtimer source (`rpoll,event-timer`).
//!
//! The timer runs while the device has readers. It is forwarded from its
//! previous expiry, never from "now", so a late callback does not shift
//! later events; periods skipped that way are counted as overruns when the
//! next record is produced (the record after the gap, as a record after
//! losses reports them), so a reader that snapshots the counters and then
//! reads records finds every gap between them counted. Telling a late
//! callback needs the clock, which costs about as much as the rest of the
//! callback's own work; so it is read on one callback in
//! [`CLOCK_CHECK_EVERY`], and on every callback while they are late. In
//! between, the timer moves on by one period from its expiry; if that is
//! already past, the hrtimer core runs the callback again at once, so a late
//! timer delivers at most `CLOCK_CHECK_EVERY - 1` late records, stamped on
//! the grid, before a check skips the points already past as overruns.
//! Either way each grid point is a record or an overrun. Each
//! event is stamped with the expiry it was due at (as timerfd's expiry count
//! refers to), not with the time the callback happened to run; its jiffies
//! are read in the callback (at most the callback's latency after the
//! expiry), there being no jiffies value for a time in the past. The timer
//! is absolute and pinned (`AbsolutePinnedMode`), so that it can be
//! restarted on its reader's CPU at the same expiry
//! ([`Source::before_read`]) and stays there: an unpinned hrtimer may be
//! queued on another, busier CPU when the one starting it is about to idle.
//! CPU hotplug still migrates it when its CPU goes offline.
//!
//! Across a system sleep the timer stands still: a PM notifier stops it
//! before the system suspends (on QEMU's boards, whose suspend-to-idle keeps
//! the clock events running, it would otherwise go on producing) and
//! restarts it afterwards on the same grid in `CLOCK_BOOTTIME`, which counts
//! the sleep. The grid points that passed meanwhile are counted as overruns
//! of the first record after the resume, which carries
//! `RPOLL_EVENT_RESUMED`.

use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
use kernel::{
    cpu::CpuId,
    fmt, impl_has_hr_timer, new_mutex,
    sync::{
        atomic::{ordering, Atomic},
        Arc, ArcBorrow, Mutex,
    },
    time::{
        hrtimer::{
            AbsolutePinnedMode, ArcHrTimerHandle, HrTimer, HrTimerCallback, HrTimerCallbackContext,
            HrTimerPointer, HrTimerRestart,
        },
        Delta, Instant, Monotonic,
    },
};

use crate::shim::{
    pm::{PmHooks, PmNotifier},
    prelude::*,
};
use crate::{
    fanout::FanOut,
    logic::{
        params,
        uapi::{RpollInfo, RPOLL_EVENT_RESUMED, RPOLL_SOURCE_TIMER},
    },
    source::Source,
    stamp,
};

/// One callback in this many reads the clock to tell whether it runs late
/// (on time, the others forward the timer without it).
const CLOCK_CHECK_EVERY: u32 = 16;

/// Least time between two moves of the timer to its reader's CPU, so that
/// readers on different CPUs cannot make it bounce (100 ms).
const FOLLOW_INTERVAL_NS: u64 = 100_000_000;

/// The timer's handle and when it last moved, under the mutex.
struct Control {
    /// `Some` while the timer runs (the device has readers).
    running: Option<ArcHrTimerHandle<PeriodicTimer>>,
    /// Monotonic time of the last move of the timer to a reader's CPU.
    moved_ns: u64,
    /// Between the PM notifier's suspend and resume: the timer must not run.
    asleep: bool,
    /// While asleep: the boot time at which the timer is next due, if it
    /// was running (or readers arrived meanwhile).
    paused_boot_ns: Option<u64>,
    /// Set at unbind: nothing starts the timer again.
    unbound: bool,
}

/// The state of one periodic source.
///
/// `control` serialises starting, stopping, re-periodising and moving the
/// timer; the callback never takes it, so a cancel that waits for a running
/// callback cannot deadlock.
#[pin_data]
pub(crate) struct PeriodicTimer {
    #[pin]
    timer: HrTimer<PeriodicTimer>,
    #[pin]
    control: Mutex<Control>,
    fanout: Arc<FanOut>,
    // The callback's own values are `core` atomics used with `Relaxed`
    // only: on a naturally aligned `u32` that is a plain single-copy-atomic
    // load or store, the instruction the LKMM's READ_ONCE()/WRITE_ONCE()
    // (and `Atomic<u32>`'s relaxed operations) give, without the call into a
    // C helper that `Atomic` makes while `RUST_INLINE_HELPERS` is off; the
    // swap is an atomic exchange without ordering, as atomic_xchg_relaxed().
    // The two models differ in what orders other locations (the LKMM's
    // dependency ordering, its barriers), and none of these values orders
    // anything: each is read for itself, and what the callback publishes to
    // readers goes through the fan-out's lock.
    /// Current period in microseconds (a 32-bit value: no 64-bit atomics or
    /// divisions on 32-bit kernels).
    period_us: AtomicU32,
    /// The CPU the callback ran on when it last read the clock (so at most
    /// [`CLOCK_CHECK_EVERY`] callbacks ago), or where it was last started.
    cpu: Atomic<u32>,
    /// Set by a resume: 1 + the periods missed while asleep, for the next
    /// record to report (flag and overruns); 0 otherwise.
    resumed: AtomicU32,
    /// Periods the last callback found skipped after its record, for the
    /// next record to count. Written by the callback only.
    skipped_after: AtomicU32,
    /// Callbacks left before one reads the clock. Callback only.
    unchecked: AtomicU32,
}

impl_has_hr_timer! {
    impl HasHrTimer<Self> for PeriodicTimer {
        mode: AbsolutePinnedMode<Monotonic>,
        field: self.timer
    }
}

impl HrTimerCallback for PeriodicTimer {
    type Pointer<'a> = Arc<Self>;

    fn run(this: ArcBorrow<'_, Self>, mut ctx: HrTimerCallbackContext<'_, Self>) -> HrTimerRestart {
        let due = this.timer.expires();
        let expiry = stamp::ns(due);
        let period = this.period();
        // Periods between this expiry and the next one in the future: 1
        // when on time. The ones skipped lie after this record: the next
        // record counts them, and this one counts its predecessor's.
        let unchecked = this.unchecked.load(Relaxed);
        let periods = if unchecked == 0 {
            let cpu = CpuId::current().as_u32();
            if this.cpu.load(ordering::Relaxed) != cpu {
                this.cpu.store(cpu, ordering::Relaxed);
            }
            let periods = ctx.forward_now(period);
            // Late: check again at the next callback.
            let next = if periods > 1 {
                0
            } else {
                CLOCK_CHECK_EVERY - 1
            };
            this.unchecked.store(next, Relaxed);
            periods
        } else {
            this.unchecked.store(unchecked - 1, Relaxed);
            // Exactly one period on, without `forward()`'s comparisons.
            ctx.add_expires(period);
            1
        };
        let after = periods.saturating_sub(1).min(u64::from(u32::MAX)) as u32;
        let mut skipped = u64::from(this.skipped_after.load(Relaxed));
        this.skipped_after.store(after, Relaxed);
        let mut source = RPOLL_SOURCE_TIMER;
        // A plain load first: the exchange only after a resume.
        if this.resumed.load(Relaxed) != 0 {
            let resumed = this.resumed.swap(0, Relaxed);
            if resumed != 0 {
                source |= RPOLL_EVENT_RESUMED;
                skipped += u64::from(resumed - 1);
            }
        }
        this.fanout.push(stamp::sample_at(expiry, source), skipped);
        HrTimerRestart::Restart
    }
}

impl PeriodicTimer {
    fn period(&self) -> Delta {
        Delta::from_micros(i64::from(self.period_us.load(Relaxed)))
    }

    /// Starts the timer on this CPU to expire first at `expires`.
    fn start_here(self: &Arc<Self>, expires: Instant<Monotonic>) -> ArcHrTimerHandle<Self> {
        self.cpu.store(CpuId::current().as_u32(), ordering::Relaxed);
        self.clone().start(expires)
    }

    /// Stops the timer, waiting for a running callback, and forgets a
    /// pending resume; for good if `unbind`. Process context.
    fn stop(&self, unbind: bool) {
        let handle = {
            let mut ctl = self.control.lock();
            ctl.unbound |= unbind;
            ctl.paused_boot_ns = None;
            ctl.running.take()
        };
        drop(handle);
        self.resumed.store(0, Relaxed);
    }

    /// Starts the timer one period from now, or, while the system is
    /// asleep, notes that it is due then. Under `control`.
    fn start_or_pause(self: &Arc<Self>, ctl: &mut Control) {
        let first = Instant::now() + self.period();
        if ctl.asleep {
            let due = stamp::boot_ns(stamp::ns(first));
            ctl.paused_boot_ns = Some(due);
        } else {
            ctl.running = Some(self.start_here(first));
        }
    }
}

/// The timer's system-sleep hooks: a type of this crate, as `Arc`
/// is not and the hooks trait may be the kernel's (`kernel::pm`).
struct TimerSleep(Arc<PeriodicTimer>);

impl PmHooks for TimerSleep {
    /// Stops a running timer and notes when it was next due, in boot time.
    fn suspend(&self) {
        let mut ctl = self.0.control.lock();
        ctl.asleep = true;
        if let Some(handle) = ctl.running.take() {
            // Cancelled (waiting for a running callback, which forwards the
            // expiry) before the expiry is read.
            drop(handle);
            let due = stamp::ns(self.0.timer.expires());
            ctl.paused_boot_ns = Some(stamp::boot_ns(due));
        }
    }

    /// Restarts a paused timer at the first point of its grid (in boot
    /// time) after now; the points that passed are the next record's
    /// overruns.
    fn resume(&self) {
        let mut ctl = self.0.control.lock();
        ctl.asleep = false;
        let Some(due_boot) = ctl.paused_boot_ns.take() else {
            return;
        };
        let now = Instant::<Monotonic>::now();
        let now_mono = stamp::ns(now);
        let now_boot = stamp::boot_ns(now_mono);
        let period = self.0.period();
        let missed = if now_boot < due_boot {
            0
        } else {
            // `Delta` division: `div64_s64()` on 32-bit kernels.
            Delta::from_nanos((now_boot - due_boot) as i64) / period + 1
        } as u64;
        let next_boot = due_boot + missed * period.as_nanos() as u64;
        // Boot time runs ahead of monotonic time by `now_boot - now_mono`.
        let ahead = next_boot - now_boot;
        self.0
            .resumed
            .store(missed.min(u64::from(u32::MAX - 1)) as u32 + 1, Relaxed);
        ctl.running = Some(self.0.start_here(now + Delta::from_nanos(ahead as i64)));
    }
}

/// The periodic source of one device, as its files see it.
pub(crate) struct TimerSource(Arc<PeriodicTimer>);

impl TimerSource {
    /// A stopped timer with a period of `period_us` (validated) feeding
    /// `fanout`; it starts with the first reader.
    pub(crate) fn new(fanout: Arc<FanOut>, period_us: u32) -> Result<Self> {
        let timer = Arc::pin_init(
            pin_init!(PeriodicTimer {
                timer <- HrTimer::new(),
                control <- new_mutex!(
                    Control {
                        running: None,
                        moved_ns: 0,
                        asleep: false,
                        paused_boot_ns: None,
                        unbound: false,
                    },
                    "rpoll::timer_control"
                ),
                fanout,
                period_us: AtomicU32::new(period_us),
                cpu: Atomic::new(0),
                resumed: AtomicU32::new(0),
                skipped_after: AtomicU32::new(0),
                unchecked: AtomicU32::new(0),
            }),
            GFP_KERNEL,
        )?;
        Ok(Self(timer))
    }

    /// The owner's handle: follows the system's sleeps while it exists,
    /// and stops the timer for good when dropped (unbind); files may keep
    /// the source itself alive longer.
    pub(crate) fn bind(&self) -> Result<TimerBinding> {
        // SAFETY: the notifier goes into the returned `TimerBinding`, whose
        // field is private and dropped, never leaked, when the binding is:
        // it is part of the device's driver data, dropped at unbind.
        let pm = KBox::pin_init(
            unsafe { PmNotifier::register(TimerSleep(self.0.clone())) },
            GFP_KERNEL,
        )?;
        Ok(TimerBinding {
            pm: Some(pm),
            timer: self.0.clone(),
        })
    }
}

impl Source for TimerSource {
    fn name(&self) -> &'static str {
        "timer"
    }

    fn readers_arrived(&self) {
        let t = &self.0;
        let mut ctl = t.control.lock();
        if !ctl.unbound && ctl.running.is_none() && ctl.paused_boot_ns.is_none() {
            t.start_or_pause(&mut ctl);
        }
    }

    fn idle(&self) {
        // Cancelled with the membership lock held by the caller, so a
        // concurrent open cannot start the timer between decision and cancel.
        self.0.stop(false);
    }

    /// Moves a running timer to the calling reader's CPU if it fires on
    /// another one, keeping its next expiry (so the grid and the event count
    /// are unchanged). Like timerfd's timer, which `read()` re-arms, the
    /// callback then wakes a reader on its own CPU, without an
    /// inter-processor interrupt. At most one move per
    /// [`FOLLOW_INTERVAL_NS`], so readers on two CPUs cannot make the timer
    /// bounce.
    fn before_read(&self) {
        let t = &self.0;
        if t.cpu.load(ordering::Relaxed) == CpuId::current().as_u32() {
            return;
        }
        // Another task changing the timer now has the same effect.
        let Some(mut ctl) = t.control.try_lock() else {
            return;
        };
        let now = stamp::monotonic_ns();
        if now.wrapping_sub(ctl.moved_ns) < FOLLOW_INTERVAL_NS {
            return;
        }
        let Some(handle) = ctl.running.take() else {
            return;
        };
        // Cancel (waiting for a running callback, which may forward the
        // expiry) before reading the expiry to restart at.
        drop(handle);
        ctl.running = Some(t.start_here(t.timer.expires()));
        ctl.moved_ns = now;
    }

    /// Sets the period, restarting a running timer so the new period applies
    /// from now; `ENODEV` once unbound (decided under `control`, which the
    /// unbind's stop also takes, so no answer races it).
    fn set_period(&self, period_us: u32) -> Result {
        let us = params::timer_period(period_us).map_err(|_| EINVAL)?;
        let t = &self.0;
        let mut ctl = t.control.lock();
        if ctl.unbound {
            return Err(ENODEV);
        }
        t.period_us.store(us, Relaxed);
        if let Some(handle) = ctl.running.take() {
            // Cancel (waiting for a running callback) before restarting.
            drop(handle);
            t.start_or_pause(&mut ctl);
        } else if ctl.paused_boot_ns.is_some() {
            t.start_or_pause(&mut ctl);
        }
        Ok(())
    }

    fn describe(&self, info: &mut RpollInfo) {
        info.source = RPOLL_SOURCE_TIMER;
        info.period_us = self.0.period_us.load(Relaxed);
    }

    fn summary(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0.period_us.load(Relaxed);
        write!(f, "timer, period {us} us")
    }

    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.0;
        writeln!(f, "period_us: {}", t.period_us.load(Relaxed))?;
        writeln!(f, "timer_cpu: {}", t.cpu.load(ordering::Relaxed))?;
        // Skipped after the last record: the next record counts them.
        writeln!(f, "overruns_pending: {}", t.skipped_after.load(Relaxed))
    }
}

/// Held by the bound device: follows system sleeps, stops the timer at
/// unbind.
pub(crate) struct TimerBinding {
    /// `Some` until dropped.
    pm: Option<Pin<KBox<PmNotifier<TimerSleep>>>>,
    timer: Arc<PeriodicTimer>,
}

impl Drop for TimerBinding {
    fn drop(&mut self) {
        // No resume can restart the timer once the notifier is gone; the
        // fan-out queue is already shut down, so no reader can either.
        drop(self.pm.take());
        self.timer.stop(true);
    }
}
