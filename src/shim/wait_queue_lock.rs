// SPDX-License-Identifier: GPL-2.0

//! Stands for: a wait queue whose own spinlock guards the data its waiters
//! wait for, with wake-ups made under that lock (`wake_up_locked_poll()`),
//! waits that drop it while asleep (`wait_event_interruptible_locked_irq()`)
//! and `poll_wait()` on it: the shape timerfd, eventfd and signalfd use in C.
//!
//! The `kernel` crate's `PollCondVar` is a wait queue beside a separate
//! lock, so a producer takes two locks per event (its data lock, then the
//! wait queue's to wake) where this takes one. [`WaitQueueLock`] is the lock
//! and the wait queue in one `struct wait_queue_head`; its guard wakes and
//! waits, and [`PollTable::register_wait_lock`] adds a poll or epoll waiter to it.
//!
//! Backports patch 10 of the kernel-crate series (docs/upstream.md):
//! `kernel::sync::WaitQueueLock`, a `Lock` backend on a `wait_queue_head`
//! with the same guard methods, and `PollTable::register_wait_lock()` on
//! the kernel's `PollTable`. With a kernel that carries it
//! (`rpoll_kernel_wait_queue_lock`, from `upstream.mk`), this file
//! re-exports those. Two differences the driver does not see: the
//! kernel's lock, like its `PollCondVar`, clears remaining poll waiters
//! and waits for an RCU grace period when dropped (so its drop may sleep),
//! where the backport's `PollTable` accepts only a lock the file keeps
//! alive (below); and the kernel's always takes the counted
//! `spin_lock_irq_disable()`, where the backport takes the plain
//! `spin_lock()` in a hard interrupt handler (issue 37's producer path).
//!
//! Two things are invariants of the types here, not of today's callers:
//! - **One interrupt-disable model.** The lock disables interrupts the way
//!   the release's `SpinLockIrq` does (7.3: the counted
//!   `spin_lock_irq_disable()`; 7.2: `spin_lock_irqsave()`, like rpoll's
//!   7.2 backend), so its guard and a `SpinLockIrq` guard may be released
//!   in either order on 7.3: interrupts come back on only when the CPU's
//!   last IRQ-off section ends. In a hard interrupt handler, where they are
//!   off from start to end whatever sections open and close, 7.3 takes the
//!   plain `spin_lock()`, one counted section less on the producers' path.
//!   (On 7.2 every IRQ-safe guard restores saved
//!   flags, so guards must be released in the reverse order of locking, as
//!   for any `spin_lock_irqsave()` user.) A wait that would sleep while
//!   another IRQ-off section is open, or in interrupt context, is refused
//!   at run time (the kernel's lock, like its `CondVar`, only reports it
//!   through `might_sleep()`). The wait is
//!   the `___wait_event()` loop on the kernel's exported calls
//!   (`prepare_to_wait_event()`, `schedule()`, `finish_wait()`), with this
//!   lock released around them: no task-state tracepoint is inlined into
//!   the module, which would give it a `__jump_table`.
//! - **Poll waiters cannot outlive the lock.** [`PollTable::register_wait_lock`]
//!   only accepts a lock borrowed for as long as the file's private data
//!   (the `'a` of the `poll` call), i.e. one the file keeps alive until it
//!   is released. A `poll`/`select` waiter is removed before its system
//!   call drops the file, and epoll's entries when the file is released
//!   (`eventpoll_release()`, before `->release`), so when the lock is
//!   dropped no waiter is left: no `POLLFREE` hand-off and no RCU grace
//!   period are needed, and dropping the lock does not sleep.

#[cfg(rpoll_kernel_wait_queue_lock)]
pub(crate) use kernel::{
    new_wait_queue_lock,
    sync::{poll::PollTable, WaitQueueGuard, WaitQueueLock},
};

#[cfg(not(rpoll_kernel_wait_queue_lock))]
pub(crate) use backport::{new_wait_queue_lock, PollTable, WaitQueueGuard, WaitQueueLock};

/// The backport (see the module documentation).
#[cfg(not(rpoll_kernel_wait_queue_lock))]
mod backport {
    use core::{
        cell::UnsafeCell,
        marker::{PhantomData, PhantomPinned},
        ops::{Deref, DerefMut},
        ptr,
    };

