// SPDX-License-Identifier: GPL-2.0

//! Validation of the device-tree properties of an rpoll node.
//!
//! The kernel side reads raw values; this module decides whether they are
//! acceptable and, if not, which message to print. Keeping it here lets the
//! host tests cover every accepted and rejected value.

use core::fmt;

use super::gpio_edges::Edges;
use super::queue::{MAX_DEPTH, MIN_DEPTH};
use super::uapi::RpollConfig;

/// Shortest accepted timer period, in microseconds.
pub const PERIOD_US_MIN: u32 = 10;
/// Longest accepted timer period, in microseconds (the u32 limit, ~4 294 s).
pub const PERIOD_US_MAX: u32 = u32::MAX;
/// Queue depth used when `rpoll,queue-depth` is absent.
pub const DEFAULT_DEPTH: u32 = 64;
/// Longest accepted label (the device node is `rpoll-<label>`).
pub const LABEL_MAX: usize = 32;

/// Longest accepted debounce window, in microseconds (1 s).
pub const DEBOUNCE_US_MAX: u32 = 1_000_000;

/// Shortest accepted sampling interval of a polled GPIO line, in
/// microseconds.
pub const POLL_INTERVAL_US_MIN: u32 = 100;
/// Longest accepted sampling interval of a polled GPIO line, in
/// microseconds (10 s).
pub const POLL_INTERVAL_US_MAX: u32 = 10_000_000;

/// Name of the period property.
pub const PROP_PERIOD: &str = "rpoll,period-us";
/// Name of the queue-depth property.
pub const PROP_DEPTH: &str = "rpoll,queue-depth";
/// Name of the debounce property.
pub const PROP_DEBOUNCE: &str = "rpoll,debounce-us";
/// Name of the label property.
pub const PROP_LABEL: &str = "label";
/// Name of the GPIO edges property.
pub const PROP_EDGES: &str = "rpoll,edges";
/// Name of the polled-GPIO sampling interval property.
pub const PROP_POLL_INTERVAL: &str = "rpoll,poll-interval-us";
/// The property that makes a GPIO or interrupt device a wake-up source.
pub const PROP_WAKEUP: &str = "wakeup-source";
/// Name of the property naming the edges that wake the system.
pub const PROP_WAKEUP_EDGES: &str = "rpoll,wakeup-edges";

