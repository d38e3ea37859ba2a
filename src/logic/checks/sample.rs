// SPDX-License-Identifier: GPL-2.0

//! Checks of a sample turned into the record a reader gets
//! (`logic::sample`).

use super::Checked;
use crate::logic::{
    sample::{Clock, ReadClock, Sample},
    uapi::RPOLL_SOURCE_TIMER,
};

/// Each clock picks its own stamp; clock ids are the `CLOCK_*` numbers.
pub fn clock_selection_picks_the_right_timestamp() -> Checked {
    let s = Sample {
        seq: 1,
        mono_ns: 10,
        boot_ns: 20,
        real_ns: 30,
        jiffies: 4,
        source: RPOLL_SOURCE_TIMER,
    };
    let c = |clock| ReadClock {
        clock,
        tai_offset_ns: 37_000_000_000,
    };
    ensure_eq!(s.to_event(c(Clock::Monotonic), 0).timestamp_ns, 10);
    ensure_eq!(s.to_event(c(Clock::Boottime), 0).timestamp_ns, 20);
    ensure_eq!(s.to_event(c(Clock::Realtime), 2).timestamp_ns, 30);
    ensure_eq!(s.to_event(c(Clock::Realtime), 2).lost, 2);
    ensure_eq!(s.to_event(c(Clock::Tai), 0).timestamp_ns, 37_000_000_030);
    ensure_eq!(Clock::from_id(11), Some(Clock::Tai));
    ensure_eq!(Clock::from_id(1), Some(Clock::Monotonic));
    ensure_eq!(Clock::from_id(7), Some(Clock::Boottime));
    ensure_eq!(Clock::from_id(0), Some(Clock::Realtime));
    ensure_eq!(Clock::from_id(4), None);
    Ok(())
}
