// SPDX-License-Identifier: GPL-2.0

//! Backports `HrTimerCallbackContext::add_expires()`, moving a timer's
//! expiry one step later from its callback without `hrtimer_forward()`:
//! patch 13 of the kernel-crate series (`rust: hrtimer: add
//! HrTimerCallbackContext::add_expires()`, docs/upstream.md). With a kernel
//! that carries it (`--cfg rpoll_kernel_hrtimer_add_expires`) the method is
//! the kernel's and this file is empty.

#[cfg(not(rpoll_kernel_hrtimer_add_expires))]
use core::ptr::{self, NonNull};
#[cfg(not(rpoll_kernel_hrtimer_add_expires))]
use kernel::{
    bindings,
    time::{
        hrtimer::{HasHrTimer, HrTimer, HrTimerCallbackContext},
        Delta,
    },
};

/// `HrTimerCallbackContext::add_expires()` of patch 13 (brought by
/// `shim::prelude`).
#[cfg(not(rpoll_kernel_hrtimer_add_expires))]
pub(crate) trait AddExpires {
    /// Moves the timer's expiry `interval` later, as C's
    /// `hrtimer_add_expires()`: no comparison with a time, no overrun
    /// count. An expiry that would overflow, or move back for a negative
    /// `interval`, becomes `KTIME_MAX` (`ktime_add_safe()`), so it stays in
    /// the range an `Instant` holds.
    fn add_expires(&mut self, interval: Delta);
}

/// `ktime_add_safe()`: the sum, or `KTIME_MAX` if it overflows or goes back.
#[cfg(not(rpoll_kernel_hrtimer_add_expires))]
fn add_safe(lhs: bindings::ktime_t, rhs: bindings::ktime_t) -> bindings::ktime_t {
    let res = lhs.wrapping_add(rhs);
    if res < 0 || res < lhs || res < rhs {
        bindings::ktime_t::MAX
    } else {
        res
    }
}

#[cfg(not(rpoll_kernel_hrtimer_add_expires))]
impl<T: HasHrTimer<T>> AddExpires for HrTimerCallbackContext<'_, T> {
    fn add_expires(&mut self, interval: Delta) {
        // The context's one non-zero-sized field, its `NonNull<HrTimer<T>>`,
        // is private to the kernel crate. In Linux 7.2 and 7.3 (the only
        // kernels without patch 13 that `Kbuild` builds on) the other field
        // is a `PhantomData`, so in a context of a pointer's size the pointer
        // fills it from offset 0; and `HrTimer<T>` is `#[repr(C)]` with its
        // `Opaque<bindings::hrtimer>` first. Both checked at compile time.
        const {
            assert!(
                core::mem::size_of::<HrTimerCallbackContext<'_, T>>()
                    == core::mem::size_of::<NonNull<HrTimer<T>>>()
            );
            assert!(
                core::mem::size_of::<HrTimer<T>>() == core::mem::size_of::<bindings::hrtimer>()
            );
        };
        // SAFETY: by the above, `self` points at its `NonNull<HrTimer<T>>`,
        // valid for reads while `&mut self` lives.
        let timer: NonNull<HrTimer<T>> =
            unsafe { *ptr::from_mut(self).cast::<NonNull<HrTimer<T>>>() };
        // `HrTimer<T>` starts with its `bindings::hrtimer` (above).
        let c_timer = timer.as_ptr().cast::<bindings::hrtimer>();
        let ns = interval.as_nanos();
        // SAFETY: the context exists only inside the timer's callback, and
        // its pointer is to a live, initialised timer (its type invariants).
        // There the expiry is the callback's to change: the hrtimer core
        // dequeued the timer before calling it and reads the expiry again
        // only after it returns. These are `hrtimer_add_expires()`'s two
        // stores; volatile, as `HrTimer::expires()` reads them (READ_ONCE).
        unsafe {
            let expires = &raw mut (*c_timer).node.expires;
            let soft = &raw mut (*c_timer)._softexpires;
            ptr::write_volatile(expires, add_safe(ptr::read_volatile(expires), ns));
            ptr::write_volatile(soft, add_safe(ptr::read_volatile(soft), ns));
        }
    }
}
