// SPDX-License-Identifier: GPL-2.0

//! The interrupt source (`rpoll,event-irq`): one event per (debounced) edge
//! of an interrupt line described in the device tree.
//!
//! The handler runs in hard-IRQ context and only stamps, pushes and wakes.
//! The line's trigger (rising, falling, both, level) comes from the DT flags,
//! which the OF core applies when the interrupt is mapped. With
//! `wakeup-source` the interrupt may wake the system and every edge is
//! reported as a wake-up event; the first record of a sleep carries
//! `RPOLL_EVENT_WAKEUP` (`wakeup::SleepWatch`).
//!
//! A level-triggered line cannot be quietened by this driver (it does not
//! know the device behind it), so it would re-fire as soon as its handler
//! returns. Each record of a level line therefore masks it, and this
//! source's unmask timer unmasks it after the window (`rpoll,debounce-us`,
//! at least `logic::params::LEVEL_WINDOW_US_MIN`): a line held asserted
//! gives one record per window, a new assertion after a release gives a new
//! record.

use kernel::{
    device::Core,
    fmt, impl_has_hr_timer,
    irq::IrqReturn,
    platform,
    sync::{Arc, ArcBorrow},
    time::{
        hrtimer::{
            AbsoluteMode, ArcHrTimerHandle, HrTimer, HrTimerCallback, HrTimerCallbackContext,
            HrTimerPointer, HrTimerRestart,
        },
        Delta, Instant, Monotonic,
    },
};

use crate::shim::{
    irq::{Flags, Handler, Mask, Registration},
    new_spinlock_irq,
    pm::PmNotifier,
    prelude::*,
    sync::SpinLockIrq,
};
use crate::{
    fanout::FanOut,
    logic::{
        debounce::Debouncer,
        params,
        uapi::{trigger_name, RpollConfig, RpollInfo, RPOLL_SOURCE_IRQ},
    },
    source::Source,
    stamp,
    wakeup::{SleepWatch, Wake},
};

/// What the handler and the unmask timer share, under the IRQ-safe lock.
struct Edging {
    /// Merges edges closer than the debounce window.
    debouncer: Debouncer,
    /// The debounce window in microseconds (0: none): `rpoll,debounce-us`,
    /// or `RPOLL_IOC_SET_CONFIG`.
    debounce_us: u32,
    /// The line's mask (level lines only mask it).
    mask: Mask,
    /// The unmask timer, once first armed; restarted in place by later
    /// records, cancelled at unbind.
    unmask: Option<ArcHrTimerHandle<IrqSource>>,
    /// Set at unbind, before the timer is cancelled: no timer is armed and
    /// nothing unmasked after that (the interrupt is freed next).
    closing: bool,
}

/// The state of one interrupt source.
#[pin_data]
pub(crate) struct IrqSource {
    #[pin]
    unmask_timer: HrTimer<IrqSource>,
    #[pin]
    edging: SpinLockIrq<Edging>,
    fanout: Arc<FanOut>,
    /// The interrupt number.
    irq: u32,
    /// Its `IRQ_TYPE_*` trigger, as mapped from the device tree.
    trigger: u32,
}

impl_has_hr_timer! {
    impl HasHrTimer<Self> for IrqSource {
        mode: AbsoluteMode<Monotonic>,
        field: self.unmask_timer
    }
}

impl HrTimerCallback for IrqSource {
    type Pointer<'a> = Arc<Self>;

    /// A level line's window ran out: unmask it. Still asserted, it
    /// interrupts again at once and gives the next record.
    fn run(this: ArcBorrow<'_, Self>, _ctx: HrTimerCallbackContext<'_, Self>) -> HrTimerRestart {
        let mut st = this.edging.lock();
        if !st.closing {
            st.mask.enable();
        }
        HrTimerRestart::NoRestart
    }
}

impl IrqSource {
    /// An edge: an event unless debouncing merges it into the previous one.
    /// Hard-IRQ context; never concurrent with itself (one interrupt line),
    /// so stamps follow `seq` order. A level line is masked for its window.
    fn edge(self: &Arc<Self>) {
        let mut st = self.edging.lock();
        let now = stamp::monotonic_ns();
        if st.debouncer.edge(now) {
            self.fanout.push(stamp::sample_at(now, RPOLL_SOURCE_IRQ), 0);
        } else {
            self.fanout.count_merged(1);
        }
        if !params::is_level_trigger(self.trigger) {
            return;
        }
        let window = Delta::from_micros(i64::from(params::level_window_us(st.debounce_us)));
        // Masked even while closing: the interrupt is about to be freed,
        // which resets the mask.
        st.mask.disable_nosync();
        if st.closing {
            return;
        }
        let expires = Instant::<Monotonic>::now() + window;
        match &st.unmask {
            Some(timer) => timer.restart(expires),
            // Kept in `unmask`, which `stop_unmasking()` takes and drops
            // before the interrupt is freed at unbind.
            None => st.unmask = Some(self.clone().start(expires)),
        }
    }

    /// Stops unmasking: no timer is armed from now on, and the armed one is
    /// cancelled (waiting for a running callback), dropping its reference
    /// to this source. Process context, before the interrupt is freed.
    fn stop_unmasking(&self) {
        let timer = {
            let mut st = self.edging.lock();
            st.closing = true;
            st.unmask.take()
        };
        // Outside the lock: the callback takes it.
        drop(timer);
    }
}

