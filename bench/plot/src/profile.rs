//! Where the timer path's instructions go, function by function (`make
//! profile`): QEMU's TCG plugin `bench/insn-profile/insn_count.c` counts how
//! often each guest instruction ran inside the marked windows (one per
//! mechanism, rpoll then timerfd, the same windows as the latency test);
//! this module gives every counted address its function (the kernel's
//! `System.map`, the modules' symbols at their load addresses), writes
//! `profile.json`, and renders the per-event tables quoted in
//! bench/README.md (blocks `profile` and `profile-before-after`).
//!
//! The counts are exact and cost the guest nothing (the plugin runs in the
//! emulator, not in the guest), and a function's count is its own
//! instructions only (its callees are rows of their own). Under `-icount
//! shift=2` one instruction is also 4 ns of guest time.
//!
//! The plugin also follows the latency path itself: from the entry of the
//! hrtimer interrupt to the woken reader's return to user space. Its
//! counts (`p` lines) and the length of each path (`path` lines) give the
//! table of what the latency test measures (block `profile-path`): the
//! instructions per path, function by function, and the paths' p50/p99.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{json, Value};

use crate::table::f;
use crate::{find, num};

/// Function start addresses and names, sorted, for address lookups; the
/// addresses below `user_end` are user space.
#[derive(Debug)]
pub struct Symbols {
    user_end: u64,
    funcs: Vec<(u64, String)>,
}

impl Symbols {
    /// No symbols yet; user space ends at `user_end` (arm64: its kernel
    /// half, 0xffff...; ARMv7 with the 3G/1G split: the modules' area at
    /// 0xbf000000).
    pub fn new(user_end: u64) -> Self {
        Self {
            user_end,
            funcs: Vec::new(),
        }
    }

    /// Adds the text symbols of an `nm`-format listing (`System.map`, or
    /// `llvm-nm` of a module), each moved by `base`; a module's are
    /// suffixed with ` [module]`.
    pub fn add_nm(&mut self, listing: &str, base: u64, module: Option<&str>) {
        for line in listing.lines() {
            let mut t = line.split_whitespace();
            let (Some(a), Some(kind), Some(name)) = (t.next(), t.next(), t.next()) else {
                continue;
            };
            if !matches!(kind, "t" | "T" | "w" | "W") {
                continue;
            }
            let Ok(a) = u64::from_str_radix(a, 16) else {
                continue;
            };
            let name = format!("{:#}", rustc_demangle::demangle(name));
            let name = match module {
                Some(m) => format!("{name} [{m}]"),
                None => name,
            };
            self.funcs.push((base.wrapping_add(a), name));
        }
        self.funcs.sort();
    }

    /// The function holding `addr`.
    pub fn name(&self, addr: u64) -> &str {
        if addr < self.user_end {
            return "(user space)";
        }
        match self.funcs.partition_point(|(a, _)| *a <= addr) {
            0 => "(unknown)",
            i => &self.funcs[i - 1].1,
        }
    }
}

/// Where each module's code was loaded: the guest's `bench-guest:
/// module-text NAME 0xADDR` lines.
pub fn module_bases(log: &str) -> BTreeMap<String, u64> {
    log.lines()
        .filter_map(|l| {
            let rest = l.trim_end_matches('\r').split("module-text ").nth(1)?;
            let mut t = rest.split_whitespace();
            let name = t.next()?.to_string();
            let addr = u64::from_str_radix(t.next()?.trim_start_matches("0x"), 16).ok()?;
            Some((name, addr))
        })
        .collect()
}

/// The windows' report lines (`rpoll x1 997 us: produced ...`), in order:
/// the first is marked segment 1, the second segment 3.
pub fn window_lines(log: &str) -> Vec<String> {
    log.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| l.contains(" us: produced ") && l.contains("; latency "))
        .map(str::to_string)
        .collect()
}

/// `<key> N` from a window line.
fn field(line: &str, key: &str) -> Option<u64> {
    let rest = &line[line.find(key)? + key.len()..];
    rest.split_whitespace().next()?.parse().ok()
}

