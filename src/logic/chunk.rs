// SPDX-License-Identifier: GPL-2.0

//! A fixed-capacity buffer filled from the front, for the read path: records
//! are written into it one by one under the queue lock and copied to user
//! memory after the lock is dropped. Only what was written is ever read, so
//! the capacity is not zeroed first: with a zeroed 16-record chunk every
//! `read()` cost two `memset`s of 640 bytes in all (132 guest instructions
//! per event in `make profile`'s instruction counts, whatever the number
//! of records read).

use core::mem::MaybeUninit;

/// Up to `N` values of `T`, in the order they were pushed.
pub struct Chunk<T: Copy, const N: usize> {
    // INVARIANT: `buf[..len]` is initialised and `len <= N`.
    buf: [MaybeUninit<T>; N],
    len: usize,
}

impl<T: Copy, const N: usize> Chunk<T, N> {
    /// An empty chunk (nothing written, nothing zeroed).
    pub const fn new() -> Self {
        // INVARIANT: `len` is 0: no element needs to be initialised.
        Self {
            buf: [const { MaybeUninit::uninit() }; N],
            len: 0,
        }
    }

    /// Appends `value`; `false`, with nothing changed, when the chunk is full.
    pub fn push(&mut self, value: T) -> bool {
        let Some(slot) = self.buf.get_mut(self.len) else {
            return false;
        };
        slot.write(value);
        // INVARIANT: the element at the old `len` was just written, and
        // `get_mut` found it, so the new `len` is at most `N`.
        self.len += 1;
        true
    }

    /// How many values were pushed.
    pub fn count(&self) -> usize {
        self.len
    }

    /// The values pushed, oldest first.
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: by the type invariant the first `len` elements of `buf`
        // are initialised and lie inside it; `MaybeUninit<T>` has the layout
        // of `T`, so they are `len` valid, contiguous values of `T`, borrowed
        // for as long as `self` is.
        unsafe { core::slice::from_raw_parts(self.buf.as_ptr().cast::<T>(), self.len) }
    }
}

impl<T: Copy, const N: usize> Default for Chunk<T, N> {
    fn default() -> Self {
        Self::new()
    }
}
