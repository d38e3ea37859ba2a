// SPDX-License-Identifier: GPL-2.0

//! Stands for: the parts of the `kernel` crate that differ between the
//! releases rpoll builds on (Linux 7.2 and 7.3), each under the name and in
//! the shape 7.3 gives it.
//!
//! `Kbuild` passes `--cfg rpoll_kernel_7_2` when building against 7.2; this
//! file (and the matching `#ifdef` in `helpers.c`) is the only place that reads
//! it. What differs:
//!
//! - IRQ-safe spinlock: none on 7.2, `SpinLockIrq` and `new_spinlock_irq!`
//!   on 7.3; here [`SpinLockIrq`], on 7.2 a lock backend on
//!   `spin_lock_irqsave()`.
//! - `THIS_MODULE`: `crate::THIS_MODULE` (a static of `module!`) on 7.2,
//!   `module::this_module::<LocalModule>()` on 7.3; here [`this_module()`].
//! - `of_device_table!`: 4 arguments on 7.2 (a module table name), 3 on 7.3;
//!   here the 7.3 form, `of_device_table!`.
//! - `irqreturn_t` values: `irqreturn_IRQ_*` constants on 7.2,
//!   `irqreturn::IRQ_*` on 7.3; here [`irqreturn()`] and
//!   [`threaded_irqreturn()`].
//!
//! Two more differences need no code here but a guest test each, because no
//! compiler error shows them: 7.2's `MiscDevice` file operations have no
//! `owner` (rpoll builds its own, `misc_poll.rs`, with the owner on both), and
//! 7.2's interrupt handlers receive the bound device (rpoll's handlers use the
//! release-independent trait of `irq_by_number.rs`).

#[cfg(not(rpoll_kernel_misc_poll))]
use kernel::ThisModule;
#[cfg(not(rpoll_kernel_irq_line))]
use kernel::{
    bindings,
    irq::{IrqReturn, ThreadedIrqReturn},
};

/// The module's `THIS_MODULE`: the owner of its file operations, so that the
/// module cannot be unloaded while one of its files is open (for the misc
/// device backport; the kernel's `MiscDevice` sets it with patch 12).
#[cfg(not(rpoll_kernel_misc_poll))]
pub(crate) const fn this_module() -> &'static ThisModule {
    #[cfg(not(rpoll_kernel_7_2))]
    {
        kernel::module::this_module::<crate::LocalModule>()
    }
    #[cfg(rpoll_kernel_7_2)]
    {
        &crate::THIS_MODULE
    }
}

/// The C `irqreturn_t` value of `ret` (for the interrupt backport).
#[cfg(not(rpoll_kernel_irq_line))]
pub(crate) fn irqreturn(ret: IrqReturn) -> bindings::irqreturn_t {
    #[cfg(not(rpoll_kernel_7_2))]
    {
        match ret {
            IrqReturn::None => bindings::irqreturn::IRQ_NONE,
            IrqReturn::Handled => bindings::irqreturn::IRQ_HANDLED,
        }
    }
    #[cfg(rpoll_kernel_7_2)]
    {
        match ret {
            IrqReturn::None => bindings::irqreturn_IRQ_NONE,
            IrqReturn::Handled => bindings::irqreturn_IRQ_HANDLED,
        }
    }
}

/// The C `irqreturn_t` value of a threaded handler's hard half (for the
/// interrupt backport).
#[cfg(not(rpoll_kernel_irq_line))]
pub(crate) fn threaded_irqreturn(ret: ThreadedIrqReturn) -> bindings::irqreturn_t {
    #[cfg(not(rpoll_kernel_7_2))]
    {
        match ret {
            ThreadedIrqReturn::None => bindings::irqreturn::IRQ_NONE,
            ThreadedIrqReturn::Handled => bindings::irqreturn::IRQ_HANDLED,
            ThreadedIrqReturn::WakeThread => bindings::irqreturn::IRQ_WAKE_THREAD,
        }
    }
    #[cfg(rpoll_kernel_7_2)]
    {
        match ret {
            ThreadedIrqReturn::None => bindings::irqreturn_IRQ_NONE,
            ThreadedIrqReturn::Handled => bindings::irqreturn_IRQ_HANDLED,
            ThreadedIrqReturn::WakeThread => bindings::irqreturn_IRQ_WAKE_THREAD,
        }
    }
}

#[cfg(not(rpoll_kernel_7_2))]
pub(crate) use kernel::of_device_table;

