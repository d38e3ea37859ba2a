// SPDX-License-Identifier: GPL-2.0

//! Which record says "this woke the system" (`RPOLL_EVENT_WAKEUP`).
//!
//! A module cannot ask which interrupt woke the system (`pm_wakeup_irq()` is
//! not exported), so a wake-up source keeps a window instead: it opens when
//! the system starts to sleep with the device's wake-up enabled and closes
//! when the system runs again. The first record in that window that is a
//! wake-up edge (any record, for a device without edges) is the wake-up:
//! the edge that woke the system, or that stopped it from going to sleep.
//! The record's stamp decides, not the time it is queued, so a burst that
//! began inside the window and settled after it still counts.

use super::gpio_edges::Edges;
use super::uapi::{RPOLL_EVENT_FALLING, RPOLL_EVENT_RISING};

/// The `RPOLL_EVENT_RISING`/`RPOLL_EVENT_FALLING` bits of records of
/// `edges`.
pub fn edge_bits(edges: Edges) -> u32 {
    match edges {
        Edges::Rising => RPOLL_EVENT_RISING,
        Edges::Falling => RPOLL_EVENT_FALLING,
        Edges::Both => RPOLL_EVENT_RISING | RPOLL_EVENT_FALLING,
    }
}

/// One device's wake-up window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WakeWindow {
    /// The edge bits a wake-up record has one of; 0: any record.
    edges: u32,
    /// When the window opened (monotonic ns); `None` before the first.
    open_ns: Option<u64>,
    /// When it closed; `u64::MAX` while open.
    close_ns: u64,
    /// Whether this window's wake-up record was found.
    claimed: bool,
}

impl WakeWindow {
    /// A window that never opened: no record is a wake-up.
    pub const fn new() -> Self {
        Self {
            edges: 0,
            open_ns: None,
            close_ns: 0,
            claimed: false,
        }
    }

    /// The system starts to sleep at `now_ns` with the device able to wake
    /// it; a wake-up record has one of `edges` (edge bits; 0: any record).
    pub fn open(&mut self, now_ns: u64, edges: u32) {
        *self = Self {
            edges,
            open_ns: Some(now_ns),
            close_ns: u64::MAX,
            claimed: false,
        };
    }

    /// The system runs again at `now_ns`; nothing if no window is open.
    pub fn close(&mut self, now_ns: u64) {
        if self.open_ns.is_some() && self.close_ns == u64::MAX {
            self.close_ns = now_ns;
        }
    }

    /// Whether a record with `source` word, stamped `stamp_ns`, is this
    /// window's wake-up (then no later one is).
    pub fn claim(&mut self, source: u32, stamp_ns: u64) -> bool {
        let Some(open) = self.open_ns else {
            return false;
        };
        let edge_ok = self.edges == 0 || source & self.edges != 0;
        if self.claimed || !edge_ok || stamp_ns < open || stamp_ns > self.close_ns {
            return false;
        }
        self.claimed = true;
        true
    }
}
