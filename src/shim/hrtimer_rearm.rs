// SPDX-License-Identifier: GPL-2.0

//! Stands for: `ArcHrTimerHandle::restart()`, re-arming a started timer in
//! place from any context. Backports patch 5 of the kernel-crate series
//! (`rust: hrtimer: add ArcHrTimerHandle::restart()`, docs/upstream.md):
//! with a kernel that carries it (`Kbuild` passes
//! `--cfg rpoll_kernel_hrtimer_restart`), [`ArmedTimer`] is the kernel's
//! handle and its `restart`.
//!
//! In Linux 7.3 a timer owned through an `Arc` is started with
//! `HrTimerPointer::start`, which returns a new handle each time; dropping a
//! handle cancels the timer and waits for a running callback, so a handle
//! cannot be replaced from hard-IRQ context (the old one's drop would wait,
//! and would cancel the restarted timer). [`ArmedTimer::restart`] moves the
//! expiry of the timer its handle already covers.

use kernel::{
    sync::Arc,
    time::hrtimer::{ArcHrTimerHandle, HasHrTimer, HrTimerCallback, HrTimerMode, HrTimerPointer},
};

/// The expiry type of `T`'s timer.
type Expires<T> = <<T as HasHrTimer<T>>::TimerMode as HrTimerMode>::Expires;

/// A started timer of an `Arc<T>` that can be restarted in place.
///
/// Dropping it cancels the timer (waiting for a running callback), then drops
/// its reference to `T`: process context only, as for `ArcHrTimerHandle`.
#[cfg(rpoll_kernel_hrtimer_restart)]
pub(crate) struct ArmedTimer<T>(ArcHrTimerHandle<T>)
where
    T: HasHrTimer<T> + 'static;

#[cfg(rpoll_kernel_hrtimer_restart)]
impl<T> ArmedTimer<T>
where
    T: HasHrTimer<T> + Send + Sync + 'static,
    T: for<'a> HrTimerCallback<Pointer<'a> = Arc<T>>,
{
    /// Starts `target`'s timer to expire at `expires`. Any context.
    ///
    /// # Safety
    ///
    /// The returned timer is dropped, not leaked (`mem::forget`, a cycle of
    /// `Arc`s never broken), before the module is unloaded. Leaking it is
    /// memory-safe only while the module is loaded: the timer stays armed
    /// and its `Arc` keeps `target` alive, but the callback is this module's
    /// code, which `rmmod` frees.
    pub(crate) unsafe fn start(target: Arc<T>, expires: Expires<T>) -> Self {
        Self(target.start(expires))
    }

    /// Restarts the timer to expire at `expires`, whether it is queued,
    /// running its callback or idle. Any context, hard IRQ included.
    pub(crate) fn restart(&self, expires: Expires<T>) {
        self.0.restart(expires);
    }
}

/// A started timer of an `Arc<T>` that can be restarted in place.
///
/// Dropping it cancels the timer (waiting for a running callback), then drops
/// its reference to `T`: process context only, as for `ArcHrTimerHandle`.
///
/// # Invariants
///
/// `handle` is the handle of `target`'s timer, so `target` stays alive until
/// the timer is cancelled.
#[cfg(not(rpoll_kernel_hrtimer_restart))]
pub(crate) struct ArmedTimer<T>
where
    T: HasHrTimer<T> + 'static,
{
    // Declared first: dropped (cancelled) before `target`. Never read.
    _handle: ArcHrTimerHandle<T>,
    target: Arc<T>,
}

#[cfg(not(rpoll_kernel_hrtimer_restart))]
impl<T> ArmedTimer<T>
where
    T: HasHrTimer<T> + Send + Sync + 'static,
    T: for<'a> HrTimerCallback<Pointer<'a> = Arc<T>>,
{
    /// Starts `target`'s timer to expire at `expires`. Any context.
    ///
    /// # Safety
    ///
    /// The returned timer is dropped, not leaked (`mem::forget`, a cycle of
    /// `Arc`s never broken), before the module is unloaded. Leaking it is
    /// memory-safe only while the module is loaded: the timer stays armed
    /// and its `Arc` keeps `target` alive, but the callback is this module's
    /// code, which `rmmod` frees.
    pub(crate) unsafe fn start(target: Arc<T>, expires: Expires<T>) -> Self {
        let handle = target.clone().start(expires);
        // INVARIANT: `handle` was just returned for `target`'s timer.
        Self {
            _handle: handle,
            target,
        }
    }

    /// Restarts the timer to expire at `expires`, whether it is queued,
    /// running its callback or idle. Any context, hard IRQ included.
    pub(crate) fn restart(&self, expires: Expires<T>) {
        // SAFETY: `target` is a live `T`, and it stays alive until the timer
        // has fired or been cancelled: by the type invariant `_handle` covers
        // this timer, and dropping `self` cancels it (waiting for a running
        // callback) before dropping `target`. Restarting a queued or running
        // hrtimer is allowed.
        unsafe { <T as HasHrTimer<T>>::start(Arc::as_ptr(&self.target), expires) };
    }
}
