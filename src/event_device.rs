// SPDX-License-Identifier: GPL-2.0

//! The state one rpoll device shares between its source, its open files and
//! its debugfs view: the readers' queues, the wait queue and the counters.
//!
//! Locking:
//! - `state` (IRQ-safe spinlock) protects the queues and counters; the source
//!   takes it in hard-IRQ context, readers take it around queue operations
//!   and while waiting.
//! - `control` (mutex) serialises open, release, unbind, period changes and
//!   moves of the timer to its reader's CPU, which start and cancel the
//!   timer. It is never taken by the source, so a cancel that waits for a
//!   running timer callback cannot deadlock.

use kernel::{
    cpu::CpuId,
    new_mutex, new_poll_condvar, new_spinlock_irq,
    prelude::*,
    sync::{
        atomic::{ordering, Atomic},
        poll::PollCondVar,
        Arc, Mutex, SpinLockIrq,
    },
    time::{
        hrtimer::{ArcHrTimerHandle, HasHrTimer, HrTimer, HrTimerPointer},
        Delta, Instant, Monotonic,
    },
};

use crate::{
    clock,
    config::{DeviceConfig, SourceKind},
    logic::{
        debounce::Debouncer,
        decimal::Decimal,
        gpio_edges::{EdgeOutcome, Edges, Settle},
        queue::ReaderQueue,
        sample::Sample,
        uapi::{
            gpio_source, trigger_name, RpollInfo, RpollStats, RPOLL_GPIO_ACTIVE_LOW,
            RPOLL_GPIO_LINE_MASK, RPOLL_SOURCE_GPIO, RPOLL_SOURCE_IRQ, RPOLL_SOURCE_TIMER,
        },
    },
};

/// Most files that may have one device open at once. With the largest queue
/// depth (4096 records of 48 bytes) this bounds one device's queue memory to
/// 64 * 4096 * 48 bytes = 12 MiB.
pub(crate) const MAX_READERS: usize = 64;

/// Least time between two moves of a timer to its reader's CPU, so that
/// readers on different CPUs cannot make it bounce (100 ms).
const FOLLOW_INTERVAL_NS: u64 = 100_000_000;

/// One reader's queue, over a kmalloc'ed buffer.
pub(crate) type Queue = ReaderQueue<KVec<Sample>>;

/// Queues and counters, under the IRQ-safe lock.
pub(crate) struct State {
    /// One slot per possible reader; `Some` while that reader's file is open.
    pub(crate) slots: KVec<Option<Queue>>,
    /// Bit `i` set while `slots[i]` is `Some` (`MAX_READERS` is 64), so the
    /// producer visits only open readers' queues.
    active: u64,
    /// Events produced since the device was bound (the last `seq` issued).
    pub(crate) produced: u64,
    /// Timer periods skipped because a callback ran late.
    pub(crate) overruns: u64,
    /// Edges merged into a previous event by debouncing (IRQ sources).
    pub(crate) debounced: u64,
    /// Leading-edge debounce state (IRQ sources, single-edge GPIO sources).
    pub(crate) debouncer: Debouncer,
    /// Settled-state tracking (both-edge GPIO sources).
    pub(crate) settle: Settle,
    /// Clocks sampled at the first edge of the burst being settled.
    burst: Option<Sample>,
    /// The settle timer (both-edge GPIO sources with a debounce window),
    /// once first armed; re-armed in place by later edges.
    settle_timer: Option<ArcHrTimerHandle<EventDevice>>,
    /// Set once the device is unbound; readers then get `ENODEV`.
    pub(crate) gone: bool,
}

impl State {
    /// Records event `produced + 1` from `source`, which happened at
    /// monotonic time `mono_ns`, in every open reader's queue. Returns
    /// `false` (and records nothing) once the device is gone.
    ///
    /// Timestamps follow `seq` order because each caller's `mono_ns` never
    /// goes back: the IRQ source reads it under the lock, the timer passes
    /// its expiry, and the GPIO handler, which never runs on two CPUs at
    /// once, stamps on entry.
    fn record(&mut self, mono_ns: u64, source: u32, skipped: u64) -> bool {
        self.record_sample(clock::sample_at(mono_ns, 0, source), skipped)
    }

