// SPDX-License-Identifier: GPL-2.0

//! The GPIO source (`rpoll,event-gpio`): the edges of one GPIO line, e.g. a
//! button, with the edge and the settled level in each record.
//!
//! Probe requests the line (so it shows as used by `rpoll-<label>` in
//! `gpioinfo` and `/sys/kernel/debug/gpio`), maps it to its interrupt and
//! requests that on the physical edges matching `rpoll,edges` (swapped for
//! active-low lines). The hard-IRQ handler reads the line's logical level:
//! - both-edge lines report settled levels (`logic::gpio_edges::Settle`):
//!   every interrupt restarts this source's settle timer, and when it expires
//!   after the last edge of a burst the level is compared with the last one
//!   reported; the record carries the time of the burst's first edge;
//! - single-edge lines report the first edge after a quiet window
//!   (`logic::debounce::Debouncer`), at once, for the lowest latency.
//!
//! Lines whose controller can sleep (I2C/SPI expanders) cannot be read in
//! hard-IRQ context and are refused at probe.
//!
//! With `wakeup-source` the line's interrupt may wake the system (the PM
//! core arms it while `power/wakeup` is enabled) and every edge is reported
//! as a wake-up event. After every system sleep the line is read again, so a
//! change of level that no interrupt announced is still reported.

use kernel::{
    device::{Bound, Device},
    fmt, impl_has_hr_timer,
    irq::{self, IrqReturn},
    prelude::*,
    sync::{Arc, ArcBorrow},
    time::{
        hrtimer::{AbsoluteMode, HrTimer, HrTimerCallback, HrTimerCallbackContext, HrTimerRestart},
        Delta, Instant, Monotonic,
    },
};

use crate::{
    fanout::FanOut,
    logic::{
        debounce::Debouncer,
        gpio_edges::{EdgeOutcome, Edges, Settle},
        sample::Sample,
        uapi::{
            gpio_source, RpollInfo, RPOLL_GPIO_ACTIVE_LOW, RPOLL_GPIO_LINE_MASK, RPOLL_SOURCE_GPIO,
        },
    },
    shim::{
        clock,
        gpio_consumer::{AtomicGpio, Flags, GpioDesc},
        hrtimer_rearm::ArmedTimer,
        irq_by_number::{self, IrqLine},
        pm::{PmHooks, PmNotifier},
        release::{new_spinlock_irq, SpinLockIrq},
    },
    source::Source,
    stamp,
    wakeup::Wake,
};

/// What the edges of a burst have left to decide, under the IRQ-safe lock.
struct Edging {
    /// Leading-edge debouncing (single-edge lines).
    debouncer: Debouncer,
    /// Settled-state tracking (both-edge lines).
    settle: Settle,
    /// The clocks of the first edge of the burst being settled.
    burst: Option<Sample>,
    /// The settle timer, once first armed; restarted in place by later
    /// edges, cancelled when the interrupt is freed.
    timer: Option<ArmedTimer<GpioSource>>,
    /// The requested line, read by every interrupt; `None` once unbound
    /// (files may keep the source, never the line).
    line: Option<AtomicGpio>,
}

impl Edging {
    /// The line's logical level now; `ENODEV` once unbound.
    fn read(&self) -> Result<bool> {
        self.line.as_ref().ok_or(ENODEV)?.value()
    }
}

