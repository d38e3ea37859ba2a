// SPDX-License-Identifier: GPL-2.0

//! The interrupt source (`rpoll,event-irq`): one event per (debounced) edge
//! of an interrupt line described in the device tree.
//!
//! The handler runs in hard-IRQ context and only stamps, pushes and wakes.
//! The line's trigger (rising, falling, both, level) comes from the DT flags,
//! which the OF core applies when the interrupt is mapped. With
//! `wakeup-source` the interrupt may wake the system and every edge is
//! reported as a wake-up event.

use kernel::{
    device::Core,
    fmt,
    irq::{self, IrqReturn},
    platform,
    prelude::*,
    sync::Arc,
};

use crate::{
    fanout::FanOut,
    logic::{
        debounce::Debouncer,
        uapi::{trigger_name, RpollInfo, RPOLL_SOURCE_IRQ},
    },
    shim::{
        clock,
        irq_by_number::{self, IrqLine},
        release::{new_spinlock_irq, SpinLockIrq},
    },
    source::Source,
    stamp,
    wakeup::Wake,
};

/// The state of one interrupt source.
#[pin_data]
pub(crate) struct IrqSource {
    #[pin]
    debouncer: SpinLockIrq<Debouncer>,
    fanout: Arc<FanOut>,
    /// The interrupt number.
    irq: u32,
    /// Its `IRQ_TYPE_*` trigger, as mapped from the device tree.
    trigger: u32,
    /// The debounce window in microseconds (0: none).
    debounce_us: u32,
}

impl IrqSource {
    /// An edge: an event unless debouncing merges it into the previous one.
    /// Hard-IRQ context; never concurrent with itself (one interrupt line),
    /// so stamps follow `seq` order.
    fn edge(&self) {
        let mut debouncer = self.debouncer.lock();
        let now = clock::monotonic_ns();
        if debouncer.edge(now) {
            self.fanout.push(stamp::sample_at(now, RPOLL_SOURCE_IRQ), 0);
        } else {
            self.fanout.count_merged(1);
        }
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
        info.debounce_us = self.debounce_us;
    }

    fn summary(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "irq {}, debounce {} us", self.irq, self.debounce_us)
    }

    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "irq: {}", self.irq)?;
        writeln!(f, "trigger: {}", trigger_name(self.trigger))?;
        writeln!(f, "debounce_us: {}", self.debounce_us)
    }
}

/// The interrupt handler of one IRQ device.
#[pin_data]
pub(crate) struct IrqHandler {
    source: Arc<IrqSource>,
    /// Each edge's wake-up event, if a `wakeup-source`.
    wake: Wake,
}

impl irq_by_number::Handler for IrqHandler {
    fn handle(&self) -> IrqReturn {
        self.source.edge();
        self.wake.edge();
        IrqReturn::Handled
    }
}

/// A requested interrupt with its source.
pub(crate) struct IrqBinding<'bound> {
    /// Frees the interrupt when dropped (waiting for a running handler).
    _registration: Pin<KBox<IrqLine<'bound, IrqHandler>>>,
    /// The source, for the device's files.
    pub(crate) source: Arc<IrqSource>,
}

/// Requests the node's first interrupt for a source feeding `fanout`,
/// reporting a clear message for each way it can fail.
pub(crate) fn request<'bound>(
    pdev: &'bound platform::Device<Core<'_>>,
    fanout: Arc<FanOut>,
    debounce_us: u32,
    wakeup: bool,
) -> Result<IrqBinding<'bound>> {
    let irq = match pdev.optional_irq_by_index(0) {
        Ok(req) => req.irq(),
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
    let trigger = irq_by_number::trigger_type(irq);
    let source = Arc::pin_init(
        pin_init!(IrqSource {
            debouncer <- new_spinlock_irq!(Debouncer::new(debounce_us), "rpoll::debouncer"),
            fanout,
            irq,
            // Applied when the OF core mapped the interrupt, above.
            trigger,
            debounce_us,
        }),
        GFP_KERNEL,
    )?;
    let handler_source = source.clone();
    // The record is queued at once: 1 ms awake is enough.
    let wake = Wake::new(pdev.as_ref(), irq, wakeup, 1)?;
    // The same registration as the GPIO source's (one handler trait on
    // every kernel release), for the number the OF core mapped above.
    let handler = try_pin_init!(IrqHandler {
        source: handler_source,
        wake,
    });
    let registration = IrqLine::request(
        pdev.as_ref(),
        irq,
        irq::Flags::TRIGGER_NONE,
        c"rpoll",
        handler,
    )
    .inspect_err(|e| {
        dev_err!(
            pdev.as_ref(),
            "cannot request interrupt {irq} (error {})\n",
            e.to_errno()
        );
    })?;
    Ok(IrqBinding {
        _registration: registration,
        source,
    })
}
