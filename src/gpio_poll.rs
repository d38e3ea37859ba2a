// SPDX-License-Identifier: GPL-2.0

//! A GPIO line fed by sampling (`rpoll,poll-interval-us`), for lines with no
//! usable interrupt, as `gpio-keys-polled` does for buttons.
//!
//! While the device has readers, an hrtimer fires every interval. A line
//! whose controller does not sleep is read in the timer's callback; one on
//! an I2C or SPI expander is read by a work item the callback queues (a
//! read still running at the next expiry makes that sample the same one).
//! A sample that differs from the last one is an edge at the sample's time
//! (`GpioSource::sample_*`), settled or debounced like an interrupt's, so a
//! window of `rpoll,debounce-us` is in effect rounded up to whole intervals.
//! A change shorter than the interval between two samples is not seen.
//!
//! Sampling stops with the last reader and across system sleeps; when the
//! first reader arrives the line's level is taken as the starting point
//! without a record, and after a sleep the first sample compares with the
//! last one before it, so a change while asleep is an edge.

use kernel::{
    fmt, impl_has_hr_timer, new_mutex, new_work,
    sync::{Arc, ArcBorrow, Mutex},
    time::{
        hrtimer::{
            AbsoluteMode, ArcHrTimerHandle, HrTimer, HrTimerCallback, HrTimerCallbackContext,
            HrTimerPointer, HrTimerRestart,
        },
        Delta, Instant, Monotonic,
    },
    workqueue::{self, impl_has_work, Work, WorkItem},
};

use crate::shim::{
    pm::{PmHooks, PmNotifier},
    prelude::*,
};
use crate::{
    gpio_source::GpioSource,
    logic::uapi::{RpollConfig, RpollInfo},
    source::Source,
};

/// Whether and why sampling runs, under the mutex.
struct Control {
    /// `Some` while the timer runs.
    running: Option<ArcHrTimerHandle<Poller>>,
    /// The device has readers.
    readers: bool,
    /// Between the PM notifier's suspend and resume.
    asleep: bool,
    /// Set at unbind: nothing starts sampling again.
    unbound: bool,
}

/// The sampler of one polled line.
///
/// `control` serialises starting and stopping; neither the timer callback
/// nor the work takes it, so stopping (which waits for both) cannot
/// deadlock.
#[pin_data]
pub(crate) struct Poller {
    #[pin]
    timer: HrTimer<Poller>,
    #[pin]
    work: Work<Poller>,
    #[pin]
    control: Mutex<Control>,
    source: Arc<GpioSource>,
}

impl_has_hr_timer! {
    impl HasHrTimer<Self> for Poller {
        mode: AbsoluteMode<Monotonic>,
        field: self.timer
    }
}

impl_has_work! {
    impl HasWork<Self> for Poller { self.work }
}

impl WorkItem for Poller {
    type Pointer = Arc<Poller>;

    /// Reads a line whose controller sleeps.
    fn run(this: Arc<Poller>) {
        this.source.sample_sleeping();
    }
}

impl HrTimerCallback for Poller {
    type Pointer<'a> = Arc<Self>;

    fn run(this: ArcBorrow<'_, Self>, mut ctx: HrTimerCallbackContext<'_, Self>) -> HrTimerRestart {
        if this.source.can_sleep() {
            // The high-priority per-CPU queue: a button's sample should not
            // wait behind ordinary work (7.3's `system()` is deprecated).
            // Already queued: the read that is due covers this expiry too.
            // The reference given back is not the last one (the timer holds
            // one), so dropping it here frees nothing.
            let _ = workqueue::system_highpri().enqueue(Arc::<Poller>::from(this));
        } else {
            this.source.sample_atomic();
        }
        // Expiries missed (a late callback) are simply not sampled.
        ctx.forward_now(this.interval());
        HrTimerRestart::Restart
    }
}

impl Poller {
    fn interval(&self) -> Delta {
        // The source's, which `RPOLL_IOC_SET_CONFIG` changes: from the next
        // expiry on.
        Delta::from_micros(i64::from(self.source.poll_interval_us()))
    }

    /// Starts sampling if it should run and does not. Under `control`.
    fn start(self: &Arc<Self>, ctl: &mut Control) {
        if ctl.running.is_none() && ctl.readers && !ctl.asleep && !ctl.unbound {
            let first = Instant::<Monotonic>::now() + self.interval();
            ctl.running = Some(self.clone().start(first));
        }
    }

