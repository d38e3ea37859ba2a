// SPDX-License-Identifier: GPL-2.0

//! A GPIO line fed by its interrupt (`gpio_source.rs` decides what an edge
//! means; this file only gets the edges there).
//!
//! The interrupt is requested on both edges, whatever `rpoll,edges` says:
//! `gpio_source.rs` keeps the edges the device reports, from the level read
//! after each interrupt, so `RPOLL_IOC_SET_CONFIG` can change them without
//! touching the interrupt (a single-edge line takes twice the interrupts of
//! a trigger on its edge alone). The stamp is always taken first, in the
//! hard-IRQ handler (as gpio-cdev stamps at the top of its handler):
//! - a line whose controller does not sleep is read right there;
//! - a line on an I2C or SPI expander cannot be read in hard-IRQ context:
//!   its interrupt is threaded (`IRQF_ONESHOT`), the hard half keeps the
//!   stamp (an atomic, no lock) and the thread reads the line with the
//!   cansleep API. Interrupts before the thread ran form one burst (its
//!   first stamp, the level read once). An expander that delivers its
//!   interrupts from its own thread (a nested interrupt) runs only the
//!   thread, which then stamps itself.
//!
//! With `wakeup-source` the line's interrupt may wake the system (the PM core
//! arms it while `power/wakeup` is enabled) and every edge is reported as a
//! wake-up event.

use kernel::{
    device::{Bound, Device},
    irq::{IrqReturn, ThreadedIrqReturn},
    sync::Arc,
};

use crate::shim::{
    irq::{Flags, Handler, IrqRequest, Registration, ThreadedHandler, ThreadedRegistration},
    prelude::*,
};
use crate::{
    gpio_source::{GpioSource, LineConfig},
    stamp,
    wakeup::Wake,
};

/// The interrupt handler of one GPIO line: in one half for a line that does
/// not sleep ([`Handler`]), in two for one whose controller sleeps
/// ([`ThreadedHandler`]); [`request`] picks. Unbinds
/// the source (puts the line) when dropped, after its interrupt (and
/// thread) was freed.
#[pin_data(PinnedDrop)]
pub(crate) struct GpioHandler<'bound> {
    source: Arc<GpioSource>,
    /// Each edge's wake-up event, if a `wakeup-source`.
    wake: Wake<'bound>,
}

impl Handler for GpioHandler<'_> {
    fn handle(&self) -> IrqReturn {
        // Stamped first, before the level is read.
        let now = stamp::monotonic_ns();
        self.source.edge_atomic(now);
        self.wake.edge();
        IrqReturn::Handled
    }
}

impl ThreadedHandler for GpioHandler<'_> {
    /// Only the stamp: with `IRQF_ONESHOT` this half runs in hard-IRQ
    /// context even on PREEMPT_RT, so it takes no `spinlock_t` (the wake-up
    /// event's lock is one: it is reported by the thread).
    fn handle(&self) -> ThreadedIrqReturn {
        self.source.stamp_for_thread(stamp::monotonic_ns());
        ThreadedIrqReturn::WakeThread
    }

    fn handle_threaded(&self) -> IrqReturn {
        self.source.edge_threaded();
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

/// A requested interrupt feeding a GPIO source; frees it (and its thread),
/// then puts the line, when dropped.
pub(crate) enum IrqFeed<'bound> {
    /// The handler in one half.
    Plain {
        _reg: Pin<KBox<Registration<'bound, GpioHandler<'bound>>>>,
    },
    /// The handler in two halves.
    Threaded {
        _reg: Pin<KBox<ThreadedRegistration<'bound, GpioHandler<'bound>>>>,
    },
}

/// Requests `request`, the interrupt of `source`'s line, for the edges
/// `line` names.
pub(crate) fn request<'bound>(
    pdev: &'bound Device<Bound>,
    source: Arc<GpioSource>,
    request: IrqRequest<'bound>,
    line: LineConfig,
) -> Result<IrqFeed<'bound>> {
    let irq = request.irq();
    let trigger = Flags::TRIGGER_RISING | Flags::TRIGGER_FALLING;
    let sleeps = source.can_sleep();
    // A wake-up event keeps the system awake until the settle window has
    // passed and the record is queued (and, for an expander, its read).
    let wake_ms = line.debounce_us.div_ceil(1000) + if sleeps { 20 } else { 1 };
    let wake = Wake::new(pdev, request.line(), line.wakeup, wake_ms)?;
    let report = |e: &Error| {
        dev_err!(
            pdev,
            "cannot request interrupt {irq} of the GPIO line (error {})\n",
            e.to_errno()
        );
    };
    let handler = try_pin_init!(GpioHandler { source, wake });
    if sleeps {
        // The line stays masked until the thread has read it.
        let flags = trigger | Flags::ONESHOT;
        // SAFETY: the registration goes into the returned feed, which the
        // caller keeps in the device's driver data (`GpioBinding`), dropped
        // at unbind, never leaked.
        let init = unsafe { ThreadedRegistration::new(request, flags, c"rpoll", handler) };
        let reg = KBox::pin_init(init, GFP_KERNEL).inspect_err(report)?;
        Ok(IrqFeed::Threaded { _reg: reg })
    } else {
        // SAFETY: as above.
        let init = unsafe { Registration::new(request, trigger, c"rpoll", handler) };
        let reg = KBox::pin_init(init, GFP_KERNEL).inspect_err(report)?;
        Ok(IrqFeed::Plain { _reg: reg })
    }
}
