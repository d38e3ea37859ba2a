//! Helpers for talking to rpoll devices from the guest: opening, reading
//! records, epoll, debugfs state and sysfs bind/unbind.

use std::ffi::CString;
use std::fs;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use rpoll_uapi::{RpollEvent, RPOLL_EVENT_SIZE};

/// Result type of a test: `Err` carries the failure message.
pub type TestResult = Result<(), String>;

/// Fails the test with a formatted message unless the condition holds.
#[macro_export]
macro_rules! check {
    ($cond:expr, $($fmt:tt)+) => {
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !($cond) {
            return Err(format!($($fmt)+));
        }
    };
}

pub use rpoll_sys::{errno, now_ns, Epoll};

/// Opens `/dev/rpoll-<name>` with `flags`.
pub fn open_flags(name: &str, flags: i32) -> Result<OwnedFd, i32> {
    rpoll_sys::open_flags(&format!("/dev/rpoll-{name}"), flags).map_err(|e| e.0)
}

/// Opens `/dev/rpoll-<name>` for reading.
pub fn open(name: &str) -> Result<OwnedFd, String> {
    open_flags(name, libc::O_RDONLY).map_err(|e| format!("open rpoll-{name}: errno {e}"))
}

/// Opens `/dev/rpoll-<name>` for non-blocking reading.
pub fn open_nb(name: &str) -> Result<OwnedFd, String> {
    open_flags(name, libc::O_RDONLY | libc::O_NONBLOCK)
        .map_err(|e| format!("open rpoll-{name}: errno {e}"))
}

/// `read(2)` into `buf`; `Err(errno)` on failure.
pub fn raw_read(fd: RawFd, buf: &mut [u8]) -> Result<usize, i32> {
    rpoll_sys::read(fd, buf).map_err(|e| e.0)
}

/// Reads up to `max` records in one `read()`; `Err(errno)` on failure.
pub fn read_batch(fd: &OwnedFd, max: usize) -> Result<Vec<RpollEvent>, i32> {
    let mut buf = vec![0u8; max * RPOLL_EVENT_SIZE];
    let n = raw_read(fd.as_raw_fd(), &mut buf)?;
    assert_eq!(
        n % RPOLL_EVENT_SIZE,
        0,
        "read returned a partial record ({n} bytes)"
    );
    Ok(buf[..n]
        .chunks_exact(RPOLL_EVENT_SIZE)
        .map(|c| RpollEvent::from_bytes(c.try_into().unwrap()))
        .collect())
}

/// Reads exactly one record (blocking unless the fd is non-blocking).
pub fn read_one(fd: &OwnedFd) -> Result<RpollEvent, String> {
    let v = read_batch(fd, 1).map_err(|e| format!("read: errno {e}"))?;
    v.first()
        .copied()
        .ok_or_else(|| "read returned 0 bytes".to_string())
}

/// Reads until `n` records were collected.
pub fn read_n(fd: &OwnedFd, n: usize) -> Result<Vec<RpollEvent>, String> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let v = read_batch(fd, n - out.len()).map_err(|e| format!("read: errno {e}"))?;
        out.extend(v);
    }
    Ok(out)
}

/// Reads (non-blocking fd) until `EAGAIN`; returns what was queued.
pub fn drain(fd: &OwnedFd) -> Result<Vec<RpollEvent>, String> {
    let mut out = Vec::new();
    loop {
        match read_batch(fd, 64) {
            Ok(v) => out.extend(v),
            Err(libc::EAGAIN) => return Ok(out),
            Err(e) => return Err(format!("drain: errno {e}")),
        }
    }
}

/// Checks that `recs` have consecutive `seq` (given the first) and that every
/// gap is explained by `lost`.
pub fn check_sequence(prev: u64, recs: &[RpollEvent]) -> TestResult {
    let mut prev = prev;
    for r in recs {
        check!(
            r.seq == prev + 1 + u64::from(r.lost),
            "seq {} after {} with lost={} (gap not accounted)",
            r.seq,
            prev,
            r.lost
        );
        prev = r.seq;
    }
    Ok(())
}