/// Declares the driver's OF match table `$name` (entries of
/// `(of::DeviceId, $info)`) and exports it for module autoloading: 7.3's
/// three-argument `kernel::of_device_table!` on 7.2, whose macro also takes
/// the module table's name.
#[cfg(rpoll_kernel_7_2)]
macro_rules! of_device_table {
    ($name:ident, $info:ty, $entries:tt) => {
        ::kernel::of_device_table!($name, RPOLL_OF_MODULE_TABLE, $info, $entries);
    };
}
#[cfg(rpoll_kernel_7_2)]
pub(crate) use of_device_table;

#[cfg(not(rpoll_kernel_7_2))]
pub(crate) use kernel::{new_spinlock_irq, sync::SpinLockIrq};

#[cfg(rpoll_kernel_7_2)]
pub(crate) use irqsave::{new_spinlock_irq, SpinLockIrq};

/// An IRQ-safe spinlock for 7.2, whose kernel crate has none: a `Backend` of
/// `kernel::sync::Lock` on `spinlock_t` with `spin_lock_irqsave()`.
///
/// Like 7.3's it takes the `spinlock_t` the C code would, so lockdep sees it
/// and PREEMPT_RT turns it into a sleeping lock with interrupts left on, as
/// for any `spin_lock_irqsave()` in C; the interrupt state is saved in the
/// guard and restored by `unlock`, so nested locks restore in order.
#[cfg(rpoll_kernel_7_2)]
mod irqsave {
    use kernel::{
        bindings,
        ffi::{c_char, c_ulong},
        sync::lock::{Backend, Lock},
    };

    // `spin_lock_irqsave()` and friends, macros in C (`helpers.c`).
    extern "C" {
        fn rpoll_helper_spin_lock_irqsave(lock: *mut bindings::spinlock_t) -> c_ulong;
        fn rpoll_helper_spin_unlock_irqrestore(lock: *mut bindings::spinlock_t, flags: c_ulong);
        fn rpoll_helper_spin_trylock_irqsave(
            lock: *mut bindings::spinlock_t,
            flags: *mut c_ulong,
        ) -> bool;
        fn rpoll_helper_spin_assert_is_held(lock: *mut bindings::spinlock_t);
    }

    /// A spinlock taken with local interrupts disabled (7.3's `SpinLockIrq`).
    pub(crate) type SpinLockIrq<T> = Lock<T, IrqSaveBackend>;

    /// The `spin_lock_irqsave()` backend.
    pub(crate) struct IrqSaveBackend;

    // SAFETY: `spinlock_t` ensures mutual exclusion; `lock`/`try_lock` return
    // the interrupt state that `unlock` restores, and `relock` (the default)
    // takes the lock again the same way.
    unsafe impl Backend for IrqSaveBackend {
        type State = bindings::spinlock_t;
        type GuardState = c_ulong;

        unsafe fn init(
            ptr: *mut Self::State,
            name: *const c_char,
            key: *mut bindings::lock_class_key,
        ) {
            // SAFETY: the caller guarantees `ptr` is valid for writes and
            // `name` and `key` valid for reads indefinitely.
            unsafe { bindings::__spin_lock_init(ptr, name, key) }
        }

        unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
            // SAFETY: the caller guarantees `init` was called on `ptr`.
            unsafe { rpoll_helper_spin_lock_irqsave(ptr) }
        }

        unsafe fn try_lock(ptr: *mut Self::State) -> Option<Self::GuardState> {
            let mut flags: c_ulong = 0;
            // SAFETY: the caller guarantees `init` was called on `ptr`;
            // `flags` is a valid place for the saved interrupt state.
            unsafe { rpoll_helper_spin_trylock_irqsave(ptr, &mut flags) }.then_some(flags)
        }

        unsafe fn unlock(ptr: *mut Self::State, flags: &Self::GuardState) {
            // SAFETY: the caller owns the lock, taken by `lock` or
            // `try_lock`, which returned `flags`.
            unsafe { rpoll_helper_spin_unlock_irqrestore(ptr, *flags) }
        }

        unsafe fn assert_is_held(ptr: *mut Self::State) {
            // SAFETY: the caller guarantees `init` was called on `ptr`.
            unsafe { rpoll_helper_spin_assert_is_held(ptr) }
        }
    }

    /// Creates a [`SpinLockIrq`] initialiser with a name and a new lock
    /// class (7.3's `new_spinlock_irq!`).
    macro_rules! new_spinlock_irq {
        ($inner:expr $(, $name:literal)? $(,)?) => {
            $crate::shim::sync::SpinLockIrq::new(
                $inner,
                ::kernel::optional_name!($($name)?),
                ::kernel::static_lock_class!(),
            )
        };
    }
    pub(crate) use new_spinlock_irq;
}
