// SPDX-License-Identifier: GPL-2.0

//! Stands for: `kernel::irq::{Line, Mask}`, `Flags::from_trigger_type()`
//! and `Flags::trigger_type()`, `IrqRequest::line()`, and registrations
//! that leave an interrupt its GPIO chip freed (patch 9 of the kernel-crate
//! series, docs/upstream.md), plus the `IrqRequest` that
//! `gpio::consumer::Desc::to_irq()` returns (patch 8).
//!
//! With a kernel that carries patch 9 (`rpoll_kernel_irq_line`, from
//! `upstream.mk`), this file re-exports the kernel's `irq` types. The
//! backport below has the same names and methods, and three differences
//! the driver does not see: its [`Handler`] and [`ThreadedHandler`] are
//! the same on Linux 7.2 and 7.3 (7.2's `irq::Handler` also receives the
//! bound device); its registrations take the kernel's `IrqRequest` (from
//! `platform::Device::irq_by_index()` and friends) as well as its own
//! (from the GPIO backport); and the kernel's `IrqRequest` gets `line()`
//! from the [`RequestLine`] trait, which `shim::prelude` brings.
//!
//! Kept from before the series: the backport requests with
//! `request_threaded_irq()` itself, as 7.3's `IrqRequest` can only be made
//! inside the kernel crate, and it passes `Flags` bits it built from the
//! kernel's `IRQF_*` values.

#[cfg(rpoll_kernel_irq_line)]
pub(crate) use kernel::irq::{
    Flags, Handler, IrqRequest, Line, Mask, Registration, ThreadedHandler, ThreadedRegistration,
};

#[cfg(not(rpoll_kernel_irq_line))]
pub(crate) use backport::{
    Flags, Handler, IrqRequest, Line, Mask, Registration, RequestLine, ThreadedHandler,
    ThreadedRegistration,
};

/// The backport (see the module documentation).
#[cfg(not(rpoll_kernel_irq_line))]
mod backport {
    use core::marker::{PhantomData, PhantomPinned};

    use kernel::{
        bindings, device,
        error::to_result,
        ffi::{c_int, c_ulong, c_void},
        irq::{IrqReturn, ThreadedIrqReturn},
        prelude::*,
        str::CStr,
    };

    use super::super::release;

    extern "C" {
        /// `irq_get_trigger_type()` (`helpers.c`).
        fn rpoll_helper_irq_get_trigger_type(irq: u32) -> u32;
    }

    /// An interrupt handler, run in hard-IRQ context (7.3's `irq::Handler`).
    pub(crate) trait Handler: Sync {
        /// Handles the interrupt: `Handled` if it was this device's.
        fn handle(&self) -> IrqReturn;
    }

    /// An interrupt handler in two halves (7.3's `irq::ThreadedHandler`): a
    /// hard-IRQ half that may ask for the thread, and the thread, which may
    /// sleep (read an I2C expander, say).
    pub(crate) trait ThreadedHandler: Sync {
        /// The hard-IRQ half: `WakeThread` to run [`Self::handle_threaded`].
        /// The IRQ core skips it for an interrupt that its controller delivers
        /// from a thread of its own (a nested interrupt, as I2C expanders'
        /// are): then only [`Self::handle_threaded`] runs.
        fn handle(&self) -> ThreadedIrqReturn;

        /// The thread half, in process context; it may sleep.
        fn handle_threaded(&self) -> IrqReturn;
    }

    /// Flags of an interrupt request (`IRQF_*`): the kernel's `irq::Flags`
    /// with patch 9's trigger-type conversions; the constants rpoll uses.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub(crate) struct Flags(c_ulong);

    impl Flags {
        /// The line's trigger as already configured.
        pub(crate) const TRIGGER_NONE: Flags = Flags(bindings::IRQF_TRIGGER_NONE as c_ulong);
        /// Low to high.
        pub(crate) const TRIGGER_RISING: Flags = Flags(bindings::IRQF_TRIGGER_RISING as c_ulong);
        /// High to low.
        pub(crate) const TRIGGER_FALLING: Flags = Flags(bindings::IRQF_TRIGGER_FALLING as c_ulong);
        /// The line stays masked until the thread has run.
        pub(crate) const ONESHOT: Flags = Flags(bindings::IRQF_ONESHOT as c_ulong);

        /// The trigger flags of the `IRQ_TYPE_*` value `trigger_type` (the two
        /// encodings share their values); other bits are ignored.
        pub(crate) fn from_trigger_type(trigger_type: u32) -> Self {
            Self((trigger_type & bindings::IRQF_TRIGGER_MASK) as c_ulong)
        }

