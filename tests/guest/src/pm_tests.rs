//! Guest tests of the power cycle: suspend-to-idle (the only sleep state
//! QEMU's boards offer) with the RTC alarm as safety net, the `key` GPIO
//! device (line 4, both edges, 5 ms debounce, `wakeup-source` on presses
//! only: `rpoll,wakeup-edges = "rising"`) pressed and released from
//! the host while the guest sleeps, the `nap` timer (100 ms) read across a
//! sleep, the level ioctl, and `EPOLLWAKEUP`.
//!
//! The host presses only once the guest's kernel says it is suspending its
//! devices (`suspended=1` op of `scripts/board-io`), then waits a little
//! more, so the press lands in the sleep rather than in the way into it.

use std::time::Duration;

use rpoll::{Clock, Device};
use rpoll_uapi::{Edge, RpollEvent, RPOLL_EVENT_RESUMED};

use crate::check;
use crate::dev::*;

/// The wake-up test's GPIO device and its platform device in sysfs.
const KEY: &str = "key";
const KEY_LINE: u32 = 4;
const KEY_POWER: &str = "/sys/bus/platform/devices/key/power";
const WAKEUP_COUNT: &str = "/sys/power/wakeup_count";
/// Seconds until the RTC alarm wakes a sleep that nothing else ends.
const SAFETY_ALARM_S: u64 = 20;

fn boottime_ns() -> u64 {
    now_ns(libc::CLOCK_BOOTTIME)
}

fn read_u64(path: &str) -> Result<u64, String> {
    let s = sysfs_read(path)?;
    s.parse()
        .map_err(|_| format!("{path}: '{s}' is not a number"))
}

/// One system sleep ([`suspend_to_idle`]) ended by the RTC alarm `alarm_s`
/// seconds ahead at the latest: boot times before and after, and the
/// result.
fn sleep_once(alarm_s: u64) -> Result<(u64, u64, Result<(), i32>), String> {
    let s = suspend_to_idle(Some(alarm_s))?;
    Ok((s.t0, s.t1, s.result))
}

/// The interrupt of the RTC (`rtc-pl031` in `/proc/interrupts`).
fn rtc_irq() -> Result<u32, String> {
    let text = sysfs_read("/proc/interrupts")?;
    text.lines()
        .find(|l| l.contains("rtc-pl031"))
        .and_then(|l| l.split(':').next())
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| "no rtc-pl031 in /proc/interrupts".to_string())
}

/// Checks that the sleep from `t0` to `t1` (boot time, ns) was a real one
/// that the RTC ended: it lasted at least `min_ms` and `pm_wakeup_irq` is
/// the RTC's interrupt (an instant wake would pass the checks that follow
/// a sleep with nothing to stand still across).
fn check_rtc_ended(t0: u64, t1: u64, min_ms: u64) -> TestResult {
    let ms = (t1 - t0) / 1_000_000;
    let woke_by = sysfs_read("/sys/power/pm_wakeup_irq")?;
    let rtc = rtc_irq()?;
    check!(
        ms >= min_ms && woke_by == rtc.to_string(),
        "the sleep lasted {ms} ms and pm_wakeup_irq is {woke_by}: not ended by the RTC ({rtc}) after at least {min_ms} ms"
    );
    Ok(())
}

/// Puts the key line at `high` and waits until gpiolib shows it and the
/// debounce window passed.
fn set_key(high: bool) -> TestResult {
    gpio_drive(&format!("{KEY_LINE}={}", u8::from(high)));
    wait_gpio_level(KEY_LINE, high, 10_000)?;
    sleep_ms(40);
    Ok(())
}

/// The key released, opened non-blocking, with nothing queued.
fn fresh_key() -> Result<Device, String> {
    set_key(false)?;
    let d = Device::open_nonblocking(KEY).map_err(|e| e.to_string())?;
    d.read_available(64).map_err(|e| e.to_string())?;
    Ok(d)
}

fn edges(recs: &[RpollEvent]) -> Vec<(Option<Edge>, Option<bool>)> {
    recs.iter().map(|r| (r.edge(), r.level())).collect()
}

const PRESS: (Option<Edge>, Option<bool>) = (Some(Edge::Rising), Some(true));
const RELEASE: (Option<Edge>, Option<bool>) = (Some(Edge::Falling), Some(false));

