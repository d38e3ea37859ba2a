//! rpoll's trace events seen through tracefs (`/sys/kernel/tracing`): a
//! [`Capture`] enables some `events/rpoll/*`, and when finished returns
//! the events recorded meanwhile as parsed lines of the `trace` file.
//!
//! One capture at a time: the tests run one after the other, and each
//! capture clears the buffer and disables every rpoll event when it ends.

use std::collections::HashMap;

const TRACING: &str = "/sys/kernel/tracing";

fn write(path: &str, value: &str) -> Result<(), String> {
    std::fs::write(format!("{TRACING}/{path}"), value)
        .map_err(|e| format!("{TRACING}/{path} <- {value:?}: {e}"))
}

/// Mounts tracefs if it is not mounted yet; `Err` when the kernel has none.
pub fn mount() -> Result<(), String> {
    if std::path::Path::new(&format!("{TRACING}/trace")).exists() {
        return Ok(());
    }
    let _ = std::fs::create_dir_all(TRACING);
    let (src, dir, fs) = (c"tracefs", c"/sys/kernel/tracing", c"tracefs");
    // SAFETY: NUL-terminated strings valid for the call; no data.
    let r = unsafe { libc::mount(src.as_ptr(), dir.as_ptr(), fs.as_ptr(), 0, std::ptr::null()) };
    if r != 0 {
        return Err(format!(
            "mount tracefs: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

/// One recorded rpoll event: its name and `key=value` fields (words without
/// `=`, such as `attached`, are kept as a field with an empty value).
#[derive(Clone, Debug)]
pub struct Event {
    /// The event's name (`rpoll_record`).
    pub name: String,
    /// The task that was running (`comm-pid` as tracefs prints it).
    pub task: String,
    /// The line of the `trace` file.
    pub line: String,
    fields: HashMap<String, String>,
}

impl Event {
    /// The field `key` as text; `""` when absent.
    pub fn text(&self, key: &str) -> &str {
        self.fields.get(key).map_or("", String::as_str)
    }

    /// The field `key` as a number; `None` when absent or not a number.
    pub fn num(&self, key: &str) -> Option<i64> {
        self.fields.get(key)?.parse().ok()
    }

    /// Whether the bare word `word` (no `=`) is in the event's text.
    pub fn has_word(&self, word: &str) -> bool {
        self.fields.get(word).is_some_and(String::is_empty)
    }

    /// The field `key` as a number, or an error naming the event.
    pub fn need(&self, key: &str) -> Result<i64, String> {
        self.num(key)
            .ok_or_else(|| format!("{}: no numeric {key} in {self:?}", self.name))
    }
}

/// Parses one line of the `trace` file into an rpoll event.
pub fn parse(line: &str) -> Option<Event> {
    // "  task-123  [000] d.h1.  12.345678: rpoll_record: dev=... seq=..."
    let (head, rest) = line.split_once(": rpoll_")?;
    let (name, body) = rest.split_once(": ").unwrap_or((rest, ""));
    let task = head.split_whitespace().next().unwrap_or("").to_string();
    let fields = body
        .split_whitespace()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (w.to_string(), String::new()),
        })
        .collect();
    Some(Event {
        name: format!("rpoll_{name}"),
        task,
        line: line.trim().to_string(),
        fields,
    })
}

/// rpoll events being recorded.
pub struct Capture {
    events: Vec<String>,
}

impl Capture {
    /// Clears the trace buffer and enables `events` (names under
    /// `events/rpoll/`, e.g. `"rpoll_record"`).
    pub fn start(events: &[&str]) -> Result<Self, String> {
        mount()?;
        write("tracing_on", "0")?;
        write("events/rpoll/enable", "0")?;
        write("trace", "")?;
        // Room for a few thousand events per CPU.
        write("buffer_size_kb", "1024")?;
        for e in events {
            write(&format!("events/rpoll/{e}/enable"), "1")?;
        }
        write("tracing_on", "1")?;
        Ok(Self {
            events: events.iter().map(|e| e.to_string()).collect(),
        })
    }

    /// Stops recording and returns the events of this capture, oldest
    /// first; `Err` when the buffer lost some (a capture that overflowed
    /// cannot be checked).
    pub fn finish(self) -> Result<Vec<Event>, String> {
        write("tracing_on", "0")?;
        let text = std::fs::read_to_string(format!("{TRACING}/trace"))
            .map_err(|e| format!("{TRACING}/trace: {e}"))?;
        let stopped = write("events/rpoll/enable", "0");
        let events: Vec<Event> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(parse)
            .collect();
        stopped?;
        if let Some(l) = text.lines().find(|l| l.starts_with("# entries-in-buffer")) {
            // "# entries-in-buffer/entries-written: 12/12   #P:2"
            let counts = l.split(':').nth(1).unwrap_or("").split_whitespace().next();
            if let Some((kept, written)) = counts.and_then(|c| c.split_once('/')) {
                if kept != written {
                    return Err(format!("the trace buffer overflowed: {l}"));
                }
            }
        }
        let unknown: Vec<&Event> = events
            .iter()
            .filter(|e| !self.events.contains(&e.name))
            .collect();
        if !unknown.is_empty() {
            return Err(format!("events that were not enabled: {unknown:?}"));
        }
        Ok(events)
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        // A capture abandoned by an error leaves nothing enabled.
        let _ = write("events/rpoll/enable", "0");
    }
}

/// Every rpoll event.
pub const ALL: &[&str] = &[
    "rpoll_record",
    "rpoll_drop",
    "rpoll_read",
    "rpoll_reader",
    "rpoll_overrun",
    "rpoll_wake",
    "rpoll_system_wakeup",
    "rpoll_config",
];

/// The events named `name` of device `dev` (`rpoll-<label>`).
pub fn of<'a>(events: &'a [Event], name: &str, dev: &str) -> Vec<&'a Event> {
    let dev = format!("rpoll-{dev}");
    events
        .iter()
        .filter(|e| e.name == name && e.text("dev") == dev)
        .collect()
}