/// The per-file accounting identity of a STATS snapshot: every event since
/// the file was opened was delivered, lost or is still queued
/// (`delivered + lost + queued = produced - base`).
pub fn check_identity(s: &rpoll_uapi::RpollStats) -> TestResult {
    check!(
        s.delivered + s.lost + s.queued == s.produced - s.base,
        "accounting identity broken: {s:?}"
    );
    Ok(())
}

/// Waits until file `d` has at least `n` records queued, for up to
/// `timeout_ms`.
pub fn wait_queued(d: &rpoll::Device, n: u64, timeout_ms: u64) -> TestResult {
    let start = std::time::Instant::now();
    loop {
        let s = d.stats().map_err(|e| format!("STATS: {e}"))?;
        if s.queued >= n {
            return Ok(());
        }
        check!(
            start.elapsed().as_millis() < u128::from(timeout_ms),
            "{}: fewer than {n} records queued after {timeout_ms} ms",
            d.path().display()
        );
        sleep_ms(1);
    }
}

/// `delete_module("rpoll", O_NONBLOCK)`: unloads the module, or fails at
/// once (`EBUSY`/`EAGAIN`) while a file is open. Returns the errno.
pub fn rmmod_rpoll() -> Result<(), i32> {
    // SAFETY: a valid C string; O_NONBLOCK makes a busy module fail at once.
    let r = unsafe { libc::syscall(libc::SYS_delete_module, c"rpoll".as_ptr(), libc::O_NONBLOCK) };
    if r < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// Sleeps for `ms` milliseconds.
pub fn sleep_ms(ms: u64) {
    std::thread::sleep(std::time::Duration::from_millis(ms));
}

/// Parsed `/sys/kernel/debug/rpoll-<name>/state`.
#[derive(Debug, Default)]
pub struct DebugState {
    /// `key: value` lines.
    pub fields: Vec<(String, String)>,
    /// Per reader: (base, delivered, lost, queued).
    pub readers: Vec<(u64, u64, u64, u64)>,
}

impl DebugState {
    /// A numeric field.
    pub fn num(&self, key: &str) -> u64 {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or_else(|| panic!("debugfs field {key} missing"))
    }

    /// A text field.
    pub fn text(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// Reads the debugfs state of `/dev/rpoll-<name>`.
pub fn debug_state(name: &str) -> Result<DebugState, String> {
    let path = format!("/sys/kernel/debug/rpoll-{name}/state");
    let text = fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let mut st = DebugState::default();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("reader ") {
            let mut vals = [0u64; 4];
            for (i, key) in ["base=", "delivered=", "lost=", "queued="]
                .iter()
                .enumerate()
            {
                let v = rest.split_whitespace().find_map(|w| w.strip_prefix(key));
                vals[i] = v
                    .and_then(|v| v.parse().ok())
                    .ok_or(format!("bad line {line}"))?;
            }
            st.readers.push((vals[0], vals[1], vals[2], vals[3]));
        } else if let Some((k, v)) = line.split_once(": ") {
            st.fields.push((k.to_string(), v.to_string()));
        }
    }
    Ok(st)
}

/// Writes `value` to a sysfs file.
pub fn sysfs_write(path: &str, value: &str) -> Result<(), String> {
    fs::write(path, value).map_err(|e| format!("write {value} > {path}: {e}"))
}

/// Reads a sysfs (or procfs) file, without its trailing newline.
pub fn sysfs_read(path: &str) -> Result<String, String> {
    fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| format!("{path}: {e}"))
}

/// The `/proc/interrupts` count of `irq` (summed over CPUs), `None` if the
/// line is not listed.
pub fn irq_count(irq: u64) -> Option<u64> {
    let text = fs::read_to_string("/proc/interrupts").ok()?;
    text.lines().find_map(|l| {
        let (num, rest) = l.trim_start().split_once(':')?;
        if num.trim() != irq.to_string() {
            return None;
        }
        Some(
            rest.split_whitespace()
                .map_while(|w| w.parse::<u64>().ok())
                .sum(),
        )
    })
}

/// One system sleep (suspend to idle), from [`suspend_to_idle`].
pub struct Sleep {
    /// `CLOCK_BOOTTIME` before and after, in nanoseconds.
    pub t0: u64,
    pub t1: u64,
    /// `Err(errno)` if the kernel refused or aborted the sleep (`EINVAL`:
    /// a wake-up event came between reading and writing `wakeup_count`).
    pub result: Result<(), i32>,
}

/// One system sleep the way a suspend daemon does it: reads
/// `/sys/power/wakeup_count` (which blocks while wake-up events are in
/// progress) and writes it back, so that a wake-up event from then on
/// aborts or ends the sleep; arms the RTC alarm `alarm_s` seconds ahead
/// (if given), writes `freeze` to `/sys/power/state`, and clears the alarm
/// afterwards.
pub fn suspend_to_idle(alarm_s: Option<u64>) -> Result<Sleep, String> {
    const ALARM: &str = "/sys/class/rtc/rtc0/wakealarm";
    const COUNT: &str = "/sys/power/wakeup_count";
    let count = sysfs_read(COUNT)?;
    if let Err(e) = fs::write(COUNT, &count) {
        let t = now_ns(libc::CLOCK_BOOTTIME);
        return Ok(Sleep {
            t0: t,
            t1: t,
            result: Err(e.raw_os_error().unwrap_or(-1)),
        });
    }
    if let Some(s) = alarm_s {
        sysfs_write(ALARM, "0")?;
        sysfs_write(ALARM, &format!("+{s}"))?;
    }
    let t0 = now_ns(libc::CLOCK_BOOTTIME);
    let result =
        fs::write("/sys/power/state", "freeze").map_err(|e| e.raw_os_error().unwrap_or(-1));
    let t1 = now_ns(libc::CLOCK_BOOTTIME);
    if alarm_s.is_some() {
        sysfs_write(ALARM, "0")?;
    }
    Ok(Sleep { t0, t1, result })
}

/// Unbinds platform device `pdev` from the rpoll driver.
pub fn unbind(pdev: &str) -> TestResult {
    sysfs_write("/sys/bus/platform/drivers/rpoll/unbind", pdev)
}

/// Binds platform device `pdev` to the rpoll driver.
pub fn bind(pdev: &str) -> TestResult {
    sysfs_write("/sys/bus/platform/drivers/rpoll/bind", pdev)
}

/// The kernel log so far.
pub fn dmesg() -> String {
    let out = std::process::Command::new("dmesg").output().expect("dmesg");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The scheduler state letter of thread `tid` of this process.
pub fn thread_state(tid: i32) -> char {
    let stat = fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap_or_default();
    stat.rsplit_once(") ")
        .and_then(|(_, r)| r.chars().next())
        .unwrap_or('?')
}

/// The kernel thread id of the caller.
pub fn gettid() -> i32 {
    // SAFETY: plain syscall.
    unsafe { libc::gettid() }
}

/// Waits until thread `tid` sleeps (state `S`) for a few consecutive checks,
/// i.e. it is blocked in the kernel.
pub fn wait_until_sleeping(tid: i32) -> TestResult {
    let mut streak = 0;
    for _ in 0..2000 {
        if thread_state(tid) == 'S' {
            streak += 1;
            if streak >= 5 {
                return Ok(());
            }
        } else {
            streak = 0;
        }
        sleep_ms(2);
    }
    Err(format!("thread {tid} never blocked"))
}

/// Runs `f` on a new thread and returns once that thread is asleep in the
/// kernel (e.g. blocked in `read` or `epoll_wait`), with its thread id.
pub fn spawn_blocked<T, F>(f: F) -> Result<(std::thread::JoinHandle<T>, i32), String>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        let _ = tx.send(gettid());
        f()
    });
    let tid = rx
        .recv()
        .map_err(|_| "blocking thread died at start".to_string())?;
    wait_until_sleeping(tid)?;
    Ok((handle, tid))
}

