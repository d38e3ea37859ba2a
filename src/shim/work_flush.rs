// SPDX-License-Identifier: GPL-2.0

//! Stands for: `Work::flush()`, i.e. `flush_work()`, which 7.3's
//! `kernel::workqueue` does not offer. Backports patch 3 of the kernel-crate
//! series (`rust: workqueue: add Work::flush()`, docs/upstream.md): with a
//! kernel that carries it (`Kbuild` passes `--cfg rpoll_kernel_work_flush`),
//! [`flush`] calls the kernel's method.
//!
//! A work item queued with `Queue::enqueue()` runs on its own, and nothing in
//! the kernel crate waits for it: a driver that queues work from a timer
//! must, at unbind, stop the timer and then wait for the last queued run,
//! before the data the work reads goes away (and before `rmmod` frees the
//! module's text). [`flush`] is that wait.

use kernel::workqueue::Work;

/// Waits until the last queueing of `work` has finished running
/// (`flush_work()`); returns at once if it is neither queued nor running.
/// It does not stop a later queueing: stop what queues it first. Process
/// context (it sleeps, which `might_sleep()` checks), and never from that
/// work item itself, which would wait for itself (lockdep reports it): a
/// hang, not undefined behaviour, so the function stays safe.
#[cfg(rpoll_kernel_work_flush)]
pub(crate) fn flush<T: ?Sized, const ID: u64>(work: &Work<T, ID>) {
    work.flush();
}

/// Waits until the last queueing of `work` has finished running
/// (`flush_work()`); returns at once if it is neither queued nor running.
/// It does not stop a later queueing: stop what queues it first. Process
/// context (it sleeps, which `might_sleep()` checks), and never from that
/// work item itself, which would wait for itself (lockdep reports it): a
/// hang, not undefined behaviour, so the function stays safe.
#[cfg(not(rpoll_kernel_work_flush))]
pub(crate) fn flush<T: ?Sized, const ID: u64>(work: &Work<T, ID>) {
    kernel::task::might_sleep();
    // SAFETY: `work` is a live, pin-initialised `Work` (a reference to one
    // exists only once it is initialised); `raw_get()` only computes its
    // field's address.
    let raw = unsafe { Work::raw_get(work) };
    // SAFETY: `raw` is that initialised `work_struct`, valid for the call;
    // `flush_work()` accepts any initialised work item, queued or not, from
    // process context.
    unsafe { kernel::bindings::flush_work(raw) };
}
