//! rpoll's user-space ABI for Rust programs.
//!
//! The layouts, constants and encoders are the kernel module's own
//! `src/logic/uapi.rs`, compiled here unchanged, so the two sides cannot
//! drift apart; the decoders only user space needs are in `decode.rs`.

#![no_std]

#[path = "../../../src/logic/uapi.rs"]
mod wire;

mod decode;

pub use decode::Edge;
pub use wire::*;
