//! Host tests of a sample turned into the record a reader gets.

use rpoll_logic::sample::{Clock, Sample};
use rpoll_logic::uapi::RPOLL_SOURCE_TIMER;

#[test]
fn clock_selection_picks_the_right_timestamp() {
    let s = Sample {
        seq: 1,
        mono_ns: 10,
        boot_ns: 20,
        real_ns: 30,
        jiffies: 4,
        source: RPOLL_SOURCE_TIMER,
    };
    assert_eq!(s.to_event(Clock::Monotonic, 0).timestamp_ns, 10);
    assert_eq!(s.to_event(Clock::Boottime, 0).timestamp_ns, 20);
    assert_eq!(s.to_event(Clock::Realtime, 2).timestamp_ns, 30);
    assert_eq!(s.to_event(Clock::Realtime, 2).lost, 2);
    assert_eq!(Clock::from_id(1), Some(Clock::Monotonic));
    assert_eq!(Clock::from_id(7), Some(Clock::Boottime));
    assert_eq!(Clock::from_id(0), Some(Clock::Realtime));
    assert_eq!(Clock::from_id(4), None);
}
