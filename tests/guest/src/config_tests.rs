//! Configuration at run time: `RPOLL_IOC_GET_CONFIG` / `SET_CONFIG`
//! (device-wide, `CAP_SYS_ADMIN`) on GPIO devices fed each way and on an irq
//! device, and `RPOLL_IOC_SET_EDGE_MASK` (one reader's filter). The gpio-sim
//! lines are driven from the guest (`sim.rs`); every test puts the device
//! tree's configuration back, also when it fails.

use std::os::fd::AsRawFd;

use rpoll::Device;
use rpoll_guest_tests::sim::SimLine;
use rpoll_uapi::{Edge, RpollConfig, RpollEvent, RPOLL_EVENT_CONFIG, RPOLL_IOC_SET_CONFIG};

use crate::check;
use crate::dev::*;
use crate::gpio_tests::{check_edges, quiet, WAIT_MS};

/// Puts a device's configuration back when dropped.
struct Restore<'a> {
    dev: &'a Device,
    config: RpollConfig,
}

impl<'a> Restore<'a> {
    fn new(dev: &'a Device) -> Result<Self, String> {
        let config = dev.config().map_err(|e| format!("GET_CONFIG: {e}"))?;
        Ok(Self { dev, config })
    }
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.dev.set_config(&self.config) {
            eprintln!("guest: cannot restore {:?}: {e}", self.config);
        }
    }
}

/// `SET_CONFIG` with `c`, the errno as text.
fn set(d: &Device, c: RpollConfig) -> TestResult {
    d.set_config(&c)
        .map_err(|e| format!("SET_CONFIG {c:?}: {e}"))
}

/// The errno `SET_CONFIG` with `c` fails with (0 if it succeeds).
fn set_errno(d: &Device, c: RpollConfig) -> i32 {
    d.set_config(&c)
        .err()
        .and_then(|e| e.raw_os_error())
        .unwrap_or(0)
}

fn flagged(r: &RpollEvent) -> bool {
    r.source & RPOLL_EVENT_CONFIG != 0
}

/// A press (line high for 20 ms) and a release of a gpio-sim line, each
/// waited past the device's window.
fn press(line: &SimLine, window_ms: u64) -> TestResult {
    line.settle(true, 20 + window_ms)?;
    line.settle(false, 20 + window_ms)
}

/// A threaded GPIO device switched to rising edges without debounce and
/// back: the records follow the new configuration from the first one after
/// each change, which alone carries `RPOLL_EVENT_CONFIG`; INFO and debugfs
/// agree; bad values are refused with `EINVAL` and change nothing.
pub fn set_config_edges_and_debounce() -> TestResult {
    let line = SimLine::new(0)?;
    line.settle(false, 20)?;
    let d = Device::open_nonblocking("sim-key").map_err(|e| e.to_string())?;
    let dt = d.config().map_err(|e| e.to_string())?;
    check!(
        (dt.edges, dt.debounce_us, dt.poll_interval_us) == (3, 5000, 0),
        "sim-key's DT configuration {dt:?}"
    );
    let _restore = Restore::new(&d)?;
    set(
        &d,
        RpollConfig {
            edges: 1,
            debounce_us: 0,
            ..dt
        },
    )?;
    let i = d.info().map_err(|e| e.to_string())?;
    check!(
        i.trigger == 1 && i.debounce_us == 0,
        "INFO after SET_CONFIG {i:?}"
    );
    check!(
        debug_state("sim-key")?.text("edges") == "rising",
        "debugfs edges"
    );
    press(&line, 0)?;
    press(&line, 0)?;
    let recs = collect(d.owned_fd(), 2, WAIT_MS)?;
    check_edges("rising only", &recs, &[(Edge::Rising, true); 2])?;
    check!(
        flagged(&recs[0]) && !flagged(&recs[1]),
        "CONFIG flags {recs:?}"
    );
    quiet("rising only", d.owned_fd(), 50)?;
    // Back to both edges: the first record after the change is flagged.
    set(&d, dt)?;
    press(&line, 5)?;
    let recs = collect(d.owned_fd(), 2, WAIT_MS)?;
    check_edges(
        "both again",
        &recs,
        &[(Edge::Rising, true), (Edge::Falling, false)],
    )?;
    check!(
        flagged(&recs[0]) && !flagged(&recs[1]),
        "CONFIG flags {recs:?}"
    );
    // Refused whole, nothing changed.
    let mut reserved = dt;
    reserved.reserved[2] = 1;
    for bad in [
        RpollConfig { edges: 0, ..dt },
        RpollConfig { edges: 4, ..dt },
        RpollConfig {
            debounce_us: 1_000_001,
            ..dt
        },
        RpollConfig {
            poll_interval_us: 1000,
            ..dt
        },
        reserved,
    ] {
        let e = set_errno(&d, bad);
        check!(e == libc::EINVAL, "SET_CONFIG {bad:?}: errno {e}");
        let now = d.config().map_err(|e| e.to_string())?;
        check!(now == dt, "after a refused SET_CONFIG: {now:?}");
    }
    // Device-wide, so privileged.
    let fd = d.owned_fd().as_raw_fd();
    let bytes = RpollConfig { edges: 1, ..dt }.to_bytes();
    let e = as_nobody(move || {
        // SAFETY: SET_CONFIG reads 32 bytes from a valid buffer.
        let r = unsafe { libc::ioctl(fd, RPOLL_IOC_SET_CONFIG as _, bytes.as_ptr()) };
        if r < 0 {
            errno()
        } else {
            0
        }
    })?;
    check!(e == libc::EPERM, "unprivileged SET_CONFIG: errno {e}");
    check!(
        d.config().map_err(|e| e.to_string())? == dt,
        "changed by nobody"
    );
    Ok(())
}

