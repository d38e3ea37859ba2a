// SPDX-License-Identifier: GPL-2.0

//! Stands for: `Work::flush()`, i.e. `flush_work()`, which 7.3's
//! `kernel::workqueue` does not offer.
//!
//! A work item queued with `Queue::enqueue()` runs on its own, and nothing in
//! the kernel crate waits for it: a driver that queues work from a timer
//! must, at unbind, stop the timer and then wait for the last queued run,
//! before the data the work reads goes away (and before `rmmod` frees the
//! module's text). [`flush`] is that wait.

use kernel::{
    bindings,
    sync::Arc,
    workqueue::{HasWork, Work},
};

/// Waits until the last queueing of `item`'s work field `ID` has finished
/// running (`flush_work()`); returns at once if it is neither queued nor
/// running. It does not stop a later queueing: stop what queues it first.
/// Process context (it sleeps, which `might_sleep()` checks), and never from
/// that work item itself, which would wait for itself (lockdep reports it):
/// a hang, not undefined behaviour, so the function stays safe.
pub(crate) fn flush<T, const ID: u64>(item: &Arc<T>)
where
    T: HasWork<T, ID>,
{
    kernel::task::might_sleep();
    let ptr = Arc::as_ptr(item).cast_mut();
    // SAFETY: `ptr` points to a live `T` (`item` holds a reference for the
    // whole call); `raw_get_work()` only computes its field's address and
    // writes nothing through the pointer.
    let work = unsafe { <T as HasWork<T, ID>>::raw_get_work(ptr) };
    // SAFETY: `work` is the initialised `work_struct` of a live `T` (its
    // `Work` field is pin-initialised with `T`), valid for the call;
    // `flush_work()` may be called on any initialised work item, queued or
    // not, from process context.
    unsafe { bindings::flush_work(Work::raw_get(work)) };
}