/// A rejected property value; its `Display` form is the probe error message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamError {
    /// A required property is absent.
    Missing(&'static str),
    /// A u32 property does not hold exactly one 32-bit cell.
    NotOneCell(&'static str),
    /// The period is outside `PERIOD_US_MIN..=PERIOD_US_MAX`.
    PeriodRange(u32),
    /// The queue depth is not a power of two in range.
    Depth(u32),
    /// The debounce window is above `DEBOUNCE_US_MAX`.
    Debounce(u32),
    /// The label is empty, too long or holds a character outside
    /// `[A-Za-z0-9._-]`.
    Label,
    /// `rpoll,edges` is not one of the accepted strings.
    Edges,
    /// `wakeup-source` on a timer node: only a GPIO or interrupt device can
    /// wake the system.
    WakeupOnTimer,
    /// The sampling interval is outside
    /// `POLL_INTERVAL_US_MIN..=POLL_INTERVAL_US_MAX`.
    PollInterval(u32),
    /// `wakeup-source` on a polled GPIO line: with no interrupt, nothing can
    /// wake the system.
    WakeupWhenPolled,
    /// `rpoll,wakeup-edges` is not one of the accepted strings.
    WakeupEdges,
    /// `rpoll,wakeup-edges` without `wakeup-source`.
    WakeupEdgesWithoutWakeup,
    /// `rpoll,wakeup-edges` on a timer or irq device, which have no edges
    /// to choose from.
    WakeupEdgesNotGpio,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing(p) => write!(f, "property '{p}' is missing (required)"),
            Self::NotOneCell(p) => write!(f, "property '{p}' must be a single u32 cell"),
            Self::PeriodRange(v) => write!(
                f,
                "property '{PROP_PERIOD}' = {v} is out of range (accepted: {PERIOD_US_MIN}..={PERIOD_US_MAX} us)"
            ),
            Self::Depth(v) => write!(
                f,
                "property '{PROP_DEPTH}' = {v} is invalid (accepted: a power of two in {MIN_DEPTH}..={MAX_DEPTH})"
            ),
            Self::Debounce(v) => write!(
                f,
                "property '{PROP_DEBOUNCE}' = {v} is out of range (accepted: 0..={DEBOUNCE_US_MAX} us)"
            ),
            Self::Label => write!(
                f,
                "property '{PROP_LABEL}' is invalid (accepted: 1..={LABEL_MAX} characters from [A-Za-z0-9._-])"
            ),
            Self::Edges => write!(
                f,
                "property '{PROP_EDGES}' is invalid (accepted: \"rising\", \"falling\" or \"both\")"
            ),
            Self::WakeupOnTimer => write!(
                f,
                "property '{PROP_WAKEUP}' is not accepted on a timer device (only rpoll,event-gpio and rpoll,event-irq devices can wake the system)"
            ),
            Self::PollInterval(v) => write!(
                f,
                "property '{PROP_POLL_INTERVAL}' = {v} is out of range (accepted: {POLL_INTERVAL_US_MIN}..={POLL_INTERVAL_US_MAX} us)"
            ),
            Self::WakeupWhenPolled => write!(
                f,
                "property '{PROP_WAKEUP}' is not accepted with '{PROP_POLL_INTERVAL}' (a polled line has no interrupt to wake the system)"
            ),
            Self::WakeupEdges => write!(
                f,
                "property '{PROP_WAKEUP_EDGES}' is invalid (accepted: \"rising\", \"falling\" or \"both\")"
            ),
            Self::WakeupEdgesWithoutWakeup => write!(
                f,
                "property '{PROP_WAKEUP_EDGES}' needs '{PROP_WAKEUP}' (it chooses the edges that wake the system)"
            ),
            Self::WakeupEdgesNotGpio => write!(
                f,
                "property '{PROP_WAKEUP_EDGES}' is accepted on rpoll,event-gpio devices only (a timer or irq device has no edges to choose from)"
            ),
        }
    }
}

/// A timer period outside `PERIOD_US_MIN..=PERIOD_US_MAX` (microseconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeriodOutOfRange(pub u32);

/// Checks a timer period in microseconds, from the device tree or from
/// `RPOLL_IOC_SET_PERIOD`.
pub fn timer_period(us: u32) -> Result<u32, PeriodOutOfRange> {
    if us < PERIOD_US_MIN {
        return Err(PeriodOutOfRange(us));
    }
    Ok(us)
}

/// Checks the required timer period; `None` means the property is absent.
pub fn period_us(raw: Option<u32>) -> Result<u32, ParamError> {
    let v = raw.ok_or(ParamError::Missing(PROP_PERIOD))?;
    timer_period(v).map_err(|PeriodOutOfRange(v)| ParamError::PeriodRange(v))
}

/// Checks the optional queue depth; `None` gives [`DEFAULT_DEPTH`].
pub fn queue_depth(raw: Option<u32>) -> Result<u32, ParamError> {
    let v = raw.unwrap_or(DEFAULT_DEPTH);
    if !v.is_power_of_two() || (v as usize) < MIN_DEPTH || (v as usize) > MAX_DEPTH {
        return Err(ParamError::Depth(v));
    }
    Ok(v)
}

/// Checks the optional debounce window; `None` gives 0 (no debouncing).
pub fn debounce_us(raw: Option<u32>) -> Result<u32, ParamError> {
    let v = raw.unwrap_or(0);
    if v > DEBOUNCE_US_MAX {
        return Err(ParamError::Debounce(v));
    }
    Ok(v)
}

