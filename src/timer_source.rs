// SPDX-License-Identifier: GPL-2.0

//! The periodic hrtimer source (`rpoll,event-timer`).
//!
//! The timer runs while the device has readers. It is forwarded from its
//! previous expiry, never from "now", so a late callback does not shift
//! later events; periods skipped that way are counted as overruns. Each
//! event is stamped with the expiry it was due at (as timerfd's expiry count
//! refers to), not with the time the callback happened to run. The timer is
//! absolute, so that it can be restarted on its reader's CPU at the same
//! expiry ([`Source::before_read`]).

use kernel::{
    cpu::CpuId,
    fmt, impl_has_hr_timer, new_mutex,
    prelude::*,
    sync::{
        atomic::{ordering, Atomic},
        Arc, ArcBorrow, Mutex,
    },
    time::{
        hrtimer::{
            AbsoluteMode, ArcHrTimerHandle, HrTimer, HrTimerCallback, HrTimerCallbackContext,
            HrTimerPointer, HrTimerRestart,
        },
        Delta, Instant, Monotonic,
    },
};

use crate::{
    fanout::FanOut,
    logic::{
        params,
        uapi::{RpollInfo, RPOLL_SOURCE_TIMER},
    },
    shim::clock,
    source::Source,
    stamp,
};

/// Least time between two moves of the timer to its reader's CPU, so that
/// readers on different CPUs cannot make it bounce (100 ms).
const FOLLOW_INTERVAL_NS: u64 = 100_000_000;

/// The timer's handle and when it last moved, under the mutex.
struct Control {
    /// `Some` while the timer runs (the device has readers).
    running: Option<ArcHrTimerHandle<PeriodicTimer>>,
    /// Monotonic time of the last move of the timer to a reader's CPU.
    moved_ns: u64,
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
    /// Current period in microseconds (a 32-bit value: no 64-bit atomics or
    /// divisions on 32-bit kernels).
    period_us: Atomic<u32>,
    /// The CPU the callback last ran on.
    cpu: Atomic<u32>,
}

impl_has_hr_timer! {
    impl HasHrTimer<Self> for PeriodicTimer {
        mode: AbsoluteMode<Monotonic>,
        field: self.timer
    }
}

impl HrTimerCallback for PeriodicTimer {
    type Pointer<'a> = Arc<Self>;

    fn run(this: ArcBorrow<'_, Self>, mut ctx: HrTimerCallbackContext<'_, Self>) -> HrTimerRestart {
        let expiry = clock::instant_ns(this.timer.expires());
        let cpu = CpuId::current().as_u32();
        if this.cpu.load(ordering::Relaxed) != cpu {
            this.cpu.store(cpu, ordering::Relaxed);
        }
        // Periods between the previous expiry and the next one in the
        // future: 1 when on time.
        let periods = ctx.forward_now(this.period());
        let sample = stamp::sample_at(expiry, RPOLL_SOURCE_TIMER);
        this.fanout.push(sample, periods.saturating_sub(1));
        HrTimerRestart::Restart
    }
}

impl PeriodicTimer {
    fn period(&self) -> Delta {
        Delta::from_micros(i64::from(self.period_us.load(ordering::Relaxed)))
    }

    /// Starts the timer on this CPU to expire first at `expires`.
    fn start_here(self: &Arc<Self>, expires: Instant<Monotonic>) -> ArcHrTimerHandle<Self> {
        self.cpu.store(CpuId::current().as_u32(), ordering::Relaxed);
        self.clone().start(expires)
    }

    /// Stops the timer, waiting for a running callback. Process context.
    fn stop(&self) {
        let handle = self.control.lock().running.take();
        drop(handle);
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
                    Control { running: None, moved_ns: 0 },
                    "rpoll::timer_control"
                ),
                fanout,
                period_us: Atomic::new(period_us),
                cpu: Atomic::new(0),
            }),
            GFP_KERNEL,
        )?;
        Ok(Self(timer))
    }

    /// The owner's handle that stops the timer for good when dropped
    /// (unbind); files may keep the source itself alive longer.
    pub(crate) fn binding(&self) -> TimerBinding {
        TimerBinding(self.0.clone())
    }
}

impl Source for TimerSource {
    fn name(&self) -> &'static str {
        "timer"
    }

    fn readers_arrived(&self) {
        let t = &self.0;
        let mut ctl = t.control.lock();
        if ctl.running.is_none() {
            ctl.running = Some(t.start_here(Instant::now() + t.period()));
        }
    }

    fn idle(&self) {
        // Cancelled with the membership lock held by the caller, so a
        // concurrent open cannot start the timer between decision and cancel.
        self.0.stop();
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
        let now = clock::monotonic_ns();
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
    /// from now.
    fn set_period(&self, period_us: u32) -> Result {
        let us = params::timer_period(period_us).map_err(|_| EINVAL)?;
        let t = &self.0;
        let mut ctl = t.control.lock();
        t.period_us.store(us, ordering::Relaxed);
        if let Some(handle) = ctl.running.take() {
            // Cancel (waiting for a running callback) before restarting.
            drop(handle);
            ctl.running = Some(t.start_here(Instant::now() + t.period()));
        }
        Ok(())
    }

    fn describe(&self, info: &mut RpollInfo) {
        info.source = RPOLL_SOURCE_TIMER;
        info.period_us = self.0.period_us.load(ordering::Relaxed);
    }

    fn summary(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0.period_us.load(ordering::Relaxed);
        write!(f, "timer, period {us} us")
    }

    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "period_us: {}", self.0.period_us.load(ordering::Relaxed))?;
        writeln!(f, "timer_cpu: {}", self.0.cpu.load(ordering::Relaxed))
    }
}

/// Held by the bound device: stops the timer at unbind.
pub(crate) struct TimerBinding(Arc<PeriodicTimer>);

impl Drop for TimerBinding {
    fn drop(&mut self) {
        // The fan-out queue is already shut down, so no reader can start it
        // again.
        self.0.stop();
    }
}
