//! Host tests of GPIO edge selection and settled-state debouncing.

use proptest::prelude::*;
use rpoll_logic::gpio_edges::{EdgeOutcome, Settle};

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
