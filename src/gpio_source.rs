// SPDX-License-Identifier: GPL-2.0

//! The GPIO source (`rpoll,event-gpio`): the edges of one GPIO line, e.g. a
//! button, with the edge and the settled level in each record.
//!
//! Probe requests the line (so it shows as used by `rpoll-<label>` in
//! `gpioinfo` and `/sys/kernel/debug/gpio`) and feeds it in one of three
//! ways, each in its own file; what an edge then does is this file's, the
//! same for all three:
//! - its interrupt (on both edges, whatever `rpoll,edges` says: the level
//!   read after it tells the edge, so the edges can change at run time),
//!   read in the hard-IRQ handler, for a controller whose reads do not sleep
//!   (`gpio_irq.rs`);
//! - its interrupt, stamped in the hard-IRQ half and read in the thread, for
//!   a controller whose reads sleep: an I2C or SPI expander (`gpio_irq.rs`);
//! - sampling every `rpoll,poll-interval-us`, for a line without a usable
//!   interrupt (`gpio_poll.rs`); a sample that differs from the last one is
//!   an edge at the sample's time.
//!
//! An edge is reported as follows:
//! - both-edge lines report settled levels (`logic::gpio_edges::Settle`):
//!   every edge restarts this source's settle timer, and when it expires
//!   after the last edge of a burst the level is compared with the last one
//!   reported; the record carries the time of the burst's first edge;
//! - single-edge lines report the first edge after a quiet window
//!   (`logic::debounce::Debouncer`), at once, for the lowest latency.
//!
//! After every system sleep the line is read again, so a change of level
//! that no interrupt announced is still reported.
//!
//! A `wakeup-source` line whose `rpoll,wakeup-edges` is not both edges has
//! its interrupt narrowed to those edges while the system sleeps (from the
//! PM core's suspend-prepare notification to its post-suspend one), so that
//! a release does not wake the system again; the other edge is then found by
//! the read after the sleep. Its first record of a wake-up edge in that
//! time carries `RPOLL_EVENT_WAKEUP` (`wakeup::SleepWatch`).
//!
//! `RPOLL_IOC_SET_CONFIG` changes the edges and the window under the same
//! lock the edges take, so it falls between two edges; the next record
//! carries `RPOLL_EVENT_CONFIG`.

use kernel::{
    device::{Bound, Device},
    fmt, impl_has_hr_timer, new_mutex,
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

use crate::shim::{
    gpio::consumer::{self, AtomicDesc, Desc},
    irq::{Flags, Line},
    new_spinlock_irq,
    pm::{PmHooks, PmNotifier},
    prelude::*,
    sync::SpinLockIrq,
};
use crate::{
    fanout::FanOut,
    gpio_irq, gpio_poll,
    logic::{
        debounce::Debouncer,
        gpio_edges::{EdgeOutcome, Edges, Sampled, Settle},
        params,
        sample::Sample,
        uapi::{
            gpio_source, gpio_state, RpollConfig, RpollInfo, RPOLL_GPIO_ACTIVE_LOW,
            RPOLL_GPIO_LINE_MASK, RPOLL_SOURCE_GPIO,
        },
        wake,
    },
    source::Source,
    stamp,
    wakeup::SleepWatch,
};

/// The device-tree settings of a GPIO line (`SourceConfig::Gpio`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct LineConfig {
    /// `rpoll,edges`, in logical terms.
    pub(crate) edges: Edges,
    /// `rpoll,debounce-us`.
    pub(crate) debounce_us: u32,
    /// `wakeup-source`.
    pub(crate) wakeup: bool,
    /// `rpoll,poll-interval-us`: sampled instead of interrupt-driven.
    pub(crate) poll_interval_us: Option<u32>,
    /// `rpoll,wakeup-edges`, in logical terms (both without it).
    pub(crate) wakeup_edges: Edges,
}

