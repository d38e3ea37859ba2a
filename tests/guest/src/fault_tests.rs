//! Faults survived: rpoll's error paths under systematic fault injection
//! (`rpoll::fault`, per-task `fail-nth` on failslab, fail_page_alloc and
//! fail_usercopy). Every fault site reached by a bind (probe runs in the
//! writer's context) of the timer, interrupt and GPIO nodes, by an open, a
//! read, each ioctl and an insmod is made to fail in turn; after each run
//! the operation must have failed cleanly (nothing half-made, nothing held)
//! or succeeded completely, and the device must work again: bind succeeds,
//! a reader gets the next event, the accounting identity holds. Then a
//! kmemleak scan, and one figures line.
//!
//! Usage: `rpoll-fault-tests`, on the debug kernel with the board DTB of
//! QEMU virt (`tick`, `key` on PL061 line 4, `button` on line 3's
//! interrupt) and the host's `scripts/board-io agent` for presses.

use std::cell::RefCell;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

use rpoll::{Clock, Device};
use rpoll_guest_tests::check;
use rpoll_guest_tests::dev::*;
use rpoll_guest_tests::fault::{self, cvt, FailNth, Kmsg, Run, Walk};
use rpoll_guest_tests::kmemleak;
use rpoll_uapi::{
    Edge, RpollEvent, RPOLL_EVENT_SIZE, RPOLL_SOURCE_GPIO, RPOLL_SOURCE_IRQ, RPOLL_SOURCE_TIMER,
};

/// A walk that reaches more sites than this is stuck.
const MAX_RUNS: u32 = 5000;
/// How long a device may take to produce the event a check waits for.
const EVENT_MS: i32 = 10_000;
/// The key's PL061 line.
const KEY_LINE: u32 = 4;

/// The kind of source behind a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Timer,
    Irq,
    Gpio,
}

/// A DT node of the board overlay: its platform device (and label) and kind.
#[derive(Clone, Copy, Debug)]
struct Node {
    name: &'static str,
    kind: Kind,
}

const TICK: Node = Node {
    name: "tick",
    kind: Kind::Timer,
};
const BUTTON: Node = Node {
    name: "button",
    kind: Kind::Irq,
};
const KEY: Node = Node {
    name: "key",
    kind: Kind::Gpio,
};
const NODES: [Node; 3] = [TICK, BUTTON, KEY];

/// Counts per operation, printed in the figures line.
#[derive(Default)]
struct Figures {
    bind: Walk,
    open: Walk,
    read: Walk,
    ioctl: Walk,
    ioctls: Vec<(&'static str, u32)>,
    insmod: Walk,
    debugfs_missing: u32,
    leaks: usize,
    splats: usize,
    /// Allow-listed kernel-side reports met (`/etc/rpoll/kernel-reports`).
    kernel_reports: usize,
}

fn errno_of(e: std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(libc::EIO)
}

fn is_bound(n: Node) -> bool {
    Path::new(&format!("/sys/bus/platform/devices/{}/driver", n.name)).exists()
}

/// Lines of /proc/interrupts requested by rpoll.
fn rpoll_irq_lines() -> usize {
    std::fs::read_to_string("/proc/interrupts")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("rpoll"))
        .count()
}

/// Nothing of the node's device is left: not bound, no device node, no
/// debugfs directory, its GPIO line free, no more rpoll interrupts than
/// `irq_lines` (the count without it).
fn absent(n: Node, irq_lines: usize) -> TestResult {
    check!(!is_bound(n), "{} is bound", n.name);
    for p in [
        format!("/dev/rpoll-{}", n.name),
        format!("/sys/kernel/debug/rpoll-{}", n.name),
    ] {
        check!(!Path::new(&p).exists(), "{p} exists");
    }
    if n.kind == Kind::Gpio {
        let c = gpio_consumer(KEY_LINE)?;
        check!(c.is_empty(), "GPIO line {KEY_LINE} still held by '{c}'");
    }
    let l = rpoll_irq_lines();
    check!(l <= irq_lines, "{l} rpoll interrupts, {irq_lines} expected");
    Ok(())
}