        /// The `IRQ_TYPE_*` value of the trigger flags among `self`.
        pub(crate) fn trigger_type(self) -> u32 {
            // Within 4 bits after the mask.
            (self.0 & bindings::IRQF_TRIGGER_MASK as c_ulong) as u32
        }
    }

    impl core::ops::BitOr for Flags {
        type Output = Self;
        fn bitor(self, rhs: Self) -> Self {
            Self(self.0 | rhs.0)
        }
    }

    impl core::ops::BitAnd for Flags {
        type Output = Self;
        fn bitand(self, rhs: Self) -> Self {
            Self(self.0 & rhs.0)
        }
    }

    /// An interrupt for a bound device to request (the kernel's
    /// `irq::IrqRequest`).
    ///
    /// # Invariants
    ///
    /// `irq` is an interrupt of the device `'a` borrows.
    pub(crate) struct IrqRequest<'a> {
        irq: u32,
        _dev: PhantomData<&'a device::Device<device::Bound>>,
    }

    impl<'a> IrqRequest<'a> {
        /// The request for interrupt `irq` of `dev`.
        ///
        /// # Safety
        ///
        /// `irq` is an interrupt of `dev` (here: the interrupt of a GPIO line
        /// `dev` holds).
        pub(crate) unsafe fn new(_dev: &'a device::Device<device::Bound>, irq: u32) -> Self {
            // INVARIANT: the caller's contract.
            Self {
                irq,
                _dev: PhantomData,
            }
        }

        /// The interrupt's number.
        pub(crate) fn irq(&self) -> u32 {
            self.irq
        }

        /// The interrupt's line, for its trigger type and masking.
        pub(crate) fn line(&self) -> Line {
            Line(self.irq)
        }
    }

    impl<'a> From<kernel::irq::IrqRequest<'a>> for IrqRequest<'a> {
        fn from(request: kernel::irq::IrqRequest<'a>) -> Self {
            // INVARIANT: the kernel's request has the same invariant.
            Self {
                irq: request.irq(),
                _dev: PhantomData,
            }
        }
    }

    /// `line()` for the kernel's `IrqRequest` (patch 9's `IrqRequest::line()`).
    pub(crate) trait RequestLine {
        /// The interrupt's line, for its trigger type and masking.
        fn line(&self) -> Line;
    }

    impl RequestLine for kernel::irq::IrqRequest<'_> {
        fn line(&self) -> Line {
            Line(self.irq())
        }
    }

    /// An interrupt line by number (the kernel's `irq::Line`): its operations
    /// accept any number, so a stale one only acts as the C calls would.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub(crate) struct Line(u32);

    impl Line {
        /// The interrupt's number.
        pub(crate) fn irq(self) -> u32 {
            self.0
        }

        /// The trigger the interrupt is configured with (`TRIGGER_NONE` if
        /// none or no such interrupt), as `irq_get_trigger_type()` reports it.
        pub(crate) fn trigger_type(self) -> Flags {
            // SAFETY: `irq_get_trigger_type()` accepts any number (it returns 0
            // when no descriptor exists) and only reads the descriptor's state.
            Flags::from_trigger_type(unsafe { rpoll_helper_irq_get_trigger_type(self.0) })
        }

        /// Changes the interrupt's trigger to the trigger flags of `trigger`
        /// (`irq_set_irq_type()`). `EINVAL` for no such interrupt or a trigger
        /// its controller cannot take. May sleep (an expander's bus lock).
        pub(crate) fn set_trigger_type(self, trigger: Flags) -> Result {
            kernel::task::might_sleep();
            // SAFETY: `irq_set_irq_type()` looks the number up itself (`EINVAL`
            // if no descriptor exists) and takes the descriptor's lock; the
            // caller may sleep, as its bus lock requires.
            to_result(unsafe { bindings::irq_set_irq_type(self.0, trigger.trigger_type()) })
        }
    }

    /// A driver's masking of its interrupt line, kept balanced (the kernel's
    /// `irq::Mask`): `disable_irq_nosync()` / `enable_irq()`.
    ///
    /// `disable_irq()` counts nested disables, so an unmask without its mask
    /// would enable an interrupt someone else disabled ("Unbalanced enable");
    /// this type remembers whether it masked and only then unmasks. Dropping
    /// it while masked leaves the line disabled: drop it after the interrupt
    /// is freed (the next request starts the line afresh).
    ///
    /// # Invariants
    ///
    /// `masked` is `true` exactly when this value has disabled the line once
    /// more than it has enabled it.
    pub(crate) struct Mask {
        line: Line,
        masked: bool,
    }

    impl Mask {
        /// The mask of `line`, not masked.
        pub(crate) fn new(line: Line) -> Self {
            // INVARIANT: nothing disabled yet.
            Self {
                line,
                masked: false,
            }
        }

        /// Whether this value holds the line masked.
        pub(crate) fn is_masked(&self) -> bool {
            self.masked
        }

        /// Masks the line without waiting for its handler (so its own handler
        /// may call it). Any context; does nothing if already masked.
        pub(crate) fn disable_nosync(&mut self) {
            if !self.masked {
                // SAFETY: `disable_irq_nosync()` accepts any number (it ignores
                // one without a descriptor), does not sleep, and may be called
                // from the interrupt's own handler.
                unsafe { bindings::disable_irq_nosync(self.line.0) };
                // INVARIANT: disabled once more than enabled.
                self.masked = true;
            }
        }

        /// Unmasks the line if this value masked it. Any context (for
        /// controllers without a sleeping bus lock: on-chip ones).
        pub(crate) fn enable(&mut self) {
            if self.masked {
                // SAFETY: balances the `disable_irq_nosync()` of
                // `disable_nosync` (type invariant), so the disable depth stays
                // what others set.
                unsafe { bindings::enable_irq(self.line.0) };
                // INVARIANT: enabled as often as disabled again.
                self.masked = false;
            }
        }
    }

    /// A requested interrupt whose handler is `T`, with the callbacks the
    /// owning registration type chose.
    ///
    /// An interrupt of a GPIO line may be freed by gpiolib before this is
    /// dropped: when the line's chip goes away (an expander unbound), gpiolib
    /// frees every interrupt still requested on its lines
    /// (`gpiochip_free_remaining_irqs()`) and only then does the driver core
    /// unbind the consumers. After that no handler runs; `drop` sees the action
    /// gone and does not free it a second time (which would warn "Trying to
    /// free already-free IRQ").
    ///
    /// # Invariants
    ///
    /// While `Self` exists, interrupt `irq` is requested with a pointer to
    /// `Self` as cookie and callbacks for `T`, until `drop` frees it or its GPIO
    /// chip's removal did; after either, no callback runs with this cookie.
    #[pin_data(PinnedDrop)]
    struct Requested<'a, T: Sync> {
        irq: u32,
        #[pin]
        handler: T,
        _dev: PhantomData<&'a device::Device<device::Bound>>,
        #[pin]
        _pin: PhantomPinned,
    }

    /// A C interrupt callback (`irq_handler_t`).
    type RawHandler = unsafe extern "C" fn(c_int, *mut c_void) -> bindings::irqreturn_t;

    impl<'a, T: Sync + 'a> Requested<'a, T> {
        /// Requests `request`'s interrupt with `primary` and `thread` as
        /// callbacks and the registration as their cookie.
        ///
        /// # Safety
        ///
        /// `primary` (and `thread`, if any) are callbacks for `T` that treat
        /// their cookie as a live `Requested<'_, T>`; the caller's own contract
        /// is [`Registration::new`]'s.
        unsafe fn new(
            request: IrqRequest<'a>,
            flags: Flags,
            name: &'static CStr,
            handler: impl PinInit<T, Error> + 'a,
            primary: RawHandler,
            thread: Option<RawHandler>,
        ) -> impl PinInit<Self, Error> + 'a {
            let number = request.irq;
            try_pin_init!(&this in Self {
                irq: number,
                handler <- handler,
                _dev: PhantomData,
                _pin: PhantomPinned,
                _: {
                    // SAFETY: the callbacks match the C handler type and expect
                    // this cookie (the function's contract); it points to
                    // `Self`, which is pinned and fully initialised here, so a
                    // handler may run at once. It is freed only after `drop`
                    // has freed the interrupt (type invariant), and the caller
                    // drops it before the binding and the module end.
                    // INVARIANT: on success the interrupt is requested as
                    // described.
                    to_result(unsafe {
                        bindings::request_threaded_irq(
                            number,
                            Some(primary),
                            thread,
                            flags.0,
                            name.as_char_ptr(),
                            this.as_ptr().cast::<c_void>(),
                        )
                    })?;
                },
            })
        }
    }

    #[pinned_drop]
    impl<T: Sync> PinnedDrop for Requested<'_, T> {
        fn drop(self: Pin<&mut Self>) {
            let cookie = core::ptr::from_ref(&*self).cast_mut().cast::<c_void>();
            // gpiolib frees every action of the interrupt when it frees them
            // with the chip, so none left means ours went too (type doc): no
            // handler runs any more.
            // SAFETY: `irq_has_action()` accepts any number and only reads.
            if !unsafe { bindings::irq_has_action(self.irq) } {
                return;
            }
            // SAFETY: by the type invariant the interrupt is requested with this
            // cookie; `free_irq()` waits for a running handler, after which no
            // handler can run, so `handler` may be dropped afterwards.
            unsafe { bindings::free_irq(self.irq, cookie) };
        }
    }

    /// A registration of a one-half interrupt handler (the kernel's
    /// `irq::Registration`); frees the interrupt when dropped.
    #[pin_data]
    pub(crate) struct Registration<'a, T: Handler> {
        #[pin]
        inner: Requested<'a, T>,
    }

    impl<'a, T: Handler + 'a> Registration<'a, T> {
        /// Requests `request`'s interrupt with `flags`, named `name` in
        /// `/proc/interrupts`, with the handler `handler` initialises.
        ///
        /// # Safety
        ///
        /// As the kernel's `Registration::new`: the caller does not leak the
        /// registration (`mem::forget`, a reference cycle) and drops it before
        /// the device's binding ends, so no handler runs after `'a` or after
        /// `rmmod`.
        pub(crate) unsafe fn new(
            request: impl Into<IrqRequest<'a>>,
            flags: Flags,
            name: &'static CStr,
            handler: impl PinInit<T, Error> + 'a,
        ) -> impl PinInit<Self, Error> + 'a {
            // SAFETY: `handler_cb::<T>` treats its cookie as a `Requested<T>`;
            // the caller's contract is this function's.
            let inner = unsafe {
                Requested::new(request.into(), flags, name, handler, handler_cb::<T>, None)
            };
            try_pin_init!(Self { inner <- inner })
        }
    }

    /// A registration of a two-half interrupt handler (the kernel's
    /// `irq::ThreadedRegistration`); frees the interrupt (and stops its thread)
    /// when dropped.
    #[pin_data]
    pub(crate) struct ThreadedRegistration<'a, T: ThreadedHandler> {
        #[pin]
        inner: Requested<'a, T>,
    }

    impl<'a, T: ThreadedHandler + 'a> ThreadedRegistration<'a, T> {
        /// Requests `request`'s interrupt as [`Registration::new`] does, with a
        /// handler in two halves (`request_threaded_irq()`).
        ///
        /// # Safety
        ///
        /// As for [`Registration::new`].
        pub(crate) unsafe fn new(
            request: impl Into<IrqRequest<'a>>,
            flags: Flags,
            name: &'static CStr,
            handler: impl PinInit<T, Error> + 'a,
        ) -> impl PinInit<Self, Error> + 'a {
            // SAFETY: both callbacks treat their cookie as a `Requested<T>`; the
            // caller's contract is this function's.
            let inner = unsafe {
                Requested::new(
                    request.into(),
                    flags,
                    name,
                    handler,
                    primary_cb::<T>,
                    Some(thread_cb::<T>),
                )
            };
            try_pin_init!(Self { inner <- inner })
        }
    }

    /// The handler of the registration whose cookie is `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` is the cookie of an interrupt requested by [`Requested`] with
    /// `T`'s callbacks, passed by the IRQ core to one of them: it points to a
    /// live `Requested<T>`, which stays alive until `free_irq()` returns, and
    /// that waits for running handlers and stops the thread first.
    unsafe fn handler_of<'a, T: Sync>(ptr: *mut c_void) -> &'a T {
        // SAFETY: by the function's contract.
        &unsafe { &*ptr.cast::<Requested<'_, T>>() }.handler
    }

    /// # Safety
    ///
    /// Called by the IRQ core for an interrupt requested by
    /// [`Registration::new`] with `ptr` as cookie.
    unsafe extern "C" fn handler_cb<T: Handler>(
        _irq: c_int,
        ptr: *mut c_void,
    ) -> bindings::irqreturn_t {
        // SAFETY: `ptr` is the cookie of `T`'s registration (contract).
        release::irqreturn(unsafe { handler_of::<T>(ptr) }.handle())
    }

    /// # Safety
    ///
    /// Called by the IRQ core for an interrupt requested by
    /// [`ThreadedRegistration::new`] with `ptr` as cookie.
    unsafe extern "C" fn primary_cb<T: ThreadedHandler>(
        _irq: c_int,
        ptr: *mut c_void,
    ) -> bindings::irqreturn_t {
        // SAFETY: `ptr` is the cookie of `T`'s registration (contract).
        release::threaded_irqreturn(unsafe { handler_of::<T>(ptr) }.handle())
    }

    /// # Safety
    ///
    /// Called by the interrupt's thread for an interrupt requested by
    /// [`ThreadedRegistration::new`] with `ptr` as cookie.
    unsafe extern "C" fn thread_cb<T: ThreadedHandler>(
        _irq: c_int,
        ptr: *mut c_void,
    ) -> bindings::irqreturn_t {
        // SAFETY: `ptr` is the cookie of `T`'s registration (contract).
        release::irqreturn(unsafe { handler_of::<T>(ptr) }.handle_threaded())
    }
}