/// One mechanism's window: its report line, the timer expiries it spans
/// (`produced`), and the instructions per function.
#[derive(Debug, Default, PartialEq)]
pub struct Window {
    /// The mechanism (the report line's first word).
    pub mech: String,
    /// The report line.
    pub line: String,
    /// Expiries in the window.
    pub events: u64,
    /// Instructions run, per function.
    pub functions: BTreeMap<String, u64>,
    /// Instructions run on the kept latency paths, per function.
    pub path_functions: BTreeMap<String, u64>,
    /// The length of each kept latency path, in instructions.
    pub path_lengths: Vec<u64>,
}

/// A count line's address, segment and count, after its `skip` words.
fn count_line(line: &str, skip: usize) -> Result<(u64, usize, u64), String> {
    let mut t = line.split_whitespace().skip(skip);
    let bad = || format!("bad count line: {line}");
    let a = u64::from_str_radix(t.next().ok_or_else(bad)?, 16).map_err(|_| bad())?;
    let s = t.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
    let n = t.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
    if t.next().is_some() {
        return Err(bad());
    }
    Ok((a, s, n))
}

/// The plugin's counts (`<vaddr hex> <segment> <count>` lines), one
/// window per report line: window `i` is segment `2 i + 1`.
pub fn parse(counts: &str, lines: &[String], syms: &Symbols) -> Result<Vec<Window>, String> {
    let mut windows: Vec<Window> = lines
        .iter()
        .map(|l| {
            Ok(Window {
                mech: l.split_whitespace().next().unwrap_or("?").to_string(),
                line: l.clone(),
                events: field(l, "produced ").ok_or(format!("no produced count in: {l}"))?,
                ..Window::default()
            })
        })
        .collect::<Result<_, String>>()?;
    let segments = counts
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("insn-profile segments "))
        .and_then(|n| n.trim().parse::<usize>().ok())
        .ok_or("the counts file has no 'insn-profile segments N' header")?;
    // Each window opens and closes a segment: 2 marks per window.
    if segments != 2 * windows.len() + 1 {
        return Err(format!(
            "{segments} segments for {} windows: the marks and the windows disagree",
            windows.len()
        ));
    }
    /// What a count line adds to its window.
    enum Count {
        /// `path <segment> <instructions>`: a kept path's length.
        Path(u64),
        /// `p <vaddr> <segment> <count>`: an instruction's runs on kept paths.
        OnPath(u64, u64),
        /// `<vaddr> <segment> <count>`: an instruction's runs in the window.
        InWindow(u64, u64),
    }
    for line in counts.lines().skip(1) {
        let (s, count) = if let Some(rest) = line.strip_prefix("path ") {
            let (s, n) = rest
                .split_once(' ')
                .and_then(|(s, n)| Some((s.parse::<usize>().ok()?, n.parse::<u64>().ok()?)))
                .ok_or(format!("bad path line: {line}"))?;
            (s, Count::Path(n))
        } else if line.starts_with("p ") {
            let (a, s, n) = count_line(line, 1)?;
            (s, Count::OnPath(a, n))
        } else {
            let (a, s, n) = count_line(line, 0)?;
            (s, Count::InWindow(a, n))
        };
        let w = windows
            .get_mut(s / 2)
            .ok_or(format!("segment {s} has no window"))?;
        match count {
            Count::Path(n) => w.path_lengths.push(n),
            Count::OnPath(a, n) => {
                *w.path_functions
                    .entry(syms.name(a).to_string())
                    .or_default() += n
            }
            Count::InWindow(a, n) => *w.functions.entry(syms.name(a).to_string()).or_default() += n,
        }
    }
    for w in &mut windows {
        if w.events == 0 || w.functions.is_empty() {
            return Err(format!("{}: no expiries or no counts", w.mech));
        }
        // Path counts come with path lengths, and they add up.
        let on_path: u64 = w.path_functions.values().sum();
        if on_path != w.path_lengths.iter().sum::<u64>() {
            return Err(format!(
                "{}: the path counts ({on_path}) differ from the paths' lengths",
                w.mech
            ));
        }
        w.path_lengths.sort_unstable();
    }
    Ok(windows)
}

