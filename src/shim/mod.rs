// SPDX-License-Identifier: GPL-2.0

//! Kernel-crate gaps: the abstractions rpoll needs that Linux 7.3's `kernel`
//! crate does not (yet) provide.
//!
//! This folder is the only place in the driver that uses `kernel::bindings`
//! or declares C functions. Each file stands for one missing upstream API,
//! names it in its first lines, and is written the way that upstream patch
//! would be: a safe interface with the `unsafe` inside, argued by `SAFETY`
//! comments. Static inline C functions are reached through `helpers.c`, as
//! the kernel's own `rust/helpers/` does. Differences between kernel
//! releases belong here too, so the driver files above never see them.
//!
//! The files that backport a patch of the kernel-crate series
//! (`upstream/`, docs/upstream.md) use the kernel's API instead when the
//! kernel carries that patch: `upstream.mk` finds it in the kernel's source
//! and passes a `--cfg rpoll_kernel_<name>` that only that file reads.
//!
//! | file | stands for |
//! |---|---|
//! | `capability.rs` | `kernel::cred::capable()` (backports patch 1) |
//! | `clock.rs` | `Instant::as_nanos()`, `ktime_mono_to_any()`, `get_jiffies_64()` |
//! | `fwnode_str.rs` | `FwNode::property_read_str()` (borrowed, with the C error) |
//! | `gpio_consumer.rs` | `kernel::gpio::consumer` (`gpiod_get()` and friends, a device link to the line's controller; backports patch 8) |
//! | `hrtimer_rearm.rs` | `ArcHrTimerHandle::restart()` |
//! | `irq_by_number.rs` | `irq::{Line, Mask}` (trigger type, balanced `disable_irq_nosync()`/`enable_irq()`), `IrqRequest::line()`, registrations that leave an interrupt its GPIO chip freed, one handler trait on 7.2 and 7.3 (backports patch 9) |
//! | `kiocb.rs` | `Kiocb::is_nowait()` (backports patch 2) |
//! | `misc_poll.rs` | `MiscDevice::poll`, registration data, an owned name and a parent, `FMODE_NOWAIT` for misc devices (backports patch 12) |
//! | `module_trace.rs` | `declare_trace!` for trace events defined in a module's C code (backports patch 7) |
//! | `pm.rs` | device wake-up (`device_init_wakeup()`, `dev_pm_set_wake_irq()`), PM notifiers (backports patch 11) |
//! | `release.rs` | what differs between Linux 7.2 and 7.3 |
//! | `work_flush.rs` | `Work::flush()` (`flush_work()`; backports patch 3) |
//! | `wait_queue_lock.rs` | a wait queue whose lock guards data (`wake_up_locked_poll()`, `wait_event_interruptible_locked_irq()`) in `SpinLockIrq`'s interrupt-disable model, `poll_wait()` only for locks the polled file keeps alive (backports patch 10) |

pub(crate) mod capability;
pub(crate) mod clock;
pub(crate) mod fwnode_str;
pub(crate) mod gpio_consumer;
pub(crate) mod hrtimer_rearm;
pub(crate) mod irq_by_number;
pub(crate) mod kiocb;
pub(crate) mod misc_poll;
pub(crate) mod module_trace;
pub(crate) mod pm;
pub(crate) mod release;
pub(crate) mod wait_queue_lock;
pub(crate) mod work_flush;
