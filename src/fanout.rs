// SPDX-License-Identifier: GPL-2.0

//! The fan-out queue of one rpoll device: one bounded queue per open file, a
//! wait queue, and the device-wide counters. It does not know which source
//! feeds it: sources [`push`](FanOut::push) samples and count what they
//! merge; open files attach, take records, and detach.
//!
//! Locking:
//! - `state` protects the queues and counters. It is the spinlock of the
//!   wait queue readers sleep and poll on (taken with interrupts off), as in
//!   timerfd: a source takes it once per event, in hard-IRQ or timer
//!   context, to queue the record and wake the readers; readers take it
//!   around queue operations and sleep on it.
//! - `membership` (mutex) serialises attach, detach and shutdown with the
//!   hooks they run (a timer source starts with its first reader and stops
//!   after its last), which may sleep. It is never taken by a source.
//!
//! Polling: each hold of `state` ends by publishing every open reader's
//! readiness in an atomic word of its own ([`StateGuard`]), so `poll()`
//! reads that word instead of taking the lock (epoll calls `poll()` twice
//! per event); only a reader whose readiness depends on the time (records
//! below a watermark with a delay) takes the lock there.
//!
//! Wake-ups: a reader is ready when its queue reaches its watermark
//! (`RPOLL_IOC_SET_WATERMARK`; by default one record) or its oldest record
//! is the watermark's delay old; `push` wakes the waiters only when a
//! reader became ready by count, and the device's deadline timer when one
//! became ready by age (armed at the earliest deadline of any reader).

use kernel::{
    fs::File,
    impl_has_hr_timer, new_mutex,
    str::CString,
    sync::{
        atomic::{ordering, Atomic},
        Arc, ArcBorrow, Mutex,
    },
    time::{
        hrtimer::{
            AbsoluteMode, ArcHrTimerHandle, HrTimer, HrTimerCallback, HrTimerCallbackContext,
            HrTimerPointer, HrTimerRestart,
        },
        Delta, Instant, Monotonic,
    },
};

use crate::shim::{
    new_wait_queue_lock,
    prelude::*,
    sync::{poll::PollTable, WaitQueueGuard, WaitQueueLock},
};
use crate::{
    logic::{
        decimal::Decimal,
        epoll,
        queue::{Delivery, ReaderQueue, Watermark},
        sample::Sample,
        uapi::{
            edge_wanted, RpollStats, RpollWatermark, RPOLL_EDGE_FALLING, RPOLL_EDGE_RISING,
            RPOLL_EVENT_CONFIG, RPOLL_EVENT_FALLING, RPOLL_EVENT_INITIAL, RPOLL_EVENT_LEVEL,
            RPOLL_EVENT_MERGED_MASK, RPOLL_EVENT_MERGED_SHIFT, RPOLL_EVENT_RISING,
            RPOLL_EVENT_WAKEUP, RPOLL_SOURCE_MASK,
        },
        wake::WakeWindow,
    },
    stamp,
    trace::{self, WakeReason},
};

/// Most files that may have one device open at once. With the largest queue
/// depth (4096 records of 48 bytes) this bounds one device's queue memory to
/// 64 * 4096 * 48 bytes = 12 MiB.
pub(crate) const MAX_READERS: usize = 64;

/// A reader's ring. kvmalloc'ed: a deep queue (4096 records of 48 bytes,
/// 192 KiB) would otherwise need an order-6 allocation, made in `open()`
/// under the misc core's `misc_mtx`, which every misc-device open on the
/// system waits for; on fragmented memory it falls back to vmalloc. A ring
/// is freed only in process context with no lock held (`detach`, or the
/// fan-out queue's own drop), as `kvfree()` of vmalloc memory requires.
type Queue = ReaderQueue<KVVec<Sample>>;

/// How [`FanOut::records`] behaves on an empty queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Sleep until a record arrives (interruptible).
    Block,
    /// Fail with `EAGAIN`.
    NonBlock,
    /// Return 0 records (a later chunk of a read that already has some).
    Never,
}

/// What `poll` reports for one reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Readiness {
    /// The reader's queue reached its watermark (by default: holds a
    /// record).
    pub(crate) readable: bool,
    /// The device is unbound.
    pub(crate) gone: bool,
}