/// The line's settings and what the edges of a burst have left to decide,
/// under the IRQ-safe lock (so a configuration change falls between two
/// edges).
struct Edging {
    /// The edges reported, in logical terms (`rpoll,edges`, or
    /// `RPOLL_IOC_SET_CONFIG`).
    edges: Edges,
    /// The debounce (or settle) window in microseconds.
    debounce_us: u32,
    /// The level the last edge or sample left the line at.
    last_level: bool,
    /// Leading-edge debouncing (single-edge lines).
    debouncer: Debouncer,
    /// Settled-state tracking (both-edge lines).
    settle: Settle,
    /// The clocks of the first edge of the burst being settled.
    burst: Option<Sample>,
    /// The settle timer, once first armed; restarted in place by later
    /// edges, cancelled when the line is unbound.
    timer: Option<ArcHrTimerHandle<GpioSource>>,
    /// A line whose controller does not sleep, read here in any context;
    /// `None` for a sleeping one, and once unbound (files may keep the
    /// source, never the line).
    atomic: Option<AtomicDesc>,
    /// The last sample of a polled line.
    sampled: Sampled,
}

/// The state of one GPIO source. Facts about the line are fixed at probe.
#[pin_data]
pub(crate) struct GpioSource {
    #[pin]
    settle_timer: HrTimer<GpioSource>,
    #[pin]
    edging: SpinLockIrq<Edging>,
    /// A line whose controller sleeps, read in process context only (the
    /// interrupt's thread, the sampling work, ioctls); `None` for a line
    /// that does not sleep, and once unbound.
    #[pin]
    sleeping: Mutex<Option<Desc>>,
    fanout: Arc<FanOut>,
    /// The stamp the hard-IRQ half of a sleeping line's interrupt took and
    /// its thread has not used yet; 0 if none (monotonic time is never 0
    /// once interrupts are enabled). An atomic, not under `edging`: with
    /// `IRQF_ONESHOT` that half stays in hard-IRQ context even on
    /// PREEMPT_RT, where `edging` (a `spinlock_t`) would sleep.
    pending_ns: Atomic<u64>,
    /// Interrupts after `pending_ns`'s before the thread took it.
    pending_more: Atomic<u64>,
    /// The line's offset on its controller.
    offset: u32,
    /// Whether the line's active level is low.
    active_low: bool,
    /// Whether reading the line sleeps.
    can_sleep: bool,
    /// The line's interrupt; `None` when sampled.
    irq_line: Option<Line>,
    /// The sampling interval of a polled line (`RPOLL_IOC_SET_CONFIG` may
    /// change it, never to or from 0); 0 when interrupt-driven.
    poll_interval_us: Atomic<u32>,
    /// A `wakeup-source` line's sleep watch; `None` otherwise.
    sleep_watch: Option<SleepWatch>,
    /// The edges that may wake the system (`rpoll,wakeup-edges`).
    wake_edges: Edges,
    /// Whether the interrupt is narrowed to `wake_edges` now (between the
    /// PM hooks' suspend and resume).
    wake_narrowed: Atomic<bool>,
}

impl_has_hr_timer! {
    impl HasHrTimer<Self> for GpioSource {
        mode: AbsoluteMode<Monotonic>,
        field: self.settle_timer
    }
}

impl HrTimerCallback for GpioSource {
    type Pointer<'a> = Arc<Self>;

    /// The settle window ran out: reports the burst's settled level if it
    /// differs from the last reported one.
    fn run(this: ArcBorrow<'_, Self>, _ctx: HrTimerCallbackContext<'_, Self>) -> HrTimerRestart {
        let mut st = this.edging.lock();
        // `None`: an edge on another CPU re-armed the timer while this
        // callback waited for the lock; the re-armed timer settles it.
        if let Some(r) = st.settle.settle(stamp::monotonic_ns()) {
            this.fanout.count_merged(r.merged);
            if let (Some(level), Some(mut sample)) = (r.report, st.burst.take()) {
                sample.source = gpio_source(level);
                this.fanout.push(sample, 0);
            }
        }
        HrTimerRestart::NoRestart
    }
}

impl GpioSource {
    /// Whether reading the line sleeps (an I2C or SPI expander).
    pub(crate) fn can_sleep(&self) -> bool {
        self.can_sleep
    }

    /// The line's interrupt number; 0 when sampled.
    fn irq(&self) -> u32 {
        self.irq_line.map_or(0, Line::irq)
    }

