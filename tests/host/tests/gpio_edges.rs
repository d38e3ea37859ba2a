//! Host tests of GPIO edge selection and settled-state debouncing.

use proptest::prelude::*;
use rpoll_logic::gpio_edges::{EdgeOutcome, Edges, Settle, Settled};

#[test]
fn edges_parse_and_swap_for_active_low() {
    assert_eq!(Edges::parse(b"rising"), Some(Edges::Rising));
    assert_eq!(Edges::parse(b"falling"), Some(Edges::Falling));
    assert_eq!(Edges::parse(b"both"), Some(Edges::Both));
    assert_eq!(Edges::parse(b"Rising"), None);
    assert_eq!(Edges::parse(b""), None);
    assert_eq!(Edges::Rising.physical(true), Edges::Falling);
    assert_eq!(Edges::Falling.physical(true), Edges::Rising);
    assert_eq!(Edges::Both.physical(true), Edges::Both);
    assert_eq!(Edges::Rising.physical(false), Edges::Rising);
    assert_eq!(Edges::Both.irq_type(), 3);
}

#[test]
fn zero_window_reports_changes_and_merges_repeats() {
    let mut s = Settle::new(0, false);
    assert_eq!(s.edge(true, 1), EdgeOutcome::Report(true));
    assert_eq!(s.edge(true, 2), EdgeOutcome::Merged);
    assert_eq!(s.edge(false, 3), EdgeOutcome::Report(false));
}

#[test]
fn a_burst_ending_where_it_started_reports_nothing() {
    let mut s = Settle::new(5000, false);
    assert_eq!(s.edge(true, 0), EdgeOutcome::Pending { first: true });
    assert_eq!(
        s.edge(false, 1_000_000),
        EdgeOutcome::Pending { first: false }
    );
    // The timer armed by the first edge fires 5 ms after it, but the line
    // changed 1 ms in: not settled yet.
    assert_eq!(s.settle(5_000_000), None);
    assert_eq!(
        s.settle(6_000_000),
        Some(Settled {
            report: None,
            merged: 2
        })
    );
    // A settle with no burst (a stale timer) is harmless.
    assert_eq!(
        s.settle(9_000_000),
        Some(Settled {
            report: None,
            merged: 0
        })
    );
}

#[test]
fn resync_reports_a_change_no_interrupt_announced() {
    let mut s = Settle::new(5000, false);
    // Unchanged: nothing, and nothing counted.
    assert_eq!(s.resync(false), None);
    // Changed while interrupts were off: reported at once.
    assert_eq!(s.resync(true), Some(true));
    assert!(s.reported());
    assert_eq!(s.resync(true), None);
    // With a burst settling, the reading joins the burst: its timer
    // reports the level, and only the burst's interrupts are counted.
    assert_eq!(s.edge(true, 0), EdgeOutcome::Pending { first: true });
    assert_eq!(s.resync(false), None);
    assert_eq!(
        s.settle(5_000_000),
        Some(Settled {
            report: Some(false),
            merged: 0
        })
    );
    let mut z = Settle::new(0, true);
    assert_eq!(z.resync(false), Some(false));
    assert_eq!(z.edge(false, 1), EdgeOutcome::Merged);
}

/// One interrupt of a simulated line: the level the handler reads after it,
/// and the time until the next interrupt (in microseconds).
fn steps() -> impl Strategy<Value = Vec<(bool, u64)>> {
    proptest::collection::vec((any::<bool>(), 0u64..20_000), 0..200)
}

proptest! {
    /// Whatever the interrupts, reported levels alternate (never two
    /// presses in a row), the last reported level is the level the line
    /// settled at, and every interrupt is either reported or merged.
    #[test]
    fn settled_state_semantics(initial in any::<bool>(), window_us in prop_oneof![Just(0u32), 1u32..10_000], steps in steps()) {
        let mut s = Settle::new(window_us, initial);
        let window = u64::from(window_us) * 1000;
        let (mut reported, mut merged) = (Vec::new(), 0u64);
        let mut level = initial;
        let mut now = 0u64;
        // The settle timer: when it is due (re-armed by every edge).
        let mut due: Option<u64> = None;
        let fire = |s: &mut Settle, at: u64, reported: &mut Vec<bool>, merged: &mut u64| {
            if let Some(r) = s.settle(at) {
                *merged += r.merged;
                reported.extend(r.report);
            }
        };
        for (lvl, gap_us) in &steps {
            level = *lvl;
            match s.edge(level, now) {
                EdgeOutcome::Report(l) => reported.push(l),
                EdgeOutcome::Merged => merged += 1,
                EdgeOutcome::Pending { .. } => due = Some(now + window),
            }
            let next = now + gap_us * 1000;
            if let Some(t) = due {
                if t <= next {
                    fire(&mut s, t, &mut reported, &mut merged);
                    due = None;
                }
            }
            now = next;
        }
        if let Some(t) = due {
            fire(&mut s, t.max(now), &mut reported, &mut merged);
        }
        let mut prev = initial;
        for l in &reported {
            prop_assert_ne!(*l, prev, "two edges to the same level in a row: {:?}", reported);
            prev = *l;
        }
        prop_assert_eq!(prev, level, "last reported level is not the settled level");
        prop_assert_eq!(s.reported(), level);
        prop_assert_eq!(reported.len() as u64 + merged, steps.len() as u64);
    }
}