    /// An edge at `now_ns` under leading-edge debouncing: records an event
    /// from `source` if the line was quiet for the window, otherwise counts
    /// the edge as merged. Returns whether an event was recorded.
    fn debounced_record(&mut self, now_ns: u64, source: u32) -> bool {
        if self.debouncer.edge(now_ns) {
            self.record(now_ns, source, 0)
        } else {
            self.debounced += 1;
            false
        }
    }

    /// Like [`Self::record`], with clocks sampled earlier (the first edge of
    /// a settled burst; bursts of one device do not overlap, so timestamps
    /// still follow `seq` order).
    fn record_sample(&mut self, mut sample: Sample, skipped: u64) -> bool {
        if self.gone {
            return false;
        }
        self.overruns += skipped;
        self.produced += 1;
        sample.seq = self.produced;
        let mut open = self.active;
        while open != 0 {
            let slot = open.trailing_zeros() as usize;
            open &= open - 1;
            if let Some(q) = self.slots[slot].as_mut() {
                q.push(sample);
            }
        }
        true
    }
}

/// Open/close/unbind bookkeeping, under the mutex.
struct Control {
    readers: usize,
    timer: Option<ArcHrTimerHandle<EventDevice>>,
    /// Monotonic time of the last move of the timer to a reader's CPU.
    moved_ns: u64,
    gone: bool,
}

/// The shared state of one rpoll device.
#[pin_data]
pub(crate) struct EventDevice {
    #[pin]
    pub(crate) timer: HrTimer<EventDevice>,
    #[pin]
    pub(crate) state: SpinLockIrq<State>,
    #[pin]
    pub(crate) readable: PollCondVar,
    #[pin]
    control: Mutex<Control>,
    /// Current timer period in microseconds (a 32-bit value: no 64-bit
    /// atomics or divisions on 32-bit kernels).
    pub(crate) period_us: Atomic<u32>,
    /// Interrupt number (IRQ sources; 0 until requested).
    pub(crate) irq: Atomic<u32>,
    /// IRQ sources: `IRQ_TYPE_*` trigger of `irq`, read once while it was
    /// requested. GPIO sources: the logical edges reported.
    pub(crate) trigger: Atomic<u32>,
    /// GPIO sources: line offset, with `RPOLL_GPIO_ACTIVE_LOW`.
    pub(crate) gpio_line: Atomic<u32>,
    /// Timer sources: the CPU the timer callback last ran on.
    pub(crate) timer_cpu: Atomic<u32>,
    pub(crate) config: DeviceConfig,
}

impl EventDevice {
    /// Allocates the state for a device described by `config`.
    pub(crate) fn new(config: DeviceConfig) -> Result<Arc<Self>> {
        let mut slots = KVec::with_capacity(MAX_READERS, GFP_KERNEL)?;
        for _ in 0..MAX_READERS {
            slots.push(None, GFP_KERNEL)?;
        }
        Arc::pin_init(
            pin_init!(Self {
                timer <- HrTimer::new(),
                state <- new_spinlock_irq!(State {
                    slots,
                    active: 0,
                    produced: 0,
                    overruns: 0,
                    debounced: 0,
                    debouncer: Debouncer::new(config.debounce_us),
                    settle: Settle::new(config.debounce_us, false),
                    burst: None,
                    settle_timer: None,
                    gone: false,
                }, "rpoll::state"),
                readable <- new_poll_condvar!("rpoll::readable"),
                control <- new_mutex!(
                    Control { readers: 0, timer: None, moved_ns: 0, gone: false },
                    "rpoll::control"
                ),
                period_us: Atomic::new(config.period_us),
                irq: Atomic::new(0),
                trigger: Atomic::new(0),
                gpio_line: Atomic::new(0),
                timer_cpu: Atomic::new(0),
                config,
            }),
            GFP_KERNEL,
        )
    }

    /// Records one timer event, stamped with the expiry it was due at, in
    /// every open reader's queue and wakes waiters; `skipped` periods were
    /// missed before it. Called from the timer callback.
    pub(crate) fn produce_timer(&self, expiry_ns: u64, skipped: u64) {
        self.update(|st| st.record(expiry_ns, RPOLL_SOURCE_TIMER, skipped));
    }

    /// Runs `f` on the state under its lock, then wakes the waiters if `f`
    /// recorded an event (outside the lock). Callable from hard-IRQ context.
    fn update(&self, f: impl FnOnce(&mut State) -> bool) {
        let recorded = f(&mut self.state.lock());
        if recorded {
            self.readable.notify_all();
        }
    }

