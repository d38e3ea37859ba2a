// SPDX-License-Identifier: GPL-2.0

//! One open file of an rpoll device: a reader with its own queue.
//!
//! `read()` blocks until the reader's queue reaches its watermark (by
//! default: one record) and returns as many whole records as fit (with
//! `O_NONBLOCK`, whatever is queued); `poll()` reports `EPOLLIN |
//! EPOLLRDNORM` while the watermark is reached and `EPOLLHUP | EPOLLERR` once
//! the device is gone; `ioctl()` implements the `RPOLL_IOC_*` commands of
//! the uapi header.

use kernel::{
    fs::{file, File, Kiocb},
    iov::IovIterDest,
    sync::{
        atomic::{ordering, Atomic},
        Arc,
    },
    uaccess::{UserPtr, UserSlice},
};

use crate::shim::{
    cred::{capable, Capability},
    miscdevice::{MiscDevice, MiscDeviceRegistration},
    prelude::*,
    sync::poll::PollTable,
};
use crate::{
    device::Device,
    fanout::Wait,
    logic::{
        chunk::Chunk,
        epoll,
        sample::{Clock, ReadClock},
        uapi::{
            RpollConfig, RpollEdgeMask, RpollWatermark, RPOLL_CONFIG_SIZE, RPOLL_EDGE_FALLING,
            RPOLL_EDGE_MASK_SIZE, RPOLL_EDGE_RISING, RPOLL_EVENT_SIZE, RPOLL_IOC_FLUSH,
            RPOLL_IOC_GET_CONFIG, RPOLL_IOC_GET_LEVEL, RPOLL_IOC_INFO, RPOLL_IOC_SET_CLOCK,
            RPOLL_IOC_SET_CONFIG, RPOLL_IOC_SET_EDGE_MASK, RPOLL_IOC_SET_PERIOD,
            RPOLL_IOC_SET_WATERMARK, RPOLL_IOC_STATS, RPOLL_IOC_WANT_INITIAL, RPOLL_WATERMARK_SIZE,
        },
    },
    stamp,
    trace::{self, ConfigItem},
};

/// Records moved per lock hold while reading (512 bytes of stack for the
/// encoded records).
const CHUNK: usize = 16;

/// The private data of an open rpoll file.
///
/// # Invariants
///
/// `slot` is this file's slot in `dev.fanout`, attached until `drop`.
pub(crate) struct Reader {
    dev: Arc<Device>,
    slot: usize,
    /// The `Clock` (Linux clock id) used for `timestamp_ns`.
    clock: Atomic<u32>,
}

impl Drop for Reader {
    fn drop(&mut self) {
        let source = &self.dev.source;
        self.dev.fanout.detach(self.slot, || source.idle());
    }
}

impl Reader {
    fn clock(&self) -> Clock {
        Clock::from_id(self.clock.load(ordering::Relaxed)).unwrap_or_default()
    }

    /// Copies up to `iov.len() / RPOLL_EVENT_SIZE` whole records out.
    ///
    /// The queue lock is held once per [`CHUNK`] records (the first hold is
    /// the one that waited for the queue to be non-empty), never while
    /// copying to user memory, which may fault.
    fn read(&self, iov: &mut IovIterDest<'_>, nonblock: bool) -> Result<usize> {
        let mut waited = false;
        let ret = self.read_records(iov, nonblock, &mut waited);
        trace::read(self.dev.fanout.name(), self.slot, &ret, waited);
        ret.map(|n| n * RPOLL_EVENT_SIZE)
    }

