// SPDX-License-Identifier: GPL-2.0

//! Stands for: `FwNode::property_read_str()`, a borrowed string property with
//! the C call's own error.
//!
//! `FwNode::property_read::<CString>()` in Linux 7.3 copies the string and
//! offers the result only as `Option`, so a failed allocation reads like a
//! malformed property (fault injection showed an `ENOMEM` in probe reported
//! as "property 'label' is invalid"). [`read_str`] returns the string where
//! it lives, in the node; the caller copies it with an allocation whose
//! failure stays `ENOMEM`.

use kernel::{bindings, device::property::FwNode, error::to_result, prelude::*, str::CStr};

/// Reads string property `name` of `node` without copying it
/// (`fwnode_property_read_string()`): `EINVAL` if it is not a string,
/// `ENODATA`/`EINVAL` if absent or empty, per the C function.
pub(crate) fn read_str<'a>(node: &'a FwNode, name: &CStr) -> Result<&'a CStr> {
    // `FwNode` is `#[repr(transparent)]` over the C `struct fwnode_handle`.
    let raw: *const bindings::fwnode_handle = core::ptr::from_ref(node).cast();
    let mut out: *const kernel::ffi::c_char = core::ptr::null();
    // SAFETY: `raw` is a valid fwnode for the duration of the call (we hold
    // `node`), `name` is NUL-terminated, and `out` is a valid place for the
    // result pointer.
    let ret = unsafe { bindings::fwnode_property_read_string(raw, name.as_char_ptr(), &mut out) };
    to_result(ret)?;
    if out.is_null() {
        return Err(EINVAL);
    }
    // SAFETY: on success `out` points to a NUL-terminated string stored in
    // the node's property, which lives as long as the node, so at least as
    // long as the `'a` borrow of `node`; it is never modified.
    Ok(unsafe { CStr::from_char_ptr(out) })
}