    use kernel::{
        bindings,
        ffi::{c_ulong, c_void},
        fs::File,
        prelude::*,
        sync::LockClassKey,
        types::Opaque,
    };

    // The lock in the release's interrupt-disable model (`helpers.c`).
    extern "C" {
        /// Takes `lock` with interrupts off; returns the flags from before.
        fn rpoll_helper_irq_lock(lock: *mut bindings::spinlock_t) -> c_ulong;
        /// Releases `lock`, taken by `rpoll_helper_irq_lock()` (which returned
        /// `flags`).
        fn rpoll_helper_irq_unlock(lock: *mut bindings::spinlock_t, flags: c_ulong);
        /// Whether the holder may release the lock to sleep (see `helpers.c`).
        fn rpoll_helper_irq_lock_may_sleep(flags: c_ulong) -> bool;
    }

    /// Creates a [`WaitQueueLock`] initialiser with a name and a new lock class.
    #[macro_export]
    macro_rules! new_wait_queue_lock {
        ($inner:expr $(, $name:literal)? $(,)?) => {
            $crate::shim::sync::WaitQueueLock::new(
                $inner,
                ::kernel::optional_name!($($name)?),
                ::kernel::static_lock_class!(),
            )
        };
    }
    pub(crate) use new_wait_queue_lock;

    /// Data of type `T` guarded by the spinlock of a wait queue, taken with
    /// local interrupts disabled (so any context may lock it).
    ///
    /// # Invariants
    ///
    /// `wq` was initialised by `__init_waitqueue_head()`; `data` is accessed only
    /// through a [`WaitQueueGuard`], which exists only while `wq.lock` is held.
    /// Every entry on `wq` belongs to a task blocked in
    /// [`WaitQueueGuard::wait_interruptible`] (which holds `&self`) or to a
    /// `poll`/`select`/epoll waiter of a file that keeps `self` alive until it
    /// is released ([`PollTable::register_wait_lock`]), so none is left when `self`
    /// is dropped.
    #[pin_data(PinnedDrop)]
    pub(crate) struct WaitQueueLock<T> {
        #[pin]
        wq: Opaque<bindings::wait_queue_head>,
        data: UnsafeCell<T>,
        /// The wait queue's list heads point into it: it must not move.
        #[pin]
        _pin: PhantomPinned,
    }

    // SAFETY: the lock and the wait queue work from any thread; `T` moves with
    // the object, so it must be `Send`.
    unsafe impl<T: Send> Send for WaitQueueLock<T> {}
    // SAFETY: `&self` gives access to `T` only under the spinlock, one holder at
    // a time, so `T: Send` is enough for shared use across threads.
    unsafe impl<T: Send> Sync for WaitQueueLock<T> {}

    impl<T> WaitQueueLock<T> {
        /// An initialiser of a lock around `data`; `name` and `key` name its
        /// lock class for lockdep ([`new_wait_queue_lock!`] makes both).
        pub(crate) fn new(
            data: T,
            name: &'static CStr,
            key: Pin<&'static LockClassKey>,
        ) -> impl PinInit<Self> {
            pin_init!(Self {
                // INVARIANT: the wait queue is initialised here.
                // SAFETY: `slot` is valid for writes while the closure runs; `name`
                // and `key` are `'static`, as the lock class needs.
                wq <- Opaque::ffi_init(|slot| unsafe {
                    bindings::__init_waitqueue_head(slot, name.as_char_ptr(), key.as_ptr())
                }),
                data: UnsafeCell::new(data),
                _pin: PhantomPinned,
            })
        }

        fn spinlock(&self) -> *mut bindings::spinlock_t {
            // SAFETY: `wq` is valid memory for the object's lifetime; this only
            // computes a field's address.
            unsafe { ptr::addr_of_mut!((*self.wq.get()).lock) }
        }