    /// [`Self::read`]'s work: returns the records copied; `waited` is set
    /// when the first chunk slept for them.
    fn read_records(
        &self,
        iov: &mut IovIterDest<'_>,
        nonblock: bool,
        waited: &mut bool,
    ) -> Result<usize> {
        let want = iov.len() / RPOLL_EVENT_SIZE;
        if want == 0 {
            return Err(EINVAL);
        }
        self.dev.source.before_read();
        let fanout = &self.dev.fanout;
        let clock = self.clock();
        let mut wait = if nonblock {
            Wait::NonBlock
        } else {
            Wait::Block
        };
        let mut done = 0;
        while done < want {
            // The first hold is the one that waited for the queue to have
            // records; later chunks take what is there without waiting.
            let Some(mut records) = fanout.records(self.slot, wait)? else {
                break;
            };
            *waited |= records.waited();
            // TAI's offset as of this chunk (after any wait).
            let read_clock = ReadClock {
                clock,
                tai_offset_ns: if clock == Clock::Tai {
                    stamp::tai_offset_ns()
                } else {
                    0
                },
            };
            let mut bytes = Chunk::<[u8; RPOLL_EVENT_SIZE], CHUNK>::new();
            // Each record's losses, and whether it is the initial record,
            // which is no event: a fault loses it uncounted.
            let mut meta = Chunk::<(u64, bool), CHUNK>::new();
            let limit = CHUNK.min(want - done);
            while bytes.count() < limit {
                let Some(d) = records.pop() else { break };
                let l = d.lost.min(u32::MAX.into()) as u32;
                bytes.push(d.sample.to_event(read_clock, l).to_bytes());
                meta.push((d.lost, d.initial));
            }
            let n = bytes.count();
            // Unlocked before copying to user memory, which may fault.
            drop(records);
            let copied = iov.copy_to_iter(bytes.as_slice().as_flattened()) / RPOLL_EVENT_SIZE;
            done += copied;
            if copied < n {
                // The rest faulted: account them as lost, never silently.
                let rest = &meta.as_slice()[copied..];
                let their_lost = rest.iter().map(|m| m.0).sum();
                let events = rest.iter().filter(|m| !m.1).count();
                fanout.undeliver(self.slot, events as u64, their_lost);
                if done == 0 {
                    return Err(EFAULT);
                }
                break;
            }
            if n < limit {
                break;
            }
            wait = Wait::Never;
        }
        Ok(done)
    }

    /// `RPOLL_IOC_SET_PERIOD`: `EPERM` first, then the value's checks.
    fn set_period(&self, user: UserSlice) -> Result<isize> {
        if !capable(Capability::SYS_ADMIN) {
            return Err(EPERM);
        }
        let us: u32 = user.reader().read()?;
        // A quick answer for every source kind once the device is gone; the
        // timer decides again under its own lock (an unbind may start
        // right after this check).
        if self.dev.fanout.is_gone() {
            return Err(ENODEV);
        }
        self.dev.source.set_period(us)?;
        trace::config(
            self.dev.fanout.name(),
            None,
            ConfigItem::Period,
            us.into(),
            0,
        );
        Ok(0)
    }

    /// `RPOLL_IOC_SET_CONFIG`: `EPERM` first (the change is device-wide),
    /// then the source checks and applies it.
    fn set_config(&self, user: UserSlice) -> Result<isize> {
        if !capable(Capability::SYS_ADMIN) {
            return Err(EPERM);
        }
        let mut raw = [0u8; RPOLL_CONFIG_SIZE];
        user.reader().read_slice(&mut raw)?;
        if self.dev.fanout.is_gone() {
            return Err(ENODEV);
        }
        let config = RpollConfig::from_bytes(&raw);
        self.dev.source.set_config(&config)?;
        let (edges, debounce) = (config.edges.into(), config.debounce_us.into());
        trace::config(
            self.dev.fanout.name(),
            None,
            ConfigItem::Config,
            edges,
            debounce,
        );
        Ok(0)
    }

    /// `RPOLL_IOC_SET_EDGE_MASK`: this file's filter; the reply carries the
    /// records it has kept out.
    fn set_edge_mask(&self, user: UserSlice) -> Result<isize> {
        let (mut reader, mut writer) = user.reader_writer();
        let mut raw = [0u8; RPOLL_EDGE_MASK_SIZE];
        reader.read_slice(&mut raw)?;
        let mut m = RpollEdgeMask::from_bytes(&raw);
        if !self.dev.source.has_edges() {
            return Err(ENOTTY);
        }
        let all = RPOLL_EDGE_RISING | RPOLL_EDGE_FALLING;
        if m.mask == 0 || m.mask & !all != 0 || m.reserved != 0 {
            return Err(EINVAL);
        }
        m.filtered = self.dev.fanout.set_edge_mask(self.slot, m.mask);
        writer.write_slice(&m.to_bytes())?;
        Ok(0)
    }
}

