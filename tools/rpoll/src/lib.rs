//! User-space access to rpoll event devices (`/dev/rpoll-<label>`).
//!
//! ```no_run
//! use rpoll::Device;
//!
//! let dev = Device::open("tick")?;            // or "/dev/rpoll-tick"
//! println!("{:?}", dev.info()?);
//! for event in dev.events().take(3) {
//!     let e = event?;
//!     println!("seq {} at {} ns, jiffies {}", e.seq, e.timestamp_ns, e.jiffies);
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! A [`Device`] is `AsFd`/`AsRawFd`, so it plugs into any event loop: open
//! it with [`Device::open_nonblocking`], register it for readability (epoll,
//! `mio::unix::SourceFd`, `tokio::io::unix::AsyncFd`), and on each wakeup call
//! [`Device::read_available`] until it returns an empty batch. See
//! `examples/mio_watch.rs`; with the `tokio` feature, `EventStream` does this
//! for tokio (`examples/tokio_watch.rs`).

pub mod cli;
pub mod device;
pub mod format;
#[cfg(feature = "tokio")]
pub mod stream;

pub use device::{Clock, Device, Events};
pub use rpoll_uapi::{
    Edge, RpollEvent, RpollInfo, RpollStats, RPOLL_SOURCE_GPIO, RPOLL_SOURCE_IRQ,
    RPOLL_SOURCE_TIMER,
};
#[cfg(feature = "tokio")]
pub use stream::EventStream;
