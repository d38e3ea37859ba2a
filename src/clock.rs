// SPDX-License-Identifier: GPL-2.0

//! Reading the clocks an event is stamped with.

use kernel::{
    bindings,
    time::{BootTime, ClockSource, Monotonic, RealTime},
};

use crate::logic::sample::Sample;

/// Returns `jiffies_64`.
///
/// On 64-bit kernels `get_jiffies_64()` is an inline plain load (not in the
/// bindings), done here the same way; on 32-bit kernels it is a real
/// function that reads the two halves under the jiffies seqlock.
#[cfg(CONFIG_64BIT)]
pub(crate) fn jiffies64() -> u64 {
    // SAFETY: `jiffies_64` is a kernel global that always exists. On 64-bit
    // kernels an aligned u64 load is single-copy atomic, which is what the
    // kernel's own `get_jiffies_64()` relies on there; the volatile read keeps
    // the compiler from caching the value.
    unsafe { core::ptr::read_volatile(&raw const bindings::jiffies_64) }
}

/// Returns `jiffies_64`.
#[cfg(not(CONFIG_64BIT))]
pub(crate) fn jiffies64() -> u64 {
    // SAFETY: `get_jiffies_64()` has no preconditions; on 32-bit kernels it
    // is exported and safe to call from any context, hard IRQ included.
    unsafe { bindings::get_jiffies_64() }
}

/// Builds the sample of event `seq` from `source` with all clocks read now.
pub(crate) fn sample_now(seq: u64, source: u32) -> Sample {
    // ktime values of these clocks are never negative.
    Sample {
        seq,
        mono_ns: Monotonic::ktime_get() as u64,
        boot_ns: BootTime::ktime_get() as u64,
        real_ns: RealTime::ktime_get() as u64,
        jiffies: jiffies64(),
        source,
    }
}
