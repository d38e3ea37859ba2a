//! Text and JSON renderings of events, device info and counters (JSON
//! through `serde_json`).

use rpoll_uapi::{
    trigger_name, RpollConfig, RpollEvent, RpollInfo, RpollStats, RPOLL_GPIO_ACTIVE_LOW,
    RPOLL_GPIO_LINE_MASK, RPOLL_SOURCE_GPIO, RPOLL_SOURCE_IRQ, RPOLL_SOURCE_MASK,
    RPOLL_SOURCE_TIMER,
};
use serde::Serialize;

/// Name of a record's (or device's) source; flags above the source byte are
/// ignored.
pub fn source_name(source: u32) -> &'static str {
    match source & RPOLL_SOURCE_MASK {
        RPOLL_SOURCE_TIMER => "timer",
        RPOLL_SOURCE_IRQ => "irq",
        RPOLL_SOURCE_GPIO => "gpio",
        _ => "unknown",
    }
}

/// `rising`, `falling` or `both` for a GPIO device's `trigger` field.
fn edges_name(trigger: u32) -> &'static str {
    match trigger {
        1 => "rising",
        2 => "falling",
        3 => "both",
        _ => "none",
    }
}

/// `12.345678901` seconds from nanoseconds.
pub fn secs(ns: u64) -> String {
    format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000)
}

/// A device name for display: the label part of a `/dev/rpoll-<label>`
/// path; a bare label or device name is shown as given.
pub fn short_name(name: &str) -> &str {
    match name.rsplit_once('/') {
        Some((_, base)) => base.strip_prefix("rpoll-").unwrap_or(base),
        None => name,
    }
}

/// How `watch` prints a record's timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StampStyle {
    /// Seconds on the clock (monotonic, boottime).
    Seconds,
    /// A realtime stamp as UTC ISO 8601: `2026-12-06T05:41:31.123456789Z`.
    Utc,
    /// A realtime stamp in local time with its offset (`TZ`, `/etc/localtime`).
    Local,
    /// A TAI stamp as ISO 8601 on the TAI scale: `...T05:42:08.123456789 TAI`.
    Tai,
}

/// The local time's offset from UTC at Unix time `secs`, in seconds
/// (`localtime_r()`, which reads `TZ` or `/etc/localtime`; 0 if it fails).
fn local_offset_s(secs: i64) -> i32 {
    // SAFETY: `tm` is a plain C struct that `localtime_r` fills in; both
    // pointers are valid for the call (`t`'s type is the C `time_t`).
    unsafe {
        let t = secs as _;
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return 0;
        }
        tm.tm_gmtoff as i32
    }
}

/// `ns` (nanoseconds since the Unix epoch, or on the TAI scale) in `style`.
pub fn stamp_text(ns: u64, style: StampStyle) -> String {
    use time::{macros::format_description, OffsetDateTime, UtcOffset};
    if style == StampStyle::Seconds {
        return secs(ns);
    }
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns)) else {
        return secs(ns);
    };
    let body =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]");
    let offset = format_description!("[offset_hour sign:mandatory]:[offset_minute]");
    let text = |t: OffsetDateTime| t.format(&body).unwrap_or_else(|_| secs(ns));
    match style {
        StampStyle::Utc => format!("{}Z", text(t)),
        StampStyle::Tai => format!("{} TAI", text(t)),
        _ => {
            let off = UtcOffset::from_whole_seconds(local_offset_s(t.unix_timestamp()))
                .unwrap_or(UtcOffset::UTC);
            let local = t.to_offset(off);
            format!(
                "{}{}",
                text(local),
                local.format(&offset).unwrap_or_default()
            )
        }
    }
}

/// One `watch` line; `delta_ns` is the time since the previous event of the
/// same device (none for the first).
pub fn event_line(device: &str, e: &RpollEvent, delta_ns: Option<u64>) -> String {
    event_line_styled(device, e, delta_ns, StampStyle::Seconds)
}

