// SPDX-License-Identifier: GPL-2.0

//! Capability checks (the kernel crate of Linux 7.3 has no `capable()`).

use kernel::bindings;

/// Whether the current task may administer the system (`CAP_SYS_ADMIN`),
/// with the usual audit record on denial.
pub(crate) fn sys_admin() -> bool {
    // SAFETY: `capable()` may be called from any process context; it only
    // inspects the current task's credentials.
    unsafe { bindings::capable(bindings::CAP_SYS_ADMIN as i32) }
}