    /// Whether the line is sampled rather than interrupt-driven (fixed at
    /// probe).
    fn polled(&self) -> bool {
        self.poll_interval_us() != 0
    }

    /// The sampling interval in microseconds; 0 for an interrupt-driven
    /// line.
    pub(crate) fn poll_interval_us(&self) -> u32 {
        self.poll_interval_us.load(ordering::Relaxed)
    }

    /// An edge at monotonic time `now` after which the line reads `level`:
    /// reports or settles it. Records are pushed under `edging`, so they
    /// follow `seq` order with the settle timer's.
    fn observe(self: &Arc<Self>, st: &mut Edging, now: u64, level: bool) {
        st.last_level = level;
        if st.edges != Edges::Both {
            // A single-edge line's state is its level now.
            self.fanout.set_state(gpio_state(level));
            // An interrupt comes on both edges (so the edges can change at
            // run time); the level read after it says which one it was. An
            // edge the line does not report is no event and no merge.
            if !st.edges.includes(level) {
                return;
            }
            if st.debouncer.edge(now) {
                let sample = stamp::sample_at(now, gpio_source(level));
                self.fanout.push(sample, 0);
            } else {
                self.fanout.count_merged(1);
            }
            return;
        }
        match st.settle.edge(level, now) {
            EdgeOutcome::Report(l) => {
                self.fanout.push(stamp::sample_at(now, gpio_source(l)), 0);
            }
            EdgeOutcome::Merged => self.fanout.count_merged(1),
            EdgeOutcome::Pending { first } => {
                if first {
                    st.burst = Some(stamp::sample_at(now, 0));
                }
                let window = Delta::from_nanos(st.settle.window_ns() as i64);
                let expires = Instant::<Monotonic>::now() + window;
                match &st.timer {
                    Some(timer) => timer.restart(expires),
                    // Kept in `timer`, which `unbind()` takes and drops before
                    // the module can go.
                    None => st.timer = Some(self.clone().start(expires)),
                }
            }
        }
    }

    /// An interrupt of a line that does not sleep, stamped `now`: reads the
    /// line and reports or settles the edge. Hard-IRQ context; never
    /// concurrent with itself (one interrupt line).
    pub(crate) fn edge_atomic(self: &Arc<Self>, now: u64) {
        let mut st = self.edging.lock();
        // Unbound: nothing is invented, the interrupt counts as merged.
        let Some(Ok(level)) = st.atomic.as_ref().map(AtomicDesc::value) else {
            self.fanout.count_merged(1);
            return;
        };
        self.observe(&mut st, now, level);
    }

    /// The hard-IRQ half of a sleeping line's interrupt: keeps the stamp
    /// `now` for the thread (the first one, if the thread has not taken an
    /// earlier interrupt's yet: their edges form one burst). Takes no lock.
    pub(crate) fn stamp_for_thread(&self, now: u64) {
        if self.pending_ns.cmpxchg(0, now, ordering::Relaxed).is_err() {
            self.pending_more.add(1, ordering::Relaxed);
        }
    }

    /// The thread half of a sleeping line's interrupt: reads the line and
    /// reports or settles the edge stamped by the hard-IRQ half, or stamped
    /// now if that half did not run (a nested interrupt). Process context.
    pub(crate) fn edge_threaded(self: &Arc<Self>) {
        // The stamp first, then the read: an interrupt after the take is the
        // next run's, and this read may already see its level (the next run
        // then finds no change, and counts as merged).
        let stamped = self.pending_ns.xchg(0, ordering::Relaxed);
        let read = self.read_sleeping();
        let mut st = self.edging.lock();
        // Interrupts between `stamped`'s and this point: merged into it.
        self.fanout
            .count_merged(self.pending_more.xchg(0, ordering::Relaxed));
        match read {
            Ok(level) => {
                let now = if stamped != 0 {
                    stamped
                } else {
                    stamp::monotonic_ns()
                };
                self.observe(&mut st, now, level);
            }
            // Unbound, or the expander did not answer: nothing is invented.
            Err(_) => self.fanout.count_merged(1),
        }
    }

