// SPDX-License-Identifier: GPL-2.0

//! Which edges of a GPIO line become events, and how bursts of edges settle.
//!
//! Everything here is in logical terms: for an active-low line a physical
//! falling edge is a logical rising edge (the line becomes active) and the
//! level is 1 while the line is active, as gpiolib reports it.
//!
//! A line that reports both edges uses settled-state semantics: an edge
//! (re)starts a settle window; when the line has been quiet for the whole
//! window, its level is compared with the last reported level, and an event
//! is reported only if it changed. Reported edges therefore alternate, and
//! the last reported level is the level the line settled at, however long
//! and odd the burst. With a zero window every interrupt settles at once.
//! Lines that report a single edge use leading-edge debouncing instead
//! ([`super::debounce::Debouncer`]): the first edge after a quiet window is
//! reported immediately, for the lowest latency.
//!
//! A line with no interrupt is sampled ([`Sampled`]): a sample that differs
//! from the one before is an edge at the sample's time, and goes through the
//! same settling or debouncing as an interrupt would.

/// The edges a GPIO line reports (`rpoll,edges`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edges {
    /// Only transitions to the active level (a press).
    Rising,
    /// Only transitions to the inactive level (a release).
    Falling,
    /// Both transitions (the default).
    Both,
}

impl Edges {
    /// Parses the `rpoll,edges` string (without NUL); `None` if unknown.
    pub fn parse(raw: &[u8]) -> Option<Self> {
        match raw {
            b"rising" => Some(Self::Rising),
            b"falling" => Some(Self::Falling),
            b"both" => Some(Self::Both),
            _ => None,
        }
    }

    /// The property value naming these edges.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rising => "rising",
            Self::Falling => "falling",
            Self::Both => "both",
        }
    }

    /// The edges of `RPOLL_EDGE_*` bits (`1` rising, `2` falling, `3`
    /// both); `None` for 0 or unknown bits.
    pub fn from_bits(bits: u32) -> Option<Self> {
        match bits {
            1 => Some(Self::Rising),
            2 => Some(Self::Falling),
            3 => Some(Self::Both),
            _ => None,
        }
    }

    /// Whether an edge to logical `level` is one of these edges.
    pub fn includes(self, level: bool) -> bool {
        match self {
            Self::Both => true,
            Self::Rising => level,
            Self::Falling => !level,
        }
    }

    /// Linux `IRQ_TYPE_*` bits for these edges in logical terms
    /// (`IRQ_TYPE_EDGE_RISING` = 1, `IRQ_TYPE_EDGE_FALLING` = 2).
    pub fn irq_type(self) -> u32 {
        match self {
            Self::Rising => 1,
            Self::Falling => 2,
            Self::Both => 3,
        }
    }
}

/// What an interrupt of a both-edge line leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeOutcome {
    /// Report an edge to `level` now (zero window, level changed).
    Report(bool),
    /// Nothing to report: the level equals the last reported one (zero
    /// window); the interrupt counts as merged.
    Merged,
    /// The settle window (re)starts; `first` is true for the first edge of
    /// a burst (the event, if any, will carry this edge's time).
    Pending {
        /// This edge starts a burst.
        first: bool,
    },
}

/// The result of a settle window that ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settled {
    /// `Some(level)` if the settled level differs from the last reported
    /// one: report an edge to `level`.
    pub report: Option<bool>,
    /// Interrupts of the burst that produced no event.
    pub merged: u64,
}

/// The interrupts of a burst that has not settled yet.
#[derive(Clone, Copy, Debug)]
struct Burst {
    /// Interrupts seen.
    seen: u64,
    /// Level read after the latest one.
    level: bool,
    /// Time of the latest one (monotonic, ns).
    last_ns: u64,
}

/// Settled-state tracking of a both-edge line.
#[derive(Clone, Copy, Debug)]
pub struct Settle {
    window_ns: u64,
    reported: bool,
    burst: Option<Burst>,
}

