//! Where the timer path's time goes, function by function (`make profile`):
//! reads the profile guest's serial log (bench/profile-guest.sh: one
//! window per mechanism with ftrace's function profiler on), writes
//! `profile.json`, and renders the per-event table quoted in
//! bench/README.md (block `profile`).
//!
//! The profiler's time is inclusive (a function's callees are part of it)
//! and excludes sleep; under `-icount shift=2` one guest instruction is
//! 4 ns, so the figures count instructions. Every traced call also pays
//! the profiler's own hooks, which land in its traced callers' time: with
//! a few functions traced (`BENCH_PROFILE_FUNCTIONS`) that is small, with
//! every function traced it dominates. The figures compare the two paths;
//! they are not absolute costs.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{json, Value};

use crate::table::f;
use crate::{find, num};

/// The functions of one mechanism's window, summed over the CPUs.
#[derive(Debug, Default, PartialEq)]
pub struct Window {
    /// The window's own report line (`rpoll x1 997 us: produced ...`).
    pub line: String,
    /// Records (rpoll) or reads (timerfd) the reader got.
    pub events: u64,
    /// Per function: calls and time (callees included) in microseconds.
    pub functions: BTreeMap<String, (u64, f64)>,
}

/// One row of a `trace_stat/function<N>` table: name, hits, time (us).
fn row(line: &str) -> Option<(String, u64, f64)> {
    let mut t = line.split_whitespace();
    let name = t.next()?;
    let hits = t.next()?.parse().ok()?;
    let time = t.next()?.parse().ok()?;
    (t.next()? == "us").then(|| (name.to_string(), hits, time))
}

/// `delivered N` from a window line.
fn delivered(line: &str) -> Option<u64> {
    let rest = &line[line.find("delivered ")? + "delivered ".len()..];
    rest.split_whitespace().next()?.parse().ok()
}

/// Every `profile-begin MECH` ... `profile-end MECH` section of the log.
pub fn parse(log: &str) -> Result<Vec<(String, Window)>, String> {
    let mut out = Vec::new();
    let mut cur: Option<(String, Window)> = None;
    for line in log.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(m) = line.strip_prefix("profile-begin ") {
            cur = Some((m.trim().to_string(), Window::default()));
        } else if let Some(m) = line.strip_prefix("profile-end ") {
            let (name, w) = cur.take().ok_or("profile-end without profile-begin")?;
            if name != m.trim() {
                return Err(format!("profile-end {m} closes {name}"));
            }
            if w.events == 0 || w.functions.is_empty() {
                return Err(format!("{name}: no events or no profiler rows"));
            }
            out.push((name, w));
        } else if let Some((_, w)) = cur.as_mut() {
            if let Some(l) = line.strip_prefix("window: ") {
                w.events = delivered(l).ok_or(format!("no delivered count in: {l}"))?;
                w.line = l.to_string();
            } else if let Some((name, hits, time)) = row(line) {
                let e = w.functions.entry(name).or_default();
                e.0 += hits;
                e.1 += time;
            }
        }
    }
    if cur.is_some() || out.is_empty() {
        return Err("the log holds no complete profile section".into());
    }
    Ok(out)
}

/// How many functions the profiler was limited to (`profile-filter N
/// functions`); `None`: every function was traced.
pub fn filtered(log: &str) -> Option<u64> {
    log.lines()
        .find_map(|l| l.trim_end_matches('\r').strip_prefix("profile-filter "))
        .and_then(|r| r.split_whitespace().next()?.parse().ok())
}

/// The results document of `parse`'s windows.
pub fn to_json(windows: &[(String, Window)], meta: Value) -> Value {
    let mechs: Vec<Value> = windows
        .iter()
        .map(|(m, w)| {
            let fns: Vec<Value> = w
                .functions
                .iter()
                .map(|(n, (h, t))| json!({"name": n, "hits": h, "time_us": t}))
                .collect();
            json!({"mech": m, "window": w.line, "events": w.events, "functions": fns})
        })
        .collect();
    json!({"format": 1, "meta": meta, "mechs": mechs})
}

