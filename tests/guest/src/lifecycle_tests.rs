//! Device lifetime: signals, unbind with blocked readers (queued records stay
//! readable), rebind, module unload, the sysfs link to the platform device,
//! and the device-tree nodes (several, and invalid ones).

use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::sync::atomic::{AtomicBool, Ordering};

use rpoll::Device;
use rpoll_uapi::RpollEvent;

use crate::check;
use crate::dev::*;

static SIGNALLED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_usr1(_: libc::c_int) {
    SIGNALLED.store(true, Ordering::SeqCst);
}

/// Sends SIGUSR1 to thread `tid` of this process.
pub(crate) fn signal_thread(tid: i32) {
    // SAFETY: plain syscall; the thread is alive until joined by the caller.
    unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, libc::SIGUSR1) };
}

pub(crate) fn set_usr1_handler(restart: bool) {
    // SAFETY: installs an async-signal-safe handler.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_usr1 as extern "C" fn(libc::c_int) as usize;
        sa.sa_flags = if restart { libc::SA_RESTART } else { 0 };
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut());
    }
}

/// A signal interrupts a blocked read (EINTR without SA_RESTART); with
/// SA_RESTART the read is restarted transparently and still returns a record.
pub fn signal_interrupts_read() -> TestResult {
    // Without SA_RESTART, on a device that never fires.
    set_usr1_handler(false);
    SIGNALLED.store(false, Ordering::SeqCst);
    let fd = open("idle")?;
    let (h, tid) = spawn_blocked(move || read_batch(&fd, 1).map(|v| v.len()))?;
    signal_thread(tid);
    let r = h.join().unwrap();
    check!(
        r == Err(libc::EINTR),
        "blocked read after signal: expected EINTR, got {r:?}"
    );
    check!(SIGNALLED.load(Ordering::SeqCst), "handler did not run");

    // With SA_RESTART, on the 1 s tick: the read survives the signal.
    set_usr1_handler(true);
    SIGNALLED.store(false, Ordering::SeqCst);
    let fd = open("tick")?;
    let (h, tid) = spawn_blocked(move || read_batch(&fd, 1).map(|v| v.len()))?;
    signal_thread(tid);
    let r = h.join().unwrap();
    check!(SIGNALLED.load(Ordering::SeqCst), "handler did not run");
    check!(r == Ok(1), "restarted read: expected one record, got {r:?}");
    Ok(())
}

/// Unbinding the device wakes a reader blocked in read (ENODEV) and one
/// blocked in epoll (EPOLLHUP | EPOLLERR); rebinding brings it back.
pub fn unbind_wakes_blocked_readers_and_rebind_works() -> TestResult {
    let pfd = open("idle")?;
    unbind_under_blocked_readers(open("idle")?, &pfd, || unbind("idle"))?;
    check!(
        !std::path::Path::new("/dev/rpoll-idle").exists(),
        "/dev/rpoll-idle still exists"
    );
    drop(pfd);

    bind("idle")?;
    let fd = open_nb("idle")?;
    check!(
        read_batch(&fd, 1) == Err(libc::EAGAIN),
        "rebound device not usable"
    );
    check!(
        debug_state("idle")?.num("readers") == 1,
        "rebound debugfs state wrong"
    );
    Ok(())
}

/// Several DT nodes give several independent devices (distinct names,
/// minors and periods).
pub fn several_nodes_several_devices() -> TestResult {
    let a = debug_state("tick")?;
    let b = debug_state("rpoll-ms")?;
    let c = debug_state("fast")?;
    check!(
        a.num("period_us") == 1_000_000,
        "tick period {}",
        a.num("period_us")
    );
    check!(
        b.num("period_us") == 1000 && b.num("queue_depth") == 256,
        "rpoll-ms config"
    );
    check!(
        c.num("period_us") == 2000 && c.num("queue_depth") == 8,
        "fast config"
    );
    check!(a.text("source") == "timer", "source field");
    // One misc character device each: same major, distinct minors.
    let mut ids = Vec::new();
    for name in ["tick", "rpoll-ms", "fast", "idle", "button"] {
        let path = format!("/dev/rpoll-{name}");
        let meta = std::fs::metadata(&path).map_err(|e| format!("{path}: {e}"))?;
        check!(
            meta.file_type().is_char_device(),
            "{path} is not a character device"
        );
        ids.push((libc::major(meta.rdev()), libc::minor(meta.rdev())));
    }
    check!(
        ids.iter().all(|&(ma, _)| ma == 10),
        "not misc devices (major 10): {ids:?}"
    );
    let mut minors: Vec<u32> = ids.iter().map(|&(_, mi)| mi).collect();
    minors.sort_unstable();
    minors.dedup();
    check!(minors.len() == ids.len(), "minors not distinct: {ids:?}");
    // Reading one does not produce on another.
    let before = debug_state("fast")?.num("produced");
    let fd = open("rpoll-ms")?;
    read_n(&fd, 10)?;
    check!(
        debug_state("fast")?.num("produced") == before,
        "fast advanced while only rpoll-ms was open"
    );
    Ok(())
}

