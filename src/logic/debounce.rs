// SPDX-License-Identifier: GPL-2.0

//! Merging of bouncing edges into single events.
//!
//! A mechanical contact produces a burst of edges when it closes. An edge is
//! reported only if the line has been quiet for at least the debounce window
//! since the previous edge (reported or not), so a whole burst whose edges are
//! closer together than the window becomes one event.

/// Debounce state of one interrupt line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Debouncer {
    window_ns: u64,
    last_edge_ns: Option<u64>,
}

impl Debouncer {
    /// A debouncer with a window of `window_us` microseconds (0: disabled).
    pub fn new(window_us: u32) -> Self {
        Self {
            window_ns: u64::from(window_us) * 1000,
            last_edge_ns: None,
        }
    }

    /// Changes the window to `window_us`, from the next edge on.
    pub fn set_window(&mut self, window_us: u32) {
        self.window_ns = u64::from(window_us) * 1000;
    }

    /// Records an edge at `now_ns` (a monotonic time); returns `true` if it
    /// starts a new event, `false` if it is merged into the current one.
    pub fn edge(&mut self, now_ns: u64) -> bool {
        let new_event = match self.last_edge_ns {
            None => true,
            Some(last) => self.window_ns == 0 || now_ns.saturating_sub(last) >= self.window_ns,
        };
        self.last_edge_ns = Some(now_ns);
        new_event
    }
}