/// The node's device is complete: bound, its device node opens, INFO says
/// what the DT says, the GPIO line is held; with `event`, a reader gets
/// the next event and the accounting identity holds. A missing debugfs
/// directory is allowed (debugfs failures are not fatal by kernel policy)
/// and counted.
fn complete(n: Node, event: bool, figs: &RefCell<Figures>) -> TestResult {
    check!(is_bound(n), "{} not bound", n.name);
    let d = Device::open_nonblocking(n.name).map_err(|e| format!("open {}: {e}", n.name))?;
    let info = d.info().map_err(|e| format!("INFO: {e}"))?;
    let want = match n.kind {
        Kind::Timer => RPOLL_SOURCE_TIMER,
        Kind::Irq => RPOLL_SOURCE_IRQ,
        Kind::Gpio => RPOLL_SOURCE_GPIO,
    };
    check!(info.source == want, "{}: source {}", n.name, info.source);
    if n.kind == Kind::Gpio {
        let c = gpio_consumer(KEY_LINE)?;
        check!(c == "rpoll-key", "GPIO line {KEY_LINE} held by '{c}'");
    }
    if !Path::new(&format!("/sys/kernel/debug/rpoll-{}/state", n.name)).exists() {
        figs.borrow_mut().debugfs_missing += 1;
    }
    if event {
        next_event(n, &d)?;
    }
    Ok(())
}

/// Makes the node's source produce an event and reads it from `d`.
fn next_event(n: Node, d: &Device) -> TestResult {
    let fd = d.owned_fd();
    match n.kind {
        Kind::Timer => {
            d.set_period_us(1000)
                .map_err(|e| format!("SET_PERIOD: {e}"))?;
            let r = collect(fd, 1, EVENT_MS)?;
            check!(!r.is_empty(), "no tick within {EVENT_MS} ms");
        }
        Kind::Irq => {
            press_button()?;
            let r = collect(fd, 1, EVENT_MS)?;
            check!(r.len() == 1, "press gave {} records", r.len());
        }
        Kind::Gpio => {
            for (level, edge) in [(true, Edge::Rising), (false, Edge::Falling)] {
                gpio_drive(&format!("{KEY_LINE}={}", u8::from(level)));
                let r = collect(fd, 1, EVENT_MS)?;
                check!(
                    r.len() == 1 && r[0].edge() == Some(edge) && r[0].level() == Some(level),
                    "line {KEY_LINE} set to {}: {r:?}",
                    u8::from(level)
                );
            }
        }
    }
    identity(d)
}

/// The accounting identity of file `d` now.
fn identity(d: &Device) -> TestResult {
    check_identity(&d.stats().map_err(|e| format!("STATS: {e}"))?)
}

/// Binds cleanly (no fault armed), checks the device with an event, and
/// unbinds again.
fn bind_check_unbind(n: Node, figs: &RefCell<Figures>) -> TestResult {
    bind(n.name)?;
    complete(n, true, figs)?;
    unbind(n.name)
}

/// Of `lines`, those the runner would call a splat (its patterns, shipped
/// as /etc/rpoll/splat-patterns, matched by the guest's grep).
fn splats(lines: &[String]) -> Result<Vec<String>, String> {
    let (pats, log) = ("/tmp/splat-patterns", "/tmp/fresh.log");
    let text = std::fs::read_to_string("/etc/rpoll/splat-patterns")
        .map_err(|e| format!("splat patterns: {e}"))?;
    let pat_lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    std::fs::write(pats, pat_lines.join("\n")).map_err(|e| format!("{pats}: {e}"))?;
    std::fs::write(log, lines.join("\n")).map_err(|e| format!("{log}: {e}"))?;
    let m = std::process::Command::new("grep")
        .args(["-E", "-f", pats, log])
        .output()
        .map_err(|e| format!("grep: {e}"))?;
    Ok(String::from_utf8_lossy(&m.stdout)
        .lines()
        .map(str::to_string)
        .collect())
}

