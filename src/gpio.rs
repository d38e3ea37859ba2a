// SPDX-License-Identifier: GPL-2.0

//! A small GPIO consumer abstraction over `<linux/gpio/consumer.h>`.
//!
//! Linux 7.3's kernel crate has no GPIO consumer API and its bindings do not
//! include the consumer header, so the few functions rpoll needs are declared
//! here. [`GpioDesc`] owns one requested descriptor and puts it on drop; its
//! methods are the safe subset a consumer like rpoll needs. It is shaped as an
//! upstream `kernel::gpio::consumer` module would be (the declarations would
//! move to `bindings_helper.h`).

use core::ptr::NonNull;

use kernel::{
    device,
    error::{code::EINVAL, to_result},
    prelude::*,
    str::CStr,
};

/// The C declarations this shim uses (all exported by gpiolib).
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
        pub(super) fn gpiod_cansleep(desc: *const GpioDesc) -> c_int;
        pub(super) fn gpiod_is_active_low(desc: *const GpioDesc) -> c_int;
        pub(super) fn gpiod_hwgpio(desc: *const GpioDesc) -> c_int;
        pub(super) fn gpiod_set_consumer_name(desc: *mut GpioDesc, name: *const c_char) -> c_int;
    }
}

/// `enum gpiod_flags`: how a line is requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Flags {
    /// `GPIOD_IN`: as an input.
    In = 1,
}

/// Largest errno an `ERR_PTR()` encodes (`MAX_ERRNO`).
const MAX_ERRNO: usize = 4095;

/// A requested GPIO line.
///
/// # Invariants
///
/// `0` points to a descriptor returned by a successful `gpiod_get()` that has
/// not been put; it is put exactly once, in `drop`.
pub(crate) struct GpioDesc(NonNull<ffi::GpioDesc>);

// SAFETY: gpiolib's consumer functions may be called on a descriptor from any
// thread; the descriptor is not tied to the requesting thread.
unsafe impl Send for GpioDesc {}
// SAFETY: every method takes `&self` and calls gpiolib functions that do
// their own locking (or none is needed for reads of the line state).
unsafe impl Sync for GpioDesc {}

impl GpioDesc {
    /// Requests the line of `dev`'s `gpios` property (index 0) with `flags`,
    /// as `gpiod_get(dev, NULL, flags)` does. Errors are gpiolib's: `ENOENT`
    /// (no such property), `EBUSY` (the line is taken), `EPROBE_DEFER`...
    pub(crate) fn get(dev: &device::Device<device::Bound>, flags: Flags) -> Result<Self> {
        // `Device<Ctx>` is `#[repr(transparent)]` over the C `struct device`.
        let raw: *mut kernel::ffi::c_void = core::ptr::from_ref(dev).cast_mut().cast();
        // SAFETY: `raw` is a valid, bound device for the duration of the
        // call; a null `con_id` selects the `gpios` property.
        let desc = unsafe { ffi::gpiod_get(raw, core::ptr::null(), flags as u32) };
        let addr = desc as usize;
        if addr > usize::MAX - MAX_ERRNO {
            // An `ERR_PTR()`: the negative errno in pointer form.
            return Err(Error::from_errno(addr as isize as i32));
        }
        // `gpiod_get()` never returns null for a required line; treat it as
        // "no such line" anyway rather than trusting it.
        let desc = NonNull::new(desc).ok_or(EINVAL)?;
        // INVARIANT: `desc` was just obtained from `gpiod_get()`.
        Ok(Self(desc))
    }

    fn raw(&self) -> *mut ffi::GpioDesc {
        self.0.as_ptr()
    }

    /// The interrupt number of the line (`gpiod_to_irq()`).
    pub(crate) fn to_irq(&self) -> Result<u32> {
        // SAFETY: by the type invariant the descriptor is requested.
        let irq = unsafe { ffi::gpiod_to_irq(self.raw()) };
        to_result(irq)?;
        if irq == 0 {
            // 0 is never a valid Linux interrupt number.
            return Err(EINVAL);
        }
        Ok(irq as u32)
    }

    /// Whether reading the line may sleep (a controller behind I2C or SPI).
    pub(crate) fn can_sleep(&self) -> bool {
        // SAFETY: by the type invariant the descriptor is requested.
        unsafe { ffi::gpiod_cansleep(self.raw()) != 0 }
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

    /// The logical level of the line (active-low applied), for lines that
    /// cannot sleep; callable from hard-IRQ context.
    ///
    /// Returns `EINVAL` without touching the line if it [can
    /// sleep](Self::can_sleep): gpiolib would warn, and reading it needs a
    /// sleepable context.
    pub(crate) fn value(&self) -> Result<bool> {
        if self.can_sleep() {
            return Err(EINVAL);
        }
        // SAFETY: by the type invariant the descriptor is requested, and its
        // controller does not sleep, so this is safe in any context.
        let v = unsafe { ffi::gpiod_get_value(self.raw()) };
        to_result(v)?;
        Ok(v != 0)
    }

    /// Sets the consumer name shown by `gpioinfo` and
    /// `/sys/kernel/debug/gpio` (gpiolib keeps its own copy).
    pub(crate) fn set_consumer_name(&self, name: &CStr) -> Result {
        // SAFETY: by the type invariant the descriptor is requested; `name`
        // is a valid C string for the call and gpiolib duplicates it.
        to_result(unsafe { ffi::gpiod_set_consumer_name(self.raw(), name.as_char_ptr()) })
    }
}

impl Drop for GpioDesc {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the descriptor is requested and this
        // is the only place that puts it.
        unsafe { ffi::gpiod_put(self.raw()) };
    }
}
