//! rpoll-bench-report: the host half of the rpoll benchmark.
//!
//! `rpoll-bench-report build` reads the document the guest program printed
//! (bench/guest) and the run's metadata written by bench/run, and writes
//! into the output folder:
//! - `latest.json`: both, plus the ratios rpoll / timerfd and rpoll / cref
//!   and the figures of an earlier run to compare with (`--before`);
//! - `latest.md`: the tables, with the ratios printed explicitly;
//! - `latency.png`: the latency distributions (plotters).
//!
//! `--serial` takes the guest's serial log and reassembles the document from
//! its `@@BENCH <index> <text>` lines (checking that none is missing);
//! `--guest` takes the document itself.
//!
//! `rpoll-bench-report readme [--check] FILE...` re-renders the generated
//! blocks of the READMEs from `latest.json` and, for the `profile` blocks,
//! the `profile.json` and `profile-before.json` beside it (module `readme`).
//!
//! `rpoll-bench-report profile` writes `profile.json` from the serial log
//! of `make profile` (module `profile`).

mod compare;
mod gpio_table;
mod lines_table;
mod plot;
mod profile;
mod readme;
mod sampling_table;
mod table;
mod walk;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::{json, Value};

/// Default font for the plot's text (Debian's fonts-dejavu-core).
const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// The benchmark's report tool.
#[derive(Parser)]
#[command(version, about = "Builds and checks the rpoll benchmark's results")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write latest.json, latest.md and latency.png from one run.
    Build {
        /// The guest's serial log (its @@BENCH lines).
        #[arg(long, conflicts_with = "guest", required_unless_present = "guest")]
        serial: Option<PathBuf>,
        /// The guest's document itself.
        #[arg(long)]
        guest: Option<PathBuf>,
        /// The run's metadata (bench/run).
        #[arg(long)]
        meta: PathBuf,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// An earlier latest.json to compare the timer path with.
        #[arg(long)]
        before: Option<PathBuf>,
        /// Font of the plot's text.
        #[arg(long, default_value = DEFAULT_FONT)]
        font: PathBuf,
    },
    /// Re-render the generated blocks of README files from the results.
    Readme {
        /// Only report blocks that differ (exit 1 if any), change nothing.
        #[arg(long)]
        check: bool,
        /// The results document.
        #[arg(long, default_value = "bench/results/latest.json")]
        results: PathBuf,
        /// The README files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write walk-<arch>.json from the serial log of `make trace`.
    Walk {
        /// The walk guest's serial log.
        #[arg(long)]
        serial: PathBuf,
        /// The architecture (arm64, arm).
        #[arg(long)]
        arch: String,
        /// The kernel build the guest booted.
        #[arg(long)]
        kernel: PathBuf,
        /// The commit traced.
        #[arg(long)]
        commit: String,
        /// Where to write walk-<arch>.json.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write profile.json from the instruction counts of `make profile`.
    Profile {
        /// The plugin's counts (bench/insn-profile/insn_count.c).
        #[arg(long)]
        counts: PathBuf,
        /// The guest's serial log (window lines, module load addresses).
        #[arg(long)]
        serial: PathBuf,
        /// The kernel build the guest booted (its System.map names the
        /// kernel's addresses).
        #[arg(long)]
        kernel: PathBuf,
        /// A module's symbols, `NAME=FILE` (`llvm-nm` output), repeatable.
        #[arg(long = "module-nm")]
        module_nm: Vec<String>,
        /// Where user space ends (hex): arm64's kernel half by default.
        #[arg(long = "user-end", default_value = "ffff000000000000", value_parser = hex_u64)]
        user_end: u64,
        /// The commit measured.
        #[arg(long)]
        commit: String,
        /// Where to write profile.json.
        #[arg(long)]
        out: PathBuf,
    },
}

fn read_json(path: &PathBuf) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reassembles the guest's document from the `@@BENCH` lines of a serial
/// log (which may carry carriage returns and other output in between).
fn from_serial(log: &str) -> Result<Value, String> {
    let mut parts: Vec<(usize, String)> = Vec::new();
    let mut end = None;
    for line in log.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(rest) = line.strip_prefix("@@BENCH-END ") {
            end = rest.trim().parse::<usize>().ok();
        } else if let Some(rest) = line.strip_prefix("@@BENCH ") {
            let (idx, text) = rest.split_once(' ').ok_or("malformed @@BENCH line")?;
            let idx = idx.parse().map_err(|_| "malformed @@BENCH index")?;
            parts.push((idx, text.to_string()));
        }
    }
    let count = end.ok_or("no @@BENCH-END line: the guest did not finish its report")?;
    parts.sort_by_key(|p| p.0);
    parts.dedup_by_key(|p| p.0);
    if parts.len() != count || parts.iter().enumerate().any(|(i, p)| p.0 != i) {
        return Err(format!(
            "the serial log holds {} of the {count} result lines",
            parts.len()
        ));
    }
    let text: String = parts.into_iter().map(|p| p.1).collect();
    serde_json::from_str(&text).map_err(|e| format!("guest results: {e}"))
}

