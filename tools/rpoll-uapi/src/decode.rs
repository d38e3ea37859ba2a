//! Decoding what the kernel writes: the records `read()` returns and the
//! ioctl replies, plus the accessors of a record's `source` word. Only user
//! space needs these, so they live here rather than in the module's
//! `src/logic/uapi.rs`.

use crate::wire::*;

/// The edge a GPIO record reports, in logical terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// To the active level.
    Rising,
    /// To the inactive level.
    Falling,
}

impl Edge {
    /// `"rising"` or `"falling"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rising => "rising",
            Self::Falling => "falling",
        }
    }
}

/// Reads `N` bytes at `at`.
fn bytes<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut w = [0u8; N];
    w.copy_from_slice(&b[at..at + N]);
    w
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(bytes(b, at))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_ne_bytes(bytes(b, at))
}

impl RpollEvent {
    /// The `RPOLL_SOURCE_*` value, without flags.
    pub fn kind(&self) -> u32 {
        self.source & RPOLL_SOURCE_MASK
    }

    /// The edge of a GPIO record (`None` for other sources).
    pub fn edge(&self) -> Option<Edge> {
        if self.source & RPOLL_EVENT_RISING != 0 {
            Some(Edge::Rising)
        } else if self.source & RPOLL_EVENT_FALLING != 0 {
            Some(Edge::Falling)
        } else {
            None
        }
    }

    /// The logical level a GPIO record's line settled at (`None` for other
    /// sources).
    pub fn level(&self) -> Option<bool> {
        (self.kind() == RPOLL_SOURCE_GPIO).then_some(self.source & RPOLL_EVENT_LEVEL != 0)
    }

    /// Whether this is the first record of a timer device after a system
    /// sleep (`RPOLL_EVENT_RESUMED`; the periods missed while asleep are in
    /// the device's overruns).
    pub fn resumed(&self) -> bool {
        self.source & RPOLL_EVENT_RESUMED != 0
    }

    /// GPIO records: the line's interrupts (or samples) merged into no
    /// record since the device's previous record (`RPOLL_EVENT_MERGED`).
    pub fn merged(&self) -> u32 {
        (self.source & RPOLL_EVENT_MERGED_MASK) >> RPOLL_EVENT_MERGED_SHIFT
    }

    /// Whether this is the file's initial record (`RPOLL_EVENT_INITIAL`):
    /// the line's level when the file was opened, not an event.
    pub fn initial(&self) -> bool {
        self.source & RPOLL_EVENT_INITIAL != 0
    }

    /// Whether this record is the edge that woke the system, or stopped it
    /// from going to sleep (`RPOLL_EVENT_WAKEUP`; a `wakeup-source` device,
    /// at most one per sleep).
    pub fn wakeup(&self) -> bool {
        self.source & RPOLL_EVENT_WAKEUP != 0
    }

    /// Whether this is the first record after a configuration change
    /// (`RPOLL_EVENT_CONFIG`, `RPOLL_IOC_SET_CONFIG`).
    pub fn config_changed(&self) -> bool {
        self.source & RPOLL_EVENT_CONFIG != 0
    }

    /// Decodes a record from its 32-byte wire form (native endianness).
    pub fn from_bytes(b: &[u8; RPOLL_EVENT_SIZE]) -> Self {
        Self {
            seq: u64_at(b, 0),
            timestamp_ns: u64_at(b, 8),
            jiffies: u64_at(b, 16),
            source: u32_at(b, 24),
            lost: u32_at(b, 28),
        }
    }
}

impl RpollInfo {
    /// The name without its NUL padding.
    pub fn name_bytes(&self) -> &[u8] {
        let end = self
            .name
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(RPOLL_NAME_LEN);
        &self.name[..end]
    }

    /// Decodes the wire form.
    pub fn from_bytes(b: &[u8; RPOLL_INFO_SIZE]) -> Self {
        let f = |i: usize| u32_at(b, RPOLL_NAME_LEN + 4 * i);
        Self {
            name: bytes(b, 0),
            source: f(0),
            queue_depth: f(1),
            period_us: f(2),
            irq: f(3),
            trigger: f(4),
            debounce_us: f(5),
            max_readers: f(6),
            gpio_line: f(7),
        }
    }
}

impl RpollStats {
    /// Decodes the wire form.
    pub fn from_bytes(b: &[u8; RPOLL_STATS_SIZE]) -> Self {
        let f = |i: usize| u64_at(b, 8 * i);
        Self {
            produced: f(0),
            overruns: f(1),
            debounced: f(2),
            readers: f(3),
            base: f(4),
            delivered: f(5),
            lost: f(6),
            queued: f(7),
        }
    }
}
