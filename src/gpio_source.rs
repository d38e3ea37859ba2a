// SPDX-License-Identifier: GPL-2.0

//! The GPIO source (`rpoll,event-gpio`): the edges of one GPIO line, e.g. a
//! button, with the edge and the settled level in each record.
//!
//! Probe requests the line (so it shows as used by `rpoll-<label>` in
//! `gpioinfo` and `/sys/kernel/debug/gpio`), maps it to its interrupt and
//! requests that on the physical edges matching `rpoll,edges` (swapped for
//! active-low lines). The hard-IRQ handler reads the line's logical level and
//! hands it to [`EventDevice::gpio_edge`]. Lines whose controller can sleep
//! (I2C/SPI expanders) cannot be read there and are refused at probe.

use kernel::{
    device::{Bound, Device},
    irq::{self, IrqReturn},
    prelude::*,
    sync::Arc,
};

use crate::{
    clock,
    event_device::EventDevice,
    gpio::{Flags, GpioDesc},
    irq_line::{trigger, IrqLine},
    logic::gpio_edges::Edges,
};

/// The interrupt handler of one GPIO device; owns the requested line.
#[pin_data(PinnedDrop)]
pub(crate) struct GpioSource {
    dev: Arc<EventDevice>,
    line: GpioDesc,
}

impl irq::Handler for GpioSource {
    fn handle(&self) -> IrqReturn {
        // Stamped first, before the level is read (as gpio-cdev stamps at
        // the top of its hard-IRQ handler). This handler never runs on two
        // CPUs at once, so stamps still follow `seq` order.
        let now = clock::monotonic_ns();
        match self.line.value() {
            Ok(level) => self.dev.gpio_edge(level, now),
            // Cannot happen for a line that passed probe (it does not
            // sleep); an unreadable level is not invented: the interrupt
            // is counted as merged.
            Err(_) => self.dev.gpio_unreadable(),
        }
        IrqReturn::Handled
    }
}

#[pinned_drop]
impl PinnedDrop for GpioSource {
    fn drop(self: Pin<&mut Self>) {
        // Dropped after its interrupt was freed: no edge can re-arm the
        // settle timer, which may still hold a reference to the device.
        self.dev.stop_settle();
    }
}

/// A requested GPIO line with its interrupt.
pub(crate) type GpioIrq<'a> = Pin<KBox<IrqLine<'a, GpioSource>>>;

/// Requests the node's GPIO line and its interrupt for `dev`, reporting a
/// clear message for each way it can fail. On failure nothing stays
/// requested.
pub(crate) fn request<'a>(pdev: &'a Device<Bound>, dev: &Arc<EventDevice>) -> Result<GpioIrq<'a>> {
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
    if line.can_sleep() {
        dev_err!(
            pdev,
            "GPIO line {} is on a controller whose reads can sleep (I2C/SPI expander): not supported (use an on-chip GPIO)\n",
            line.offset()
        );
        return Err(EINVAL);
    }
    line.set_consumer_name(&dev.config.name)?;
    let irq = line.to_irq().inspect_err(|e| {
        dev_err!(
            pdev,
            "GPIO line {} cannot interrupt (error {}): its controller is not an interrupt controller\n",
            line.offset(),
            e.to_errno()
        );
    })?;
    let level = line.value()?;
    let active_low = line.is_active_low();
    dev.init_gpio(line.offset(), active_low, irq, level);
    let flags = match dev.config.edges.physical(active_low) {
        Edges::Rising => trigger::RISING,
        Edges::Falling => trigger::FALLING,
        Edges::Both => trigger::RISING | trigger::FALLING,
    };
    let shared = dev.clone();
    let handler = try_pin_init!(GpioSource { dev: shared, line });
    // SAFETY: `irq` is the interrupt of a line `pdev` has just requested;
    // the registration is returned in a `Pin<KBox<_>>` that the caller keeps
    // in its driver data and never leaks.
    let reg = unsafe { IrqLine::request(pdev, irq, flags, c"rpoll", handler) };
    KBox::pin_init(reg, GFP_KERNEL).inspect_err(|e| {
        dev_err!(
            pdev,
            "cannot request interrupt {irq} of the GPIO line (error {})\n",
            e.to_errno()
        );
    })
}