/// [`event_line`] with the timestamp in `style`.
pub fn event_line_styled(
    device: &str,
    e: &RpollEvent,
    delta_ns: Option<u64>,
    style: StampStyle,
) -> String {
    let delta = delta_ns.map_or_else(|| "-".to_string(), |d| format!("{}s", secs(d)));
    let edge = match (e.edge(), e.level()) {
        (Some(edge), Some(level)) => format!(" edge={:<7} level={}", edge.name(), u8::from(level)),
        (None, Some(level)) if e.initial() => format!(" initial      level={}", u8::from(level)),
        _ => String::new(),
    };
    let resumed = if e.resumed() { " resumed" } else { "" };
    let config = if e.config_changed() { " config" } else { "" };
    let wakeup = if e.wakeup() { " wakeup" } else { "" };
    let merged = match e.merged() {
        0 => String::new(),
        n => format!(" merged={n}"),
    };
    format!(
        "{device:<10} seq={:<6} src={:<5}{edge} ts={} jiffies={} delta={delta} lost={}{merged}{resumed}{config}{wakeup}",
        e.seq,
        source_name(e.source),
        stamp_text(e.timestamp_ns, style),
        e.jiffies,
        e.lost
    )
}

/// The line `watch --heartbeat` prints after a stretch without events.
pub fn idle_line(idle_ns: u64, json: bool) -> String {
    if json {
        format!("{{\"idle_ns\":{idle_ns}}}")
    } else {
        format!("idle {}s", secs(idle_ns))
    }
}

/// A `watch --json` object (fields in this order).
#[derive(Serialize)]
struct EventJson<'a> {
    device: &'a str,
    seq: u64,
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    edge: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<u8>,
    timestamp_ns: u64,
    /// The timestamp as text, for realtime and TAI stamps.
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    jiffies: u64,
    delta_ns: Option<u64>,
    lost: u32,
    /// Only on the first timer record after a system sleep.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    resumed: bool,
    /// Only on the first record after a configuration change.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    config: bool,
    /// Only on a file's initial record (the state at open).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    initial: bool,
    /// Only on the record of the edge that woke the system.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    wakeup: bool,
    /// GPIO: interrupts merged into no record since the previous record.
    #[serde(skip_serializing_if = "is_zero")]
    merged: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Serializes a value with serde_json (our types cannot fail to serialize).
fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("plain structs serialize")
}

/// One `watch --json` object.
pub fn event_json(device: &str, e: &RpollEvent, delta_ns: Option<u64>) -> String {
    event_json_styled(device, e, delta_ns, StampStyle::Seconds)
}

/// [`event_json`], with a `time` field in `style` unless it is seconds.
pub fn event_json_styled(
    device: &str,
    e: &RpollEvent,
    delta_ns: Option<u64>,
    style: StampStyle,
) -> String {
    let (edge, level) = match (e.edge(), e.level()) {
        (Some(edge), Some(level)) => (Some(edge.name()), Some(u8::from(level))),
        _ => (None, None),
    };
    to_json(&EventJson {
        device,
        seq: e.seq,
        source: source_name(e.source),
        edge,
        level,
        timestamp_ns: e.timestamp_ns,
        time: (style != StampStyle::Seconds).then(|| stamp_text(e.timestamp_ns, style)),
        jiffies: e.jiffies,
        delta_ns,
        lost: e.lost,
        resumed: e.resumed(),
        config: e.config_changed(),
        initial: e.initial(),
        wakeup: e.wakeup(),
        merged: e.merged(),
    })
}

/// A `level` line: the device and its logical level.
pub fn level_text(device: &str, level: bool) -> String {
    format!("{device}: level {}", u8::from(level))
}

/// A `level --json` object.
pub fn level_json(device: &str, level: bool) -> String {
    #[derive(Serialize)]
    struct LevelJson<'a> {
        device: &'a str,
        level: u8,
    }
    to_json(&LevelJson {
        device,
        level: u8::from(level),
    })
}

fn info_detail(i: &RpollInfo) -> String {
    match i.source {
        RPOLL_SOURCE_TIMER => format!("period {}", secs(u64::from(i.period_us) * 1000)),
        RPOLL_SOURCE_IRQ => format!(
            "irq {} {} debounce {}us",
            i.irq,
            trigger_name(i.trigger),
            i.debounce_us
        ),
        RPOLL_SOURCE_GPIO => format!(
            "line {}{} edges {} debounce {}us",
            i.gpio_line & RPOLL_GPIO_LINE_MASK,
            if i.gpio_line & RPOLL_GPIO_ACTIVE_LOW != 0 {
                " active-low"
            } else {
                ""
            },
            edges_name(i.trigger),
            i.debounce_us
        ),
        _ => String::new(),
    }
}

