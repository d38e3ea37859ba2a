//! An open rpoll device: reading records and the `RPOLL_IOC_*` ioctls.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

use rpoll_uapi::*;

/// Clocks for [`Device::set_clock`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// `CLOCK_MONOTONIC` (the default).
    Monotonic,
    /// `CLOCK_BOOTTIME`.
    Boottime,
    /// `CLOCK_REALTIME`.
    Realtime,
    /// `CLOCK_TAI`.
    Tai,
}

impl Clock {
    /// The Linux clock id.
    pub fn id(self) -> u32 {
        match self {
            Self::Realtime => libc::CLOCK_REALTIME as u32,
            Self::Monotonic => libc::CLOCK_MONOTONIC as u32,
            Self::Boottime => libc::CLOCK_BOOTTIME as u32,
            Self::Tai => libc::CLOCK_TAI as u32,
        }
    }

    /// Parses `monotonic`, `boottime`, `realtime` or `tai`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "monotonic" => Some(Self::Monotonic),
            "boottime" => Some(Self::Boottime),
            "realtime" => Some(Self::Realtime),
            "tai" => Some(Self::Tai),
            _ => None,
        }
    }
}

/// The path of a device given as a label (`tick`), a device name
/// (`rpoll-tick`) or a path (`/dev/rpoll-tick`). A label is tried first, so a
/// device whose label itself starts with `rpoll-` is still found.
pub fn device_path(name: &str) -> PathBuf {
    if name.contains('/') {
        return PathBuf::from(name);
    }
    let by_label = Path::new("/dev").join(format!("rpoll-{name}"));
    if name.starts_with("rpoll-") && !by_label.exists() {
        Path::new("/dev").join(name)
    } else {
        by_label
    }
}

/// Paths of all rpoll devices present, sorted.
pub fn list_devices() -> io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir("/dev")?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("rpoll-"))
        .map(|e| e.path())
        .collect();
    out.sort();
    Ok(out)
}

/// An open rpoll device (one reader with its own queue).
#[derive(Debug)]
pub struct Device {
    fd: OwnedFd,
    path: PathBuf,
}

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

impl Device {
    fn open_with(name: &str, flags: libc::c_int) -> io::Result<Self> {
        let path = device_path(name);
        let c = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: `c` is a valid C string.
        let fd = cvt(unsafe { libc::open(c.as_ptr(), flags | libc::O_RDONLY | libc::O_CLOEXEC) })?;
        // SAFETY: `fd` was just opened and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Self { fd, path })
    }

    /// Opens a device for blocking reads.
    pub fn open(name: &str) -> io::Result<Self> {
        Self::open_with(name, 0)
    }

    /// Opens a device for non-blocking reads (for event loops).
    pub fn open_nonblocking(name: &str) -> io::Result<Self> {
        Self::open_with(name, libc::O_NONBLOCK)
    }

    /// The underlying file descriptor.
    pub fn owned_fd(&self) -> &OwnedFd {
        &self.fd
    }