/// Splits `lines` into the allow-listed kernel-side reports they hold and
/// the rest, with the runner's own filter (tests/lib/allow-reports, shipped
/// as /etc/rpoll/allow-reports with its list /etc/rpoll/kernel-reports,
/// run by the guest's shell and awk): a whole report, "cut here" to "end
/// trace", whose WARNING line matches an entry and whose call trace shows
/// the entry's function. Returns the rest and the ids of the reports taken
/// out; the rest still goes through the splat patterns, so any other
/// report fails the walk.
fn allowed_reports(lines: &[String]) -> Result<(Vec<String>, Vec<String>), String> {
    let log = "/tmp/fresh-reports.log";
    std::fs::write(log, lines.join("\n") + "\n").map_err(|e| format!("{log}: {e}"))?;
    let out = std::process::Command::new("sh")
        .args(["/etc/rpoll/allow-reports", "/etc/rpoll/kernel-reports", log])
        .output()
        .map_err(|e| format!("allow-reports: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "allow-reports failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let rest = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let ids = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("allow-listed kernel report "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_string)
        .collect();
    Ok((rest, ids))
}

/// Of `lines`, rpoll's complaints about a malformed property: the board
/// DTB's nodes are all valid, so under fault injection such a message
/// misreports an error (e.g. ENOMEM) as a device-tree problem.
fn property_complaints(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.starts_with("rpoll ") && l.contains(": property '"))
        // "... cannot be requested (error -12)" passes the errno on: fine.
        .filter(|l| !l.contains("(error -"))
        .cloned()
        .collect()
}

/// Walks the fault sites of binding node `n` (a write to the driver's
/// `bind` file: probe runs in the writer's context).
fn bind_walk(fnth: &FailNth, n: Node, figs: &RefCell<Figures>) -> Result<Walk, String> {
    if is_bound(n) {
        unbind(n.name)?;
    }
    let irq_lines = rpoll_irq_lines();
    absent(n, irq_lines)?;
    let bind_file = std::fs::OpenOptions::new()
        .write(true)
        .open("/sys/bus/platform/drivers/rpoll/bind")
        .map_err(|e| format!("bind file: {e}"))?;
    let name = n.name.as_bytes();
    let w = fault::walk(
        fnth,
        MAX_RUNS,
        || {
            // SAFETY: writes `name`, which outlives the call, to our own fd.
            cvt(unsafe { libc::pwrite(bind_file.as_raw_fd(), name.as_ptr().cast(), name.len(), 0) })
        },
        |run: &Run<isize>| {
            if run.result.is_ok() {
                complete(n, true, figs)?;
                unbind(n.name)?;
            } else {
                absent(n, irq_lines)?;
                bind_check_unbind(n, figs)?;
            }
            absent(n, irq_lines)
        },
    )?;
    bind(n.name)?;
    complete(n, true, figs)?;
    Ok(w)
}

/// Walks the fault sites of opening `/dev/rpoll-tick` while another file
/// (`keeper`, the only reader) stays open.
fn open_walk(fnth: &FailNth, figs: &RefCell<Figures>) -> Result<Walk, String> {
    let keeper = Device::open_nonblocking("tick").map_err(|e| e.to_string())?;
    keeper.set_period_us(1000).map_err(|e| e.to_string())?;
    let path = CString::new("/dev/rpoll-tick").unwrap();
    fault::walk(
        fnth,
        MAX_RUNS,
        // SAFETY: a valid C string; the fd is owned by the check below.
        || cvt(unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_NONBLOCK) } as isize),
        |run: &Run<isize>| {
            if let Ok(fd) = run.result {
                // SAFETY: the fd the open returned, owned from here on.
                let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
                let r = collect(&fd, 1, EVENT_MS)?;
                check!(!r.is_empty(), "file opened under a fault gets no event");
            }
            let st = debug_state("tick")?;
            check!(
                st.readers.len() == 1,
                "{} readers registered with one file open",
                st.readers.len()
            );
            complete(TICK, true, figs)?;
            identity(&keeper)
        },
    )
}

