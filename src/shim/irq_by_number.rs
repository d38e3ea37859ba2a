// SPDX-License-Identifier: GPL-2.0

//! Stands for: a public `irq::IrqRequest` constructor for an interrupt a
//! bound device got from elsewhere (here `gpiod_to_irq()`), a public
//! `irq::Flags` value, `irq_get_trigger_type()` and `irq_set_irq_type()`.
//!
//! Linux 7.3's `kernel::irq::Registration` only accepts an `IrqRequest`,
//! which only the kernel crate's bus abstractions can create, and keeps the
//! bits of `irq::Flags` crate-private. [`IrqLine`] is that registration for a
//! number the caller holds: it takes a [`Handler`] (7.3's `irq::Handler`,
//! which on 7.2 also receives the bound device: this one has the same shape
//! on both releases) or a [`ThreadedHandler`] (7.3's `irq::ThreadedHandler`,
//! the `ThreadedRegistration` side) and the kernel crate's [`Flags`], and
//! frees the interrupt on drop.

use core::marker::{PhantomData, PhantomPinned};

use kernel::{
    bindings, device,
    error::to_result,
    ffi::{c_int, c_ulong, c_void},
    irq::{Flags, IrqReturn, ThreadedIrqReturn},
    prelude::*,
    str::CStr,
};

use super::release;

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

/// The `IRQ_TYPE_*` trigger bits configured for `irq` (0 if none or if no
/// such interrupt exists), as `irq_get_trigger_type()` reports them.
pub(crate) fn trigger_type(irq: u32) -> u32 {
    // SAFETY: `irq_get_trigger_type()` accepts any number (it returns 0 when
    // no descriptor exists) and only reads the descriptor's state.
    unsafe { rpoll_helper_irq_get_trigger_type(irq) }
}

/// Changes the trigger of interrupt `irq`, which the caller has requested
/// (and keeps requested for the call), to the `IRQ_TYPE_*` bits `trigger`
/// (`irq_set_irq_type()`), as a wake-up source does around a system sleep
/// to wake only on some edges. `EINVAL` for no such interrupt or a trigger
/// its controller cannot take. Process context: the controller's bus lock
/// may sleep (an expander).
pub(crate) fn set_trigger_type(irq: u32, trigger: u32) -> Result {
    // SAFETY: `irq_set_irq_type()` looks the number up itself (`EINVAL` if
    // no descriptor exists) and takes the descriptor's lock; it is called
    // from process context, as it requires.
    to_result(unsafe { bindings::irq_set_irq_type(irq, trigger) })
}

/// The `IRQF_*` bits of `flags`, built from the kernel crate's public
/// constants (`Flags::into_inner()` is crate-private in 7.3). `EINVAL` if
/// `flags` has a bit none of those constants names (7.3's `NO_AUTOEN` and
/// `NO_DEBUG` among them: a registration that starts disabled or skips the
/// spurious-interrupt detector is not what this shim offers), instead of
/// requesting the interrupt without it.
fn raw_flags(flags: Flags) -> Result<c_ulong> {
    const KNOWN: [(Flags, u32); 16] = [
        (Flags::TRIGGER_RISING, bindings::IRQF_TRIGGER_RISING),
        (Flags::TRIGGER_FALLING, bindings::IRQF_TRIGGER_FALLING),
        (Flags::TRIGGER_HIGH, bindings::IRQF_TRIGGER_HIGH),
        (Flags::TRIGGER_LOW, bindings::IRQF_TRIGGER_LOW),
        (Flags::SHARED, bindings::IRQF_SHARED),
        (Flags::PROBE_SHARED, bindings::IRQF_PROBE_SHARED),
        (Flags::TIMER, bindings::IRQF_TIMER),
        (Flags::PERCPU, bindings::IRQF_PERCPU),
        (Flags::NOBALANCING, bindings::IRQF_NOBALANCING),
        (Flags::IRQPOLL, bindings::IRQF_IRQPOLL),
        (Flags::ONESHOT, bindings::IRQF_ONESHOT),
        (Flags::NO_SUSPEND, bindings::IRQF_NO_SUSPEND),
        (Flags::FORCE_RESUME, bindings::IRQF_FORCE_RESUME),
        (Flags::NO_THREAD, bindings::IRQF_NO_THREAD),
        (Flags::EARLY_RESUME, bindings::IRQF_EARLY_RESUME),
        (Flags::COND_SUSPEND, bindings::IRQF_COND_SUSPEND),
    ];
    let mut covered = Flags::TRIGGER_NONE;
    let mut raw: c_ulong = 0;
    for (f, bits) in KNOWN {
        if flags & f == f {
            covered = covered | f;
            raw |= bits as c_ulong;
        }
    }
    if flags & !covered != Flags::TRIGGER_NONE {
        return Err(EINVAL);
    }
    Ok(raw)
}

