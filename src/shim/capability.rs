// SPDX-License-Identifier: GPL-2.0

//! Stands for: `kernel::cred::capable()` and `kernel::cred::Capability`
//! (`<linux/capability.h>`), which the 7.3 kernel crate lacks. Backports
//! patch 1 of the kernel-crate series (`rust: cred: add capable()`,
//! docs/upstream.md): with a kernel that carries it (`Kbuild` passes
//! `--cfg rpoll_kernel_capable`), this module re-exports the kernel's.

#[cfg(rpoll_kernel_capable)]
pub(crate) use kernel::cred::{capable, Capability};

#[cfg(not(rpoll_kernel_capable))]
pub(crate) use backport::{capable, Capability};

#[cfg(not(rpoll_kernel_capable))]
mod backport {
    use kernel::bindings;

    /// A POSIX capability (`CAP_*`).
    ///
    /// # Invariants
    ///
    /// The value is a valid capability number.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) struct Capability(u32);

    impl Capability {
        /// `CAP_SYS_ADMIN`.
        pub(crate) const SYS_ADMIN: Self = Self(bindings::CAP_SYS_ADMIN);
    }

    /// Whether the current task has `cap` (`capable()`), with the usual
    /// audit record on denial. Task context.
    pub(crate) fn capable(cap: Capability) -> bool {
        // SAFETY: `capable()` may be called from any task context; it only
        // inspects the current task's credentials. `cap` is a valid
        // capability number by the type invariant.
        unsafe { bindings::capable(cap.0 as i32) }
    }
}
