// SPDX-License-Identifier: GPL-2.0

//! Stands for: `kernel::cred::capable()` (`<linux/capability.h>`), which the
//! 7.3 kernel crate lacks.

use kernel::bindings;

/// A capability the current task may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Capability {
    /// `CAP_SYS_ADMIN`.
    SysAdmin = bindings::CAP_SYS_ADMIN,
}

/// Whether the current task has `cap` (`capable()`), with the usual audit
/// record on denial. Process context.
pub(crate) fn capable(cap: Capability) -> bool {
    // SAFETY: `capable()` may be called from any process context; it only
    // inspects the current task's credentials. `cap` is a valid capability.
    unsafe { bindings::capable(cap as i32) }
}
