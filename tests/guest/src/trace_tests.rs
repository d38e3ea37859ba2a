//! Guest tests of rpoll's trace events (`events/rpoll/` in tracefs): each
//! event fires when its cause happens, with the fields the reader saw
//! (sequence numbers, stamps, counts), and only then.
//!
//! Devices: "key" (GPIO line 4, pressed from the host), "fast" (2 ms,
//! depth 8), "nap" (100 ms), "idle" (never fires), "late" (its period set
//! here); "idle" is also unbound and bound again. The system wake-up event is
//! tested with the other sleeps, in `pm_tests`.

use rpoll::{Clock, Device};
use rpoll_guest_tests::tracefs::{self, Capture, Event};
use rpoll_uapi::{RpollConfig, RPOLL_EDGE_FALLING, RPOLL_EDGE_RISING};

use crate::check;
use crate::dev::*;

const KEY_LINE: u32 = 4;

/// Drives the key line to `high` and waits for gpiolib to show it and for
/// the 5 ms debounce to pass.
fn set_key(high: bool) -> TestResult {
    gpio_drive(&format!("{KEY_LINE}={}", u8::from(high)));
    wait_gpio_level(KEY_LINE, high, 10_000)?;
    sleep_ms(40);
    Ok(())
}

fn need<'a>(
    events: &'a [Event],
    name: &str,
    dev: &str,
    n: usize,
) -> Result<Vec<&'a Event>, String> {
    let got = tracefs::of(events, name, dev);
    check!(
        got.len() == n,
        "{} {name} events of rpoll-{dev}, want {n}: {got:?}",
        got.len()
    );
    Ok(got)
}

/// One press and release of the key: two `rpoll_record` events whose seq,
/// stamp, edge and level are the records' and which say each was queued
/// for the one reader and woke it. Every event is on, and the key's are
/// printed (docs/tracing.md quotes them).
pub fn trace_record_fires_per_record() -> TestResult {
    set_key(false)?;
    let cap = Capture::start(tracefs::ALL)?;
    let d = Device::open_nonblocking("key").map_err(|e| e.to_string())?;
    set_key(true)?;
    set_key(false)?;
    let recs = collect(d.owned_fd(), 2, 10_000)?;
    drop(d);
    let events = cap.finish()?;
    for e in events.iter().filter(|e| e.text("dev") == "rpoll-key") {
        println!("guest note: trace: {}", e.line);
    }
    check!(recs.len() == 2, "{} records after a press", recs.len());
    let traced = need(&events, "rpoll_record", "key", 2)?;
    for (r, e) in recs.iter().zip(&traced) {
        let rising = r.source & rpoll_uapi::RPOLL_EVENT_RISING != 0;
        let want = [
            ("seq", r.seq.to_string()),
            ("stamp_ns", r.timestamp_ns.to_string()),
            ("kind", "gpio".into()),
            ("edge", if rising { "rising" } else { "falling" }.into()),
            ("level", u8::from(rising).to_string()),
            ("readers", "1".into()),
            ("queued", "1".into()),
            ("woke", "1".into()),
        ];
        for (k, v) in want {
            check!(e.text(k) == v, "{k}={} in {e:?}, record {r:?}", e.text(k));
        }
    }
    Ok(())
}

/// "fast" (2 ms, depth 8) left unread for 100 ms: one `rpoll_drop` per
/// record dropped, oldest first (consecutive seqs), the reader's lost count
/// rising by one each time up to at most the stats' count, and the first
/// record read afterwards carrying at least as many losses.
pub fn trace_drop_fires_per_lost_record() -> TestResult {
    let d = Device::open_nonblocking("fast").map_err(|e| e.to_string())?;
    let cap = Capture::start(&["rpoll_drop"])?;
    sleep_ms(100);
    let events = cap.finish()?;
    let lost = d.stats().map_err(|e| e.to_string())?.lost;
    let recs = d.read_available(64).map_err(|e| e.to_string())?;
    let drops = tracefs::of(&events, "rpoll_drop", "fast");
    check!(
        drops.len() >= 10,
        "{} drops in 100 ms at 2 ms, depth 8",
        drops.len()
    );
    let reader = drops[0].text("reader");
    for w in drops.windows(2) {
        check!(
            w[1].need("seq")? == w[0].need("seq")? + 1
                && w[1].need("lost")? == w[0].need("lost")? + 1,
            "drops not consecutive: {:?} then {:?}",
            w[0],
            w[1]
        );
        check!(w[1].text("reader") == reader, "two readers in {w:?}");
    }
    let last = drops[drops.len() - 1].need("lost")?;
    check!(
        drops[0].need("lost")? >= 1 && last as u64 <= lost,
        "drops say lost={}..={last}, the stats {lost}",
        drops[0].need("lost")?
    );
    let first = recs.first().ok_or("nothing queued after the drops")?;
    check!(
        u64::from(first.lost) >= drops.len() as u64
            && first.seq > drops[drops.len() - 1].need("seq")? as u64,
        "first record after {} drops: {first:?}",
        drops.len()
    );
    Ok(())
}

