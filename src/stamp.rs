// SPDX-License-Identifier: GPL-2.0

//! Stamping an event with the clocks a reader can choose.
//!
//! One clock is read per event: `CLOCK_MONOTONIC` (or, for timer events,
//! the timer's expiry, already on that clock). `CLOCK_BOOTTIME` and
//! `CLOCK_REALTIME` are derived from it at once with the timekeeper's
//! current offsets, as evdev does, so every reader can later pick its clock
//! without a conversion that could see a different offset. rpoll keeps
//! times as `u64` nanoseconds (in records, atomics and the logic's
//! arithmetic); the functions here take and give those.

use crate::logic::sample::Sample;
use crate::shim::time::*;

/// The nanoseconds of `t` since its clock's epoch (an `Instant` is never
/// negative).
pub(crate) fn ns<C: ClockSource>(t: Instant<C>) -> u64 {
    t.as_nanos() as u64
}

/// `CLOCK_MONOTONIC` now, in nanoseconds. Any context.
pub(crate) fn monotonic_ns() -> u64 {
    ns(Instant::<Monotonic>::now())
}

/// The monotonic time `mono_ns` on `CLOCK_BOOTTIME`, with the timekeeper's
/// current offset. Any context.
pub(crate) fn boot_ns(mono_ns: u64) -> u64 {
    ns(Instant::<Monotonic>::from_nanos(mono_ns as i64).to_boottime())
}

/// TAI minus UTC now, in nanoseconds (whole seconds). Any context.
pub(crate) fn tai_offset_ns() -> i64 {
    let epoch = Instant::<Monotonic>::from_nanos(0);
    epoch.to_tai().as_nanos() - epoch.to_realtime().as_nanos()
}

/// The sample of an event from `source` (`RPOLL_SOURCE_*` and flags) that
/// happened at monotonic time `mono_ns`; its `seq` is set when it is pushed.
pub(crate) fn sample_at(mono_ns: u64, source: u32) -> Sample {
    let mono = Instant::<Monotonic>::from_nanos(mono_ns as i64);
    Sample {
        seq: 0,
        mono_ns,
        boot_ns: ns(mono.to_boottime()),
        real_ns: ns(mono.to_realtime()),
        jiffies: jiffies_64(),
        source,
    }
}
