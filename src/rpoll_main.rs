// SPDX-License-Identifier: GPL-2.0

//! rpoll: a device-tree platform driver that turns an event source into a
//! pollable character device.
//!
//! Each matching DT node becomes `/dev/rpoll-<label>`. Its source (a periodic
//! hrtimer, or an interrupt line such as a GPIO button) pushes records into
//! one bounded queue per open file; readers block in `read()` or wait in
//! `poll`/`select`/`epoll`. See `README.md` and `dts/rpoll.yaml`.

use kernel::{
    debugfs,
    device::Core,
    irq, of, platform,
    prelude::*,
    str::CString,
    sync::{atomic::ordering, Arc},
};

mod capability;
mod clock;
mod config;
mod event_device;
mod fw_string;
mod gpio;
mod gpio_source;
mod irq_line;
mod irq_source;
mod kiocb_flags;
// Shared with the host tests and the user-space crates: its items are `pub`
// for them, and the decoders (`from_bytes`) and `capacity` are theirs only.
#[allow(unreachable_pub, dead_code)]
mod logic;
mod misc_poll;
mod reader;
mod timer_source;

use config::SourceKind;
use event_device::EventDevice;
use irq_source::IrqSource;
use misc_poll::PollMiscRegistration;
use reader::Reader;

// The ioctl numbers of `logic::uapi` must be the kernel's own encoding.
const _: () = {
    use kernel::ioctl::{_IO, _IOR, _IOW};
    use logic::uapi::*;
    const M: u32 = RPOLL_IOC_MAGIC;
    assert!(RPOLL_IOC_INFO == _IOR::<[u8; RPOLL_INFO_SIZE]>(M, 0));
    assert!(RPOLL_IOC_STATS == _IOR::<[u8; RPOLL_STATS_SIZE]>(M, 1));
    assert!(RPOLL_IOC_SET_CLOCK == _IOW::<u32>(M, 2));
    assert!(RPOLL_IOC_FLUSH == _IO(M, 3));
    assert!(RPOLL_IOC_SET_PERIOD == _IOW::<u32>(M, 4));
};

kernel::of_device_table!(
    OF_TABLE,
    <RpollDriver as platform::Driver>::IdInfo,
    [
        (of::DeviceId::new(c"rpoll,event-timer"), SourceKind::Timer),
        (of::DeviceId::new(c"rpoll,event-irq"), SourceKind::Irq),
        (of::DeviceId::new(c"rpoll,event-gpio"), SourceKind::Gpio),
    ]
);

/// The platform driver.
struct RpollDriver;

/// Everything one bound device owns; dropping it (unbind) tears it down.
///
/// Drop order: `shutdown()` first (source stopped, readers woken with
/// `ENODEV`), then the fields in declaration order: the `/dev` node, the
/// interrupt (`free_irq()` waits for a running handler), the debugfs file.
#[pin_data(PinnedDrop)]
struct BoundDevice<'bound> {
    #[pin]
    misc: PollMiscRegistration<Reader>,
    irq: Option<Pin<KBox<irq::Registration<'bound, IrqSource>>>>,
    gpio: Option<gpio_source::GpioIrq<'bound>>,
    dev: Arc<EventDevice>,
    #[pin]
    _debugfs_state: debugfs::File<Arc<EventDevice>>,
}

#[pinned_drop]
impl PinnedDrop for BoundDevice<'_> {
    fn drop(self: Pin<&mut Self>) {
        // Open files keep `EventDevice` alive and see `ENODEV` from now on.
        self.dev.shutdown();
    }
}

/// Requests the node's first interrupt for `dev`, reporting clear errors.
fn request_irq<'bound>(
    pdev: &'bound platform::Device<Core<'_>>,
    dev: &Arc<EventDevice>,
) -> Result<Pin<KBox<irq::Registration<'bound, IrqSource>>>> {
    let number = match pdev.optional_irq_by_index(0) {
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
    dev.irq.store(number, ordering::Relaxed);
    // SAFETY: the registration is returned in a `Pin<KBox<_>>` that the
    // caller stores in its driver data; it is never leaked, so its `Drop`
    // (which frees the interrupt) runs at unbind.
    let reg = unsafe {
        pdev.request_irq_by_index(
            irq::Flags::TRIGGER_NONE,
            0,
            c"rpoll",
            IrqSource::new(dev.clone()),
        )
    };
    let reg = KBox::pin_init(reg, GFP_KERNEL).inspect_err(|e| {
        dev_err!(
            pdev.as_ref(),
            "cannot request interrupt {number} (error {})\n",
            e.to_errno()
        );
    })?;
    // Read once while the interrupt is ours; later users take the copy, so
    // nothing looks at the descriptor once it may be gone.
    dev.trigger
        .store(irq_source::trigger_type(number), ordering::Relaxed);
    Ok(reg)
}

impl platform::Driver for RpollDriver {
    type IdInfo = SourceKind;
    type Data<'bound> = BoundDevice<'bound>;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<Core<'_>>,
        info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        pin_init::pin_init_scope(move || {
            let dev = pdev.as_ref();
            let kind = *info.ok_or(ENODEV)?;
            let cfg = config::read(dev, kind)?;
            let debugfs_dir = debugfs::Dir::new(&cfg.name);
            let name = CString::try_from(&*cfg.name)?;
            let shared = EventDevice::new(cfg)?;
            let irq = match kind {
                SourceKind::Irq => Some(request_irq(pdev, &shared)?),
                SourceKind::Timer | SourceKind::Gpio => None,
            };
            let gpio = match kind {
                SourceKind::Gpio => Some(gpio_source::request(dev, &shared)?),
                SourceKind::Timer | SourceKind::Irq => None,
            };
            match kind {
                SourceKind::Timer => dev_info!(
                    dev,
                    "/dev/{} ready (timer, period {} us, queue depth {})\n",
                    &*name,
                    shared.config.period_us,
                    shared.config.depth
                ),
                SourceKind::Irq => dev_info!(
                    dev,
                    "/dev/{} ready (irq {}, debounce {} us, queue depth {})\n",
                    &*name,
                    shared.irq.load(ordering::Relaxed),
                    shared.config.debounce_us,
                    shared.config.depth
                ),
                SourceKind::Gpio => dev_info!(
                    dev,
                    "/dev/{} ready (gpio line {}{}, irq {}, edges {}, debounce {} us, queue depth {})\n",
                    &*name,
                    shared.gpio_offset(),
                    if shared.gpio_active_low() { " active-low" } else { "" },
                    shared.irq.load(ordering::Relaxed),
                    shared.config.edges.name(),
                    shared.config.debounce_us,
                    shared.config.depth
                ),
            }
            Ok(try_pin_init!(BoundDevice {
                irq,
                gpio,
                _debugfs_state <- debugfs_dir.read_callback_file(
                    c"state",
                    shared.clone(),
                    &|d: &Arc<EventDevice>, f| d.render(f),
                ),
                misc <- PollMiscRegistration::register(name, shared.clone(), dev),
                dev: shared,
            }))
        })
    }
}

kernel::module_platform_driver! {
    type: RpollDriver,
    name: "rpoll",
    authors: ["The rpoll developers"],
    description: "Pollable character devices fed by hrtimer and GPIO interrupt sources",
    license: "GPL v2",
}
