// SPDX-License-Identifier: GPL-2.0

//! The user-visible ABI of rpoll: the event record returned by `read()`.
//!
//! This is the Rust twin of `include/uapi/linux/rpoll.h`; both sides assert the
//! size and the field offsets, so a change to one that is not made to the other
//! fails to build.

use core::mem::{offset_of, size_of};

/// The event came from a periodic hrtimer (`rpoll,event-timer`).
pub const RPOLL_SOURCE_TIMER: u32 = 1;
/// The event came from an interrupt line (`rpoll,event-irq`).
pub const RPOLL_SOURCE_IRQ: u32 = 2;

/// One event as user space reads it: 32 bytes, native endianness.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RpollEvent {
    /// Per-device event number, starting at 1; a gap means events were lost.
    pub seq: u64,
    /// When the source fired, in the clock selected for the open file.
    pub timestamp_ns: u64,
    /// `jiffies_64` when the source fired.
    pub jiffies: u64,
    /// [`RPOLL_SOURCE_TIMER`] or [`RPOLL_SOURCE_IRQ`].
    pub source: u32,
    /// Events this open file lost just before this one.
    pub lost: u32,
}

/// Size in bytes of one [`RpollEvent`] on the wire.
pub const RPOLL_EVENT_SIZE: usize = 32;

const _: () = {
    assert!(size_of::<RpollEvent>() == RPOLL_EVENT_SIZE);
    assert!(offset_of!(RpollEvent, seq) == 0);
    assert!(offset_of!(RpollEvent, timestamp_ns) == 8);
    assert!(offset_of!(RpollEvent, jiffies) == 16);
    assert!(offset_of!(RpollEvent, source) == 24);
    assert!(offset_of!(RpollEvent, lost) == 28);
};

impl RpollEvent {
    /// Encodes the record into its 32-byte wire form (native endianness).
    pub fn to_bytes(self) -> [u8; RPOLL_EVENT_SIZE] {
        let mut out = [0u8; RPOLL_EVENT_SIZE];
        out[0..8].copy_from_slice(&self.seq.to_ne_bytes());
        out[8..16].copy_from_slice(&self.timestamp_ns.to_ne_bytes());
        out[16..24].copy_from_slice(&self.jiffies.to_ne_bytes());
        out[24..28].copy_from_slice(&self.source.to_ne_bytes());
        out[28..32].copy_from_slice(&self.lost.to_ne_bytes());
        out
    }

    /// Decodes a record from its 32-byte wire form (native endianness).
    pub fn from_bytes(b: &[u8; RPOLL_EVENT_SIZE]) -> Self {
        let u64_at = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i..i + 8]);
            u64::from_ne_bytes(w)
        };
        let u32_at = |i: usize| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&b[i..i + 4]);
            u32::from_ne_bytes(w)
        };
        Self {
            seq: u64_at(0),
            timestamp_ns: u64_at(8),
            jiffies: u64_at(16),
            source: u32_at(24),
            lost: u32_at(28),
        }
    }
}
