//! Command-line interface of the `rpoll` tool, declared with `clap`
//! (derive): commands, options, `--help`, `--version`, errors and shell
//! completions. Kept apart from I/O so it is tested on the host.

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::device::Clock;

/// The tool's command line.
#[derive(Parser, Debug)]
#[command(
    name = "rpoll",
    version,
    about = "Look at rpoll event devices (/dev/rpoll-*)",
    after_help = "DEV is a label (tick), a device name (rpoll-tick) or a path (/dev/rpoll-tick).\n\
                  Exit status: 0 done, 1 a device error (message on stderr), 2 a usage error."
)]
struct Cli {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Subcommand, Debug)]
enum Sub {
    /// List /dev/rpoll-* with source, period or interrupt, and queue depth.
    List(JsonFlag),
    /// Stream events of one or several devices, one line each: device, seq,
    /// source, timestamp, jiffies, delta to the previous event, lost.
    Watch {
        /// Devices to watch.
        #[arg(value_name = "DEV", required = true)]
        devices: Vec<String>,
        #[command(flatten)]
        json: JsonFlag,
        /// Stop after N events in total.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        count: Option<u64>,
        /// Clock of the timestamps.
        #[arg(long, value_enum, default_value_t = ClockArg::Monotonic)]
        clock: ClockArg,
        /// GPIO devices: only these edges, for this reader alone.
        #[arg(long, value_enum)]
        edges: Option<EdgesArg>,
        /// Realtime stamps in local time (with its UTC offset) instead of UTC.
        #[arg(long)]
        localtime: bool,
        /// GPIO devices: first print each line's level at the start (an
        /// `initial` record), with no edge lost in between.
        #[arg(long)]
        initial_state: bool,
        /// Exit (status 0) after this long without an event: 500ms, 10s ...
        #[arg(long, value_name = "DURATION", value_parser = parse_duration_us)]
        idle_timeout: Option<u32>,
        /// Print an `idle` line after each such stretch without an event.
        #[arg(long, value_name = "DURATION", value_parser = parse_duration_us)]
        heartbeat: Option<u32>,
        /// Be woken once N records are queued (or the oldest is --max-delay
        /// old) instead of for every record: fewer wake-ups at high rates.
        #[arg(long, value_name = "N", requires = "max_delay",
              value_parser = clap::value_parser!(u32).range(1..))]
        watermark: Option<u32>,
        /// With --watermark: the longest a record waits, e.g. 20ms.
        #[arg(long, value_name = "DURATION", requires = "watermark", value_parser = parse_duration_us)]
        max_delay: Option<u32>,
    },
    /// Print the device's counters (produced, overruns, debounced, readers)
    /// and those of the file the command opens (base, delivered, lost, queued).
    Stats {
        /// The device.
        #[arg(value_name = "DEV")]
        device: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Print a GPIO device's current logical level: 1 active (pressed), 0
    /// inactive; the settled level when both edges are reported.
    Level {
        /// The GPIO device.
        #[arg(value_name = "DEV")]
        device: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Set the period of a timer device for all its readers (needs root).
    SetPeriod {
        /// The timer device.
        #[arg(value_name = "DEV")]
        device: String,
        /// A number with a unit: 1s, 250ms, 100us, 1.5s (10us .. 4294s).
        #[arg(value_name = "DURATION", value_parser = parse_duration_us)]
        period_us: u32,
    },
    /// Print a GPIO or irq device's configuration; with options, change it
    /// for all its readers first (needs root).
    Config {
        /// The GPIO or irq device.
        #[arg(value_name = "DEV")]
        device: String,
        /// GPIO: the edges to report.
        #[arg(long, value_enum)]
        edges: Option<EdgesArg>,
        /// The debounce window: 0, 5ms, 200us ... (at most 1s).
        #[arg(long, value_name = "DURATION", value_parser = parse_window_us)]
        debounce: Option<u32>,
        /// A sampled GPIO line's interval: 100us .. 10s.
        #[arg(long, value_name = "DURATION", value_parser = parse_duration_us)]
        interval: Option<u32>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Print a completion script for a shell (bash, zsh, fish, ...).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug, Clone, Copy)]
struct JsonFlag {
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
}

/// `--edges` values.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgesArg {
    /// Transitions to the active level (presses).
    Rising,
    /// Transitions to the inactive level (releases).
    Falling,
    /// Both.
    Both,
}

impl EdgesArg {
    /// The `RPOLL_EDGE_*` bits.
    pub fn bits(self) -> u32 {
        match self {
            Self::Rising => 1,
            Self::Falling => 2,
            Self::Both => 3,
        }
    }
}

/// `--clock` values.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ClockArg {
    Monotonic,
    Boottime,
    Realtime,
    Tai,
}

impl From<ClockArg> for Clock {
    fn from(c: ClockArg) -> Self {
        match c {
            ClockArg::Monotonic => Clock::Monotonic,
            ClockArg::Boottime => Clock::Boottime,
            ClockArg::Realtime => Clock::Realtime,
            ClockArg::Tai => Clock::Tai,
        }
    }
}