/// Rows shown in the README table.
const ROWS: usize = 24;

/// Per-event calls and nanoseconds of every function of mechanism `m`.
fn per_event(p: &Value, m: &str) -> BTreeMap<String, (f64, f64)> {
    let mut out = BTreeMap::new();
    let Some(w) = find(&p["mechs"], &[("mech", json!(m))]) else {
        return out;
    };
    let ev = num(w, "/events").unwrap_or(0.0);
    if ev <= 0.0 {
        return out;
    }
    for fun in w["functions"].as_array().into_iter().flatten() {
        if let (Some(n), Some(h), Some(t)) = (
            fun["name"].as_str(),
            num(fun, "/hits"),
            num(fun, "/time_us"),
        ) {
            out.insert(n.to_string(), (h / ev, t * 1000.0 / ev));
        }
    }
    out
}

/// The functions of `a` and `b`, largest `|key|` first (then by name).
fn ranked<'a>(
    a: &'a BTreeMap<String, (f64, f64)>,
    b: &'a BTreeMap<String, (f64, f64)>,
    key: impl Fn(&str) -> f64,
) -> Vec<&'a String> {
    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
    names.sort();
    names.dedup();
    names.sort_by(|x, y| key(y).abs().total_cmp(&key(x).abs()).then(x.cmp(y)));
    names
}

/// The README table: the functions with the largest per-event difference
/// between rpoll and timerfd.
pub fn table(out: &mut String, p: &Value) {
    if p.get("mechs").is_none() {
        let _ = writeln!(out, "No profile results (run `make profile`).");
        return;
    }
    let (r, t) = (per_event(p, "rpoll"), per_event(p, "timerfd"));
    let get = |m: &BTreeMap<String, (f64, f64)>, n: &str| m.get(n).copied().unwrap_or((0.0, 0.0));
    let names = ranked(&r, &t, |n| get(&r, n).1 - get(&t, n).1);
    let _ = writeln!(
        out,
        "| function (time includes its callees) | rpoll calls / event | rpoll ns / event | timerfd calls / event | timerfd ns / event | rpoll - timerfd (ns) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for n in names.iter().take(ROWS) {
        let (a, b) = (get(&r, n), get(&t, n));
        let _ = writeln!(
            out,
            "| `{n}` | {} | {} | {} | {} | {} |",
            f(Some(a.0), 2),
            f(Some(a.1), 0),
            f(Some(b.0), 2),
            f(Some(b.1), 0),
            f(Some(a.1 - b.1), 0)
        );
    }
    let ev = |m: &str| {
        find(&p["mechs"], &[("mech", json!(m))])
            .and_then(|w| w["window"].as_str())
            .unwrap_or("?")
            .to_string()
    };
    let traced = match p.pointer("/meta/functions_traced").and_then(Value::as_u64) {
        Some(n) => format!("{n} functions traced"),
        None => "every function traced".to_string(),
    };
    let _ = writeln!(
        out,
        "\nWindows ({traced}; commit {}, kernel {}): `{}`; `{}`.",
        p.pointer("/meta/commit")
            .and_then(Value::as_str)
            .unwrap_or("?"),
        p.pointer("/meta/kernel")
            .and_then(Value::as_str)
            .unwrap_or("?"),
        ev("rpoll"),
        ev("timerfd"),
    );
}

