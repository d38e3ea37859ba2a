//! Thin, checked wrappers over the system calls the benchmark uses: open,
//! read, ioctl, epoll, timerfd and the monotonic clock.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// `CLOCK_MONOTONIC` now, in nanoseconds.
pub fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec and CLOCK_MONOTONIC always
    // exists, so the call cannot fail or write elsewhere.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Sleeps until `CLOCK_MONOTONIC` reaches `deadline_ns`.
pub fn sleep_until(deadline_ns: u64) {
    let ts = libc::timespec {
        tv_sec: (deadline_ns / 1_000_000_000) as _,
        tv_nsec: (deadline_ns % 1_000_000_000) as libc::c_long,
    };
    loop {
        // SAFETY: `ts` is a valid timespec; the remainder pointer may be
        // null for an absolute sleep.
        let r = unsafe {
            libc::clock_nanosleep(
                libc::CLOCK_MONOTONIC,
                libc::TIMER_ABSTIME,
                &ts,
                std::ptr::null_mut(),
            )
        };
        if r != libc::EINTR {
            return;
        }
    }
}

/// Opens `path` read-only, non-blocking.
pub fn open_nonblock(path: &str) -> io::Result<OwnedFd> {
    let c = CString::new(path).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `c` is a NUL-terminated path that outlives the call.
    let fd = cvt(unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC,
        )
    })?;
    // SAFETY: `fd` was just returned by open() and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Moves the calling thread to the `SCHED_IDLE` policy (runs only when
/// nothing else wants the CPU).
pub fn set_sched_idle() -> io::Result<()> {
    // SAFETY: `sched_param` is plain data; all zeroes is priority 0, the
    // only priority SCHED_IDLE takes.
    let param: libc::sched_param = unsafe { std::mem::zeroed() };
    // musl's sched_setscheduler() is a stub returning ENOSYS (the system
    // call is per thread, not per process as POSIX says): call it directly.
    // SAFETY: `param` is a valid sched_param for the duration of the call;
    // pid 0 is the calling thread.
    let r = unsafe {
        libc::syscall(
            libc::SYS_sched_setscheduler,
            0,
            libc::SCHED_IDLE,
            &param as *const libc::sched_param,
        )
    };
    cvt(r as libc::c_int)?;
    Ok(())
}

/// Sets `O_NONBLOCK` on `fd`.
pub fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: F_GETFL takes no argument and only reads the file's flags.
    let flags = cvt(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
    // SAFETY: F_SETFL takes an int of flags.
    cvt(unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) })?;
    Ok(())
}

