//! Promises of the README that need their own test: queued records survive
//! an unbind, the timer keeps its grid (no drift), stamps its expiries,
//! follows its reader's CPU and counts the periods a late callback skips, a partly faulting read loses only what it could not
//! copy, a new period applies at once to every reader, privilege is checked
//! before anything else, the CLI's error messages, and the sysfs link from
//! the misc device to its platform device.

use std::os::fd::AsRawFd;
use std::process::Command;
use std::time::{Duration, Instant};

use rpoll::Device;
use rpoll_uapi::{RpollEvent, RpollStats, RPOLL_EVENT_SIZE, RPOLL_IOC_SET_PERIOD};

use crate::check;
use crate::dev::*;

const IN: u32 = (libc::EPOLLIN | libc::EPOLLRDNORM) as u32;
const HUP: u32 = (libc::EPOLLHUP | libc::EPOLLERR) as u32;

fn stats(d: &Device) -> Result<RpollStats, String> {
    d.stats().map_err(|e| format!("STATS: {e}"))
}

fn set_period(d: &Device, us: u32) -> TestResult {
    d.set_period_us(us)
        .map_err(|e| format!("SET_PERIOD {us}: {e}"))
}

/// After unbind, records already queued stay readable (poll says
/// `EPOLLIN | EPOLLHUP | EPOLLERR` while they last), then `read` gives
/// `ENODEV` and poll `EPOLLHUP | EPOLLERR` alone.
pub fn unbind_keeps_queued_records_readable() -> TestResult {
    let d = Device::open_nonblocking("gone").map_err(|e| e.to_string())?;
    let fd = d.owned_fd();
    wait_queued(&d, 5, 5000)?;
    unbind("gone")?;
    let result = (|| {
        let s = stats(&d)?;
        check!(s.queued >= 5, "queued after unbind: {s:?}");
        let ep = Epoll::new();
        ep.add(fd, IN, 1)?;
        let evs = ep.wait(0).map_err(|e| format!("epoll_wait: errno {e}"))?;
        check!(
            evs.len() == 1 && evs[0].1 & (IN | HUP) == IN | HUP,
            "epoll with records left after unbind: {evs:?}"
        );
        let recs = drain_until_enodev(fd)?;
        check!(
            recs.len() as u64 == s.queued,
            "read {} records after unbind, {} were queued",
            recs.len(),
            s.queued
        );
        check_sequence(s.base + s.delivered, &recs)?;
        check!(
            recs.last().map(|r| r.seq) == Some(s.produced),
            "last record is not the last produced ({})",
            s.produced
        );
        let evs = ep.wait(0).map_err(|e| format!("epoll_wait: errno {e}"))?;
        check!(
            evs.len() == 1 && evs[0].1 & HUP == HUP && evs[0].1 & IN == 0,
            "epoll once drained: {evs:?}"
        );
        Ok(())
    })();
    drop(d);
    bind("gone")?;
    result
}

/// Reads a non-blocking fd of an unbound device until `ENODEV`.
fn drain_until_enodev(fd: &std::os::fd::OwnedFd) -> Result<Vec<RpollEvent>, String> {
    let mut out = Vec::new();
    loop {
        match read_batch(fd, 7) {
            Ok(v) if v.is_empty() => return Err("read returned 0 bytes".into()),
            Ok(v) => out.extend(v),
            Err(libc::ENODEV) => return Ok(out),
            Err(e) => return Err(format!("read after unbind: errno {e}")),
        }
    }
}

/// Switches `fd` between blocking and non-blocking reads.
fn set_nonblocking(fd: &std::os::fd::OwnedFd, on: bool) {
    let flags = if on { libc::O_NONBLOCK } else { 0 };
    // SAFETY: F_SETFL on our own open descriptor.
    unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags) };
}

