// SPDX-License-Identifier: GPL-2.0

//! Backports patch 6 of the kernel-crate series (`rust: time: add
//! Instant::from_nanos(), clock conversions and jiffies_64()`,
//! docs/upstream.md): `Instant::from_nanos()`, the public
//! `Instant::as_nanos()` (given before the patch by the hrtimer expiry trait,
//! which `shim::prelude` brings), `Instant<Monotonic>` conversions to boot,
//! real and TAI time (`ktime_mono_to_any()`), and `time::jiffies_64()`. With
//! a kernel that carries it (`Kbuild` passes `--cfg rpoll_kernel_clock`),
//! [`jiffies_64`] is the kernel's function and the rest is the kernel's.

#[cfg(rpoll_kernel_clock)]
pub(crate) use kernel::time::jiffies_64;

#[cfg(not(rpoll_kernel_clock))]
pub(crate) use backport::{jiffies_64, InstantFromNanos, MonotonicToClock};

/// The backport (see the module documentation).
#[cfg(not(rpoll_kernel_clock))]
mod backport {
    use kernel::{
        bindings,
        time::{BootTime, ClockSource, Instant, Monotonic, RealTime, Tai},
    };

    extern "C" {
        /// `get_jiffies_64()` (`helpers.c`).
        fn rpoll_helper_get_jiffies_64() -> u64;
    }

    /// Returns `jiffies_64`. Any context.
    pub(crate) fn jiffies_64() -> u64 {
        // SAFETY: `get_jiffies_64()` has no preconditions and may be called
        // from any context, hard IRQ included.
        unsafe { rpoll_helper_get_jiffies_64() }
    }

    /// `Instant::from_nanos()` of patch 6.
    pub(crate) trait InstantFromNanos {
        /// The instant `nanos` nanoseconds after the clock's epoch; a
        /// negative value is taken as 0.
        fn from_nanos(nanos: i64) -> Self;
    }

    impl<C: ClockSource> InstantFromNanos for Instant<C> {
        fn from_nanos(nanos: i64) -> Self {
            // SAFETY: `Instant<C>` is `#[repr(transparent)]` over its
            // `ktime_t` (in Linux 7.2 and 7.3, the kernels without patch 6
            // that `Kbuild` builds on; its other field is a `PhantomData`),
            // so every `i64` is a valid bit pattern for it, and the value
            // is clamped to the range its invariant requires, 0 to
            // `KTIME_MAX` (`i64::MAX`).
            unsafe { core::mem::transmute::<i64, Self>(nanos.max(0)) }
        }
    }

    /// `Instant<Monotonic>::{to_boottime, to_realtime, to_tai}()` of
    /// patch 6: the same moment on another clock, with the timekeeper's
    /// offset in force now (`ktime_mono_to_any()`). Any context.
    pub(crate) trait MonotonicToClock {
        /// The same moment on `CLOCK_BOOTTIME`.
        fn to_boottime(self) -> Instant<BootTime>;
        /// The same moment on `CLOCK_REALTIME`.
        fn to_realtime(self) -> Instant<RealTime>;
        /// The same moment on `CLOCK_TAI`.
        fn to_tai(self) -> Instant<Tai>;
    }

    /// `self` on the clock `offset` leads to.
    fn to_clock<C: ClockSource>(t: Instant<Monotonic>, offset: bindings::tk_offsets) -> Instant<C> {
        use kernel::time::hrtimer::HrTimerExpires;
        // SAFETY: `ktime_mono_to_any()` only reads the timekeeper's offsets
        // under its sequence count; it has no preconditions and may be
        // called from any context, hard IRQ included. `offset` is a valid
        // `tk_offsets`.
        let ns = unsafe { bindings::ktime_mono_to_any(t.as_nanos(), offset) };
        Instant::from_nanos(ns)
    }

    impl MonotonicToClock for Instant<Monotonic> {
        fn to_boottime(self) -> Instant<BootTime> {
            to_clock(self, bindings::tk_offsets_TK_OFFS_BOOT)
        }
        fn to_realtime(self) -> Instant<RealTime> {
            to_clock(self, bindings::tk_offsets_TK_OFFS_REAL)
        }
        fn to_tai(self) -> Instant<Tai> {
            to_clock(self, bindings::tk_offsets_TK_OFFS_TAI)
        }
    }
}
