// SPDX-License-Identifier: GPL-2.0

//! Requesting an interrupt by number, for interrupts that do not come from a
//! device's own `interrupts` property (here: the interrupt of a GPIO line,
//! from `gpiod_to_irq()`).
//!
//! Linux 7.3's `kernel::irq::Registration` only accepts an `IrqRequest`, which
//! only the kernel crate's bus abstractions can create. [`IrqLine`] is the
//! same thing for a number the caller got elsewhere: it reuses the kernel
//! crate's [`irq::Handler`] trait and frees the interrupt on drop. Upstream,
//! this would be a public `IrqRequest` constructor for a bound device.

use core::marker::PhantomPinned;

use kernel::{
    bindings, device,
    error::to_result,
    ffi::{c_int, c_void},
    irq::{self, IrqReturn},
    prelude::*,
    str::CStr,
};

/// `IRQF_TRIGGER_*` bits for [`IrqLine::request`].
pub(crate) mod trigger {
    /// Rising edge.
    pub(crate) const RISING: u32 = kernel::bindings::IRQF_TRIGGER_RISING;
    /// Falling edge.
    pub(crate) const FALLING: u32 = kernel::bindings::IRQF_TRIGGER_FALLING;
}

/// A requested interrupt whose handler is `T`.
///
/// # Invariants
///
/// While `Self` exists, interrupt `irq` is requested with `handler_cb::<T>`
/// and a pointer to `Self` as cookie; it is freed exactly once, in `drop`,
/// before `handler` is dropped.
#[pin_data(PinnedDrop)]
pub(crate) struct IrqLine<'a, T: irq::Handler> {
    irq: u32,
    #[pin]
    handler: T,
    _dev: core::marker::PhantomData<&'a device::Device<device::Bound>>,
    #[pin]
    _pin: PhantomPinned,
}

impl<'a, T: irq::Handler + 'a> IrqLine<'a, T> {
    /// Requests interrupt `irq` for `dev` with `trigger` (`IRQF_TRIGGER_*`
    /// bits of [`trigger`]), named `name` in `/proc/interrupts`. The
    /// registration cannot outlive `dev`'s binding.
    ///
    /// # Safety
    ///
    /// `irq` must be an interrupt that `dev` may use (e.g. the interrupt of
    /// a GPIO line it has requested), and the returned registration must not
    /// be leaked (`mem::forget`): its drop frees the interrupt.
    pub(crate) unsafe fn request(
        _dev: &'a device::Device<device::Bound>,
        irq: u32,
        trigger: u32,
        name: &'static CStr,
        handler: impl PinInit<T, Error> + 'a,
    ) -> impl PinInit<Self, Error> + 'a {
        let number = irq;
        let flags = trigger as kernel::ffi::c_ulong;
        try_pin_init!(&this in Self {
            irq,
            handler <- handler,
            _dev: core::marker::PhantomData,
            _pin: PhantomPinned,
            _: {
                // SAFETY: `handler_cb::<T>` matches the C handler type; the
                // cookie points to `Self`, which is pinned and fully
                // initialised here, so the handler may run at once. Drop
                // frees the interrupt before the memory goes away (type
                // invariant).
                // INVARIANT: on success the interrupt is requested as
                // described.
                to_result(unsafe {
                    bindings::request_irq(
                        number,
                        Some(handler_cb::<T>),
                        flags,
                        name.as_char_ptr(),
                        this.as_ptr().cast::<c_void>(),
                    )
                })?;
            },
        })
    }
}

#[pinned_drop]
impl<T: irq::Handler> PinnedDrop for IrqLine<'_, T> {
    fn drop(self: Pin<&mut Self>) {
        let cookie = core::ptr::from_ref(&*self).cast_mut().cast::<c_void>();
        // SAFETY: by the type invariant the interrupt is requested with this
        // cookie; `free_irq()` waits for a running handler, after which no
        // handler can run, so `handler` may be dropped afterwards.
        unsafe { bindings::free_irq(self.irq, cookie) };
    }
}

/// # Safety
///
/// Called by the IRQ core for an interrupt requested by [`IrqLine::request`]:
/// `ptr` is the cookie, a pointer to a live `IrqLine<T>`.
unsafe extern "C" fn handler_cb<T: irq::Handler>(
    _irq: c_int,
    ptr: *mut c_void,
) -> bindings::irqreturn_t {
    // SAFETY: by the function's contract `ptr` points to a live `IrqLine<T>`
    // (it stays alive until `free_irq()` returns, which waits for us).
    let line = unsafe { &*ptr.cast::<IrqLine<'_, T>>() };
    match line.handler.handle() {
        IrqReturn::None => bindings::irqreturn::IRQ_NONE,
        IrqReturn::Handled => bindings::irqreturn::IRQ_HANDLED,
    }
}