/// `read(2)` into `buf`; returns the byte count.
pub fn read(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// An ioctl whose argument is a pointer to `*arg` (read, written or both by
/// the kernel, as `cmd` says).
///
/// # Safety
///
/// `cmd` must transfer at most `size_of::<T>()` bytes through its argument,
/// and any bytes it writes must form a valid `T`.
pub unsafe fn ioctl_ptr<T>(fd: RawFd, cmd: u32, arg: &mut T) -> io::Result<libc::c_int> {
    // SAFETY: `arg` points to a live, writable `T`; the caller guarantees
    // that `cmd` stays within it and writes a valid `T`.
    cvt(unsafe { libc::ioctl(fd, cmd as _, arg as *mut T) })
}

/// An ioctl without argument.
pub fn ioctl_none(fd: RawFd, cmd: u32) -> io::Result<libc::c_int> {
    // SAFETY: the command takes no argument; the kernel ignores the third.
    cvt(unsafe { libc::ioctl(fd, cmd as _, 0usize) })
}

/// A `timerfd` on `CLOCK_MONOTONIC` (non-blocking).
pub fn timerfd() -> io::Result<OwnedFd> {
    // SAFETY: plain system call with constant arguments.
    let fd = cvt(unsafe {
        libc::timerfd_create(
            libc::CLOCK_MONOTONIC,
            libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
        )
    })?;
    // SAFETY: `fd` was just created and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Arms `fd` to expire first at the absolute time `first_ns`, then every
/// `period_ns`.
pub fn timerfd_arm(fd: &OwnedFd, first_ns: u64, period_ns: u64) -> io::Result<()> {
    let ts = |ns: u64| libc::timespec {
        tv_sec: (ns / 1_000_000_000) as _,
        tv_nsec: (ns % 1_000_000_000) as libc::c_long,
    };
    let spec = libc::itimerspec {
        it_interval: ts(period_ns),
        it_value: ts(first_ns),
    };
    // SAFETY: `spec` is a valid itimerspec; the old value may be null.
    cvt(unsafe {
        libc::timerfd_settime(
            fd.as_raw_fd(),
            libc::TFD_TIMER_ABSTIME,
            &spec,
            std::ptr::null_mut(),
        )
    })?;
    Ok(())
}

/// An epoll instance watching files for `EPOLLIN` (level-triggered).
pub struct Epoll {
    ep: OwnedFd,
}

impl Epoll {
    /// Creates the instance and registers `fd`.
    pub fn watching(fd: RawFd) -> io::Result<Self> {
        Self::watching_many(&[fd])
    }

    /// Creates the instance and registers every file of `fds`.
    pub fn watching_many(fds: &[RawFd]) -> io::Result<Self> {
        // SAFETY: plain system call with a constant flag.
        let ep = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: `ep` was just created and is owned by nobody else.
        let ep = unsafe { OwnedFd::from_raw_fd(ep) };
        for &fd in fds {
            let mut ev = libc::epoll_event {
                events: libc::EPOLLIN as u32,
                u64: fd as u64,
            };
            // SAFETY: `ev` is a valid epoll_event for the duration of the call.
            cvt(unsafe { libc::epoll_ctl(ep.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut ev) })?;
        }
        Ok(Self { ep })
    }

    /// Waits up to `timeout_ms`; returns whether the file is ready.
    pub fn wait(&self, timeout_ms: i32) -> io::Result<bool> {
        let mut ev = libc::epoll_event { events: 0, u64: 0 };
        // SAFETY: room for exactly one event is passed, as maxevents says.
        let n = unsafe { libc::epoll_wait(self.ep.as_raw_fd(), &mut ev, 1, timeout_ms) };
        match n {
            n if n > 0 => Ok(true),
            0 => Ok(false),
            _ => {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    Ok(false)
                } else {
                    Err(e)
                }
            }
        }
    }
}

/// Restricts the calling thread (and threads it creates later) to `cpus`.
pub fn set_affinity(cpus: &[usize]) -> io::Result<()> {
    // SAFETY: cpu_set_t is plain old data; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &cpu in cpus {
        // SAFETY: CPU numbers here are below the online count, far below
        // the set's capacity (1024), so the bit written is inside `set`.
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    // SAFETY: `set` is a valid cpu_set_t of the size passed; 0 = this thread.
    cvt(unsafe { libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set) })?;
    Ok(())
}

/// Takes CPU `cpu` offline or brings it back (CPU hotplug, sysfs).
pub fn set_cpu_online(cpu: usize, online: bool) -> io::Result<()> {
    let path = format!("/sys/devices/system/cpu/cpu{cpu}/online");
    std::fs::write(&path, if online { "1" } else { "0" })
        .map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))
}

/// `uname -r`.
pub fn kernel_release() -> String {
    // SAFETY: utsname is plain old data; all-zero is a valid value.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable utsname.
    if unsafe { libc::uname(&mut u) } != 0 {
        return String::from("?");
    }
    let bytes: Vec<u8> = u
        .release
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c.to_ne_bytes()[0])
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `sysconf(_SC_CLK_TCK)`: the unit of `/proc/stat`.
pub fn clk_tck() -> u64 {
    // SAFETY: sysconf has no memory effects.
    let v = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if v > 0 {
        v as u64
    } else {
        100
    }
}

/// Number of online CPUs.
pub fn online_cpus() -> u64 {
    // SAFETY: sysconf has no memory effects.
    let v = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    if v > 0 {
        v as u64
    } else {
        1
    }
}
