// SPDX-License-Identifier: GPL-2.0

//! Stands for: `FwNode::property_read_str()`, a string property borrowed
//! from the node. Backports patch 4 of the kernel-crate series (`rust:
//! property: add FwNode::property_read_str()`, docs/upstream.md): with a
//! kernel that carries it (`Kbuild` passes
//! `--cfg rpoll_kernel_property_read_str`), [`read_str`] calls the kernel's
//! method.
//!
//! `FwNode::property_read::<CString>()` in Linux 7.3 copies the string, and
//! its guard made optional reads a failed allocation like a malformed
//! property (fault injection showed an `ENOMEM` in probe reported as
//! "property 'label' is invalid"). [`read_str`] returns the string where it
//! lives, in the node, allocating nothing: `None` means the property itself
//! is absent or not a string. A caller that keeps it copies it with an
//! allocation whose failure stays `ENOMEM`.

use kernel::{device::property::FwNode, str::CStr};

/// String property `name` of `node`, borrowed from the node
/// (`fwnode_property_read_string()`); `None` if it is absent, not a string
/// or without a value.
#[cfg(rpoll_kernel_property_read_str)]
pub(crate) fn read_str<'a>(node: &'a FwNode, name: &CStr) -> Option<&'a CStr> {
    node.property_read_str(name).optional()
}

/// String property `name` of `node`, borrowed from the node
/// (`fwnode_property_read_string()`); `None` if it is absent, not a string
/// or without a value.
#[cfg(not(rpoll_kernel_property_read_str))]
pub(crate) fn read_str<'a>(node: &'a FwNode, name: &CStr) -> Option<&'a CStr> {
    use kernel::{bindings, prelude::*};
    // `FwNode` is `#[repr(transparent)]` over the C `struct fwnode_handle`.
    let raw: *const bindings::fwnode_handle = core::ptr::from_ref(node).cast();
    let mut out: *const kernel::ffi::c_char = core::ptr::null();
    // SAFETY: `raw` is a valid fwnode for the duration of the call (we hold
    // `node`), `name` is NUL-terminated, and `out` is a valid place for the
    // result pointer.
    let ret = unsafe { bindings::fwnode_property_read_string(raw, name.as_char_ptr(), &mut out) };
    if ret != 0 || out.is_null() {
        return None;
    }
    // SAFETY: on success `out` points to a NUL-terminated string stored in
    // the node's property, which lives as long as the node, so at least as
    // long as the `'a` borrow of `node`; it is never modified.
    Some(unsafe { CStr::from_char_ptr(out) })
}