/// The state of one GPIO source. Facts about the line are fixed at probe.
#[pin_data]
pub(crate) struct GpioSource {
    #[pin]
    settle_timer: HrTimer<GpioSource>,
    #[pin]
    edging: SpinLockIrq<Edging>,
    fanout: Arc<FanOut>,
    /// The edges reported, in logical terms.
    edges: Edges,
    /// The debounce (or settle) window in microseconds.
    debounce_us: u32,
    /// The line's offset on its controller.
    offset: u32,
    /// Whether the line's active level is low.
    active_low: bool,
    /// The line's interrupt.
    irq: u32,
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
        if let Some(r) = st.settle.settle(clock::monotonic_ns()) {
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
    /// One interrupt, taken at monotonic time `now`: reads the line's
    /// logical level and reports or settles it. Hard-IRQ context; never
    /// concurrent with itself (one interrupt line). Records are pushed under
    /// `edging`, so they follow `seq` order with the settle timer's.
    fn edge(self: &Arc<Self>, now: u64) {
        let mut st = self.edging.lock();
        // Unbound, or (it cannot happen: the line does not sleep) an
        // unreadable level: nothing is invented, the interrupt counts as
        // merged.
        let Ok(level) = st.read() else {
            self.fanout.count_merged(1);
            return;
        };
        if self.edges != Edges::Both {
            if st.debouncer.edge(now) {
                let sample = stamp::sample_at(now, gpio_source(self.edges == Edges::Rising));
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
                    None => st.timer = Some(ArmedTimer::start(self.clone(), expires)),
                }
            }
        }
    }

    /// Reads the line again after a system sleep and reports a change of
    /// level that no interrupt announced (both-edge lines; a single-edge
    /// line reports edges, not levels). Process context.
    fn resync(&self) {
        if self.edges != Edges::Both {
            return;
        }
        let mut st = self.edging.lock();
        let Ok(level) = st.read() else {
            return;
        };
        if let Some(l) = st.settle.resync(level) {
            let sample = stamp::sample_at(clock::monotonic_ns(), gpio_source(l));
            self.fanout.push(sample, 0);
        }
    }

    /// Cancels the settle timer (waiting for a running callback), dropping
    /// its reference to this source, and puts the line. Process context,
    /// after the interrupt is freed (so no edge re-arms the timer).
    fn unbind(&self) {
        let (timer, line) = {
            let mut st = self.edging.lock();
            (st.timer.take(), st.line.take())
        };
        // Both outside the lock: the callback takes it, and putting the
        // line may sleep.
        drop(timer);
        drop(line);
    }
}

impl PmHooks for Arc<GpioSource> {
    fn suspend(&self) {}

    /// An edge during the sleep is replayed or woke the system; a change
    /// the controller did not latch is found here.
    fn resume(&self) {
        self.resync();
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
        info.source = RPOLL_SOURCE_GPIO;
        info.irq = self.irq;
        info.trigger = self.edges.irq_type();
        info.debounce_us = self.debounce_us;
        info.gpio_line = (self.offset & RPOLL_GPIO_LINE_MASK) | polarity;
    }

    fn summary(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let polarity = if self.active_low { " active-low" } else { "" };
        write!(
            f,
            "gpio line {}{polarity}, irq {}, edges {}, debounce {} us",
            self.offset,
            self.irq,
            self.edges.name(),
            self.debounce_us
        )
    }

    /// The settled level of a both-edge line; the level now of a
    /// single-edge one (which reports edges only).
    fn level(&self) -> Result<bool> {
        let st = self.edging.lock();
        let now = st.read()?;
        Ok(if self.edges == Edges::Both {
            st.settle.reported()
        } else {
            now
        })
    }

    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = self.edging.lock().settle.reported();
        writeln!(f, "line: {}", self.offset)?;
        writeln!(f, "active_low: {}", self.active_low)?;
        writeln!(f, "edges: {}", self.edges.name())?;
        writeln!(f, "irq: {}", self.irq)?;
        writeln!(f, "debounce_us: {}", self.debounce_us)?;
        writeln!(f, "level: {}", u8::from(level))
    }
}

/// The interrupt handler of one GPIO device; unbinds the source (puts the
/// line) when dropped, after its interrupt was freed.
#[pin_data(PinnedDrop)]
pub(crate) struct GpioHandler<'bound> {
    source: Arc<GpioSource>,
    /// Each edge's wake-up event, if a `wakeup-source`.
    wake: Wake<'bound>,
}

impl irq_by_number::Handler for GpioHandler<'_> {
    fn handle(&self) -> IrqReturn {
        // Stamped first, before the level is read (as gpio-cdev stamps at
        // the top of its hard-IRQ handler).
        let now = clock::monotonic_ns();
        self.source.edge(now);
        self.wake.edge();
        IrqReturn::Handled
    }
}

