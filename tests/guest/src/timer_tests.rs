//! The periodic timer: it runs only while read, keeps its grid, stamps its
//! expiries, follows its reader's CPU (and survives that CPU going offline),
//! and counts the periods a late callback skips.

use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use rpoll::Device;
use rpoll_uapi::{RpollEvent, RpollStats};

use crate::check;
use crate::dev::*;

/// The timer only runs while a reader has the device open.
pub fn timer_stops_without_readers() -> TestResult {
    let st = debug_state("rpoll-ms")?;
    check!(
        st.num("readers") == 0,
        "rpoll-ms has readers: {:?}",
        st.readers
    );
    let p0 = st.num("produced");
    sleep_ms(50);
    let p1 = debug_state("rpoll-ms")?.num("produced");
    check!(p0 == p1, "timer ran with no reader: produced {p0} -> {p1}");
    let fd = open("rpoll-ms")?;
    read_n(&fd, 5)?;
    drop(fd);
    let p2 = debug_state("rpoll-ms")?.num("produced");
    check!(p2 >= p1 + 5, "produced {p1} -> {p2} while reading 5");
    sleep_ms(50);
    let p3 = debug_state("rpoll-ms")?.num("produced");
    check!(
        p3 == p2,
        "timer still running after last close: {p2} -> {p3}"
    );
    Ok(())
}

/// The 1 s tick samples jiffies in its callback: each record's `jiffies`
/// was read between its expiry (`timestamp_ns`) and the moment its reader
/// woke, so the jiffies between two records lie within the time between
/// those bounds, and over two periods they average about HZ per tick. (A
/// callback late by a busy host's stall moves `jiffies` but not the expiry;
/// the bounds allow for that, a fixed tolerance would not.)
pub fn tick_jiffies_advance_by_hz() -> TestResult {
    let hz = kernel_hz().ok_or("CONFIG_HZ unknown (no /etc/kernel.config)")? as f64;
    let fd = open("tick")?;
    let mut recs = Vec::new();
    let mut woke = Vec::new();
    for _ in 0..3 {
        recs.push(read_one(&fd)?);
        woke.push(rpoll_sys::monotonic_ns());
    }
    check_sequence(recs[0].seq - 1, &recs)?;
    let ticks = |from: u64, to: u64| (to as f64 - from as f64) * hz / 1e9;
    for (i, j) in [(0, 1), (1, 2), (0, 2)] {
        let dj = (recs[j].jiffies - recs[i].jiffies) as f64;
        // One tick of slack at each end: jiffies count whole ticks.
        let lo = ticks(woke[i], recs[j].timestamp_ns) - 2.0;
        let hi = ticks(recs[i].timestamp_ns, woke[j]) + 2.0;
        check!(
            (lo..=hi).contains(&dj),
            "records {i} and {j}: jiffies delta {dj}, want {lo:.1} to {hi:.1} from the expiries and wake-ups"
        );
    }
    let mean = (recs[2].jiffies - recs[0].jiffies) as f64 / 2.0;
    let late = ticks(recs[2].timestamp_ns, woke[2]) + ticks(recs[0].timestamp_ns, woke[0]);
    check!(
        (mean - hz).abs() <= hz * 0.25 + late,
        "mean jiffies per tick {mean}, HZ={hz} (wake-ups {late:.1} ticks after the expiries)"
    );
    Ok(())
}

/// Runs `dev` at `period_us` from a stopped state until `until` says stop;
/// returns the records of that run and the stats before and after. The
/// device is parked on a period far longer than the test before and after,
/// so the bracketing stats contain exactly the records of the run. The
/// periods the last callback before parking skipped (debugfs
/// `overruns_pending`: many when a busy host stalled the guest) are counted
/// with the run's first record, so `before.overruns` includes them.
fn timed_run(
    d: &Device,
    name: &str,
    period_us: u32,
    until: impl Fn(&[RpollEvent]) -> bool,
) -> Result<(Vec<RpollEvent>, RpollStats, RpollStats), String> {
    const PARKED_US: u32 = 4_000_000_000;
    let fd = d.owned_fd();
    set_period(d, PARKED_US)?;
    // Read what is queued (a flush would leave a loss to report on the next
    // record), so the run starts with an empty queue and nothing pending.
    set_nonblocking(fd, true);
    drain(fd)?;
    set_nonblocking(fd, false);
    let mut before = stats(d)?;
    check!(
        before.queued == 0,
        "records left before the run: {before:?}"
    );
    before.overruns += debug_state(name)?.num("overruns_pending");
    set_period(d, period_us)?;
    let mut recs = Vec::new();
    while !until(&recs) {
        recs.extend(read_batch(fd, 4096).map_err(|e| format!("read: errno {e}"))?);
    }
    set_period(d, PARKED_US)?;
    let after = stats(d)?;
    set_nonblocking(fd, true);
    recs.extend(drain(fd)?);
    check_sequence(before.produced, &recs)?;
    let first = recs.first().ok_or("no record")?;
    check!(
        first.seq == before.produced + 1 && first.lost == 0,
        "first record of the run was lost: {first:?}"
    );
    check!(
        recs.last().map(|r| r.seq) == Some(after.produced),
        "last record {:?} is not the last produced ({after:?})",
        recs.last()
    );
    Ok((recs, before, after))
}