/// A burst settling when the window changes: re-timed from its last edge
/// to the new window, and a switch away from both edges settles it at
/// once, so no edge is lost or invented across the change.
pub fn set_config_mid_burst() -> TestResult {
    let line = SimLine::new(2)?;
    line.settle(false, 250)?;
    let d = Device::open_nonblocking("sim-bouncy").map_err(|e| e.to_string())?;
    let dt = d.config().map_err(|e| e.to_string())?;
    let _restore = Restore::new(&d)?;
    // A 1 s window, an edge, then a 20 ms window: the burst settles 20 ms
    // after its edge instead of 1 s.
    set(
        &d,
        RpollConfig {
            debounce_us: 1_000_000,
            ..dt
        },
    )?;
    line.set(true)?;
    set(
        &d,
        RpollConfig {
            debounce_us: 20_000,
            ..dt
        },
    )?;
    let up = collect(d.owned_fd(), 1, 800)?;
    check_edges("re-timed burst", &up, &[(Edge::Rising, true)])?;
    check!(flagged(&up[0]), "re-timed record not flagged");
    // Low, then at once falling only: the burst (to low) is settled by the
    // change and reported (a falling edge, which the new edges report too).
    line.set(false)?;
    set(
        &d,
        RpollConfig {
            edges: 2,
            debounce_us: 20_000,
            ..dt
        },
    )?;
    let down = collect(d.owned_fd(), 1, WAIT_MS)?;
    check_edges(
        "burst settled by the change",
        &down,
        &[(Edge::Falling, false)],
    )?;
    quiet("sim-bouncy", d.owned_fd(), 100)
}

/// A sampled line's interval changes from the next expiry; it cannot stop
/// being sampled, and INFO shows the interval in use.
pub fn set_config_sampling_interval() -> TestResult {
    let line = SimLine::new(3)?;
    line.settle(false, 10)?;
    let d = Device::open_nonblocking("sim-poll").map_err(|e| e.to_string())?;
    let dt = d.config().map_err(|e| e.to_string())?;
    check!(dt.poll_interval_us == 1000, "sim-poll DT interval {dt:?}");
    let _restore = Restore::new(&d)?;
    set(
        &d,
        RpollConfig {
            poll_interval_us: 20_000,
            ..dt
        },
    )?;
    let i = d.info().map_err(|e| e.to_string())?;
    check!(
        i.period_us == 20_000,
        "INFO period_us {} after the change",
        i.period_us
    );
    check!(
        debug_state("sim-poll")?.num("poll_interval_us") == 20_000,
        "debugfs interval"
    );
    let t0 = rpoll_sys::monotonic_ns();
    line.set(true)?;
    let recs = collect(d.owned_fd(), 1, WAIT_MS)?;
    check_edges("sampled at 20 ms", &recs, &[(Edge::Rising, true)])?;
    check!(
        flagged(&recs[0]) && recs[0].timestamp_ns >= t0,
        "record {:?}",
        recs[0]
    );
    for bad in [0, 99, 10_000_001] {
        let e = set_errno(
            &d,
            RpollConfig {
                poll_interval_us: bad,
                ..dt
            },
        );
        check!(e == libc::EINVAL, "interval {bad}: errno {e}");
    }
    line.set(false)?;
    collect(d.owned_fd(), 1, WAIT_MS).map(|_| ())
}