    /// Handles one edge of the interrupt line: an event unless debouncing
    /// merges it into the previous one. Callable from hard-IRQ context.
    pub(crate) fn edge(&self) {
        self.update(|st| st.debounced_record(clock::monotonic_ns(), RPOLL_SOURCE_IRQ));
    }

    /// The current timer period.
    pub(crate) fn period(&self) -> Delta {
        Delta::from_micros(i64::from(self.period_us.load(ordering::Relaxed)))
    }

    /// Records what probe learnt of a GPIO line before its interrupt is
    /// requested: offset, polarity, interrupt and current logical level
    /// (the level that settled-state reporting starts from).
    pub(crate) fn init_gpio(&self, offset: u32, active_low: bool, irq: u32, level: bool) {
        let flag = if active_low { RPOLL_GPIO_ACTIVE_LOW } else { 0 };
        self.gpio_line
            .store((offset & RPOLL_GPIO_LINE_MASK) | flag, ordering::Relaxed);
        self.irq.store(irq, ordering::Relaxed);
        self.trigger
            .store(self.config.edges.irq_type(), ordering::Relaxed);
        self.state.lock().settle = Settle::new(self.config.debounce_us, level);
    }

    /// GPIO sources: the line's offset on its controller.
    pub(crate) fn gpio_offset(&self) -> u32 {
        self.gpio_line.load(ordering::Relaxed) & RPOLL_GPIO_LINE_MASK
    }

    /// GPIO sources: whether the line is active-low.
    pub(crate) fn gpio_active_low(&self) -> bool {
        self.gpio_line.load(ordering::Relaxed) & RPOLL_GPIO_ACTIVE_LOW != 0
    }

    /// Handles one interrupt of a GPIO line, taken at monotonic time
    /// `now`, after which the line reads `level` (logical). Callable from
    /// hard-IRQ context; not concurrently with itself (one interrupt line).
    ///
    /// Both-edge lines report settled levels ([`Settle`]); single-edge
    /// lines report the first edge after a quiet window (their interrupt
    /// fires on that edge only, so the level is the one it leads to).
    pub(crate) fn gpio_edge(self: &Arc<Self>, level: bool, now: u64) {
        self.update(|st| {
            if st.gone {
                return false;
            }
            match self.config.edges {
                Edges::Both => match st.settle.edge(level, now) {
                    EdgeOutcome::Report(l) => st.record(now, gpio_source(l), 0),
                    EdgeOutcome::Merged => {
                        st.debounced += 1;
                        false
                    }
                    EdgeOutcome::Pending { first } => {
                        if first {
                            st.burst = Some(clock::sample_at(now, 0, 0));
                        }
                        self.arm_settle(st);
                        false
                    }
                },
                edge => st.debounced_record(now, gpio_source(edge == Edges::Rising)),
            }
        });
    }

    /// An interrupt whose level could not be read: counted as merged.
    pub(crate) fn gpio_unreadable(&self) {
        self.state.lock().debounced += 1;
    }

    /// (Re)starts the settle timer one window from now.
    fn arm_settle(self: &Arc<Self>, st: &mut State) {
        let window = Instant::now() + Delta::from_nanos(st.settle.window_ns() as i64);
        if st.settle_timer.is_some() {
            // SAFETY: `self` is a live `EventDevice`, and it stays alive
            // until the timer has fired or been cancelled: the handle in
            // `settle_timer` owns a reference to it and is only dropped in
            // `stop_settle`, which cancels the timer (waiting for a running
            // callback). Restarting an armed or running hrtimer is allowed.
            unsafe { <Self as HasHrTimer<Self>>::start(Arc::as_ptr(self), window) };
        } else {
            st.settle_timer = Some(self.clone().start(window));
        }
    }

    /// The settle timer fired: reports the burst's settled level if it
    /// differs from the last reported one. Called from the timer callback.
    pub(crate) fn settled(&self) {
        self.update(|st| {
            let Some(r) = st.settle.settle(clock::monotonic_ns()) else {
                return false;
            };
            st.debounced += r.merged;
            match (r.report, st.burst.take()) {
                (Some(level), Some(mut sample)) => {
                    sample.source = gpio_source(level);
                    st.record_sample(sample, 0)
                }
                _ => false,
            }
        });
    }

    /// Cancels the settle timer (waiting for a running callback) and drops
    /// its reference to this device. Process context only.
    pub(crate) fn stop_settle(&self) {
        let handle = self.state.lock().settle_timer.take();
        // Cancelled outside the lock: the callback takes it.
        drop(handle);
    }