/// The key (a `wakeup-source`) is wakeup-capable with wake-up enabled by
/// default; the other GPIO devices are not wakeup-capable.
pub fn wakeup_source_enabled_by_default() -> TestResult {
    check!(
        sysfs_read(&format!("{KEY_POWER}/wakeup"))? == "enabled",
        "key power/wakeup is '{}'",
        sysfs_read(&format!("{KEY_POWER}/wakeup"))?
    );
    // `al` must be bound (its device and driver link exist) for the absence
    // of its power/wakeup to mean anything.
    check!(
        std::path::Path::new("/sys/bus/platform/drivers/rpoll/al").exists()
            && std::path::Path::new("/dev/rpoll-al").exists(),
        "al is not bound to rpoll"
    );
    let al = sysfs_read("/sys/bus/platform/devices/al/power/wakeup").unwrap_or_default();
    check!(
        al.is_empty(),
        "al (no wakeup-source) has power/wakeup '{al}'"
    );
    let states = sysfs_read("/sys/power/state")?;
    check!(
        states.contains("freeze"),
        "/sys/power/state offers '{states}'"
    );
    Ok(())
}

/// A press while suspended wakes the system well before the RTC alarm;
/// `pm_wakeup_irq` is the key's interrupt, its wake-up counts rose (the
/// event was reported to the `wakeup_count` protocol), and the reader gets
/// exactly the press, flagged `RPOLL_EVENT_WAKEUP`, then the release, not
/// flagged.
pub fn press_wakes_from_suspend() -> TestResult {
    let d = fresh_key()?;
    let irq = d.info().map_err(|e| e.to_string())?.irq;
    let count = format!("{KEY_POWER}/wakeup_count");
    let active = format!("{KEY_POWER}/wakeup_active_count");
    let before = read_u64(&count)?;
    let active_before = read_u64(&active)?;
    gpio_drive(&format!("suspended=1 sleep=500 {KEY_LINE}=1"));
    let (t0, t1, r) = sleep_once(SAFETY_ALARM_S)?;
    check!(r.is_ok(), "suspend refused or aborted: errno {:?}", r.err());
    let slept_ms = (t1 - t0) / 1_000_000;
    let woke_by = sysfs_read("/sys/power/pm_wakeup_irq")?;
    let after = read_u64(&count)?;
    let active_after = read_u64(&active)?;
    println!("guest note: press woke the system after {slept_ms} ms (pm_wakeup_irq {woke_by}, key irq {irq}, key wakeup_count {before} -> {after}, wakeup_active_count {active_before} -> {active_after})");
    check!(
        slept_ms < (SAFETY_ALARM_S - 5) * 1000,
        "slept {slept_ms} ms: the RTC alarm woke the system, not the press"
    );
    check!(
        woke_by == irq.to_string(),
        "pm_wakeup_irq is {woke_by}, the key's interrupt is {irq}"
    );
    check!(after > before, "key wakeup_count stayed at {before}");
    check!(
        active_after > active_before,
        "key wakeup_active_count stayed at {active_before}"
    );
    let press = collect(d.owned_fd(), 1, 10_000)?;
    check!(
        d.level().map_err(|e| e.to_string())?,
        "level ioctl says 0 after the press"
    );
    set_key(false)?;
    let release = collect(d.owned_fd(), 1, 10_000)?;
    let extra = collect(d.owned_fd(), 1, 200)?;
    let all = [press, release, extra].concat();
    check!(
        edges(&all) == [PRESS, RELEASE],
        "records after the wake-up press: {:?}",
        edges(&all)
    );
    check!(
        all[0].wakeup() && !all[1].wakeup(),
        "RPOLL_EVENT_WAKEUP on the press {} and the release {}: want the press only",
        all[0].wakeup(),
        all[1].wakeup()
    );
    check!(
        !d.level().map_err(|e| e.to_string())?,
        "level ioctl says 1 after the release"
    );
    check_sequence(all[0].seq - 1, &all)
}

