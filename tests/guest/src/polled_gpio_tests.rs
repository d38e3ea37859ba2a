//! GPIO devices whose line is sampled (`rpoll,poll-interval-us`) instead of
//! interrupting: "pl-poll" on the PL061 (read in the timer callback, driven
//! from the host), and on gpio-sim (read by a work item, since the chip
//! sleeps) "sim-poll" (1 ms), "sim-poll-db" (2 ms, 20 ms debounce) and
//! "sim-poll-rise" (1 ms, rising only).

use rpoll::Device;
use rpoll_guest_tests::sim::SimLine;
use rpoll_uapi::Edge;

use crate::check;
use crate::dev::*;
use crate::gpio_tests::{check_edges, quiet, WAIT_MS};

/// A line of a controller that does not sleep, pressed from the host: two
/// records, stamped at samples (after the change, at most one interval and
/// scheduling later than it cannot be bounded, but in order and a whole
/// press apart), and no interrupt was requested for the line.
pub fn pl061_polled_press_and_release() -> TestResult {
    let d = Device::open_nonblocking("pl-poll").map_err(|e| e.to_string())?;
    let i = d.info().map_err(|e| format!("INFO: {e}"))?;
    check!(
        i.irq == 0 && i.period_us == 1000 && i.gpio_line == 2,
        "pl-poll INFO {i:?}"
    );
    let line = gpio_debug_line(2)?;
    check!(
        !line.contains("IRQ"),
        "PL061 line 2 has an interrupt: {line}"
    );
    check!(
        debug_state("pl-poll")?.num("sampling") == 1,
        "not sampling with a reader"
    );
    gpio_drive("2=0");
    wait_gpio_level(2, false, WAIT_MS as u64)?;
    sleep_ms(20);
    drain(d.owned_fd())?;
    gpio_drive("2=1 sleep=50 2=0");
    let recs = collect(d.owned_fd(), 2, WAIT_MS)?;
    check_edges(
        "pl-poll",
        &recs,
        &[(Edge::Rising, true), (Edge::Falling, false)],
    )?;
    check!(
        recs[1].timestamp_ns > recs[0].timestamp_ns,
        "release stamped before the press"
    );
    quiet("pl-poll", d.owned_fd(), 100)
}

/// Ten changes 10 ms apart on a sampled sleeping line: ten alternating
/// records in `seq` order, each stamped after the write that made it (the
/// sample's time) and before the next write.
pub fn sim_polled_edges_at_sample_times() -> TestResult {
    let line = SimLine::new(3)?;
    line.settle(false, 10)?;
    let d = Device::open_nonblocking("sim-poll").map_err(|e| e.to_string())?;
    let mut writes = Vec::new();
    let mut level = false;
    for _ in 0..10 {
        level = !level;
        writes.push(rpoll_sys::monotonic_ns());
        line.set(level)?;
        sleep_ms(10);
    }
    let end = rpoll_sys::monotonic_ns();
    let recs = collect(d.owned_fd(), 10, WAIT_MS)?;
    let want: Vec<(Edge, bool)> = (0..10)
        .map(|k| {
            if k % 2 == 0 {
                (Edge::Rising, true)
            } else {
                (Edge::Falling, false)
            }
        })
        .collect();
    check_edges("sim-poll", &recs, &want)?;
    check_sequence(recs[0].seq - 1, &recs)?;
    for (k, r) in recs.iter().enumerate() {
        let next = writes.get(k + 1).copied().unwrap_or(end + 1_000_000_000);
        check!(
            r.timestamp_ns >= writes[k] && r.timestamp_ns < next,
            "record {k} stamped {} outside [{}, {next})",
            r.timestamp_ns,
            writes[k]
        );
    }
    quiet("sim-poll", d.owned_fd(), 50)
}

