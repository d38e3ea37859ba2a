// SPDX-License-Identifier: GPL-2.0

//! Checks of the read path's record buffer (`logic::chunk`).

use super::Checked;
use crate::logic::chunk::Chunk;

/// Values come back in push order, up to the capacity; a push into a full
/// chunk is refused and changes nothing.
pub fn pushes_in_order_up_to_capacity() -> Checked {
    let mut c: Chunk<[u8; 4], 3> = Chunk::new();
    ensure!(c.count() == 0 && c.as_slice().is_empty());
    for i in 0..3u8 {
        ensure!(c.push([i, i + 1, i + 2, i + 3]));
    }
    ensure!(!c.push([9; 4]));
    ensure_eq!(c.count(), 3);
    ensure_eq!(c.as_slice(), &[[0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5]]);
    ensure_eq!(
        c.as_slice().as_flattened(),
        &[0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5]
    );
    Ok(())
}

/// A partly filled chunk shows only what was pushed; a zero-capacity one
/// takes nothing.
pub fn shows_only_what_was_pushed() -> Checked {
    let mut c: Chunk<(u64, bool), 16> = Chunk::default();
    ensure!(c.push((7, true)));
    ensure!(c.push((u64::MAX, false)));
    ensure_eq!(c.as_slice(), &[(7, true), (u64::MAX, false)]);
    let mut z: Chunk<u32, 0> = Chunk::new();
    ensure!(!z.push(1) && z.count() == 0);
    Ok(())
}
