// SPDX-License-Identifier: GPL-2.0

//! Poll support for Rust misc devices.
//!
//! `kernel::miscdevice::MiscDevice` (Linux 7.3) has no `poll` hook and its
//! registration takes a `'static` name and no per-device data. This shim adds
//! both without touching the kernel crate:
//!
//! - [`PollMiscDevice`] extends [`MiscDevice`] with `open_with` (open with the
//!   registration's data) and `poll`.
//! - [`PollMiscRegistration`] registers a `struct miscdevice` whose file
//!   operations are the kernel's own `MiscDevice` operations (read_iter, ioctl,
//!   release, ...) with `open` and `poll` supplied here.
//!
//! It is shaped as the upstream change would be: a `poll` method on the
//! vtable trait and an owned name, registration data and a parent device on
//! the registration.

use core::marker::{PhantomData, PhantomPinned};

use kernel::{
    bindings, container_of, device,
    error::to_result,
    fs::File,
    miscdevice::{MiscDevice, MiscDeviceOptions},
    prelude::*,
    str::CString,
    sync::poll::PollTable,
    types::{ForeignOwnable, Opaque},
};

/// A misc device whose files can be polled.
pub(crate) trait PollMiscDevice: MiscDevice {
    /// Per-registration data handed to [`open_with`](Self::open_with).
    type RegistrationData: Send + Sync;

    /// Whether files are streams (no seek, no `pread`): `stream_open()` is
    /// applied before [`open_with`](Self::open_with).
    const STREAM: bool = false;

    /// Called when the device is opened; the result becomes the file's
    /// private data, as for [`MiscDevice::open`].
    fn open_with(file: &File, data: &Self::RegistrationData) -> Result<Self::Ptr>;

    /// Registers the caller's wait with `table` and returns the current
    /// readiness mask (`EPOLL*` bits).
    fn poll(
        device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        file: &File,
        table: PollTable<'_>,
    ) -> u32;
}

/// A registered misc device with poll support, an owned name and data.
///
/// # Invariants
///
/// `inner` holds a `struct miscdevice` registered with `misc_register()`,
/// whose `name` points into `name` and whose `fops` is
/// `PollMiscVTable::<T>::VTABLE`. It is deregistered exactly once, in `drop`,
/// before `name` and `data` are dropped.
#[pin_data(PinnedDrop)]
pub(crate) struct PollMiscRegistration<T: PollMiscDevice> {
    #[pin]
    inner: Opaque<bindings::miscdevice>,
    name: CString,
    data: T::RegistrationData,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: `misc_deregister()` may run on any thread; `data` is `Send`.
unsafe impl<T: PollMiscDevice> Send for PollMiscRegistration<T> {}
// SAFETY: `&self` only gives out `&T::RegistrationData` (which is `Sync`) and
// the name; the C side synchronises its own use of `inner`.
unsafe impl<T: PollMiscDevice> Sync for PollMiscRegistration<T> {}

impl<T: PollMiscDevice> PollMiscRegistration<T> {
    /// Registers a misc device called `name` (the `/dev` node name) as a
    /// child of `parent`, so that sysfs links it to its parent (`device`),
    /// and udev rules can match the parent's driver and device-tree node.
    pub(crate) fn register(
        name: CString,
        data: T::RegistrationData,
        parent: &device::Device<device::Bound>,
    ) -> impl PinInit<Self, Error> {
        // The bytes of a `CString` live in a heap buffer that does not move
        // when the `CString` itself is moved into `Self` below.
        let name_ptr = name.as_char_ptr();
        // `Device<Ctx>` is `#[repr(transparent)]` over
        // `Opaque<bindings::device>`: a reference to it points at the C
        // `struct device`. `misc_register()` passes it to `device_create()`,
        // which takes its own reference on the parent for as long as the
        // misc device exists.
        let parent_ptr: *mut bindings::device = core::ptr::from_ref(parent).cast_mut().cast();
        try_pin_init!(Self {
            name,
            data,
            _pin: PhantomPinned,
            inner <- Opaque::try_ffi_init(move |slot: *mut bindings::miscdevice| {
                let mut raw: bindings::miscdevice = pin_init::zeroed();
                raw.minor = bindings::MISC_DYNAMIC_MINOR as c_int;
                raw.name = name_ptr;
                raw.parent = parent_ptr;
                raw.fops = &PollMiscVTable::<T>::VTABLE;
                // SAFETY: `slot` is valid for writes, as the initializer
                // contract guarantees.
                unsafe { slot.write(raw) };
                // SAFETY: `slot` holds an initialised miscdevice whose name
                // and fops outlive the registration (the name is owned by
                // `Self` and dropped after `misc_deregister()` in `drop`; the
                // fops are `'static`); its parent is a bound device, valid
                // now, and referenced by the device core from here on. The
                // memory is pinned.
                // INVARIANT: on success `inner` is registered as described.
                to_result(unsafe { bindings::misc_register(slot) })
            }),
        })
    }
}

#[pinned_drop]
impl<T: PollMiscDevice> PinnedDrop for PollMiscRegistration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: by the type invariant `inner` is registered, and this is
        // the only place that deregisters it.
        unsafe { bindings::misc_deregister(self.inner.get()) };
    }
}