/// An irq device: its trigger is reported and cannot change; its window
/// can.
pub fn set_config_irq_debounce() -> TestResult {
    let d = Device::open_nonblocking("button").map_err(|e| e.to_string())?;
    let dt = d.config().map_err(|e| e.to_string())?;
    let i = d.info().map_err(|e| e.to_string())?;
    check!(
        dt.edges == i.trigger && dt.debounce_us == i.debounce_us && dt.poll_interval_us == 0,
        "button GET_CONFIG {dt:?} vs INFO {i:?}"
    );
    let _restore = Restore::new(&d)?;
    set(
        &d,
        RpollConfig {
            debounce_us: 3000,
            ..dt
        },
    )?;
    let i = d.info().map_err(|e| e.to_string())?;
    check!(i.debounce_us == 3000, "INFO debounce {}", i.debounce_us);
    let e = set_errno(
        &d,
        RpollConfig {
            edges: dt.edges ^ 3,
            ..dt
        },
    );
    check!(e == libc::EINVAL, "a new trigger: errno {e}");
    let e = set_errno(
        &d,
        RpollConfig {
            poll_interval_us: 1000,
            ..dt
        },
    );
    check!(e == libc::EINVAL, "an interval on an irq device: errno {e}");
    let t = Device::open_nonblocking("idle").map_err(|e| e.to_string())?;
    let e = t.config().err().and_then(|e| e.raw_os_error());
    check!(e == Some(libc::ENOTTY), "GET_CONFIG on a timer: {e:?}");
    Ok(())
}

/// Two readers, one with a rising-edge mask: it gets the presses only, the
/// other everything; its filtered count closes its accounting identity.
/// Bad masks and timer devices are refused.
pub fn edge_mask_filters_one_reader() -> TestResult {
    let line = SimLine::new(0)?;
    line.settle(false, 20)?;
    let a = Device::open_nonblocking("sim-key").map_err(|e| e.to_string())?;
    let b = Device::open_nonblocking("sim-key").map_err(|e| e.to_string())?;
    check!(
        a.set_edge_mask(1).map_err(|e| e.to_string())? == 0,
        "filtered before any edge"
    );
    for _ in 0..3 {
        press(&line, 5)?;
    }
    let ra = collect(a.owned_fd(), 3, WAIT_MS)?;
    let rb = collect(b.owned_fd(), 6, WAIT_MS)?;
    check_edges("masked reader", &ra, &[(Edge::Rising, true); 3])?;
    check_edges(
        "other reader",
        &rb,
        &[(Edge::Rising, true), (Edge::Falling, false)].repeat(3),
    )?;
    quiet("masked reader", a.owned_fd(), 50)?;
    let filtered = a.set_edge_mask(3).map_err(|e| e.to_string())?;
    check!(filtered == 3, "filtered {filtered}, want 3");
    let s = stats(&a)?;
    check!(
        s.produced - s.base == s.delivered + s.lost + s.queued + filtered,
        "identity with filtered: {s:?}, filtered {filtered}"
    );
    for bad in [0, 4, 7] {
        let e = a.set_edge_mask(bad).err().and_then(|e| e.raw_os_error());
        check!(e == Some(libc::EINVAL), "mask {bad}: {e:?}");
    }
    let t = Device::open_nonblocking("idle").map_err(|e| e.to_string())?;
    let e = t.set_edge_mask(1).err().and_then(|e| e.raw_os_error());
    check!(e == Some(libc::ENOTTY), "edge mask on a timer: {e:?}");
    Ok(())
}

/// A sleeping line sampled at the shortest interval the binding accepts
/// (100 us, a work item per sample) while it toggles every 2 ms: the
/// records alternate, end at the line's final level, and account exactly;
/// then the device tree's interval again. A work item delayed past two
/// changes sees neither (sampling's limit), so the count is not fixed.
pub fn sampled_line_at_the_shortest_interval() -> TestResult {
    let line = SimLine::new(3)?;
    line.settle(false, 10)?;
    let d = Device::open_nonblocking("sim-poll").map_err(|e| e.to_string())?;
    let dt = d.config().map_err(|e| e.to_string())?;
    let _restore = Restore::new(&d)?;
    set(
        &d,
        RpollConfig {
            poll_interval_us: 100,
            ..dt
        },
    )?;
    sleep_ms(5);
    drain(d.owned_fd())?;
    let before = stats(&d)?;
    let end = line.toggle(50, false, 2000)?;
    check!(!end, "50 toggles from low end low");
    sleep_ms(20);
    let recs = drain(d.owned_fd())?;
    check!(
        recs.len() >= 2 && recs.len() % 2 == 0,
        "{} records for 50 changes ending where they started",
        recs.len()
    );
    let want: Vec<(Edge, bool)> =
        [(Edge::Rising, true), (Edge::Falling, false)].repeat(recs.len() / 2);
    check_edges("sampled every 100 us", &recs, &want)?;
    check_sequence(before.produced, &recs)?;
    quiet("sampled every 100 us", d.owned_fd(), 20)?;
    check_identity(&stats(&d)?)?;
    println!(
        "guest note: 100 us sampling of a sleeping line: {} records for 50 changes 2 ms apart",
        recs.len()
    );
    Ok(())
}