/// The before/after table of an optimisation: per function, rpoll's time
/// per event in the `before` profile and in `after` (the change), and
/// timerfd's in both (unchanged code: its movement is the boots' spread).
pub fn before_after(out: &mut String, before: &Value, after: &Value) {
    if before.get("mechs").is_none() || after.get("mechs").is_none() {
        let _ = writeln!(
            out,
            "No before/after profiles (profile-before.json, profile.json)."
        );
        return;
    }
    let (rb, ra) = (per_event(before, "rpoll"), per_event(after, "rpoll"));
    let (tb, ta) = (per_event(before, "timerfd"), per_event(after, "timerfd"));
    let ns = |m: &BTreeMap<String, (f64, f64)>, n: &str| m.get(n).map_or(0.0, |v| v.1);
    let change = |n: &str| ns(&ra, n) - ns(&rb, n);
    let names = ranked(&rb, &ra, change);
    let _ = writeln!(
        out,
        "| function (time includes its callees) | rpoll before (ns / event) | rpoll after | change | timerfd before | timerfd after |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for n in names.iter().take(ROWS) {
        let _ = writeln!(
            out,
            "| `{n}` | {} | {} | {} | {} | {} |",
            f(Some(ns(&rb, n)), 0),
            f(Some(ns(&ra, n)), 0),
            f(Some(change(n)), 0),
            f(Some(ns(&tb, n)), 0),
            f(Some(ns(&ta, n)), 0)
        );
    }
    let meta = |p: &Value, k: &str| {
        p.pointer(&format!("/meta/{k}"))
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string()
    };
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

    const LOG: &str = "noise\r
profile-begin rpoll\r
window: rpoll x1 997 us: produced 10 delivered 10 missed 0 overruns 0 cpu 1 ms; latency {}\r
table function0\r
  Function                               Hit    Time            Avg             s^2\r
  --------                               ---    ----            ---             ---\r
  __wake_up                                 10    5.000 us     0.500 us    0.000 us \r
  _raw_spin_lock_irqsave                    20    2.000 us     0.100 us    0.000 us \r
table function1\r
  __wake_up                                 10    5.000 us     0.500 us    0.000 us \r
profile-end rpoll\r
profile-begin timerfd\r
window: timerfd x1 997 us: produced 10 delivered 10 missed 0 overruns 0 cpu 1 ms; latency {}\r
table function0\r
  timerfd_tmrproc                           10    3.000 us     0.300 us    0.000 us \r
profile-end timerfd\r
";

    #[test]
    fn sums_cpus_and_renders_per_event() {
        let w = parse(LOG).unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].1.events, 10);
        assert_eq!(w[0].1.functions["__wake_up"], (20, 10.0));
        let doc = to_json(&w, json!({"commit": "c", "kernel": "k"}));
        let mut out = String::new();
        table(&mut out, &doc);
        // 10 us over 10 events: 1000 ns per event, two calls.
        assert!(
            out.contains("| `__wake_up` | 2.00 | 1000 | 0.00 | 0 | 1000 |"),
            "{out}"
        );
        // Ranked by the difference: __wake_up, timerfd_tmrproc, the lock.
        let wake = out.find("__wake_up").unwrap();
        assert!(wake < out.find("timerfd_tmrproc").unwrap());
        assert!(out.find("timerfd_tmrproc").unwrap() < out.find("_raw_spin").unwrap());
    }

    #[test]
    fn before_after_ranks_rpoll_changes() {
        let w = parse(LOG).unwrap();
        let before = to_json(&w, json!({"commit": "b", "kernel": "k"}));
        let faster = LOG.replace("10    5.000 us", "10    3.000 us");
        let after = to_json(
            &parse(&faster).unwrap(),
            json!({"commit": "a", "kernel": "k"}),
        );
        let mut out = String::new();
        before_after(&mut out, &before, &after);
        // __wake_up: 10 us -> 6 us over 10 events.
        assert!(
            out.contains("| `__wake_up` | 1000 | 600 | -400 | 0 | 0 |"),
            "{out}"
        );
        assert!(out.contains("Before: commit b (kernel k); after: commit a (kernel k)."));
        let mut none = String::new();
        before_after(&mut none, &Value::Null, &after);
        assert!(none.starts_with("No before/after"));
    }

    #[test]
    fn incomplete_logs_are_errors() {
        assert!(parse("profile-begin rpoll\n").is_err());
        assert!(parse("nothing\n").is_err());
        assert!(parse("profile-begin rpoll\nprofile-end timerfd\n").is_err());
        let no_rows = "profile-begin rpoll\nwindow: delivered 3 x\nprofile-end rpoll\n";
        assert!(parse(no_rows).is_err());
    }
}
