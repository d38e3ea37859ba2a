//! Helpers shared by the guest test suite (`rpoll-guest-tests`) and the
//! stress test (`rpoll-stress`).

pub mod dev;
pub mod fault;
pub mod kmemleak;
pub mod level;
pub mod runner;
pub mod sim;
pub mod threads;
pub mod tracefs;