    /// The device path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads up to `buf.len()` records into `buf`, blocking (unless opened
    /// non-blocking) until at least one is available. Returns how many.
    pub fn read_into(&self, buf: &mut [RpollEvent]) -> io::Result<usize> {
        let mut bytes = vec![0u8; buf.len() * RPOLL_EVENT_SIZE];
        // SAFETY: `bytes` is valid for its length.
        let n = unsafe { libc::read(self.fd.as_raw_fd(), bytes.as_mut_ptr().cast(), bytes.len()) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize / RPOLL_EVENT_SIZE;
        for (i, chunk) in bytes.chunks_exact(RPOLL_EVENT_SIZE).take(n).enumerate() {
            buf[i] = RpollEvent::from_bytes(chunk.try_into().expect("chunk of one record"));
        }
        Ok(n)
    }

    /// Non-blocking use: the records queued now (empty if none).
    pub fn read_available(&self, max: usize) -> io::Result<Vec<RpollEvent>> {
        let mut buf = vec![RpollEvent::default(); max.max(1)];
        match self.read_into(&mut buf) {
            Ok(n) => {
                buf.truncate(n);
                Ok(buf)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// An iterator over events, reading in batches of up to 64.
    pub fn events(&self) -> Events<'_> {
        Events {
            dev: self,
            batch: Vec::new(),
            next: 0,
        }
    }

    fn ioctl_read<const N: usize>(&self, cmd: u32) -> io::Result<[u8; N]> {
        let mut buf = [0u8; N];
        // SAFETY: `cmd` encodes size N, and `buf` is valid for N bytes.
        cvt(unsafe { libc::ioctl(self.fd.as_raw_fd(), cmd as _, buf.as_mut_ptr()) })?;
        Ok(buf)
    }

    fn ioctl_write_u32(&self, cmd: u32, value: u32) -> io::Result<()> {
        // SAFETY: `cmd` encodes a u32 argument and `value` outlives the call.
        cvt(unsafe { libc::ioctl(self.fd.as_raw_fd(), cmd as _, &value as *const u32) })?;
        Ok(())
    }

    /// What the device is (`RPOLL_IOC_INFO`).
    pub fn info(&self) -> io::Result<RpollInfo> {
        Ok(RpollInfo::from_bytes(
            &self.ioctl_read::<RPOLL_INFO_SIZE>(RPOLL_IOC_INFO)?,
        ))
    }

    /// Device and per-file counters (`RPOLL_IOC_STATS`).
    pub fn stats(&self) -> io::Result<RpollStats> {
        Ok(RpollStats::from_bytes(
            &self.ioctl_read::<RPOLL_STATS_SIZE>(RPOLL_IOC_STATS)?,
        ))
    }

    /// Chooses the clock of this file's timestamps (`RPOLL_IOC_SET_CLOCK`).
    pub fn set_clock(&self, clock: Clock) -> io::Result<()> {
        self.ioctl_write_u32(RPOLL_IOC_SET_CLOCK, clock.id())
    }

    /// Drops this file's queued events, counted as lost; returns how many.
    pub fn flush(&self) -> io::Result<u64> {
        // SAFETY: `RPOLL_IOC_FLUSH` takes no argument.
        let n = cvt(unsafe { libc::ioctl(self.fd.as_raw_fd(), RPOLL_IOC_FLUSH as _) })?;
        Ok(n as u64)
    }

    /// Sets a timer device's period (`RPOLL_IOC_SET_PERIOD`, needs
    /// `CAP_SYS_ADMIN`).
    pub fn set_period_us(&self, period_us: u32) -> io::Result<()> {
        self.ioctl_write_u32(RPOLL_IOC_SET_PERIOD, period_us)
    }

    /// A GPIO or irq device's configuration (`RPOLL_IOC_GET_CONFIG`):
    /// edges (GPIO, `RPOLL_EDGE_*`) or trigger (irq), debounce window,
    /// sampling interval; `ENOTTY` on timer devices.
    pub fn config(&self) -> io::Result<RpollConfig> {
        Ok(RpollConfig::from_bytes(
            &self.ioctl_read::<RPOLL_CONFIG_SIZE>(RPOLL_IOC_GET_CONFIG)?,
        ))
    }

    /// Changes it for every reader (`RPOLL_IOC_SET_CONFIG`, needs
    /// `CAP_SYS_ADMIN`): read it with [`Device::config`], change fields,
    /// write it back. `EINVAL` with nothing changed for a bad value.
    pub fn set_config(&self, config: &RpollConfig) -> io::Result<()> {
        let bytes = config.to_bytes();
        // SAFETY: `RPOLL_IOC_SET_CONFIG` reads RPOLL_CONFIG_SIZE bytes, which
        // `bytes` holds for the whole call.
        cvt(unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                RPOLL_IOC_SET_CONFIG as _,
                bytes.as_ptr(),
            )
        })?;
        Ok(())
    }

    /// Receives only the GPIO edges `mask` names (`RPOLL_EDGE_RISING`,
    /// `RPOLL_EDGE_FALLING`) on this open file (`RPOLL_IOC_SET_EDGE_MASK`);
    /// returns how many records the mask has kept out since the open.
    pub fn set_edge_mask(&self, mask: u32) -> io::Result<u64> {
        let mut bytes = RpollEdgeMask {
            mask,
            reserved: 0,
            filtered: 0,
        }
        .to_bytes();
        // SAFETY: `RPOLL_IOC_SET_EDGE_MASK` reads and writes
        // RPOLL_EDGE_MASK_SIZE bytes, which `bytes` holds for the call.
        cvt(unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                RPOLL_IOC_SET_EDGE_MASK as _,
                bytes.as_mut_ptr(),
            )
        })?;
        Ok(RpollEdgeMask::from_bytes(&bytes).filtered)
    }

    /// Wakes this file's waiters (poll, epoll, a blocking read) only once
    /// `count` records are queued or the oldest is `max_delay_us` old
    /// (`RPOLL_IOC_SET_WATERMARK`; count 1 and delay 0, the default, wake on
    /// every record). A non-blocking read still returns whatever is queued.
    /// `EINVAL` for a count of 0 or above the queue depth, a delay of 0 with
    /// a count above 1, or one above 10 s.
    pub fn set_watermark(&self, count: u32, max_delay_us: u32) -> io::Result<()> {
        let bytes = RpollWatermark {
            count,
            max_delay_us,
            reserved: [0; 2],
        }
        .to_bytes();
        // SAFETY: `RPOLL_IOC_SET_WATERMARK` reads RPOLL_WATERMARK_SIZE bytes,
        // which `bytes` holds for the call.
        cvt(unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                RPOLL_IOC_SET_WATERMARK as _,
                bytes.as_ptr(),
            )
        })?;
        Ok(())
    }

    /// This file's first record is to be its initial record (the line's
    /// level when the file was opened, `RpollEvent::initial()`), with no
    /// gap to the first edge (`RPOLL_IOC_WANT_INITIAL`). Before the first
    /// read: `EBUSY` after, `ENOTTY` on timer and irq devices.
    pub fn want_initial(&self) -> io::Result<()> {
        // SAFETY: `RPOLL_IOC_WANT_INITIAL` takes no argument.
        cvt(unsafe { libc::ioctl(self.fd.as_raw_fd(), RPOLL_IOC_WANT_INITIAL as _) })?;
        Ok(())
    }

    /// A GPIO device's current logical level (`RPOLL_IOC_GET_LEVEL`): the
    /// settled level of a both-edge line; `ENOTTY` on other devices.
    pub fn level(&self) -> io::Result<bool> {
        let b = self.ioctl_read::<4>(RPOLL_IOC_GET_LEVEL)?;
        Ok(u32::from_ne_bytes(b) != 0)
    }
}

impl AsFd for Device {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Device {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// Iterator over a device's events (see [`Device::events`]). It blocks on a
/// blocking device; on a non-blocking one it ends when the queue is empty.
pub struct Events<'a> {
    dev: &'a Device,
    batch: Vec<RpollEvent>,
    next: usize,
}

impl Iterator for Events<'_> {
    type Item = io::Result<RpollEvent>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next == self.batch.len() {
            self.batch.resize(64, RpollEvent::default());
            match self.dev.read_into(&mut self.batch) {
                Ok(n) => self.batch.truncate(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return None,
                Err(e) => return Some(Err(e)),
            }
            self.next = 0;
            if self.batch.is_empty() {
                return None;
            }
        }
        self.next += 1;
        Some(Ok(self.batch[self.next - 1]))
    }
}
