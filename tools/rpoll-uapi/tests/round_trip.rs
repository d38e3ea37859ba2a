//! The encoders (module side) and decoders (this crate) agree: every
//! structure round-trips through its wire form.

use rpoll_uapi::*;

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

#[test]
fn gpio_records_carry_edge_and_level() {
    let press = RpollEvent {
        source: gpio_source(true),
        ..Default::default()
    };
    assert_eq!(press.kind(), RPOLL_SOURCE_GPIO);
    assert_eq!(press.edge(), Some(Edge::Rising));
    assert_eq!(press.level(), Some(true));
    let release = RpollEvent {
        source: gpio_source(false),
        ..Default::default()
    };
    assert_eq!(release.edge(), Some(Edge::Falling));
    assert_eq!(release.level(), Some(false));
    let tick = RpollEvent {
        source: 1,
        ..Default::default()
    };
    assert_eq!((tick.kind(), tick.edge(), tick.level()), (1, None, None));
}