/// Over 1000 periods the records stay on the grid `t0 + k * period`: each
/// timestamp is an expiry, so every record is exactly on its grid point, the
/// number of grid periods between the first and last record equals the
/// records plus the skipped periods counted as overruns, and the offset from
/// the grid does not grow (a timer re-armed from "now" would drift by the
/// callback latency every period).
pub fn timer_stays_on_grid() -> TestResult {
    const P_US: u32 = 4000;
    const N: usize = 1001;
    let d = Device::open("grid").map_err(|e| e.to_string())?;
    let (recs, before, after) = timed_run(&d, "grid", P_US, |r| r.len() >= N)?;
    let p = u64::from(P_US) * 1000;
    let t0 = recs[0].timestamp_ns;
    let skipped = after.overruns - before.overruns;
    let mut offsets = Vec::with_capacity(recs.len());
    let mut prev_k = 0u64;
    for r in &recs {
        let dt = r.timestamp_ns - t0;
        let k = (dt + p / 2) / p;
        check!(
            k >= prev_k,
            "record {} is on grid point {k}, before {prev_k}",
            r.seq
        );
        prev_k = k;
        offsets.push(dt as i64 - (k * p) as i64);
    }
    let off_grid = offsets.iter().filter(|&&o| o != 0).count();
    check!(
        off_grid == 0,
        "{off_grid} of {} timestamps are not expiries on the grid (first offsets {:?})",
        offsets.len(),
        &offsets[..offsets.len().min(5)]
    );
    let records = (recs.len() - 1) as u64;
    check!(
        (records..=records + skipped).contains(&prev_k),
        "{prev_k} grid periods between first and last record, but {records} records and {skipped} overruns: the timer drifted"
    );
    let mean = |o: &[i64]| o.iter().sum::<i64>() / o.len() as i64;
    let (head, tail) = (mean(&offsets[..100]), mean(&offsets[offsets.len() - 100..]));
    check!(
        (tail - head).unsigned_abs() < p / 4,
        "offset from the grid grew from {head} ns to {tail} ns over {records} periods"
    );
    println!(
        "guest note: grid: {records} periods of {P_US} us, overruns {skipped}, mean offset first 100 {head} ns, last 100 {tail} ns"
    );
    Ok(())
}

/// Reads (blocking, up to 64 records a call) into `recs` for `ms`
/// milliseconds.
fn read_for(fd: &OwnedFd, recs: &mut Vec<RpollEvent>, ms: u64) -> TestResult {
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(ms) {
        recs.extend(read_batch(fd, 64).map_err(|e| format!("read: errno {e}"))?);
    }
    Ok(())
}

/// Reads until a statistics snapshot finds the queue empty; returns the
/// snapshot and the last record read. A record's push counts the periods
/// skipped before it, so the snapshot's `overruns` then covers exactly the
/// records up to that one. (A snapshot taken while later records were
/// already queued, as when a busy host stalls the guest after `open`, would
/// count their skipped periods before the window.)
fn read_until_empty(d: &Device, fd: &OwnedFd) -> Result<(RpollStats, RpollEvent), String> {
    let mut last = read_one(fd)?;
    loop {
        set_nonblocking(fd, true);
        let more = drain(fd);
        set_nonblocking(fd, false);
        if let Some(r) = more?.last() {
            last = *r;
        }
        let s = stats(d)?;
        if s.queued == 0 {
            return Ok((s, last));
        }
    }
}

/// Pins the calling thread to `cpu`.
fn pin_to(cpu: usize) -> TestResult {
    Ok(rpoll_sys::run_on([cpu])?)
}

/// Lets the calling thread run on every CPU again.
fn pin_to_all() -> TestResult {
    Ok(rpoll_sys::run_on(0..libc::CPU_SETSIZE as usize)?)
}

/// The timer moves to the CPU its reader reads on (debugfs `timer_cpu`),
/// from CPU 1 to CPU 0 and back, and a move loses nothing: records stay
/// consecutive with no `lost`, and their expiries stay on the one grid
/// (every step a whole number of periods, in all as many as records plus
/// overruns).
pub fn timer_follows_reader() -> TestResult {
    const P_US: u32 = 1000;
    let d = Device::open("follow").map_err(|e| e.to_string())?;
    let fd = d.owned_fd();
    let (before, first) = read_until_empty(&d, fd)?;
    let mut recs: Vec<RpollEvent> = vec![first];
    let mut seen = Vec::new();
    let result: TestResult = (|| {
        for cpu in [1, 0, 1] {
            pin_to(cpu)?;
            read_for(fd, &mut recs, 300)?;
            seen.push(debug_state("follow")?.num("timer_cpu"));
        }
        Ok(())
    })();
    pin_to_all()?;
    result?;
    check!(
        seen == [1, 0, 1],
        "timer CPU after reading 300 ms on CPUs 1, 0, 1: {seen:?}"
    );
    let after = stats(&d)?;
    check_sequence(first.seq, &recs[1..])?;
    let lost: u64 = recs[1..].iter().map(|r| u64::from(r.lost)).sum();
    check!(lost == 0, "{lost} records lost across the moves");
    let p = u64::from(P_US) * 1000;
    let mut periods = 0;
    for w in recs.windows(2) {
        let dt = w[1].timestamp_ns.wrapping_sub(w[0].timestamp_ns);
        check!(
            dt > 0 && dt % p == 0 && dt < 1 << 62,
            "records {} and {} are {dt} ns apart, not a whole number of periods",
            w[0].seq,
            w[1].seq
        );
        periods += dt / p;
    }
    let overruns = after.overruns - before.overruns;
    let steps = (recs.len() - 1) as u64;
    check!(
        (steps..=steps + overruns).contains(&periods),
        "{periods} periods between first and last of {} records, {overruns} overruns",
        recs.len()
    );
    println!(
        "guest note: follow: {} records, timer CPU {seen:?}, overruns {overruns}",
        recs.len()
    );
    Ok(())
}