#[vtable]
impl MiscDevice for Reader {
    type Ptr = KBox<Self>;
    type RegistrationData = Arc<Device>;
    const STREAM: bool = true;
    // `read()` takes only the queue's spinlock when asked not to block.
    const NOWAIT: bool = true;

    fn open(f: &File, misc: &MiscDeviceRegistration<Self>) -> Result<KBox<Self>> {
        let dev = misc.data();
        // Readers only: a write-only open could never be used.
        if f.flags() & file::flags::O_ACCMODE == file::flags::O_WRONLY {
            return Err(EINVAL);
        }
        let source = &dev.source;
        let slot = dev.fanout.attach(|| source.readers_arrived())?;
        // INVARIANT: `slot` was just attached. On allocation failure the
        // `Reader` is dropped, which detaches it.
        let reader = Reader {
            dev: dev.clone(),
            slot,
            clock: Atomic::new(Clock::Monotonic as u32),
        };
        Ok(KBox::new(reader, GFP_KERNEL)?)
    }

    fn read_iter(kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let nonblock = kiocb.is_nowait();
        kiocb.file().read(iov, nonblock)
    }

    /// The rpoll ioctls. Their structures have one layout for 32- and
    /// 64-bit callers, so `compat_ptr_ioctl` serves compat callers too.
    fn ioctl(reader: &Reader, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        let user = |len| UserSlice::new(UserPtr::from_addr(arg), len);
        match cmd {
            RPOLL_IOC_INFO => {
                let info = reader.dev.info().to_bytes();
                user(info.len()).writer().write_slice(&info)?;
                Ok(0)
            }
            RPOLL_IOC_STATS => {
                let stats = reader.dev.fanout.stats(reader.slot).to_bytes();
                user(stats.len()).writer().write_slice(&stats)?;
                Ok(0)
            }
            RPOLL_IOC_SET_CLOCK => {
                let id: u32 = user(4).reader().read()?;
                let clock = Clock::from_id(id).ok_or(EINVAL)?;
                reader.clock.store(clock as u32, ordering::Relaxed);
                let name = reader.dev.fanout.name();
                trace::config(name, Some(reader.slot), ConfigItem::Clock, id.into(), 0);
                Ok(0)
            }
            RPOLL_IOC_FLUSH => Ok(reader.dev.fanout.flush(reader.slot) as isize),
            RPOLL_IOC_SET_PERIOD => reader.set_period(user(4)),
            RPOLL_IOC_GET_LEVEL => {
                let level = u32::from(reader.dev.source.level()?);
                user(4).writer().write(&level)?;
                Ok(0)
            }
            RPOLL_IOC_GET_CONFIG => {
                let config = reader.dev.source.config()?.to_bytes();
                user(config.len()).writer().write_slice(&config)?;
                Ok(0)
            }
            RPOLL_IOC_SET_CONFIG => reader.set_config(user(RPOLL_CONFIG_SIZE)),
            RPOLL_IOC_SET_EDGE_MASK => reader.set_edge_mask(user(RPOLL_EDGE_MASK_SIZE)),
            RPOLL_IOC_WANT_INITIAL => {
                reader.dev.fanout.want_initial(reader.slot)?;
                Ok(0)
            }
            RPOLL_IOC_SET_WATERMARK => {
                let mut raw = [0u8; RPOLL_WATERMARK_SIZE];
                user(RPOLL_WATERMARK_SIZE).reader().read_slice(&mut raw)?;
                let w = RpollWatermark::from_bytes(&raw);
                reader.dev.fanout.set_watermark(reader.slot, &w)?;
                Ok(0)
            }
            _ => Err(ENOTTY),
        }
    }

    fn poll<'a>(reader: &'a Reader, f: &File, table: PollTable<'a>) -> u32 {
        let ready = reader.dev.fanout.poll(reader.slot, f, table);
        let mut bits = 0;
        if ready.readable {
            bits |= epoll::IN | epoll::RDNORM;
        }
        if ready.gone {
            bits |= epoll::HUP | epoll::ERR;
        }
        bits
    }
}
