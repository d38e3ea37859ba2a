//! Host tests of the 32-bit-only `u64` decimal formatting.

use rpoll_logic::decimal::Decimal;

#[test]
fn matches_core_formatting() {
    let mut values = vec![
        0u64, 1, 9, 10, 99, 100, 999, 1000, 1210, 9999, 10_000, 65_535, 65_536,
    ];
    values.extend([
        u64::from(u32::MAX),
        u64::from(u32::MAX) + 1,
        u64::MAX,
        u64::MAX - 1,
    ]);
    for p in 0..20 {
        let t = 10u64.pow(p);
        values.extend([t - 1, t, t + 1]);
    }
    // A spread of values across the whole range.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..10_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        values.push(x);
        values.push(x >> (x % 64));
    }
    for v in values {
        assert_eq!(format!("{}", Decimal(v)), format!("{v}"), "{v}");
    }
}
