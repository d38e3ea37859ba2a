// SPDX-License-Identifier: GPL-2.0

//! Backports `Work::flush()`, i.e. `flush_work()`, patch 3 of the
//! kernel-crate series (`rust: workqueue: add Work::flush()`,
//! docs/upstream.md). With a kernel that carries it (`Kbuild` passes
//! `--cfg rpoll_kernel_work_flush`) the method is the kernel's and this file
//! is empty.
//!
//! A work item queued with `Queue::enqueue()` runs on its own, and nothing in
//! 7.3's kernel crate waits for it: a driver that queues work from a timer
//! must, at unbind, stop the timer and then wait for the last queued run,
//! before the data the work reads goes away (and before `rmmod` frees the
//! module's text). `flush()` is that wait.

#[cfg(not(rpoll_kernel_work_flush))]
use kernel::workqueue::Work;

/// `Work::flush()` of patch 3 (brought by `shim::prelude`).
#[cfg(not(rpoll_kernel_work_flush))]
pub(crate) trait WorkFlush {
    /// Waits until the last queueing of the work item has finished running
    /// (`flush_work()`); returns at once if it is neither queued nor
    /// running. It does not stop a later queueing: stop what queues it
    /// first. Process context (it sleeps, which `might_sleep()` checks), and
    /// never from that work item itself, which would wait for itself
    /// (lockdep reports it): a hang, not undefined behaviour, so the method
    /// stays safe.
    fn flush(&self);
}

#[cfg(not(rpoll_kernel_work_flush))]
impl<T: ?Sized, const ID: u64> WorkFlush for Work<T, ID> {
    fn flush(&self) {
        kernel::task::might_sleep();
        // SAFETY: `self` is a live, pin-initialised `Work` (a reference to
        // one exists only once it is initialised); `raw_get()` only computes
        // its field's address.
        let raw = unsafe { Work::raw_get(self) };
        // SAFETY: `raw` is that initialised `work_struct`, valid for the
        // call; `flush_work()` accepts any initialised work item, queued or
        // not, from process context.
        unsafe { kernel::bindings::flush_work(raw) };
    }
}
