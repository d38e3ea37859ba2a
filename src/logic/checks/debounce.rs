// SPDX-License-Identifier: GPL-2.0

//! Checks of edge debouncing (`logic::debounce`).

use super::Checked;
use crate::logic::debounce::Debouncer;

const US: u64 = 1000;

/// A zero window reports every edge.
pub fn disabled_window_passes_every_edge() -> Checked {
    let mut d = Debouncer::new(0);
    ensure!((0..10).all(|i| d.edge(i)));
    Ok(())
}

/// A press bouncing every 300 us for 3 ms is one event; the next press,
/// 20 ms later, is another.
pub fn a_bounce_burst_is_one_event() -> Checked {
    let mut d = Debouncer::new(5000);
    ensure!(d.edge(1000 * US));
    for k in 1..10 {
        ensure!(!d.edge(1000 * US + k * 300 * US));
    }
    ensure!(d.edge(25_000 * US));
    Ok(())
}

/// The window restarts at every edge, reported or not.
pub fn edges_exactly_one_window_apart_are_separate() -> Checked {
    let mut d = Debouncer::new(100);
    ensure!(d.edge(0));
    ensure!(d.edge(100 * US));
    ensure!(!d.edge(199 * US));
    ensure!(!d.edge(250 * US));
    ensure!(d.edge(350 * US));
    Ok(())
}
