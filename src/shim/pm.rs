// SPDX-License-Identifier: GPL-2.0

//! Stands for: device wake-up on `kernel::device::Device`
//! (`device_init_wakeup()`, `dev_pm_set_wake_irq()`, `pm_wakeup_event()`,
//! `device_may_wakeup()`)
//! and a PM notifier registration (`register_pm_notifier()`), neither of
//! which the 7.3 kernel crate has (nor `dev_pm_ops` for platform drivers).
//!
//! [`WakeIrq`] makes a bound device a wake-up source whose interrupt the PM
//! core arms for system sleep while the device's `power/wakeup` in sysfs is
//! `enabled` (the default here) and disarms at resume, as `gpio-keys` does.
//! [`PmNotifier`] calls a [`PmHooks`] before the system goes to sleep
//! (before tasks are frozen) and after it woke up (after they are thawed).
//! Without `CONFIG_PM_SLEEP` both succeed and do nothing: the C helpers
//! reach the headers' stubs.
//!
//! Backports patch 11 of the kernel-crate series (docs/upstream.md),
//! `kernel::pm`, with the same names; with a kernel that carries it and
//! patch 9, whose `irq::Line` its functions take (`rpoll_kernel_pm`, from
//! `upstream.mk`), this file re-exports it. `Device::may_wakeup()` is a
//! method there; here the [`MayWakeup`] trait gives it, brought by
//! `shim::prelude`.

#[cfg(rpoll_kernel_pm)]
pub(crate) use kernel::pm::{irq_can_wake, PmHooks, PmNotifier, WakeIrq};

#[cfg(not(rpoll_kernel_pm))]
pub(crate) use backport::{irq_can_wake, MayWakeup, PmHooks, PmNotifier, WakeIrq};

/// The backport (see the module documentation).
#[cfg(not(rpoll_kernel_pm))]
mod backport {
    use core::{
        ffi::c_void,
        marker::{PhantomData, PhantomPinned},
    };

    use super::super::irq_by_number::Line;
    use kernel::{
        bindings,
        device::{Bound, Device},
        error::to_result,
        ffi::{c_int, c_uint, c_ulong},
        prelude::*,
        sync::aref::ARef,
        types::Opaque,
    };

    // `struct device` is passed as `void *`: its Rust binding holds types that
    // are not FFI-safe (`lockdep_map`), which only matters to the lint.
    extern "C" {
        fn rpoll_helper_device_init_wakeup(dev: *mut c_void, enable: bool) -> c_int;
        fn rpoll_helper_dev_pm_set_wake_irq(dev: *mut c_void, irq: c_int) -> c_int;
        fn rpoll_helper_dev_pm_clear_wake_irq(dev: *mut c_void);
        fn rpoll_helper_pm_wakeup_event(dev: *mut c_void, msec: c_uint);
        fn rpoll_helper_device_may_wakeup(dev: *mut c_void) -> bool;
        fn rpoll_helper_enable_irq_wake(irq: c_uint) -> c_int;
        fn rpoll_helper_disable_irq_wake(irq: c_uint) -> c_int;
        fn rpoll_helper_register_pm_notifier(nb: *mut bindings::notifier_block) -> c_int;
        fn rpoll_helper_unregister_pm_notifier(nb: *mut bindings::notifier_block) -> c_int;
    }

    /// The C `struct device` of `dev` (`Device<Ctx>` is `#[repr(transparent)]`
    /// over it).
    fn raw<Ctx: kernel::device::DeviceContext>(dev: &Device<Ctx>) -> *mut c_void {
        core::ptr::from_ref(dev).cast_mut().cast()
    }

    /// `Device::may_wakeup()` of patch 11.
    pub(crate) trait MayWakeup {
        /// Whether the device may wake the system now: it is wakeup-capable
        /// and its `power/wakeup` is `enabled` (`device_may_wakeup()`). Any
        /// context.
        fn may_wakeup(&self) -> bool;
    }

    impl<Ctx: kernel::device::DeviceContext> MayWakeup for Device<Ctx> {
        fn may_wakeup(&self) -> bool {
            // SAFETY: `self` is a live device (a reference); the call reads two
            // of its power fields.
            unsafe { rpoll_helper_device_may_wakeup(raw(self)) }
        }
    }