/// One `list` line.
pub fn info_line(path: &str, i: &RpollInfo) -> String {
    format!(
        "{path:<20} {:<5} {:<32} depth {}",
        source_name(i.source),
        info_detail(i),
        i.queue_depth
    )
}

/// A `list --json` object (fields in this order; the GPIO ones only for
/// GPIO devices).
#[derive(Serialize)]
struct InfoJson<'a> {
    path: &'a str,
    name: String,
    source: &'static str,
    period_us: u32,
    irq: u32,
    trigger: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    gpio_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    active_low: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    edges: Option<&'static str>,
    debounce_us: u32,
    queue_depth: u32,
    max_readers: u32,
}

/// One `list --json` object.
pub fn info_json(path: &str, i: &RpollInfo) -> String {
    let gpio = i.source == RPOLL_SOURCE_GPIO;
    to_json(&InfoJson {
        path,
        name: String::from_utf8_lossy(i.name_bytes()).into_owned(),
        source: source_name(i.source),
        period_us: i.period_us,
        irq: i.irq,
        trigger: if gpio {
            "none"
        } else {
            trigger_name(i.trigger)
        },
        gpio_line: gpio.then_some(i.gpio_line & RPOLL_GPIO_LINE_MASK),
        active_low: gpio.then_some(i.gpio_line & RPOLL_GPIO_ACTIVE_LOW != 0),
        edges: gpio.then(|| edges_name(i.trigger)),
        debounce_us: i.debounce_us,
        queue_depth: i.queue_depth,
        max_readers: i.max_readers,
    })
}

/// `stats` output.
pub fn stats_text(device: &str, s: &RpollStats) -> String {
    format!(
        "{device}: produced {} overruns {} debounced {} readers {}\nthis file: base {} delivered {} lost {} queued {}",
        s.produced, s.overruns, s.debounced, s.readers, s.base, s.delivered, s.lost, s.queued
    )
}

/// A `stats --json` object.
#[derive(Serialize)]
struct StatsJson<'a> {
    device: &'a str,
    produced: u64,
    overruns: u64,
    debounced: u64,
    readers: u64,
    base: u64,
    delivered: u64,
    lost: u64,
    queued: u64,
}

/// `stats --json` output.
pub fn stats_json(device: &str, s: &RpollStats) -> String {
    to_json(&StatsJson {
        device,
        produced: s.produced,
        overruns: s.overruns,
        debounced: s.debounced,
        readers: s.readers,
        base: s.base,
        delivered: s.delivered,
        lost: s.lost,
        queued: s.queued,
    })
}

/// The name of `RPOLL_EDGE_*` bits, or of an irq device's trigger.
fn config_edges(info: &RpollInfo, c: &RpollConfig) -> &'static str {
    if info.source == RPOLL_SOURCE_GPIO {
        match c.edges {
            1 => "rising",
            2 => "falling",
            3 => "both",
            _ => "?",
        }
    } else {
        trigger_name(c.edges)
    }
}

/// A `config` line: edges (or trigger), debounce, interval.
pub fn config_text(device: &str, info: &RpollInfo, c: &RpollConfig) -> String {
    let mut line = format!(
        "{device}: edges {} debounce {}us",
        config_edges(info, c),
        c.debounce_us
    );
    if c.poll_interval_us != 0 {
        line.push_str(&format!(" interval {}us", c.poll_interval_us));
    }
    line
}

/// A `config --json` object.
pub fn config_json(device: &str, info: &RpollInfo, c: &RpollConfig) -> String {
    #[derive(Serialize)]
    struct ConfigJson<'a> {
        device: &'a str,
        edges: &'a str,
        debounce_us: u32,
        poll_interval_us: u32,
    }
    to_json(&ConfigJson {
        device,
        edges: config_edges(info, c),
        debounce_us: c.debounce_us,
        poll_interval_us: c.poll_interval_us,
    })
}
