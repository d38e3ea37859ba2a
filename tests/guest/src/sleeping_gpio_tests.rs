//! GPIO devices on a controller whose reads sleep (gpio-sim, standing for an
//! I2C or SPI expander): the interrupt is stamped in its hard-IRQ half and
//! the line read in its thread. The same behaviour as on the PL061
//! (`gpio_tests.rs`), with the lines driven from the guest itself
//! (`sim.rs`): "sim-key" (both edges, 5 ms), "sim-rise" (rising only, queue
//! of 8), "sim-bouncy" (both, 200 ms settle window).

use rpoll::Device;
use rpoll_guest_tests::sim::{bind_sim_devices, SimLine, SIM, SIM_PDEV};
use rpoll_uapi::{Edge, RPOLL_SOURCE_GPIO};

use crate::check;
use crate::dev::*;
use crate::gpio_tests::{check_edges, quiet, WAIT_MS};

/// Each sim device holds its line under its own name, says how it is fed
/// (debugfs `mode`, INFO's interrupt and interval), and its interrupt is a
/// threaded one.
pub fn sim_lines_requested_and_described() -> TestResult {
    for (offset, name, mode) in [
        (0, "sim-key", "threaded-irq"),
        (1, "sim-rise", "threaded-irq"),
        (2, "sim-bouncy", "threaded-irq"),
        (3, "sim-poll", "polled"),
        (4, "sim-poll-db", "polled"),
        (5, "sim-poll-rise", "polled"),
    ] {
        let c = gpio_chip_consumer(SIM, offset)?;
        check!(
            c == format!("rpoll-{name}"),
            "sim line {offset} held by '{c}'"
        );
        let st = debug_state(name)?;
        check!(
            st.text("mode") == mode,
            "{name}: mode '{}', want {mode}",
            st.text("mode")
        );
    }
    let key = Device::open_nonblocking("sim-key").map_err(|e| e.to_string())?;
    let i = key.info().map_err(|e| format!("INFO: {e}"))?;
    check!(
        i.source == RPOLL_SOURCE_GPIO && i.irq > 0 && i.period_us == 0 && i.gpio_line == 0,
        "sim-key INFO {i:?}"
    );
    // The interrupt's thread exists (irq/N-rpoll).
    let thread = format!("irq/{}-rpoll", i.irq);
    let found = std::fs::read_dir("/proc")
        .map_err(|e| e.to_string())?
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("comm")).ok())
        .any(|c| c.trim() == thread);
    check!(found, "no thread {thread} for sim-key's interrupt");
    let poll = Device::open_nonblocking("sim-poll").map_err(|e| e.to_string())?;
    let i = poll.info().map_err(|e| format!("INFO: {e}"))?;
    check!(
        i.irq == 0 && i.period_us == 1000 && i.gpio_line == 3,
        "sim-poll INFO {i:?}"
    );
    Ok(())
}

/// A press and release: two records, rising to 1 then falling to 0, each
/// stamped after the write that caused it and in order; the interrupt count
/// rose by two.
pub fn sim_press_and_release() -> TestResult {
    let line = SimLine::new(0)?;
    line.settle(false, 20)?;
    let d = Device::open_nonblocking("sim-key").map_err(|e| e.to_string())?;
    let irq = d.info().map_err(|e| e.to_string())?.irq;
    let before = irq_count(u64::from(irq)).ok_or("sim-key's interrupt not in /proc/interrupts")?;
    let t0 = rpoll_sys::monotonic_ns();
    line.set(true)?;
    sleep_ms(30);
    let t1 = rpoll_sys::monotonic_ns();
    line.set(false)?;
    let recs = collect(d.owned_fd(), 2, WAIT_MS)?;
    check_edges(
        "sim-key",
        &recs,
        &[(Edge::Rising, true), (Edge::Falling, false)],
    )?;
    check!(
        recs[0].timestamp_ns >= t0 && recs[0].timestamp_ns < t1 && recs[1].timestamp_ns >= t1,
        "stamps {} and {} outside [{t0}, {t1}) and [{t1}, ...)",
        recs[0].timestamp_ns,
        recs[1].timestamp_ns
    );
    check!(
        recs[1].seq == recs[0].seq + 1,
        "seq {} then {}",
        recs[0].seq,
        recs[1].seq
    );
    let after = irq_count(u64::from(irq)).unwrap_or(0);
    check!(
        after == before + 2,
        "interrupts {before} -> {after} for two edges"
    );
    quiet("sim-key", d.owned_fd(), 100)
}