    /// Stops sampling and waits until no sample is being taken. Under
    /// `control`, process context.
    fn stop(self: &Arc<Self>, ctl: &mut Control) {
        // Cancels the timer, waiting for a running callback; then no work
        // can be queued any more, and the last one queued is waited for.
        drop(ctl.running.take());
        self.work.flush();
    }
}

/// The poller's system-sleep hooks: a type of this crate, as `Arc`
/// is not and the hooks trait may be the kernel's (`kernel::pm`).
struct PollerSleep(Arc<Poller>);

impl PmHooks for PollerSleep {
    /// No sample while the system sleeps (an expander's bus may be down).
    fn suspend(&self) {
        let mut ctl = self.0.control.lock();
        ctl.asleep = true;
        self.0.stop(&mut ctl);
    }

    /// Sampling goes on from the last sample before the sleep.
    fn resume(&self) {
        let mut ctl = self.0.control.lock();
        ctl.asleep = false;
        Poller::start(&self.0, &mut ctl);
    }
}

/// A polled GPIO source as its files see it: the line's source, sampled
/// while read.
struct PolledGpio(Arc<Poller>);

impl Source for PolledGpio {
    fn name(&self) -> &'static str {
        self.0.source.name()
    }

    fn readers_arrived(&self) {
        let p = &self.0;
        let mut ctl = p.control.lock();
        ctl.readers = true;
        if !ctl.unbound {
            p.source.rebase();
            p.start(&mut ctl);
        }
    }

    fn idle(&self) {
        let p = &self.0;
        let mut ctl = p.control.lock();
        ctl.readers = false;
        p.stop(&mut ctl);
    }

    fn level(&self) -> Result<bool> {
        self.0.source.level()
    }

    fn config(&self) -> Result<RpollConfig> {
        self.0.source.config()
    }

    /// The edges, the window and the interval (from the next expiry on).
    fn set_config(&self, config: &RpollConfig) -> Result {
        self.0.source.set_config(config)
    }

    fn has_edges(&self) -> bool {
        true
    }

    fn describe(&self, info: &mut RpollInfo) {
        self.0.source.describe(info);
    }

    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.source.render(f)?;
        writeln!(
            f,
            "sampling: {}",
            u8::from(self.0.control.lock().running.is_some())
        )
    }

    fn summary(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.source.summary(f)
    }
}

/// The sampling of a bound line: follows system sleeps while it exists; when
/// dropped (unbind), stops for good and puts the line.
pub(crate) struct PollFeed {
    /// Dropped first: no resume restarts sampling after that.
    _pm: Pin<KBox<PmNotifier<PollerSleep>>>,
    poller: Arc<Poller>,
}

impl PollFeed {
    /// Sampling of `source`'s line at its interval, idle until the first
    /// reader.
    pub(crate) fn new(source: Arc<GpioSource>) -> Result<Self> {
        let poller = Arc::pin_init(
            pin_init!(Poller {
                timer <- HrTimer::new(),
                work <- new_work!("rpoll::gpio_poll"),
                control <- new_mutex!(
                    Control {
                        running: None,
                        readers: false,
                        asleep: false,
                        unbound: false,
                    },
                    "rpoll::gpio_poll_control"
                ),
                source,
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: the notifier goes into the returned `PollFeed`, whose
        // field is private and never leaked: the feed is part of the
        // device's driver data (`GpioBinding`), dropped at unbind.
        let pm = KBox::pin_init(
            unsafe { PmNotifier::register(PollerSleep(poller.clone())) },
            GFP_KERNEL,
        )?;
        Ok(Self { _pm: pm, poller })
    }

    /// The source the device's files use.
    pub(crate) fn source(&self) -> Result<Arc<dyn Source>> {
        Ok(Arc::new(PolledGpio(self.poller.clone()), GFP_KERNEL)?)
    }
}

impl Drop for PollFeed {
    fn drop(&mut self) {
        let p = &self.poller;
        {
            let mut ctl = p.control.lock();
            ctl.unbound = true;
            p.stop(&mut ctl);
        }
        p.source.unbind();
    }
}