    /// A sample of a polled line reading `level` at `now`: an edge if it
    /// changed in a reported direction.
    fn sample(self: &Arc<Self>, st: &mut Edging, now: u64, level: bool) {
        // Every change is observed: `observe` keeps the edges reported.
        if st.sampled.sample(level, Edges::Both) {
            self.observe(st, now, level);
        }
    }

    /// Samples a polled line that does not sleep. Any context.
    pub(crate) fn sample_atomic(self: &Arc<Self>) {
        let mut st = self.edging.lock();
        let now = stamp::monotonic_ns();
        if let Some(Ok(level)) = st.atomic.as_ref().map(AtomicDesc::value) {
            self.sample(&mut st, now, level);
        }
    }

    /// Samples a polled line whose controller sleeps; the sample's time is
    /// taken before the read. Process context.
    pub(crate) fn sample_sleeping(self: &Arc<Self>) {
        let now = stamp::monotonic_ns();
        if let Ok(level) = self.read_sleeping() {
            let mut st = self.edging.lock();
            self.sample(&mut st, now, level);
        }
    }

    /// Makes the line's level now the polled line's starting point, with no
    /// record: sampling (re)starts after a time nobody watched the line.
    /// Process context.
    pub(crate) fn rebase(&self) {
        let Ok(level) = self.read() else {
            return;
        };
        let mut st = self.edging.lock();
        st.sampled.rebase(level);
        st.last_level = level;
        // A settling burst decides the level itself.
        let _ = st.settle.resync(level);
        let state = if st.edges == Edges::Both {
            st.settle.reported()
        } else {
            level
        };
        self.fanout.set_state(gpio_state(state));
    }

    /// Reads a sleeping line. Process context.
    fn read_sleeping(&self) -> Result<bool> {
        self.sleeping
            .lock()
            .as_ref()
            .ok_or(ENODEV)?
            .value_cansleep()
    }

    /// Reads the line, sleeping or not; `ENODEV` once unbound. Process
    /// context.
    fn read(&self) -> Result<bool> {
        if self.can_sleep {
            return self.read_sleeping();
        }
        self.edging.lock().atomic.as_ref().ok_or(ENODEV)?.value()
    }

    /// Reads the line again after a system sleep and reports a change of
    /// level that no interrupt announced: as a settled level on a both-edge
    /// line, as an edge now on a single-edge one (if it reports that edge).
    /// Process context.
    fn resync(self: &Arc<Self>) {
        if self.polled() {
            // The next sample finds the change.
            return;
        }
        let Ok(level) = self.read() else {
            return;
        };
        let mut st = self.edging.lock();
        if st.edges != Edges::Both {
            if level != st.last_level {
                self.observe(&mut st, stamp::monotonic_ns(), level);
            }
            return;
        }
        st.last_level = level;
        if let Some(l) = st.settle.resync(level) {
            let sample = stamp::sample_at(stamp::monotonic_ns(), gpio_source(l));
            self.fanout.push(sample, 0);
        }
    }

    /// Applies checked settings (`RPOLL_IOC_SET_CONFIG`) between two edges:
    /// a burst settling under both edges is re-timed to the new window, or,
    /// if the line stops reporting both edges, settled at once with the
    /// level it reached; a line that starts reporting both edges starts from
    /// the level its last edge left. The next record is flagged.
    fn apply(&self, edges: Edges, debounce_us: u32) {
        let mut st = self.edging.lock();
        if st.edges == Edges::Both && edges != Edges::Both {
            if let Some(r) = st.settle.settle(u64::MAX) {
                self.fanout.count_merged(r.merged);
                if let (Some(level), Some(mut sample)) = (r.report, st.burst.take()) {
                    sample.source = gpio_source(level);
                    self.fanout.push(sample, 0);
                }
            }
            self.fanout.set_state(gpio_state(st.last_level));
        } else if st.edges != Edges::Both && edges == Edges::Both {
            let level = st.last_level;
            st.settle.restart(level);
            self.fanout.set_state(gpio_state(level));
        }
        st.edges = edges;
        st.debounce_us = debounce_us;
        st.debouncer.set_window(debounce_us);
        if let Some(at_ns) = st.settle.set_window(debounce_us) {
            let now = stamp::monotonic_ns();
            let expires =
                Instant::<Monotonic>::now() + Delta::from_nanos(at_ns.saturating_sub(now) as i64);
            if let Some(timer) = &st.timer {
                timer.restart(expires);
            }
        }
        self.fanout.mark_config_change();
    }

