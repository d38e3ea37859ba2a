//! Text and JSON renderings of events, device info and counters.

use rpoll_uapi::{
    trigger_name, RpollEvent, RpollInfo, RpollStats, RPOLL_GPIO_ACTIVE_LOW, RPOLL_GPIO_LINE_MASK,
    RPOLL_SOURCE_GPIO, RPOLL_SOURCE_IRQ, RPOLL_SOURCE_MASK, RPOLL_SOURCE_TIMER,
};

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

/// One `watch` line; `delta_ns` is the time since the previous event of the
/// same device (none for the first).
pub fn event_line(device: &str, e: &RpollEvent, delta_ns: Option<u64>) -> String {
    let delta = delta_ns.map_or_else(|| "-".to_string(), |d| format!("{}s", secs(d)));
    let edge = match (e.edge(), e.level()) {
        (Some(edge), Some(level)) => format!(" edge={:<7} level={}", edge.name(), u8::from(level)),
        _ => String::new(),
    };
    format!(
        "{device:<10} seq={:<6} src={:<5}{edge} ts={} jiffies={} delta={delta} lost={}",
        e.seq,
        source_name(e.source),
        secs(e.timestamp_ns),
        e.jiffies,
        e.lost
    )
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One `watch --json` object.
pub fn event_json(device: &str, e: &RpollEvent, delta_ns: Option<u64>) -> String {
    let delta = delta_ns.map_or_else(|| "null".to_string(), |d| d.to_string());
    let edge = match (e.edge(), e.level()) {
        (Some(edge), Some(level)) => format!(
            ",\"edge\":\"{}\",\"level\":{}",
            edge.name(),
            u8::from(level)
        ),
        _ => String::new(),
    };
    format!(
        "{{\"device\":{},\"seq\":{},\"source\":\"{}\"{edge},\"timestamp_ns\":{},\"jiffies\":{},\"delta_ns\":{delta},\"lost\":{}}}",
        json_str(device),
        e.seq,
        source_name(e.source),
        e.timestamp_ns,
        e.jiffies,
        e.lost
    )
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

/// One `list --json` object.
pub fn info_json(path: &str, i: &RpollInfo) -> String {
    let (trigger, gpio) = if i.source == RPOLL_SOURCE_GPIO {
        (
            "none",
            format!(
                ",\"gpio_line\":{},\"active_low\":{},\"edges\":\"{}\"",
                i.gpio_line & RPOLL_GPIO_LINE_MASK,
                i.gpio_line & RPOLL_GPIO_ACTIVE_LOW != 0,
                edges_name(i.trigger)
            ),
        )
    } else {
        (trigger_name(i.trigger), String::new())
    };
    format!(
        "{{\"path\":{},\"name\":{},\"source\":\"{}\",\"period_us\":{},\"irq\":{},\"trigger\":\"{}\"{gpio},\"debounce_us\":{},\"queue_depth\":{},\"max_readers\":{}}}",
        json_str(path),
        json_str(&String::from_utf8_lossy(i.name_bytes())),
        source_name(i.source),
        i.period_us,
        i.irq,
        trigger,
        i.debounce_us,
        i.queue_depth,
        i.max_readers
    )
}

/// `stats` output.
pub fn stats_text(device: &str, s: &RpollStats) -> String {
    format!(
        "{device}: produced {} overruns {} debounced {} readers {}\nthis file: base {} delivered {} lost {} queued {}",
        s.produced, s.overruns, s.debounced, s.readers, s.base, s.delivered, s.lost, s.queued
    )
}

/// `stats --json` output.
pub fn stats_json(device: &str, s: &RpollStats) -> String {
    format!(
        "{{\"device\":{},\"produced\":{},\"overruns\":{},\"debounced\":{},\"readers\":{},\"base\":{},\"delivered\":{},\"lost\":{},\"queued\":{}}}",
        json_str(device),
        s.produced,
        s.overruns,
        s.debounced,
        s.readers,
        s.base,
        s.delivered,
        s.lost,
        s.queued
    )
}
