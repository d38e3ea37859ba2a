// SPDX-License-Identifier: GPL-2.0

//! What the producer records when its source fires, before any reader's clock
//! choice is applied.

use super::uapi::RpollEvent;

/// The clocks a reader can choose for `timestamp_ns`, with their Linux ids.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u32)]
pub enum Clock {
    /// `CLOCK_REALTIME` (0): wall-clock time.
    Realtime = 0,
    /// `CLOCK_MONOTONIC` (1): the default.
    #[default]
    Monotonic = 1,
    /// `CLOCK_BOOTTIME` (7): monotonic, including time spent suspended.
    Boottime = 7,
}

impl Clock {
    /// Maps a Linux `clockid_t` to a supported clock, `None` if unsupported.
    pub fn from_id(id: u32) -> Option<Self> {
        match id {
            0 => Some(Self::Realtime),
            1 => Some(Self::Monotonic),
            7 => Some(Self::Boottime),
            _ => None,
        }
    }
}

/// One event as the producer samples it: the monotonic time of the event and
/// the boot and real time derived from it when the source fires, so that
/// every reader can get its own clock without a later, racy conversion (the
/// way evdev does it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    /// Per-device event number, starting at 1.
    pub seq: u64,
    /// `CLOCK_MONOTONIC` time of the event, in nanoseconds.
    pub mono_ns: u64,
    /// `CLOCK_BOOTTIME` time of the event, in nanoseconds.
    pub boot_ns: u64,
    /// `CLOCK_REALTIME` time of the event, in nanoseconds.
    pub real_ns: u64,
    /// `jiffies_64` when the event was sampled.
    pub jiffies: u64,
    /// The uapi source code (`RPOLL_SOURCE_*`).
    pub source: u32,
}

impl Sample {
    /// The timestamp of this sample in `clock`.
    pub fn timestamp(self, clock: Clock) -> u64 {
        match clock {
            Clock::Realtime => self.real_ns,
            Clock::Monotonic => self.mono_ns,
            Clock::Boottime => self.boot_ns,
        }
    }

    /// The record a reader with `clock` gets, carrying `lost` preceding losses.
    pub fn to_event(self, clock: Clock, lost: u32) -> RpollEvent {
        RpollEvent {
            seq: self.seq,
            timestamp_ns: self.timestamp(clock),
            jiffies: self.jiffies,
            source: self.source,
            lost,
        }
    }
}