/// The configured kernel HZ (from the kernel .config the runner ships).
pub fn kernel_hz() -> Option<u64> {
    let cfg = fs::read_to_string("/etc/kernel.config").ok()?;
    cfg.lines()
        .find_map(|l| l.strip_prefix("CONFIG_HZ="))
        .and_then(|v| v.parse().ok())
}

/// Drops this process to the unprivileged user `nobody` (uid and gid 65534)
/// with raw syscalls (musl's `setuid()` synchronises threads, which a forked
/// child of a threaded process cannot do). Meant for a forked child about to
/// exec or `_exit`. Returns whether both calls succeeded.
fn become_nobody() -> bool {
    // SAFETY: plain syscalls with integer arguments only.
    unsafe {
        libc::syscall(libc::SYS_setgid, 65534) == 0 && libc::syscall(libc::SYS_setuid, 65534) == 0
    }
}

/// Runs `f` in a forked child as the unprivileged user `nobody` (uid and gid
/// 65534) and returns the value (0..=254) it exits with.
pub fn as_nobody(f: impl FnOnce() -> i32) -> Result<i32, String> {
    // SAFETY: fork in a test process; the child only makes syscalls and
    // leaves with `_exit`.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: errno {}", errno()));
    }
    if pid == 0 {
        let code = if become_nobody() {
            f().clamp(0, 254)
        } else {
            255
        };
        // SAFETY: leaving the child without running the parent's atexit.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    match libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)) {
        Some(255) => Err("cannot become nobody (setgid/setuid failed)".into()),
        Some(code) => Ok(code),
        None => Err(format!("child as nobody died: status {status:#x}")),
    }
}

