//! The third GPIO path: gpio-keys feeding evdev, the way most boards expose
//! their buttons (`/dev/input/eventN`, what libinput and `evtest` read).
//!
//! The board's benchmark overlay puts one key ("bench-key", `BTN_0`) on a
//! line of the controller (PL061 line 2 on virt) with
//! `debounce-interval = <0>`. With no debounce gpio-keys' hard-IRQ handler
//! queues its work item with no delay; the worker reads the level and calls
//! `input_event()`, where the input core stamps the event (`ktime_get()`:
//! gpio-keys gives no stamp of its own) and evdev queues it for its readers
//! and wakes them. So evdev's stamp is taken after the interrupt *and* the
//! worker's scheduling: a latency measured from it leaves out that part of
//! the path, and is a lower bound of the latency from the interrupt that
//! rpoll's and gpio-cdev's figures measure.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

use rpoll_sys as sys;

/// The input device's name (the gpio-keys node's `label`).
pub const KEYS_NAME: &str = "bench-keys";
/// The key's interrupt name in `/proc/interrupts` (the key's `label`).
pub const KEY_IRQ_NAME: &str = "bench-key";

/// `EV_SYN`.
const EV_SYN: u16 = 0;
/// `EV_KEY`.
const EV_KEY: u16 = 1;
/// `SYN_DROPPED`: the client's buffer overflowed and evdev threw away
/// what it held (it does not say how many events).
const SYN_DROPPED: u16 = 3;
/// `BTN_0`, the key's code.
const BTN_0: u16 = 0x100;
/// `sizeof(struct input_event)`: a `struct timeval` (two `long`s on this
/// 64-bit user space), type, code, value.
pub const INPUT_EVENT_SIZE: usize = 2 * std::mem::size_of::<libc::c_long>() + 8;
/// `EVIOCSCLOCKID`: `_IOW('E', 0xa0, int)`.
const EVIOCSCLOCKID: u32 = (1 << 30) | (4 << 16) | ((b'E' as u32) << 8) | 0xa0;

/// What one `struct input_event` says that the benchmark uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputEvent {
    /// A change of the key, stamped (ns, `CLOCK_MONOTONIC`) at the *end*
    /// of the microsecond evdev reports: the stamp is truncated to
    /// microseconds, and rounding it up never makes a latency longer than
    /// it was.
    Key { stamp_ns: u64 },
    /// Events were dropped (`SYN_DROPPED`), at least one.
    Dropped,
    /// Anything else (`SYN_REPORT` after each key event).
    Other,
}

impl InputEvent {
    /// Decodes one `struct input_event` (`INPUT_EVENT_SIZE` bytes).
    pub fn from_bytes(b: &[u8]) -> Self {
        const L: usize = std::mem::size_of::<libc::c_long>();
        let long_at = |i: usize| {
            let mut w = [0u8; 8];
            w[..L].copy_from_slice(&b[i..i + L]);
            if L == 8 {
                i64::from_ne_bytes(w)
            } else {
                i64::from(i32::from_ne_bytes([w[0], w[1], w[2], w[3]]))
            }
        };
        let u16_at = |i: usize| u16::from_ne_bytes([b[i], b[i + 1]]);
        let (sec, usec) = (long_at(0), long_at(L));
        let (ty, code) = (u16_at(2 * L), u16_at(2 * L + 2));
        match (ty, code) {
            (EV_KEY, BTN_0) => Self::Key {
                stamp_ns: (sec as u64) * 1_000_000_000 + (usec as u64) * 1000 + 999,
            },
            (EV_SYN, SYN_DROPPED) => Self::Dropped,
            _ => Self::Other,
        }
    }
}

/// Opens the event device of the benchmark's gpio-keys device
/// (non-blocking), with its stamps switched to `CLOCK_MONOTONIC` like the
/// other two paths'.
pub fn open() -> io::Result<OwnedFd> {
    let mut found = None;
    for entry in std::fs::read_dir("/sys/class/input")? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !name.starts_with("event") {
            continue;
        }
        let dev_name = std::fs::read_to_string(format!("/sys/class/input/{name}/device/name"))
            .unwrap_or_default();
        if dev_name.trim_end() == KEYS_NAME {
            found = Some(name);
        }
    }
    let name = found.ok_or_else(|| {
        io::Error::other(format!(
            "no evdev device named {KEYS_NAME} (gpio_keys.ko and evdev.ko not loaded? \
             the kernel needs CONFIG_KEYBOARD_GPIO and CONFIG_INPUT_EVDEV)"
        ))
    })?;
    let fd = sys::open_flags(
        &format!("/dev/input/{name}"),
        libc::O_RDONLY | libc::O_NONBLOCK,
    )?;
    let mut clock: libc::c_int = libc::CLOCK_MONOTONIC;
    // SAFETY: EVIOCSCLOCKID reads one int, which `clock` is.
    unsafe { sys::ioctl_ptr(fd.as_raw_fd(), EVIOCSCLOCKID, &mut clock) }?;
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(sec: i64, usec: i64, ty: u16, code: u16, value: i32) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&(sec as libc::c_long).to_ne_bytes());
        b.extend_from_slice(&(usec as libc::c_long).to_ne_bytes());
        b.extend_from_slice(&ty.to_ne_bytes());
        b.extend_from_slice(&code.to_ne_bytes());
        b.extend_from_slice(&value.to_ne_bytes());
        b
    }

    #[test]
    fn decodes_the_three_kinds() {
        let b = event(12, 345_678, EV_KEY, BTN_0, 1);
        assert_eq!(b.len(), INPUT_EVENT_SIZE);
        assert_eq!(
            InputEvent::from_bytes(&b),
            InputEvent::Key {
                stamp_ns: 12_345_678_999
            }
        );
        assert_eq!(
            InputEvent::from_bytes(&event(1, 2, EV_SYN, SYN_DROPPED, 0)),
            InputEvent::Dropped
        );
        assert_eq!(
            InputEvent::from_bytes(&event(1, 2, EV_SYN, 0, 0)),
            InputEvent::Other
        );
        assert_eq!(
            InputEvent::from_bytes(&event(1, 2, EV_KEY, BTN_0 + 1, 0)),
            InputEvent::Other
        );
    }
}
