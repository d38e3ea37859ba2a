// SPDX-License-Identifier: GPL-2.0

//! The `wakeup-source` property of interrupt-driven devices (GPIO and irq):
//! its wake-up registration, or a warning when the interrupt cannot wake the
//! system.

use kernel::{
    device::{Bound, Device},
    prelude::*,
};

use crate::shim::pm::WakeIrq;

/// The wake-up registration of a `wakeup-source` device through `irq`, or
/// `None` (said once, here) if its controller cannot wake the system: the
/// device then works without wake-up.
pub(crate) fn wake_irq(dev: &Device<Bound>, irq: u32) -> Option<WakeIrq> {
    WakeIrq::new(dev, irq)
        .inspect_err(|e| {
            dev_warn!(
                dev,
                "'wakeup-source' ignored: interrupt {irq} cannot wake the system (error {}); the device works without wake-up\n",
                e.to_errno()
            );
        })
        .ok()
}
