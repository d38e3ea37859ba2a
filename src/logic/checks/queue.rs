// SPDX-License-Identifier: GPL-2.0

//! Checks of the per-reader queue (`logic::queue`): order, overflow and the
//! accounting identity `delivered + lost + queued == produced since open`.
//! Queues are small arrays here (a kernel thread's stack holds them).

use super::Checked;
use crate::logic::{
    queue::{BadDepth, ReaderQueue, Watermark, WATERMARK_DELAY_US_MAX},
    sample::Sample,
};

/// A sample numbered `seq`, each stamp derived from it (also used by the
/// host's property tests of the queue).
pub fn sample(seq: u64) -> Sample {
    Sample {
        seq,
        mono_ns: seq * 1000,
        boot_ns: seq * 1000 + 1,
        real_ns: seq * 1000 + 2,
        jiffies: seq,
        source: 1,
    }
}

/// Capacities that are not a power of two of at least 2 are refused.
pub fn rejects_bad_capacities() -> Checked {
    let mut none: [Sample; 0] = [];
    ensure_eq!(ReaderQueue::new(&mut none[..], 0).err(), Some(BadDepth(0)));
    let mut one = [Sample::default(); 1];
    ensure_eq!(ReaderQueue::new(&mut one[..], 0).err(), Some(BadDepth(1)));
    let mut three = [Sample::default(); 3];
    ensure_eq!(ReaderQueue::new(&mut three[..], 0).err(), Some(BadDepth(3)));
    let mut six = [Sample::default(); 6];
    ensure_eq!(ReaderQueue::new(&mut six[..], 0).err(), Some(BadDepth(6)));
    let mut two = [Sample::default(); 2];
    ensure!(ReaderQueue::new(&mut two[..], 0).is_ok());
    let mut four = [Sample::default(); 4];
    ensure!(ReaderQueue::new(&mut four[..], 0).is_ok());
    Ok(())
}

/// Without overflow records come out in order with no loss.
pub fn fifo_order_without_overflow() -> Checked {
    let mut buf = [Sample::default(); 8];
    let mut q = ensure_ok!(ReaderQueue::new(&mut buf[..], 0));
    for s in 1..=5 {
        ensure!(q.push(sample(s)).is_none());
    }
    for s in 1..=5 {
        let d = q.pop();
        ensure!(d.is_some_and(|d| (d.sample.seq, d.lost) == (s, 0)));
    }
    ensure!(q.pop().is_none());
    Ok(())
}

/// On overflow the oldest records go, and the next record read carries
/// their count.
pub fn overflow_drops_oldest_and_reports_loss_on_next_record() -> Checked {
    let mut buf = [Sample::default(); 4];
    let mut q = ensure_ok!(ReaderQueue::new(&mut buf[..], 10));
    for s in 11..=14 {
        ensure!(q.push(sample(s)).is_none());
    }
    // Each push into the full queue names the oldest record it drops.
    for s in 15..=17 {
        ensure_eq!(q.push(sample(s)), Some(s - 4));
    }
    ensure!(q.pop().is_some_and(|d| (d.sample.seq, d.lost) == (14, 3)));
    ensure!(q.pop().is_some_and(|d| (d.sample.seq, d.lost) == (15, 0)));
    let c = q.counts();
    ensure_eq!((c.delivered, c.lost, c.queued), (2, 3, 2));
    Ok(())
}

/// Records taken but not copied out become losses of the next record.
pub fn undelivered_records_become_losses_of_the_next_record() -> Checked {
    let mut buf = [Sample::default(); 8];
    let mut q = ensure_ok!(ReaderQueue::new(&mut buf[..], 0));
    for s in 1..=6 {
        q.push(sample(s));
    }
    ensure!(q.pop().is_some_and(|d| d.lost == 0));
    ensure!(q.pop().is_some_and(|d| d.lost == 0));
    q.undeliver(2, 0);
    ensure!(q.pop().is_some_and(|d| (d.sample.seq, d.lost) == (3, 2)));
    let c = q.counts();
    ensure_eq!((c.delivered, c.lost, c.queued), (1, 2, 3));
    Ok(())
}

/// A flush counts what it drops as lost.
pub fn flush_counts_as_loss() -> Checked {
    let mut buf = [Sample::default(); 8];
    let mut q = ensure_ok!(ReaderQueue::new(&mut buf[..], 0));
    for s in 1..=3 {
        q.push(sample(s));
    }
    ensure_eq!(q.flush(), 3);
    ensure!(q.is_empty());
    q.push(sample(4));
    ensure!(q.pop().is_some_and(|d| (d.sample.seq, d.lost) == (4, 3)));
    Ok(())
}

