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
//! waits, and [`PollTable::register_wait`] adds a poll or epoll waiter to it.
//! Like `PollCondVar`, dropping it detaches every poll waiter and waits an
//! RCU grace period before the memory goes.

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

// `spin_lock_irqsave()` and `spin_unlock_irqrestore()` (macros in C, so
// wrapped in `helpers.c`); also the lock backend of 7.2's `SpinLockIrq`
// (`release.rs`).
extern "C" {
    pub(crate) fn rpoll_helper_spin_lock_irqsave(lock: *mut bindings::spinlock_t) -> c_ulong;
    pub(crate) fn rpoll_helper_spin_unlock_irqrestore(
        lock: *mut bindings::spinlock_t,
        flags: c_ulong,
    );
}

/// Creates a [`WaitQueueLock`] initialiser with a name and a new lock class.
#[macro_export]
macro_rules! new_wait_queue_lock {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        $crate::shim::wait_queue_lock::WaitQueueLock::new(
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
        let flags = unsafe { rpoll_helper_spin_lock_irqsave(self.spinlock()) };
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
        // Detach the poll and epoll waiters that `register_wait` added.
        // SAFETY: the wait queue is initialised (invariant) and still valid.
        unsafe { bindings::__wake_up_pollfree(self.wq.get()) };
        // Their removal is RCU-delayed: wait before the memory is freed.
        // SAFETY: called in process context (dropping may sleep, as for
        // `PollCondVar`).
        unsafe { bindings::synchronize_rcu() };
    }
}

/// The held lock of a [`WaitQueueLock`]: gives access to the data, wakes
/// and waits.
///
/// # Invariants
///
/// `lock`'s spinlock is held, taken by `spin_lock_irqsave()`, which returned
/// `flags`.
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

    /// Releases the lock, sleeps (interruptibly) until a wake-up, and takes
    /// it again; `true` if a signal is pending (then it did not sleep).
    /// Callers re-check their condition after it returns: the wake-up may
    /// have been for another waiter's condition.
    ///
    /// Must be called in a context that may sleep, with interrupts enabled
    /// before the lock was taken (a process holding only this lock).
    pub(crate) fn wait_interruptible(&mut self) -> bool {
        let wq = self.lock.wq.get();
        // Stays in place (on this stack frame) from queueing to `finish_wait`.
        let wait = Opaque::<bindings::wait_queue_entry>::uninit();
        // SAFETY: `wait` is valid memory for a wait queue entry; flags 0: a
        // plain (not exclusive) waiter, taken off the queue when woken.
        unsafe { bindings::init_wait_entry(wait.get(), 0) };
        // `do_wait_intr_irq()` is the step of
        // `wait_event_interruptible_locked_irq()`: it queues the entry, and
        // unless a signal is pending, releases the lock with
        // `spin_unlock_irq()`, sleeps, and takes it back with
        // `spin_lock_irq()`.
        // SAFETY: the lock is held with interrupts off (invariant) by a task
        // that may sleep and had interrupts on before locking (the caller's
        // contract), so enabling them while asleep and returning with them
        // off leaves `self.flags` valid.
        let ret = unsafe { bindings::do_wait_intr_irq(wq, wait.get()) };
        // `finish_wait()` takes the lock itself: release it around the call.
        // SAFETY: the lock is held, with `self.flags` (see above).
        unsafe { rpoll_helper_spin_unlock_irqrestore(self.lock.spinlock(), self.flags) };
        // SAFETY: `wq` and `wait` are valid; `finish_wait()` makes the task
        // runnable and takes the entry off the queue if no wake-up did.
        unsafe { bindings::finish_wait(wq, wait.get()) };
        // INVARIANT: the lock is held again, with the flags returned here.
        // SAFETY: the lock was initialised with the wait queue (invariant).
        self.flags = unsafe { rpoll_helper_spin_lock_irqsave(self.lock.spinlock()) };
        ret != 0
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
        unsafe { rpoll_helper_spin_unlock_irqrestore(self.lock.spinlock(), self.flags) };
    }
}

/// The `poll_table` of one `poll()` call.
///
/// # Invariants
///
/// `table` is null or a valid `poll_table` for `'a`.
pub(crate) struct PollTable<'a> {
    table: *mut bindings::poll_table,
    _lifetime: PhantomData<&'a bindings::poll_table>,
}

impl PollTable<'_> {
    /// Wraps the `poll_table` a `poll` file operation received.
    ///
    /// # Safety
    ///
    /// `table` is null or a valid `poll_table` for the returned lifetime.
    pub(crate) unsafe fn from_raw(table: *mut bindings::poll_table) -> Self {
        // INVARIANT: as the caller guarantees.
        Self {
            table,
            _lifetime: PhantomData,
        }
    }

    /// Adds the polling task's waiter (a `poll`/`select` sleep, or an epoll
    /// entry) to `lock`'s wait queue, for `file`.
    pub(crate) fn register_wait<T>(&self, file: &File, lock: &WaitQueueLock<T>) {
        // SAFETY: `file` is valid for the call and `table` null or valid
        // (invariant). The wait queue is pinned, so its destructor runs
        // before its memory goes; it detaches every waiter added here and
        // waits an RCU grace period, which epoll's removal of them needs.
        unsafe { bindings::poll_wait(file.as_ptr(), lock.wq.get(), self.table) }
    }
}