/// The masking of a level-triggered interrupt while its cause cannot be
/// cleared: `disable_irq_nosync()` / `enable_irq()`, kept balanced.
///
/// A handler that cannot clear the condition behind a level-triggered
/// interrupt masks its line after handling it and unmasks it later (a timer,
/// a reader's acknowledgement), as UIO's `irqcontrol` does. `disable_irq()`
/// counts nested disables, so an unmask without its mask would enable an
/// interrupt someone else disabled ("Unbalanced enable" warning); this type
/// remembers whether it masked and only then unmasks, so it cannot unbalance
/// the count however its methods are called.
///
/// Dropping it while masked leaves the line disabled: drop it after the
/// interrupt is freed (`free_irq()` shuts the line down and the next
/// request starts it afresh), never unmask after that.
///
/// # Invariants
///
/// `masked` is `true` exactly when this value has disabled `irq` once more
/// than it has enabled it.
pub(crate) struct IrqMask {
    irq: u32,
    masked: bool,
}

impl IrqMask {
    /// The mask of interrupt `irq`, not masked.
    pub(crate) fn new(irq: u32) -> Self {
        // INVARIANT: nothing disabled yet.
        Self { irq, masked: false }
    }

    /// Whether this value holds the interrupt masked.
    pub(crate) fn is_masked(&self) -> bool {
        self.masked
    }

    /// Masks the interrupt without waiting for its handler (so its own
    /// handler may call it). Any context; does nothing if already masked.
    pub(crate) fn mask_nosync(&mut self) {
        if !self.masked {
            // SAFETY: `disable_irq_nosync()` accepts any number (it ignores
            // one without a descriptor), does not sleep, and may be called
            // from the interrupt's own handler.
            unsafe { bindings::disable_irq_nosync(self.irq) };
            // INVARIANT: disabled once more than enabled.
            self.masked = true;
        }
    }

    /// Unmasks the interrupt if this value masked it. Any context (for
    /// controllers without a sleeping bus lock: on-chip ones).
    pub(crate) fn unmask(&mut self) {
        if self.masked {
            // SAFETY: balances the `disable_irq_nosync()` of `mask_nosync`
            // (type invariant), so the disable depth stays what others set.
            unsafe { bindings::enable_irq(self.irq) };
            // INVARIANT: enabled as often as disabled again.
            self.masked = false;
        }
    }
}

/// A requested interrupt whose handler is `T`.
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
/// `Self` as cookie and the callbacks for `T` ([`IrqLine::request`]'s or
/// [`IrqLine::request_threaded`]'s), until `drop` frees it or its GPIO
/// chip's removal did; after either, no callback runs with this cookie.
#[pin_data(PinnedDrop)]
pub(crate) struct IrqLine<'a, T: Sync> {
    irq: u32,
    #[pin]
    handler: T,
    _dev: PhantomData<&'a device::Device<device::Bound>>,
    #[pin]
    _pin: PhantomPinned,
}

/// A C interrupt callback (`irq_handler_t`).
type RawHandler = unsafe extern "C" fn(c_int, *mut c_void) -> bindings::irqreturn_t;

impl<'a, T: Sync + 'a> IrqLine<'a, T> {
    /// Requests `irq` with `primary` and `thread` as callbacks and the
    /// registration as their cookie.
    ///
    /// # Safety
    ///
    /// `primary` (and `thread`, if any) are callbacks for `T` that treat
    /// their cookie as a live `IrqLine<'_, T>`; the caller's own contract is
    /// [`IrqLine::request`]'s.
    unsafe fn request_raw(
        irq: u32,
        flags: c_ulong,
        name: &'static CStr,
        handler: impl PinInit<T, Error> + 'a,
        primary: RawHandler,
        thread: Option<RawHandler>,
    ) -> Result<Pin<KBox<Self>>> {
        let number = irq;
        let init = try_pin_init!(&this in Self {
            irq,
            handler <- handler,
            _dev: PhantomData,
            _pin: PhantomPinned,
            _: {
                // SAFETY: the callbacks match the C handler type and expect
                // this cookie (the function's contract); it points to
                // `Self`, which is pinned in its box and fully initialised
                // here, so a handler may run at once. The box is freed only
                // after `drop` has freed the interrupt (type invariant), and
                // the caller drops it before the binding and the module end.
                // INVARIANT: on success the interrupt is requested as
                // described.
                to_result(unsafe {
                    bindings::request_threaded_irq(
                        number,
                        Some(primary),
                        thread,
                        flags,
                        name.as_char_ptr(),
                        this.as_ptr().cast::<c_void>(),
                    )
                })?;
            },
        });
        KBox::pin_init(init, GFP_KERNEL)
    }
}