/// The results document of `parse`'s windows.
pub fn to_json(windows: &[Window], meta: Value) -> Value {
    let mechs: Vec<Value> = windows
        .iter()
        .map(|w| {
            let fns: Vec<Value> = w
                .functions
                .iter()
                .map(|(n, c)| json!({"name": n, "instructions": c}))
                .collect();
            let total: u64 = w.functions.values().sum();
            let path_fns: Vec<Value> = w
                .path_functions
                .iter()
                .map(|(n, c)| json!({"name": n, "instructions": c}))
                .collect();
            let l = &w.path_lengths;
            let path = json!({
                "paths": l.len(),
                "instructions": l.iter().sum::<u64>(),
                "p50": percentile(l, 0.50),
                "p99": percentile(l, 0.99),
                "functions": path_fns,
            });
            json!({"mech": w.mech, "window": w.line, "events": w.events,
                   "instructions": total, "functions": fns, "path": path})
        })
        .collect();
    json!({"format": 3, "meta": meta, "mechs": mechs})
}

/// The `q` quantile of sorted `v` (nearest rank), 0 when empty.
fn percentile(v: &[u64], q: f64) -> u64 {
    if v.is_empty() {
        return 0;
    }
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// Whether `p` is a profile document this module reads (format 2 has no
/// latency path, 3 has).
fn readable(p: &Value) -> bool {
    matches!(p.get("format").and_then(Value::as_u64), Some(2 | 3))
}

/// Whether `p` has the latency path (format 3).
fn has_path(p: &Value) -> bool {
    p.get("format").and_then(Value::as_u64) == Some(3)
}

/// Statistic `k` (`paths`, `p50`, `p99`) of mechanism `m`'s latency paths.
fn path_stat(p: &Value, m: &str, k: &str) -> Option<f64> {
    find(&p["mechs"], &[("mech", json!(m))]).and_then(|w| num(w, &format!("/path/{k}")))
}

/// Rows shown in the README tables.
const ROWS: usize = 24;

/// Instructions per event of every function of mechanism `m`, and in all.
fn per_event(p: &Value, m: &str) -> Figures {
    match find(&p["mechs"], &[("mech", json!(m))]) {
        Some(w) => shares(w, num(w, "/events")),
        None => (BTreeMap::new(), 0.0),
    }
}

/// Instructions per latency path of every function of mechanism `m`, and
/// in all.
fn per_path(p: &Value, m: &str) -> Figures {
    match find(&p["mechs"], &[("mech", json!(m))]) {
        Some(w) => shares(&w["path"], num(w, "/path/paths")),
        None => (BTreeMap::new(), 0.0),
    }
}

/// `w`'s `functions` and `instructions`, each divided by `by`.
fn shares(w: &Value, by: Option<f64>) -> Figures {
    let mut out = BTreeMap::new();
    let by = by.unwrap_or(0.0);
    if by <= 0.0 {
        return (out, 0.0);
    }
    for fun in w["functions"].as_array().into_iter().flatten() {
        if let (Some(n), Some(c)) = (fun["name"].as_str(), num(fun, "/instructions")) {
            out.insert(n.to_string(), c / by);
        }
    }
    (out, num(w, "/instructions").unwrap_or(0.0) / by)
}

/// The functions of `a` and `b`, largest `|key|` first (then by name).
fn ranked<'a>(
    a: &'a BTreeMap<String, f64>,
    b: &'a BTreeMap<String, f64>,
    key: impl Fn(&str) -> f64,
) -> Vec<&'a String> {
    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
    names.sort();
    names.dedup();
    names.sort_by(|x, y| key(y).abs().total_cmp(&key(x).abs()).then(x.cmp(y)));
    names
}

