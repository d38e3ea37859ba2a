// SPDX-License-Identifier: GPL-2.0

//! Host build of the module's `no_std` logic: the very files the kernel module
//! compiles (`src/logic/`), so `cargo test` here tests what runs in the kernel.

#![no_std]

#[path = "../../src/logic/mod.rs"]
mod logic;

pub use logic::*;