/// `a / b`, or null when either is missing or `b` is zero.
pub fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
        _ => None,
    }
}

/// The entry of `list` whose fields match all of `want`.
pub fn find<'a>(list: &'a Value, want: &[(&str, Value)]) -> Option<&'a Value> {
    list.as_array()?
        .iter()
        .find(|e| want.iter().all(|(k, v)| e.get(*k) == Some(v)))
}

/// Whether the guest results `g` hold the timer part: another board's run
/// may have only the GPIO part (`make bench BOARD=imx8mp-evk`).
pub fn has_timer_part(g: &Value) -> bool {
    g.get("latency").is_some()
}

/// A number at a `/`-separated path.
pub fn num(v: &Value, path: &str) -> Option<f64> {
    v.pointer(path).and_then(Value::as_f64)
}

/// Ratios of rpoll to the other two, for every figure the table shows.
fn ratios(g: &Value) -> Value {
    let lat_keys = ["min_us", "p50_us", "p99_us", "p999_us", "max_us"];
    let mut out = serde_json::Map::new();
    for other in ["timerfd", "cref"] {
        let mut r = serde_json::Map::new();
        let rp = find(&g["latency"], &[("mech", json!("rpoll"))]);
        let ot = find(&g["latency"], &[("mech", json!(other))]);
        if let (Some(rp), Some(ot)) = (rp, ot) {
            for k in lat_keys {
                let path = format!("/latency/{k}");
                r.insert(
                    format!("latency_{k}"),
                    json!(ratio(num(rp, &path), num(ot, &path))),
                );
            }
        }
        let cpu =
            |m: &str, path: &str| find(&g["cpu"], &[("mech", json!(m))]).and_then(|e| num(e, path));
        let path = "/cpu/work_ms_per_1000_events";
        r.insert(
            "cpu_per_event".into(),
            json!(ratio(cpu("rpoll", path), cpu(other, path))),
        );
        let tp = |v: &str| {
            find(&g["throughput"], &[("variant", json!(v))]).and_then(|e| num(e, "/max_rate_hz"))
        };
        r.insert("throughput".into(), json!(ratio(tp("rpoll"), tp(other))));
        r.insert(
            "throughput_batch64".into(),
            json!(ratio(tp("rpoll-batch64"), tp(other))),
        );
        for n in [1u64, 8, 64] {
            let s = |m: &str| find(&g["scaling"], &[("mech", json!(m)), ("readers", json!(n))]);
            if let (Some(rp), Some(ot)) = (s("rpoll"), s(other)) {
                for (k, path) in [("p50", "/latency/p50_us"), ("p99", "/latency/p99_us")] {
                    r.insert(
                        format!("scaling_{n}_{k}"),
                        json!(ratio(num(rp, path), num(ot, path))),
                    );
                }
            }
            // One reader at the scaling rate keeps too few ticks busy to
            // resolve its CPU use: use the CPU test's (as latest.md does).
            let list = if n == 1 { "cpu" } else { "scaling" };
            let c = |m: &str, path: &str| {
                let want = if n == 1 {
                    vec![("mech", json!(m))]
                } else {
                    vec![("mech", json!(m)), ("readers", json!(n))]
                };
                find(&g[list], &want).and_then(|e| num(e, path))
            };
            for (k, path) in [
                ("cpu_per_event", "/cpu/work_ms_per_1000_events"),
                ("cpu_per_delivery", "/cpu/work_ms_per_1000_deliveries"),
            ] {
                r.insert(
                    format!("scaling_{n}_{k}"),
                    json!(ratio(c("rpoll", path), c(other, path))),
                );
            }
        }
        out.insert(format!("rpoll_over_{other}"), Value::Object(r));
    }
    Value::Object(out)
}

