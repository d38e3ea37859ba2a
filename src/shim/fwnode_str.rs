// SPDX-License-Identifier: GPL-2.0

//! Backports `FwNode::property_read_str()`, a string property borrowed from
//! the node: patch 4 of the kernel-crate series (`rust: property: add
//! FwNode::property_read_str()`, docs/upstream.md). With a kernel that
//! carries it (`Kbuild` passes `--cfg rpoll_kernel_property_read_str`) the
//! method is the kernel's and this file is empty.
//!
//! `FwNode::property_read::<CString>()` in Linux 7.3 copies the string, and
//! its guard made optional reads a failed allocation like a malformed
//! property (fault injection showed an `ENOMEM` in probe reported as
//! "property 'label' is invalid"). `property_read_str()` returns the string
//! where it lives, in the node, allocating nothing. The kernel's method
//! returns its `PropertyGuard`, which only the kernel crate can make; the
//! backport returns [`StrProperty`], which has the one method of that guard
//! rpoll calls, `optional()`.

#[cfg(not(rpoll_kernel_property_read_str))]
use kernel::{bindings, device::property::FwNode, str::CStr};

/// `FwNode::property_read_str()` of patch 4 (brought by `shim::prelude`).
#[cfg(not(rpoll_kernel_property_read_str))]
pub(crate) trait PropertyReadStr {
    /// String property `name` of the node, borrowed from the node
    /// (`fwnode_property_read_string()`).
    fn property_read_str<'a>(&'a self, name: &CStr) -> StrProperty<'a>;
}

/// A string property read by [`PropertyReadStr::property_read_str`]: `None`
/// if it is absent, not a string or without a value.
#[cfg(not(rpoll_kernel_property_read_str))]
pub(crate) struct StrProperty<'a>(Option<&'a CStr>);

#[cfg(not(rpoll_kernel_property_read_str))]
impl<'a> StrProperty<'a> {
    /// The string, or `None` if the property is absent or malformed, with
    /// nothing logged (the kernel's `PropertyGuard::optional()`).
    pub(crate) fn optional(self) -> Option<&'a CStr> {
        self.0
    }
}

#[cfg(not(rpoll_kernel_property_read_str))]
impl PropertyReadStr for FwNode {
    fn property_read_str<'a>(&'a self, name: &CStr) -> StrProperty<'a> {
        // The C-string methods (a trait on 7.3, inherent on 7.2).
        use kernel::prelude::*;
        // `FwNode` is `#[repr(transparent)]` over the C `struct fwnode_handle`.
        let raw: *const bindings::fwnode_handle = core::ptr::from_ref(self).cast();
        let mut out: *const kernel::ffi::c_char = core::ptr::null();
        // SAFETY: `raw` is a valid fwnode for the duration of the call (we
        // hold `self`), `name` is NUL-terminated, and `out` is a valid place
        // for the result pointer.
        let ret =
            unsafe { bindings::fwnode_property_read_string(raw, name.as_char_ptr(), &mut out) };
        if ret != 0 || out.is_null() {
            return StrProperty(None);
        }
        // SAFETY: on success `out` points to a NUL-terminated string stored in
        // the node's property, which lives as long as the node, so at least as
        // long as the `'a` borrow of `self`; it is never modified.
        StrProperty(Some(unsafe { CStr::from_char_ptr(out) }))
    }
}