/// One reader's queue while the lock is held ([`FanOut::records`]); the
/// lock is released when it is dropped, so nothing that may sleep or fault
/// (a copy to user memory) may happen while it lives.
pub(crate) struct Records<'a> {
    st: StateGuard<'a>,
    slot: usize,
    waited: bool,
}

impl Records<'_> {
    /// Whether the call that returned them slept for them.
    pub(crate) fn waited(&self) -> bool {
        self.waited
    }

    /// Takes the oldest record, with the losses just before it.
    pub(crate) fn pop(&mut self) -> Option<Delivery> {
        self.st.queue(self.slot)?.pop()
    }
}

/// Queues and counters, under the wait queue's lock.
///
/// # Invariants
///
/// Bit `i` of `active` is set exactly when `slots[i]` is `Some`; the number
/// of open readers is `active.count_ones()`.
struct State {
    slots: KVec<Option<Queue>>,
    /// Each reader's GPIO edge mask (`RPOLL_EDGE_*`), set to both edges
    /// when it attaches.
    masks: [u32; MAX_READERS],
    active: u64,
    /// Events produced since the device was bound (the last `seq` issued).
    produced: u64,
    /// Periods a source skipped because it ran late (timer overruns).
    overruns: u64,
    /// Inputs a source merged into other events (debouncing).
    merged: u64,
    /// Of those, the ones since the last record with an edge, which the
    /// next one counts (`RPOLL_EVENT_MERGED_*`).
    merged_unreported: u64,
    /// Set once the device is unbound; readers then get `ENODEV`.
    gone: bool,
    /// The source's configuration changed since the last record: the next
    /// one carries `RPOLL_EVENT_CONFIG`.
    config_changed: bool,
    /// The `source` word of the initial record of a reader attaching now
    /// (kind and level): the last record with an edge's, or what the source
    /// set; `None` for sources without a state.
    state: Option<u32>,
    /// Which record is the wake-up of a system sleep
    /// (`RPOLL_EVENT_WAKEUP`).
    wake: WakeWindow,
    /// The deadline timer, started by the first watermark with a delay;
    /// taken (cancelled) at shutdown. It holds a reference to the fan-out
    /// while it exists, so it must not outlive the binding.
    deadline_timer: Option<ArcHrTimerHandle<FanOut>>,
    /// When it is armed to fire (monotonic ns); `None` when idle.
    deadline: Option<u64>,
}

impl State {
    fn queue(&mut self, slot: usize) -> Option<&mut Queue> {
        self.slots.get_mut(slot).and_then(Option::as_mut)
    }

    /// The reader in `slot`'s state; `now_ns` gives the time, read only if
    /// the age of its oldest record decides.
    fn readiness(&self, slot: usize, now_ns: impl FnOnce() -> u64) -> Readiness {
        let readable = self
            .slots
            .get(slot)
            .and_then(Option::as_ref)
            .is_some_and(|q| q.ready_at(now_ns));
        Readiness {
            readable,
            gone: self.gone,
        }
    }

    /// The earliest deadline of any reader after `now_ns`.
    fn next_deadline(&self, now_ns: u64) -> Option<u64> {
        self.slots
            .iter()
            .flatten()
            .filter_map(Queue::deadline)
            .filter(|&d| d > now_ns)
            .min()
    }

    /// Moves the deadline timer to `at_ns` if it is armed later (or idle).
    fn arm_deadline(&mut self, at_ns: u64) {
        if self.deadline.is_some_and(|d| d <= at_ns) {
            return;
        }
        if let Some(timer) = &self.deadline_timer {
            timer.restart(mono_instant(at_ns));
            self.deadline = Some(at_ns);
        }
    }
}

/// Bits of a reader's published readiness word ([`StateGuard`]): ready by
/// its queue alone (the watermark's count reached, or the initial record
/// asked for).
const PUB_READABLE: u32 = 1 << 0;
/// The device is unbound.
const PUB_GONE: u32 = 1 << 1;
/// Not ready by count but holding records whose age may make it ready: the
/// answer needs the time, under the lock.
const PUB_AGED: u32 = 1 << 2;