    /// The configuration reply.
    fn config_now(&self) -> RpollConfig {
        let st = self.edging.lock();
        RpollConfig {
            edges: st.edges.irq_type(),
            debounce_us: st.debounce_us,
            poll_interval_us: self.poll_interval_us(),
            reserved: [0; 5],
        }
    }

    /// Cancels the settle timer (waiting for a running callback), dropping
    /// its reference to this source, and puts the line. Process context,
    /// after the interrupt is freed or sampling stopped (so no edge re-arms
    /// the timer).
    pub(crate) fn unbind(&self) {
        let (timer, line) = {
            let mut st = self.edging.lock();
            (st.timer.take(), st.atomic.take())
        };
        // Outside the lock: the callback takes it, and putting the line may
        // sleep.
        drop(timer);
        drop(line);
        let sleeping = self.sleeping.lock().take();
        drop(sleeping);
    }

    /// How the line is fed, for the probe message and debugfs.
    fn mode(&self) -> &'static str {
        match (self.polled(), self.can_sleep) {
            (true, _) => "polled",
            (false, true) => "threaded-irq",
            (false, false) => "irq",
        }
    }
}

/// The GPIO source's system-sleep hooks: a type of this crate, as `Arc`
/// is not and the hooks trait may be the kernel's (`kernel::pm`).
struct GpioSleep(Arc<GpioSource>);

impl PmHooks for GpioSleep {
    /// A wake-up source: opens the wake-up window and, if only some edges
    /// wake the system, narrows the interrupt to them.
    fn suspend(&self) {
        // A sampled line has no interrupt and no sleep watch.
        let (Some(watch), Some(irq_line)) = (&self.0.sleep_watch, self.0.irq_line) else {
            return;
        };
        if !watch.open() || self.0.wake_edges == Edges::Both {
            return;
        }
        let trigger = physical_trigger(self.0.wake_edges, self.0.active_low);
        match irq_line.set_trigger_type(Flags::from_trigger_type(trigger)) {
            Ok(()) => self.0.wake_narrowed.store(true, ordering::Relaxed),
            Err(e) => dev_warn!(
                watch.dev(),
                "cannot narrow interrupt {} to the '{}' wake-up edges (error {}): any edge wakes the system\n",
                irq_line.irq(),
                self.0.wake_edges.name(),
                e.to_errno()
            ),
        }
    }

    /// An edge during the sleep is replayed or woke the system; a change
    /// the controller did not latch, or that the narrowed interrupt did not
    /// see, is found here, before the wake-up window closes.
    fn resume(&self) {
        if self.0.wake_narrowed.xchg(false, ordering::Relaxed) {
            // Both edges again before the line is read, so no edge falls
            // between the read and the restored trigger.
            let both = Flags::from_trigger_type(Edges::Both.irq_type());
            let restored = self.0.irq_line.map_or(Ok(()), |l| l.set_trigger_type(both));
            if let Err(e) = restored {
                if let Some(watch) = &self.0.sleep_watch {
                    dev_err!(
                        watch.dev(),
                        "cannot restore interrupt {} to both edges (error {}): edges may be missed\n",
                        self.0.irq(),
                        e.to_errno()
                    );
                }
            }
        }
        self.0.resync();
        if let Some(watch) = &self.0.sleep_watch {
            watch.close();
        }
    }
}

/// The `IRQ_TYPE_*` bits of the logical `edges` of a line whose active level
/// is low when `active_low` (its logical rising edge is a physical falling
/// one).
fn physical_trigger(edges: Edges, active_low: bool) -> u32 {
    match (edges, active_low) {
        (Edges::Rising, true) => Edges::Falling.irq_type(),
        (Edges::Falling, true) => Edges::Rising.irq_type(),
        (e, _) => e.irq_type(),
    }
}