/// `rpoll_system_wakeup` fires once, for the press that wakes the system
/// (the record flagged `RPOLL_EVENT_WAKEUP`, same seq), and not for the
/// release after the resume.
pub fn trace_system_wakeup_names_the_press() -> TestResult {
    use rpoll_guest_tests::tracefs::{self, Capture};
    let d = fresh_key()?;
    let cap = Capture::start(&["rpoll_system_wakeup"])?;
    gpio_drive(&format!("suspended=1 sleep=500 {KEY_LINE}=1"));
    let (t0, t1, r) = sleep_once(SAFETY_ALARM_S)?;
    check!(r.is_ok(), "suspend refused or aborted: errno {:?}", r.err());
    let slept_ms = (t1 - t0) / 1_000_000;
    check!(
        slept_ms < (SAFETY_ALARM_S - 5) * 1000,
        "slept {slept_ms} ms: the RTC alarm woke the system, not the press"
    );
    let press = collect(d.owned_fd(), 1, 10_000)?;
    set_key(false)?;
    let release = collect(d.owned_fd(), 1, 10_000)?;
    let events = cap.finish()?;
    let all = [press, release].concat();
    check!(
        edges(&all) == [PRESS, RELEASE] && all[0].wakeup(),
        "records: {:?}, wakeup on the press: {}",
        edges(&all),
        all.first().is_some_and(RpollEvent::wakeup)
    );
    let ev = tracefs::of(&events, "rpoll_system_wakeup", KEY);
    check!(
        ev.len() == 1,
        "{} rpoll_system_wakeup events: {ev:?}",
        ev.len()
    );
    check!(
        ev[0].text("seq") == all[0].seq.to_string()
            && ev[0].text("kind") == "gpio"
            && ev[0].text("edge") == "rising",
        "event {:?} for the press {:?}",
        ev[0],
        all[0]
    );
    Ok(())
}

/// With `power/wakeup` disabled a press does not wake the system: the RTC
/// does. The press made while asleep is still reported after the resume
/// (edge replayed or line re-read), once, not as a wake-up, and the level
/// ioctl knows it.
pub fn press_without_wakeup_reported_after_rtc_wake() -> TestResult {
    let d = fresh_key()?;
    sysfs_write(&format!("{KEY_POWER}/wakeup"), "disabled")?;
    let result = (|| {
        gpio_drive(&format!("suspended=1 sleep=300 {KEY_LINE}=1"));
        let alarm_s = 4;
        let (t0, t1, r) = sleep_once(alarm_s)?;
        check!(r.is_ok(), "suspend refused or aborted: errno {:?}", r.err());
        let slept_ms = (t1 - t0) / 1_000_000;
        let woke_by = sysfs_read("/sys/power/pm_wakeup_irq")?;
        let rtc = rtc_irq()?;
        println!("guest note: without wake-up the RTC woke the system after {slept_ms} ms (pm_wakeup_irq {woke_by}, rtc irq {rtc})");
        check!(
            slept_ms >= (alarm_s - 1) * 1000,
            "woke after {slept_ms} ms, before the {alarm_s} s alarm: the press woke it"
        );
        check!(
            woke_by == rtc.to_string(),
            "pm_wakeup_irq is {woke_by}, not the RTC's {rtc}"
        );
        Ok(())
    })();
    sysfs_write(&format!("{KEY_POWER}/wakeup"), "enabled")?;
    result?;
    wait_gpio_level(KEY_LINE, true, 10_000)?;
    let press = collect(d.owned_fd(), 1, 10_000)?;
    let extra = collect(d.owned_fd(), 1, 200)?;
    let got = [press.clone(), extra].concat();
    check!(
        edges(&got) == [PRESS],
        "after a press made while asleep: {:?}",
        edges(&got)
    );
    check!(
        !got[0].wakeup(),
        "a press that did not wake the system carries RPOLL_EVENT_WAKEUP"
    );
    check!(
        d.level().map_err(|e| e.to_string())?,
        "level ioctl says 0 after a press made while asleep"
    );
    set_key(false)?;
    let release = collect(d.owned_fd(), 1, 10_000)?;
    check!(
        edges(&release) == [RELEASE],
        "release after resume: {:?}",
        edges(&release)
    );
    Ok(())
}