/// `build`: reads the run, writes the three result files.
fn build(
    guest: Option<PathBuf>,
    serial: Option<PathBuf>,
    meta: PathBuf,
    out: PathBuf,
    before: Option<PathBuf>,
    font: PathBuf,
) -> Result<(), String> {
    let guest = match (guest, serial) {
        (Some(g), _) => read_json(&g)?,
        (None, Some(s)) => {
            let log = std::fs::read(&s).map_err(|e| format!("{}: {e}", s.display()))?;
            from_serial(&String::from_utf8_lossy(&log))?
        }
        (None, None) => return Err("give one of --guest and --serial".into()),
    };
    let meta = read_json(&meta)?;
    let before = match before {
        Some(p) => compare::summary(&read_json(&p)?),
        None => Value::Null,
    };
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;

    let doc = json!({
        "meta": meta,
        "ratios": ratios(&guest),
        "before": before,
        "guest": guest,
    });
    let write = |name: &str, text: String| {
        let p = out.join(name);
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))
    };
    write(
        "latest.json",
        serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())? + "\n",
    )?;
    write("latest.md", table::markdown(&doc))?;
    // A run without the timer part has no latency distributions to draw.
    if has_timer_part(&doc["guest"]) {
        plot::latency_png(&doc, &out.join("latency.png"), &font)?;
    }
    Ok(())
}

/// `readme`: re-renders (or checks) the generated blocks of `files`.
fn readme_cmd(check: bool, results: PathBuf, files: Vec<PathBuf>) -> Result<bool, String> {
    let mut doc = read_json(&results)?;
    // The profile comes from its own run (`make profile`); a missing file
    // renders as such, so a README quoting it fails the check.
    // profile-before.json: the profile before the last optimisation, kept
    // for the before/after table.
    for (key, file) in [
        ("profile", "profile.json"),
        ("profile_before", "profile-before.json"),
        ("profile_arm", "profile-arm.json"),
        ("without_trace_events", "without-trace-events.json"),
        ("with_trace_events", "with-trace-events.json"),
    ] {
        let path = results.with_file_name(file);
        doc[key] = if path.exists() {
            read_json(&path)?
        } else {
            Value::Null
        };
    }
    // The other boards' runs (`make bench BOARD=...`): board-NAME.json
    // beside the results, for the NAME@BOARD blocks.
    let dir = results
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut boards = serde_json::Map::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if let Some(board) = name
            .strip_prefix("board-")
            .and_then(|n| n.strip_suffix(".json"))
        {
            boards.insert(board.to_string(), read_json(&path)?);
        }
    }
    doc["boards"] = Value::Object(boards);
    // `make trace`'s walks: walk-ARCH.json, for the walk-*-ARCH blocks.
    let mut walks = serde_json::Map::new();
    for arch in ["arm64", "arm"] {
        let path = dir.join(format!("walk-{arch}.json"));
        if path.exists() {
            walks.insert(arch.to_string(), read_json(&path)?);
        }
    }
    doc["walk"] = Value::Object(walks);
    let mut clean = true;
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let (fresh, changed) =
            readme::splice(&text, &doc).map_err(|e| format!("{}: {e}", file.display()))?;
        if changed.is_empty() {
            continue;
        }
        if check {
            clean = false;
            eprintln!(
                "{}: blocks differ from {}: {} (run `make bench-readme` to regenerate)",
                file.display(),
                results.display(),
                changed.join(", ")
            );
        } else {
            std::fs::write(&file, fresh).map_err(|e| format!("{}: {e}", file.display()))?;
            eprintln!("{}: regenerated {}", file.display(), changed.join(", "));
        }
    }
    Ok(clean)
}

