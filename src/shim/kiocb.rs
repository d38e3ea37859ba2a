// SPDX-License-Identifier: GPL-2.0

//! Stands for: `Kiocb::is_nowait()`. `kernel::fs::Kiocb` (Linux 7.3) exposes
//! the file's private data but not the file's or the control block's flags.
//! Backports patch 2 of the kernel-crate series (`rust: fs: kiocb: add
//! Kiocb::is_nowait()`, docs/upstream.md): with a kernel that carries it
//! (`--cfg rpoll_kernel_kiocb_nowait`), [`is_nowait`] calls the kernel's
//! method.

use kernel::{fs::Kiocb, types::ForeignOwnable};

#[cfg(not(rpoll_kernel_kiocb_nowait))]
extern "C" {
    /// `(ki_flags & IOCB_NOWAIT) || (ki_filp->f_flags & O_NONBLOCK)`
    /// (`helpers.c`); `iocb` is a `const struct kiocb *` (declared `void`:
    /// the generated `struct kiocb` is not FFI-safe by Rust's lint).
    fn rpoll_helper_kiocb_nowait(iocb: *const kernel::ffi::c_void) -> bool;
}

/// Returns `true` if the I/O must not block: the file is `O_NONBLOCK` or the
/// request carries `IOCB_NOWAIT` (`preadv2(RWF_NOWAIT)`, io_uring).
#[cfg(rpoll_kernel_kiocb_nowait)]
pub(crate) fn is_nowait<T: ForeignOwnable>(kiocb: &Kiocb<'_, T>) -> bool {
    kiocb.is_nowait()
}

/// Returns `true` if the I/O must not block: the file is `O_NONBLOCK` or the
/// request carries `IOCB_NOWAIT` (`preadv2(RWF_NOWAIT)`, io_uring).
#[cfg(not(rpoll_kernel_kiocb_nowait))]
pub(crate) fn is_nowait<T: ForeignOwnable>(kiocb: &Kiocb<'_, T>) -> bool {
    // SAFETY: `Kiocb` guarantees `as_raw()` is a valid kiocb for the current
    // I/O, whose `ki_filp` is the (open, valid) file the I/O is on.
    unsafe { rpoll_helper_kiocb_nowait(kiocb.as_raw().cast()) }
}
