//! `rpoll-bench walk STEP`: one blocking call on an rpoll device, made while
//! the kernel's function-graph tracer records it (`make trace`,
//! bench/walk-guest.sh), for docs/how-poll-works.md.
//!
//! Steps (each prints `walk: STEP ...` lines with what the call returned):
//! - `poll-timer`, `epoll-timer`, `read-timer`: `poll()`, `epoll_wait()`,
//!   a blocking `read()` on the timer device "bench" at a 200 ms period;
//! - `poll-gpio`: `poll()` on "bench-gpio" (PL061 line 5), pressed from the
//!   host 100 ms after the call started;
//! - `signal-handler`, `signal-sa-restart`: `poll()` on the idle "bench"
//!   device (period parked) interrupted by SIGUSR1 from another thread,
//!   with a handler installed without and with `SA_RESTART`;
//! - `signal-stop`: the same `poll()` stopped by SIGSTOP and continued by
//!   SIGCONT (no handler runs), then ended by a press on "bench-gpio".

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;

use crate::sys;
use rpoll_uapi::{RPOLL_EVENT_SIZE, RPOLL_IOC_SET_PERIOD};

const TIMER: &str = "/dev/rpoll-bench";
const GPIO: &str = "/dev/rpoll-bench-gpio";
/// The timer's period while a step waits on it.
const PERIOD_US: u32 = 200_000;
/// A period that never elapses during a step (about 71 minutes).
const PARKED_US: u32 = 4_290_000_000;
/// The GPIO line the host presses ("bench-gpio").
const LINE: u32 = 5;

fn set_period(fd: &OwnedFd, us: u32) -> io::Result<()> {
    // SAFETY: RPOLL_IOC_SET_PERIOD reads one u32, which `us` holds.
    unsafe { sys::ioctl_ptr(fd.as_raw_fd(), RPOLL_IOC_SET_PERIOD, &mut { us }) }?;
    Ok(())
}

/// Opens `path` (blocking) with nothing queued.
fn open_empty(path: &str) -> io::Result<OwnedFd> {
    let fd = sys::open_flags(path, libc::O_RDONLY)?;
    sys::set_nonblocking(&fd, true)?;
    let mut buf = [0u8; 64 * RPOLL_EVENT_SIZE];
    while sys::read(fd.as_raw_fd(), &mut buf).is_ok() {}
    sys::set_nonblocking(&fd, false)?;
    Ok(fd)
}

/// Asks the host's board-io agent for one press of the GPIO line, `after`
/// from now (a thread sleeps, then prints the request on the console).
fn press_later(after: Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        std::thread::sleep(after);
        // The agent serves each request id once: this process's id is
        // new in every step.
        println!(
            "RPOLL-GPIO {} {LINE}=1 sleep=20 {LINE}=0",
            std::process::id()
        );
    })
}

/// `poll()` on `fd` for `POLLIN`, no timeout: the number of ready files, or
/// the error.
fn poll_in(fd: &OwnedFd) -> Result<i32, i32> {
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for the call.
    let n = unsafe { libc::poll(&mut p, 1, -1) };
    if n < 0 {
        Err(sys::errno())
    } else {
        Ok(n)
    }
}

fn read_one(fd: &OwnedFd) -> io::Result<usize> {
    let mut buf = [0u8; RPOLL_EVENT_SIZE];
    Ok(sys::read(fd.as_raw_fd(), &mut buf)? / RPOLL_EVENT_SIZE)
}

extern "C" fn on_usr1(_: libc::c_int) {}

/// Installs [`on_usr1`] for SIGUSR1, with `SA_RESTART` or without.
fn handle_usr1(restart: bool) -> io::Result<()> {
    // SAFETY: a zeroed sigaction is valid; the handler is an extern "C" fn
    // that does nothing, so it is async-signal-safe.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_usr1 as extern "C" fn(libc::c_int) as libc::sighandler_t;
        sa.sa_flags = if restart { libc::SA_RESTART } else { 0 };
        libc::sigemptyset(&mut sa.sa_mask);
        if libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut()) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Sends `sig` to this thread (`tid`) from another thread, `after` from now.
fn signal_later(sig: libc::c_int, after: Duration) -> std::thread::JoinHandle<()> {
    // SAFETY: plain system calls.
    let (pid, tid) = unsafe { (libc::getpid(), libc::gettid()) };
    std::thread::spawn(move || {
        std::thread::sleep(after);
        // SAFETY: plain system call on our own process.
        unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, sig) };
    })
}

/// Waits for a helper thread; its panic is this step's error.
fn joined(t: std::thread::JoinHandle<()>) -> io::Result<()> {
    t.join()
        .map_err(|_| io::Error::other("a helper thread of the step panicked"))
}

/// Runs one step; prints what its call returned.
pub fn run(step: &str) -> io::Result<()> {
    let timer = open_empty(TIMER)?;
    set_period(&timer, PARKED_US)?;
    let result = match step {
        "poll-timer" | "epoll-timer" | "read-timer" => {
            set_period(&timer, PERIOD_US)?;
            let timer = {
                // Emptied again: the new period's first record may be in.
                drop(timer);
                open_empty(TIMER)?
            };
            match step {
                "poll-timer" => format!("poll returned {:?}", poll_in(&timer)),
                "epoll-timer" => {
                    let ep = sys::Epoll::new()?;
                    ep.add(&timer, libc::EPOLLIN as u32, 1)?;
                    format!("epoll_wait returned {} file(s)", ep.wait(-1)?.len())
                }
                _ => format!("read returned {} record(s)", read_one(&timer)?),
            }
        }
        "poll-gpio" => {
            let gpio = open_empty(GPIO)?;
            let press = press_later(Duration::from_millis(100));
            let r = poll_in(&gpio);
            joined(press)?;
            format!(
                "poll returned {r:?}, then read {} record(s)",
                read_one(&gpio)?
            )
        }
        "signal-handler" | "signal-sa-restart" => {
            handle_usr1(step == "signal-sa-restart")?;
            let sender = signal_later(libc::SIGUSR1, Duration::from_millis(100));
            let r = poll_in(&timer);
            joined(sender)?;
            let name = if r == Err(libc::EINTR) { "EINTR" } else { "?" };
            format!("poll returned {r:?} ({name})")
        }
        "signal-stop" => {
            let gpio = open_empty(GPIO)?;
            // SAFETY: fork in a process whose other threads are idle; the
            // child only sleeps, signals its parent and exits.
            let parent = unsafe { libc::getpid() };
            let child = unsafe { libc::fork() };
            if child == 0 {
                // SAFETY: async-signal-safe calls only.
                unsafe {
                    libc::usleep(100_000);
                    libc::kill(parent, libc::SIGSTOP);
                    libc::usleep(100_000);
                    libc::kill(parent, libc::SIGCONT);
                    libc::_exit(0);
                }
            }
            let press = press_later(Duration::from_millis(400));
            let r = poll_in(&gpio);
            joined(press)?;
            // SAFETY: reaps our own child.
            unsafe { libc::waitpid(child, std::ptr::null_mut(), 0) };
            format!(
                "poll returned {r:?} after SIGSTOP and SIGCONT, then read {} record(s)",
                read_one(&gpio)?
            )
        }
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("no step {step}"),
            ))
        }
    };
    println!("walk: {step}: {result}");
    Ok(())
}