impl State {
    /// The readiness word of the reader in `slot` (`PUB_*`).
    fn summary(&self, slot: usize) -> u32 {
        let mut bits = if self.gone { PUB_GONE } else { 0 };
        if let Some(q) = self.slots.get(slot).and_then(Option::as_ref) {
            if q.ready_by_count() {
                bits |= PUB_READABLE;
            } else if q.deadline().is_some() {
                bits |= PUB_AGED;
            }
        }
        bits
    }
}

/// A hold of the fan-out's lock. When it ends, every open reader's
/// readiness is published ([`FanOut::poll`] reads it without the lock),
/// still under the lock, so the words change in the order the state does.
struct StateGuard<'a> {
    guard: WaitQueueGuard<'a, State>,
    ready: &'a [Atomic<u32>; MAX_READERS],
    /// The state may differ from the words: set by every mutable access,
    /// cleared by a publish (a push that published to wake does not
    /// publish again at the drop).
    dirty: core::cell::Cell<bool>,
}

impl<'a> core::ops::Deref for StateGuard<'a> {
    type Target = WaitQueueGuard<'a, State>;

    fn deref(&self) -> &Self::Target {
        &self.guard
    }
}

impl core::ops::DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.dirty.set(true);
        &mut self.guard
    }
}

impl StateGuard<'_> {
    /// Publishes every open reader's readiness word.
    fn publish(&self) {
        self.dirty.set(false);
        let mut open = self.guard.active;
        while open != 0 {
            let slot = open.trailing_zeros() as usize;
            open &= open - 1;
            // Release: pairs with the acquire in `FanOut::poll`.
            self.ready[slot].store(self.guard.summary(slot), ordering::Release);
        }
    }

    /// Wakes the poll and read waiters with `mask`, after publishing the
    /// readiness they are woken for: a poller woken here reads its word at
    /// once, on another CPU maybe while this hold goes on, and must find
    /// the new state there (published only at the drop, a woken epoll
    /// waiter would see the old word, report nothing and sleep again).
    /// Shadows the wait queue guard's own `wake_up_poll`.
    fn wake_up_poll(&self, mask: u32) {
        self.publish();
        self.guard.wake_up_poll(mask);
    }
}

impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        if self.dirty.get() {
            self.publish();
        }
    }
}

/// The `Instant` of monotonic time `at_ns`.
fn mono_instant(at_ns: u64) -> Instant<Monotonic> {
    let now = stamp::monotonic_ns();
    Instant::<Monotonic>::now() + Delta::from_nanos(at_ns.saturating_sub(now) as i64)
}

/// The fan-out queue of one device.
#[pin_data]
pub(crate) struct FanOut {
    /// Wakes readers whose oldest record reached their watermark's delay.
    #[pin]
    deadline_timer: HrTimer<FanOut>,
    /// Also the wait queue of readers waiting for a record. Taken through
    /// [`FanOut::lock`].
    #[pin]
    state: WaitQueueLock<State>,
    /// Each reader's readiness as the last hold of `state` left it
    /// (`PUB_*`), for `poll()`.
    ready: [Atomic<u32>; MAX_READERS],
    #[pin]
    membership: Mutex<()>,
    /// Capacity of each reader's queue (validated at probe).
    depth: u32,
    /// The device's name (`rpoll-<label>`), in its trace events.
    name: CString,
}

impl FanOut {
    /// The fan-out queue of the device `name`, whose readers get `depth`
    /// records each (a depth that `logic::params::queue_depth` accepted).
    pub(crate) fn new(depth: u32, name: CString) -> Result<Arc<Self>> {
        let mut slots = KVec::with_capacity(MAX_READERS, GFP_KERNEL)?;
        for _ in 0..MAX_READERS {
            slots.push(None, GFP_KERNEL)?;
        }
        Arc::pin_init(
            pin_init!(Self {
                // INVARIANT: no slot is open and no bit is set.
                state <- new_wait_queue_lock!(State {
                    slots,
                    masks: [RPOLL_EDGE_RISING | RPOLL_EDGE_FALLING; MAX_READERS],
                    active: 0,
                    produced: 0,
                    overruns: 0,
                    merged: 0,
                    merged_unreported: 0,
                    gone: false,
                    config_changed: false,
                    state: None,
                    wake: WakeWindow::new(),
                    deadline_timer: None,
                    deadline: None,
                }, "rpoll::fanout"),
                ready: [const { Atomic::new(0) }; MAX_READERS],
                deadline_timer <- HrTimer::new(),
                membership <- new_mutex!((), "rpoll::membership"),
                depth,
                name,
            }),
            GFP_KERNEL,
        )
    }

