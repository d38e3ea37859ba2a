//! Opening, reading and controlling files by descriptor.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::Errno;

/// Opens `path` with `flags` (`O_CLOEXEC` added).
pub fn open_flags(path: &str, flags: i32) -> Result<OwnedFd, Errno> {
    let c = CString::new(path).map_err(|_| Errno(libc::EINVAL))?;
    // SAFETY: `c` is a NUL-terminated path that outlives the call.
    let fd = Errno::check(unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC) })?;
    // SAFETY: `fd` was just returned by open() and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Sets (`on`) or clears `O_NONBLOCK` on `fd`.
pub fn set_nonblocking(fd: &impl AsRawFd, on: bool) -> Result<(), Errno> {
    let fd = fd.as_raw_fd();
    // SAFETY: F_GETFL takes no argument and only reads the file's flags.
    let flags = Errno::check(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
    let flags = if on {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    // SAFETY: F_SETFL takes an int of flags.
    Errno::check(unsafe { libc::fcntl(fd, libc::F_SETFL, flags) })?;
    Ok(())
}

/// `read(2)` into `buf`; returns the byte count.
pub fn read(fd: RawFd, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(Errno::last())
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
pub unsafe fn ioctl_ptr<T>(fd: RawFd, cmd: u32, arg: &mut T) -> Result<libc::c_int, Errno> {
    // SAFETY: `arg` points to a live, writable `T`; the caller guarantees
    // that `cmd` stays within it and writes a valid `T`.
    Errno::check(unsafe { libc::ioctl(fd, cmd as _, arg as *mut T) })
}

/// An ioctl without argument.
pub fn ioctl_none(fd: RawFd, cmd: u32) -> Result<libc::c_int, Errno> {
    // SAFETY: the command takes no argument; the kernel ignores the third.
    Errno::check(unsafe { libc::ioctl(fd, cmd as _, 0usize) })
}
