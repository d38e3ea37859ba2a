//! Host tests of edge debouncing.

use proptest::prelude::*;
use rpoll_logic::debounce::Debouncer;

const US: u64 = 1000;

#[test]
fn disabled_window_passes_every_edge() {
    let mut d = Debouncer::new(0);
    assert!((0..10).all(|i| d.edge(i)));
}

#[test]
fn a_bounce_burst_is_one_event() {
    let mut d = Debouncer::new(5000);
    // Press at 1 ms, bounces every 300 us for 3 ms, then quiet.
    assert!(d.edge(1000 * US));
    for k in 1..10 {
        assert!(!d.edge(1000 * US + k * 300 * US), "bounce {k} reported");
    }
    // Next press 20 ms later is a new event.
    assert!(d.edge(25_000 * US));
}

#[test]
fn edges_exactly_one_window_apart_are_separate() {
    let mut d = Debouncer::new(100);
    assert!(d.edge(0));
    assert!(d.edge(100 * US));
    assert!(!d.edge(199 * US));
    // 199 us was an edge too: the window restarts there.
    assert!(!d.edge(250 * US));
    assert!(d.edge(350 * US));
}

proptest! {
    /// The number of events equals the number of gaps of at least the window
    /// (plus the first edge), whatever the edge times.
    #[test]
    fn events_count_quiet_gaps(window_us in 0u32..10_000, gaps in prop::collection::vec(0u64..20_000_000, 0..100)) {
        let mut d = Debouncer::new(window_us);
        let mut t = 1_000_000u64;
        let mut events = u64::from(d.edge(t));
        let mut expected = 1u64;
        for g in gaps {
            t += g;
            events += u64::from(d.edge(t));
            if window_us == 0 || g >= u64::from(window_us) * US {
                expected += 1;
            }
        }
        prop_assert_eq!(events, expected);
    }
}
