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

use rpoll_logic::uapi::*;

// The ioctl numbers and layouts are checked against the C header itself in
// tools/rpoll-uapi/tests/c_header.rs.

#[test]
fn info_and_stats_round_trip() {
    let mut info = RpollInfo::with_name(b"rpoll-tick");
    info.source = RPOLL_SOURCE_TIMER;
    info.queue_depth = 64;
    info.period_us = 1_000_000;
    info.max_readers = 64;
    let b = info.to_bytes();
    assert_eq!(&b[..10], b"rpoll-tick");
    assert_eq!(b[10], 0);
    assert_eq!(&b[48..52], &1_000_000u32.to_ne_bytes());
    assert_eq!(RpollInfo::from_bytes(&b), info);
    assert_eq!(info.name_bytes(), b"rpoll-tick");
    let long = RpollInfo::with_name(&[b'x'; 100]);
    assert_eq!(long.name_bytes().len(), RPOLL_NAME_LEN - 1);

    let st = RpollStats {
        produced: 1,
        overruns: 2,
        debounced: 3,
        readers: 4,
        base: 5,
        delivered: 6,
        lost: 7,
        queued: 8,
    };
    let b = st.to_bytes();
    assert_eq!(&b[40..48], &6u64.to_ne_bytes());
    assert_eq!(RpollStats::from_bytes(&b), st);
}