    /// The capacity of each reader's queue.
    pub(crate) fn depth(&self) -> u32 {
        self.depth
    }

    /// The device's name, `rpoll-<label>`.
    pub(crate) fn name(&self) -> &CStr {
        &self.name
    }

    /// Takes the lock; the readers' readiness is published when it ends.
    fn lock(&self) -> StateGuard<'_> {
        StateGuard {
            guard: self.state.lock(),
            ready: &self.ready,
            dirty: core::cell::Cell::new(true),
        }
    }

    /// Records `sample` as the next event in every open reader's queue and
    /// wakes the waiters, under one hold of the lock; `skipped` source
    /// periods were missed before it. Records nothing once the device is
    /// gone. Any context. The caller keeps timestamps in `seq` order.
    pub(crate) fn push(&self, mut sample: Sample, skipped: u64) {
        let mut st = self.lock();
        if st.gone {
            return;
        }
        st.overruns += skipped;
        st.produced += 1;
        sample.seq = st.produced;
        if skipped != 0 {
            trace::overrun(&self.name, sample.seq, skipped, st.overruns);
        }
        if core::mem::take(&mut st.config_changed) {
            sample.source |= RPOLL_EVENT_CONFIG;
        }
        if st.wake.claim(sample.source, sample.mono_ns) {
            sample.source |= RPOLL_EVENT_WAKEUP;
            trace::system_wakeup(&self.name, sample.seq, sample.source);
        }
        if sample.source & (RPOLL_EVENT_RISING | RPOLL_EVENT_FALLING) != 0 {
            st.state = Some(sample.source & (RPOLL_SOURCE_MASK | RPOLL_EVENT_LEVEL));
            // Every reader sees what was merged since the last edge record.
            let merged = core::mem::take(&mut st.merged_unreported).min(0xffff) as u32;
            sample.source |= (merged << RPOLL_EVENT_MERGED_SHIFT) & RPOLL_EVENT_MERGED_MASK;
        }
        let mut open = st.active;
        let (mut ready, mut deadline, mut queued) = (false, None::<u64>, 0);
        while open != 0 {
            let slot = open.trailing_zeros() as usize;
            open &= open - 1;
            let wanted = edge_wanted(st.masks[slot], sample.source);
            if let Some(q) = st.queue(slot) {
                if wanted {
                    queued += 1;
                    if let Some(seq) = q.push(sample) {
                        trace::dropped(&self.name, slot, seq, q.counts().lost);
                    }
                    ready |= q.ready_by_count();
                    if let Some(d) = q.deadline() {
                        deadline = Some(deadline.map_or(d, |e| e.min(d)));
                    }
                } else {
                    q.skip();
                }
            }
        }
        if let Some(d) = deadline {
            st.arm_deadline(d);
        }
        trace::record(&self.name, &sample, st.active, queued, ready);
        // Below every reader's watermark: nobody to wake yet.
        if ready {
            st.wake_up_poll(epoll::IN | epoll::RDNORM);
            trace::wake(&self.name, WakeReason::Count);
        }
    }

    /// Sets the watermark of the reader in `slot` (checked against this
    /// device's depth): `EINVAL` with nothing changed for a value out of
    /// range, `ENODEV` once gone. Wakes its waiters if it is ready now.
    /// Process context.
    pub(crate) fn set_watermark(self: &Arc<Self>, slot: usize, w: &RpollWatermark) -> Result {
        let w = Watermark::checked(w.count, w.max_delay_us, w.reserved, self.depth as usize)
            .ok_or(EINVAL)?;
        let mut st = self.lock();
        if st.gone {
            return Err(ENODEV);
        }
        if w.count > 1 && st.deadline_timer.is_none() {
            // Started once, idle after a first (harmless) expiry.
            let first = Instant::<Monotonic>::now() + Delta::from_nanos(w.max_delay_ns as i64);
            // Kept in `deadline_timer`, which `shutdown()` (at unbind,
            // before the module can go) takes and drops.
            st.deadline_timer = Some(self.clone().start(first));
        }
        let q = st.queue(slot).ok_or(EINVAL)?;
        q.set_watermark(w);
        let now = stamp::monotonic_ns();
        let (ready, deadline) = (q.ready(now), q.deadline());
        if let Some(d) = deadline {
            st.arm_deadline(d);
        }
        let (count, delay) = (w.count as u64, w.max_delay_us);
        trace::config(
            &self.name,
            Some(slot),
            trace::ConfigItem::Watermark,
            count,
            delay.into(),
        );
        if ready {
            st.wake_up_poll(epoll::IN | epoll::RDNORM);
            trace::wake(&self.name, WakeReason::Watermark);
        }
        Ok(())
    }

    /// Sets the `source` word (kind and level flag) of the initial record
    /// of readers attaching from now on: a source with a state sets it at
    /// probe and whenever its state changes with no edge record (an edge
    /// its configuration does not report). Called under the source's own
    /// lock, like `push`.
    pub(crate) fn set_state(&self, source: u32) {
        self.lock().state = Some(source);
    }

    /// The reader in `slot` wants its initial record first
    /// (`RPOLL_IOC_WANT_INITIAL`): `ENOTTY` for a source without a level,
    /// `EBUSY` once it took a record.
    pub(crate) fn want_initial(&self, slot: usize) -> Result {
        let mut st = self.lock();
        if st.state.is_none() {
            return Err(ENOTTY);
        }
        let q = st.queue(slot).ok_or(EINVAL)?;
        q.want_initial().map_err(|_| EBUSY)?;
        st.wake_up_poll(epoll::IN | epoll::RDNORM);
        trace::wake(&self.name, WakeReason::Initial);
        Ok(())
    }

    /// Flags the next record produced: the source's configuration changed
    /// (under the source's own lock, so no record of the old configuration
    /// can come after it).
    pub(crate) fn mark_config_change(&self) {
        self.lock().config_changed = true;
    }

    /// The system starts to sleep and this device may wake it: the first
    /// record stamped from now on with one of `edges` (`RPOLL_EVENT_RISING`
    /// and `_FALLING` bits; 0: any record) is the wake-up
    /// (`logic::wake`). Process context.
    pub(crate) fn open_wake_window(&self, edges: u32) {
        self.lock().wake.open(stamp::monotonic_ns(), edges);
    }

    /// The system runs again: records stamped from now on are no wake-up.
    /// Process context.
    pub(crate) fn close_wake_window(&self) {
        self.lock().wake.close(stamp::monotonic_ns());
    }

    /// Sets the GPIO edges the reader in `slot` receives (`RPOLL_EDGE_*`,
    /// checked by the caller); returns the events its mask has kept out so
    /// far.
    pub(crate) fn set_edge_mask(&self, slot: usize, mask: u32) -> u64 {
        let mut st = self.lock();
        if let Some(m) = st.masks.get_mut(slot) {
            *m = mask;
        }
        trace::config(
            &self.name,
            Some(slot),
            trace::ConfigItem::EdgeMask,
            mask.into(),
            0,
        );
        st.queue(slot).map_or(0, |q| q.counts().filtered)
    }

    /// Counts `n` source inputs merged into other events. Any context.
    pub(crate) fn count_merged(&self, n: u64) {
        if n != 0 {
            let mut st = self.lock();
            st.merged += n;
            st.merged_unreported += n;
        }
    }

    /// Adds a reader and returns its slot; runs `on_first` (which may sleep)
    /// when it is the only one. `ENODEV` once gone, `EBUSY` when full (the
    /// device's limit, not the process's file limit that `EMFILE` names).
    pub(crate) fn attach(&self, on_first: impl FnOnce()) -> Result<usize> {
        let _members = self.membership.lock();
        // Allocated before taking the spinlock.
        let buf = KVVec::from_elem(Sample::default(), self.depth as usize, GFP_KERNEL)?;
        let (slot, first) = {
            let mut st = self.lock();
            if st.gone {
                return Err(ENODEV);
            }
            let slot = (!st.active).trailing_zeros() as usize;
            if slot >= MAX_READERS {
                return Err(EBUSY);
            }
            // The depth was validated at probe, so this cannot fail.
            let queue = Queue::new(buf, st.produced).map_err(|_| EINVAL)?;
            st.slots[slot] = Some(queue);
            st.masks[slot] = RPOLL_EDGE_RISING | RPOLL_EDGE_FALLING;
            // The state as of this attach, in the same critical section:
            // no edge can fall between it and the reader's first record.
            if let Some(word) = st.state {
                let flags = word | RPOLL_EVENT_INITIAL;
                let mut initial = stamp::sample_at(stamp::monotonic_ns(), flags);
                initial.seq = st.produced;
                if let Some(q) = st.queue(slot) {
                    q.set_initial(initial);
                }
            }
            // INVARIANT: `slots[slot]` and its bit are set together.
            st.active |= 1 << slot;
            let readers = st.active.count_ones();
            trace::reader(&self.name, slot, true, readers);
            (slot, readers == 1)
        };
        if first {
            on_first();
        }
        Ok(slot)
    }

    /// Removes the reader in `slot`; runs `on_last` (which may sleep) when
    /// no reader is left.
    pub(crate) fn detach(&self, slot: usize, on_last: impl FnOnce()) {
        let members = self.membership.lock();
        let (queue, last) = {
            let mut st = self.lock();
            // INVARIANT: the bit and the slot are cleared together.
            st.active &= !(1u64 << slot);
            trace::reader(&self.name, slot, false, st.active.count_ones());
            (st.slots[slot].take(), st.active == 0)
        };
        if last {
            on_last();
        }
        drop(members);
        // Freed outside both locks.
        drop(queue);
    }

    /// Waits until the reader in `slot` has a record and returns its queue
    /// locked, to take records from with one lock hold. When the queue is
    /// empty: `None` for [`Wait::Never`] (the read already has records), else
    /// `ENODEV` once the device is gone, else as `wait` says.
    ///
    /// A blocking read waits for the reader's watermark, as poll does; a
    /// read that does not block takes whatever is queued.
    pub(crate) fn records(&self, slot: usize, wait: Wait) -> Result<Option<Records<'_>>> {
        let mut st = self.lock();
        let mut waited = false;
        loop {
            let has = st.queue(slot).is_some_and(|q| !q.is_empty());
            if has && wait != Wait::Block {
                return Ok(Some(Records { st, slot, waited }));
            }
            if wait == Wait::Never {
                return Ok(None);
            }
            let ready = st.readiness(slot, stamp::monotonic_ns);
            if ready.readable {
                return Ok(Some(Records { st, slot, waited }));
            }
            if ready.gone {
                // What is queued is still read; then `ENODEV`.
                if has {
                    return Ok(Some(Records { st, slot, waited }));
                }
                return Err(ENODEV);
            }
            if wait == Wait::NonBlock {
                return Err(EAGAIN);
            }
            // Woken for this reader: its watermark, or the device gone.
            waited = true;
            if st.wait_interruptible(|st| {
                let r = st.readiness(slot, stamp::monotonic_ns);
                r.readable || r.gone
            }) {
                return Err(ERESTARTSYS);
            }
        }
    }

    /// Gives back `count` records that [`Records::pop`] handed out but
    /// that never reached the reader in `slot` (a fault while copying them
    /// out); `their_lost` is the sum of their `lost` fields. They become
    /// losses reported with the next record.
    pub(crate) fn undeliver(&self, slot: usize, count: u64, their_lost: u64) {
        if let Some(q) = self.lock().queue(slot) {
            q.undeliver(count, their_lost);
        }
    }

    /// Drops the queued records of the reader in `slot` (counted as lost);
    /// returns how many.
    pub(crate) fn flush(&self, slot: usize) -> usize {
        self.lock().queue(slot).map_or(0, Queue::flush)
    }

    /// Registers a poll wait for the device and returns the reader's state.
    pub(crate) fn poll<'a>(&'a self, slot: usize, file: &File, table: PollTable<'a>) -> Readiness {
        table.register_wait_lock(file, &self.state);
        // The word is read after the registration. poll() and select()
        // register at every call, taking this lock: a word published by an
        // earlier hold is seen (the acquire pairs with its release), and a
        // hold after the registration wakes this waiter. epoll registers
        // once; it calls again only after the wake-up a hold made under
        // this lock put its item on epoll's ready list, under epoll's own
        // lock, which the caller then took: the same chain of locks orders
        // the word before this read. A closed slot's word is never read.
        let bits = self
            .ready
            .get(slot)
            .map_or(0, |r| r.load(ordering::Acquire));
        if bits & PUB_AGED != 0 {
            return self.lock().readiness(slot, stamp::monotonic_ns);
        }
        Readiness {
            readable: bits & PUB_READABLE != 0,
            gone: bits & PUB_GONE != 0,
        }
    }

    /// Whether the device is unbound.
    pub(crate) fn is_gone(&self) -> bool {
        self.lock().gone
    }

    /// The `RPOLL_IOC_STATS` reply for the reader in `slot`.
    pub(crate) fn stats(&self, slot: usize) -> RpollStats {
        let mut st = self.lock();
        let c = st.queue(slot).map(|q| q.counts()).unwrap_or_default();
        RpollStats {
            produced: st.produced,
            overruns: st.overruns,
            debounced: st.merged,
            readers: u64::from(st.active.count_ones()),
            base: c.base,
            delivered: c.delivered,
            lost: c.lost,
            queued: c.queued,
        }
    }

    /// Marks the device gone (unbind) and wakes every waiter, who then sees
    /// `ENODEV` / `EPOLLHUP | EPOLLERR`. Queued records stay readable; no
    /// reader can attach from now on.
    pub(crate) fn shutdown(&self) {
        let _members = self.membership.lock();
        let timer = {
            let mut st = self.lock();
            st.gone = true;
            st.wake_up_poll(epoll::IN | epoll::HUP | epoll::ERR);
            trace::wake(&self.name, WakeReason::Gone);
            st.deadline = None;
            st.deadline_timer.take()
        };
        // Outside the lock: cancelling waits for a running callback, which
        // takes it. This drops the timer's reference to the fan-out.
        drop(timer);
    }

    /// The device-wide and per-reader lines of the debugfs `state` file.
    pub(crate) fn render(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        let st = self.lock();
        writeln!(f, "queue_depth: {}", self.depth)?;
        writeln!(f, "produced: {}", Decimal(st.produced))?;
        writeln!(f, "overruns: {}", Decimal(st.overruns))?;
        writeln!(f, "debounced: {}", Decimal(st.merged))?;
        writeln!(f, "readers: {}", st.active.count_ones())?;
        writeln!(f, "gone: {}", st.gone)?;
        for (i, q) in st.slots.iter().enumerate() {
            if let Some(q) = q {
                let c = q.counts();
                let w = q.watermark();
                writeln!(
                    f,
                    "reader {i}: base={} delivered={} lost={} queued={} filtered={} watermark={} max_delay_us={}",
                    Decimal(c.base),
                    Decimal(c.delivered),
                    Decimal(c.lost),
                    Decimal(c.queued),
                    Decimal(c.filtered),
                    w.count,
                    w.max_delay_us
                )?;
            }
        }
        Ok(())
    }
}

impl_has_hr_timer! {
    impl HasHrTimer<Self> for FanOut {
        mode: AbsoluteMode<Monotonic>,
        field: self.deadline_timer
    }
}

impl HrTimerCallback for FanOut {
    type Pointer<'a> = Arc<Self>;

    /// A reader's oldest record reached its watermark's delay: wakes the
    /// waiters, and moves the timer to the next reader's deadline.
    fn run(this: ArcBorrow<'_, Self>, _ctx: HrTimerCallbackContext<'_, Self>) -> HrTimerRestart {
        let mut st = this.lock();
        let now = stamp::monotonic_ns();
        st.deadline = None;
        let ready = (0..MAX_READERS).any(|slot| st.readiness(slot, || now).readable);
        if ready {
            st.wake_up_poll(epoll::IN | epoll::RDNORM);
            trace::wake(&this.name, WakeReason::Age);
        }
        if let Some(next) = st.next_deadline(now) {
            // Restarting from the callback itself: the timer is queued
            // again, and `NoRestart` leaves it queued.
            st.arm_deadline(next);
        }
        HrTimerRestart::NoRestart
    }
}