/// `walk`: parses the log and writes the walk document.
fn walk_cmd(
    serial: &PathBuf,
    arch: &str,
    kernel: &std::path::Path,
    commit: String,
    out: &PathBuf,
) -> Result<(), String> {
    let steps = walk::parse(&read_log(serial)?)?;
    let doc = json!({"meta": {"commit": commit, "kernel": kernel_name(kernel), "arch": arch}, "steps": steps});
    write_json(out, &doc)
}

/// `profile`: parses the log and writes the profile document.
fn profile_cmd(
    counts: &std::path::Path,
    serial: &PathBuf,
    kernel: &std::path::Path,
    module_nm: &[String],
    user_end: u64,
    commit: String,
    out: &PathBuf,
) -> Result<(), String> {
    let log = read_log(serial)?;
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
    };
    let mut syms = profile::Symbols::new(user_end);
    syms.add_nm(&read(&kernel.join("System.map"))?, 0, None);
    let bases = profile::module_bases(&log);
    for m in module_nm {
        let (name, file) = m
            .split_once('=')
            .ok_or(format!("--module-nm {m}: want NAME=FILE"))?;
        let base = bases.get(name).ok_or(format!(
            "the guest printed no load address of module {name}"
        ))?;
        syms.add_nm(&read(std::path::Path::new(file))?, *base, Some(name));
    }
    let windows = profile::parse(&read(counts)?, &profile::window_lines(&log), &syms)?;
    let meta = json!({"commit": commit, "kernel": kernel_name(kernel), "clock": "icount"});
    write_json(out, &profile::to_json(&windows, meta))
}

/// A hexadecimal argument, with or without `0x`.
fn hex_u64(s: &str) -> Result<u64, String> {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).map_err(|e| format!("{s}: {e}"))
}

/// A guest's serial log as text (bytes that are not UTF-8 replaced).
fn read_log(serial: &PathBuf) -> Result<String, String> {
    let log = std::fs::read(serial).map_err(|e| format!("{}: {e}", serial.display()))?;
    Ok(String::from_utf8_lossy(&log).into_owned())
}

/// The name of a kernel build directory (its cache key), for the metadata.
fn kernel_name(kernel: &std::path::Path) -> Option<String> {
    kernel.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// Writes `doc` to `out` as pretty JSON with a final newline.
fn write_json(out: &PathBuf, doc: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(doc).map_err(|e| e.to_string())? + "\n";
    std::fs::write(out, text).map_err(|e| format!("{}: {e}", out.display()))
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Build {
            serial,
            guest,
            meta,
            out,
            before,
            font,
        } => build(guest, serial, meta, out, before, font).map(|()| true),
        Command::Readme {
            check,
            results,
            files,
        } => readme_cmd(check, results, files),
        Command::Profile {
            counts,
            serial,
            kernel,
            module_nm,
            user_end,
            commit,
            out,
        } => profile_cmd(
            &counts, &serial, &kernel, &module_nm, user_end, commit, &out,
        )
        .map(|()| true),
        Command::Walk {
            serial,
            arch,
            kernel,
            commit,
            out,
        } => walk_cmd(&serial, &arch, &kernel, commit, &out).map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("rpoll-bench-report: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::from_serial;

    #[test]
    fn reassembles_serial_lines() {
        let log = "boot\r\n@@BENCH 1 2}\r\nnoise\n@@BENCH 0 {\"a\":\n@@BENCH-END 2\n";
        assert_eq!(from_serial(log).unwrap()["a"], 2);
        assert!(from_serial("@@BENCH 0 {}\n@@BENCH-END 2\n").is_err());
    }
}
