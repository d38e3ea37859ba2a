// SPDX-License-Identifier: GPL-2.0

//! Backports `ArcHrTimerHandle::restart()`, re-arming a started timer in
//! place from any context: patch 5 of the kernel-crate series (`rust:
//! hrtimer: add ArcHrTimerHandle::restart()`, docs/upstream.md). With a
//! kernel that carries it (`Kbuild` passes
//! `--cfg rpoll_kernel_hrtimer_restart`) the method is the kernel's and this
//! file is empty.
//!
//! In Linux 7.3 a timer owned through an `Arc` is started with
//! `HrTimerPointer::start`, which returns a new handle each time; dropping a
//! handle cancels the timer and waits for a running callback, so a handle
//! cannot be replaced from hard-IRQ context (the old one's drop would wait,
//! and would cancel the restarted timer). `restart()` moves the expiry of
//! the timer the handle already covers.

#[cfg(not(rpoll_kernel_hrtimer_restart))]
use kernel::{
    sync::Arc,
    time::hrtimer::{ArcHrTimerHandle, HasHrTimer, HrTimerMode},
};

/// `ArcHrTimerHandle::restart()` of patch 5 (brought by `shim::prelude`).
#[cfg(not(rpoll_kernel_hrtimer_restart))]
pub(crate) trait HandleRestart<T: HasHrTimer<T>> {
    /// Restarts the timer this handle covers to expire at `expires`, whether
    /// it is queued, running its callback or stopped (`hrtimer_start()` on
    /// the same timer). It neither cancels nor waits for a running callback,
    /// so it may be called from any context, hard IRQ included.
    fn restart(&self, expires: <<T as HasHrTimer<T>>::TimerMode as HrTimerMode>::Expires);
}

#[cfg(not(rpoll_kernel_hrtimer_restart))]
impl<T: HasHrTimer<T>> HandleRestart<T> for ArcHrTimerHandle<T> {
    fn restart(&self, expires: <<T as HasHrTimer<T>>::TimerMode as HrTimerMode>::Expires) {
        // The handle's one field, `inner: Arc<T>`, is `pub(crate)` in the
        // kernel crate. In Linux 7.2 and 7.3 (the only kernels without patch
        // 5 that `Kbuild` builds on) it is the struct's only field, so a
        // handle of an `Arc`'s size holds it at offset 0; checked at compile
        // time.
        const { assert!(core::mem::size_of::<ArcHrTimerHandle<T>>() == core::mem::size_of::<Arc<T>>()) };
        // SAFETY: by the above, `self` points at its `inner: Arc<T>`, valid
        // for reads for the lifetime of `&self`.
        let inner: &Arc<T> = unsafe { &*core::ptr::from_ref(self).cast::<Arc<T>>() };
        // SAFETY: `inner` keeps the `T` alive, and dropping the handle
        // cancels the timer (waiting for a running callback) before it drops
        // `inner`, so the `T` outlives the timer run this queues. The
        // pointer comes from a valid reference. Restarting a queued or
        // running hrtimer is allowed.
        unsafe { T::start(Arc::as_ptr(inner), expires) };
    }
}