/// `rpoll,wakeup-edges = "rising"`: with the key held pressed into the
/// sleep, its release 0.5 s in does not wake the system (the RTC alarm, 4 s
/// on, does); the release is reported after the resume (the line is read
/// again), once and not as a wake-up, and the next press while awake is no
/// wake-up either.
pub fn release_does_not_wake_the_system() -> TestResult {
    let d = fresh_key()?;
    set_key(true)?;
    let press = collect(d.owned_fd(), 1, 10_000)?;
    check!(
        edges(&press) == [PRESS],
        "press before the sleep: {:?}",
        edges(&press)
    );
    gpio_drive(&format!("suspended=1 sleep=500 {KEY_LINE}=0"));
    let alarm_s = 4;
    let (t0, t1, r) = sleep_once(alarm_s)?;
    check!(r.is_ok(), "suspend refused or aborted: errno {:?}", r.err());
    let slept_ms = (t1 - t0) / 1_000_000;
    let woke_by = sysfs_read("/sys/power/pm_wakeup_irq")?;
    let rtc = rtc_irq()?;
    println!("guest note: a release while asleep: the system woke after {slept_ms} ms (pm_wakeup_irq {woke_by}, rtc irq {rtc})");
    check!(
        slept_ms >= (alarm_s - 1) * 1000 && woke_by == rtc.to_string(),
        "woke after {slept_ms} ms by irq {woke_by}: the release (0.5 s in) woke the system, not the RTC ({rtc})"
    );
    wait_gpio_level(KEY_LINE, false, 10_000)?;
    let release = collect(d.owned_fd(), 1, 10_000)?;
    let extra = collect(d.owned_fd(), 1, 200)?;
    let got = [release, extra].concat();
    check!(
        edges(&got) == [RELEASE] && !got[0].wakeup(),
        "after a release while asleep: {:?} (wakeup {:?})",
        edges(&got),
        got.iter().map(RpollEvent::wakeup).collect::<Vec<_>>()
    );
    check!(
        !d.level().map_err(|e| e.to_string())?,
        "level ioctl says 1 after a release made while asleep"
    );
    set_key(true)?;
    let later = collect(d.owned_fd(), 1, 10_000)?;
    check!(
        edges(&later) == [PRESS] && !later[0].wakeup(),
        "a press while awake after the sleep: {:?} (wakeup {:?})",
        edges(&later),
        later.iter().map(RpollEvent::wakeup).collect::<Vec<_>>()
    );
    set_key(false)?;
    Ok(())
}

/// With wake-up disabled, a press and its release both made while the
/// system sleeps leave the line where it was: after the RTC wake-up either
/// both are reported (each edge seen) or neither (the settled state did not
/// change), never one alone, and the level ioctl says 0. That the edges
/// happened, and inside the sleep, is checked first: the sleep lasted until
/// the RTC's alarm (at least 2 s, `pm_wakeup_irq` the RTC's), and the key's
/// interrupt count or its `debounced` count rose across it.
pub fn press_and_release_while_asleep() -> TestResult {
    let d = fresh_key()?;
    let irq = d.info().map_err(|e| e.to_string())?.irq;
    let irqs_before = irq_count(u64::from(irq)).ok_or("key irq not listed")?;
    let merged_before = debug_state(KEY)?.num("debounced");
    sysfs_write(&format!("{KEY_POWER}/wakeup"), "disabled")?;
    gpio_drive(&format!(
        "suspended=1 sleep=300 {KEY_LINE}=1 sleep=300 {KEY_LINE}=0"
    ));
    let slept = sleep_once(3);
    sysfs_write(&format!("{KEY_POWER}/wakeup"), "enabled")?;
    let (t0, t1, r) = slept?;
    check!(r.is_ok(), "suspend refused or aborted: errno {:?}", r.err());
    check_rtc_ended(t0, t1, 2000)?;
    sleep_ms(200);
    let irqs_after = irq_count(u64::from(irq)).ok_or("key irq not listed")?;
    let merged_after = debug_state(KEY)?.num("debounced");
    check!(
        irqs_after > irqs_before || merged_after > merged_before,
        "no sign of the edges: key interrupts {irqs_before} -> {irqs_after}, debounced {merged_before} -> {merged_after}"
    );
    sleep_ms(200);
    let recs = d.read_available(64).map_err(|e| e.to_string())?;
    println!(
        "guest note: a press and release while asleep ({} ms) gave {:?}",
        (t1 - t0) / 1_000_000,
        edges(&recs)
    );
    let got = edges(&recs);
    check!(
        got.is_empty() || got == [PRESS, RELEASE],
        "a press and release while asleep gave {got:?}"
    );
    check!(
        !d.level().map_err(|e| e.to_string())?,
        "level ioctl says 1 after a press and release while asleep"
    );
    Ok(())
}

