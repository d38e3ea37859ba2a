//! The GPIO source (`rpoll,event-gpio`), with edges driven from the host:
//! each test prints `RPOLL-GPIO` requests that `scripts/board-io agent`
//! carries out through QEMU's qtest socket, then waits for the records.
//!
//! Lines (tests/dts/test-devices.dtso, board/qemu-virt/rpoll.dtso): 0 "rise"
//! (rising only), 1 "fall" (falling only), 4 "key" (both, 5 ms debounce),
//! 6 "al" (active-low, both, no debounce), 7 "bouncy" (both, 200 ms settle).
//! Levels in `RPOLL-GPIO` requests are physical; records are logical.

use std::os::fd::OwnedFd;

use rpoll::Device;
use rpoll_uapi::{Edge, RpollEvent, RPOLL_GPIO_ACTIVE_LOW, RPOLL_SOURCE_GPIO};

use crate::check;
use crate::dev::*;

/// Longest wait for records the host was asked to cause.
pub(crate) const WAIT_MS: i32 = 10_000;

/// Checks that `recs` are GPIO records with the given (edge, level) pairs.
pub(crate) fn check_edges(name: &str, recs: &[RpollEvent], want: &[(Edge, bool)]) -> TestResult {
    let got: Vec<(Option<Edge>, Option<bool>)> =
        recs.iter().map(|r| (r.edge(), r.level())).collect();
    let want: Vec<(Option<Edge>, Option<bool>)> =
        want.iter().map(|&(e, l)| (Some(e), Some(l))).collect();
    check!(got == want, "{name}: records {got:?}, want {want:?}");
    check!(
        recs.iter().all(|r| r.kind() == RPOLL_SOURCE_GPIO),
        "{name}: not GPIO records: {recs:?}"
    );
    Ok(())
}

/// Waits until device `name` has reported (debugfs `level`) the logical
/// level `level`.
pub(crate) fn wait_driver_level(name: &str, level: bool) -> TestResult {
    let start = std::time::Instant::now();
    while debug_state(name)?.num("level") != u64::from(level) {
        check!(
            start.elapsed() < std::time::Duration::from_millis(WAIT_MS as u64),
            "{name}: the driver never reported level {}",
            u8::from(level)
        );
        sleep_ms(5);
    }
    Ok(())
}

/// Checks that nothing more arrives on `fd` within `ms`.
pub(crate) fn quiet(name: &str, fd: &OwnedFd, ms: i32) -> TestResult {
    let extra = collect(fd, 1, ms)?;
    check!(extra.is_empty(), "{name}: unexpected records {extra:?}");
    Ok(())
}

/// Sets PL061 line `offset` to `level` and waits until gpiolib shows it,
/// then until the device's settle window (if any) has passed.
fn settle_line(offset: u32, level: bool, settle_ms: u64) -> TestResult {
    gpio_drive(&format!("{offset}={}", u8::from(level)));
    wait_gpio_level(offset, level, WAIT_MS as u64)?;
    sleep_ms(settle_ms);
    Ok(())
}

