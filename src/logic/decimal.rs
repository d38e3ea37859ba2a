// SPDX-License-Identifier: GPL-2.0

//! Decimal formatting of `u64` without 64-bit division.
//!
//! On 32-bit ARM the kernel provides no 64-bit division to Rust code: the
//! compiler's `__aeabi_uldivmod` is a trapping stub there, and `core`'s
//! `Display for u64` divides by 10 000 in 64 bits, so formatting a large
//! `u64` (a debugfs counter) oopsed the kernel. [`Decimal`] divides by ten
//! in 16-bit steps with 32-bit arithmetic only.

use core::fmt;

/// A `u64` that formats as decimal using 32-bit arithmetic only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal(pub u64);

/// `n / 10` and `n % 10` with 32-bit divisions: long division of the four
/// 16-bit digits of `n`, most significant first.
fn div10(n: u64) -> (u64, u32) {
    let mut quotient = 0u64;
    let mut rem = 0u32;
    for shift in [48u32, 32, 16, 0] {
        // `rem < 10`, so `cur < 10 << 16`: fits a u32.
        let cur = (rem << 16) | ((n >> shift) as u32 & 0xffff);
        quotient |= u64::from(cur / 10) << shift;
        rem = cur % 10;
    }
    (quotient, rem)
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // u64::MAX has 20 decimal digits.
        let mut buf = [0u8; 20];
        let mut at = buf.len();
        let mut n = self.0;
        loop {
            let (q, digit) = div10(n);
            at -= 1;
            buf[at] = b'0' + digit as u8;
            n = q;
            if n == 0 {
                break;
            }
        }
        // Only ASCII digits were written.
        f.write_str(core::str::from_utf8(&buf[at..]).map_err(|_| fmt::Error)?)
    }
}
