//! Host tests of edge debouncing.

use proptest::prelude::*;
use rpoll_logic::debounce::Debouncer;

const US: u64 = 1000;

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
