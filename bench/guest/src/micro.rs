//! Per-call costs of the system calls each mechanism's reader makes, from
//! user space: a non-blocking read that finds nothing, a zero-timeout
//! poll(), and (rpoll, cref) the stats ioctl, next to getppid() as the
//! bare system-call cost. Diagnoses where one wake-up cycle spends its time.

use std::io;
use std::os::fd::RawFd;

use rpoll_uapi::RPOLL_IOC_FLUSH;

use crate::json::{obj, Value, With};
use crate::source::{Mech, Setup};
use rpoll_sys as sys;

/// Mean nanoseconds per call of `f` over `n` calls.
fn time_per_call(n: u32, mut f: impl FnMut()) -> f64 {
    // Warm up caches and the translation cache of an emulator.
    for _ in 0..n / 10 {
        f();
    }
    let t0 = sys::monotonic_ns();
    for _ in 0..n {
        f();
    }
    (sys::monotonic_ns() - t0) as f64 / f64::from(n)
}

fn poll0(fd: RawFd) {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, as the count says; zero timeout.
    unsafe { libc::poll(&mut p, 1, 0) };
}

/// Runs the micro-benchmarks; `n` calls each.
pub fn run(n: u32) -> io::Result<Value> {
    let mut out = obj();
    out.set(
        "getppid_ns",
        time_per_call(n, || {
            // SAFETY: getppid has no arguments and cannot fail.
            unsafe { libc::getppid() };
        }),
    );
    // A period long enough that nothing arrives during the loops.
    for mech in Mech::ALL {
        let setup = Setup::open(mech, 1, 10_000_000)?;
        let fd = setup.fd(0);
        if mech == Mech::Rpoll {
            sys::ioctl_none(fd, RPOLL_IOC_FLUSH)?;
        }
        let mut buf = [0u8; 32];
        let name = mech.name();
        out.set(
            &format!("{name}_read_empty_ns"),
            time_per_call(n, || {
                let _ = sys::read(fd, &mut buf);
            }),
        );
        out.set(&format!("{name}_poll0_ns"), time_per_call(n, || poll0(fd)));
        if mech != Mech::Timerfd {
            out.set(
                &format!("{name}_stats_ioctl_ns"),
                time_per_call(n, || {
                    let _ = setup.counters();
                }),
            );
        }
        drop(setup);
    }
    Ok(out)
}
