// SPDX-License-Identifier: GPL-2.0

//! The interrupt source (`rpoll,event-irq`): one event per (debounced) edge
//! of an interrupt line described in the device tree, e.g. a GPIO button.
//!
//! The handler runs in hard-IRQ context and only samples, pushes and wakes.
//! The line's trigger (rising, falling, both, level) comes from the DT flags,
//! which the OF core applies when the interrupt is mapped.

use kernel::{
    bindings,
    irq::{self, IrqReturn},
    prelude::*,
    sync::Arc,
};

use crate::event_device::EventDevice;

/// The interrupt handler of one rpoll IRQ device.
#[pin_data]
pub(crate) struct IrqSource {
    dev: Arc<EventDevice>,
}

impl IrqSource {
    /// A handler feeding `dev`.
    pub(crate) fn new(dev: Arc<EventDevice>) -> impl PinInit<Self, Error> {
        try_pin_init!(Self { dev })
    }
}

impl irq::Handler for IrqSource {
    fn handle(&self) -> IrqReturn {
        self.dev.edge();
        IrqReturn::Handled
    }
}

/// Linux `IRQ_TYPE_*` trigger bits configured for `irq` (0 if unknown).
/// Call only while holding the interrupt requested.
///
/// The kernel crate has no accessor for this (`irq_get_trigger_type()` is a
/// static inline), so it is read the way that helper does.
pub(crate) fn trigger_type(irq: u32) -> u32 {
    // SAFETY: `irq_get_irq_data()` accepts any number and returns null when
    // no descriptor exists.
    let data = unsafe { bindings::irq_get_irq_data(irq) };
    if data.is_null() {
        return 0;
    }
    // SAFETY: `data` is the descriptor's `irq_data`, valid while the
    // descriptor exists; the caller (probe) has just requested the
    // interrupt and holds it, so it does.
    // `common` always points to the descriptor's `irq_common_data`.
    let state = unsafe { (*(*data).common).state_use_accessors };
    state & bindings::IRQD_TRIGGER_MASK
}