/// `rpoll_read` for a blocking read that slept (records=1, waited=1), a
/// non-blocking read of an empty queue (ret=-EAGAIN, waited=0), and a
/// non-blocking read of queued records (records=N, waited=0).
pub fn trace_read_says_records_and_wait() -> TestResult {
    let d = Device::open("nap").map_err(|e| e.to_string())?;
    let fd = d.owned_fd();
    // A record may land between emptying the queue and the blocking read
    // (one chance in hundreds at 100 ms): then that read did not wait, and
    // the run is made again.
    for _ in 0..3 {
        set_nonblocking(fd, true);
        drain(fd)?;
        let cap = Capture::start(&["rpoll_read"])?;
        drain(fd)?;
        set_nonblocking(fd, false);
        let one = read_batch(fd, 1).map_err(|e| format!("blocking read: errno {e}"))?;
        set_nonblocking(fd, true);
        let empty = read_batch(fd, 8);
        sleep_ms(250);
        let some = read_batch(fd, 8).map_err(|e| format!("read: errno {e}"))?;
        let events = cap.finish()?;
        check!(
            one.len() == 1 && matches!(empty, Err(libc::EAGAIN)) && !some.is_empty(),
            "reads gave {} records, {empty:?}, {} records",
            one.len(),
            some.len()
        );
        let reads = tracefs::of(&events, "rpoll_read", "nap");
        check!(reads.len() >= 3, "{} read events: {reads:?}", reads.len());
        let got: Vec<(i64, i64, i64)> = reads[reads.len() - 3..]
            .iter()
            .map(|e| Ok((e.need("records")?, e.need("waited")?, e.need("ret")?)))
            .collect::<Result<_, String>>()?;
        if got[0] == (1, 0, 0) {
            continue;
        }
        let want = vec![
            (1, 1, 0),
            (0, 0, -i64::from(libc::EAGAIN)),
            (some.len() as i64, 0, 0),
        ];
        check!(
            got == want,
            "(records, waited, ret) of the reads: {got:?}, want {want:?}"
        );
        return Ok(());
    }
    Err("the blocking read found a record three times in a row".into())
}

/// Two opens and two closes of "idle": `rpoll_reader` attached with 1 then
/// 2 readers, detached with 1 then 0, each for the slot it attached.
pub fn trace_reader_attach_and_detach() -> TestResult {
    let cap = Capture::start(&["rpoll_reader"])?;
    let a = open("idle")?;
    let b = open("idle")?;
    drop(a);
    drop(b);
    let events = cap.finish()?;
    let ev = need(&events, "rpoll_reader", "idle", 4)?;
    let got: Vec<(bool, i64)> = ev
        .iter()
        .map(|e| Ok((e.has_word("attached"), e.need("readers")?)))
        .collect::<Result<_, String>>()?;
    check!(
        got == [(true, 1), (true, 2), (false, 1), (false, 0)],
        "(attached, readers): {got:?}"
    );
    check!(
        ev[0].text("reader") == ev[2].text("reader")
            && ev[1].text("reader") == ev[3].text("reader")
            && ev[0].text("reader") != ev[1].text("reader"),
        "slots: {ev:?}"
    );
    Ok(())
}

/// "late" at a 10 us period, which the timer cannot keep: `rpoll_overrun`
/// events whose skipped counts add up to the device's overrun total, and
/// which the stats counter includes.
pub fn trace_overrun_counts_skipped_periods() -> TestResult {
    const PARKED_US: u32 = 4_000_000_000;
    let d = Device::open_nonblocking("late").map_err(|e| e.to_string())?;
    let before = d.stats().map_err(|e| e.to_string())?.overruns;
    let cap = Capture::start(&["rpoll_overrun"])?;
    set_period(&d, 10)?;
    for _ in 0..20 {
        sleep_ms(10);
        d.read_available(1024).map_err(|e| e.to_string())?;
    }
    set_period(&d, PARKED_US)?;
    let events = cap.finish()?;
    let after = d.stats().map_err(|e| e.to_string())?.overruns;
    let ev = tracefs::of(&events, "rpoll_overrun", "late");
    check!(!ev.is_empty(), "no overrun traced at a 10 us period");
    let mut total = ev[0].need("overruns")? - ev[0].need("skipped")?;
    check!(
        total >= before as i64,
        "overruns before the first event {total}, stats said {before}"
    );
    for e in &ev {
        let skipped = e.need("skipped")?;
        check!(skipped > 0, "an overrun event that skipped nothing: {e:?}");
        total += skipped;
        check!(
            e.need("overruns")? == total,
            "overruns={} after adding up to {total}: {e:?}",
            e.need("overruns")?
        );
    }
    check!(
        total as u64 <= after,
        "traced total {total} above the stats' {after}"
    );
    Ok(())
}

