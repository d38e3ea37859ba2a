// SPDX-License-Identifier: GPL-2.0

//! The `EPOLL*` readiness bits of `<uapi/linux/eventpoll.h>` that rpoll's
//! `poll` returns and wakes waiters with (the kernel's bindings do not carry
//! them: bindgen drops the header's `__poll_t` casts).

/// `EPOLLIN`: readable.
pub const IN: u32 = 0x0001;
/// `EPOLLERR`: error condition.
pub const ERR: u32 = 0x0008;
/// `EPOLLHUP`: hang-up.
pub const HUP: u32 = 0x0010;
/// `EPOLLRDNORM`: normal data readable.
pub const RDNORM: u32 = 0x0040;
