// SPDX-License-Identifier: GPL-2.0

//! rpoll: a device-tree platform driver that turns an event source into a
//! pollable character device.
//!
//! Each matching DT node becomes `/dev/rpoll-<label>`. Its source (a periodic
//! hrtimer, an interrupt line, or the edges of a GPIO line) pushes records
//! into one bounded queue per open file; readers block in `read()` or wait
//! in `poll`/`select`/`epoll`. Probe is the one place that knows which
//! source a device has; see `README.md` for the path of one event.

use kernel::{debugfs, device::Core, of, platform, str::CString, sync::Arc};

mod config;
mod device;
mod fanout;
mod gpio_irq;
mod gpio_poll;
mod gpio_source;
mod irq_source;
#[cfg(CONFIG_KUNIT = "y")]
mod kunit;
// Shared with the host tests and the user-space crates, for which its items
// are `pub`.
#[expect(unreachable_pub)]
mod logic;
mod reader;
mod shim;
mod source;
mod stamp;
mod timer_source;
mod trace;
mod wakeup;

use config::{SourceConfig, SourceKind};
use device::Device;
use fanout::FanOut;
use gpio_source::GpioBinding;
use irq_source::IrqBinding;
use reader::Reader;
use source::Source;
use timer_source::{TimerBinding, TimerSource};

use crate::shim::{
    miscdevice::{MiscDeviceOptions, MiscDeviceRegistration},
    of_device_table,
    prelude::*,
};

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
    assert!(RPOLL_IOC_GET_LEVEL == _IOR::<u32>(M, 5));
};

of_device_table!(
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

/// What a bound device owns of its source; dropping it (unbind) stops the
/// source. Only held, never read: its parts act in their `Drop`.
enum BoundSource<'bound> {
    /// Stops the timer.
    Timer { _binding: TimerBinding },
    /// Frees the interrupt.
    Irq { _binding: IrqBinding<'bound> },
    /// Frees the interrupt, cancels settling, puts the line.
    Gpio { _binding: GpioBinding<'bound> },
}

/// Everything one bound device owns; dropping it (unbind) tears it down.
///
/// Drop order: the fan-out queue is shut down first (readers woken with
/// `ENODEV` once their queue is empty, no new reader), then the fields in
/// declaration order: the `/dev` node, the source, this binding's reference
/// to the shared `Device` (open files may hold others), the debugfs file.
#[pin_data(PinnedDrop)]
struct BoundDevice<'bound> {
    #[pin]
    misc: MiscDeviceRegistration<Reader>,
    source: BoundSource<'bound>,
    dev: Arc<Device>,
    #[pin]
    _debugfs_state: debugfs::File<Arc<Device>>,
}

#[pinned_drop]
impl PinnedDrop for BoundDevice<'_> {
    fn drop(self: Pin<&mut Self>) {
        // Open files keep `Device` alive and see `ENODEV` from now on.
        self.dev.fanout.shutdown();
    }
}

/// Starts the source `cfg` describes, feeding `fanout`.
fn bind_source<'bound>(
    pdev: &'bound platform::Device<Core<'_>>,
    name: &CStr,
    fanout: &Arc<FanOut>,
    cfg: SourceConfig,
) -> Result<(BoundSource<'bound>, Arc<dyn Source>)> {
    let dev = pdev.as_ref();
    Ok(match cfg {
        SourceConfig::Timer { period_us } => {
            let timer = TimerSource::new(fanout.clone(), period_us)?;
            let binding = timer.bind()?;
            (
                BoundSource::Timer { _binding: binding },
                Arc::new(timer, GFP_KERNEL)?,
            )
        }
        SourceConfig::Irq {
            debounce_us,
            wakeup,
        } => {
            let bound = irq_source::request(pdev, fanout.clone(), debounce_us, wakeup)?;
            let source = bound.source.clone();
            (BoundSource::Irq { _binding: bound }, source)
        }
        SourceConfig::Gpio {
            debounce_us,
            edges,
            wakeup,
            wakeup_edges,
            poll_interval_us,
        } => {
            let line = gpio_source::LineConfig {
                edges,
                debounce_us,
                wakeup,
                wakeup_edges,
                poll_interval_us,
            };
            let bound = gpio_source::request(dev, name, fanout.clone(), line)?;
            let source = bound.source.clone();
            (BoundSource::Gpio { _binding: bound }, source)
        }
    })
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
            let fanout = FanOut::new(cfg.depth, CString::try_from(&*cfg.name)?)?;
            let (source, ops) = bind_source(pdev, &cfg.name, &fanout, cfg.source)?;
            let name = cfg.name;
            let shared = Device::new(fanout, ops)?;
            dev_info!(
                dev,
                "/dev/{} ready ({}, queue depth {})\n",
                &*name,
                source::Summary(&*shared.source),
                shared.fanout.depth()
            );
            Ok(try_pin_init!(BoundDevice {
                source,
                _debugfs_state <- debugfs_dir.read_callback_file(
                    c"state",
                    shared.clone(),
                    &|d: &Arc<Device>, f| d.render(f),
                ),
                // SAFETY: `misc` is a field of the driver data, dropped at
                // unbind and never leaked.
                misc <- unsafe {
                    MiscDeviceRegistration::register(
                        MiscDeviceOptions {
                            name: &name,
                            parent: Some(dev),
                        },
                        shared.clone(),
                    )
                },
                dev: shared,
            }))
        })
    }
}

kernel::module_platform_driver! {
    type: RpollDriver,
    name: "rpoll",
    authors: ["The rpoll developers"],
    description: "Pollable character devices fed by hrtimer, interrupt and GPIO sources",
    license: "GPL v2",
}