/// Walks the fault sites of a read of 8 records from a 1 ms timer: a
/// faulted read's records are counted as lost on the next one.
fn read_walk(fnth: &FailNth) -> Result<Walk, String> {
    let d = Device::open_nonblocking("tick").map_err(|e| e.to_string())?;
    d.set_period_us(1000).map_err(|e| e.to_string())?;
    let mut seen = collect(d.owned_fd(), 1, EVENT_MS)?;
    seen.extend(drain(d.owned_fd())?);
    // Every record read so far moves the starting point.
    let mut prev = seen.last().ok_or("no tick")?.seq;
    let mut buf = vec![0u8; 8 * RPOLL_EVENT_SIZE];
    let cap = buf.len();
    let fd = d.owned_fd().as_raw_fd();
    let bufp = buf.as_mut_ptr();
    wait_queued(&d, 2, EVENT_MS as u64)?;
    let mut faulted = 0u32;
    let w = fault::walk(
        fnth,
        MAX_RUNS,
        // SAFETY: `buf` outlives the walk and holds `cap` bytes.
        || cvt(unsafe { libc::read(fd, bufp.cast(), cap) }),
        |run: &Run<isize>| {
            let recs: Vec<RpollEvent> = match run.result {
                Ok(n) => {
                    check!(
                        n > 0 && (n as usize).is_multiple_of(RPOLL_EVENT_SIZE),
                        "read returned {n} bytes"
                    );
                    // SAFETY: the read wrote `n` bytes of `buf`.
                    let bytes = unsafe { std::slice::from_raw_parts(bufp, n as usize) };
                    bytes
                        .chunks_exact(RPOLL_EVENT_SIZE)
                        .map(|c| RpollEvent::from_bytes(c.try_into().unwrap()))
                        .collect()
                }
                Err(e) => {
                    check!(e == libc::EFAULT, "faulted read gave errno {e}, not EFAULT");
                    faulted += 1;
                    identity(&d)?;
                    collect(d.owned_fd(), 1, EVENT_MS)?
                }
            };
            check!(!recs.is_empty(), "no record after the run");
            check_sequence(prev, &recs)?;
            if run.result.is_err() {
                check!(
                    recs[0].lost >= 1,
                    "the faulted read's records are not reported lost: {:?}",
                    recs[0]
                );
            }
            prev = recs.last().unwrap().seq;
            identity(&d)?;
            wait_queued(&d, 2, EVENT_MS as u64)
        },
    )?;
    check!(
        faulted > 0 || w.sites == 0,
        "no faulted read returned EFAULT"
    );
    Ok(w)
}

