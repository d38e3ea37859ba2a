// SPDX-License-Identifier: GPL-2.0

//! Whether a read must not sleep, read from a `Kiocb`.
//!
//! `kernel::fs::Kiocb` (Linux 7.3) exposes the file's private data but not
//! the file's flags or the I/O control-block flags.

use kernel::{fs::file::flags::O_NONBLOCK, fs::Kiocb, types::ForeignOwnable};

/// `IOCB_NOWAIT` (`RWF_NOWAIT` as an iocb flag), not emitted by bindgen.
const IOCB_NOWAIT: i32 = 0x0000_0008;

/// Returns `true` if the I/O must not block: the file is `O_NONBLOCK` or the
/// request carries `IOCB_NOWAIT` (`preadv2(RWF_NOWAIT)`, io_uring).
pub(crate) fn is_nonblocking<T: ForeignOwnable>(kiocb: &Kiocb<'_, T>) -> bool {
    let raw = kiocb.as_raw();
    // SAFETY: `Kiocb` guarantees `raw` is a valid kiocb for the current I/O,
    // whose `ki_filp` is the (open, valid) file the I/O is on.
    let (iocb_flags, file_flags) = unsafe { ((*raw).ki_flags, (*(*raw).ki_filp).f_flags) };
    iocb_flags & IOCB_NOWAIT != 0 || file_flags & O_NONBLOCK != 0
}
