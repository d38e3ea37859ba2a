// SPDX-License-Identifier: GPL-2.0

//! Stamping an event with the clocks a reader can choose.
//!
//! One clock is read per event: `CLOCK_MONOTONIC` (or, for timer events,
//! the timer's expiry, already on that clock). `CLOCK_BOOTTIME` and
//! `CLOCK_REALTIME` are derived from it at once with the timekeeper's
//! current offsets, as evdev does, so every reader can later pick its clock
//! without a conversion that could see a different offset.

use crate::{
    logic::sample::Sample,
    shim::clock::{self, Offset},
};

/// The sample of an event from `source` (`RPOLL_SOURCE_*` and flags) that
/// happened at monotonic time `mono_ns`; its `seq` is set when it is pushed.
pub(crate) fn sample_at(mono_ns: u64, source: u32) -> Sample {
    Sample {
        seq: 0,
        mono_ns,
        boot_ns: clock::mono_to(mono_ns, Offset::Boot),
        real_ns: clock::mono_to(mono_ns, Offset::Real),
        jiffies: clock::jiffies64(),
        source,
    }
}