/// Every GPIO device holds its line under its own name, with its polarity,
/// and describes itself in INFO and `rpoll list`.
pub fn gpio_lines_requested_and_described() -> TestResult {
    for (offset, name) in [
        (0, "rise"),
        (1, "fall"),
        (4, "key"),
        (6, "al"),
        (7, "bouncy"),
    ] {
        let c = gpio_consumer(offset)?;
        check!(c == format!("rpoll-{name}"), "line {offset} held by '{c}'");
    }
    check!(
        gpio_debug_line(6)?.contains("ACTIVE LOW"),
        "line 6 not active-low: {}",
        gpio_debug_line(6)?
    );
    let al = Device::open_nonblocking("al").map_err(|e| e.to_string())?;
    let i = al.info().map_err(|e| format!("INFO: {e}"))?;
    check!(
        i.source == RPOLL_SOURCE_GPIO
            && i.gpio_line == (6 | RPOLL_GPIO_ACTIVE_LOW)
            && i.trigger == 3
            && i.irq > 0
            && i.period_us == 0,
        "al INFO {i:?}"
    );
    let rise = Device::open_nonblocking("rise").map_err(|e| e.to_string())?;
    let i = rise.info().map_err(|e| format!("INFO: {e}"))?;
    check!(i.gpio_line == 0 && i.trigger == 1, "rise INFO {i:?}");
    let out = std::process::Command::new("rpoll")
        .arg("list")
        .output()
        .map_err(|e| format!("rpoll list: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    check!(
        text.lines().any(|l| l.starts_with("/dev/rpoll-al")
            && l.contains("gpio  line 6 active-low edges both debounce 0us")),
        "rpoll list: {text}"
    );
    let st = debug_state("bouncy")?;
    check!(
        st.text("source") == "gpio"
            && st.text("edges") == "both"
            && st.num("debounce_us") == 200_000,
        "bouncy debugfs {st:?}"
    );
    Ok(())
}

/// A press and release of an active-low button gives exactly two records:
/// the press is a logical rising edge to level 1 (the line went physically
/// low), the release a falling edge to level 0, with consecutive seq.
pub fn gpio_active_low_press_and_release() -> TestResult {
    // Idle: the line pulled up (physically high, logically 0).
    settle_line(6, true, 20)?;
    let d = Device::open_nonblocking("al").map_err(|e| e.to_string())?;
    let fd = d.owned_fd();
    gpio_drive("6=0 sleep=30 6=1");
    let recs = collect(fd, 2, WAIT_MS)?;
    check_edges("al", &recs, &[(Edge::Rising, true), (Edge::Falling, false)])?;
    check!(
        recs[1].seq == recs[0].seq + 1 && recs[0].lost == 0 && recs[1].lost == 0,
        "seq {} then {}",
        recs[0].seq,
        recs[1].seq
    );
    check!(
        recs[1].timestamp_ns > recs[0].timestamp_ns,
        "release not after press"
    );
    quiet("al", fd, 200)
}

/// A burst of edges within the settle window: reported edges alternate and
/// the last reported level is the level the line settled at; `debounced`
/// counts the interrupts that produced no record.
pub fn gpio_bounce_burst_settles() -> TestResult {
    const WINDOW_MS: u64 = 200;
    // Start from a settled low line, then bring it high (one record).
    settle_line(7, false, WINDOW_MS + 50)?;
    let d = Device::open_nonblocking("bouncy").map_err(|e| e.to_string())?;
    let fd = d.owned_fd();
    gpio_drive("7=1");
    let up = collect(fd, 1, WAIT_MS)?;
    check_edges("bouncy up", &up, &[(Edge::Rising, true)])?;

    // 20 toggles starting from high end high: nothing to report, all merged.
    let before = stats(&d)?.debounced;
    let toggles = |n: usize, from_high: bool| -> String {
        (1..=n)
            .map(|k| format!("7={} sleep=1", u8::from((k % 2 == 0) == from_high)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    gpio_drive(&toggles(20, true));
    wait_gpio_level(7, true, WAIT_MS as u64)?;
    sleep_ms(20 + WINDOW_MS + 100);
    quiet("bouncy burst ending high", fd, 1)?;
    let merged = stats(&d)?.debounced - before;
    check!(
        (1..=20).contains(&merged),
        "burst of 20 ending high: {merged} interrupts merged"
    );

    // 21 toggles from high end low: exactly one falling record, to level 0.
    let before = stats(&d)?.debounced;
    gpio_drive(&toggles(21, true));
    let down = collect(fd, 1, WAIT_MS)?;
    check_edges("bouncy burst ending low", &down, &[(Edge::Falling, false)])?;
    check!(!gpio_level(7)?, "line 7 not low after the burst");
    quiet("bouncy", fd, (WINDOW_MS + 100) as i32)?;
    let merged = stats(&d)?.debounced - before;
    check!(
        (1..=20).contains(&merged),
        "burst of 21 ending low: {merged} interrupts merged besides the reported edge"
    );
    check!(
        down[0].seq == up[0].seq + 1,
        "records between the two bursts: seq {} then {}",
        up[0].seq,
        down[0].seq
    );
    println!("guest note: bounce bursts: 20 and 21 toggles, 1 ms apart, {WINDOW_MS} ms window");
    Ok(())
}

/// Rising-only and falling-only lines report only their edge.
pub fn gpio_single_edge_lines() -> TestResult {
    settle_line(0, false, 10)?;
    settle_line(1, false, 10)?;
    let rise = Device::open_nonblocking("rise").map_err(|e| e.to_string())?;
    let fall = Device::open_nonblocking("fall").map_err(|e| e.to_string())?;
    gpio_drive(
        "0=1 sleep=10 0=0 sleep=10 0=1 sleep=10 0=0 1=1 sleep=10 1=0 sleep=10 1=1 sleep=10 1=0",
    );
    let r = collect(rise.owned_fd(), 2, WAIT_MS)?;
    let f = collect(fall.owned_fd(), 2, WAIT_MS)?;
    check_edges("rise", &r, &[(Edge::Rising, true), (Edge::Rising, true)])?;
    check_edges(
        "fall",
        &f,
        &[(Edge::Falling, false), (Edge::Falling, false)],
    )?;
    quiet("rise", rise.owned_fd(), 100)?;
    quiet("fall", fall.owned_fd(), 1)
}

/// Two buttons pressed alternately: each device sees exactly its own.
pub fn gpio_two_lines_alternately() -> TestResult {
    settle_line(6, true, 10)?;
    settle_line(4, false, 20)?;
    let key = Device::open_nonblocking("key").map_err(|e| e.to_string())?;
    let al = Device::open_nonblocking("al").map_err(|e| e.to_string())?;
    let ops = ["4=1 sleep=20 4=0 sleep=20 6=0 sleep=20 6=1 sleep=20"; 3];
    gpio_drive(&ops.join(" "));
    let k = collect(key.owned_fd(), 6, WAIT_MS)?;
    let a = collect(al.owned_fd(), 6, WAIT_MS)?;
    let pairs = [(Edge::Rising, true), (Edge::Falling, false)].repeat(3);
    check_edges("key", &k, &pairs)?;
    check_edges("al", &a, &pairs)?;
    check_sequence(k[0].seq - 1, &k)?;
    check_sequence(a[0].seq - 1, &a)?;
    quiet("key", key.owned_fd(), 100)
}

/// 1000 edges as fast as the host can drive them: every record is accounted
/// for (seq gaps equal `lost`), reported edges alternate, the last record's
/// level is the line's final level, and the reader's counts match the
/// kernel's.
pub fn gpio_thousand_fast_edges() -> TestResult {
    settle_line(6, true, 10)?;
    let d = Device::open_nonblocking("al").map_err(|e| e.to_string())?;
    let fd = d.owned_fd();
    let before = stats(&d)?;
    // Physical 0,1,0,1,...: 1000 edges ending high. The host serves
    // requests in order, so a final press and release (2 more edges) show
    // when all of them were applied.
    let ops: Vec<String> = (0..1000).map(|k| format!("6={}", k % 2)).collect();
    gpio_drive(&ops.join(" "));
    gpio_drive("6=0");
    wait_gpio_level(6, false, 120_000)?;
    // The interrupts may still be working through the backlog: wait for the
    // driver to see the final press, then release and wait for that too.
    wait_driver_level("al", true)?;
    gpio_drive("6=1");
    wait_gpio_level(6, true, WAIT_MS as u64)?;
    wait_driver_level("al", false)?;
    // Then until nothing more is produced for 300 ms: the guarantee is
    // about the level the line settled at, once the driver is quiet.
    let mut last = stats(&d)?.produced;
    let mut quiet_since = std::time::Instant::now();
    while quiet_since.elapsed() < std::time::Duration::from_millis(300) {
        sleep_ms(20);
        let now = stats(&d)?.produced;
        if now != last {
            (last, quiet_since) = (now, std::time::Instant::now());
        }
    }
    let recs = drain(fd)?;
    let after = stats(&d)?;
    check!(!recs.is_empty(), "no record for 1000 edges");
    check_sequence(before.produced, &recs)?;
    let mut level = false;
    for r in &recs {
        let l = r.level().ok_or("not a GPIO record")?;
        check!(
            l != level,
            "two records to level {l} in a row (seq {})",
            r.seq
        );
        level = l;
    }
    check!(
        !level,
        "last record's level is 1, the line ended released; last records {:?}, stats {after:?}, debugfs level {}",
        &recs[recs.len().saturating_sub(3)..],
        debug_state("al")?.num("level")
    );
    check_identity(&after)?;
    let produced = after.produced - before.produced;
    let merged = after.debounced - before.debounced;
    check!(
        produced + merged <= 1002,
        "{produced} records + {merged} merged interrupts for 1002 edges"
    );
    println!(
        "guest note: 1002 edges: {produced} records, {merged} interrupts merged, {} lost",
        after.lost - before.lost
    );
    Ok(())
}

/// The line is held while bound, free after unbind, held again after bind.
pub fn gpio_line_free_after_unbind() -> TestResult {
    check!(
        gpio_consumer(4)? == "rpoll-key",
        "line 4 not held by rpoll-key"
    );
    unbind("key")?;
    let held = gpio_consumer(4)?;
    bind("key")?;
    check!(held.is_empty(), "line 4 held by '{held}' after unbind");
    check!(
        gpio_consumer(4)? == "rpoll-key",
        "line 4 not held after bind"
    );
    // And the rebound device works.
    settle_line(4, false, 20)?;
    let d = Device::open_nonblocking("key").map_err(|e| e.to_string())?;
    gpio_drive("4=1 sleep=20 4=0");
    let recs = collect(d.owned_fd(), 2, WAIT_MS)?;
    check_edges(
        "rebound key",
        &recs,
        &[(Edge::Rising, true), (Edge::Falling, false)],
    )
}

/// A pulse shorter than the interrupt's latency on a both-edge line with no
/// window (20 µs high on the pressed "al", from the host): it leaves a
/// trace for every reader, either as its two records or as the next
/// record's merged count (`RPOLL_EVENT_MERGED`), and the records' merged
/// counts add up to the device's `debounced` exactly.
pub fn gpio_short_pulse_seen_by_every_reader() -> TestResult {
    settle_line(6, true, 10)?;
    let d = Device::open_nonblocking("al").map_err(|e| e.to_string())?;
    let fd = d.owned_fd();
    gpio_drive("6=0");
    let press = collect(fd, 1, WAIT_MS)?;
    check_edges("press", &press, &[(Edge::Rising, true)])?;
    let before = stats(&d)?.debounced;
    let irq = u64::from(d.info().map_err(|e| e.to_string())?.irq);
    // A late interrupt of an earlier test's edges must not pass for the
    // pulse's: the count is taken once it held still for 20 ms.
    let count = || irq_count(irq).ok_or("al's interrupt not in /proc/interrupts");
    let mut irqs = count()?;
    for _ in 0..100 {
        sleep_ms(20);
        let now = count()?;
        if now == irqs {
            break;
        }
        irqs = now;
    }
    // High for 20 us (host time), low again; the release only once the
    // pulse's interrupt was taken (the controller latches edges: a release
    // before that would share the pulse's interrupt, and the hardware
    // itself would have merged them).
    gpio_drive("train=6:2:20");
    let start = std::time::Instant::now();
    while irq_count(irq).unwrap_or(0) == irqs {
        check!(
            start.elapsed().as_millis() < WAIT_MS as u128,
            "the pulse raised no interrupt"
        );
        sleep_ms(1);
    }
    gpio_drive("6=1");
    wait_gpio_level(6, true, WAIT_MS as u64)?;
    wait_driver_level("al", false)?;
    let recs = drain(fd)?;
    let merged: u64 = recs.iter().map(|r| u64::from(r.merged())).sum();
    let debounced = stats(&d)?.debounced - before;
    check!(
        merged == debounced,
        "records' merged counts {merged} != debounced {debounced}: {recs:?}"
    );
    let last = recs.last().ok_or("no release record")?;
    check!(
        last.level() == Some(false),
        "last record {last:?} is not the release"
    );
    check!(
        recs.len() == 3 || (recs.len() == 1 && last.merged() >= 1),
        "the pulse left no trace: records {recs:?}, debounced {debounced}"
    );
    println!(
        "guest note: 20 us pulse: {} records, merged {merged}",
        recs.len()
    );
    Ok(())
}
