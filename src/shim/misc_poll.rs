// SPDX-License-Identifier: GPL-2.0

//! Stands for: `MiscDevice::poll`, registration data, an owned name and a
//! parent device for `kernel::miscdevice` (patch 12 of the kernel-crate
//! series, docs/upstream.md).
//!
//! Linux 7.3's `MiscDevice` has no `poll` hook, and its registration takes a
//! `'static` name and passes `open` a registration that holds nothing of the
//! driver's. The backport below has the kernel's names and shape after
//! patch 12 ([`MiscDevice`], [`MiscDeviceRegistration`] with `data()`,
//! [`MiscDeviceOptions`] with a borrowed name and a parent) and builds its
//! own `struct miscdevice` and file operations (with the module as `owner`,
//! so the module cannot be unloaded while a file is open). With a kernel
//! that carries patch 12 and patch 10, whose `PollTable` its `poll` takes
//! (`rpoll_kernel_misc_poll`, from `upstream.mk`), this file re-exports the
//! kernel's types.

#[cfg(rpoll_kernel_misc_poll)]
pub(crate) use kernel::miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration};

#[cfg(not(rpoll_kernel_misc_poll))]
pub(crate) use backport::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration};

/// The backport (see the module documentation).
#[cfg(not(rpoll_kernel_misc_poll))]
mod backport {
    use core::marker::{PhantomData, PhantomPinned};

    use kernel::{
        bindings, build_error, container_of,
        device::{Bound, Device},
        error::{to_result, VTABLE_DEFAULT_ERROR},
        ffi::{c_int, c_long, c_uint, c_ulong},
        fs::{File, Kiocb},
        iov::IovIterDest,
        prelude::*,
        str::CString,
        types::{ForeignOwnable, Opaque},
    };

    use super::super::{release, wait_queue_lock::PollTable};

    extern "C" {
        /// `file->f_mode |= FMODE_NOWAIT` (`helpers.c`: the constant is a
        /// `__force` cast bindgen does not emit); `file` is a `struct file *`.
        fn rpoll_helper_file_set_nowait(file: *mut kernel::ffi::c_void);
    }

    /// The file operations of a misc device whose files can be polled (the
    /// kernel's `MiscDevice` with patch 12).
    #[vtable]
    pub(crate) trait MiscDevice: Sized {
        /// What the file's private data is wrapped in.
        type Ptr: ForeignOwnable + Send + Sync;

        /// The registration's data, reached from [`open`](Self::open) through
        /// [`MiscDeviceRegistration::data`].
        type RegistrationData: Send + Sync;

        /// Whether files are streams (no seek, no `pread`): `stream_open()` is
        /// applied instead of `generic_file_open()`.
        const STREAM: bool = false;

        /// Whether [`read_iter`](Self::read_iter) honours `IOCB_NOWAIT` (it
        /// never sleeps when the request says so, see `kiocb::is_nowait`): the
        /// open then sets `FMODE_NOWAIT`, without which the VFS refuses
        /// `preadv2(RWF_NOWAIT)` with `EOPNOTSUPP` and io_uring hands every read
        /// to a worker thread instead of trying it inline.
        const NOWAIT: bool = false;

        /// Called when the device is opened; the result becomes the file's
        /// private data.
        fn open(file: &File, misc: &MiscDeviceRegistration<Self>) -> Result<Self::Ptr>;

        /// Called when the last reference to the file is dropped.
        fn release(device: Self::Ptr, _file: &File) {
            drop(device);
        }

        /// `read()`, `readv()` and friends.
        fn read_iter(_kiocb: Kiocb<'_, Self::Ptr>, _iov: &mut IovIterDest<'_>) -> Result<usize> {
            build_error!(VTABLE_DEFAULT_ERROR)
        }

        /// `ioctl()`; compat callers get the same through `compat_ptr_ioctl`.
        fn ioctl(
            _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
            _file: &File,
            _cmd: u32,
            _arg: usize,
        ) -> Result<isize> {
            build_error!(VTABLE_DEFAULT_ERROR)
        }

