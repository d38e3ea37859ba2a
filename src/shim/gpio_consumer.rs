// SPDX-License-Identifier: GPL-2.0

//! Stands for: `kernel::gpio::consumer`, the GPIO consumer API of
//! `<linux/gpio/consumer.h>`, which the 7.3 kernel crate lacks (its bindings
//! do not include the header, so the few exported functions used are
//! declared here; upstream they would come from `bindings_helper.h`).
//!
//! [`Desc`] owns one requested descriptor and puts it on drop. Whether a
//! line's value may be read in atomic context is decided once, when it is
//! turned into an [`AtomicDesc`] (`gpiod_cansleep()`), so the hot path calls
//! `gpiod_get_value()` and nothing else, as gpiolib's own consumers do. Any
//! line, a sleeping controller's (an I2C or SPI expander) included, is read
//! in process context with [`Desc::value_cansleep`].
//!
//! Backports patch 8 of the kernel-crate series (docs/upstream.md), which
//! adds this API as `kernel::gpio::consumer`; with a kernel that carries it
//! (`rpoll_kernel_gpio_consumer`, from `upstream.mk`), this file re-exports
//! the kernel's types, which have the same names and methods. Its
//! `to_irq()` gives the kernel's `irq::IrqRequest`, which only the kernel's
//! registrations (patch 9) take, so `upstream.mk` selects the kernel's API
//! only when patch 9 is there too; the backport's `to_irq()` gives the
//! `IrqRequest` of `irq_by_number`'s backport.

#[cfg(rpoll_kernel_gpio_consumer)]
pub(crate) use kernel::gpio::consumer::{AtomicDesc, Desc, Flags};

#[cfg(not(rpoll_kernel_gpio_consumer))]
pub(crate) use backport::{AtomicDesc, Desc, Flags};

/// The backport (see the module documentation).
#[cfg(not(rpoll_kernel_gpio_consumer))]
mod backport {
    use core::ptr::NonNull;

    use crate::shim::irq_by_number::IrqRequest;

    use kernel::{
        device,
        error::{from_err_ptr, to_result},
        prelude::*,
        str::CStr,
    };

    /// The C declarations this shim uses (all exported by gpiolib). `helpers.c`
    /// checks each against `<linux/gpio/consumer.h>` at build time, and Kbuild
    /// refuses a kernel without `CONFIG_GPIOLIB` with one message.
    mod ffi {
        use kernel::ffi::{c_char, c_int, c_uint, c_void};

        /// `struct gpio_desc`, opaque.
        #[repr(C)]
        pub(super) struct GpioDesc {
            _opaque: [u8; 0],
        }

        extern "C" {
            /// `dev` is a `struct device *` (declared `void *` here: the
            /// generated `struct device` is not FFI-safe by Rust's lint).
            pub(super) fn gpiod_get(
                dev: *mut c_void,
                con_id: *const c_char,
                flags: c_uint,
            ) -> *mut GpioDesc;
            pub(super) fn gpiod_put(desc: *mut GpioDesc);
            pub(super) fn gpiod_to_irq(desc: *const GpioDesc) -> c_int;
            pub(super) fn gpiod_get_value(desc: *const GpioDesc) -> c_int;
            pub(super) fn gpiod_get_value_cansleep(desc: *const GpioDesc) -> c_int;
            pub(super) fn gpiod_cansleep(desc: *const GpioDesc) -> c_int;
            pub(super) fn gpiod_is_active_low(desc: *const GpioDesc) -> c_int;
            pub(super) fn gpiod_hwgpio(desc: *const GpioDesc) -> c_int;
            pub(super) fn gpiod_set_consumer_name(
                desc: *mut GpioDesc,
                name: *const c_char,
            ) -> c_int;
            /// `helpers.c`: a device link from `dev` to the line's controller.
            pub(super) fn rpoll_helper_gpiod_link_controller(
                dev: *mut c_void,
                desc: *mut GpioDesc,
            ) -> c_int;
        }
    }

    /// `enum gpiod_flags`: how a line is requested (the one value rpoll uses).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) struct Flags(u32);

    impl Flags {
        /// `GPIOD_IN`: as an input.
        pub(crate) const IN: Flags = Flags(1);
    }

    /// A requested GPIO line.
    ///
    /// # Invariants
    ///
    /// `0` points to a descriptor returned by a successful `gpiod_get()` that has
    /// not been put; it is put exactly once, in `drop`.
    pub(crate) struct Desc(NonNull<ffi::GpioDesc>);

    // SAFETY: gpiolib's consumer functions may be called on a descriptor from any
    // thread; the descriptor is not tied to the requesting thread.
    unsafe impl Send for Desc {}
    // SAFETY: every method takes `&self` and calls gpiolib functions that do
    // their own locking (or need none, for reads of the line state).
    unsafe impl Sync for Desc {}

    impl Desc {
        /// Requests the line `con_id` of `dev` (`<con_id>-gpios`, or `gpios`
        /// for `None`) with `flags`, as `gpiod_get()` does. Errors are
        /// gpiolib's: `ENOENT` (no such property), `EBUSY` (the line is taken),
        /// `EPROBE_DEFER`...
        pub(crate) fn get(
            dev: &device::Device<device::Bound>,
            con_id: Option<&CStr>,
            flags: Flags,
        ) -> Result<Self> {
            // `Device<Ctx>` is `#[repr(transparent)]` over the C `struct device`.
            let raw: *mut kernel::ffi::c_void = core::ptr::from_ref(dev).cast_mut().cast();
            let con_id = con_id.map_or(core::ptr::null(), |c| c.as_char_ptr());
            // SAFETY: `raw` is a valid, bound device for the duration of the
            // call; `con_id` is null or a valid C string.
            let desc = from_err_ptr(unsafe { ffi::gpiod_get(raw, con_id, flags.0) })?;
            // `gpiod_get()` never returns null for a required line; treat it as
            // "no such line" anyway rather than trusting it.
            let desc = NonNull::new(desc).ok_or(ENOENT)?;
            // INVARIANT: `desc` was just obtained from `gpiod_get()`.
            Ok(Self(desc))
        }