/// The level ioctl: the key's settled level follows the line; timer and
/// irq devices have no level (`ENOTTY`).
pub fn level_ioctl_follows_line() -> TestResult {
    let d = Device::open_nonblocking(KEY).map_err(|e| e.to_string())?;
    for high in [true, false, true, false] {
        set_key(high)?;
        let level = d.level().map_err(|e| e.to_string())?;
        check!(
            level == high,
            "line {} but level ioctl {}",
            u8::from(high),
            u8::from(level)
        );
    }
    for name in ["tick", "button"] {
        let other = Device::open_nonblocking(name).map_err(|e| e.to_string())?;
        let e = other.level().err().and_then(|e| e.raw_os_error());
        check!(
            e == Some(libc::ENOTTY),
            "level ioctl on {name}: {e:?}, want ENOTTY"
        );
    }
    Ok(())
}

/// A 100 ms timer across a 3 s sleep, read by a reader blocked in `read()`
/// and one in `epoll_wait()`: nothing stamped inside the sleep, the first
/// record after it flagged `RESUMED` (and only it), the periods missed
/// counted as overruns (±1), no record lost.
pub fn timer_stands_still_across_suspend() -> TestResult {
    const PERIOD_NS: u64 = 100_000_000;
    let blocking = Device::open("nap").map_err(|e| e.to_string())?;
    let polled = Device::open_nonblocking("nap").map_err(|e| e.to_string())?;
    for d in [&blocking, &polled] {
        d.set_clock(Clock::Boottime).map_err(|e| e.to_string())?;
    }
    let first = read_one(blocking.owned_fd())?;
    let overruns_before = blocking.stats().map_err(|e| e.to_string())?.overruns;
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (t0, t1, r, from_read, from_epoll) = std::thread::scope(|s| {
        let reader = s.spawn(|| -> Result<Vec<RpollEvent>, String> {
            let mut got = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                got.push(read_one(blocking.owned_fd())?);
            }
            Ok(got)
        });
        let poller = s.spawn(|| -> Result<Vec<RpollEvent>, String> {
            let ep = Epoll::new().map_err(|e| e.to_string())?;
            ep.add(polled.owned_fd(), libc::EPOLLIN as u32, 0)
                .map_err(|e| e.to_string())?;
            let mut got = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                ep.wait(1000).map_err(|e| e.to_string())?;
                got.extend(polled.read_available(64).map_err(|e| e.to_string())?);
            }
            Ok(got)
        });
        std::thread::sleep(Duration::from_millis(300));
        let slept = sleep_once(3);
        std::thread::sleep(Duration::from_millis(600));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (t0, t1, r) = slept?;
        let a = reader.join().map_err(|_| "reader panicked".to_string())??;
        let b = poller.join().map_err(|_| "poller panicked".to_string())??;
        Ok::<_, String>((t0, t1, r, a, b))
    })?;
    check!(r.is_ok(), "suspend refused or aborted: errno {:?}", r.err());
    // A real sleep, ended by the RTC's alarm (an instant wake would pass
    // the checks below with nothing to stand still across).
    check_rtc_ended(t0, t1, 2000)?;
    let overruns = blocking.stats().map_err(|e| e.to_string())?.overruns - overruns_before;
    let recs = [vec![first], from_read].concat();
    check_sequence(first.seq - 1, &recs)?;
    let inside: Vec<u64> = recs
        .iter()
        .map(|r| r.timestamp_ns)
        .filter(|&ts| ts > t0 + PERIOD_NS && ts + PERIOD_NS < t1)
        .collect();
    check!(
        inside.is_empty(),
        "records stamped inside the sleep [{t0}, {t1}]: {inside:?}"
    );
    let flagged: Vec<&RpollEvent> = recs
        .iter()
        .filter(|r| r.source & RPOLL_EVENT_RESUMED != 0)
        .collect();
    check!(
        flagged.len() == 1,
        "{} records flagged RESUMED: {flagged:?}",
        flagged.len()
    );
    let resumed = *flagged[0];
    let pos = recs.iter().position(|r| r.seq == resumed.seq).unwrap_or(0);
    check!(
        pos > 0 && resumed.timestamp_ns + PERIOD_NS >= t1,
        "the RESUMED record {resumed:?} is not the first after the sleep [{t0}, {t1}]"
    );
    let before = recs[pos - 1];
    let gap = resumed.timestamp_ns - before.timestamp_ns;
    let missed = gap / PERIOD_NS - 1;
    println!("guest note: nap across a {} ms sleep: last record before at {} ns, first after at {} ns ({} periods apart), overruns +{overruns}", (t1 - t0) / 1_000_000, before.timestamp_ns, resumed.timestamp_ns, gap / PERIOD_NS);
    check!(
        gap.is_multiple_of(PERIOD_NS),
        "the first record after the sleep is off the grid by {} ns",
        gap % PERIOD_NS
    );
    check!(
        overruns.abs_diff(missed) <= 1,
        "overruns grew by {overruns}, {missed} periods were missed"
    );
    // The epoll reader saw the same records, none lost.
    let mine: Vec<u64> = from_epoll.iter().map(|r| r.seq).collect();
    check!(
        from_epoll.iter().all(|r| r.lost == 0),
        "the epoll reader lost records: {:?}",
        from_epoll
            .iter()
            .filter(|r| r.lost != 0)
            .collect::<Vec<_>>()
    );
    check!(
        mine.contains(&resumed.seq),
        "the epoll reader did not get the RESUMED record (got {mine:?})"
    );
    Ok(())
}

