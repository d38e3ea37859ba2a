//! Checked wrappers of the Linux system calls that rpoll's guest programs
//! (the guest tests in `tests/guest`, the benchmark in `bench/guest`) use
//! beside the device itself: files and ioctls, epoll, clocks and sleeping,
//! timerfd, CPU placement and hotplug, scheduling. The device's own calls
//! (read records, the `RPOLL_IOC_*` ioctls) are the `rpoll` crate's
//! (`tools/rpoll`).
//!
//! Every call returns [`Errno`] on failure, which converts into
//! `std::io::Error` and into `String`, so both the benchmark's `io::Result`
//! code and the tests' `Result<_, String>` code can use `?` on it.

mod clock;
mod cpu;
mod epoll;
mod errno;
mod fd;

pub use clock::{monotonic_ns, now_ns, sleep_until, timerfd, timerfd_arm};
pub use cpu::{clk_tck, kernel_release, online_cpus, run_on, set_cpu_online, set_sched_idle};
pub use epoll::Epoll;
pub use errno::{errno, Errno};
pub use fd::{ioctl_none, ioctl_ptr, open_flags, read, set_nonblocking};
