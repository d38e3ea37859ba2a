//! Clocks, sleeping until a deadline, and timerfd.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::Errno;

fn timespec(ns: u64) -> libc::timespec {
    libc::timespec {
        tv_sec: (ns / 1_000_000_000) as _,
        tv_nsec: (ns % 1_000_000_000) as libc::c_long,
    }
}

/// `clock` now, in nanoseconds.
pub fn now_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; for a clock that does not
    // exist the call fails without writing and `ts` stays zero.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// `CLOCK_MONOTONIC` now, in nanoseconds.
pub fn monotonic_ns() -> u64 {
    now_ns(libc::CLOCK_MONOTONIC)
}

/// Sleeps until `CLOCK_MONOTONIC` reaches `deadline_ns` (signals do not cut
/// it short).
pub fn sleep_until(deadline_ns: u64) {
    let ts = timespec(deadline_ns);
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

/// A non-blocking `timerfd` on `CLOCK_MONOTONIC`.
pub fn timerfd() -> Result<OwnedFd, Errno> {
    // SAFETY: plain system call with constant arguments.
    let fd = Errno::check(unsafe {
        libc::timerfd_create(
            libc::CLOCK_MONOTONIC,
            libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
        )
    })?;
    // SAFETY: `fd` was just created and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Arms timerfd `fd` to expire first at the absolute time `first_ns`, then
/// every `period_ns`.
pub fn timerfd_arm(fd: &OwnedFd, first_ns: u64, period_ns: u64) -> Result<(), Errno> {
    let spec = libc::itimerspec {
        it_interval: timespec(period_ns),
        it_value: timespec(first_ns),
    };
    // SAFETY: `spec` is a valid itimerspec; the old value may be null.
    Errno::check(unsafe {
        libc::timerfd_settime(
            fd.as_raw_fd(),
            libc::TFD_TIMER_ABSTIME,
            &spec,
            std::ptr::null_mut(),
        )
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_time_advances_past_a_deadline() {
        let t0 = monotonic_ns();
        sleep_until(t0 + 2_000_000);
        assert!(monotonic_ns() >= t0 + 2_000_000);
        assert_eq!(now_ns(-12345), 0, "an unknown clock reads as zero");
    }
}