/// Runs `/usr/bin/<argv[0]>` as `nobody` (forked child, no threads) and
/// returns its exit status (-1 if killed) and standard error.
pub fn run_as_nobody(argv: &[&str]) -> Result<(i32, String), String> {
    use std::io::Read;
    let path = CString::new(format!("/usr/bin/{}", argv[0])).unwrap();
    let args: Vec<CString> = argv.iter().map(|a| CString::new(*a).unwrap()).collect();
    let mut ptrs: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    let mut pipe = [0i32; 2];
    // SAFETY: `pipe` has room for two descriptors.
    if unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(format!("pipe2: errno {}", errno()));
    }
    // SAFETY: the child only makes raw syscalls and execs or exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: raw syscalls in the child; `ptrs` is NULL-terminated.
        unsafe {
            libc::dup2(pipe[1], 2);
            if become_nobody() {
                libc::execv(path.as_ptr(), ptrs.as_ptr());
            }
            libc::_exit(127);
        }
    }
    // SAFETY: closing our copy of the write end; the read end becomes a File.
    let mut rd = unsafe {
        libc::close(pipe[1]);
        std::fs::File::from_raw_fd(pipe[0])
    };
    let mut err = String::new();
    let _ = rd.read_to_string(&mut err);
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    if code == 127 {
        return Err(format!("cannot run {argv:?} as nobody: {err}"));
    }
    Ok((code, err))
}

/// The device name of the virt board's PL061 (its `/sys/kernel/debug/gpio`
/// section header contains it).
pub const PL061: &str = "9030000.pl061";

/// The `/sys/kernel/debug/gpio` line of offset `offset` of the controller
/// whose section names `chip` (e.g. `30240000.gpio`), like
/// `" gpio-6   (   |rpoll-al   ) in  hi IRQ ACTIVE LOW"`; gpiolib lists only
/// lines in use, so `None` means free.
pub fn gpio_chip_line(chip: &str, offset: u32) -> Result<Option<String>, String> {
    let text =
        fs::read_to_string("/sys/kernel/debug/gpio").map_err(|e| format!("debugfs gpio: {e}"))?;
    let mut in_chip = false;
    let want = format!("gpio-{offset} ");
    for line in text.lines() {
        if line.starts_with("gpiochip") {
            in_chip = line.contains(chip);
        } else if in_chip && line.trim_start().starts_with(&want) {
            return Ok(Some(line.trim().to_string()));
        }
    }
    Ok(None)
}