/// A skipped (filtered) event is counted apart: neither queued nor lost, and
/// the identity with it holds.
pub fn skipped_events_are_counted_as_filtered() -> Checked {
    let mut buf = [Sample::default(); 4];
    let mut q = ensure_ok!(ReaderQueue::new(&mut buf[..], 5));
    q.push(sample(6));
    q.skip();
    q.push(sample(8));
    ensure!(q.pop().is_some_and(|d| (d.sample.seq, d.lost) == (6, 0)));
    ensure!(q.pop().is_some_and(|d| (d.sample.seq, d.lost) == (8, 0)));
    let c = q.counts();
    ensure_eq!((c.delivered, c.lost, c.queued, c.filtered), (2, 0, 0, 1));
    ensure_eq!(c.delivered + c.lost + c.queued + c.filtered, 8 - c.base);
    Ok(())
}

/// The initial record comes first when asked for before any record was
/// taken, counts as no event, and cannot be asked for later.
pub fn initial_record_first_only_if_asked_in_time() -> Checked {
    let mut buf = [Sample::default(); 4];
    let mut q = ensure_ok!(ReaderQueue::new(&mut buf[..], 9));
    ensure!(q.want_initial().is_err());
    q.set_initial(sample(9));
    q.push(sample(10));
    ensure!(q.want_initial().is_ok());
    ensure!(q
        .pop()
        .is_some_and(|d| d.initial && d.sample.seq == 9 && d.lost == 0));
    ensure!(q.pop().is_some_and(|d| !d.initial && d.sample.seq == 10));
    let c = q.counts();
    ensure_eq!((c.delivered, c.lost, c.queued), (1, 0, 0));
    // Asked for on an empty queue: readable at once.
    let mut buf = [Sample::default(); 4];
    let mut q = ensure_ok!(ReaderQueue::new(&mut buf[..], 0));
    q.set_initial(sample(0));
    ensure!(q.is_empty());
    ensure!(q.want_initial().is_ok());
    ensure!(!q.is_empty());
    ensure!(q.pop().is_some_and(|d| d.initial));
    ensure!(q.is_empty() && q.want_initial().is_err());
    // Not asked for before the first record: gone.
    let mut buf = [Sample::default(); 4];
    let mut q = ensure_ok!(ReaderQueue::new(&mut buf[..], 0));
    q.set_initial(sample(0));
    q.push(sample(1));
    ensure!(q.pop().is_some_and(|d| !d.initial));
    ensure!(q.want_initial().is_err());
    Ok(())
}

/// The default watermark wakes on every record; one of 4 records or 5 us
/// wakes at the 4th record or when the oldest is 5 us old, whichever is
/// first, and the deadline follows the oldest queued record.
pub fn watermark_wakes_by_count_or_age() -> Checked {
    let mut buf = [Sample::default(); 8];
    let mut q = ensure_ok!(ReaderQueue::new(&mut buf[..], 0));
    ensure!(!q.ready(0) && q.deadline().is_none());
    q.push(sample(1));
    ensure!(q.ready(1000) && q.ready_by_count() && q.deadline().is_none());
    q.pop();
    q.set_watermark(ensure_ok!(Watermark::checked(4, 5, [0; 2], 8).ok_or(())));
    q.push(sample(2));
    q.push(sample(3));
    // The oldest is stamped 2000 ns: ready by age from 7000 ns.
    ensure_eq!(q.deadline(), Some(7000));
    ensure!(!q.ready_by_count() && !q.ready(6999) && q.ready(7000));
    q.push(sample(4));
    q.push(sample(5));
    ensure!(q.ready_by_count() && q.ready(0));
    q.pop();
    ensure_eq!(q.deadline(), Some(8000));
    while q.pop().is_some() {}
    ensure!(q.deadline().is_none() && !q.ready(u64::MAX));
    Ok(())
}

/// A watermark is 1..=depth records with a delay of 1 us..=10 s (0 only
/// with one record) and reserved words 0; anything else is refused.
pub fn watermark_requests_checked() -> Checked {
    ensure_eq!(
        Watermark::checked(1, 0, [0; 2], 8),
        Some(Watermark::default())
    );
    ensure!(Watermark::checked(8, WATERMARK_DELAY_US_MAX, [0; 2], 8).is_some());
    ensure!(Watermark::checked(1, 100, [0; 2], 8).is_some());
    ensure!(Watermark::checked(0, 100, [0; 2], 8).is_none());
    ensure!(Watermark::checked(9, 100, [0; 2], 8).is_none());
    ensure!(Watermark::checked(2, 0, [0; 2], 8).is_none());
    ensure!(Watermark::checked(2, WATERMARK_DELAY_US_MAX + 1, [0; 2], 8).is_none());
    ensure!(Watermark::checked(2, 100, [0, 1], 8).is_none());
    ensure!(Watermark::checked(u32::MAX, 100, [0; 2], 4096).is_none());
    Ok(())
}