/// Each invalid node of the bad-nodes overlay was refused with a message
/// naming its property; the valid node beside them works.
pub fn bad_nodes_rejected_with_messages() -> TestResult {
    let log = dmesg();
    let expect = [
        ("bad-missing-period", "'rpoll,period-us' is missing"),
        ("bad-zero-period", "'rpoll,period-us' = 0 is out of range"),
        ("bad-short-period", "'rpoll,period-us' = 9 is out of range"),
        (
            "bad-wide-period",
            "'rpoll,period-us' must be a single u32 cell",
        ),
        ("bad-depth-npot", "'rpoll,queue-depth' = 100 is invalid"),
        ("bad-depth-large", "'rpoll,queue-depth' = 8192 is invalid"),
        ("bad-depth-one", "'rpoll,queue-depth' = 1 is invalid"),
        ("bad-label", "'label' is invalid"),
        ("bad-label-type", "'label' is invalid"),
        (
            "bad-timer-wakeup",
            "'wakeup-source' is not accepted on a timer device",
        ),
        (
            "bad-irq-debounce",
            "'rpoll,debounce-us' = 2000000 is out of range",
        ),
        ("bad-gpio-edges", "'rpoll,edges' is invalid"),
        (
            "bad-gpio-debounce",
            "'rpoll,debounce-us' = 2000000 is out of range",
        ),
        ("bad-gpio-missing", "'gpios' is missing or malformed"),
        (
            "bad-poll-short",
            "'rpoll,poll-interval-us' = 99 is out of range (accepted: 100..=10000000 us)",
        ),
        (
            "bad-poll-long",
            "'rpoll,poll-interval-us' = 10000001 is out of range",
        ),
        (
            "bad-poll-wakeup",
            "'wakeup-source' is not accepted with 'rpoll,poll-interval-us'",
        ),
        (
            "bad-wake-edges-no-source",
            "'rpoll,wakeup-edges' needs 'wakeup-source'",
        ),
        (
            "bad-wake-edges-timer",
            "'rpoll,wakeup-edges' is accepted on rpoll,event-gpio devices only",
        ),
        (
            "bad-wake-edges-irq",
            "'rpoll,wakeup-edges' is accepted on rpoll,event-gpio devices only",
        ),
        ("gpio-cells-short", "'gpios' is missing or malformed"),
    ];
    for (node, msg) in expect {
        let line = format!("rpoll {node}: property {msg}");
        check!(log.contains(&line), "missing in dmesg: {line}");
        check!(
            !std::path::Path::new(&format!("/sys/bus/platform/drivers/rpoll/{node}")).exists(),
            "{node} is bound"
        );
    }
    // Interrupt nodes: a missing interrupt, and a line already taken.
    let line = "rpoll bad-irq-no-interrupt: no usable interrupt: 'interrupts' or 'interrupts-extended' is missing or cannot be mapped";
    check!(log.contains(line), "missing in dmesg: {line}");
    let busy: Vec<&str> = ["line5-a", "line5-b"]
        .into_iter()
        .filter(|n| log.contains(&format!("rpoll {n}: cannot request interrupt")))
        .collect();
    let bound: Vec<&str> = ["line5-a", "line5-b"]
        .into_iter()
        .filter(|n| std::path::Path::new(&format!("/sys/bus/platform/drivers/rpoll/{n}")).exists())
        .collect();
    check!(
        busy.len() == 1 && bound.len() == 1 && busy != bound,
        "line 5: refused {busy:?}, bound {bound:?}"
    );
    // gpio-sim line 7 wanted twice: one holds it, the other names the
    // conflict.
    let busy: Vec<&str> = ["line7-a", "line7-b"]
        .into_iter()
        .filter(|n| {
            log.contains(&format!(
                "rpoll {n}: property 'gpios' names a line already requested by another consumer"
            ))
        })
        .collect();
    let holder = gpio_chip_consumer(rpoll_guest_tests::sim::SIM, 7)?;
    check!(
        busy.len() == 1 && holder.starts_with("rpoll-line7-") && !holder.ends_with(busy[0]),
        "sim line 7: refused {busy:?}, held by '{holder}'"
    );
    // A GPIO whose interrupt is taken (it binds after line5-a/b, being
    // earlier in the DT): refused, and its line put back.
    check!(
        log.contains("rpoll gpio-on-taken-irq: cannot request interrupt"),
        "missing in dmesg: gpio-on-taken-irq refusal (did it bind before line5-a/b?)"
    );
    let c5 = gpio_consumer(5)?;
    check!(
        !c5.contains("gpio-on-taken-irq"),
        "line 5 still held by the refused node: '{c5}'"
    );
    let fd = open("survivor")?;
    let r = read_n(&fd, 3)?;
    check_sequence(r[0].seq - 1, &r)?;
    Ok(())
}

