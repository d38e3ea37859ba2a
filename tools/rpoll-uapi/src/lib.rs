//! rpoll's user-space ABI for Rust programs.
//!
//! The definitions are the kernel module's own `src/logic/uapi.rs`, compiled
//! here unchanged, so the two sides cannot drift apart.

#![no_std]

#[path = "../../../src/logic/uapi.rs"]
mod wire;

pub use wire::*;
