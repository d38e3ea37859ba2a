// SPDX-License-Identifier: GPL-2.0

//! One open file of an rpoll device: a reader with its own queue.
//!
//! `read()` blocks until at least one record is queued and returns as many
//! whole records as fit; `poll()` reports `EPOLLIN | EPOLLRDNORM` while the
//! queue is non-empty and `EPOLLHUP | EPOLLERR` once the device is gone;
//! `ioctl()` implements the `RPOLL_IOC_*` commands of the uapi header.

use kernel::{
    fs::{file, File, Kiocb},
    iov::IovIterDest,
    miscdevice::{MiscDevice, MiscDeviceRegistration},
    prelude::*,
    sync::{
        atomic::{ordering, Atomic},
        poll::PollTable,
        Arc, SpinLockIrqGuard,
    },
    uaccess::{UserPtr, UserSlice},
};

use crate::{
    capability,
    config::SourceKind,
    event_device::{EventDevice, State},
    kiocb_flags,
    logic::{
        params,
        sample::Clock,
        uapi::{
            RpollEvent, RPOLL_EVENT_SIZE, RPOLL_IOC_FLUSH, RPOLL_IOC_INFO, RPOLL_IOC_SET_CLOCK,
            RPOLL_IOC_SET_PERIOD, RPOLL_IOC_STATS,
        },
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

    /// Waits until this reader's queue is non-empty; returns with the state
    /// locked, so the caller pops without taking the lock again.
    fn wait_readable(&self, nonblock: bool) -> Result<SpinLockIrqGuard<'_, State>> {
        let dev = &self.dev;
        let mut st = dev.state.lock();
        loop {
            let queued = st.slots[self.slot].as_ref().is_some_and(|q| !q.is_empty());
            if queued {
                return Ok(st);
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
    ///
    /// The state lock is held once per [`CHUNK`] records (the first hold is
    /// the one that found the queue non-empty), never while copying to user
    /// memory, which may fault.
    fn read(&self, iov: &mut IovIterDest<'_>, nonblock: bool) -> Result<usize> {
        let want = iov.len() / RPOLL_EVENT_SIZE;
        if want == 0 {
            return Err(EINVAL);
        }
        if self.dev.config.kind == SourceKind::Timer {
            self.dev.follow_reader();
        }
        let mut st = self.wait_readable(nonblock)?;
        let clock = self.clock();
        let mut done = 0;
        loop {
            let mut bytes = [0u8; CHUNK * RPOLL_EVENT_SIZE];
            let mut lost = [0u64; CHUNK];
            let mut n = 0;
            if let Some(q) = st.slots[self.slot].as_mut() {
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
            drop(st);
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
            if n < CHUNK || done == want {
                break;
            }
            st = self.dev.state.lock();
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

    /// The rpoll ioctls. Their structures have one layout for 32- and
    /// 64-bit callers, so the default `compat_ptr_ioctl` serves compat too.
    fn ioctl(reader: &Reader, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        let user = |len| UserSlice::new(UserPtr::from_addr(arg), len);
        match cmd {
            RPOLL_IOC_INFO => {
                let info = reader.dev.info().to_bytes();
                user(info.len()).writer().write_slice(&info)?;
                Ok(0)
            }
            RPOLL_IOC_STATS => {
                let stats = reader.dev.stats(reader.slot).to_bytes();
                user(stats.len()).writer().write_slice(&stats)?;
                Ok(0)
            }
            RPOLL_IOC_SET_CLOCK => {
                let id: u32 = user(4).reader().read()?;
                let clock = Clock::from_id(id).ok_or(EINVAL)?;
                reader.clock.store(clock as u32, ordering::Relaxed);
                Ok(0)
            }
            RPOLL_IOC_FLUSH => Ok(reader.dev.flush(reader.slot) as isize),
            RPOLL_IOC_SET_PERIOD => {
                if !capability::sys_admin() {
                    return Err(EPERM);
                }
                if reader.dev.config.kind != SourceKind::Timer {
                    return Err(EOPNOTSUPP);
                }
                let us: u32 = user(4).reader().read()?;
                let us = params::period_us(Some(us)).map_err(|_| EINVAL)?;
                reader.dev.set_period(us)?;
                Ok(0)
            }
            _ => Err(ENOTTY),
        }
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
