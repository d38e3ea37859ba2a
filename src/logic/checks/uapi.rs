// SPDX-License-Identifier: GPL-2.0

//! Checks of the user-space ABI (`logic::uapi`): the wire form of each
//! structure and the ioctl numbers, on the architecture that runs them (the
//! layouts themselves are compile-time assertions there).

use super::Checked;
use crate::logic::uapi::{
    edge_wanted, gpio_source, RpollConfig, RpollEdgeMask, RpollEvent, RpollInfo, RpollStats,
    RPOLL_CONFIG_SIZE, RPOLL_EDGE_MASK_SIZE, RPOLL_EVENT_SIZE, RPOLL_INFO_SIZE, RPOLL_IOC_FLUSH,
    RPOLL_IOC_GET_CONFIG, RPOLL_IOC_GET_LEVEL, RPOLL_IOC_INFO, RPOLL_IOC_SET_CLOCK,
    RPOLL_IOC_SET_CONFIG, RPOLL_IOC_SET_EDGE_MASK, RPOLL_IOC_SET_PERIOD, RPOLL_IOC_STATS,
    RPOLL_IOC_WANT_INITIAL, RPOLL_NAME_LEN, RPOLL_SOURCE_TIMER, RPOLL_STATS_SIZE,
};

/// Each field lands at its offset, in native byte order.
pub fn records_encode_field_by_field() -> Checked {
    let e = RpollEvent {
        seq: 0x0102_0304_0506_0708,
        timestamp_ns: 0x1112_1314_1516_1718,
        jiffies: 0x2122_2324_2526_2728,
        source: 0x3132_3334,
        lost: 0x4142_4344,
    };
    let b = e.to_bytes();
    ensure_eq!(b.len(), RPOLL_EVENT_SIZE);
    ensure!(b[0..8] == e.seq.to_ne_bytes());
    ensure!(b[8..16] == e.timestamp_ns.to_ne_bytes());
    ensure!(b[16..24] == e.jiffies.to_ne_bytes());
    ensure!(b[24..28] == e.source.to_ne_bytes());
    ensure!(b[28..32] == e.lost.to_ne_bytes());
    let s = RpollStats {
        produced: 1,
        overruns: 2,
        debounced: 3,
        readers: 4,
        base: 5,
        delivered: 6,
        lost: 7,
        queued: u64::MAX,
    };
    let b = s.to_bytes();
    ensure_eq!(b.len(), RPOLL_STATS_SIZE);
    ensure!(b[40..48] == 6u64.to_ne_bytes());
    ensure!(b[56..64] == u64::MAX.to_ne_bytes());
    let mut i = RpollInfo::with_name(b"rpoll-tick");
    i.period_us = 1_000_000;
    i.gpio_line = 0x8000_0004;
    let b = i.to_bytes();
    ensure_eq!(b.len(), RPOLL_INFO_SIZE);
    ensure!(b[48..52] == 1_000_000u32.to_ne_bytes());
    ensure!(b[68..72] == 0x8000_0004u32.to_ne_bytes());
    Ok(())
}

/// `_IOR`/`_IOW`/`_IO` of the generic encoding (arm and arm64 alike): size
/// in bits 16..30, direction in 30..32, magic 0xB9.
pub fn ioctl_numbers_use_the_generic_encoding() -> Checked {
    ensure_eq!(RPOLL_IOC_INFO, 0x8048_b900);
    ensure_eq!(RPOLL_IOC_STATS, 0x8040_b901);
    ensure_eq!(RPOLL_IOC_SET_CLOCK, 0x4004_b902);
    ensure_eq!(RPOLL_IOC_FLUSH, 0x0000_b903);
    ensure_eq!(RPOLL_IOC_SET_PERIOD, 0x4004_b904);
    ensure_eq!(RPOLL_IOC_GET_LEVEL, 0x8004_b905);
    ensure_eq!(RPOLL_IOC_GET_CONFIG, 0x8020_b906);
    ensure_eq!(RPOLL_IOC_SET_CONFIG, 0x4020_b907);
    ensure_eq!(RPOLL_IOC_SET_EDGE_MASK, 0xc010_b908);
    ensure_eq!(RPOLL_IOC_WANT_INITIAL, 0x0000_b909);
    Ok(())
}

/// A name longer than the field is cut so that its NUL still fits.
pub fn info_name_is_truncated_with_its_nul() -> Checked {
    let long = [b'x'; 64];
    let i = RpollInfo::with_name(&long);
    ensure!(i.name[..RPOLL_NAME_LEN - 1].iter().all(|&c| c == b'x'));
    ensure_eq!(i.name[RPOLL_NAME_LEN - 1], 0);
    let i = RpollInfo::with_name(b"rpoll-key");
    ensure!(&i.name[..9] == b"rpoll-key" && i.name[9..].iter().all(|&c| c == 0));
    Ok(())
}

/// The configuration and edge-mask structures round-trip field by field;
/// an edge mask passes what it names and every record that is no edge.
pub fn config_and_edge_mask_wire_forms() -> Checked {
    let c = RpollConfig {
        edges: 2,
        debounce_us: 0x0102_0304,
        poll_interval_us: 5000,
        reserved: [0, 0, 0, 0, 9],
    };
    let b = c.to_bytes();
    ensure_eq!(b.len(), RPOLL_CONFIG_SIZE);
    ensure_eq!(b[4..8], 0x0102_0304u32.to_ne_bytes());
    ensure_eq!(RpollConfig::from_bytes(&b), c);
    let m = RpollEdgeMask {
        mask: 1,
        reserved: 0,
        filtered: 0x1122_3344_5566_7788,
    };
    let b = m.to_bytes();
    ensure_eq!(b.len(), RPOLL_EDGE_MASK_SIZE);
    ensure_eq!(b[8..16], 0x1122_3344_5566_7788u64.to_ne_bytes());
    ensure_eq!(RpollEdgeMask::from_bytes(&b), m);
    ensure!(edge_wanted(1, gpio_source(true)) && !edge_wanted(1, gpio_source(false)));
    ensure!(edge_wanted(2, gpio_source(false)) && !edge_wanted(2, gpio_source(true)));
    ensure!(edge_wanted(3, gpio_source(true)) && edge_wanted(3, gpio_source(false)));
    ensure!(edge_wanted(1, RPOLL_SOURCE_TIMER));
    Ok(())
}
