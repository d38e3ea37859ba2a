// SPDX-License-Identifier: GPL-2.0

//! Checks of `u64` decimal formatting without 64-bit division
//! (`logic::decimal`), the code a 32-bit ARM kernel depends on.

use super::{text::Text, Checked};
use crate::logic::decimal::Decimal;

/// Powers of ten up to 10^19, the reference's digit weights.
const POWERS: [u64; 20] = {
    let mut p = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// Whether `Decimal(v)` prints `v`'s digits, found by subtracting powers of
/// ten (no division at all), with no leading zero.
fn formats_as_reference(v: u64) -> bool {
    let t = Text::of(&Decimal(v));
    let got = t.as_str().as_bytes();
    let mut want = [0u8; 20];
    let mut len = 0;
    let mut rest = v;
    for p in POWERS.iter().rev() {
        let mut digit = 0u8;
        while rest >= *p {
            rest -= *p;
            digit += 1;
        }
        if digit > 0 || len > 0 || *p == 1 {
            want[len] = b'0' + digit;
            len += 1;
        }
    }
    got == &want[..len]
}

/// Zero, the extremes, and both sides of every power of ten and of the
/// 16- and 32-bit boundaries.
pub fn formats_edges_of_each_digit_count() -> Checked {
    ensure!(Text::of(&Decimal(0)).as_str() == "0");
    ensure!(Text::of(&Decimal(u64::MAX)).as_str() == "18446744073709551615");
    ensure!(Text::of(&Decimal(1210)).as_str() == "1210");
    for v in [
        65_535u64,
        65_536,
        u64::from(u32::MAX),
        u64::from(u32::MAX) + 1,
        u64::MAX - 1,
    ] {
        ensure!(formats_as_reference(v));
    }
    for p in POWERS {
        ensure!(formats_as_reference(p - 1));
        ensure!(formats_as_reference(p));
        ensure!(formats_as_reference(p + 1));
    }
    Ok(())
}

/// A spread of 2000 values over the whole range (xorshift), and each shifted
/// right by a varying amount.
pub fn matches_a_subtraction_reference() -> Checked {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..1000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ensure!(formats_as_reference(x));
        ensure!(formats_as_reference(x >> (x & 63)));
    }
    Ok(())
}