/// The `/sys/kernel/debug/gpio` line of PL061 line `offset`, which must be
/// in use.
pub fn gpio_debug_line(offset: u32) -> Result<String, String> {
    gpio_chip_line(PL061, offset)?
        .ok_or_else(|| format!("GPIO line {offset} is not in use (not in /sys/kernel/debug/gpio)"))
}

/// The physical level of PL061 line `offset` as gpiolib shows it.
pub fn gpio_level(offset: u32) -> Result<bool, String> {
    gpio_chip_level(PL061, offset)
}

/// The physical level of line `offset` of `chip` (which must be in use).
pub fn gpio_chip_level(chip: &str, offset: u32) -> Result<bool, String> {
    let l = gpio_chip_line(chip, offset)?
        .ok_or_else(|| format!("GPIO line {offset} of {chip} is not in use"))?;
    match l.split_whitespace().find(|w| *w == "hi" || *w == "lo") {
        Some(w) => Ok(w == "hi"),
        None => Err(format!("no level in '{l}'")),
    }
}

/// The consumer holding PL061 line `offset` (empty if none).
pub fn gpio_consumer(offset: u32) -> Result<String, String> {
    gpio_chip_consumer(PL061, offset)
}

/// The consumer holding line `offset` of `chip` (empty if none): gpiolib's
/// lines show `(NAME|CONSUMER)`, gpio-sim's `(CONSUMER)`.
pub fn gpio_chip_consumer(chip: &str, offset: u32) -> Result<String, String> {
    let Some(l) = gpio_chip_line(chip, offset)? else {
        return Ok(String::new());
    };
    let inner = l
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(c, _)| c)
        .unwrap_or_default();
    let consumer = inner.rsplit_once('|').map_or(inner, |(_, c)| c);
    Ok(consumer.trim().to_string())
}

static NEXT_PRESS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Asks the host (`scripts/board-io agent`) for one press of the interrupt
/// button (PL061 line 3 high, then low), once the previous press has ended.
/// Returns at once; wait for the event.
pub fn press_button() -> TestResult {
    // The previous press has ended: line 3 low again (gpiolib's view).
    wait_gpio_level(3, false, 10_000)?;
    let id = NEXT_PRESS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    println!("RPOLL-PRESS {id}");
    Ok(())
}

static NEXT_GPIO_REQUEST: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Asks the host (`scripts/board-io agent`) to run GPIO `ops` on the board's
/// controller: `"6=0 sleep=30 6=1"` sets line 6 low, waits 30 ms, sets it
/// high (physical levels). Returns at once; wait for the effect.
pub fn gpio_drive(ops: &str) {
    use std::io::Write;
    let id = NEXT_GPIO_REQUEST.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let line = format!("RPOLL-GPIO {id} {ops}\n");
    // Written to the console itself and drained, so that the request is on
    // the serial line before anything the caller does next: the program's
    // standard output goes through a pipe and `tee`, which the kernel's own
    // console lines (a suspend's, say) would overtake.
    match std::fs::OpenOptions::new().write(true).open("/dev/console") {
        Ok(mut console) => {
            let _ = console.write_all(line.as_bytes());
            // SAFETY: plain system call on a descriptor `console` owns.
            unsafe { libc::tcdrain(std::os::fd::AsRawFd::as_raw_fd(&console)) };
        }
        Err(_) => {
            print!("{line}");
            let _ = std::io::stdout().flush();
        }
    }
}

/// Waits until PL061 line `offset` shows `level` (the host applied it).
pub fn wait_gpio_level(offset: u32, level: bool, timeout_ms: u64) -> TestResult {
    wait_chip_level(PL061, offset, level, timeout_ms)
}