impl Source for GpioSource {
    fn name(&self) -> &'static str {
        "gpio"
    }

    fn describe(&self, info: &mut RpollInfo) {
        let polarity = if self.active_low {
            RPOLL_GPIO_ACTIVE_LOW
        } else {
            0
        };
        let st = self.edging.lock();
        info.source = RPOLL_SOURCE_GPIO;
        info.irq = self.irq();
        info.period_us = self.poll_interval_us();
        info.trigger = st.edges.irq_type();
        info.debounce_us = st.debounce_us;
        info.gpio_line = (self.offset & RPOLL_GPIO_LINE_MASK) | polarity;
    }

    fn summary(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let polarity = if self.active_low { " active-low" } else { "" };
        write!(f, "gpio line {}{polarity}, ", self.offset)?;
        if self.polled() {
            write!(f, "sampled every {} us", self.poll_interval_us())?;
        } else {
            write!(f, "irq {}", self.irq())?;
        }
        if self.can_sleep {
            write!(f, " (controller sleeps)")?;
        }
        let st = self.edging.lock();
        write!(
            f,
            ", edges {}, debounce {} us",
            st.edges.name(),
            st.debounce_us
        )
    }

    /// The settled level of a both-edge line; the level now of a
    /// single-edge one (which reports edges only).
    fn level(&self) -> Result<bool> {
        let now = self.read()?;
        let st = self.edging.lock();
        Ok(if st.edges == Edges::Both {
            st.settle.reported()
        } else {
            now
        })
    }

    fn config(&self) -> Result<RpollConfig> {
        Ok(self.config_now())
    }

    /// Checks `config` for this line (a sampled line keeps being sampled)
    /// and applies it; a new interval takes effect from the next expiry.
    fn set_config(&self, config: &RpollConfig) -> Result {
        let s = params::gpio_settings(config, self.polled()).ok_or(EINVAL)?;
        self.apply(s.edges, s.debounce_us);
        self.poll_interval_us
            .store(s.poll_interval_us, ordering::Relaxed);
        Ok(())
    }

    fn has_edges(&self) -> bool {
        true
    }

    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (level, edges, debounce_us) = {
            let st = self.edging.lock();
            (st.settle.reported(), st.edges, st.debounce_us)
        };
        writeln!(f, "line: {}", self.offset)?;
        writeln!(f, "active_low: {}", self.active_low)?;
        writeln!(f, "edges: {}", edges.name())?;
        writeln!(f, "mode: {}", self.mode())?;
        writeln!(f, "irq: {}", self.irq())?;
        writeln!(f, "poll_interval_us: {}", self.poll_interval_us())?;
        writeln!(f, "debounce_us: {debounce_us}")?;
        writeln!(f, "level: {}", u8::from(level))
    }
}

/// How a bound line is fed.
enum Feed<'bound> {
    /// By its interrupt.
    Irq {
        /// Frees the interrupt, then puts the line, when dropped.
        _irq: gpio_irq::IrqFeed<'bound>,
    },
    /// By sampling.
    Polled {
        /// Stops sampling, then puts the line, when dropped.
        _poll: gpio_poll::PollFeed,
    },
}

/// A requested GPIO line with what feeds it and its source.
pub(crate) struct GpioBinding<'bound> {
    /// Re-reads the line after system sleeps until dropped (first).
    _pm: Pin<KBox<PmNotifier<GpioSleep>>>,
    /// Stops the interrupt or the sampling, then puts the line, when
    /// dropped.
    _feed: Feed<'bound>,
    /// The source, for the device's files.
    pub(crate) source: Arc<dyn Source>,
}

