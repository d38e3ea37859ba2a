//! An epoll instance.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::Errno;

/// An epoll instance; each registered file carries a caller-chosen tag.
pub struct Epoll(OwnedFd);

impl Epoll {
    /// A new, empty instance.
    pub fn new() -> Result<Self, Errno> {
        // SAFETY: plain system call with a constant flag.
        let ep = Errno::check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: `ep` was just created and is owned by nobody else.
        Ok(Self(unsafe { OwnedFd::from_raw_fd(ep) }))
    }

    /// A new instance watching every file of `fds` for `EPOLLIN`
    /// (level-triggered), each tagged with its descriptor number.
    pub fn watching(fds: &[RawFd]) -> Result<Self, Errno> {
        let ep = Self::new()?;
        for &fd in fds {
            ep.add(&fd, libc::EPOLLIN as u32, fd as u64)?;
        }
        Ok(ep)
    }

    /// Registers `fd` for `events` (`EPOLL*` bits), tagged `tag`.
    pub fn add(&self, fd: &impl AsRawFd, events: u32, tag: u64) -> Result<(), Errno> {
        let mut ev = libc::epoll_event { events, u64: tag };
        // SAFETY: valid descriptors; `ev` is valid for the call.
        Errno::check(unsafe {
            libc::epoll_ctl(
                self.0.as_raw_fd(),
                libc::EPOLL_CTL_ADD,
                fd.as_raw_fd(),
                &mut ev,
            )
        })?;
        Ok(())
    }

    /// Waits up to `timeout_ms` (-1: forever) and returns the `(tag,
    /// events)` of up to 16 ready files; a signal restarts the wait.
    pub fn wait(&self, timeout_ms: i32) -> Result<Vec<(u64, u32)>, Errno> {
        let mut evs = [libc::epoll_event { events: 0, u64: 0 }; 16];
        loop {
            // SAFETY: `evs` has room for the 16 events passed as maximum.
            let n = unsafe {
                libc::epoll_wait(
                    self.0.as_raw_fd(),
                    evs.as_mut_ptr(),
                    evs.len() as i32,
                    timeout_ms,
                )
            };
            match Errno::check(n) {
                Ok(n) => {
                    return Ok(evs[..n as usize]
                        .iter()
                        .map(|e| (e.u64, e.events))
                        .collect())
                }
                Err(Errno(libc::EINTR)) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Waits up to `timeout_ms` for one ready file; `false` on timeout or
    /// when a signal ends the wait.
    pub fn wait_ready(&self, timeout_ms: i32) -> Result<bool, Errno> {
        let mut ev = libc::epoll_event { events: 0, u64: 0 };
        // SAFETY: room for exactly one event is passed, as maxevents says.
        let n = unsafe { libc::epoll_wait(self.0.as_raw_fd(), &mut ev, 1, timeout_ms) };
        match Errno::check(n) {
            Ok(n) => Ok(n > 0),
            Err(Errno(libc::EINTR)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_pipe_is_ready_with_its_tag() {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe() writes.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: both descriptors were just created and are owned here.
        let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let ep = Epoll::new().unwrap();
        ep.add(&r, libc::EPOLLIN as u32, 42).unwrap();
        assert_eq!(ep.wait(0).unwrap(), vec![]);
        assert!(!ep.wait_ready(0).unwrap());
        // SAFETY: one byte from a valid buffer.
        assert_eq!(
            unsafe { libc::write(w.as_raw_fd(), b"x".as_ptr().cast(), 1) },
            1
        );
        assert_eq!(ep.wait(0).unwrap(), vec![(42, libc::EPOLLIN as u32)]);
        assert!(ep.wait_ready(0).unwrap());
        let mut buf = [0u8; 4];
        assert_eq!(crate::read(r.as_raw_fd(), &mut buf), Ok(1));
        crate::set_nonblocking(&r, true).unwrap();
        assert_eq!(
            crate::read(r.as_raw_fd(), &mut buf),
            Err(Errno(libc::EAGAIN))
        );
    }

    #[test]
    fn errors_convert_for_both_kinds_of_caller() {
        let e = Epoll::new().unwrap();
        let bad: RawFd = -1;
        let err = e.add(&bad, 0, 0).unwrap_err();
        assert_eq!(err, Errno(libc::EBADF));
        assert_eq!(std::io::Error::from(err).raw_os_error(), Some(libc::EBADF));
        assert!(String::from(err).contains("errno 9"));
        assert_eq!(format!("errno {err}"), "errno 9");
    }
}
