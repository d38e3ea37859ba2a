// SPDX-License-Identifier: GPL-2.0

//! Backports `kernel::declare_trace!`'s `extern;` form, patch 7 of the
//! kernel-crate series (docs/upstream.md): trace events of a module (or of
//! any code whose events are not in `kernel::bindings`). With a kernel that
//! carries it (`rpoll_kernel_trace_extern`, from `upstream.mk`), this file
//! re-exports the kernel's macro.
//!
//! Linux 7.3's `declare_trace!` names the event's static key and its
//! `rust_do_trace_<event>()` entry point through `kernel::bindings`, so it
//! reaches only events whose C header `rust/bindings/bindings_helper.h`
//! includes: those of the kernel image and of in-tree drivers that add
//! their header there (binder). A module's own events (a C header with
//! `TRACE_EVENT`s and one C file that defines `CREATE_TRACE_POINTS` and
//! `CREATE_RUST_TRACE_POINTS` before including it) exist only in the
//! module's objects. With `extern;` first, [`declare_trace!`] declares both
//! symbols itself, in the function it generates, and otherwise expands as
//! the kernel's does: the enabled test is the event's static key, through
//! `kernel::jump_label::static_branch_unlikely!` (a patched branch with
//! `CONFIG_JUMP_LABEL`, so a disabled event costs one not-taken branch),
//! and the call happens only when the event is enabled. Each event also
//! gets `<event>_enabled()`, for callers that compute its arguments only
//! when it is on. The backport takes only the `extern;` form, the one
//! rpoll uses.

#[cfg(rpoll_kernel_trace_extern)]
pub(crate) use kernel::tracepoint::declare_trace;

/// Declares the Rust entry points of trace events defined in this module's
/// C code (see the module documentation): the backport of
/// `declare_trace! { extern; ... }`.
///
/// Each `unsafe fn name(args)` calls the event `name`: its arguments must
/// be those of the `TP_PROTO` of `name`, in order, with the C types'
/// Rust equivalents (the C file may check this with `__same_type`).
///
/// # Safety
///
/// The generated functions are `unsafe`: the caller guarantees what the
/// event's C code requires of its arguments (typically: pointers valid for
/// the call, strings NUL-terminated).
#[cfg(not(rpoll_kernel_trace_extern))]
macro_rules! declare_trace {
    (extern; $($(#[$attr:meta])* $pub:vis unsafe fn $name:ident($($argname:ident : $argtyp:ty),* $(,)?);)*) => {$(
        $( #[$attr] )*
        ///
        /// # Safety
        ///
        /// Each pointer argument is valid for reads for the call (a string:
        /// up to its NUL), as the event's `TP_fast_assign` reads it.
        #[inline(always)]
        $pub unsafe fn $name($($argname : $argtyp),*) {
            #[cfg(CONFIG_TRACEPOINTS)]
            {
                ::kernel::macros::paste! {
                    if [< $name _enabled >]() {
                        extern "C" {
                            fn [< rust_do_trace_ $name >]($($argname : $argtyp),*);
                        }
                        // SAFETY: the entry point was created with the
                        // event, takes these arguments (the caller passes
                        // them as the event requires), and may be called
                        // in any context the event may fire in.
                        unsafe { [< rust_do_trace_ $name >]($($argname),*) };
                    }
                }
            }
            #[cfg(not(CONFIG_TRACEPOINTS))]
            {
                $( let _ = $argname; )*
            }
        }

        ::kernel::macros::paste! {
            /// Whether the event is switched on (C's `trace_<event>_enabled()`):
            /// a caller whose arguments cost something to compute tests this
            /// first, so that an event switched off costs only the branch.
            #[inline(always)]
            #[allow(dead_code)]
            $pub fn [< $name _enabled >]() -> bool {
                #[cfg(CONFIG_TRACEPOINTS)]
                {
                    extern "C" {
                        static [< __tracepoint_ $name >]: ::kernel::bindings::tracepoint;
                    }
                    // SAFETY: the static is the event's `struct tracepoint`,
                    // defined by `CREATE_TRACE_POINTS` in this module's C
                    // code; querying its key is always allowed.
                    unsafe {
                        ::kernel::jump_label::static_branch_unlikely!(
                            [< __tracepoint_ $name >],
                            ::kernel::bindings::tracepoint,
                            key
                        )
                    }
                }
                #[cfg(not(CONFIG_TRACEPOINTS))]
                {
                    false
                }
            }
        }
    )*};
}

#[cfg(not(rpoll_kernel_trace_extern))]
pub(crate) use declare_trace;