fn get(m: &BTreeMap<String, f64>, n: &str) -> f64 {
    m.get(n).copied().unwrap_or(0.0)
}

fn meta(p: &Value, k: &str) -> String {
    p.pointer(&format!("/meta/{k}"))
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string()
}

/// A table's header and its [`ROWS`] rows of the functions where rpoll's
/// figures `r` differ most from timerfd's `t`; `what` names the figures,
/// `per` their unit.
fn difference_rows(
    out: &mut String,
    r: &BTreeMap<String, f64>,
    t: &BTreeMap<String, f64>,
    what: &str,
    per: &str,
) {
    let names = ranked(r, t, |n| get(r, n) - get(t, n));
    let _ = writeln!(
        out,
        "| function ({what}) | rpoll / {per} | timerfd / {per} | rpoll - timerfd |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|");
    for n in names.iter().take(ROWS) {
        let (a, b) = (get(r, n), get(t, n));
        let _ = writeln!(
            out,
            "| `{n}` | {} | {} | {} |",
            f(Some(a), 1),
            f(Some(b), 1),
            f(Some(a - b), 1)
        );
    }
}

/// The README table: the functions whose instructions per event differ
/// most between rpoll and timerfd, and the totals.
pub fn table(out: &mut String, p: &Value) {
    if !readable(p) {
        let _ = writeln!(out, "No profile results (run `make profile`).");
        return;
    }
    let ((r, rt), (t, tt)) = (per_event(p, "rpoll"), per_event(p, "timerfd"));
    difference_rows(out, &r, &t, "its own instructions", "event");
    let _ = writeln!(
        out,
        "| **every function, user space included** | **{}** | **{}** | **{}** ({}x) |",
        f(Some(rt), 0),
        f(Some(tt), 0),
        f(Some(rt - tt), 0),
        f(Some(if tt > 0.0 { rt / tt } else { 0.0 }), 3)
    );
    let line = |m: &str| {
        find(&p["mechs"], &[("mech", json!(m))])
            .and_then(|w| w["window"].as_str())
            .unwrap_or("?")
            .to_string()
    };
    let _ = writeln!(
        out,
        "\nWindows (commit {}, kernel {}): `{}`; `{}`.",
        meta(p, "commit"),
        meta(p, "kernel"),
        line("rpoll"),
        line("timerfd"),
    );
}

/// The README table of the latency path: per function, the instructions
/// each kept path (hrtimer interrupt to the reader's return to user space)
/// runs, ranked by rpoll's difference from timerfd; then the paths' mean,
/// p50 and p99 in instructions and in guest time (4 ns each).
pub fn path_table(out: &mut String, p: &Value) {
    if !has_path(p) {
        let _ = writeln!(out, "No latency-path profile (run `make profile`).");
        return;
    }
    let ((r, rt), (t, tt)) = (per_path(p, "rpoll"), per_path(p, "timerfd"));
    difference_rows(out, &r, &t, "its own instructions on the path", "path");
    let q = |m: &str, k: &str| path_stat(p, m, k);
    let _ = writeln!(
        out,
        "| **mean path** | **{}** | **{}** | **{}** ({}x) |",
        f(Some(rt), 0),
        f(Some(tt), 0),
        f(Some(rt - tt), 0),
        f(Some(if tt > 0.0 { rt / tt } else { 0.0 }), 3)
    );
    for k in ["p50", "p99"] {
        let (a, b) = (q("rpoll", k), q("timerfd", k));
        let us = |v: Option<f64>| v.map(|v| v * 0.004);
        let _ = writeln!(
            out,
            "| **path {k}** (instructions; guest us) | **{}**; {} | **{}**; {} | **{}** ({}x) |",
            f(a, 0),
            f(us(a), 2),
            f(b, 0),
            f(us(b), 2),
            f(a.zip(b).map(|(a, b)| a - b), 0),
            f(a.zip(b).map(|(a, b)| if b > 0.0 { a / b } else { 0.0 }), 3)
        );
    }
    let paths = |m: &str| q(m, "paths").unwrap_or(0.0);
    let _ = writeln!(
        out,
        "\nPaths kept: rpoll {}, timerfd {} (commit {}).",
        paths("rpoll"),
        paths("timerfd"),
        meta(p, "commit")
    );
}

