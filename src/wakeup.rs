// SPDX-License-Identifier: GPL-2.0

//! The `wakeup-source` property of interrupt-driven devices (GPIO and irq):
//! the wake-up side of their interrupt handler ([`Wake`]) and of their
//! system-sleep hooks ([`SleepWatch`]: which record is the wake-up,
//! `RPOLL_EVENT_WAKEUP`).

use kernel::{
    device::{Bound, Device},
    sync::{aref::ARef, Arc},
};

use crate::fanout::FanOut;
use crate::shim::{
    irq::Line,
    pm::{irq_can_wake, PmHooks, WakeIrq},
    prelude::*,
};

/// The system-sleep side of a `wakeup-source` device: when the system
/// starts to sleep with the device's wake-up enabled (`power/wakeup`), its
/// fan-out's wake-up window opens; when the system runs again, it closes
/// (`logic::wake` says which record in it is the wake-up).
pub(crate) struct SleepWatch {
    dev: ARef<Device>,
    fanout: Arc<FanOut>,
    /// The edge bits of wake-up records (0: any record).
    edges: u32,
}

impl SleepWatch {
    /// Watches the sleeps of `dev`, whose records go to `fanout`; a record
    /// with one of `edges` (edge bits; 0: any record) may be the wake-up.
    pub(crate) fn new(dev: &Device<Bound>, fanout: Arc<FanOut>, edges: u32) -> Self {
        Self {
            dev: dev.into(),
            fanout,
            edges,
        }
    }

    /// The device, for messages.
    pub(crate) fn dev(&self) -> &Device {
        &self.dev
    }

    /// The system is about to sleep: opens the window if the device may
    /// wake it now, and says whether it may. Process context.
    pub(crate) fn open(&self) -> bool {
        let armed = self.dev.may_wakeup();
        if armed {
            self.fanout.open_wake_window(self.edges);
        }
        armed
    }

    /// The system runs again: closes the window. Process context.
    pub(crate) fn close(&self) {
        self.fanout.close_wake_window();
    }
}

/// The hooks of a device that has nothing else to do around a sleep (an
/// irq device).
impl PmHooks for SleepWatch {
    fn suspend(&self) {
        self.open();
    }

    fn resume(&self) {
        self.close();
    }
}

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
    /// Registers `dev` as a wake-up source through `line` if `wanted`, each
    /// event keeping the system awake for `ms`. A controller that cannot
    /// wake the system is said once, here, and the device works without
    /// wake-up; a failure to register (memory) fails the probe.
    pub(crate) fn new(dev: &'a Device<Bound>, line: Line, wanted: bool, ms: u32) -> Result<Self> {
        let irq = if !wanted {
            None
        } else if let Err(e) = irq_can_wake(line) {
            dev_warn!(
                dev,
                "'wakeup-source' ignored: interrupt {} cannot wake the system (error {}); the device works without wake-up\n",
                line.irq(),
                e.to_errno()
            );
            None
        } else {
            Some(WakeIrq::new(dev, line)?)
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