    /// Adds a reader; returns its slot. Starts the timer for the first one.
    pub(crate) fn attach(self: &Arc<Self>) -> Result<usize> {
        let mut ctl = self.control.lock();
        if ctl.gone {
            return Err(ENODEV);
        }
        if ctl.readers >= MAX_READERS {
            return Err(EMFILE);
        }
        // Allocate before taking the spinlock.
        let buf = KVec::from_elem(Sample::default(), self.config.depth as usize, GFP_KERNEL)?;
        let slot = {
            let mut st = self.state.lock();
            let base = st.produced;
            let slot = st.slots.iter().position(Option::is_none).ok_or(EMFILE)?;
            // The depth was validated at probe time, so this cannot fail.
            st.slots[slot] = Some(Queue::new(buf, base).map_err(|_| EINVAL)?);
            st.active |= 1 << slot;
            slot
        };
        ctl.readers += 1;
        if ctl.readers == 1 && self.config.kind == SourceKind::Timer {
            ctl.timer = Some(self.start_timer(Instant::now() + self.period()));
        }
        Ok(slot)
    }

    /// Starts the timer on this CPU to expire first at `expires`.
    fn start_timer(self: &Arc<Self>, expires: Instant<Monotonic>) -> ArcHrTimerHandle<Self> {
        self.timer_cpu
            .store(CpuId::current().as_u32(), ordering::Relaxed);
        self.clone().start(expires)
    }

    /// Moves a running timer to the calling reader's CPU if it fires on
    /// another one, keeping its next expiry (so the grid and the event count
    /// are unchanged). Like timerfd's timer, which `read()` re-arms, the
    /// callback then wakes a reader on its own CPU, without an
    /// inter-processor interrupt. At most one move per
    /// [`FOLLOW_INTERVAL_NS`], so readers on two CPUs cannot make the timer
    /// bounce. Process context only (it may wait for a running callback).
    pub(crate) fn follow_reader(self: &Arc<Self>) {
        if self.timer_cpu.load(ordering::Relaxed) == CpuId::current().as_u32() {
            return;
        }
        // Another task changing the timer now has the same effect.
        let Some(mut ctl) = self.control.try_lock() else {
            return;
        };
        let now = clock::monotonic_ns();
        if now.wrapping_sub(ctl.moved_ns) < FOLLOW_INTERVAL_NS {
            return;
        }
        let Some(handle) = ctl.timer.take() else {
            return;
        };
        // Cancel (waiting for a running callback, which may forward the
        // expiry) before reading the expiry to restart at.
        drop(handle);
        ctl.timer = Some(self.start_timer(self.timer.expires()));
        ctl.moved_ns = now;
    }

    /// Removes the reader in `slot`; stops the timer after the last one.
    pub(crate) fn detach(&self, slot: usize) {
        let mut ctl = self.control.lock();
        let queue = {
            let mut st = self.state.lock();
            st.active &= !(1 << slot);
            st.slots[slot].take()
        };
        ctl.readers -= 1;
        if ctl.readers == 0 {
            // Cancelled with `control` held, so a concurrent open cannot
            // start the timer between this decision and the cancel.
            drop(ctl.timer.take());
        }
        drop(ctl);
        // Freed outside both locks.
        drop(queue);
    }

    /// Sets the timer period, restarting a running timer so the new period
    /// applies from now. `EOPNOTSUPP` on IRQ devices, `ENODEV` once gone.
    pub(crate) fn set_period(self: &Arc<Self>, period_us: u32) -> Result {
        if self.config.kind != SourceKind::Timer {
            return Err(EOPNOTSUPP);
        }
        let mut ctl = self.control.lock();
        if ctl.gone {
            return Err(ENODEV);
        }
        self.period_us.store(period_us, ordering::Relaxed);
        if let Some(handle) = ctl.timer.take() {
            // Cancel (waiting for a running callback) before restarting.
            drop(handle);
            ctl.timer = Some(self.start_timer(Instant::now() + self.period()));
        }
        Ok(())
    }

    /// Drops the queued events of the reader in `slot` (counted as lost).
    pub(crate) fn flush(&self, slot: usize) -> usize {
        self.state.lock().slots[slot]
            .as_mut()
            .map_or(0, Queue::flush)
    }

