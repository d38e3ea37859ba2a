// SPDX-License-Identifier: GPL-2.0

//! Stands for: `Instant::as_nanos()` made public with its inverse
//! `Instant::from_nanos()`, `Instant<Monotonic>` conversions to boot, real
//! and TAI time (`ktime_mono_to_any()`), and `jiffies_64()`. Backports patch
//! 6 of the kernel-crate series (`rust: time: add Instant::from_nanos(),
//! clock conversions and jiffies_64()`, docs/upstream.md): with a kernel that
//! carries it (`Kbuild` passes `--cfg rpoll_kernel_clock`), each function
//! here is the kernel's method. rpoll keeps times as `u64` nanoseconds (in
//! records, atomics and the logic's arithmetic), so the functions take and
//! give those.

use kernel::time::{ClockSource, Instant, Monotonic};
#[cfg(not(rpoll_kernel_clock))]
use kernel::{bindings, time::hrtimer::HrTimerExpires};

#[cfg(not(rpoll_kernel_clock))]
extern "C" {
    /// `get_jiffies_64()` (`helpers.c`).
    fn rpoll_helper_get_jiffies_64() -> u64;
}

/// Returns `jiffies_64`. Any context.
pub(crate) fn jiffies64() -> u64 {
    #[cfg(rpoll_kernel_clock)]
    {
        kernel::time::jiffies_64()
    }
    #[cfg(not(rpoll_kernel_clock))]
    {
        // SAFETY: `get_jiffies_64()` has no preconditions and may be called
        // from any context, hard IRQ included.
        unsafe { rpoll_helper_get_jiffies_64() }
    }
}

/// Returns the nanoseconds of `t` (an `Instant` is never negative).
pub(crate) fn instant_ns<C: ClockSource>(t: Instant<C>) -> u64 {
    t.as_nanos() as u64
}

/// Returns `CLOCK_MONOTONIC` now, in nanoseconds. Any context.
pub(crate) fn monotonic_ns() -> u64 {
    instant_ns(Instant::<Monotonic>::now())
}

/// The clocks a monotonic time converts to with the timekeeper's offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Offset {
    /// `CLOCK_BOOTTIME` (`TK_OFFS_BOOT`).
    Boot,
    /// `CLOCK_REALTIME` (`TK_OFFS_REAL`).
    Real,
}

/// TAI minus UTC now, in nanoseconds (the timekeeper's `tai_offset`, whole
/// seconds: `TK_OFFS_TAI - TK_OFFS_REAL`). Any context.
pub(crate) fn tai_offset_ns() -> i64 {
    #[cfg(rpoll_kernel_clock)]
    {
        let epoch = Instant::<Monotonic>::from_nanos(0);
        epoch.to_tai().as_nanos() - epoch.to_realtime().as_nanos()
    }
    #[cfg(not(rpoll_kernel_clock))]
    {
        // SAFETY: as in `mono_to`: `ktime_mono_to_any()` only reads the
        // timekeeper's offsets under its sequence count, any context.
        let (tai, real) = unsafe {
            (
                bindings::ktime_mono_to_any(0, bindings::tk_offsets_TK_OFFS_TAI),
                bindings::ktime_mono_to_any(0, bindings::tk_offsets_TK_OFFS_REAL),
            )
        };
        tai - real
    }
}

/// Converts the monotonic time `mono_ns` to the clock `to` with the
/// timekeeper's current offset (`ktime_mono_to_any()`). Any context.
pub(crate) fn mono_to(mono_ns: u64, to: Offset) -> u64 {
    #[cfg(rpoll_kernel_clock)]
    {
        let t = Instant::<Monotonic>::from_nanos(mono_ns as i64);
        match to {
            Offset::Boot => instant_ns(t.to_boottime()),
            Offset::Real => instant_ns(t.to_realtime()),
        }
    }
    #[cfg(not(rpoll_kernel_clock))]
    {
        let offset = match to {
            Offset::Boot => bindings::tk_offsets_TK_OFFS_BOOT,
            Offset::Real => bindings::tk_offsets_TK_OFFS_REAL,
        };
        // SAFETY: `ktime_mono_to_any()` only reads the timekeeper's offsets
        // under its sequence count; it has no preconditions and may be
        // called from any context, hard IRQ included. `offset` is a valid
        // `tk_offsets`.
        let t = unsafe { bindings::ktime_mono_to_any(mono_ns as bindings::ktime_t, offset) };
        // Boot and real time are never before the monotonic epoch's start.
        t.max(0) as u64
    }
}
