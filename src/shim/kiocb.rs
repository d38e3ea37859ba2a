// SPDX-License-Identifier: GPL-2.0

//! Backports `Kiocb::is_nowait()`, patch 2 of the kernel-crate series
//! (`rust: fs: kiocb: add Kiocb::is_nowait()`, docs/upstream.md).
//! `kernel::fs::Kiocb` (Linux 7.3) exposes the file's private data but not
//! the file's or the control block's flags. With a kernel that carries the
//! patch (`--cfg rpoll_kernel_kiocb_nowait`) the method is the kernel's and
//! this file is empty.

#[cfg(not(rpoll_kernel_kiocb_nowait))]
use kernel::{fs::Kiocb, types::ForeignOwnable};

#[cfg(not(rpoll_kernel_kiocb_nowait))]
extern "C" {
    /// `(ki_flags & IOCB_NOWAIT) || (ki_filp->f_flags & O_NONBLOCK)`
    /// (`helpers.c`); `iocb` is a `const struct kiocb *` (declared `void`:
    /// the generated `struct kiocb` is not FFI-safe by Rust's lint).
    fn rpoll_helper_kiocb_nowait(iocb: *const kernel::ffi::c_void) -> bool;
}

/// `Kiocb::is_nowait()` of patch 2 (brought by `shim::prelude`).
#[cfg(not(rpoll_kernel_kiocb_nowait))]
pub(crate) trait IsNowait {
    /// Returns `true` if the I/O must not block: the file is `O_NONBLOCK` or
    /// the request carries `IOCB_NOWAIT` (`preadv2(RWF_NOWAIT)`, io_uring).
    fn is_nowait(&self) -> bool;
}

#[cfg(not(rpoll_kernel_kiocb_nowait))]
impl<T: ForeignOwnable> IsNowait for Kiocb<'_, T> {
    fn is_nowait(&self) -> bool {
        // SAFETY: `Kiocb` guarantees `as_raw()` is a valid kiocb for the
        // current I/O, whose `ki_filp` is the (open, valid) file the I/O is on.
        unsafe { rpoll_helper_kiocb_nowait(self.as_raw().cast()) }
    }
}
