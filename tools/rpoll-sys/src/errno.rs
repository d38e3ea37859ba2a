//! The error of a failed system call.

use std::fmt;
use std::io;

/// A failed system call's `errno`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

/// The calling thread's current `errno`.
pub fn errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

impl Errno {
    /// The current `errno` as an error.
    pub fn last() -> Self {
        Self(errno())
    }

    /// `Ok(r)` for a non-negative return value, else the current `errno`.
    pub fn check(r: libc::c_int) -> Result<libc::c_int, Self> {
        if r < 0 {
            Err(Self::last())
        } else {
            Ok(r)
        }
    }
}

/// The number alone, so `format!("errno {e}")` reads naturally.
impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for Errno {}

impl From<Errno> for io::Error {
    fn from(e: Errno) -> Self {
        io::Error::from_raw_os_error(e.0)
    }
}

impl From<Errno> for String {
    fn from(e: Errno) -> Self {
        format!("{} (errno {})", io::Error::from_raw_os_error(e.0), e.0)
    }
}