/// Runs `dev` at `period_us` from a stopped state until `until` says stop;
/// returns the records of that run and the stats before and after. The
/// device is parked on a period far longer than the test before and after,
/// so the bracketing stats contain exactly the records of the run.
fn timed_run(
    d: &Device,
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
    let before = stats(d)?;
    check!(
        before.queued == 0,
        "records left before the run: {before:?}"
    );
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
    let (recs, before, after) = timed_run(&d, P_US, |r| r.len() >= N)?;
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

/// Confines the calling thread to `cpus`.
fn run_on(cpus: impl IntoIterator<Item = usize>) -> TestResult {
    // SAFETY: `cpu_set_t` is plain data; all zeroes is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for cpu in cpus.into_iter().filter(|&c| c < libc::CPU_SETSIZE as usize) {
        // SAFETY: `set` is a valid `cpu_set_t` and `cpu` is below `CPU_SETSIZE`.
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    // SAFETY: `set` is a valid `cpu_set_t` of the size passed.
    let r = unsafe { libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set) };
    check!(
        r == 0,
        "sched_setaffinity: {}",
        std::io::Error::last_os_error()
    );
    Ok(())
}

/// Pins the calling thread to `cpu`.
fn pin_to(cpu: usize) -> TestResult {
    run_on([cpu])
}

