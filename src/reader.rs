// SPDX-License-Identifier: GPL-2.0

//! One open file of an rpoll device: a reader with its own queue.
//!
//! `read()` blocks until at least one record is queued and returns as many
//! whole records as fit; `poll()` reports `EPOLLIN | EPOLLRDNORM` while the
//! queue is non-empty and `EPOLLHUP | EPOLLERR` once the device is gone.

use kernel::{
    fs::{file, File, Kiocb},
    iov::IovIterDest,
    miscdevice::{MiscDevice, MiscDeviceRegistration},
    prelude::*,
    sync::{
        atomic::{ordering, Atomic},
        poll::PollTable,
        Arc,
    },
};

use crate::{
    event_device::EventDevice,
    kiocb_flags,
    logic::{
        sample::Clock,
        uapi::{RpollEvent, RPOLL_EVENT_SIZE},
    },
    misc_poll::PollMiscDevice,
};

// Poll bits (uapi `EPOLL*`; bindgen does not emit the `__poll_t` casts).
const EPOLLIN: u32 = 0x0001;
const EPOLLERR: u32 = 0x0008;
const EPOLLHUP: u32 = 0x0010;
const EPOLLRDNORM: u32 = 0x0040;

/// Records moved per lock hold while reading (512 bytes of stack).
const CHUNK: usize = 16;

/// The private data of an open rpoll file.
pub(crate) struct Reader {
    dev: Arc<EventDevice>,
    slot: usize,
    /// The `Clock` (Linux clock id) used for `timestamp_ns`.
    clock: Atomic<u32>,
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.dev.detach(self.slot);
    }
}

impl Reader {
    fn clock(&self) -> Clock {
        Clock::from_id(self.clock.load(ordering::Relaxed)).unwrap_or_default()
    }

    /// Waits until this reader's queue is non-empty.
    fn wait_readable(&self, nonblock: bool) -> Result {
        let dev = &self.dev;
        let mut st = dev.state.lock();
        loop {
            let queued = st.slots[self.slot].as_ref().is_some_and(|q| !q.is_empty());
            if queued {
                return Ok(());
            }
            if st.gone {
                return Err(ENODEV);
            }
            if nonblock {
                return Err(EAGAIN);
            }
            if dev.readable.wait_interruptible(&mut st) {
                return Err(ERESTARTSYS);
            }
        }
    }

    /// Copies up to `iov.len() / RPOLL_EVENT_SIZE` whole records out.
    fn read(&self, iov: &mut IovIterDest<'_>, nonblock: bool) -> Result<usize> {
        let want = iov.len() / RPOLL_EVENT_SIZE;
        if want == 0 {
            return Err(EINVAL);
        }
        self.wait_readable(nonblock)?;
        let clock = self.clock();
        let mut done = 0;
        while done < want {
            let mut bytes = [0u8; CHUNK * RPOLL_EVENT_SIZE];
            let mut lost = [0u64; CHUNK];
            let mut n = 0;
            {
                let mut st = self.dev.state.lock();
                let Some(q) = st.slots[self.slot].as_mut() else {
                    break;
                };
                while n < CHUNK && done + n < want {
                    let Some(d) = q.pop() else { break };
                    let rec: RpollEvent =
                        d.sample.to_event(clock, d.lost.min(u32::MAX.into()) as u32);
                    bytes[n * RPOLL_EVENT_SIZE..(n + 1) * RPOLL_EVENT_SIZE]
                        .copy_from_slice(&rec.to_bytes());
                    lost[n] = d.lost;
                    n += 1;
                }
            }
            if n == 0 {
                break;
            }
            let copied = iov.copy_to_iter(&bytes[..n * RPOLL_EVENT_SIZE]) / RPOLL_EVENT_SIZE;
            if copied < n {
                // The rest faulted: account them as lost, never silently.
                let mut st = self.dev.state.lock();
                if let Some(q) = st.slots[self.slot].as_mut() {
                    q.undeliver((n - copied) as u64, lost[copied..n].iter().sum());
                }
                done += copied;
                if done == 0 {
                    return Err(EFAULT);
                }
                break;
            }
            done += n;
        }
        Ok(done * RPOLL_EVENT_SIZE)
    }
}

#[vtable]
impl MiscDevice for Reader {
    type Ptr = KBox<Self>;

    /// Not used: [`PollMiscRegistration`](crate::misc_poll::PollMiscRegistration)
    /// routes opens to [`PollMiscDevice::open_with`]. Only reachable if this
    /// type were registered through the plain misc registration, which rpoll
    /// never does.
    fn open(_file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<KBox<Self>> {
        Err(ENODEV)
    }

    fn read_iter(kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let nonblock = kiocb_flags::is_nonblocking(&kiocb);
        kiocb.file().read(iov, nonblock)
    }
}

impl PollMiscDevice for Reader {
    type RegistrationData = Arc<EventDevice>;
    const STREAM: bool = true;

    fn open_with(f: &File, dev: &Arc<EventDevice>) -> Result<KBox<Self>> {
        // Readers only: a write-only open could never be used.
        if f.flags() & file::flags::O_ACCMODE == file::flags::O_WRONLY {
            return Err(EINVAL);
        }
        let slot = dev.attach()?;
        // On allocation failure the `Reader` is dropped, which detaches it.
        Ok(KBox::new(
            Reader {
                dev: dev.clone(),
                slot,
                clock: Atomic::new(Clock::Monotonic as u32),
            },
            GFP_KERNEL,
        )?)
    }

    fn poll(reader: &Reader, f: &File, table: PollTable<'_>) -> u32 {
        table.register_wait(f, &reader.dev.readable);
        let st = reader.dev.state.lock();
        let mut mask = 0;
        if st.slots[reader.slot]
            .as_ref()
            .is_some_and(|q| !q.is_empty())
        {
            mask |= EPOLLIN | EPOLLRDNORM;
        }
        if st.gone {
            mask |= EPOLLHUP | EPOLLERR;
        }
        mask
    }
}