        /// Takes the lock, disabling local interrupts until the guard drops.
        pub(crate) fn lock(&self) -> WaitQueueGuard<'_, T> {
            // SAFETY: the lock was initialised with the wait queue (invariant).
            let flags = unsafe { rpoll_helper_irq_lock(self.spinlock()) };
            // INVARIANT: the lock is held; the guard releases it.
            WaitQueueGuard {
                lock: self,
                flags,
                _not_send: PhantomData,
            }
        }
    }

    #[pinned_drop]
    impl<T> PinnedDrop for WaitQueueLock<T> {
        fn drop(self: Pin<&mut Self>) {
            // No waiter is left (type invariant): every file that could poll
            // the lock was released first, and a released file's epoll entries
            // are gone. `__wake_up_pollfree()` checks it: on a queue with
            // entries it would wake them with `POLLFREE` and warn, which fails
            // any test run; on the empty queue it only takes the lock.
            // SAFETY: the wait queue is initialised (invariant) and still valid.
            unsafe { bindings::__wake_up_pollfree(self.wq.get()) };
        }
    }

    /// The held lock of a [`WaitQueueLock`]: gives access to the data, wakes
    /// and waits.
    ///
    /// # Invariants
    ///
    /// `lock`'s spinlock is held, taken by `rpoll_helper_irq_lock()`, which
    /// returned `flags`.
    pub(crate) struct WaitQueueGuard<'a, T> {
        lock: &'a WaitQueueLock<T>,
        flags: c_ulong,
        /// Released on the CPU it was taken on.
        _not_send: PhantomData<*mut ()>,
    }

    impl<T> WaitQueueGuard<'_, T> {
        /// Wakes the waiters whose poll keys match `mask` (`EPOLL*` bits), as
        /// `wake_up_locked_poll()` does: all plain waiters, and the poll and
        /// epoll entries that asked for one of those events.
        pub(crate) fn wake_up_poll(&self, mask: u32) {
            // SAFETY: the wait queue is initialised and its lock is held
            // (invariants), as `__wake_up_locked_key()` requires; a poll key is
            // the mask cast to a pointer.
            unsafe {
                bindings::__wake_up_locked_key(
                    self.lock.wq.get(),
                    bindings::TASK_NORMAL,
                    mask as usize as *mut c_void,
                )
            };
        }

        /// Releases the lock and sleeps (interruptibly) until `done` holds for
        /// the data after a wake-up, or a signal is pending; returns with the
        /// lock held again, `true` for a signal. `done` is called with the
        /// lock held, after the task was queued (`prepare_to_wait_event()`), so
        /// a wake-up made after it looked cannot be lost: the
        /// `___wait_event()` loop, with this lock released around the kernel's
        /// calls (which take the same lock).
        ///
        /// The sleep turns interrupts on, so it is refused when it could not
        /// be allowed: interrupts already off before this lock was taken, (7.3)
        /// another counted IRQ-off section (a `SpinLockIrq` guard) still open
        /// on this CPU, or a preempt count holding more than this lock
        /// (interrupt context, another spinlock, a `preempt_disable()`
        /// section). A refused wait warns and returns `true` at once, as an
        /// interrupted one does, without sleeping: safe code cannot schedule
        /// from a context that must not. (The kernel's lock of patch 10, like
        /// its `CondVar`, leaves that case to `might_sleep()`'s report.)
        /// `might_sleep()` also runs before each queueing.
        pub(crate) fn wait_interruptible(&mut self, mut done: impl FnMut(&mut T) -> bool) -> bool {
            // SAFETY: reads the saved flags and this CPU's preempt count only.
            let may_sleep = unsafe { rpoll_helper_irq_lock_may_sleep(self.flags) };
            if kernel::warn_on!(!may_sleep) {
                return true;
            }
            let wq = self.lock.wq.get();
            let lock = self.lock.spinlock();
            // Stays in place (on this stack frame) from queueing to `finish_wait`.
            let wait = Opaque::<bindings::wait_queue_entry>::uninit();
            // SAFETY: `wait` is valid memory for a wait queue entry; flags 0: a
            // plain (not exclusive) waiter.
            unsafe { bindings::init_wait_entry(wait.get(), 0) };
            // In the loop the lock is released only around the kernel's calls;
            // `done` and the return see it held.
            let signalled = loop {
                // SAFETY: the lock is held, taken with `self.flags`.
                unsafe { rpoll_helper_irq_unlock(lock, self.flags) };
                // Checked while the task runs: once queued, its state would
                // be reported instead.
                kernel::task::might_sleep();
                // SAFETY: `wq` and `wait` are valid; the lock is not held (the
                // call takes it). Queues `wait` if it is not, sets the task's
                // state; non-zero if a signal is pending.
                let pending = unsafe {
                    bindings::prepare_to_wait_event(
                        wq,
                        wait.get(),
                        bindings::TASK_INTERRUPTIBLE as i32,
                    )
                };
                // INVARIANT: the lock is held again, with the flags returned.
                // SAFETY: the lock was initialised with the wait queue.
                self.flags = unsafe { rpoll_helper_irq_lock(lock) };
                if done(&mut **self) {
                    break false;
                }
                if pending != 0 {
                    break true;
                }
                // SAFETY: as above.
                unsafe { rpoll_helper_irq_unlock(lock, self.flags) };
                // SAFETY: switches to another task; a wake-up since
                // `prepare_to_wait_event()` made this one runnable, so it
                // returns at once then.
                unsafe { bindings::schedule() };
                // INVARIANT: as above.
                // SAFETY: as above.
                self.flags = unsafe { rpoll_helper_irq_lock(lock) };
            };
            // `finish_wait()` takes the lock itself: release it around the call.
            // SAFETY: the lock is held, with `self.flags`.
            unsafe { rpoll_helper_irq_unlock(lock, self.flags) };
            // SAFETY: `wq` and `wait` are valid; `finish_wait()` makes the task
            // runnable and takes the entry off the queue if no wake-up did.
            unsafe { bindings::finish_wait(wq, wait.get()) };
            // INVARIANT: the lock is held again, with the flags returned here.
            // SAFETY: the lock was initialised with the wait queue (invariant).
            self.flags = unsafe { rpoll_helper_irq_lock(lock) };
            signalled
        }
    }

    impl<T> Deref for WaitQueueGuard<'_, T> {
        type Target = T;

        fn deref(&self) -> &T {
            // SAFETY: the lock is held (invariant), so no one else accesses
            // `data`.
            unsafe { &*self.lock.data.get() }
        }
    }

    impl<T> DerefMut for WaitQueueGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            // SAFETY: the lock is held (invariant) and `&mut self` is unique.
            unsafe { &mut *self.lock.data.get() }
        }
    }

    impl<T> Drop for WaitQueueGuard<'_, T> {
        fn drop(&mut self) {
            // SAFETY: the lock is held, taken with `self.flags` (invariant).
            unsafe { rpoll_helper_irq_unlock(self.lock.spinlock(), self.flags) };
        }
    }

    /// The `poll_table` of one `poll()` call on a file whose private data is
    /// borrowed for `'a`.
    ///
    /// # Invariants
    ///
    /// `table` is null or a valid `poll_table` for the `poll()` call, and
    /// anything borrowed for `'a` lives until the file is released.
    pub(crate) struct PollTable<'a> {
        table: *mut bindings::poll_table,
        _lifetime: PhantomData<&'a bindings::poll_table>,
    }

    impl<'a> PollTable<'a> {
        /// Wraps the `poll_table` a `poll` file operation received.
        ///
        /// # Safety
        ///
        /// `table` is null or a valid `poll_table` for this `poll()` call, and
        /// `'a` ends no later than the file's release (it is the lifetime for
        /// which the file's private data is borrowed), so that whatever is
        /// borrowed for `'a` outlives every waiter the table adds.
        pub(crate) unsafe fn from_raw(table: *mut bindings::poll_table) -> Self {
            // INVARIANT: as the caller guarantees.
            Self {
                table,
                _lifetime: PhantomData,
            }
        }

        /// Adds the polling task's waiter (a `poll`/`select` sleep, or an epoll
        /// entry) to `lock`'s wait queue, for `file`. `lock` must be borrowed
        /// for `'a`, i.e. reached through the file's private data, so that it
        /// outlives the waiter: a `poll`/`select` waiter is removed before the
        /// system call drops its file reference, an epoll entry at the latest
        /// when the file is released, and the file keeps `lock` alive until
        /// then. A lock the file does not keep (a temporary, another device's
        /// reference-counted object reached through a clone) is refused by the
        /// compiler.
        pub(crate) fn register_wait_lock<T>(&self, file: &File, lock: &'a WaitQueueLock<T>) {
            // SAFETY: `file` is valid for the call and `table` null or valid
            // (invariant). `lock` lives until `file` is released (invariant:
            // borrowed for `'a`), so the waiter added here is removed before
            // the wait queue can go, as the lock's type invariant records.
            unsafe { bindings::poll_wait(file.as_ptr(), lock.wq.get(), self.table) }
        }
    }
}