        fn raw(&self) -> *mut ffi::GpioDesc {
            self.0.as_ptr()
        }

        /// The interrupt of the line (`gpiod_to_irq()`), for `dev`, the device
        /// that requested it. `ENXIO` (or the controller's error) if the
        /// controller is not an interrupt controller.
        pub(crate) fn to_irq<'a>(
            &self,
            dev: &'a device::Device<device::Bound>,
        ) -> Result<IrqRequest<'a>> {
            // SAFETY: by the type invariant the descriptor is requested.
            let irq = unsafe { ffi::gpiod_to_irq(self.raw()) };
            to_result(irq)?;
            // 0 is never a valid Linux interrupt number.
            let irq = u32::try_from(irq).ok().filter(|&n| n != 0).ok_or(ENXIO)?;
            // SAFETY: the interrupt of a line that `dev` holds.
            Ok(unsafe { IrqRequest::new(dev, irq) })
        }

        /// Whether the line's active level is low (`GPIO_ACTIVE_LOW`).
        pub(crate) fn is_active_low(&self) -> bool {
            // SAFETY: by the type invariant the descriptor is requested.
            unsafe { ffi::gpiod_is_active_low(self.raw()) != 0 }
        }

        /// The line's offset on its controller.
        pub(crate) fn offset(&self) -> u32 {
            // SAFETY: by the type invariant the descriptor is requested.
            let off = unsafe { ffi::gpiod_hwgpio(self.raw()) };
            off.max(0) as u32
        }

        /// Sets the consumer name shown by `gpioinfo` and
        /// `/sys/kernel/debug/gpio` (gpiolib keeps its own copy, allocated with
        /// `GFP_KERNEL`: process context only, which `might_sleep()` checks).
        pub(crate) fn set_consumer_name(&self, name: &CStr) -> Result {
            kernel::task::might_sleep();
            // SAFETY: by the type invariant the descriptor is requested; `name`
            // is a valid C string for the call and gpiolib duplicates it.
            to_result(unsafe { ffi::gpiod_set_consumer_name(self.raw(), name.as_char_ptr()) })
        }

        /// The logical level of the line (active-low applied), for any
        /// controller, those whose reads sleep included
        /// (`gpiod_get_value_cansleep()`). Process context only, which
        /// `might_sleep()` checks.
        pub(crate) fn value_cansleep(&self) -> Result<bool> {
            kernel::task::might_sleep();
            // SAFETY: by the type invariant the descriptor is requested; the
            // caller may sleep (checked above), which is all the cansleep
            // variant asks.
            let v = unsafe { ffi::gpiod_get_value_cansleep(self.raw()) };
            to_result(v)?;
            Ok(v != 0)
        }

        /// Makes `dev` a consumer of the line's controller (a device link,
        /// removed when `dev` unbinds), so that unbinding the controller (an
        /// expander's driver) unbinds `dev` first: its readers then get
        /// `ENODEV`, as at any unbind, instead of waiting on a line that is
        /// gone. The device tree's fw_devlink gives such a link only once, to
        /// the controller's first GPIO device.
        pub(crate) fn link_controller(&self, dev: &device::Device<device::Bound>) -> Result {
            let raw: *mut kernel::ffi::c_void = core::ptr::from_ref(dev).cast_mut().cast();
            // SAFETY: `raw` is a valid, bound device for the call; by the type
            // invariant the descriptor is requested. The link belongs to the
            // driver core, which removes it when `dev` unbinds.
            to_result(unsafe { ffi::rpoll_helper_gpiod_link_controller(raw, self.raw()) })
        }

        /// Turns the line into one whose value can be read from any context, or
        /// gives it back if its controller can sleep (an I2C or SPI expander).
        pub(crate) fn into_atomic(self) -> core::result::Result<AtomicDesc, Self> {
            // SAFETY: by the type invariant the descriptor is requested.
            if unsafe { ffi::gpiod_cansleep(self.raw()) } != 0 {
                return Err(self);
            }
            // INVARIANT: `gpiod_cansleep()` just said the controller does not
            // sleep, which is a fixed property of the chip.
            Ok(AtomicDesc(self))
        }
    }

    impl Drop for Desc {
        fn drop(&mut self) {
            // SAFETY: by the type invariant the descriptor is requested and this
            // is the only place that puts it.
            unsafe { ffi::gpiod_put(self.raw()) };
        }
    }

    /// A requested GPIO line whose controller does not sleep.
    ///
    /// # Invariants
    ///
    /// `gpiod_cansleep()` is false for the descriptor.
    pub(crate) struct AtomicDesc(Desc);

    impl AtomicDesc {
        /// The logical level of the line (active-low applied). Any context,
        /// hard IRQ included (`gpiod_get_value()`).
        pub(crate) fn value(&self) -> Result<bool> {
            // SAFETY: the descriptor is requested (invariant of `Desc`) and
            // its controller does not sleep (type invariant), so the read is
            // valid in any context.
            let v = unsafe { ffi::gpiod_get_value(self.0.raw()) };
            to_result(v)?;
            Ok(v != 0)
        }
    }

    impl core::ops::Deref for AtomicDesc {
        type Target = Desc;

        fn deref(&self) -> &Desc {
            &self.0
        }
    }
}
