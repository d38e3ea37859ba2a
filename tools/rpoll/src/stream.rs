//! An async event stream for tokio (feature `tokio`): a non-blocking
//! [`Device`] registered with tokio's reactor through [`AsyncFd`], as a
//! [`futures_core::Stream`], so `tokio_stream::StreamExt` (or
//! `futures::StreamExt`) works on it: `next`, `take`, `timeout`, `merge`...
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use tokio_stream::StreamExt;
//! let mut stream = rpoll::EventStream::open("tick")?;
//! while let Some(ev) = stream.next().await {
//!     let ev = ev?;
//!     println!("seq {} lost {}", ev.seq, ev.lost);
//! }
//! # Ok(()) }
//! ```

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::io::unix::AsyncFd;

use crate::{Device, RpollEvent};

/// Events of one device, awaited on tokio's reactor.
pub struct EventStream {
    fd: AsyncFd<Device>,
    pending: VecDeque<RpollEvent>,
    ended: bool,
}

impl EventStream {
    /// Opens `name` non-blocking and registers it with the current tokio
    /// runtime (which needs its I/O driver enabled).
    pub fn open(name: &str) -> io::Result<Self> {
        Self::new(Device::open_nonblocking(name)?)
    }

    /// Wraps a device opened with [`Device::open_nonblocking`].
    pub fn new(dev: Device) -> io::Result<Self> {
        // SAFETY: `Device` owns its `OwnedFd` and never replaces or closes
        // it, so `as_raw_fd()` returns the same open descriptor for as long
        // as the `AsyncFd` owns the device (it is dropped with it).
        let fd = unsafe { AsyncFd::register(dev) }?;
        Ok(Self {
            fd,
            pending: VecDeque::new(),
            ended: false,
        })
    }

    /// The device, e.g. for its ioctls.
    pub fn device(&self) -> &Device {
        self.fd.get_ref()
    }
}

impl Stream for EventStream {
    type Item = io::Result<RpollEvent>;

    /// The next event; `None` once the device went away (unbound, all its
    /// records read: the driver's `ENODEV`). Other errors are returned as
    /// `Some(Err(..))` and the stream can be polled again.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // Every field is `Unpin`.
        let this = self.get_mut();
        loop {
            if let Some(ev) = this.pending.pop_front() {
                return Poll::Ready(Some(Ok(ev)));
            }
            if this.ended {
                return Poll::Ready(None);
            }
            let mut guard = match this.fd.poll_read_ready(cx) {
                Poll::Ready(Ok(g)) => g,
                Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(e))),
                Poll::Pending => return Poll::Pending,
            };
            // An empty read means the readiness was stale: report
            // WouldBlock so tokio clears it and waits for the next one.
            let read = guard.try_io(|dev| match dev.get_ref().read_available(64)? {
                batch if batch.is_empty() => Err(io::ErrorKind::WouldBlock.into()),
                batch => Ok(batch),
            });
            match read {
                Ok(Ok(batch)) => this.pending.extend(batch),
                Ok(Err(e)) if e.raw_os_error() == Some(libc::ENODEV) => this.ended = true,
                Ok(Err(e)) => return Poll::Ready(Some(Err(e))),
                // Readiness cleared: poll it again (registers the waker).
                Err(_would_block) => continue,
            }
        }
    }
}
