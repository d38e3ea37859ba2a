// SPDX-License-Identifier: GPL-2.0

//! Checks of GPIO edge selection and settled-state debouncing
//! (`logic::gpio_edges`).

use super::Checked;
use crate::logic::gpio_edges::{EdgeOutcome, Edges, Sampled, Settle, Settled};

/// `rpoll,edges` values.
pub fn edges_parse() -> Checked {
    ensure_eq!(Edges::parse(b"rising"), Some(Edges::Rising));
    ensure_eq!(Edges::parse(b"falling"), Some(Edges::Falling));
    ensure_eq!(Edges::parse(b"both"), Some(Edges::Both));
    ensure_eq!(Edges::parse(b"Rising"), None);
    ensure_eq!(Edges::parse(b""), None);
    ensure_eq!(Edges::Both.irq_type(), 3);
    Ok(())
}

/// Without a window every change is reported at once and a repeat merged.
pub fn zero_window_reports_changes_and_merges_repeats() -> Checked {
    let mut s = Settle::new(0, false);
    ensure_eq!(s.edge(true, 1), EdgeOutcome::Report(true));
    ensure_eq!(s.edge(true, 2), EdgeOutcome::Merged);
    ensure_eq!(s.edge(false, 3), EdgeOutcome::Report(false));
    Ok(())
}

/// A burst that ends at the level it started from reports nothing; the
/// timer armed by its first edge fires before the line settled and waits.
pub fn a_burst_ending_where_it_started_reports_nothing() -> Checked {
    let mut s = Settle::new(5000, false);
    ensure_eq!(s.edge(true, 0), EdgeOutcome::Pending { first: true });
    ensure_eq!(
        s.edge(false, 1_000_000),
        EdgeOutcome::Pending { first: false }
    );
    ensure_eq!(s.settle(5_000_000), None);
    ensure_eq!(
        s.settle(6_000_000),
        Some(Settled {
            report: None,
            merged: 2
        })
    );
    // A settle with no burst (a stale timer) is harmless.
    ensure_eq!(
        s.settle(9_000_000),
        Some(Settled {
            report: None,
            merged: 0
        })
    );
    Ok(())
}

/// A reading at resume reports a change no interrupt announced; during a
/// burst it joins the burst, whose timer reports the level.
pub fn resync_reports_a_change_no_interrupt_announced() -> Checked {
    let mut s = Settle::new(5000, false);
    ensure_eq!(s.resync(false), None);
    ensure_eq!(s.resync(true), Some(true));
    ensure!(s.reported());
    ensure_eq!(s.resync(true), None);
    ensure_eq!(s.edge(true, 0), EdgeOutcome::Pending { first: true });
    ensure_eq!(s.resync(false), None);
    ensure_eq!(
        s.settle(5_000_000),
        Some(Settled {
            report: Some(false),
            merged: 0
        })
    );
    let mut z = Settle::new(0, true);
    ensure_eq!(z.resync(false), Some(false));
    ensure_eq!(z.edge(false, 1), EdgeOutcome::Merged);
    Ok(())
}

/// A polled line: only changes are edges, only in the reported directions,
/// and a rebase moves the starting point without one.
pub fn samples_become_edges_in_reported_directions() -> Checked {
    let mut s = Sampled::new(false);
    ensure!(!s.sample(false, Edges::Both));
    ensure!(s.sample(true, Edges::Both));
    ensure!(!s.sample(true, Edges::Both));
    ensure!(s.sample(false, Edges::Both));
    // Rising only: the fall is remembered, so the next rise is an edge.
    ensure!(s.sample(true, Edges::Rising));
    ensure!(!s.sample(false, Edges::Rising));
    ensure!(!s.sample(false, Edges::Rising));
    ensure!(s.sample(true, Edges::Rising));
    // Falling only.
    ensure!(!s.sample(true, Edges::Falling));
    ensure!(s.sample(false, Edges::Falling));
    // A rebase is no edge, and the next sample compares with it.
    s.rebase(true);
    ensure!(!s.sample(true, Edges::Both));
    ensure!(s.sample(false, Edges::Both));
    Ok(())
}

/// A new window re-times a settling burst from its last edge; a restart
/// drops the burst and starts from the given level.
pub fn window_change_retimes_a_settling_burst() -> Checked {
    let mut s = Settle::new(5000, false);
    ensure_eq!(s.set_window(1000), None);
    ensure_eq!(s.edge(true, 0), EdgeOutcome::Pending { first: true });
    ensure_eq!(
        s.edge(false, 2_000_000),
        EdgeOutcome::Pending { first: false }
    );
    // 1 ms after the last edge, now 20 ms.
    ensure_eq!(s.set_window(20_000), Some(22_000_000));
    ensure_eq!(s.settle(21_000_000), None);
    ensure_eq!(
        s.settle(22_000_000),
        Some(Settled {
            report: None,
            merged: 2
        })
    );
    s.restart(true);
    ensure!(s.reported());
    // No burst left: the window change re-times nothing.
    ensure_eq!(s.set_window(1000), None);
    ensure!(Edges::Rising.includes(true) && !Edges::Rising.includes(false));
    ensure!(Edges::Falling.includes(false) && Edges::Both.includes(true));
    ensure_eq!(Edges::from_bits(2), Some(Edges::Falling));
    ensure_eq!(Edges::from_bits(0), None);
    Ok(())
}