        /// Registers the caller's wait with `table` and returns the current
        /// readiness (`EPOLL*` bits). The table and the private data share `'a`:
        /// only a wait queue the file keeps alive can be registered
        /// ([`PollTable::register_wait_lock`]).
        fn poll<'a>(
            _device: <Self::Ptr as ForeignOwnable>::Borrowed<'a>,
            _file: &File,
            _table: PollTable<'a>,
        ) -> u32 {
            build_error!(VTABLE_DEFAULT_ERROR)
        }
    }

    /// How to register a misc device (the kernel's `MiscDeviceOptions` with
    /// patch 12).
    #[derive(Clone, Copy)]
    pub(crate) struct MiscDeviceOptions<'a> {
        /// The name of the device and of its `/dev` node (the registration
        /// keeps a copy).
        pub(crate) name: &'a CStr,
        /// The device it belongs to, if any: sysfs links the misc device to it,
        /// so that udev rules can match the parent's driver and device-tree
        /// node.
        pub(crate) parent: Option<&'a Device<Bound>>,
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
    pub(crate) struct MiscDeviceRegistration<T: MiscDevice> {
        #[pin]
        inner: Opaque<bindings::miscdevice>,
        name: CString,
        data: T::RegistrationData,
        #[pin]
        _pin: PhantomPinned,
    }

    // SAFETY: `misc_deregister()` may run on any thread; `data` is `Send`.
    unsafe impl<T: MiscDevice> Send for MiscDeviceRegistration<T> {}
    // SAFETY: `&self` only gives out `&T::RegistrationData` (which is `Sync`) and
    // the name; the C side synchronises its own use of `inner`.
    unsafe impl<T: MiscDevice> Sync for MiscDeviceRegistration<T> {}

    impl<T: MiscDevice> MiscDeviceRegistration<T> {
        /// Registers a misc device as `opts` says, with `data` for its `open`.
        ///
        /// `unsafe` because a leaked registration would leave the `/dev` node
        /// in place with file operations in this module's text after `rmmod`
        /// (`owner` pins the module only while a file is open), and `open` would
        /// reach the freed `data` (the kernel's `register` is `unsafe` for the
        /// same reason with patch 12).
        ///
        /// # Safety
        ///
        /// The caller drops the registration before the parent's binding ends
        /// (at the latest at unbind), so it is never leaked nor kept past the
        /// module's lifetime.
        pub(crate) unsafe fn register(
            opts: MiscDeviceOptions<'_>,
            data: T::RegistrationData,
        ) -> impl PinInit<Self, Error> {
            // `Device<Ctx>` is `#[repr(transparent)]` over the C `struct device`.
            // `misc_register()` passes it to `device_create()`, which takes its
            // own reference on the parent for as long as the misc device exists.
            let parent_ptr: *mut bindings::device =
                opts.parent.map_or(core::ptr::null_mut(), |p| {
                    core::ptr::from_ref(p).cast_mut().cast()
                });
            let owned_name = CString::try_from(opts.name);
            try_pin_init!(Self {
                name: owned_name?,
                data,
                _pin: PhantomPinned,
                // Registered last: `open` may run as soon as it is.
                inner <- Opaque::try_ffi_init(move |slot: *mut bindings::miscdevice| {
                    // The bytes of a `CString` live in a heap buffer, which does
                    // not move with `Self`.
                    let name_ptr = name.as_char_ptr();
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
                    // fops are `'static`); its parent, if any, is a bound device,
                    // valid now, and referenced by the device core from here on.
                    // The memory is pinned.
                    // INVARIANT: on success `inner` is registered as described.
                    to_result(unsafe { bindings::misc_register(slot) })
                }),
            }? Error)
        }

        /// The data given to [`Self::register`].
        pub(crate) fn data(&self) -> &T::RegistrationData {
            &self.data
        }
    }

    #[pinned_drop]
    impl<T: MiscDevice> PinnedDrop for MiscDeviceRegistration<T> {
        fn drop(self: Pin<&mut Self>) {
            // SAFETY: by the type invariant `inner` is registered, and this is
            // the only place that deregisters it.
            unsafe { bindings::misc_deregister(self.inner.get()) };
        }
    }

    /// The file operations of a [`MiscDeviceRegistration<T>`].
    struct PollMiscVTable<T: MiscDevice>(PhantomData<T>);

    impl<T: MiscDevice> PollMiscVTable<T> {
        const VTABLE: bindings::file_operations = bindings::file_operations {
            owner: release::this_module().as_ptr(),
            open: Some(Self::open),
            release: Some(Self::release),
            read_iter: if T::HAS_READ_ITER {
                Some(Self::read_iter)
            } else {
                None
            },
            unlocked_ioctl: if T::HAS_IOCTL {
                Some(Self::ioctl)
            } else {
                None
            },
            #[cfg(CONFIG_COMPAT)]
            compat_ioctl: if T::HAS_IOCTL {
                bindings::compat_ptr_ioctl
            } else {
                None
            },
            poll: if T::HAS_POLL { Some(Self::poll) } else { None },
            ..pin_init::zeroed()
        };

        /// # Safety
        ///
        /// Called by `misc_open()` for a file of a [`MiscDeviceRegistration<T>`]:
        /// `inode` and `file` are valid and `file->private_data` points to the
        /// registration's `struct miscdevice`.
        unsafe extern "C" fn open(inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
            let ret = if T::STREAM {
                // SAFETY: `inode` and `file` are valid for a file being opened.
                unsafe { bindings::stream_open(inode, file) }
            } else {
                // SAFETY: `inode` and `file` are valid for a file being opened.
                unsafe { bindings::generic_file_open(inode, file) }
            };
            if ret != 0 {
                return ret;
            }
            if T::NOWAIT {
                // SAFETY: `file` is valid and not yet installed in any file
                // table, so nothing else reads or writes its `f_mode` now.
                unsafe { rpoll_helper_file_set_nowait(file.cast()) };
            }
            // SAFETY: the open callback may access the private data, which
            // `misc_open()` set to our `struct miscdevice`.
            let misc = unsafe { (*file).private_data }.cast::<Opaque<bindings::miscdevice>>();
            // SAFETY: these fops are only installed by `MiscDeviceRegistration<T>`,
            // so `misc` is its `inner` field; `misc_open()` holds `misc_mtx`,
            // which `misc_deregister()` also takes, so the registration is alive.
            let reg = unsafe { &*container_of!(misc, MiscDeviceRegistration<T>, inner) };
            // SAFETY: the file is valid for the duration of this call and there
            // is no `fdget_pos` region on it.
            let f = unsafe { File::from_raw_file(file) };
            match T::open(f, reg) {
                Ok(ptr) => {
                    // SAFETY: the open callback may set the private data; every
                    // other operation here converts it back as a `T::Ptr`.
                    unsafe { (*file).private_data = ptr.into_foreign().cast() };
                    0
                }
                Err(e) => e.to_errno(),
            }
        }

        /// # Safety
        ///
        /// Called by the VFS once for a file opened through [`Self::open`].
        unsafe extern "C" fn release(
            _inode: *mut bindings::inode,
            file: *mut bindings::file,
        ) -> c_int {
            // SAFETY: the release call owns the private data set by `open`.
            let ptr =
                unsafe { <T::Ptr as ForeignOwnable>::from_foreign((*file).private_data.cast()) };
            // SAFETY: the file is valid for the call, with no `fdget_pos` region.
            T::release(ptr, unsafe { File::from_raw_file(file) });
            0
        }

        /// # Safety
        ///
        /// Called by the VFS for a file opened through [`Self::open`] and not yet
        /// released; `iter` is a valid `iov_iter` for writing.
        unsafe extern "C" fn read_iter(
            kiocb: *mut bindings::kiocb,
            iter: *mut bindings::iov_iter,
        ) -> isize {
            // SAFETY: the VFS passes a valid kiocb for a file of this device,
            // whose private data is a `T::Ptr` (set by `open`).
            let kiocb = unsafe { Kiocb::from_raw(kiocb) };
            // SAFETY: `iter` is a valid `iov_iter` for writing for this call.
            let iov = unsafe { IovIterDest::from_raw(iter) };
            match T::read_iter(kiocb, iov) {
                Ok(n) => n as isize,
                Err(e) => e.to_errno() as isize,
            }
        }

        /// # Safety
        ///
        /// Called by the VFS for a file opened through [`Self::open`] and not yet
        /// released.
        unsafe extern "C" fn ioctl(file: *mut bindings::file, cmd: c_uint, arg: c_ulong) -> c_long {
            // SAFETY: the file is open, so its private data is the pointer set by
            // `open` and not yet reclaimed by `release`.
            let device = unsafe { <T::Ptr as ForeignOwnable>::borrow((*file).private_data.cast()) };
            // SAFETY: the file is valid for the call, with no `fdget_pos` region.
            let f = unsafe { File::from_raw_file(file) };
            match T::ioctl(device, f, cmd, arg) {
                Ok(ret) => ret as c_long,
                Err(e) => e.to_errno() as c_long,
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
            // `T::poll` gives it the lifetime of `device`, the borrow of the
            // file's private data, which stays valid until the file is released
            // (the VFS holds the file for the whole call).
            let table = unsafe { PollTable::from_raw(table) };
            T::poll(device, f, table)
        }
    }
}