/// Lets the calling thread run on every CPU again.
fn pin_to_all() -> TestResult {
    run_on(0..libc::CPU_SETSIZE as usize)
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
    let before = stats(&d)?;
    let mut recs: Vec<RpollEvent> = Vec::new();
    let mut seen = Vec::new();
    let result: TestResult = (|| {
        for cpu in [1, 0, 1] {
            pin_to(cpu)?;
            let start = Instant::now();
            while start.elapsed() < Duration::from_millis(300) {
                recs.extend(read_batch(fd, 64).map_err(|e| format!("read: errno {e}"))?);
            }
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
    check_sequence(before.base + before.delivered, &recs)?;
    let lost: u64 = recs.iter().map(|r| u64::from(r.lost)).sum();
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
    let path = format!("/sys/devices/system/cpu/cpu{cpu}/online");
    std::fs::write(&path, if online { "1" } else { "0" }).map_err(|e| format!("{path}: {e}"))
}

/// The timer's CPU goes offline under a reader: the kernel migrates the
/// hrtimer, the timer keeps its grid and the reader loses nothing; the
/// callback then reports the CPU it runs on (debugfs `timer_cpu`).
pub fn timer_survives_its_cpu_going_offline() -> TestResult {
    const P_US: u64 = 1000;
    let d = Device::open("follow").map_err(|e| e.to_string())?;
    let fd = d.owned_fd();
    let before = stats(&d)?;
    let mut recs: Vec<RpollEvent> = Vec::new();
    let read_for = |recs: &mut Vec<RpollEvent>, ms: u64| -> TestResult {
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(ms) {
            recs.extend(read_batch(fd, 64).map_err(|e| format!("read: errno {e}"))?);
        }
        Ok(())
    };
    let result: TestResult = (|| {
        pin_to(1)?;
        read_for(&mut recs, 300)?;
        let on = debug_state("follow")?.num("timer_cpu");
        check!(on == 1, "timer on CPU {on} after reading on CPU 1");
        pin_to_all()?;
        set_online(1, false)?;
        read_for(&mut recs, 300)?;
        let now_on = debug_state("follow")?.num("timer_cpu");
        check!(now_on == 0, "timer on CPU {now_on} with CPU 1 offline");
        Ok(())
    })();
    let back = set_online(1, true);
    pin_to_all()?;
    result?;
    back?;
    let after = stats(&d)?;
    check_sequence(before.base + before.delivered, &recs)?;
    let lost: u64 = recs.iter().map(|r| u64::from(r.lost)).sum();
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
    let (recs, before, after) =
        timed_run(&d, P_US, |_| start.elapsed() > Duration::from_millis(300))?;
    let p = u64::from(P_US) * 1000;
    let overruns = after.overruns - before.overruns;
    check!(
        overruns > 0,
        "no overrun at a {P_US} us period ({} records)",
        recs.len()
    );
    let span = recs[recs.len() - 1].timestamp_ns - recs[0].timestamp_ns;
    let measured = (span + p / 2) / p;
    let records = (recs.len() - 1) as u64;
    // Overruns of the last callback are periods after the last record.
    let counted = records + overruns;
    let tolerance = (counted / 50).max(20);
    check!(
        measured + tolerance >= records && measured <= counted + tolerance,
        "{measured} periods elapsed between first and last record; {records} records + {overruns} overruns = {counted} (tolerance {tolerance})"
    );
    check!(
        overruns <= measured,
        "{overruns} overruns but only {measured} periods elapsed"
    );
    println!(
        "guest note: overruns: {records} records, {overruns} overruns, {measured} periods elapsed at {P_US} us"
    );
    Ok(())
}

/// A read whose buffer faults part-way copies the records that fit, returns
/// their size, and reports the records it had taken but could not copy as
/// lost on the next record; the accounting identity holds throughout.
pub fn partial_read_fault_accounted() -> TestResult {
    let d = Device::open("rpoll-ms").map_err(|e| e.to_string())?;
    let fd = d.owned_fd();
    wait_queued(&d, 12, 5000)?;
    // SAFETY: sysconf is always safe.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    // Two pages, the second unmapped: the buffer holds two records before
    // the hole.
    // SAFETY: anonymous mapping owned by this test, unmapped below.
    let map = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            2 * page,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    check!(map != libc::MAP_FAILED, "mmap: errno {}", errno());
    // SAFETY: unmapping the second page of our own mapping.
    unsafe { libc::munmap(map.cast::<u8>().add(page).cast(), page) };
    // SAFETY: the first page is ours; the read may fault past it.
    let buf = unsafe { map.cast::<u8>().add(page - 2 * RPOLL_EVENT_SIZE) };
    let before = stats(&d)?;
    // SAFETY: the kernel checks the buffer; the hole is deliberate.
    let n = unsafe { libc::read(fd.as_raw_fd(), buf.cast(), 8 * RPOLL_EVENT_SIZE) };
    let err = errno();
    let mut got = [[0u8; RPOLL_EVENT_SIZE]; 2];
    for (i, g) in got.iter_mut().enumerate() {
        // SAFETY: both records lie in the mapped page.
        unsafe {
            std::ptr::copy_nonoverlapping(
                buf.add(i * RPOLL_EVENT_SIZE),
                g.as_mut_ptr(),
                RPOLL_EVENT_SIZE,
            )
        };
    }
    // SAFETY: unmapping the first page of our mapping.
    unsafe { libc::munmap(map, page) };
    // The copy stops at the hole, possibly inside the second record: whole
    // records only, at least one.
    check!(
        n == RPOLL_EVENT_SIZE as isize || n == 2 * RPOLL_EVENT_SIZE as isize,
        "read into a buffer with 2 records before a hole returned {n} (errno {err})"
    );
    let copied = n as usize / RPOLL_EVENT_SIZE;
    let recs: Vec<RpollEvent> = got[..copied].iter().map(RpollEvent::from_bytes).collect();
    check_sequence(before.base + before.delivered, &recs)?;
    let after = stats(&d)?;
    check!(
        after.delivered == before.delivered + copied as u64,
        "{copied} records copied, delivered {} -> {}",
        before.delivered,
        after.delivered
    );
    let faulted = after.lost - before.lost;
    check!(
        faulted >= 1,
        "records taken but not copied were not counted as lost"
    );
    check_identity(&after)?;
    let last = recs[copied - 1].seq;
    let next = read_one(fd)?;
    check!(
        next.seq == last + 1 + u64::from(next.lost) && u64::from(next.lost) >= faulted,
        "next record {next:?} after seq {last} does not report the {faulted} faulted records"
    );
    Ok(())
}

/// SET_PERIOD from one file applies at once to the device: a change from a
/// 2 s period to 1 ms is seen by another reader within milliseconds, and
/// INFO shows it on every file.
pub fn set_period_applies_at_once_device_wide() -> TestResult {
    let a = Device::open("retune").map_err(|e| e.to_string())?;
    let b = Device::open_nonblocking("retune").map_err(|e| e.to_string())?;
    let t = Instant::now();
    set_period(&a, 1000)?;
    let result = (|| {
        let ep = Epoll::new();
        ep.add(b.owned_fd(), IN, 2)?;
        let evs = ep
            .wait(1000)
            .map_err(|e| format!("epoll_wait: errno {e}"))?;
        let waited = t.elapsed();
        check!(
            evs.len() == 1,
            "other reader saw no record within 1 s of the change to 1 ms"
        );
        check!(
            waited < Duration::from_millis(500),
            "first record after the change took {waited:?} (old period 2 s)"
        );
        let info = b.info().map_err(|e| format!("INFO: {e}"))?;
        check!(
            info.period_us == 1000,
            "INFO on the other file: {}",
            info.period_us
        );
        let recs = read_n(a.owned_fd(), 20)?;
        let mean = (recs[19].timestamp_ns - recs[0].timestamp_ns) / 19;
        check!(
            mean < 100_000_000,
            "records {mean} ns apart after the change to 1 ms"
        );
        Ok(())
    })();
    set_period(&a, 2_000_000)?;
    result
}

/// Privilege is checked first: an unprivileged SET_PERIOD gets `EPERM` even
/// on an interrupt device, where a privileged one gets `EOPNOTSUPP`.
pub fn unprivileged_set_period_on_irq_is_eperm() -> TestResult {
    let d = Device::open("button").map_err(|e| e.to_string())?;
    let fd = d.owned_fd().as_raw_fd();
    let set = move || {
        let v = 500_000u32;
        // SAFETY: SET_PERIOD reads a u32 from a valid pointer.
        let r = unsafe { libc::ioctl(fd, RPOLL_IOC_SET_PERIOD as _, &v as *const u32) };
        if r < 0 {
            errno()
        } else {
            0
        }
    };
    let unprivileged = as_nobody(set)?;
    check!(
        unprivileged == libc::EPERM,
        "unprivileged SET_PERIOD on an irq device: errno {unprivileged}"
    );
    check!(
        set() == libc::EOPNOTSUPP,
        "privileged SET_PERIOD on an irq device is not EOPNOTSUPP"
    );
    Ok(())
}

/// The CLI explains the two errors a user meets most: no permission, and a
/// device unbound under a running `rpoll watch`.
pub fn cli_reports_permission_and_unbind() -> TestResult {
    let (status, err) = run_as_nobody(&["rpoll", "stats", "tick"])?;
    check!(
        status != 0 && err.contains("permission denied: run as root"),
        "rpoll stats as nobody: exit {status}, stderr {err}"
    );

    let child = Command::new("rpoll")
        .args(["watch", "idle"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("rpoll watch: {e}"))?;
    // Wait until the watcher has the device open.
    let start = Instant::now();
    while debug_state("idle")?.num("readers") == 0 {
        check!(
            start.elapsed() < Duration::from_secs(5),
            "rpoll watch never opened idle"
        );
        sleep_ms(10);
    }
    unbind("idle")?;
    let out = child.wait_with_output();
    bind("idle")?;
    let out = out.map_err(|e| format!("rpoll watch: {e}"))?;
    let err = String::from_utf8_lossy(&out.stderr);
    check!(
        !out.status.success() && err.contains("the device went away (unbound)"),
        "rpoll watch across unbind: status {}, stderr {err}",
        out.status
    );
    Ok(())
}

/// `/sys/class/misc/rpoll-<label>/device` leads to the node's platform
/// device, bound to rpoll and carrying its device-tree node, so udev rules
/// can match the parent; distinct devices have distinct minors.
pub fn misc_device_links_to_platform_device() -> TestResult {
    for (label, node) in [
        ("tick", "tick"),
        ("rpoll-ms", "rpoll-ms"),
        ("button", "button"),
    ] {
        let link = format!("/sys/class/misc/rpoll-{label}/device");
        let target = std::fs::canonicalize(&link).map_err(|e| format!("{link}: {e}"))?;
        let t = target.to_string_lossy();
        check!(
            t.starts_with("/sys/devices/platform/") && t.ends_with(&format!("/{node}")),
            "{link} -> {t}"
        );
        let driver =
            std::fs::canonicalize(target.join("driver")).map_err(|e| format!("{t}/driver: {e}"))?;
        check!(
            driver.ends_with("rpoll"),
            "{t}/driver -> {}",
            driver.display()
        );
        let of_name = std::fs::read_to_string(target.join("of_node/name"))
            .map_err(|e| format!("{t}/of_node/name: {e}"))?;
        check!(
            of_name.trim_end_matches('\0') == node,
            "{t}/of_node/name = {of_name:?}"
        );
    }
    Ok(())
}
