// SPDX-License-Identifier: GPL-2.0

//! rpoll's trace events (`events/rpoll/` in tracefs), as safe calls.
//!
//! The events are declared in C (`src/trace/events.h`, created by
//! `src/trace/events.c`); each function here fires one of them when it is
//! enabled and costs one patched, not-taken branch when it is not
//! (`declare_trace!` in its `extern;` form). They may be called in any context, hard IRQ
//! included, and with the fan-out lock held. `docs/tracing.md` describes
//! the events and their fields.

use kernel::ffi::c_char;

use crate::logic::sample::Sample;
use crate::shim::{prelude::*, tracepoint::declare_trace};

declare_trace! {
    extern;
    unsafe fn rpoll_record(
        dev: *const c_char,
        seq: u64,
        source: u32,
        stamp_ns: u64,
        readers: u32,
        queued: u32,
        woke: bool,
    );
    unsafe fn rpoll_drop(dev: *const c_char, reader: u32, seq: u64, lost: u64);
    unsafe fn rpoll_read(dev: *const c_char, reader: u32, records: u32, waited: bool, ret: i32);
    unsafe fn rpoll_reader(dev: *const c_char, reader: u32, attached: bool, readers: u32);
    unsafe fn rpoll_overrun(dev: *const c_char, seq: u64, skipped: u64, overruns: u64);
    unsafe fn rpoll_wake(dev: *const c_char, reason: u32);
    unsafe fn rpoll_system_wakeup(dev: *const c_char, seq: u64, source: u32);
    unsafe fn rpoll_config(dev: *const c_char, reader: i32, item: u32, a: u64, b: u64);
}

/// Why a device woke its readers (`RPOLL_WAKE_*` in `events.h`).
#[derive(Clone, Copy)]
#[repr(u32)]
pub(crate) enum WakeReason {
    /// A record brought a reader to its watermark's count.
    Count = 0,
    /// A reader's oldest record reached its watermark's delay.
    Age = 1,
    /// The device was unbound.
    Gone = 2,
    /// A reader's new watermark made it ready.
    Watermark = 3,
    /// A reader asked for its initial record.
    Initial = 4,
}

/// What a configuration change set (`RPOLL_SET_*` in `events.h`).
#[derive(Clone, Copy)]
#[repr(u32)]
pub(crate) enum ConfigItem {
    /// The timer's period: `a` in µs.
    Period = 0,
    /// A GPIO line's edges (`a`, `RPOLL_EDGE_*`) and debounce (`b`, µs).
    Config = 1,
    /// A reader's watermark: `a` records, `b` µs.
    Watermark = 2,
    /// A reader's edge mask: `a` (`RPOLL_EDGE_*`).
    EdgeMask = 3,
    /// A reader's clock: `a`, the clock id.
    Clock = 4,
}

/// A record produced on `dev`: queued for `queued` of its readers (the
/// bits of `active`); `woke`: the push woke the waiters.
#[inline(always)]
pub(crate) fn record(dev: &CStr, s: &Sample, active: u64, queued: u32, woke: bool) {
    if !rpoll_record_enabled() {
        return;
    }
    // SAFETY: `dev` is a NUL-terminated string valid for the call, the
    // event's only pointer.
    unsafe {
        rpoll_record(
            dev.as_char_ptr(),
            s.seq,
            s.source,
            s.mono_ns,
            active.count_ones(),
            queued,
            woke,
        )
    }
}

/// Record `seq` was dropped from the full queue of `reader`, whose count of
/// lost records is now `lost`.
#[inline(always)]
pub(crate) fn dropped(dev: &CStr, reader: usize, seq: u64, lost: u64) {
    // SAFETY: as in `record`.
    unsafe { rpoll_drop(dev.as_char_ptr(), reader as u32, seq, lost) }
}

/// A `read()` of `reader` returned: `records` copied (or the error `ret`),
/// `waited`: it slept for them (a wait a signal ended, `ERESTARTSYS`,
/// counts too).
#[inline(always)]
pub(crate) fn read(dev: &CStr, reader: usize, ret: &Result<usize>, waited: bool) {
    if !rpoll_read_enabled() {
        return;
    }
    let waited = waited || *ret == Err(ERESTARTSYS);
    let (records, ret) = match *ret {
        Ok(n) => (n as u32, 0),
        Err(e) => (0, e.to_errno()),
    };
    // SAFETY: as in `record`.
    unsafe { rpoll_read(dev.as_char_ptr(), reader as u32, records, waited, ret) }
}

/// `reader` attached (or detached); `readers` are open now.
#[inline(always)]
pub(crate) fn reader(dev: &CStr, reader: usize, attached: bool, readers: u32) {
    // SAFETY: as in `record`.
    unsafe { rpoll_reader(dev.as_char_ptr(), reader as u32, attached, readers) }
}

/// The source skipped `skipped` periods before record `seq` (`overruns` in
/// all).
#[inline(always)]
pub(crate) fn overrun(dev: &CStr, seq: u64, skipped: u64, overruns: u64) {
    // SAFETY: as in `record`.
    unsafe { rpoll_overrun(dev.as_char_ptr(), seq, skipped, overruns) }
}

/// The device woke its waiters.
#[inline(always)]
pub(crate) fn wake(dev: &CStr, reason: WakeReason) {
    // SAFETY: as in `record`.
    unsafe { rpoll_wake(dev.as_char_ptr(), reason as u32) }
}

/// Record `seq` (`source` word) is the one that woke the system.
#[inline(always)]
pub(crate) fn system_wakeup(dev: &CStr, seq: u64, source: u32) {
    // SAFETY: as in `record`.
    unsafe { rpoll_system_wakeup(dev.as_char_ptr(), seq, source) }
}

/// A configuration change: device-wide (`reader` `None`) or of one reader.
#[inline(always)]
pub(crate) fn config(dev: &CStr, reader: Option<usize>, item: ConfigItem, a: u64, b: u64) {
    let reader = reader.map_or(-1, |r| r as i32);
    // SAFETY: as in `record`.
    unsafe { rpoll_config(dev.as_char_ptr(), reader, item as u32, a, b) }
}
