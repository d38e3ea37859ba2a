// SPDX-License-Identifier: GPL-2.0

//! rpoll: a device-tree platform driver that turns an event source into a
//! pollable character device.
//!
//! Each matching DT node becomes `/dev/rpoll-<label>`. Its source (a periodic
//! hrtimer) pushes records into one bounded queue per open file; readers
//! block in `read()` or wait in `poll`/`select`/`epoll`. See `README.md` and
//! `dts/rpoll.yaml`.

use kernel::{debugfs, device::Core, of, platform, prelude::*, str::CString, sync::Arc};

mod clock;
mod config;
mod event_device;
mod kiocb_flags;
// Shared with the host tests and the userspace crates, which use items the
// module does not (decoding, flushing...).
#[allow(unreachable_pub, dead_code)]
mod logic;
mod misc_poll;
mod reader;
mod timer_source;

use config::SourceKind;
use event_device::EventDevice;
use misc_poll::PollMiscRegistration;
use reader::Reader;

kernel::of_device_table!(
    OF_TABLE,
    <RpollDriver as platform::Driver>::IdInfo,
    [(of::DeviceId::new(c"rpoll,event-timer"), SourceKind::Timer)]
);

/// The platform driver.
struct RpollDriver;

/// Everything one bound device owns; dropping it (unbind) tears it down.
#[pin_data(PinnedDrop)]
struct BoundDevice {
    #[pin]
    misc: PollMiscRegistration<Reader>,
    dev: Arc<EventDevice>,
    #[pin]
    _debugfs_state: debugfs::File<Arc<EventDevice>>,
}

#[pinned_drop]
impl PinnedDrop for BoundDevice {
    fn drop(self: Pin<&mut Self>) {
        // Stop the source and wake readers before the node disappears; open
        // files keep `EventDevice` alive and see `ENODEV` from now on.
        self.dev.shutdown();
    }
}

impl platform::Driver for RpollDriver {
    type IdInfo = SourceKind;
    type Data<'bound> = BoundDevice;
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
            dev_info!(
                dev,
                "/dev/{} ready ({}, period {} us, queue depth {})\n",
                &*name,
                "timer",
                shared.config.period_us,
                shared.config.depth
            );
            Ok(try_pin_init!(BoundDevice {
                _debugfs_state <- debugfs_dir.read_callback_file(
                    c"state",
                    shared.clone(),
                    &|d: &Arc<EventDevice>, f| d.render(f),
                ),
                misc <- PollMiscRegistration::register(name, shared.clone()),
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