/// What `rpoll watch` does besides streaming its devices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchOptions {
    /// One JSON object per line.
    pub json: bool,
    /// Stop after this many events in total.
    pub count: Option<u64>,
    /// Clock of the timestamps.
    pub clock: Clock,
    /// `RPOLL_EDGE_*` bits for every device, if asked.
    pub edges: Option<u32>,
    /// Realtime stamps in local time.
    pub localtime: bool,
    /// Ask each device for its initial record.
    pub initial_state: bool,
    /// Exit after this many microseconds without an event.
    pub idle_timeout_us: Option<u32>,
    /// Print `idle` after this many microseconds without an event.
    pub heartbeat_us: Option<u32>,
    /// The wake-up watermark: (records, longest delay in microseconds).
    pub watermark: Option<(u32, u32)>,
}

/// What the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `rpoll list [--json]`
    List { json: bool },
    /// `rpoll watch DEV... [--json] [--count N] [--clock CLOCK] [--edges E]`
    Watch {
        devices: Vec<String>,
        options: WatchOptions,
    },
    /// `rpoll config DEV [--edges E] [--debounce D] [--interval I] [--json]`
    Config {
        device: String,
        /// The changes asked (`None`: print only).
        edges: Option<u32>,
        debounce_us: Option<u32>,
        interval_us: Option<u32>,
        json: bool,
    },
    /// `rpoll stats DEV [--json]`
    Stats { device: String, json: bool },
    /// `rpoll level DEV [--json]`
    Level { device: String, json: bool },
    /// `rpoll set-period DEV DURATION`
    SetPeriod { device: String, period_us: u32 },
    /// `rpoll completions SHELL`: the script.
    Completions(String),
    /// `--help` or `--version` of the tool or of one subcommand: the text
    /// to print on standard output (exit status 0).
    Help(String),
}

/// Why parsing stopped without a command: the message (usage included)
/// for standard error; the tool exits with status 2.
pub type UsageError = String;

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, UsageError> {
    let argv = std::iter::once("rpoll".to_string()).chain(args.iter().cloned());
    let cli = match Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            let text = e.render().to_string();
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Ok(Command::Help(text)),
                _ => Err(text),
            };
        }
    };
    Ok(match cli.command {
        Sub::List(j) => Command::List { json: j.json },
        Sub::Watch {
            devices,
            json,
            count,
            clock,
            edges,
            localtime,
            initial_state,
            idle_timeout,
            heartbeat,
            watermark,
            max_delay,
        } => Command::Watch {
            devices,
            options: WatchOptions {
                json: json.json,
                count,
                clock: clock.into(),
                edges: edges.map(EdgesArg::bits),
                localtime,
                initial_state,
                idle_timeout_us: idle_timeout,
                heartbeat_us: heartbeat,
                watermark: watermark.zip(max_delay),
            },
        },
        Sub::Config {
            device,
            edges,
            debounce,
            interval,
            json,
        } => Command::Config {
            device,
            edges: edges.map(EdgesArg::bits),
            debounce_us: debounce,
            interval_us: interval,
            json: json.json,
        },
        Sub::Stats { device, json } => Command::Stats {
            device,
            json: json.json,
        },
        Sub::Level { device, json } => Command::Level {
            device,
            json: json.json,
        },
        Sub::SetPeriod { device, period_us } => Command::SetPeriod { device, period_us },
        Sub::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "rpoll", &mut out);
            Command::Completions(String::from_utf8_lossy(&out).into_owned())
        }
    })
}

/// Parses a debounce window: `0`, or a duration of at most 1 s.
pub fn parse_window_us(s: &str) -> Result<u32, String> {
    if s == "0" {
        return Ok(0);
    }
    let us = parse_duration_us(s)?;
    if us > 1_000_000 {
        return Err(format!("'{s}' is out of range (0 .. 1s)"));
    }
    Ok(us)
}

/// Parses a duration such as `1s`, `250ms`, `100us` or `1.5s` into
/// microseconds, within the timer's accepted range.
pub fn parse_duration_us(s: &str) -> Result<u32, String> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let scale: u64 = match unit {
        "s" => 1_000_000,
        "ms" => 1_000,
        "us" => 1,
        "" => return Err(format!("duration '{s}' needs a unit: s, ms or us")),
        _ => return Err(format!("unknown unit '{unit}' in '{s}' (use s, ms or us)")),
    };
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(format!("'{s}' is not a duration"));
    }
    let int: u64 = if int.is_empty() {
        0
    } else {
        int.parse()
            .map_err(|_| format!("'{s}' is not a duration"))?
    };
    let mut us = int.checked_mul(scale).ok_or(format!("'{s}' is too long"))?;
    if !frac.is_empty() {
        if frac.contains('.') || frac.len() > 6 {
            return Err(format!("'{s}' is not a duration"));
        }
        let f: u64 = frac
            .parse()
            .map_err(|_| format!("'{s}' is not a duration"))?;
        let div = 10u64.pow(frac.len() as u32);
        let frac_scaled = f * scale / div;
        if !(f * scale).is_multiple_of(div) {
            return Err(format!("'{s}' is not a whole number of microseconds"));
        }
        us += frac_scaled;
    }
    if !(10..=u64::from(u32::MAX)).contains(&us) {
        return Err(format!("'{s}' is out of range (10us .. 4294s)"));
    }
    Ok(us as u32)
}