/// A fresh key reader in an epoll set with `events`, after a press that
/// made it ready; the key's own wake-up event (debounce window + 1 ms) is
/// over when this returns.
fn pressed_key_in_epoll(events: u32) -> Result<(Device, Epoll), String> {
    let d = fresh_key()?;
    let ep = Epoll::new().map_err(|e| e.to_string())?;
    ep.add(d.owned_fd(), events, 1).map_err(|e| e.to_string())?;
    set_key(true)?;
    check!(
        !ep.wait(10_000).map_err(|e| e.to_string())?.is_empty(),
        "no EPOLLIN after the press"
    );
    sleep_ms(100);
    Ok((d, ep))
}

/// Waits up to 10 s for the thread reading `wakeup_count` to return; its
/// result (the count), `Err` if it is still blocked.
fn daemon_returns(
    daemon: std::thread::JoinHandle<Result<String, String>>,
    what: &str,
) -> Result<String, String> {
    let start = std::time::Instant::now();
    while !daemon.is_finished() && start.elapsed() < Duration::from_secs(10) {
        sleep_ms(10);
    }
    check!(
        daemon.is_finished(),
        "reading wakeup_count still blocked 10 s {what}"
    );
    daemon
        .join()
        .map_err(|_| "daemon thread panicked".to_string())?
}

/// A reader that added the key with `EPOLLWAKEUP` keeps the system awake
/// until it has read the event: while the record is unread, reading
/// `/sys/power/wakeup_count` (what a suspend daemon does first) blocks;
/// once it was read (and `epoll_wait` called again) the read returns and
/// the system sleeps until the RTC wakes it (at least 1.5 s, the RTC's
/// interrupt in `pm_wakeup_irq`). Control: a plain `EPOLLIN` reader with
/// the press unread does not block `wakeup_count`.
pub fn epollwakeup_holds_off_suspend() -> TestResult {
    // The control case first: a reader with plain EPOLLIN and the press
    // unread holds nothing, so reading wakeup_count returns.
    {
        let (_c, _ep) = pressed_key_in_epoll(libc::EPOLLIN as u32)?;
        let daemon = std::thread::spawn(|| sysfs_read(WAKEUP_COUNT));
        daemon_returns(daemon, "with only a plain EPOLLIN reader's event unread")?;
        set_key(false)?;
    }
    // What is still in progress after the key's own wake-up event is the
    // epoll reader's.
    let (d, ep) = pressed_key_in_epoll((libc::EPOLLIN | libc::EPOLLWAKEUP) as u32)?;
    let daemon = std::thread::spawn(|| sysfs_read(WAKEUP_COUNT));
    sleep_ms(500);
    let held = !daemon.is_finished();
    let recs = d.read_available(64).map_err(|e| e.to_string())?;
    // The next epoll_wait finds nothing ready and releases the wake-up
    // source.
    let ready = ep.wait(0).map_err(|e| e.to_string())?;
    let count = daemon_returns(daemon, "after the event was read")?;
    check!(
        held,
        "reading wakeup_count returned ({count}) while an EPOLLWAKEUP event was unread"
    );
    check!(edges(&recs) == [PRESS], "records {:?}", edges(&recs));
    check!(ready.is_empty(), "still ready after reading: {ready:?}");
    let (t0, t1, r) = sleep_once(2)?;
    check!(
        r.is_ok(),
        "suspend after the event was read: errno {:?}",
        r.err()
    );
    check_rtc_ended(t0, t1, 1500)?;
    println!(
        "guest note: EPOLLWAKEUP: wakeup_count blocked while the press was unread, then the system slept {} ms",
        (t1 - t0) / 1_000_000
    );
    set_key(false)?;
    Ok(())
}

