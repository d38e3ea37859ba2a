//! Command-line parsing of the `rpoll` tool (kept apart from I/O so it is
//! tested on the host).

use crate::device::Clock;

/// What the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `rpoll list [--json]`
    List { json: bool },
    /// `rpoll watch DEV... [--json] [--count N] [--clock CLOCK]`
    Watch {
        devices: Vec<String>,
        json: bool,
        count: Option<u64>,
        clock: Clock,
    },
    /// `rpoll stats DEV [--json]`
    Stats { device: String, json: bool },
    /// `rpoll set-period DEV DURATION`
    SetPeriod { device: String, period_us: u32 },
    /// `--help` of the tool or of one subcommand.
    Help(&'static str),
}

/// Top-level usage.
pub const USAGE: &str = "\
usage: rpoll <command> [options]

Look at rpoll event devices (/dev/rpoll-*).

commands:
  list                       devices and what they are
  watch DEV...               stream events, one line each
  stats DEV                  device and per-file counters
  set-period DEV DURATION    change a timer device's period (root)

DEV is a label (tick), a device name (rpoll-tick) or a path (/dev/rpoll-tick).
Run `rpoll <command> --help` for the options of a command.
";

const LIST_USAGE: &str = "\
usage: rpoll list [--json]

Lists /dev/rpoll-* with source, period or interrupt, and queue depth.
  --json    one JSON object per device
";

const WATCH_USAGE: &str = "\
usage: rpoll watch DEV... [--json] [--count N] [--clock monotonic|boottime|realtime]

Streams events of one or several devices, one line each:
  device, seq, source, timestamp, jiffies, delta to the previous event, lost.
  --json         one JSON object per event
  --count N      stop after N events in total
  --clock CLOCK  clock of the timestamps (default monotonic)
";

const STATS_USAGE: &str = "\
usage: rpoll stats DEV [--json]

Prints the device's counters (produced, overruns, debounced, readers) and
those of the file the command opens (base, delivered, lost, queued).
";

const SET_PERIOD_USAGE: &str = "\
usage: rpoll set-period DEV DURATION

Sets the period of a timer device for all its readers. DURATION is a number
with a unit: 1s, 250ms, 100us, 1.5s (10us .. 4294s). Needs root.
";

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

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let Some((cmd, rest)) = args.split_first() else {
        return Err(USAGE.to_string());
    };
    let wants_help = rest.iter().any(|a| a == "--help" || a == "-h");
    match cmd.as_str() {
        "-h" | "--help" | "help" => Ok(Command::Help(USAGE)),
        "list" if wants_help => Ok(Command::Help(LIST_USAGE)),
        "watch" if wants_help => Ok(Command::Help(WATCH_USAGE)),
        "stats" if wants_help => Ok(Command::Help(STATS_USAGE)),
        "set-period" if wants_help => Ok(Command::Help(SET_PERIOD_USAGE)),
        "list" => {
            let mut json = false;
            for a in rest {
                match a.as_str() {
                    "--json" => json = true,
                    _ => return Err(format!("list: unexpected '{a}'\n\n{LIST_USAGE}")),
                }
            }
            Ok(Command::List { json })
        }
        "watch" => {
            let (mut devices, mut json, mut count, mut clock) =
                (Vec::new(), false, None, Clock::Monotonic);
            let mut it = rest.iter();
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--json" => json = true,
                    "--count" => {
                        let v = it
                            .next()
                            .ok_or(format!("watch: --count needs a number\n\n{WATCH_USAGE}"))?;
                        let n: u64 = v
                            .parse()
                            .map_err(|_| format!("watch: --count '{v}' is not a number"))?;
                        if n == 0 {
                            return Err("watch: --count must be at least 1".into());
                        }
                        count = Some(n);
                    }
                    "--clock" => {
                        let v = it
                            .next()
                            .ok_or(format!("watch: --clock needs a clock\n\n{WATCH_USAGE}"))?;
                        clock = Clock::parse(v).ok_or(format!(
                            "watch: unknown clock '{v}' (monotonic, boottime or realtime)"
                        ))?;
                    }
                    s if s.starts_with('-') => {
                        return Err(format!("watch: unknown option '{s}'\n\n{WATCH_USAGE}"))
                    }
                    s => devices.push(s.to_string()),
                }
            }
            if devices.is_empty() {
                return Err(format!("watch: which device?\n\n{WATCH_USAGE}"));
            }
            Ok(Command::Watch {
                devices,
                json,
                count,
                clock,
            })
        }
        "stats" => {
            let mut json = false;
            let mut device = None;
            for a in rest {
                match a.as_str() {
                    "--json" => json = true,
                    s if s.starts_with('-') => {
                        return Err(format!("stats: unknown option '{s}'\n\n{STATS_USAGE}"))
                    }
                    s if device.is_none() => device = Some(s.to_string()),
                    s => return Err(format!("stats: unexpected '{s}'\n\n{STATS_USAGE}")),
                }
            }
            let device = device.ok_or(format!("stats: which device?\n\n{STATS_USAGE}"))?;
            Ok(Command::Stats { device, json })
        }
        "set-period" => match rest {
            [dev, dur] if !dev.starts_with('-') => Ok(Command::SetPeriod {
                device: dev.clone(),
                period_us: parse_duration_us(dur).map_err(|e| format!("set-period: {e}"))?,
            }),
            _ => Err(format!(
                "set-period: need DEV and DURATION\n\n{SET_PERIOD_USAGE}"
            )),
        },
        other => Err(format!("unknown command '{other}'\n\n{USAGE}")),
    }
}