/// Walks the fault sites of each ioctl on a tick file; a failed ioctl
/// changes nothing. Returns the sum and the per-ioctl site counts.
fn ioctl_walk(fnth: &FailNth, figs: &RefCell<Figures>) -> Result<Walk, String> {
    let d = Device::open_nonblocking("tick").map_err(|e| e.to_string())?;
    d.set_period_us(1000).map_err(|e| e.to_string())?;
    let period = || -> Result<u32, String> { Ok(d.info().map_err(|e| e.to_string())?.period_us) };
    let mut total = Walk::default();
    type Op<'a> = Box<dyn FnMut() -> Result<i64, i32> + 'a>;
    let ops: Vec<(&'static str, Op)> = vec![
        (
            "info",
            Box::new(|| d.info().map(|i| i64::from(i.period_us)).map_err(errno_of)),
        ),
        (
            "stats",
            Box::new(|| d.stats().map(|s| s.produced as i64).map_err(errno_of)),
        ),
        (
            "set_clock",
            Box::new(|| d.set_clock(Clock::Boottime).map(|_| 0).map_err(errno_of)),
        ),
        (
            "flush",
            Box::new(|| d.flush().map(|n| n as i64).map_err(errno_of)),
        ),
        (
            "set_period",
            Box::new(|| d.set_period_us(2000).map(|_| 0).map_err(errno_of)),
        ),
    ];
    for (name, mut op) in ops {
        let w = fault::walk(fnth, MAX_RUNS, &mut op, |run: &Run<i64>| {
            match (name, &run.result) {
                ("info", Ok(p)) => {
                    check!(*p == 1000, "INFO period {p}");
                }
                ("set_period", Ok(_)) => {
                    check!(
                        period()? == 2000,
                        "SET_PERIOD succeeded, period {}",
                        period()?
                    );
                    d.set_period_us(1000).map_err(|e| e.to_string())?;
                }
                ("set_period", Err(_)) => {
                    check!(
                        period()? == 1000,
                        "failed SET_PERIOD changed the period to {}",
                        period()?
                    )
                }
                ("set_clock", Ok(_)) => d.set_clock(Clock::Monotonic).map_err(|e| e.to_string())?,
                _ => {}
            }
            identity(&d)?;
            let r = collect(d.owned_fd(), 1, EVENT_MS)?;
            check!(!r.is_empty(), "no tick after {name}");
            Ok(())
        })
        .map_err(|e| format!("{name}: {e}"))?;
        figs.borrow_mut().ioctls.push((name, w.sites));
        total.add(w);
    }
    complete(TICK, true, figs)?;
    Ok(total)
}

/// The module is not loaded and none of its devices exists.
fn module_absent() -> TestResult {
    check!(
        !Path::new("/sys/module/rpoll").exists(),
        "/sys/module/rpoll exists"
    );
    for n in NODES {
        absent(n, 0)?;
    }
    Ok(())
}

/// `init_module` with the module image in our memory, as insmod does. (Not
/// `finit_module`: its read of the file into a vmalloc buffer is not rpoll's
/// code and logs an allocation-failure report with a call trace when it
/// fails; `init_module` copies the image with `__GFP_NOWARN`.)
fn load(image: &[u8]) -> Result<isize, i32> {
    // SAFETY: `image` is valid for its length; empty argument string.
    cvt(unsafe {
        libc::syscall(
            libc::SYS_init_module,
            image.as_ptr(),
            image.len(),
            c"".as_ptr(),
        )
    } as isize)
}

/// Walks the fault sites of loading the module: the module loader, the
/// driver's registration, and one probe in the loading task (the timer's,
/// the smallest). The other nodes are kept unbound by `driver_override`:
/// their probes are the same code the bind walks cover site by site
/// (bind runs probe in the writer's task as insmod does), and walking each
/// again in every module load tripled the walk's time under KASAN.
const INSMOD_NODES: [Node; 1] = [TICK];
/// The nodes the walk keeps unbound.
const HELD_NODES: [Node; 2] = [BUTTON, KEY];

/// Sets (`"none"`) or clears (`"\n"`) the held nodes' `driver_override`.
fn hold(value: &str) -> TestResult {
    for n in HELD_NODES {
        let p = format!("/sys/bus/platform/devices/{}/driver_override", n.name);
        std::fs::write(&p, value).map_err(|e| format!("{p}: {e}"))?;
    }
    Ok(())
}

fn insmod_walk(fnth: &FailNth, figs: &RefCell<Figures>) -> Result<Walk, String> {
    rmmod_rpoll().map_err(|e| format!("rmmod before the walk: errno {e}"))?;
    module_absent()?;
    hold("none")?;
    let w = insmod_walk_runs(fnth, figs);
    hold("\n")?;
    for n in HELD_NODES {
        bind(n.name)?;
        complete(n, true, figs)?;
    }
    w
}