/// Suspend paths without a wake source: `pm_test` stops the sleep after the
/// freezer, then after suspending the devices (rpoll's included), waits
/// `pm_test_delay` and resumes; two cycles each, with a timer read across
/// them that keeps its grid: exactly one `RESUMED` record per cycle (the
/// test waits for each before the next cycle), every step between stamps a
/// whole number of periods.
pub fn pm_test_cycles() -> TestResult {
    const PM_TEST: &str = "/sys/power/pm_test";
    let levels = sysfs_read(PM_TEST)?;
    check!(
        levels.contains("devices") && levels.contains("freezer"),
        "pm_test offers '{levels}'"
    );
    sysfs_write("/sys/module/suspend/parameters/pm_test_delay", "1")?;
    let d = Device::open_nonblocking("nap").map_err(|e| e.to_string())?;
    let period_ns = debug_state("nap")?.num("period_us") * 1000;
    // The first record on the grid, then the cycles: after each one, the
    // records up to its RESUMED one (which must come), so that every cycle
    // has its own resume to report.
    let mut recs = collect(d.owned_fd(), 1, 5_000)?;
    check!(!recs.is_empty(), "nap produced nothing before the cycles");
    let result = (|| {
        for level in ["freezer", "devices"] {
            sysfs_write(PM_TEST, level)?;
            for cycle in 1..=2 {
                let t0 = boottime_ns();
                let r = std::fs::write("/sys/power/state", "freeze");
                let ms = (boottime_ns() - t0) / 1_000_000;
                check!(
                    r.is_ok(),
                    "pm_test {level} cycle {cycle}: {r:?} after {ms} ms"
                );
                let start = std::time::Instant::now();
                loop {
                    let got = collect(d.owned_fd(), 1, 1_000)?;
                    let done = got.iter().any(|r| r.source & RPOLL_EVENT_RESUMED != 0);
                    recs.extend(got);
                    if done {
                        break;
                    }
                    check!(
                        start.elapsed().as_secs() < 10,
                        "pm_test {level} cycle {cycle}: no RESUMED record within 10 s"
                    );
                }
            }
        }
        Ok(())
    })();
    sysfs_write(PM_TEST, "none")?;
    result?;
    // The timer runs again after the last cycle, every record in sequence,
    // exactly one RESUMED per cycle, and every step between stamps a whole
    // number of periods (the grid kept across the cycles).
    recs.extend(collect(d.owned_fd(), 3, 5_000)?);
    check_sequence(recs[0].seq - 1, &recs)?;
    let flagged = recs
        .iter()
        .filter(|r| r.source & RPOLL_EVENT_RESUMED != 0)
        .count();
    check!(flagged == 4, "{flagged} RESUMED records for 4 cycles");
    let off_grid: Vec<u64> = recs
        .windows(2)
        .map(|w| w[1].timestamp_ns.wrapping_sub(w[0].timestamp_ns))
        .filter(|step| *step == 0 || step % period_ns != 0)
        .collect();
    check!(
        off_grid.is_empty(),
        "steps off the {period_ns} ns grid: {off_grid:?}"
    );
    let log = dmesg();
    let waits = log.matches("suspend debug: Waiting for").count();
    check!(
        waits >= 4,
        "{waits} pm_test waits in the kernel log, want 4"
    );
    Ok(())
}
