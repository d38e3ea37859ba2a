// SPDX-License-Identifier: GPL-2.0

//! Stands for: `Instant::as_nanos()` made public, `Instant<Monotonic>`
//! conversions to boot and real time and the TAI offset
//! (`ktime_mono_to_any()`), and
//! `get_jiffies_64()`; none of them is public in the 7.3 kernel crate.

use kernel::{
    bindings,
    time::{hrtimer::HrTimerExpires, ClockSource, Instant, Monotonic},
};

extern "C" {
    /// `get_jiffies_64()` (`helpers.c`).
    fn rpoll_helper_get_jiffies_64() -> u64;
}

/// Returns `jiffies_64`. Any context.
pub(crate) fn jiffies64() -> u64 {
    // SAFETY: `get_jiffies_64()` has no preconditions and may be called from
    // any context, hard IRQ included.
    unsafe { rpoll_helper_get_jiffies_64() }
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

/// Converts the monotonic time `mono_ns` to the clock `to` with the
/// timekeeper's current offset (`ktime_mono_to_any()`). Any context.
pub(crate) fn mono_to(mono_ns: u64, to: Offset) -> u64 {
    let offset = match to {
        Offset::Boot => bindings::tk_offsets_TK_OFFS_BOOT,
        Offset::Real => bindings::tk_offsets_TK_OFFS_REAL,
    };
    // SAFETY: `ktime_mono_to_any()` only reads the timekeeper's offsets under
    // its sequence count; it has no preconditions and may be called from any
    // context, hard IRQ included. `offset` is a valid `tk_offsets`.
    let t = unsafe { bindings::ktime_mono_to_any(mono_ns as bindings::ktime_t, offset) };
    // Boot and real time are never before the monotonic epoch's start.
    t.max(0) as u64
}