    /// The `RPOLL_IOC_INFO` reply.
    pub(crate) fn info(&self) -> RpollInfo {
        let mut info = RpollInfo::with_name(self.config.name.to_bytes());
        info.queue_depth = self.config.depth;
        info.max_readers = MAX_READERS as u32;
        match self.config.kind {
            SourceKind::Timer => {
                info.source = RPOLL_SOURCE_TIMER;
                info.period_us = self.period_us.load(ordering::Relaxed);
            }
            SourceKind::Irq => {
                info.source = RPOLL_SOURCE_IRQ;
                info.irq = self.irq.load(ordering::Relaxed);
                info.trigger = self.trigger.load(ordering::Relaxed);
                info.debounce_us = self.config.debounce_us;
            }
            SourceKind::Gpio => {
                info.source = RPOLL_SOURCE_GPIO;
                info.irq = self.irq.load(ordering::Relaxed);
                info.trigger = self.trigger.load(ordering::Relaxed);
                info.debounce_us = self.config.debounce_us;
                info.gpio_line = self.gpio_line.load(ordering::Relaxed);
            }
        }
        info
    }

    /// The `RPOLL_IOC_STATS` reply for the reader in `slot`.
    pub(crate) fn stats(&self, slot: usize) -> RpollStats {
        let st = self.state.lock();
        let c = st.slots[slot]
            .as_ref()
            .map(Queue::counts)
            .unwrap_or_default();
        RpollStats {
            produced: st.produced,
            overruns: st.overruns,
            debounced: st.debounced,
            readers: u64::from(st.active.count_ones()),
            base: c.base,
            delivered: c.delivered,
            lost: c.lost,
            queued: c.queued,
        }
    }

    /// Marks the device gone (unbind): stops the source and wakes every
    /// waiter, who then sees `ENODEV` / `EPOLLHUP | EPOLLERR`.
    pub(crate) fn shutdown(&self) {
        let mut ctl = self.control.lock();
        ctl.gone = true;
        drop(ctl.timer.take());
        let settle = {
            let mut st = self.state.lock();
            st.gone = true;
            // No edge arms the settle timer once `gone` is set.
            st.settle_timer.take()
        };
        drop(settle);
        drop(ctl);
        self.readable.notify_all();
    }

    /// Human-readable state for debugfs.
    pub(crate) fn render(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        let period_us = self.period_us.load(ordering::Relaxed);
        let irq = self.irq.load(ordering::Relaxed);
        let trigger = trigger_name(self.trigger.load(ordering::Relaxed));
        let st = self.state.lock();
        let readers = st.active.count_ones();
        writeln!(f, "source: {}", self.config.kind.name())?;
        match self.config.kind {
            SourceKind::Timer => {
                writeln!(f, "period_us: {period_us}")?;
                writeln!(f, "timer_cpu: {}", self.timer_cpu.load(ordering::Relaxed))?;
            }
            SourceKind::Irq => {
                writeln!(f, "irq: {irq}")?;
                writeln!(f, "trigger: {trigger}")?;
                writeln!(f, "debounce_us: {}", self.config.debounce_us)?;
                writeln!(f, "debounced: {}", Decimal(st.debounced))?;
            }
            SourceKind::Gpio => {
                writeln!(f, "line: {}", self.gpio_offset())?;
                writeln!(f, "active_low: {}", self.gpio_active_low())?;
                writeln!(f, "edges: {}", self.config.edges.name())?;
                writeln!(f, "irq: {irq}")?;
                writeln!(f, "debounce_us: {}", self.config.debounce_us)?;
                writeln!(f, "debounced: {}", Decimal(st.debounced))?;
                writeln!(f, "level: {}", u8::from(st.settle.reported()))?;
            }
        }
        writeln!(f, "queue_depth: {}", self.config.depth)?;
        writeln!(f, "produced: {}", Decimal(st.produced))?;
        writeln!(f, "overruns: {}", Decimal(st.overruns))?;
        writeln!(f, "readers: {readers}")?;
        writeln!(f, "gone: {}", st.gone)?;
        for (i, q) in st.slots.iter().enumerate() {
            if let Some(q) = q {
                let c = q.counts();
                writeln!(
                    f,
                    "reader {i}: base={} delivered={} lost={} queued={}",
                    Decimal(c.base),
                    Decimal(c.delivered),
                    Decimal(c.lost),
                    Decimal(c.queued)
                )?;
            }
        }
        Ok(())
    }
}