impl<'a, T: Handler + 'a> IrqLine<'a, T> {
    /// Requests interrupt `irq` for `dev` with `flags`, named `name` in
    /// `/proc/interrupts`, with the handler `handler` initialises. Dropping
    /// the registration frees the interrupt (waiting for a running handler).
    ///
    /// Like upstream's `irq::Registration::new`, this is `unsafe`: the
    /// interrupt stays requested for as long as the registration exists,
    /// and nothing in the type stops a caller from leaking it
    /// (`KBox::leak`, `mem::forget`, a reference cycle). A leaked
    /// registration would keep calling `handler_cb::<T>` after the data `T`
    /// borrows for `'a` is gone, or after `rmmod` freed the module's text.
    ///
    /// # Safety
    ///
    /// The caller drops the returned registration before `dev`'s binding
    /// ends (at the latest in the driver's unbind, i.e. as part of the
    /// driver data), so it is neither leaked nor kept past `'a` and the
    /// module's lifetime.
    pub(crate) unsafe fn request(
        _dev: &'a device::Device<device::Bound>,
        irq: u32,
        flags: Flags,
        name: &'static CStr,
        handler: impl PinInit<T, Error> + 'a,
    ) -> Result<Pin<KBox<Self>>> {
        let raw = raw_flags(flags)?;
        // SAFETY: `handler_cb::<T>` treats its cookie as an `IrqLine<T>`;
        // the caller's contract is this function's.
        unsafe { Self::request_raw(irq, raw, name, handler, handler_cb::<T>, None) }
    }
}

impl<'a, T: ThreadedHandler + 'a> IrqLine<'a, T> {
    /// Requests interrupt `irq` for `dev` as [`IrqLine::request`] does, with
    /// a handler in two halves (`request_threaded_irq()`). `IRQF_ONESHOT` is
    /// added to `flags`: the line stays masked until the thread has run,
    /// which a level-triggered line needs and a nested interrupt requires.
    ///
    /// # Safety
    ///
    /// As for [`IrqLine::request`]: the caller drops the registration before
    /// `dev`'s binding ends, never leaks it.
    pub(crate) unsafe fn request_threaded(
        _dev: &'a device::Device<device::Bound>,
        irq: u32,
        flags: Flags,
        name: &'static CStr,
        handler: impl PinInit<T, Error> + 'a,
    ) -> Result<Pin<KBox<Self>>> {
        let raw = raw_flags(flags | Flags::ONESHOT)?;
        // SAFETY: both callbacks treat their cookie as an `IrqLine<T>`; the
        // caller's contract is this function's.
        unsafe {
            Self::request_raw(
                irq,
                raw,
                name,
                handler,
                primary_cb::<T>,
                Some(thread_cb::<T>),
            )
        }
    }
}

#[pinned_drop]
impl<T: Sync> PinnedDrop for IrqLine<'_, T> {
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
        // handler can run, so `handler` may be dropped afterwards. (Were it
        // freed by its chip's removal in between, `free_irq()` would find no
        // action and only warn.)
        unsafe { bindings::free_irq(self.irq, cookie) };
    }
}

/// The handler of the registration whose cookie is `ptr`.
///
/// # Safety
///
/// `ptr` is the cookie of an interrupt requested by [`IrqLine`] with `T`'s
/// callbacks, passed by the IRQ core to one of them: it points to a live
/// `IrqLine<T>`, which stays alive until `free_irq()` returns, and that
/// waits for running handlers and stops the thread first.
unsafe fn handler_of<'a, T: Sync>(ptr: *mut c_void) -> &'a T {
    // SAFETY: by the function's contract.
    &unsafe { &*ptr.cast::<IrqLine<'_, T>>() }.handler
}

/// # Safety
///
/// Called by the IRQ core for an interrupt requested by [`IrqLine::request`]
/// with `ptr` as cookie.
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
/// [`IrqLine::request_threaded`] with `ptr` as cookie.
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
/// [`IrqLine::request_threaded`] with `ptr` as cookie.
unsafe extern "C" fn thread_cb<T: ThreadedHandler>(
    _irq: c_int,
    ptr: *mut c_void,
) -> bindings::irqreturn_t {
    // SAFETY: `ptr` is the cookie of `T`'s registration (contract).
    release::irqreturn(unsafe { handler_of::<T>(ptr) }.handle_threaded())
}
