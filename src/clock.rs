// SPDX-License-Identifier: GPL-2.0

//! Reading the clocks an event is stamped with.
//!
//! One clock is read per event: `CLOCK_MONOTONIC` (or, for timer events,
//! the timer's expiry, already on that clock). `CLOCK_BOOTTIME` and
//! `CLOCK_REALTIME` are derived from it at once with the timekeeper's
//! current offsets, as evdev does, so every reader can later pick its clock
//! without a conversion that could see a different offset.

use kernel::{
    bindings,
    time::{ClockSource, Instant, Monotonic},
};

use crate::logic::sample::Sample;

/// Returns `jiffies_64`.
///
/// On 64-bit kernels `get_jiffies_64()` is an inline plain load (not in the
/// bindings), done here the same way; on 32-bit kernels it is a real
/// function that reads the two halves under the jiffies seqlock.
#[cfg(CONFIG_64BIT)]
pub(crate) fn jiffies64() -> u64 {
    // SAFETY: `jiffies_64` is a kernel global that always exists. On 64-bit
    // kernels an aligned u64 load is single-copy atomic, which is what the
    // kernel's own `get_jiffies_64()` relies on there; the volatile read keeps
    // the compiler from caching the value.
    unsafe { core::ptr::read_volatile(&raw const bindings::jiffies_64) }
}

/// Returns `jiffies_64`.
#[cfg(not(CONFIG_64BIT))]
pub(crate) fn jiffies64() -> u64 {
    // SAFETY: `get_jiffies_64()` has no preconditions; on 32-bit kernels it
    // is exported and safe to call from any context, hard IRQ included.
    unsafe { bindings::get_jiffies_64() }
}

/// Returns `CLOCK_MONOTONIC` now, in nanoseconds.
pub(crate) fn monotonic_ns() -> u64 {
    // ktime values of the monotonic clock are never negative.
    Monotonic::ktime_get() as u64
}

/// Converts the monotonic time `mono_ns` to the clock `offset` selects
/// (`TK_OFFS_BOOT`, `TK_OFFS_REAL`) with the timekeeper's current offset.
fn mono_to(mono_ns: u64, offset: bindings::tk_offsets) -> u64 {
    // SAFETY: `ktime_mono_to_any()` only reads the timekeeper's offsets under
    // its sequence count; it has no preconditions and may be called from any
    // context, hard IRQ included. `offset` is one of the valid `tk_offsets`.
    let t = unsafe { bindings::ktime_mono_to_any(mono_ns as bindings::ktime_t, offset) };
    // Boot and real time are never before the monotonic epoch's start.
    t.max(0) as u64
}

/// Builds the sample of event `seq` from `source` that happened at monotonic
/// time `mono_ns`, with the other clocks derived from it now.
pub(crate) fn sample_at(mono_ns: u64, seq: u64, source: u32) -> Sample {
    Sample {
        seq,
        mono_ns,
        boot_ns: mono_to(mono_ns, bindings::tk_offsets_TK_OFFS_BOOT),
        real_ns: mono_to(mono_ns, bindings::tk_offsets_TK_OFFS_REAL),
        jiffies: jiffies64(),
        source,
    }
}

/// Returns the nanoseconds of `t`, e.g. an hrtimer's expiry.
///
/// The 7.3 kernel crate keeps `Instant::as_nanos()` crate-private; this is
/// the one-line shim an upstream patch would replace by making it public.
pub(crate) fn instant_ns<C: ClockSource>(t: Instant<C>) -> u64 {
    // SAFETY: `Instant<C>` is `#[repr(transparent)]` over its only non-zero
    // sized field, a `ktime_t` (the other is `PhantomData`), so it has the
    // layout of `ktime_t` and every bit pattern of it is a valid `i64`.
    let ns: bindings::ktime_t = unsafe { core::mem::transmute_copy(&t) };
    // INVARIANT of `Instant`: `0 <= ns <= KTIME_MAX`, so the cast is exact.
    ns as u64
}