/// The before/after table of an optimisation: per function, rpoll's
/// instructions per event in the `before` profile and in `after`, and
/// timerfd's in both (unchanged code: its movement is the runs' spread).
pub fn before_after(out: &mut String, before: &Value, after: &Value) {
    if !readable(before) || !readable(after) {
        let _ = writeln!(
            out,
            "No before/after profiles (profile-before.json, profile.json)."
        );
        return;
    }
    compare(out, before, after, per_event, "per event");
    commits(out, before, after);
}

/// Per-function figures of one mechanism, and their total.
type Figures = (BTreeMap<String, f64>, f64);

/// [`before_after`] on the latency path: per function, the instructions
/// per kept path (both profiles need the path, format 3).
pub fn path_before_after(out: &mut String, before: &Value, after: &Value) {
    if !has_path(before) || !has_path(after) {
        let _ = writeln!(
            out,
            "No before/after latency-path profiles (profile-before.json, profile.json)."
        );
        return;
    }
    compare(out, before, after, per_path, "per path");
    // The paths' quantiles: what the latency quantiles move with.
    for k in ["p50", "p99"] {
        let (b, a) = (path_stat(before, "rpoll", k), path_stat(after, "rpoll", k));
        let _ = writeln!(
            out,
            "| **path {k}** | **{}** | **{}** | **{}** | **{}** | **{}** |",
            f(b, 0),
            f(a, 0),
            f(a.zip(b).map(|(a, b)| a - b), 0),
            f(path_stat(before, "timerfd", k), 0),
            f(path_stat(after, "timerfd", k), 0)
        );
    }
    commits(out, before, after);
}

/// The rows of [`before_after`]'s table, with the figures `per` gives
/// (`unit` names them), up to its totals row.
fn compare(
    out: &mut String,
    before: &Value,
    after: &Value,
    per: fn(&Value, &str) -> Figures,
    unit: &str,
) {
    let ((rb, rbt), (ra, rat)) = (per(before, "rpoll"), per(after, "rpoll"));
    let ((tb, tbt), (ta, tat)) = (per(before, "timerfd"), per(after, "timerfd"));
    let change = |n: &str| get(&ra, n) - get(&rb, n);
    let names = ranked(&rb, &ra, change);
    let _ = writeln!(
        out,
        "| function (its own instructions {unit}) | rpoll before | rpoll after | change | timerfd before | timerfd after |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for n in names.iter().take(ROWS).filter(|n| change(n).abs() >= 0.5) {
        let _ = writeln!(
            out,
            "| `{n}` | {} | {} | {} | {} | {} |",
            f(Some(get(&rb, n)), 1),
            f(Some(get(&ra, n)), 1),
            f(Some(change(n)), 1),
            f(Some(get(&tb, n)), 1),
            f(Some(get(&ta, n)), 1)
        );
    }
    let _ = writeln!(
        out,
        "| **every function** | **{}** | **{}** | **{}** | **{}** | **{}** |",
        f(Some(rbt), 0),
        f(Some(rat), 0),
        f(Some(rat - rbt), 0),
        f(Some(tbt), 0),
        f(Some(tat), 0)
    );
}