/// A bouncy press (21 toggles 1 ms apart) is one press; a burst that ends
/// where it started is none; the interrupts of both count as merged.
pub fn sim_bouncy_press_is_one_press() -> TestResult {
    const WINDOW_MS: u64 = 200;
    let line = SimLine::new(2)?;
    line.settle(false, WINDOW_MS + 50)?;
    let d = Device::open_nonblocking("sim-bouncy").map_err(|e| e.to_string())?;
    let fd = d.owned_fd();
    let before = stats(&d)?.debounced;
    let end = line.toggle(21, false, 1000)?;
    check!(end, "21 toggles from low end high");
    let up = collect(fd, 1, WAIT_MS)?;
    check_edges("sim-bouncy press", &up, &[(Edge::Rising, true)])?;
    quiet("sim-bouncy after the press", fd, (WINDOW_MS + 100) as i32)?;
    let merged = stats(&d)?.debounced - before;
    check!(
        (1..=20).contains(&merged),
        "press: {merged} interrupts merged"
    );
    let before = stats(&d)?.debounced;
    line.toggle(20, true, 1000)?;
    sleep_ms(WINDOW_MS + 100);
    quiet("sim-bouncy burst ending high", fd, 1)?;
    let merged = stats(&d)?.debounced - before;
    check!(
        (1..=20).contains(&merged),
        "burst ending high: {merged} interrupts merged"
    );
    line.settle(false, WINDOW_MS + 100)?;
    let down = collect(fd, 1, WAIT_MS)?;
    check_edges("sim-bouncy release", &down, &[(Edge::Falling, false)])
}

/// `RPOLL_IOC_GET_LEVEL` reads the sleeping line (in process context).
pub fn sim_level_ioctl_follows_line() -> TestResult {
    let line = SimLine::new(0)?;
    let d = Device::open_nonblocking("sim-key").map_err(|e| e.to_string())?;
    for level in [true, false, true, false] {
        line.settle(level, 30)?;
        let l = d.level().map_err(|e| format!("GET_LEVEL: {e}"))?;
        check!(l == level, "GET_LEVEL {l} with the line at {level}");
    }
    Ok(())
}

/// 20 presses with nobody reading a queue of 8: the 8 newest are kept and
/// the first of them counts the 12 dropped; the counters add up. Each
/// release waits until its press was recorded: a press released before the
/// interrupt's thread read the line would be one merged interrupt, not a
/// record (what `sim_bouncy_press_is_one_press` is about), and how soon the
/// thread runs depends on the host.
pub fn sim_overflow_accounted() -> TestResult {
    let line = SimLine::new(1)?;
    line.settle(false, 10)?;
    let d = Device::open_nonblocking("sim-rise").map_err(|e| e.to_string())?;
    let before = stats(&d)?;
    for i in 1..=20 {
        line.set(true)?;
        let start = std::time::Instant::now();
        while stats(&d)?.produced < before.produced + i {
            check!(
                start.elapsed().as_millis() < WAIT_MS as u128,
                "press {i} not recorded: {:?}",
                stats(&d)?
            );
            sleep_ms(1);
        }
        line.set(false)?;
        sleep_ms(2);
    }
    let recs = drain(d.owned_fd())?;
    check!(recs.len() == 8, "{} records queued, want 8", recs.len());
    check!(
        recs[0].lost == 12,
        "first record counts {} lost, want 12",
        recs[0].lost
    );
    check_sequence(before.produced, &recs)?;
    check_identity(&stats(&d)?)
}