/// Waits until line `offset` of `chip` shows `level`.
pub fn wait_chip_level(chip: &str, offset: u32, level: bool, timeout_ms: u64) -> TestResult {
    let start = std::time::Instant::now();
    while gpio_chip_level(chip, offset)? != level {
        if start.elapsed().as_millis() as u64 > timeout_ms {
            return Err(format!(
                "line {offset} never became {} (is the host's board-io agent running?)",
                u8::from(level)
            ));
        }
        sleep_ms(2);
    }
    Ok(())
}

/// Reads a non-blocking fd until `n` records arrived or `timeout_ms`
/// passed; returns what arrived.
pub fn collect(fd: &OwnedFd, n: usize, timeout_ms: i32) -> Result<Vec<RpollEvent>, String> {
    let ep = Epoll::new()?;
    ep.add(fd, libc::EPOLLIN as u32, 0)?;
    let start = std::time::Instant::now();
    let mut out = Vec::new();
    while out.len() < n {
        let left = timeout_ms - start.elapsed().as_millis() as i32;
        if left <= 0 {
            break;
        }
        ep.wait(left)
            .map_err(|e| format!("epoll_wait: errno {e}"))?;
        out.extend(drain(fd)?);
    }
    Ok(out)
}

/// `EPOLLIN | EPOLLRDNORM`: what a readable rpoll file reports.
pub const IN: u32 = (libc::EPOLLIN | libc::EPOLLRDNORM) as u32;
/// `EPOLLHUP | EPOLLERR`: what a file of an unbound device reports.
pub const HUP: u32 = (libc::EPOLLHUP | libc::EPOLLERR) as u32;

/// Sets or clears `O_NONBLOCK` on `fd`.
pub fn set_nonblocking(fd: &OwnedFd, on: bool) {
    rpoll_sys::set_nonblocking(fd, on).expect("fcntl O_NONBLOCK");
}

/// `RPOLL_IOC_STATS` through the library, with the error as text.
pub fn stats(d: &rpoll::Device) -> Result<rpoll_uapi::RpollStats, String> {
    d.stats().map_err(|e| format!("STATS: {e}"))
}

/// `RPOLL_IOC_SET_PERIOD` through the library, with the error as text.
pub fn set_period(d: &rpoll::Device, us: u32) -> TestResult {
    d.set_period_us(us)
        .map_err(|e| format!("SET_PERIOD {us}: {e}"))
}

/// Blocks a reader in `read()` on `rfd` and a poller in `epoll_wait()` on
/// `pfd`, runs `unbind` (which must unbind both files' devices), and checks
/// that the read fails with `ENODEV`, the poller sees `EPOLLHUP | EPOLLERR`,
/// and a second read fails with `ENODEV` too.
pub fn unbind_under_blocked_readers(
    rfd: OwnedFd,
    pfd: &OwnedFd,
    unbind: impl FnOnce() -> TestResult,
) -> TestResult {
    let rfd = std::sync::Arc::new(rfd);
    let ep = Epoll::new()?;
    ep.add(pfd, IN, 3)?;
    let f2 = rfd.clone();
    let (reader, _) = spawn_blocked(move || read_batch(&f2, 4).map(|v| v.len()))?;
    let (poller, _) = spawn_blocked(move || ep.wait(-1))?;
    unbind()?;
    let r = reader.join().map_err(|_| "reader thread panicked")?;
    check!(
        r == Err(libc::ENODEV),
        "blocked read after unbind: expected ENODEV, got {r:?}"
    );
    let p = poller
        .join()
        .map_err(|_| "poller thread panicked")?
        .map_err(|e| format!("epoll_wait: errno {e}"))?;
    check!(
        p.len() == 1 && p[0].1 & HUP == HUP,
        "epoll after unbind: {p:?}"
    );
    check!(
        read_batch(&rfd, 1) == Err(libc::ENODEV),
        "second read after unbind"
    );
    Ok(())
}