/// The footer of a before/after table: the two profiles' commits and kernels.
fn commits(out: &mut String, before: &Value, after: &Value) {
    let _ = writeln!(
        out,
        "\nBefore: commit {} (kernel {}); after: commit {} (kernel {}).",
        meta(before, "commit"),
        meta(before, "kernel"),
        meta(after, "commit"),
        meta(after, "kernel")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: &str = "ffff800080010000 T __wake_up\nffff800080010100 t _raw_spin_lock_irqsave\n\
                       ffff800080010200 T timerfd_tmrproc\nffff800080010300 D some_data\n";
    const NM: &str = "0000000000000000 t _RNvCs1234_5rpoll4push\n0000000000000080 T other\n";
    const LOG: &str = "bench-guest: module-text rpoll 0xffff800078720000\r\n\
        rpoll x1 997 us: produced 10 delivered 10 missed 0 overruns 0 cpu 1 ms; latency {}\r\n\
        timerfd x1 997 us: produced 5 delivered 5 missed 0 overruns 0 cpu 1 ms; latency {}\r\n";
    const COUNTS: &str = "insn-profile segments 5\n\
        ffff800080010004 1 30\nffff800080010008 1 30\nffff800078720010 1 50\n\
        400000 1 7\nffff800080010204 3 20\nffff800080010000 3 10\n\
        path 1 30\npath 1 50\npath 3 25\n\
        p ffff800080010004 1 20\np ffff800078720010 1 60\np ffff800080010204 3 25\n";

    fn doc(counts: &str, commit: &str) -> Value {
        let mut syms = Symbols::new(0xffff_0000_0000_0000);
        syms.add_nm(MAP, 0, None);
        let bases = module_bases(LOG);
        syms.add_nm(NM, bases["rpoll"], Some("rpoll"));
        let w = parse(counts, &window_lines(LOG), &syms).unwrap();
        to_json(&w, json!({"commit": commit, "kernel": "k"}))
    }

    #[test]
    fn counts_go_to_their_functions_per_event() {
        let d = doc(COUNTS, "c");
        let mut out = String::new();
        table(&mut out, &d);
        // __wake_up: 60 instructions over 10 rpoll events, 10 over 5 timerfd.
        assert!(out.contains("| `__wake_up` | 6.0 | 2.0 | 4.0 |"), "{out}");
        assert!(
            out.contains("| `rpoll::push [rpoll]` | 5.0 | 0.0 | 5.0 |"),
            "{out}"
        );
        assert!(
            out.contains("| `(user space)` | 0.7 | 0.0 | 0.7 |"),
            "{out}"
        );
        assert!(
            out.contains("| `timerfd_tmrproc` | 0.0 | 4.0 | -4.0 |"),
            "{out}"
        );
        assert!(out.contains("**12** | **6** | **6** (1.950x)"), "{out}");
        // Ranked by the difference: the push first.
        assert!(out.find("rpoll::push").unwrap() < out.find("timerfd_tmrproc").unwrap());
    }

    #[test]
    fn before_after_ranks_rpoll_changes() {
        let before = doc(COUNTS, "b");
        let after = doc(
            &COUNTS.replace("ffff800078720010 1 50", "ffff800078720010 1 20"),
            "a",
        );
        let mut out = String::new();
        before_after(&mut out, &before, &after);
        assert!(
            out.contains("| `rpoll::push [rpoll]` | 5.0 | 2.0 | -3.0 | 0.0 | 0.0 |"),
            "{out}"
        );
        assert!(
            !out.contains("`__wake_up`"),
            "unchanged rows are left out: {out}"
        );
        assert!(out.contains("Before: commit b (kernel k); after: commit a (kernel k)."));
        let mut none = String::new();
        before_after(&mut none, &Value::Null, &after);
        assert!(none.starts_with("No before/after"));
        // The same on the paths: the push's 60 over 2 paths, then 30 (and
        // one path 30 shorter, so that the counts still add up).
        let after = doc(
            &COUNTS
                .replace("p ffff800078720010 1 60", "p ffff800078720010 1 30")
                .replace("path 1 50", "path 1 20"),
            "a",
        );
        let mut path = String::new();
        path_before_after(&mut path, &before, &after);
        assert!(
            path.contains("| function (its own instructions per path) |"),
            "{path}"
        );
        assert!(
            path.contains("| `rpoll::push [rpoll]` | 30.0 | 15.0 | -15.0 | 0.0 | 0.0 |"),
            "{path}"
        );
        // Paths [30, 50] before, [20, 30] after; timerfd's one path 25.
        assert!(
            path.contains("| **path p50** | **30** | **20** | **-10** | **25** | **25** |"),
            "{path}"
        );
        assert!(
            path.contains("| **path p99** | **50** | **30** | **-20** | **25** | **25** |"),
            "{path}"
        );
        let mut none = String::new();
        path_before_after(&mut none, &json!({"format": 2}), &after);
        assert!(none.starts_with("No before/after latency-path"), "{none}");
    }

    #[test]
    fn path_counts_go_to_their_functions_per_path() {
        let d = doc(COUNTS, "c");
        let mut out = String::new();
        path_table(&mut out, &d);
        // The push: 60 instructions over rpoll's 2 paths; timerfd's 1 path.
        assert!(
            out.contains("| `rpoll::push [rpoll]` | 30.0 | 0.0 | 30.0 |"),
            "{out}"
        );
        assert!(out.contains("| `__wake_up` | 10.0 | 0.0 | 10.0 |"), "{out}");
        assert!(
            out.contains("| `timerfd_tmrproc` | 0.0 | 25.0 | -25.0 |"),
            "{out}"
        );
        assert!(
            out.contains("| **mean path** | **40** | **25** | **15** (1.600x) |"),
            "{out}"
        );
        // Nearest rank: p50 of [30, 50] is 30, p99 50.
        assert!(out.contains("| **path p50** (instructions; guest us) | **30**; 0.12 | **25**; 0.10 | **5** (1.200x) |"), "{out}");
        assert!(
            out.contains("| **path p99** (instructions; guest us) | **50**; 0.20 |"),
            "{out}"
        );
        assert!(out.contains("Paths kept: rpoll 2, timerfd 1"), "{out}");
        let mut none = String::new();
        path_table(&mut none, &json!({"format": 2}));
        assert!(none.starts_with("No latency-path profile"), "{none}");
    }

    #[test]
    fn user_space_ends_where_the_architecture_says() {
        // ARMv7 (3G/1G split): modules from 0xbf000000, user space below.
        let mut arm = Symbols::new(0xbf00_0000);
        arm.add_nm("00000010 t push\n", 0xbf00_1000, Some("rpoll"));
        arm.add_nm("c00bd298 T hrtimer_interrupt\n", 0, None);
        assert_eq!(arm.name(0x0001_0000), "(user space)");
        assert_eq!(arm.name(0xbf00_1014), "push [rpoll]");
        assert_eq!(arm.name(0xc00b_d2a0), "hrtimer_interrupt");
        // arm64: the same module address is user space there.
        let arm64 = Symbols::new(0xffff_0000_0000_0000);
        assert_eq!(arm64.name(0xbf00_1014), "(user space)");
    }

    #[test]
    fn path_counts_must_add_up_to_the_paths() {
        let syms = Symbols::new(0xffff_0000_0000_0000);
        let bad = COUNTS.replace("path 1 50", "path 1 51");
        assert!(parse(&bad, &window_lines(LOG), &syms).is_err());
        let bad = COUNTS.replace("p ffff800078720010 1 60", "p ffff800078720010 1");
        assert!(parse(&bad, &window_lines(LOG), &syms).is_err());
        let bad = COUNTS.replace("path 3 25", "path 9 25");
        assert!(parse(&bad, &window_lines(LOG), &syms).is_err());
    }

    #[test]
    fn marks_that_disagree_with_the_windows_are_errors() {
        let syms = Symbols::new(0xffff_0000_0000_0000);
        let lines = window_lines(LOG);
        assert!(parse("insn-profile segments 3\n", &lines, &syms).is_err());
        assert!(parse("no header\n", &lines, &syms).is_err());
        assert!(parse("insn-profile segments 5\nzz 1 2\n", &lines, &syms).is_err());
        assert!(parse("insn-profile segments 5\n", &lines, &syms).is_err());
    }
}
