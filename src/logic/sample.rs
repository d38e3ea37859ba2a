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
    /// `CLOCK_TAI` (11): International Atomic Time, `CLOCK_REALTIME` plus
    /// the kernel's TAI offset (PTP users).
    Tai = 11,
}

impl Clock {
    /// Maps a Linux `clockid_t` to a supported clock, `None` if unsupported.
    pub fn from_id(id: u32) -> Option<Self> {
        match id {
            0 => Some(Self::Realtime),
            1 => Some(Self::Monotonic),
            7 => Some(Self::Boottime),
            11 => Some(Self::Tai),
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

/// A reader's clock as its records are read: the clock, and for
/// [`Clock::Tai`] the kernel's TAI offset (TAI minus UTC) at the read. The
/// offset is applied when the record is read, not when it was produced: it
/// changes only when it is set (at boot by a PTP or NTP daemon, at a leap
/// second), and one derivation fewer per event keeps the producer's path
/// short; a record produced before such a change and read after it is off
/// by the change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadClock {
    /// The clock chosen (`RPOLL_IOC_SET_CLOCK`).
    pub clock: Clock,
    /// TAI minus UTC, in nanoseconds (used by [`Clock::Tai`] only).
    pub tai_offset_ns: i64,
}

impl Sample {
    /// The timestamp of this sample on `clock`.
    pub fn timestamp(self, clock: ReadClock) -> u64 {
        match clock.clock {
            Clock::Realtime => self.real_ns,
            Clock::Monotonic => self.mono_ns,
            Clock::Boottime => self.boot_ns,
            Clock::Tai => self.real_ns.saturating_add_signed(clock.tai_offset_ns),
        }
    }

    /// The record a reader with `clock` gets, carrying `lost` preceding losses.
    pub fn to_event(self, clock: ReadClock, lost: u32) -> RpollEvent {
        RpollEvent {
            seq: self.seq,
            timestamp_ns: self.timestamp(clock),
            jiffies: self.jiffies,
            source: self.source,
            lost,
        }
    }
}