/// Takes CPU `cpu` offline or back online (CPU hotplug).
fn set_online(cpu: usize, online: bool) -> TestResult {
    rpoll_sys::set_cpu_online(cpu, online).map_err(|e| e.to_string())
}

/// The timer's CPU goes offline under a reader: the kernel migrates the
/// hrtimer, the timer keeps its grid and the reader loses nothing; the
/// callback then reports the CPU it runs on (debugfs `timer_cpu`).
pub fn timer_survives_its_cpu_going_offline() -> TestResult {
    const P_US: u64 = 1000;
    let d = Device::open("follow").map_err(|e| e.to_string())?;
    let fd = d.owned_fd();
    let (before, first) = read_until_empty(&d, fd)?;
    let mut recs: Vec<RpollEvent> = vec![first];
    let result: TestResult = (|| {
        pin_to(1)?;
        read_for(fd, &mut recs, 300)?;
        let on = debug_state("follow")?.num("timer_cpu");
        check!(on == 1, "timer on CPU {on} after reading on CPU 1");
        pin_to_all()?;
        set_online(1, false)?;
        read_for(fd, &mut recs, 300)?;
        let now_on = debug_state("follow")?.num("timer_cpu");
        check!(now_on == 0, "timer on CPU {now_on} with CPU 1 offline");
        Ok(())
    })();
    let back = set_online(1, true);
    pin_to_all()?;
    result?;
    back?;
    let after = stats(&d)?;
    check_sequence(first.seq, &recs[1..])?;
    let lost: u64 = recs[1..].iter().map(|r| u64::from(r.lost)).sum();
    check!(
        lost == 0,
        "{lost} records lost across the CPU going offline"
    );
    let p = P_US * 1000;
    let periods: u64 = recs
        .windows(2)
        .map(|w| w[1].timestamp_ns.saturating_sub(w[0].timestamp_ns))
        .map(|dt| {
            if dt > 0 && dt % p == 0 {
                dt / p
            } else {
                u64::MAX / 2
            }
        })
        .sum();
    let overruns = after.overruns - before.overruns;
    let steps = (recs.len() - 1) as u64;
    check!(
        (steps..=steps + overruns).contains(&periods),
        "{} records are not consecutive expiries of one grid ({periods} periods, {overruns} overruns)",
        recs.len()
    );
    Ok(())
}

/// A period shorter than the callbacks can keep up with makes callbacks
/// late; each counts the periods it skipped as overruns, so the time
/// between the first and last record is (records + overruns) periods, up
/// to the latency difference of those two callbacks.
pub fn late_callbacks_count_overruns() -> TestResult {
    const P_US: u32 = 10;
    let d = Device::open("late").map_err(|e| e.to_string())?;
    let start = Instant::now();
    let (recs, before, after) = timed_run(&d, "late", P_US, |_| {
        start.elapsed() > Duration::from_millis(300)
    })?;
    let p = u64::from(P_US) * 1000;
    let overruns = after.overruns - before.overruns;
    check!(
        overruns > 0,
        "no overrun at a {P_US} us period ({} records)",
        recs.len()
    );
    let (first, last) = (&recs[0], &recs[recs.len() - 1]);
    let span = last.timestamp_ns - first.timestamp_ns;
    let measured = (span + p / 2) / p;
    // Every period in the span produced a record (read, or lost when this
    // reader fell behind: `seq` counts both) or was skipped (an overrun,
    // counted with the record after it).
    let records = last.seq - first.seq;
    let lost = records - (recs.len() - 1) as u64;
    let counted = records + overruns;
    let tolerance = (counted / 50).max(20);
    check!(
        measured + tolerance >= records && measured <= counted + tolerance,
        "{measured} periods elapsed between first and last record; {records} records ({lost} of them lost) + {overruns} overruns = {counted} (tolerance {tolerance})"
    );
    check!(
        overruns <= measured,
        "{overruns} overruns but only {measured} periods elapsed"
    );
    println!(
        "guest note: overruns: {records} records ({lost} lost), {overruns} overruns, {measured} periods elapsed at {P_US} us"
    );
    Ok(())
}