impl Source for IrqSource {
    fn name(&self) -> &'static str {
        "irq"
    }

    fn describe(&self, info: &mut RpollInfo) {
        info.source = RPOLL_SOURCE_IRQ;
        info.irq = self.irq;
        info.trigger = self.trigger;
        info.debounce_us = self.edging.lock().debounce_us;
    }

    fn summary(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let debounce_us = self.edging.lock().debounce_us;
        write!(f, "irq {}, debounce {debounce_us} us", self.irq)
    }

    /// The trigger (fixed) and the window.
    fn config(&self) -> Result<RpollConfig> {
        Ok(RpollConfig {
            edges: self.trigger,
            debounce_us: self.edging.lock().debounce_us,
            poll_interval_us: 0,
            reserved: [0; 5],
        })
    }

    /// A new window, from the next edge on (a level line's current mask
    /// keeps the window it was given). The next record is flagged.
    fn set_config(&self, config: &RpollConfig) -> Result {
        let us = params::irq_settings(config, self.trigger).ok_or(EINVAL)?;
        let mut st = self.edging.lock();
        st.debounce_us = us;
        st.debouncer.set_window(us);
        self.fanout.mark_config_change();
        Ok(())
    }

    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (debounce_us, masked) = {
            let st = self.edging.lock();
            (st.debounce_us, st.mask.is_masked())
        };
        writeln!(f, "irq: {}", self.irq)?;
        writeln!(f, "trigger: {}", trigger_name(self.trigger))?;
        writeln!(f, "debounce_us: {debounce_us}")?;
        writeln!(f, "masked: {}", u8::from(masked))
    }
}

/// The interrupt handler of one IRQ device.
#[pin_data]
pub(crate) struct IrqHandler<'bound> {
    source: Arc<IrqSource>,
    /// Each edge's wake-up event, if a `wakeup-source`.
    wake: Wake<'bound>,
}

impl Handler for IrqHandler<'_> {
    fn handle(&self) -> IrqReturn {
        self.source.edge();
        self.wake.edge();
        IrqReturn::Handled
    }
}

/// A requested interrupt with its source. Dropping it stops the unmask
/// timer, then frees the interrupt.
pub(crate) struct IrqBinding<'bound> {
    /// A `wakeup-source`'s sleep watch (`RPOLL_EVENT_WAKEUP`), until
    /// dropped.
    _sleep: Option<Pin<KBox<PmNotifier<SleepWatch>>>>,
    /// Frees the interrupt when dropped (waiting for a running handler).
    _registration: Pin<KBox<Registration<'bound, IrqHandler<'bound>>>>,
    /// The source, for the device's files.
    pub(crate) source: Arc<IrqSource>,
}

impl Drop for IrqBinding<'_> {
    fn drop(&mut self) {
        // Before the fields: the timer must not unmask a freed interrupt.
        self.source.stop_unmasking();
    }
}

/// Requests the node's first interrupt for a source feeding `fanout`,
/// reporting a clear message for each way it can fail.
pub(crate) fn request<'bound>(
    pdev: &'bound platform::Device<Core<'_>>,
    fanout: Arc<FanOut>,
    debounce_us: u32,
    wakeup: bool,
) -> Result<IrqBinding<'bound>> {
    let request = match pdev.optional_irq_by_index(0) {
        Ok(req) => req,
        Err(e) if e == EPROBE_DEFER => return Err(e),
        Err(e) => {
            dev_err!(
                pdev.as_ref(),
                "no usable interrupt: 'interrupts' or 'interrupts-extended' is missing or cannot be mapped (error {})\n",
                e.to_errno()
            );
            return Err(e);
        }
    };
    let irq = request.irq();
    let line = request.line();
    // Applied when the OF core mapped the interrupt, above.
    let trigger = line.trigger_type().trigger_type();
    let source = Arc::pin_init(
        pin_init!(IrqSource {
            unmask_timer <- HrTimer::new(),
            edging <- new_spinlock_irq!(Edging {
                debouncer: Debouncer::new(debounce_us),
                debounce_us,
                mask: Mask::new(line),
                unmask: None,
                closing: false,
            }, "rpoll::irq_edging"),
            fanout,
            irq,
            trigger,
        }),
        GFP_KERNEL,
    )?;
    let handler_source = source.clone();
    // The record is queued at once: 1 ms awake is enough.
    let wake = Wake::new(pdev.as_ref(), line, wakeup, 1)?;
    // The same registration as the GPIO source's (one handler trait on
    // every kernel release), for the interrupt the OF core mapped above.
    let handler = try_pin_init!(IrqHandler {
        source: handler_source,
        wake,
    });
    // SAFETY: the registration goes into the returned `IrqBinding`, whose
    // field is private and never leaked: the binding is part of the
    // device's driver data (`BoundSource`), dropped at unbind, before the
    // module can be unloaded.
    let registration =
        unsafe { Registration::new(request, Flags::TRIGGER_NONE, c"rpoll", handler) };
    let registration = KBox::pin_init(registration, GFP_KERNEL).inspect_err(|e| {
        dev_err!(
            pdev.as_ref(),
            "cannot request interrupt {irq} (error {})\n",
            e.to_errno()
        );
    })?;
    let sleep = if wakeup {
        let watch = SleepWatch::new(pdev.as_ref(), source.fanout.clone(), 0);
        // SAFETY: the notifier goes into the returned `IrqBinding`, whose
        // field is private and never leaked (as the registration's).
        Some(KBox::pin_init(
            unsafe { PmNotifier::register(watch) },
            GFP_KERNEL,
        )?)
    } else {
        None
    };
    Ok(IrqBinding {
        _sleep: sleep,
        _registration: registration,
        source,
    })
}
