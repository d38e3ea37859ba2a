// SPDX-License-Identifier: GPL-2.0

//! One reader's event queue: a fixed-capacity ring that drops its oldest
//! entry on overflow and accounts for every event it was handed.
//!
//! For a queue created when the device had produced `base` events, at every
//! moment: `delivered + lost + queued + filtered == produced - base`. Losses
//! are reported in the `lost` field of the next record delivered, so a reader
//! that filters nothing also sees `seq - previous_seq - 1 == lost` for every
//! record; events the reader asked not to receive are `filtered`.

use core::ops::DerefMut;

use super::sample::Sample;

/// Smallest accepted capacity.
pub const MIN_DEPTH: usize = 2;
/// Largest accepted capacity.
pub const MAX_DEPTH: usize = 4096;

/// Longest accepted [`Watermark::max_delay_ns`], in microseconds (10 s).
pub const WATERMARK_DELAY_US_MAX: u32 = 10_000_000;

/// When a reader's waiters are woken: once `count` records are queued, or
/// once the oldest queued record is `max_delay_ns` old, whichever comes
/// first. The default (count 1) wakes on every record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watermark {
    /// Records queued that make the reader ready, at least 1.
    pub count: usize,
    /// Age of the oldest queued record (from its `mono_ns`) that makes the
    /// reader ready, in nanoseconds; unused when `count` is 1.
    pub max_delay_ns: u64,
    /// The same in microseconds, as asked (for reports: a 64-bit division
    /// is a libgcc call on 32-bit ARM, which the kernel does not link).
    pub max_delay_us: u32,
}

impl Default for Watermark {
    fn default() -> Self {
        Self {
            count: 1,
            max_delay_ns: 0,
            max_delay_us: 0,
        }
    }
}

impl Watermark {
    /// Checks a request (`RPOLL_IOC_SET_WATERMARK`) for a queue of `depth`
    /// records: `count` in `1..=depth`; `max_delay_us` in
    /// `1..=WATERMARK_DELAY_US_MAX`, or 0 with `count` 1; `reserved` 0.
    pub fn checked(
        count: u32,
        max_delay_us: u32,
        reserved: [u32; 2],
        depth: usize,
    ) -> Option<Self> {
        let count = count as usize;
        let delay_ok = match (count, max_delay_us) {
            (1, 0) => true,
            (_, d) => (1..=WATERMARK_DELAY_US_MAX).contains(&d),
        };
        (reserved == [0; 2] && (1..=depth).contains(&count) && delay_ok).then_some(Self {
            count,
            max_delay_ns: u64::from(max_delay_us) * 1000,
            max_delay_us,
        })
    }
}

/// Why a queue could not be created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadDepth(pub usize);

/// A record handed to a reader: the sample and the losses just before it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    /// The event.
    pub sample: Sample,
    /// Events lost between the previous delivery and this one.
    pub lost: u64,
    /// The reader's initial record ([`ReaderQueue::want_initial`]): the
    /// state when it attached, not an event (no counter counts it).
    pub initial: bool,
}

/// The reader's initial record: the source's state as the reader attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Initial {
    /// Kept, not asked for (yet).
    Hidden(Sample),
    /// Asked for: the next [`ReaderQueue::pop`] returns it.
    Wanted(Sample),
    /// Delivered, or too late to ask (a record was taken), or none.
    Gone,
}

/// [`ReaderQueue::want_initial`] after a record was taken, or for a source
/// with no state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLate;

/// Counters of one reader, as reported by statistics interfaces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReaderCounts {
    /// Device-wide sequence number when the reader opened.
    pub base: u64,
    /// Events handed out by `pop` and not given back by `undeliver`.
    pub delivered: u64,
    /// Events dropped on overflow, flushed or not copied out.
    pub lost: u64,
    /// Events waiting in the queue.
    pub queued: u64,
    /// Events the reader's filter kept out (neither queued nor lost).
    pub filtered: u64,
}

/// A bounded ring of [`Sample`]s over caller-provided storage `B`.
///
/// # Invariants
///
/// `buf.len()` is a power of two in `MIN_DEPTH..=MAX_DEPTH`, `head < buf.len()`
/// and `len <= buf.len()`.
pub struct ReaderQueue<B> {
    buf: B,
    head: usize,
    len: usize,
    pending_lost: u64,
    counts: ReaderCounts,
    initial: Initial,
    watermark: Watermark,
}

impl<B: DerefMut<Target = [Sample]>> ReaderQueue<B> {
    /// Creates an empty queue over `buf` for a reader that joins after `base`
    /// events were produced. `buf.len()` is the capacity and must be a power
    /// of two between [`MIN_DEPTH`] and [`MAX_DEPTH`].
    pub fn new(buf: B, base: u64) -> Result<Self, BadDepth> {
        let n = buf.len();
        if !(MIN_DEPTH..=MAX_DEPTH).contains(&n) || !n.is_power_of_two() {
            return Err(BadDepth(n));
        }
        // INVARIANT: the capacity was just checked; head and len start at 0.
        Ok(Self {
            buf,
            head: 0,
            len: 0,
            pending_lost: 0,
            counts: ReaderCounts {
                base,
                ..ReaderCounts::default()
            },
            initial: Initial::Gone,
            watermark: Watermark::default(),
        })
    }

    /// When the reader is woken.
    pub fn watermark(&self) -> Watermark {
        self.watermark
    }

    /// Sets when the reader is woken.
    pub fn set_watermark(&mut self, w: Watermark) {
        self.watermark = w;
    }