/// Requests the node's GPIO line as `line` describes it, for a source
/// feeding `fanout`, reporting a clear message for each way it can fail.
/// On failure nothing stays requested.
pub(crate) fn request<'bound>(
    pdev: &'bound Device<Bound>,
    name: &CStr,
    fanout: Arc<FanOut>,
    line: LineConfig,
) -> Result<GpioBinding<'bound>> {
    let desc = Desc::get(pdev, None, consumer::Flags::IN).inspect_err(|e| {
        let why = match *e {
            e if e == ENOENT || e == EINVAL => {
                "is missing or malformed (accepted: one GPIO specifier, e.g. <&gpio 4 GPIO_ACTIVE_LOW>)"
            }
            e if e == EBUSY => {
                "names a line already requested by another consumer (its name is in /sys/kernel/debug/gpio)"
            }
            e if e == EPROBE_DEFER => return, // the controller is not ready yet: retried
            _ => "cannot be requested",
        };
        dev_err!(pdev, "property 'gpios' {} (error {})\n", why, e.to_errno());
    })?;
    desc.set_consumer_name(name)?;
    desc.link_controller(pdev).inspect_err(|e| {
        dev_err!(
            pdev,
            "cannot link to the GPIO line's controller (error {})\n",
            e.to_errno()
        );
    })?;
    let active_low = desc.is_active_low();
    let offset = desc.offset();
    // The interrupt, unless the line is sampled (which then wins: said in
    // the binding).
    let request = match line.poll_interval_us {
        Some(_) => None,
        None => Some(desc.to_irq(pdev).inspect_err(|e| {
            dev_err!(
                pdev,
                "GPIO line {offset} cannot interrupt (error {}): its controller is not an interrupt controller (sample it with 'rpoll,poll-interval-us')\n",
                e.to_errno()
            );
        })?),
    };
    let irq_line = request.as_ref().map(|r| r.line());
    let level = desc.value_cansleep().inspect_err(|e| {
        dev_err!(
            pdev,
            "GPIO line {offset} cannot be read (error {})\n",
            e.to_errno()
        );
    })?;
    // A polled line cannot wake the system (refused at probe).
    let sleep_watch = (line.wakeup && line.poll_interval_us.is_none())
        .then(|| SleepWatch::new(pdev, fanout.clone(), wake::edge_bits(line.wakeup_edges)));
    let (atomic, sleeping) = match desc.into_atomic() {
        Ok(a) => (Some(a), None),
        Err(d) => (None, Some(d)),
    };
    let source = Arc::pin_init(
        pin_init!(GpioSource {
            settle_timer <- HrTimer::new(),
            edging <- new_spinlock_irq!(Edging {
                edges: line.edges,
                debounce_us: line.debounce_us,
                last_level: level,
                debouncer: Debouncer::new(line.debounce_us),
                // Settled-state reporting starts from the current level.
                settle: Settle::new(line.debounce_us, level),
                burst: None,
                timer: None,
                atomic,
                sampled: Sampled::new(level),
            }, "rpoll::gpio_edging"),
            can_sleep: sleeping.is_some(),
            sleeping <- new_mutex!(sleeping, "rpoll::gpio_sleeping_line"),
            fanout,
            pending_ns: Atomic::new(0),
            pending_more: Atomic::new(0),
            offset,
            active_low,
            irq_line,
            poll_interval_us: Atomic::new(line.poll_interval_us.unwrap_or(0)),
            sleep_watch,
            wake_edges: line.wakeup_edges,
            wake_narrowed: Atomic::new(false),
        }),
        GFP_KERNEL,
    )?;
    // Readers' initial records start from the level read at probe.
    source.fanout.set_state(gpio_state(level));
    let (feed, files): (_, Arc<dyn Source>) = match request {
        None => {
            let feed = gpio_poll::PollFeed::new(source.clone())?;
            let files = feed.source()?;
            (Feed::Polled { _poll: feed }, files)
        }
        Some(request) => {
            let feed = gpio_irq::request(pdev, source.clone(), request, line)?;
            (Feed::Irq { _irq: feed }, source.clone())
        }
    };
    // SAFETY: the notifier goes into the returned `GpioBinding`, whose
    // field is private and never leaked: the binding is part of the
    // device's driver data, dropped at unbind.
    let pm = KBox::pin_init(
        unsafe { PmNotifier::register(GpioSleep(source)) },
        GFP_KERNEL,
    )?;
    Ok(GpioBinding {
        _pm: pm,
        _feed: feed,
        source: files,
    })
}