/// The file operations of a [`PollMiscRegistration<T>`].
struct PollMiscVTable<T: PollMiscDevice>(PhantomData<T>);

impl<T: PollMiscDevice> PollMiscVTable<T> {
    /// The kernel's own operations for `T` (read_iter, ioctl, release...).
    // SAFETY: `into_raw` is a `const fn` that sets `fops` to a reference to a
    // `'static` `file_operations` constant, so reading it is valid.
    const BASE: bindings::file_operations =
        unsafe { *MiscDeviceOptions { name: c"rpoll" }.into_raw::<T>().fops };

    /// `BASE` with this shim's `open` and `poll`.
    const VTABLE: bindings::file_operations = bindings::file_operations {
        open: Some(Self::open),
        poll: Some(Self::poll),
        ..Self::BASE
    };

    /// # Safety
    ///
    /// Called by `misc_open()` for a file of a [`PollMiscRegistration<T>`]:
    /// `inode` and `file` are valid and `file->private_data` points to the
    /// registration's `struct miscdevice`.
    unsafe extern "C" fn open(inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
        if T::STREAM {
            // SAFETY: `inode` and `file` are valid for a file being opened.
            let ret = unsafe { bindings::stream_open(inode, file) };
            if ret != 0 {
                return ret;
            }
        } else {
            // SAFETY: `inode` and `file` are valid for a file being opened.
            let ret = unsafe { bindings::generic_file_open(inode, file) };
            if ret != 0 {
                return ret;
            }
        }

        // SAFETY: the open callback may access the private data, which
        // `misc_open()` set to our `struct miscdevice`.
        let misc = unsafe { (*file).private_data }.cast::<Opaque<bindings::miscdevice>>();
        // SAFETY: these fops are only installed by `PollMiscRegistration<T>`,
        // so `misc` is its `inner` field; `misc_open()` holds `misc_mtx`, which
        // `misc_deregister()` also takes, so the registration is alive.
        let reg = unsafe { &*container_of!(misc, PollMiscRegistration<T>, inner) };

        // SAFETY: the file is valid for the duration of this call and there
        // is no `fdget_pos` region on it.
        let f = unsafe { File::from_raw_file(file) };
        match T::open_with(f, &reg.data) {
            Ok(ptr) => {
                // SAFETY: the open callback may set the private data. The
                // kernel's `release`, `read_iter` and `ioctl` for `T` convert it
                // back with `ForeignOwnable`, matching this `into_foreign`.
                unsafe { (*file).private_data = ptr.into_foreign().cast() };
                0
            }
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called by the VFS for a file opened through [`Self::open`] and not yet
    /// released; `table` is null or a valid `poll_table` for this call.
    unsafe extern "C" fn poll(
        file: *mut bindings::file,
        table: *mut bindings::poll_table,
    ) -> bindings::__poll_t {
        // SAFETY: the file is open, so its private data is the pointer set by
        // `open` and not yet reclaimed by `release`.
        let device = unsafe { <T::Ptr as ForeignOwnable>::borrow((*file).private_data.cast()) };
        // SAFETY: the file is valid for the call, with no `fdget_pos` region.
        let f = unsafe { File::from_raw_file(file) };
        // SAFETY: `table` is null or valid for the duration of this call.
        let table = unsafe { PollTable::from_raw(table) };
        T::poll(device, f, table)
    }
}