/// Each reason readers are woken: a record reaching the watermark's count
/// ("fast"), its delay ("nap": watermark 64 or 30 ms), a watermark that
/// makes queued records ready, an initial record asked for ("key"), and
/// unbind ("idle", bound again after).
pub fn trace_wake_gives_each_reason() -> TestResult {
    let fast = Device::open_nonblocking("fast").map_err(|e| e.to_string())?;
    let nap = Device::open_nonblocking("nap").map_err(|e| e.to_string())?;
    let key = Device::open_nonblocking("key").map_err(|e| e.to_string())?;
    let idle = open("idle")?;
    // Under watermark 64 before the capture starts: a record arriving
    // while the default watermark still held would wake by count.
    nap.set_watermark(64, 30_000).map_err(|e| e.to_string())?;
    nap.read_available(64).map_err(|e| e.to_string())?;
    let cap = Capture::start(&["rpoll_wake"])?;
    // Emptied first: a queue already at its watermark wakes nobody again.
    drain(fast.owned_fd())?;
    set_nonblocking(fast.owned_fd(), false);
    read_batch(fast.owned_fd(), 1).map_err(|e| format!("fast: errno {e}"))?;
    drop(fast);
    collect(nap.owned_fd(), 1, 5_000)?;
    sleep_ms(150);
    nap.set_watermark(1, 0).map_err(|e| e.to_string())?;
    key.want_initial().map_err(|e| e.to_string())?;
    unbind("idle")?;
    let rebound = bind("idle");
    let events = cap.finish()?;
    drop(idle);
    rebound?;
    let reasons = |dev: &str| -> Vec<String> {
        tracefs::of(&events, "rpoll_wake", dev)
            .iter()
            .map(|e| e.text("reason").to_string())
            .collect()
    };
    let has = |dev: &str, r: &str| reasons(dev).iter().any(|x| x == r);
    check!(has("fast", "count"), "fast: {:?}", reasons("fast"));
    // Under watermark 64 only the age wakes; then the new watermark (and
    // records after it, by count).
    let nap_reasons = reasons("nap");
    let w = nap_reasons.iter().position(|r| r == "watermark");
    let before = &nap_reasons[..w.unwrap_or(0)];
    check!(
        w.is_some() && !before.is_empty() && before.iter().all(|r| r == "age"),
        "nap (watermark 64 or 30 ms, then 1): {nap_reasons:?}"
    );
    check!(reasons("key") == ["initial"], "key: {:?}", reasons("key"));
    check!(reasons("idle") == ["gone"], "idle: {:?}", reasons("idle"));
    Ok(())
}

/// Every configuration change traced once with its values: the period
/// (device-wide, reader -1), a GPIO line's edges and debounce, a reader's
/// watermark, edge mask and clock (with its slot); a refused change is not
/// traced.
pub fn trace_config_names_each_change() -> TestResult {
    let late = Device::open_nonblocking("late").map_err(|e| e.to_string())?;
    let key = Device::open_nonblocking("key").map_err(|e| e.to_string())?;
    let old = key.config().map_err(|e| e.to_string())?;
    let cap = Capture::start(&["rpoll_config"])?;
    let r = (|| -> TestResult {
        set_period(&late, 3_000_000_000)?;
        let cfg = RpollConfig {
            edges: RPOLL_EDGE_RISING,
            debounce_us: 7000,
            ..old
        };
        key.set_config(&cfg).map_err(|e| e.to_string())?;
        key.set_watermark(4, 250_000).map_err(|e| e.to_string())?;
        key.set_edge_mask(RPOLL_EDGE_FALLING)
            .map_err(|e| e.to_string())?;
        key.set_clock(Clock::Boottime).map_err(|e| e.to_string())?;
        check!(key.set_watermark(0, 0).is_err(), "watermark 0 accepted");
        Ok(())
    })();
    let events = cap.finish();
    key.set_config(&old).map_err(|e| e.to_string())?;
    r?;
    let events = events?;
    let line = |e: &Event| {
        format!(
            "{} {} {} {}",
            e.text("reader"),
            e.text("set"),
            e.text("a"),
            e.text("b")
        )
    };
    let late_ev: Vec<String> = tracefs::of(&events, "rpoll_config", "late")
        .into_iter()
        .map(line)
        .collect();
    check!(late_ev == ["-1 period 3000000000 0"], "late: {late_ev:?}");
    let key_ev = need(&events, "rpoll_config", "key", 4)?;
    let slot = key_ev[1].text("reader");
    let want = [
        "-1 config 1 7000".to_string(),
        format!("{slot} watermark 4 250000"),
        format!("{slot} edge_mask {RPOLL_EDGE_FALLING} 0"),
        format!("{slot} clock {} 0", libc::CLOCK_BOOTTIME),
    ];
    let got: Vec<String> = key_ev.into_iter().map(line).collect();
    check!(got == want && slot != "-1", "key: {got:?}, want {want:?}");
    Ok(())
}