    /// Whether the reader is to be woken at monotonic time `now_ns`: its
    /// initial record is asked for, or the queue holds the watermark's count
    /// of records, or its oldest is the watermark's delay old.
    pub fn ready(&self, now_ns: u64) -> bool {
        self.ready_at(|| now_ns)
    }

    /// [`Self::ready`] with the time read only when the age decides (a
    /// watermark above one record, some queued): the default watermark
    /// costs no clock read.
    pub fn ready_at(&self, now_ns: impl FnOnce() -> u64) -> bool {
        if self.ready_by_count() {
            return true;
        }
        self.deadline().is_some_and(|d| now_ns() >= d)
    }

    /// Whether the reader is ready by its count alone (no clock read): what
    /// a producer checks after queuing a record.
    pub fn ready_by_count(&self) -> bool {
        self.len >= self.watermark.count || matches!(self.initial, Initial::Wanted(_))
    }

    /// When the queued records make the reader ready by age: the oldest
    /// one's stamp plus the watermark's delay; `None` when the queue is
    /// empty or the count alone decides (count 1).
    pub fn deadline(&self) -> Option<u64> {
        (self.len > 0 && self.watermark.count > 1).then(|| {
            self.buf[self.head]
                .mono_ns
                .saturating_add(self.watermark.max_delay_ns)
        })
    }

    /// Keeps `state` (the source's state as the reader attaches, stamped
    /// then) as the reader's initial record, to be delivered first if the
    /// reader asks before taking a record.
    pub fn set_initial(&mut self, state: Sample) {
        self.initial = Initial::Hidden(state);
    }

    /// The reader asks for its initial record: `TooLate` once a record was
    /// taken (it would no longer come first) or if there is none.
    pub fn want_initial(&mut self) -> Result<(), TooLate> {
        match self.initial {
            Initial::Hidden(s) | Initial::Wanted(s) => {
                self.initial = Initial::Wanted(s);
                Ok(())
            }
            Initial::Gone => Err(TooLate),
        }
    }

    /// Capacity of the queue (for the host tests; the module knows its depth).
    #[cfg_attr(CONFIG_RUST, expect(dead_code))]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing is there to take (no event, no initial record asked
    /// for).
    pub fn is_empty(&self) -> bool {
        self.len == 0 && !matches!(self.initial, Initial::Wanted(_))
    }

    /// The reader's counters.
    pub fn counts(&self) -> ReaderCounts {
        ReaderCounts {
            queued: self.len as u64,
            ..self.counts
        }
    }

    fn mask(&self) -> usize {
        self.buf.len() - 1
    }

    /// Appends `sample`, dropping the oldest queued event if the queue is
    /// full. Returns the `seq` of the event dropped, if one was.
    pub fn push(&mut self, sample: Sample) -> Option<u64> {
        let mut dropped = None;
        if self.len == self.buf.len() {
            dropped = Some(self.buf[self.head].seq);
            self.head = (self.head + 1) & self.mask();
            self.len -= 1;
            self.pending_lost += 1;
            self.counts.lost += 1;
        }
        let tail = (self.head + self.len) & self.mask();
        // Field by field: a whole-struct assignment becomes a call to
        // `memcpy()` in the kernel's builds, on the producer's path. The
        // pattern names every field, so a new one cannot be left out.
        let Sample {
            seq,
            mono_ns,
            boot_ns,
            real_ns,
            jiffies,
            source,
        } = sample;
        let slot = &mut self.buf[tail];
        slot.seq = seq;
        slot.mono_ns = mono_ns;
        slot.boot_ns = boot_ns;
        slot.real_ns = real_ns;
        slot.jiffies = jiffies;
        slot.source = source;
        self.len += 1;
        dropped
    }

    /// Counts an event the reader asked not to receive.
    pub fn skip(&mut self) {
        self.counts.filtered += 1;
    }

    /// Takes the initial record if asked for, else the oldest event, with
    /// the count of events lost just before it.
    pub fn pop(&mut self) -> Option<Delivery> {
        match core::mem::replace(&mut self.initial, Initial::Gone) {
            Initial::Wanted(sample) => {
                return Some(Delivery {
                    sample,
                    lost: 0,
                    initial: true,
                })
            }
            // Only until the first record is taken.
            Initial::Hidden(s) if self.len == 0 => self.initial = Initial::Hidden(s),
            _ => {}
        }
        if self.len == 0 {
            return None;
        }
        let sample = self.buf[self.head];
        self.head = (self.head + 1) & self.mask();
        self.len -= 1;
        self.counts.delivered += 1;
        let lost = core::mem::take(&mut self.pending_lost);
        Some(Delivery {
            sample,
            lost,
            initial: false,
        })
    }

    /// Gives back `count` events taken by [`pop`](Self::pop) that never
    /// reached the reader (for instance a fault while copying them out).
    /// `their_lost` is the sum of the `lost` fields those deliveries carried.
    ///
    /// They are not requeued (newer events may already sit behind them): they
    /// become losses reported with the next delivery, so the accounting
    /// identity still holds.
    pub fn undeliver(&mut self, count: u64, their_lost: u64) {
        let count = count.min(self.counts.delivered);
        self.counts.delivered -= count;
        self.counts.lost += count;
        self.pending_lost += count + their_lost;
    }

    /// Drops every queued event; they are accounted as lost.
    pub fn flush(&mut self) -> usize {
        let n = self.len;
        self.pending_lost += n as u64;
        self.counts.lost += n as u64;
        self.head = 0;
        self.len = 0;
        n
    }
}
