// SPDX-License-Identifier: GPL-2.0

//! The kernel crate as rpoll uses it: Linux 7.3's (or 7.2's) `kernel` crate
//! plus what the kernel-crate series (`upstream/`, docs/upstream.md) adds,
//! backported where the kernel built against does not carry it.
//!
//! The driver's other files take what the series adds from here, at the path
//! it has in the patched kernel crate (`crate::shim::irq::Line` is
//! `kernel::irq::Line`), and the methods it adds to existing kernel types
//! through [`prelude`]. In the in-tree series `scripts/export-patches`
//! rewrites `crate::shim::` to `kernel::` and drops this folder: there,
//! every path already names the kernel's item.
//!
//! This folder is the only place in the driver that uses `kernel::bindings`
//! or declares C functions. Each backport file names the patch it stands
//! for, offers that patch's API (names, signatures, contracts: a safe
//! interface with the `unsafe` inside, argued by `SAFETY` comments) and,
//! when the kernel carries the patch, re-exports the kernel's item instead:
//! `upstream.mk` finds the patch in the kernel's source and passes a
//! `--cfg rpoll_kernel_<name>`. Static inline C functions are reached
//! through `helpers.c`, as the kernel's own `rust/helpers/` does.
//! Differences between kernel releases (7.2 and 7.3) belong here too.
//!
//! | file | backports |
//! |---|---|
//! | `capability.rs` | `kernel::cred::capable()` (patch 1) |
//! | `kiocb.rs` | `Kiocb::is_nowait()` (patch 2) |
//! | `work_flush.rs` | `Work::flush()` (patch 3) |
//! | `fwnode_str.rs` | `FwNode::property_read_str()` (patch 4) |
//! | `hrtimer_rearm.rs` | `ArcHrTimerHandle::restart()` (patch 5) |
//! | `clock.rs` | `Instant::{as_nanos, from_nanos, to_boottime, to_realtime, to_tai}()`, `time::jiffies_64()` (patch 6) |
//! | `module_trace.rs` | `declare_trace! { extern; ... }` (patch 7) |
//! | `gpio_consumer.rs` | `kernel::gpio::consumer` (patch 8) |
//! | `irq_by_number.rs` | `irq::{Line, Mask}`, `IrqRequest::line()`, registrations that leave an interrupt its GPIO chip freed, one handler trait on 7.2 and 7.3 (patch 9) |
//! | `wait_queue_lock.rs` | `sync::{WaitQueueLock, WaitQueueGuard}`, `PollTable::register_wait_lock()` (patch 10) |
//! | `pm.rs` | `kernel::pm` (device wake-up, PM notifiers; patch 11) |
//! | `misc_poll.rs` | `MiscDevice::poll`, registration data, an owned name and a parent (patch 12) |
//! | `hrtimer_add_expires.rs` | `HrTimerCallbackContext::add_expires()` (patch 13) |
//! | `release.rs` | what differs between Linux 7.2 and 7.3 |

mod capability;
mod clock;
mod fwnode_str;
mod gpio_consumer;
mod hrtimer_add_expires;
mod hrtimer_rearm;
mod irq_by_number;
mod kiocb;
mod misc_poll;
mod module_trace;
/// `kernel::pm` (patch 11).
pub(crate) mod pm;
mod release;
mod wait_queue_lock;
mod work_flush;

/// `kernel::prelude`, with the methods the series adds to existing kernel
/// types (backport traits, only where the kernel lacks the patch).
pub(crate) mod prelude {
    pub(crate) use kernel::prelude::*;

    #[cfg(not(rpoll_kernel_property_read_str))]
    pub(crate) use super::fwnode_str::PropertyReadStr;
    #[cfg(not(rpoll_kernel_hrtimer_add_expires))]
    pub(crate) use super::hrtimer_add_expires::AddExpires;
    #[cfg(not(rpoll_kernel_hrtimer_restart))]
    pub(crate) use super::hrtimer_rearm::HandleRestart;
    #[cfg(not(rpoll_kernel_irq_line))]
    pub(crate) use super::irq_by_number::RequestLine;
    #[cfg(not(rpoll_kernel_kiocb_nowait))]
    pub(crate) use super::kiocb::IsNowait;
    #[cfg(not(rpoll_kernel_pm))]
    pub(crate) use super::pm::MayWakeup;
    #[cfg(not(rpoll_kernel_work_flush))]
    pub(crate) use super::work_flush::WorkFlush;
}

/// `kernel::cred` with patch 1.
pub(crate) mod cred {
    pub(crate) use super::capability::{capable, Capability};
}

/// `kernel::gpio` with patch 8.
pub(crate) mod gpio {
    /// `kernel::gpio::consumer`.
    pub(crate) mod consumer {
        pub(crate) use super::super::gpio_consumer::{AtomicDesc, Desc, Flags};
    }
}

/// `kernel::irq` with patch 9.
pub(crate) mod irq {
    pub(crate) use super::irq_by_number::{
        Flags, Handler, IrqRequest, Line, Mask, Registration, ThreadedHandler, ThreadedRegistration,
    };
}

/// `kernel::miscdevice` with patch 12.
pub(crate) mod miscdevice {
    pub(crate) use super::misc_poll::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration};
}

/// `kernel::sync` with patch 10 (and 7.3's IRQ-safe spinlock on 7.2).
pub(crate) mod sync {
    pub(crate) use super::release::SpinLockIrq;
    pub(crate) use super::wait_queue_lock::{WaitQueueGuard, WaitQueueLock};

    /// `kernel::sync::poll` with patch 10.
    pub(crate) mod poll {
        pub(crate) use super::super::wait_queue_lock::PollTable;
    }
}

/// `kernel::time` with patch 6, whole: a file that needs only time APIs
/// glob-imports it (as `kernel::time::*` in the in-tree driver) and gets the
/// methods of patch 6 with it.
pub(crate) mod time {
    pub(crate) use super::clock::jiffies_64;
    #[cfg(not(rpoll_kernel_clock))]
    pub(crate) use super::clock::{InstantFromNanos, MonotonicToClock};
    pub(crate) use kernel::time::*;
    // `Instant::as_nanos()` is public with patch 6; before it, the hrtimer
    // expiry trait gives it.
    #[cfg(not(rpoll_kernel_clock))]
    pub(crate) use kernel::time::hrtimer::HrTimerExpires;
}

/// `kernel::tracepoint` with patch 7.
pub(crate) mod tracepoint {
    pub(crate) use super::module_trace::declare_trace;
}

pub(crate) use release::{new_spinlock_irq, of_device_table};
pub(crate) use wait_queue_lock::new_wait_queue_lock;
