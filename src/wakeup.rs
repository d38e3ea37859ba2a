// SPDX-License-Identifier: GPL-2.0

//! The `wakeup-source` property of interrupt-driven devices (GPIO and irq):
//! its wake-up registration, or a warning when the interrupt cannot wake the
//! system.

use kernel::{
    device::{Bound, Device},
    prelude::*,
};

use crate::shim::pm::{self, WakeIrq};

/// The wake-up registration of a `wakeup-source` device through `irq`, or
/// `None` (said once, here) if its controller cannot wake the system: the
/// device then works without wake-up. A failure to register (memory) fails
/// the probe.
pub(crate) fn wake_irq(dev: &Device<Bound>, irq: u32) -> Result<Option<WakeIrq>> {
    if let Err(e) = pm::irq_can_wake(irq) {
        dev_warn!(
            dev,
            "'wakeup-source' ignored: interrupt {irq} cannot wake the system (error {}); the device works without wake-up\n",
            e.to_errno()
        );
        return Ok(None);
    }
    WakeIrq::new(dev, irq).map(Some)
}