/// Checks the optional sampling interval of a GPIO line: `Ok(None)` when
/// absent (the line's interrupt is used), `Ok(Some(us))` for a polled line.
/// A polled line cannot wake the system.
pub fn poll_interval_us(raw: Option<u32>, wakeup: bool) -> Result<Option<u32>, ParamError> {
    let Some(v) = raw else {
        return Ok(None);
    };
    if !(POLL_INTERVAL_US_MIN..=POLL_INTERVAL_US_MAX).contains(&v) {
        return Err(ParamError::PollInterval(v));
    }
    if wakeup {
        return Err(ParamError::WakeupWhenPolled);
    }
    Ok(Some(v))
}

/// The shortest time a level-triggered interrupt stays masked after each
/// record, in microseconds: a line held asserted reports at most once per
/// window (100 records a second), not once per interrupt.
pub const LEVEL_WINDOW_US_MIN: u32 = 10_000;

/// How long a level-triggered interrupt stays masked after a record: the
/// debounce window, but at least [`LEVEL_WINDOW_US_MIN`].
pub fn level_window_us(debounce_us: u32) -> u32 {
    debounce_us.max(LEVEL_WINDOW_US_MIN)
}

/// Whether an `IRQ_TYPE_*` trigger is level-sensitive
/// (`IRQ_TYPE_LEVEL_HIGH` or `IRQ_TYPE_LEVEL_LOW`).
pub fn is_level_trigger(trigger: u32) -> bool {
    trigger & 0xc != 0
}

/// Checks the optional `rpoll,edges` string (without NUL); `None` gives
/// both edges.
pub fn edges(raw: Option<&[u8]>) -> Result<Edges, ParamError> {
    match raw {
        None => Ok(Edges::Both),
        Some(v) => Edges::parse(v).ok_or(ParamError::Edges),
    }
}

/// Checks the optional `rpoll,wakeup-edges` string (without NUL) of a GPIO
/// line that is a wake-up source when `wakeup`; `None` gives both edges.
pub fn wakeup_edges(raw: Option<&[u8]>, wakeup: bool) -> Result<Edges, ParamError> {
    let Some(v) = raw else {
        return Ok(Edges::Both);
    };
    let edges = Edges::parse(v).ok_or(ParamError::WakeupEdges)?;
    if !wakeup {
        return Err(ParamError::WakeupEdgesWithoutWakeup);
    }
    Ok(edges)
}

/// Checks a label (without its NUL terminator).
pub fn label(raw: &[u8]) -> Result<&[u8], ParamError> {
    let ok = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-');
    if raw.is_empty() || raw.len() > LABEL_MAX || !raw.iter().all(ok) {
        return Err(ParamError::Label);
    }
    Ok(raw)
}

/// A checked `RPOLL_IOC_SET_CONFIG` request for a GPIO line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GpioSettings {
    /// The edges to report.
    pub edges: Edges,
    /// The debounce (settle) window.
    pub debounce_us: u32,
    /// The sampling interval of a sampled line; 0 for an interrupt-driven
    /// one.
    pub poll_interval_us: u32,
}

/// Checks a configuration request for a GPIO line that is sampled when
/// `polled` (a line keeps how it is fed): `None` if any value is out of
/// range, a reserved word is not 0, or the request would change the feed.
pub fn gpio_settings(c: &RpollConfig, polled: bool) -> Option<GpioSettings> {
    let edges = Edges::from_bits(c.edges)?;
    if c.reserved != [0; 5] || c.debounce_us > DEBOUNCE_US_MAX {
        return None;
    }
    let interval_ok = if polled {
        (POLL_INTERVAL_US_MIN..=POLL_INTERVAL_US_MAX).contains(&c.poll_interval_us)
    } else {
        c.poll_interval_us == 0
    };
    interval_ok.then_some(GpioSettings {
        edges,
        debounce_us: c.debounce_us,
        poll_interval_us: c.poll_interval_us,
    })
}

/// Checks a configuration request for an irq device whose trigger is
/// `trigger`: the new debounce window, or `None` if a value is out of range,
/// a reserved word is not 0, or the trigger or an interval would change.
pub fn irq_settings(c: &RpollConfig, trigger: u32) -> Option<u32> {
    (c.edges == trigger
        && c.poll_interval_us == 0
        && c.reserved == [0; 5]
        && c.debounce_us <= DEBOUNCE_US_MAX)
        .then_some(c.debounce_us)
}