fn insmod_walk_runs(fnth: &FailNth, figs: &RefCell<Figures>) -> Result<Walk, String> {
    let image = std::fs::read("/lib/modules/rpoll.ko").map_err(|e| format!("rpoll.ko: {e}"))?;
    let w = fault::walk(
        fnth,
        MAX_RUNS,
        || load(&image),
        |run: &Run<isize>| {
            if run.result.is_ok() {
                // A probe that failed leaves its node unbound; the module
                // itself loaded. Each node is complete or absent.
                for n in HELD_NODES {
                    check!(!is_bound(n), "{} bound despite its driver_override", n.name);
                }
                for n in INSMOD_NODES {
                    if is_bound(n) {
                        complete(n, !run.injected, figs)?;
                    } else {
                        check!(run.injected, "{} not bound after a clean insmod", n.name);
                        absent(n, usize::MAX)?;
                    }
                }
                rmmod_rpoll().map_err(|e| format!("rmmod: errno {e}"))?;
            }
            module_absent()
        },
    )?;
    load(&image).map_err(|e| format!("insmod after the walk: errno {e}"))?;
    for n in INSMOD_NODES {
        complete(n, true, figs)?;
    }
    Ok(w)
}

/// Records one walk's counts and judges the kernel messages logged during
/// it: no splat, no error reported as a property error, and at least one
/// fault site reached.
fn record(
    what: &str,
    w: Result<Walk, String>,
    slot: impl FnOnce(&mut Figures) -> &mut Walk,
    figs: &RefCell<Figures>,
    kmsg: &Kmsg,
) -> TestResult {
    let w = w?;
    slot(&mut figs.borrow_mut()).add(w);
    println!(
        "fault: {what}: {} sites, {} errors, {} absorbed",
        w.sites, w.errors, w.absorbed
    );
    let (lines, allowed) = allowed_reports(&kmsg.fresh())?;
    for id in &allowed {
        // Named, not quoted: its own text would read as a report.
        println!("fault: {what}: allow-listed kernel report {id} (tests/lib/kernel-reports)");
    }
    figs.borrow_mut().kernel_reports += allowed.len();
    let s = splats(&lines)?;
    figs.borrow_mut().splats += s.len();
    check!(
        s.is_empty(),
        "kernel log during the {what} walk: {}",
        s.join(" | ")
    );
    let p = property_complaints(&lines);
    check!(
        p.is_empty(),
        "errors reported as property errors during the {what} walk: {}",
        p.join(" | ")
    );
    check!(w.sites > 0, "the {what} walk reached no fault site");
    Ok(())
}