#[pinned_drop]
impl PinnedDrop for GpioHandler<'_> {
    fn drop(self: Pin<&mut Self>) {
        // Dropped after its interrupt was freed: no edge can re-arm the
        // settle timer, which may still hold a reference to the source.
        self.source.unbind();
    }
}

/// A requested GPIO line with its interrupt and source.
pub(crate) struct GpioBinding<'bound> {
    /// Re-reads the line after system sleeps until dropped (first).
    _pm: Pin<KBox<PmNotifier<Arc<GpioSource>>>>,
    /// Frees the interrupt, clears the wake-up, then puts the line, when
    /// dropped.
    _line: Pin<KBox<IrqLine<'bound, GpioHandler<'bound>>>>,
    /// The source, for the device's files.
    pub(crate) source: Arc<GpioSource>,
}

/// Requests the node's GPIO line and its interrupt for a source with
/// `edges` and `debounce_us` feeding `fanout`, reporting a clear message for
/// each way it can fail. On failure nothing stays requested.
pub(crate) fn request<'bound>(
    pdev: &'bound Device<Bound>,
    name: &CStr,
    fanout: Arc<FanOut>,
    edges: Edges,
    debounce_us: u32,
    wakeup: bool,
) -> Result<GpioBinding<'bound>> {
    let line = GpioDesc::get(pdev, Flags::In).inspect_err(|e| {
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
    let line = line.into_atomic().map_err(|line| {
        dev_err!(
            pdev,
            "GPIO line {} is on a controller whose reads can sleep (I2C/SPI expander): not supported (use an on-chip GPIO)\n",
            line.offset()
        );
        EINVAL
    })?;
    let desc = line.desc();
    desc.set_consumer_name(name)?;
    let irq = desc.to_irq().inspect_err(|e| {
        dev_err!(
            pdev,
            "GPIO line {} cannot interrupt (error {}): its controller is not an interrupt controller\n",
            desc.offset(),
            e.to_errno()
        );
    })?;
    let level = line.value()?;
    let active_low = desc.is_active_low();
    let offset = desc.offset();
    let source = Arc::pin_init(
        pin_init!(GpioSource {
            settle_timer <- HrTimer::new(),
            edging <- new_spinlock_irq!(Edging {
                debouncer: Debouncer::new(debounce_us),
                // Settled-state reporting starts from the current level.
                settle: Settle::new(debounce_us, level),
                burst: None,
                timer: None,
                line: Some(line),
            }, "rpoll::gpio_edging"),
            fanout,
            edges,
            debounce_us,
            offset,
            active_low,
            irq,
        }),
        GFP_KERNEL,
    )?;
    let trigger = match edges.physical(active_low) {
        Edges::Rising => irq::Flags::TRIGGER_RISING,
        Edges::Falling => irq::Flags::TRIGGER_FALLING,
        Edges::Both => irq::Flags::TRIGGER_RISING | irq::Flags::TRIGGER_FALLING,
    };
    // A wake-up event keeps the system awake until the settle window has
    // passed and the record is queued.
    let wake = Wake::new(pdev, irq, wakeup, debounce_us.div_ceil(1000) + 1)?;
    let handler_source = source.clone();
    let handler = try_pin_init!(GpioHandler {
        source: handler_source,
        wake,
    });
    // SAFETY: the registration goes into the returned `GpioBinding`, whose
    // field is private and never leaked: the binding is part of the
    // device's driver data (`BoundSource`), dropped at unbind, before the
    // module can be unloaded.
    let line =
        unsafe { IrqLine::request(pdev, irq, trigger, c"rpoll", handler) }.inspect_err(|e| {
            dev_err!(
                pdev,
                "cannot request interrupt {irq} of the GPIO line (error {})\n",
                e.to_errno()
            );
        })?;
    // SAFETY: the notifier goes into the returned `GpioBinding`, whose
    // field is private and never leaked: the binding is part of the
    // device's driver data, dropped at unbind.
    let pm = KBox::pin_init(unsafe { PmNotifier::register(source.clone()) }, GFP_KERNEL)?;
    Ok(GpioBinding {
        _pm: pm,
        _line: line,
        source,
    })
}
