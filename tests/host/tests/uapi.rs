//! Host tests of the record encoding.

use rpoll_logic::sample::{Clock, Sample};
use rpoll_logic::uapi::{RpollEvent, RPOLL_EVENT_SIZE, RPOLL_SOURCE_TIMER};

#[test]
fn record_round_trips_through_bytes() {
    let e = RpollEvent {
        seq: 7,
        timestamp_ns: 123_456_789,
        jiffies: 4_294_967_296 + 5,
        source: 2,
        lost: 3,
    };
    let b = e.to_bytes();
    assert_eq!(b.len(), RPOLL_EVENT_SIZE);
    assert_eq!(RpollEvent::from_bytes(&b), e);
    assert_eq!(&b[0..8], &7u64.to_ne_bytes());
    assert_eq!(&b[28..32], &3u32.to_ne_bytes());
}

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