/// rmmod is refused while a file is open, succeeds once all are closed, and
/// the module loads again with its devices.
pub fn module_unload_and_reload() -> TestResult {
    let fd = open("idle")?;
    let r = rmmod_rpoll();
    check!(
        matches!(r, Err(libc::EBUSY) | Err(libc::EAGAIN)),
        "rmmod with an open file: {r:?}"
    );
    drop(fd);
    let r = rmmod_rpoll();
    check!(r.is_ok(), "rmmod with no open file failed: {r:?}");
    check!(
        !std::path::Path::new("/dev/rpoll-tick").exists(),
        "/dev/rpoll-tick after rmmod"
    );
    check!(
        !std::path::Path::new("/sys/kernel/debug/rpoll-tick").exists(),
        "debugfs dir after rmmod"
    );
    for offset in [0, 1, 2, 4, 6, 7] {
        let c = gpio_consumer(offset)?;
        check!(c.is_empty(), "GPIO line {offset} held by '{c}' after rmmod");
    }
    let st = std::process::Command::new("insmod")
        .arg("/lib/modules/rpoll.ko")
        .status();
    check!(st.map(|s| s.success()).unwrap_or(false), "insmod failed");
    let fd = open("tick")?;
    let _ = fd.as_raw_fd();
    debug_state("tick")?;
    check!(
        gpio_consumer(4)? == "rpoll-key",
        "line 4 not held by rpoll-key after insmod"
    );
    Ok(())
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
        let ep = Epoll::new()?;
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

/// Access without root: with the shipped busybox mdev line
/// (`integration/mdev/rpoll.mdev.conf`) and a group "rpoll", `mdev -s`
/// gives every `/dev/rpoll-*` to the group, mode 0660; a process of another
/// user in the group opens, polls and reads a device, one outside it gets
/// `EACCES`, and a member is still refused the device-wide ioctls
/// (`EPERM`).
pub fn group_access_with_the_mdev_rule() -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    const GID: u32 = 990;
    let group = std::fs::read_to_string("/etc/group").unwrap_or_default();
    if !group.lines().any(|l| l.starts_with("rpoll:")) {
        std::fs::write("/etc/group", format!("{group}rpoll:x:{GID}:\n"))
            .map_err(|e| format!("/etc/group: {e}"))?;
    }
    let shipped = std::fs::read_to_string("/etc/rpoll/mdev.conf")
        .map_err(|e| format!("/etc/rpoll/mdev.conf: {e}"))?;
    check!(
        shipped.lines().any(|l| l == "rpoll-.* root:rpoll 0660"),
        "the shipped mdev line changed: {shipped}"
    );
    let apply = |conf: &str| -> TestResult {
        std::fs::write("/etc/mdev.conf", conf).map_err(|e| format!("/etc/mdev.conf: {e}"))?;
        let st = std::process::Command::new("mdev")
            .arg("-s")
            .status()
            .map_err(|e| format!("mdev: {e}"))?;
        check!(st.success(), "mdev -s: {st}");
        Ok(())
    };
    let owner = |name: &str| -> Result<(u32, u32), String> {
        let m = std::fs::metadata(format!("/dev/rpoll-{name}")).map_err(|e| e.to_string())?;
        Ok((m.gid(), m.permissions().mode() & 0o777))
    };
    apply(&shipped)?;
    if owner("tick")? == (0, 0o660) {
        // This image's busybox is linked statically against glibc, which
        // resolves no group name without NSS modules (a product's busybox,
        // on uClibc or musl or with its own /etc/group reader, does): the
        // same line with the group's number.
        println!("guest note: this busybox resolves no group names; the shipped mdev line applied with gid {GID}");
        apply(&shipped.replace("root:rpoll", &format!("0:{GID}")))?;
    }
    for name in ["tick", "key", "sim-key"] {
        let (gid, mode) = owner(name)?;
        check!(
            gid == GID && mode == 0o660,
            "/dev/rpoll-{name}: gid {gid} mode {mode:o}"
        );
    }
    // A child as uid 1000 with the group as a supplementary one (or 1001
    // without it): 0 if it read a record after poll said readable, else
    // the errno.
    let as_user = |uid: u32, groups: &[u32], probe: fn() -> i32| -> Result<i32, String> {
        let groups = groups.to_vec();
        // SAFETY: fork in a test process; the child only makes syscalls and
        // leaves with `_exit`.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(format!("fork: errno {}", errno()));
        }
        if pid == 0 {
            // SAFETY: plain syscalls in the child.
            let ok = unsafe {
                libc::setgroups(groups.len(), groups.as_ptr()) == 0
                    && libc::syscall(libc::SYS_setgid, 1000) == 0
                    && libc::syscall(libc::SYS_setuid, uid) == 0
            };
            let code = if ok { probe().clamp(0, 254) } else { 255 };
            // SAFETY: leaving the child.
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: waiting for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        match libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)) {
            Some(255) => Err("cannot change user".into()),
            Some(code) => Ok(code),
            None => Err(format!("child died: status {status:#x}")),
        }
    };
    fn read_one_record() -> i32 {
        let fd = match open_flags("rpoll-ms", libc::O_RDONLY) {
            Ok(fd) => fd,
            Err(e) => return e,
        };
        let mut p = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        if unsafe { libc::poll(&mut p, 1, 5000) } != 1 || p.revents & libc::POLLIN == 0 {
            return 200;
        }
        match read_batch(&fd, 1) {
            Ok(r) if r.len() == 1 => 0,
            Ok(_) => 201,
            Err(e) => e,
        }
    }
    fn privileged_ioctls() -> i32 {
        let fd = match open_flags("sim-key", libc::O_RDONLY | libc::O_NONBLOCK) {
            Ok(fd) => fd,
            Err(e) => return e,
        };
        let c = rpoll_uapi::RpollConfig {
            edges: 3,
            debounce_us: 5000,
            ..Default::default()
        }
        .to_bytes();
        // SAFETY: SET_CONFIG reads 32 bytes from `c`.
        let r = unsafe {
            libc::ioctl(
                fd.as_raw_fd(),
                rpoll_uapi::RPOLL_IOC_SET_CONFIG as _,
                c.as_ptr(),
            )
        };
        if r == 0 {
            0
        } else {
            errno()
        }
    }
    let member = as_user(1000, &[GID], read_one_record)?;
    check!(
        member == 0,
        "a member of the group: {member} (0: read after poll)"
    );
    let outsider = as_user(1001, &[], read_one_record)?;
    check!(
        outsider == libc::EACCES,
        "outside the group: errno {outsider}, want EACCES"
    );
    let ioctl = as_user(1000, &[GID], privileged_ioctls)?;
    check!(
        ioctl == libc::EPERM,
        "a member's SET_CONFIG: errno {ioctl}, want EPERM"
    );
    Ok(())
}
