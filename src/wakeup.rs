// SPDX-License-Identifier: GPL-2.0

//! The `wakeup-source` property of interrupt-driven devices (GPIO and irq):
//! the wake-up side of their interrupt handler.

use kernel::{
    device::{Bound, Device},
    prelude::*,
};

use crate::shim::pm::{self, WakeIrq};

/// What an interrupt handler does for wake-up: with `wakeup-source`, report
/// each edge as a wake-up event; without it (or when the interrupt cannot
/// wake the system), nothing.
pub(crate) struct Wake<'a> {
    /// The device's wake-up registration, cleared when dropped (with the
    /// handler, when the interrupt is freed; at the latest at unbind).
    irq: Option<WakeIrq<'a>>,
    /// How long each event keeps the system awake: until its record is
    /// queued.
    ms: u32,
}

impl<'a> Wake<'a> {
    /// Registers `dev` as a wake-up source through `irq` if `wanted`, each
    /// event keeping the system awake for `ms`. A controller that cannot
    /// wake the system is said once, here, and the device works without
    /// wake-up; a failure to register (memory) fails the probe.
    pub(crate) fn new(dev: &'a Device<Bound>, irq: u32, wanted: bool, ms: u32) -> Result<Self> {
        let irq = if !wanted {
            None
        } else if let Err(e) = pm::irq_can_wake(irq) {
            dev_warn!(
                dev,
                "'wakeup-source' ignored: interrupt {irq} cannot wake the system (error {}); the device works without wake-up\n",
                e.to_errno()
            );
            None
        } else {
            Some(WakeIrq::new(dev, irq)?)
        };
        Ok(Self { irq, ms })
    }

    /// An edge: a wake-up event, if the device is a wake-up source. Any
    /// context.
    pub(crate) fn edge(&self) {
        if let Some(w) = &self.irq {
            w.event(self.ms);
        }
    }
}