impl Settle {
    /// Tracking with a window of `window_us` microseconds, starting from the
    /// line's level when it was requested.
    pub fn new(window_us: u32, initial_level: bool) -> Self {
        Self {
            window_ns: u64::from(window_us) * 1000,
            reported: initial_level,
            burst: None,
        }
    }

    /// The settle window in nanoseconds (0: none).
    pub fn window_ns(&self) -> u64 {
        self.window_ns
    }

    /// Changes the window to `window_us`. Returns when a settling burst
    /// now settles (monotonic ns: its last edge plus the new window), for
    /// the settle timer to be re-armed; `None` if no burst is settling.
    pub fn set_window(&mut self, window_us: u32) -> Option<u64> {
        self.window_ns = u64::from(window_us) * 1000;
        self.burst.map(|b| b.last_ns + self.window_ns)
    }

    /// Starts over from `level` as the last reported level, with no burst
    /// (a line that starts reporting both edges).
    pub fn restart(&mut self, level: bool) {
        self.reported = level;
        self.burst = None;
    }

    /// The last reported (or initial) level.
    pub fn reported(&self) -> bool {
        self.reported
    }

    /// An interrupt at `now_ns` after which the line reads `level`.
    pub fn edge(&mut self, level: bool, now_ns: u64) -> EdgeOutcome {
        if self.window_ns == 0 {
            if level == self.reported {
                return EdgeOutcome::Merged;
            }
            self.reported = level;
            return EdgeOutcome::Report(level);
        }
        let first = self.burst.is_none();
        let seen = self.burst.map_or(0, |b| b.seen);
        self.burst = Some(Burst {
            seen: seen + 1,
            level,
            last_ns: now_ns,
        });
        EdgeOutcome::Pending { first }
    }

    /// A reading of the line that no interrupt announced (after a system
    /// resume, when a change may have happened while interrupts were off).
    /// Returns the level to report at once if it differs from the last
    /// reported one and no burst is settling; a settling burst takes the
    /// level instead, and its timer reports it. Never counts an interrupt.
    pub fn resync(&mut self, level: bool) -> Option<bool> {
        if let Some(b) = &mut self.burst {
            b.level = level;
            return None;
        }
        if level == self.reported {
            return None;
        }
        self.reported = level;
        Some(level)
    }

    /// The settle timer fired at `now_ns`. `None` if the line has not been
    /// quiet for a whole window yet (an edge re-armed the timer while it was
    /// firing): the re-armed timer settles it later.
    pub fn settle(&mut self, now_ns: u64) -> Option<Settled> {
        if let Some(b) = self.burst {
            if now_ns.saturating_sub(b.last_ns) < self.window_ns {
                return None;
            }
        }
        let Some(Burst { seen, level, .. }) = self.burst.take() else {
            return Some(Settled {
                report: None,
                merged: 0,
            });
        };
        Some(if level == self.reported {
            Settled {
                report: None,
                merged: seen,
            }
        } else {
            self.reported = level;
            Settled {
                report: Some(level),
                merged: seen - 1,
            }
        })
    }
}

/// The last sample of a polled line, which turns samples into edges.
#[derive(Clone, Copy, Debug)]
pub struct Sampled {
    last: bool,
}

impl Sampled {
    /// Sampling that starts from the line's level `level`.
    pub fn new(level: bool) -> Self {
        Self { last: level }
    }

    /// Takes `level` as the new starting point without an edge (sampling
    /// resumes after a pause in which nobody watched the line).
    pub fn rebase(&mut self, level: bool) {
        self.last = level;
    }

    /// A sample reading `level`: whether it is an edge the line reports
    /// with `edges` (a change of level, in a reported direction). A change
    /// in the other direction is remembered but is no edge.
    pub fn sample(&mut self, level: bool, edges: Edges) -> bool {
        if level == self.last {
            return false;
        }
        self.last = level;
        edges.includes(level)
    }
}
