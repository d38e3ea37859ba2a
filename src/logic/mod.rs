// SPDX-License-Identifier: GPL-2.0

//! Kernel-independent logic of rpoll.
//!
//! Everything here is plain `no_std` Rust with no allocation and no kernel
//! types, so that the same files build inside the kernel module and on the
//! host, where `cargo test` (see `tests/host/`) exercises them. `checks`
//! holds the example-based tests, which the kernel also runs as KUnit suites
//! when it is built with `CONFIG_KUNIT=y`.

#[cfg(any(CONFIG_KUNIT = "y", not(CONFIG_RUST)))]
pub mod checks;
pub mod chunk;
pub mod debounce;
pub mod decimal;
pub mod epoll;
pub mod gpio_edges;
pub mod params;
pub mod queue;
pub mod sample;
pub mod uapi;
pub mod wake;