/// Debounce on a sampled line counts in samples: changes 3 ms apart (each
/// seen by a 2 ms sampler) within 20 ms give one record once the line held
/// still for the window; a burst ending where it started gives none.
pub fn sim_polled_debounce_in_samples() -> TestResult {
    let line = SimLine::new(4)?;
    line.settle(false, 60)?;
    let d = Device::open_nonblocking("sim-poll-db").map_err(|e| e.to_string())?;
    let before = stats(&d)?.debounced;
    let t0 = rpoll_sys::monotonic_ns();
    let end = line.toggle(5, false, 3000)?;
    check!(end, "5 toggles from low end high");
    let up = collect(d.owned_fd(), 1, WAIT_MS)?;
    check_edges("sim-poll-db press", &up, &[(Edge::Rising, true)])?;
    check!(
        up[0].timestamp_ns >= t0,
        "press stamped before the first change"
    );
    quiet("sim-poll-db after the press", d.owned_fd(), 60)?;
    let merged = stats(&d)?.debounced - before;
    check!(
        (1..=4).contains(&merged),
        "{merged} sampled changes merged, want 1..=4"
    );
    // A burst whose changes came further apart than 16 ms (20 ms of
    // debounce less two samples: the guest stalled between two writes) may
    // settle in between and prove nothing: it is made again, up to 3 times.
    let mut slow = Vec::new();
    loop {
        let (_, longest_us) = line.toggle_timed(4, true, 3000)?;
        sleep_ms(60);
        if longest_us < 16_000 {
            quiet("sim-poll-db burst ending high", d.owned_fd(), 1)?;
            break;
        }
        slow.push(longest_us);
        println!("guest note: sim-poll-db burst made again: changes {longest_us} us apart");
        check!(
            slow.len() < 3,
            "no burst with changes under 16 ms apart in 3 tries: {slow:?} us"
        );
        line.settle(true, 60)?;
        drain(d.owned_fd())?;
    }
    line.settle(false, 60)?;
    let down = collect(d.owned_fd(), 1, WAIT_MS)?;
    check_edges("sim-poll-db release", &down, &[(Edge::Falling, false)])
}

/// A rising-only sampled line reports presses only.
pub fn sim_polled_rising_only() -> TestResult {
    let line = SimLine::new(5)?;
    line.settle(false, 10)?;
    let d = Device::open_nonblocking("sim-poll-rise").map_err(|e| e.to_string())?;
    for _ in 0..3 {
        line.set(true)?;
        sleep_ms(10);
        line.set(false)?;
        sleep_ms(10);
    }
    let recs = collect(d.owned_fd(), 3, WAIT_MS)?;
    check_edges("sim-poll-rise", &recs, &[(Edge::Rising, true); 3])?;
    quiet("sim-poll-rise", d.owned_fd(), 50)
}

/// Sampling runs only while the device is open; a change while nobody
/// watched is the new starting point (no record), and the level ioctl
/// reads the line.
pub fn sim_polled_samples_only_while_open() -> TestResult {
    let line = SimLine::new(3)?;
    line.settle(false, 10)?;
    check!(
        debug_state("sim-poll")?.num("sampling") == 0,
        "sampling with no reader"
    );
    {
        let d = Device::open_nonblocking("sim-poll").map_err(|e| e.to_string())?;
        check!(
            debug_state("sim-poll")?.num("sampling") == 1,
            "not sampling with a reader"
        );
        sleep_ms(10);
        drain(d.owned_fd())?;
    }
    check!(
        debug_state("sim-poll")?.num("sampling") == 0,
        "still sampling after the last close"
    );
    let produced = debug_state("sim-poll")?.num("produced");
    line.settle(true, 10)?;
    let d = Device::open_nonblocking("sim-poll").map_err(|e| e.to_string())?;
    quiet("sim-poll opened after a change", d.owned_fd(), 50)?;
    check!(
        debug_state("sim-poll")?.num("produced") == produced,
        "a record for a change nobody watched"
    );
    check!(
        d.level().map_err(|e| e.to_string())?,
        "GET_LEVEL 0 with the line high"
    );
    check!(line.value()?, "sim line 3 reads low");
    line.set(false)?;
    let recs = collect(d.owned_fd(), 1, WAIT_MS)?;
    check_edges("sim-poll", &recs, &[(Edge::Falling, false)])
}