fn main() {
    let figs = RefCell::new(Figures::default());
    let leak_check = kmemleak::built_in();
    let setup = || -> Result<FailNth, String> {
        fault::configure()?;
        fault::lock_memory(512 * 1024)?;
        FailNth::open()
    };
    let kmsg = match Kmsg::open() {
        Ok(k) => k,
        Err(e) => {
            println!("fault: {e}");
            std::process::exit(1);
        }
    };
    let fnth = match setup() {
        Ok(f) => Some(f),
        Err(e) => {
            println!("fault: setup failed: {e}");
            None
        }
    };
    if leak_check {
        if let Err(e) = kmemleak::baseline() {
            println!("fault: kmemleak unusable at start: {e}");
        }
    }
    let need = || {
        fnth.as_ref()
            .ok_or_else(|| "fault injection not set up".to_string())
    };

    let armed = || -> TestResult {
        let f = need()?;
        let null = CString::new("/dev/null").unwrap();
        let r = fault::walk(
            f,
            MAX_RUNS,
            // SAFETY: a valid C string.
            || cvt(unsafe { libc::open(null.as_ptr(), libc::O_RDONLY) } as isize),
            |run: &Run<isize>| {
                if let Ok(fd) = run.result {
                    // SAFETY: closing the fd this open returned.
                    unsafe { libc::close(fd as i32) };
                }
                if run.nth == 1 {
                    check!(
                        run.injected,
                        "fail-nth=1 did not fail the first site of open()"
                    );
                }
                Ok(())
            },
        )?;
        check!(r.sites >= 1 && r.errors >= 1, "open(/dev/null) walk: {r:?}");
        Ok(())
    };
    // Records a walk's result under its operation's counts.
    type Slot = fn(&mut Figures) -> &mut Walk;
    let rec = |what: &str, w: Result<Walk, String>, slot: Slot| record(what, w, slot, &figs, &kmsg);
    let bind_tick = || {
        rec("bind tick", bind_walk(need()?, TICK, &figs), |f| {
            &mut f.bind
        })
    };
    let bind_button = || {
        rec("bind button", bind_walk(need()?, BUTTON, &figs), |f| {
            &mut f.bind
        })
    };
    let bind_key = || rec("bind key", bind_walk(need()?, KEY, &figs), |f| &mut f.bind);
    let open = || rec("open", open_walk(need()?, &figs), |f| &mut f.open);
    let read = || rec("read", read_walk(need()?), |f| &mut f.read);
    let ioctl = || rec("ioctl", ioctl_walk(need()?, &figs), |f| &mut f.ioctl);
    let insmod = || rec("insmod", insmod_walk(need()?, &figs), |f| &mut f.insmod);
    let leaks = || -> TestResult {
        let (r, ours) = kmemleak::final_report("fault");
        figs.borrow_mut().leaks = ours;
        r
    };
    let figures = || -> TestResult {
        let f = figs.borrow();
        let per_ioctl: Vec<String> = f.ioctls.iter().map(|(n, s)| format!("{n}:{s}")).collect();
        let errors =
            f.bind.errors + f.open.errors + f.read.errors + f.ioctl.errors + f.insmod.errors;
        let absorbed = f.bind.absorbed
            + f.open.absorbed
            + f.read.absorbed
            + f.ioctl.absorbed
            + f.insmod.absorbed;
        println!(
            "fault figures: bind_sites={} open_sites={} read_sites={} ioctl_sites={} ({}) insmod_sites={} errors={errors} absorbed={absorbed} debugfs_missing={} leaks={} splats={} kernel_reports={}",
            f.bind.sites,
            f.open.sites,
            f.read.sites,
            f.ioctl.sites,
            per_ioctl.join(" "),
            f.insmod.sites,
            f.debugfs_missing,
            f.leaks,
            f.splats,
            f.kernel_reports
        );
        // A site count of 0 means the injection never reached that operation.
        for (what, w) in [
            ("bind", f.bind),
            ("open", f.open),
            ("read", f.read),
            ("ioctl", f.ioctl),
            ("insmod", f.insmod),
        ] {
            check!(w.sites > 0, "{what}: no fault site reached");
        }
        check!(
            f.leaks == 0 && f.splats == 0,
            "leaks={} splats={}",
            f.leaks,
            f.splats
        );
        Ok(())
    };
    let mut tests: Vec<(&str, &dyn Fn() -> TestResult)> = vec![
        ("fault_injection_armed", &armed),
        ("bind_timer_walk", &bind_tick),
        ("bind_irq_walk", &bind_button),
        ("bind_gpio_walk", &bind_key),
        ("open_walk", &open),
        ("read_walk", &read),
        ("ioctl_walk", &ioctl),
        ("insmod_walk", &insmod),
    ];
    if leak_check {
        tests.push(("no_leaks_kmemleak", &leaks));
    }
    tests.push(("fault_figures_complete", &figures));
    rpoll_guest_tests::runner::run_and_exit(&tests);
}