/// The simulator unbound under blocked readers (an expander going away):
/// the driver core unbinds its consumers first, so a blocked read gets
/// `ENODEV` and a poller `EPOLLHUP`; bound again, the chip and then the
/// device work as before.
pub fn sim_chip_unbound_under_readers() -> TestResult {
    // Twice: the device tree's fw_devlink links the consumers only to the
    // chip's first gpio_device; rpoll links itself to the controller at
    // every probe, so the second removal unbinds it too.
    for round in 0..2 {
        let pfd = open("sim-poll")?;
        unbind_under_blocked_readers(open("sim-key")?, &pfd, || {
            sysfs_write("/sys/bus/platform/drivers/gpio-sim/unbind", SIM_PDEV)
        })
        .map_err(|e| format!("removal {round}: {e}"))?;
        drop(pfd);
        sysfs_write("/sys/bus/platform/drivers/gpio-sim/bind", SIM_PDEV)?;
        bind_sim_devices()?;
    }
    let line = SimLine::new(0)?;
    line.settle(false, 20)?;
    let d = Device::open_nonblocking("sim-key").map_err(|e| e.to_string())?;
    line.set(true)?;
    sleep_ms(20);
    line.set(false)?;
    let recs = collect(d.owned_fd(), 2, WAIT_MS)?;
    check_edges(
        "rebound sim-key",
        &recs,
        &[(Edge::Rising, true), (Edge::Falling, false)],
    )
}

/// Readers opening while the line toggles as fast as the guest can write
/// it, each asking for its initial record: every reader's first record is
/// the initial one, its seq the last event's before the open, and the
/// reader's edges alternate from that level (none fell in between). Asked
/// after a read it is refused (`EBUSY`); a timer has none (`ENOTTY`).
pub fn initial_record_has_no_gap_to_the_first_edge() -> TestResult {
    let line = SimLine::new(6)?;
    line.settle(false, 10)?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let toggler = {
        let stop = stop.clone();
        std::thread::spawn(move || -> Result<u64, String> {
            let line = SimLine::new(6)?;
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                line.set(n.is_multiple_of(2))?;
                n += 1;
            }
            Ok(n)
        })
    };
    let mut checked = 0;
    let mut edges_seen = 0;
    let result = (|| {
        for round in 0..40 {
            let d = Device::open_nonblocking("sim-fast").map_err(|e| e.to_string())?;
            d.want_initial().map_err(|e| format!("WANT_INITIAL: {e}"))?;
            sleep_ms(3 + round % 5);
            let recs = drain(d.owned_fd())?;
            let first = recs.first().ok_or("no initial record")?;
            check!(
                first.initial(),
                "round {round}: first record {first:?} is not initial"
            );
            let mut level = first.level().ok_or("initial record without a level")?;
            let mut seq = first.seq;
            for r in &recs[1..] {
                check!(!r.initial(), "round {round}: a second initial record");
                let l = r.level().ok_or("not a GPIO record")?;
                check!(
                    l != level,
                    "round {round}: seq {} to level {l} after level {level}: an edge fell between",
                    r.seq
                );
                check!(
                    r.seq == seq + 1 + u64::from(r.lost),
                    "round {round}: seq {} after {seq} with lost {}",
                    r.seq,
                    r.lost
                );
                (level, seq) = (l, r.seq);
                edges_seen += 1;
            }
            let e = d.want_initial().err().and_then(|e| e.raw_os_error());
            check!(e == Some(libc::EBUSY), "WANT_INITIAL after a read: {e:?}");
            checked += 1;
        }
        Ok(())
    })();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = toggler.join().map_err(|_| "toggler panicked")??;
    result?;
    check!(
        edges_seen > 0,
        "no edge during {checked} readers ({writes} writes)"
    );
    let t = Device::open_nonblocking("idle").map_err(|e| e.to_string())?;
    let e = t.want_initial().err().and_then(|e| e.raw_os_error());
    check!(e == Some(libc::ENOTTY), "WANT_INITIAL on a timer: {e:?}");
    println!("guest note: initial records: {checked} readers, {edges_seen} edges after them, {writes} writes");
    // The tool: the first line is the initial one; a timer is refused.
    let out = std::process::Command::new("rpoll")
        .args(["watch", "--initial-state", "--count", "1", "sim-fast"])
        .output()
        .map_err(|e| format!("rpoll: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    check!(
        out.status.success() && text.contains(" initial "),
        "rpoll watch --initial-state: {text}"
    );
    let out = std::process::Command::new("rpoll")
        .args(["watch", "--initial-state", "tick"])
        .output()
        .map_err(|e| format!("rpoll: {e}"))?;
    let err = String::from_utf8_lossy(&out.stderr);
    check!(
        out.status.code() == Some(1) && err.contains("--initial-state needs a GPIO device"),
        "on a timer: {:?} {err}",
        out.status.code()
    );
    Ok(())
}