    /// Checks that the controller of interrupt `line` can wake the system
    /// (`enable_irq_wake()`, undone at once); its error otherwise.
    pub(crate) fn irq_can_wake(line: Line) -> Result {
        let irq = line.irq();
        // SAFETY: `irq_set_irq_wake()` checks the interrupt number itself and
        // may be called from process context on any interrupt.
        to_result(unsafe { rpoll_helper_enable_irq_wake(irq) })?;
        // SAFETY: as above; it was enabled just now, so this balances it.
        unsafe { rpoll_helper_disable_irq_wake(irq) };
        Ok(())
    }

    /// A device that may wake the system through its interrupt, for as long as
    /// the binding `'a` lasts.
    ///
    /// `dev_pm_set_wake_irq()` is the non-dedicated wake interrupt: the device's
    /// own I/O interrupt, which the PM core arms (`enable_irq_wake()`) when the
    /// system suspends while `power/wakeup` is enabled, and disarms at resume.
    /// It only records the number: the interrupt need not be requested yet, and
    /// the PM core never calls a handler through it.
    ///
    /// The borrow of the bound device ties the value to the binding, so it
    /// cannot be kept past unbind. Leaking it (`mem::forget`) is safe but leaves
    /// the device a wake-up source with the interrupt attached (the next probe
    /// then fails with `EEXIST` and a "wake irq already initialized" warning):
    /// the reference it holds keeps the `struct device` alive, so nothing is
    /// freed under the PM core.
    ///
    /// # Invariants
    ///
    /// While `Self` exists, `dev` is wakeup-capable and `irq` is its
    /// (non-dedicated) wake interrupt; `drop` undoes both.
    pub(crate) struct WakeIrq<'a> {
        dev: ARef<Device>,
        _bound: PhantomData<&'a Device<Bound>>,
    }

    impl<'a> WakeIrq<'a> {
        /// Makes `dev` a wake-up source through its interrupt `line`, enabled
        /// by default, until the value is dropped (at the latest at unbind; see
        /// [`irq_can_wake`] first).
        pub(crate) fn new(dev: &'a Device<Bound>, line: Line) -> Result<Self> {
            let number = c_int::try_from(line.irq()).map_err(|_| EINVAL)?;
            // SAFETY: `dev` is a live, bound device.
            to_result(unsafe { rpoll_helper_device_init_wakeup(raw(dev), true) })?;
            // SAFETY: `dev` is a live, bound device, now wakeup-capable (as
            // `device_wakeup_attach_irq()` needs); `number` is non-negative.
            // The call only records the number (the interrupt need not be
            // requested); the record is cleared in `drop`.
            let r = to_result(unsafe { rpoll_helper_dev_pm_set_wake_irq(raw(dev), number) });
            if let Err(e) = r {
                // SAFETY: `dev` is live; undoes `device_init_wakeup()` above.
                unsafe { rpoll_helper_device_init_wakeup(raw(dev), false) };
                return Err(e);
            }
            // INVARIANT: both calls succeeded.
            Ok(Self {
                dev: dev.into(),
                _bound: PhantomData,
            })
        }

        /// Reports a wake-up event of this device, keeping the system awake for
        /// `msec` more milliseconds (so it cannot suspend before the event is
        /// queued): counted in the device's `power/wakeup_count` and seen by
        /// `/sys/power/wakeup_count` users. Any context; nothing when the
        /// device's wake-up is disabled in sysfs.
        pub(crate) fn event(&self, msec: u32) {
            // SAFETY: `dev` is live (reference held); `pm_wakeup_event()` takes
            // the device's power lock with interrupts saved, so any context.
            unsafe { rpoll_helper_pm_wakeup_event(raw(&self.dev), msec) };
        }
    }

    impl Drop for WakeIrq<'_> {
        fn drop(&mut self) {
            let dev = raw(&self.dev);
            // SAFETY: by the type invariant the wake interrupt is set and the
            // device wakeup-capable; this is the one place that undoes both.
            unsafe {
                rpoll_helper_dev_pm_clear_wake_irq(dev);
                rpoll_helper_device_init_wakeup(dev, false);
            }
        }
    }

    /// What a [`PmNotifier`] calls around a system sleep.
    pub(crate) trait PmHooks: Send + Sync {
        /// The system is about to sleep (suspend or hibernation); tasks still
        /// run. Process context.
        fn suspend(&self);

        /// The system woke up (or the sleep was aborted after
        /// [`Self::suspend`]); tasks run again. Process context.
        fn resume(&self);
    }

    /// A registered PM notifier calling `T`.
    ///
    /// # Invariants
    ///
    /// `nb` is registered with `register_pm_notifier()` and its callback is
    /// `call::<T>`; it is unregistered exactly once, in `drop`, before `hooks`
    /// is dropped.
    #[pin_data(PinnedDrop)]
    pub(crate) struct PmNotifier<T: PmHooks> {
        hooks: T,
        #[pin]
        nb: Opaque<bindings::notifier_block>,
        #[pin]
        _pin: PhantomPinned,
    }

    // SAFETY: the notifier chain calls `hooks` (which is `Send + Sync`) from any
    // task; `nb` is only touched by the C side under the chain's lock.
    unsafe impl<T: PmHooks> Send for PmNotifier<T> {}
    // SAFETY: as above; `&self` gives out nothing but `&T`.
    unsafe impl<T: PmHooks> Sync for PmNotifier<T> {}

    impl<T: PmHooks> PmNotifier<T> {
        /// Registers `hooks` for the system's sleep transitions, until the
        /// notifier is dropped.
        ///
        /// `unsafe` for the reason `irq::Registration::new` is: a leaked notifier
        /// (`mem::forget`, `KBox::leak`, a cycle) would stay on the PM chain and
        /// call `call::<T>`, in this module's text, after `rmmod`.
        ///
        /// # Safety
        ///
        /// The caller drops the notifier before its device's binding ends (at
        /// the latest at unbind), so it is never leaked nor kept past the
        /// module's lifetime.
        pub(crate) unsafe fn register(hooks: T) -> impl PinInit<Self, Error> {
            // `hooks` is initialised before `nb`, so the callback, which may run
            // as soon as `nb` is registered, finds it.
            try_pin_init!(Self {
                hooks,
                _pin: PhantomPinned,
                nb <- Opaque::try_ffi_init(|slot: *mut bindings::notifier_block| {
                    let mut raw: bindings::notifier_block = pin_init::zeroed();
                    raw.notifier_call = Some(call::<T>);
                    // SAFETY: `slot` is valid for writes (initializer contract).
                    unsafe { slot.write(raw) };
                    // SAFETY: `slot` is pinned and initialised, and stays
                    // registered only until `drop`.
                    // INVARIANT: on success `nb` is registered as described.
                    to_result(unsafe { rpoll_helper_register_pm_notifier(slot) })
                }),
            })
        }
    }

    #[pinned_drop]
    impl<T: PmHooks> PinnedDrop for PmNotifier<T> {
        fn drop(self: Pin<&mut Self>) {
            // SAFETY: by the type invariant `nb` is registered, and this is the
            // only place that unregisters it; unregistering waits for a running
            // callback (the chain's lock), after which `hooks` may be dropped.
            unsafe { rpoll_helper_unregister_pm_notifier(self.nb.get()) };
        }
    }

    /// # Safety
    ///
    /// Called by the PM notifier chain for a `nb` registered by
    /// [`PmNotifier::register`]: `nb` is the `nb` field of a live
    /// `PmNotifier<T>`.
    unsafe extern "C" fn call<T: PmHooks>(
        nb: *mut bindings::notifier_block,
        action: c_ulong,
        _data: *mut c_void,
    ) -> c_int {
        // SAFETY: by the function's contract `nb` points to the `nb` field of a
        // live `PmNotifier<T>` (`Opaque<T>` is `repr(transparent)`), which stays
        // alive until unregistering returns.
        let this = unsafe {
            &*kernel::container_of!(
                nb.cast::<Opaque<bindings::notifier_block>>(),
                PmNotifier<T>,
                nb
            )
        };
        match action as u32 {
            bindings::PM_SUSPEND_PREPARE
            | bindings::PM_HIBERNATION_PREPARE
            | bindings::PM_RESTORE_PREPARE => this.hooks.suspend(),
            bindings::PM_POST_SUSPEND
            | bindings::PM_POST_HIBERNATION
            | bindings::PM_POST_RESTORE => this.hooks.resume(),
            _ => {}
        }
        bindings::NOTIFY_DONE as c_int
    }
}
