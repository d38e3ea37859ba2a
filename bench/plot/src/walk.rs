//! The path of a blocking call through the kernel (`make trace`): reads
//! the function-graph traces that bench/walk-guest.sh prints, one per step
//! of `rpoll-bench walk`, keeps the calls that docs/how-poll-works.md talks
//! about (and their callers), writes `walk-<arch>.json`, and renders the
//! document's `walk-*` blocks from it.
//!
//! A block names the functions its text walks through, in order; a trace
//! in which one of them is missing, or comes in another order, does not
//! render, so the document cannot describe a path the kernel did not take.
//! Times are the trace's (`funcgraph-abstime`, microseconds); under QEMU's
//! `-icount shift=2` one guest instruction is 4 ns, so they count
//! instructions.

use std::collections::HashMap;
use std::fmt::Write;

use serde_json::{json, Value};

/// One call of the trace, with the calls it made.
#[derive(Clone, Debug, Default)]
pub struct Call {
    /// The function, or `#event: text` for an event recorded inside it.
    pub name: String,
    /// When it was entered (s, trace clock).
    pub start: f64,
    /// How long it ran (us), sleeps included; `None` if the trace ended
    /// first.
    pub dur_us: Option<f64>,
    /// Its return value as the trace printed it.
    pub ret: Option<String>,
    /// The task it ran in, and the CPU it started on.
    pub task: String,
    pub cpu: u32,
    pub children: Vec<Call>,
}

/// One parsed line of a function-graph trace.
#[derive(Debug, PartialEq)]
enum Body {
    Enter(String),
    Leaf(String, Option<String>),
    Exit(Option<String>, Option<String>),
    Event(String),
}

/// `/* ret=X */` or `/* name ret=X */` at the end of `s`: (name, value).
fn retval(s: &str) -> (Option<String>, Option<String>) {
    let Some(i) = s.find("/*") else {
        return (None, None);
    };
    let inner = s[i + 2..].trim_end().trim_end_matches("*/").trim();
    let (name, ret) = match inner.rsplit_once("ret=") {
        Some((n, v)) => (n.trim(), Some(v.trim().to_string())),
        None => (inner, None),
    };
    ((!name.is_empty()).then(|| name.to_string()), ret)
}

/// Parses one trace line: (time s, CPU, task, duration us, body).
fn line(l: &str) -> Option<(f64, u32, String, Option<f64>, Body)> {
    let mut f = l.splitn(4, '|');
    let t: f64 = f.next()?.trim().parse().ok()?;
    let (cpu, task) = f.next()?.trim().split_once(')')?;
    let cpu = cpu.trim().parse().ok()?;
    let dur = f.next()?;
    let dur = dur
        .trim()
        .trim_start_matches(['!', '+', '#', '*', '@', '$', '&'])
        .trim()
        .strip_suffix("us")
        .and_then(|d| d.trim().parse().ok());
    let body = f.next()?.trim();
    let body = if let Some(ev) = body.strip_prefix("/*") {
        Body::Event(ev.trim_end_matches("*/").trim().to_string())
    } else if let Some(rest) = body.strip_prefix('}') {
        let (name, ret) = retval(rest);
        Body::Exit(name, ret)
    } else if let Some(name) = body.strip_suffix("() {") {
        Body::Enter(name.to_string())
    } else if let Some((name, rest)) = body.split_once("();") {
        Body::Leaf(name.to_string(), retval(rest).1)
    } else {
        return None;
    };
    Some((t, cpu, task.trim().to_string(), dur, body))
}

/// The calls of one trace, as trees per task (per task and CPU for the
/// idle tasks, which share a name): roots in the order they started.
pub fn calls(trace: &str) -> Vec<Call> {
    let mut stacks: HashMap<String, Vec<Call>> = HashMap::new();
    let mut roots: Vec<Call> = Vec::new();
    for l in trace.lines() {
        let Some((t, cpu, task, dur, body)) = line(l.trim_end_matches('\r')) else {
            continue;
        };
        let key = if task.starts_with("<idle>") {
            format!("{task}/{cpu}")
        } else {
            task.clone()
        };
        let stack = stacks.entry(key).or_default();
        let new = |name: String| Call {
            name,
            start: t,
            task: task.clone(),
            cpu,
            ..Call::default()
        };
        match body {
            Body::Enter(name) => stack.push(new(name)),
            Body::Leaf(name, ret) => {
                let mut c = new(name);
                c.dur_us = dur;
                c.ret = ret;
                match stack.last_mut() {
                    Some(top) => top.children.push(c),
                    None => roots.push(c),
                }
            }
            Body::Event(text) => {
                let c = new(format!("#event: {text}"));
                match stack.last_mut() {
                    Some(top) => top.children.push(c),
                    None => roots.push(c),
                }
            }
            Body::Exit(_, ret) => {
                // An exit without its entry (the trace began inside the
                // call) closes nothing.
                if let Some(mut c) = stack.pop() {
                    c.dur_us = dur;
                    c.ret = ret;
                    match stack.last_mut() {
                        Some(top) => top.children.push(c),
                        None => roots.push(c),
                    }
                }
            }
        }
    }
    // Calls still open when the trace stopped.
    for (_, mut stack) in stacks {
        while let Some(c) = stack.pop() {
            match stack.last_mut() {
                Some(top) => top.children.push(c),
                None => roots.push(c),
            }
        }
    }
    roots.sort_by(|a, b| a.start.total_cmp(&b.start));
    roots
}

/// Whether a call is one the document talks about.
fn landmark(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "do_sys_poll",
        "do_poll",
        "__pollwait",
        "add_wait_queue",
        "remove_wait_queue",
        "poll_freewait",
        "poll_schedule_timeout",
        "schedule_hrtimeout_range",
        "schedule_hrtimeout_range_clock",
        "schedule",
        "do_epoll_wait",
        "ep_poll",
        "ep_send_events",
        "ep_try_send_events",
        "ep_item_poll",
        "ep_poll_callback",
        "__wake_up",
        "__wake_up_common",
        "__wake_up_locked_key",
        "pollwake",
        "default_wake_function",
        "try_to_wake_up",
        "vfs_read",
        "prepare_to_wait_event",
        "finish_wait",
        "_copy_to_iter",
        "__hrtimer_run_queues",
        "__run_hrtimer",
        "hrtimer_interrupt",
        "pl061_irq_handler",
        "generic_handle_domain_irq",
        "handle_edge_irq",
        "handle_irq_event",
        "arch_do_signal_or_restart",
        "do_signal",
        "do_work_pending",
        "get_signal",
        "do_signal_stop",
        "handle_signal",
        "setup_rt_frame",
        "signal_setup_done",
        "restore_saved_sigmask",
    ];
    NAMES.contains(&name)
        || name.starts_with("rpoll_helper_")
        || name.starts_with("__arm64_sys_")
        || name.starts_with("sys_")
        || name.starts_with("#event: rpoll_")
        || name.starts_with("#event: sched_wakeup: comm=rpoll-bench")
        || name.starts_with("#event: sched_switch: prev_comm=rpoll-bench")
        || name.starts_with("#event: signal_")
}

/// `c` keeping only landmarks and the calls on the way to them; how many
/// other calls were left out is counted in `hidden`.
fn prune(c: &Call) -> Option<Value> {
    let kids: Vec<Value> = c.children.iter().filter_map(prune).collect();
    if !landmark(&c.name) && kids.is_empty() {
        return None;
    }
    let hidden = c.children.len() - kids.len();
    let mut v = json!({"name": c.name, "start": c.start, "cpu": c.cpu, "task": c.task});
    if let Some(d) = c.dur_us {
        v["us"] = json!(d);
    }
    if let Some(r) = &c.ret {
        v["ret"] = json!(r);
    }
    if hidden > 0 {
        v["hidden"] = json!(hidden);
    }
    if !kids.is_empty() {
        v["calls"] = Value::Array(kids);
    }
    Some(v)
}

/// Whether `c` or a call under it is named `name`.
fn contains(c: &Call, pred: &dyn Fn(&str) -> bool) -> bool {
    pred(&c.name) || c.children.iter().any(|k| contains(k, pred))
}

/// The walk's task as the trace prints it (`rpoll-b-<pid>`: the command
/// name cut to 7 characters).
fn walker(task: &str) -> bool {
    task.starts_with("rpoll-b-")
}

/// The document of one step: its result line, the walker's system calls,
/// and the interrupts and signal work that woke or stopped it.
fn step_json(name: &str, result: &str, trace: &str) -> Value {
    let roots = calls(trace);
    let mut syscalls = Vec::new();
    let mut producers = Vec::new();
    let mut signals = Vec::new();
    let mut visit = |c: &Call| {
        let n = c.name.as_str();
        let is_irq = n == "hrtimer_interrupt" || n == "pl061_irq_handler";
        if walker(&c.task) && (n.starts_with("__arm64_sys_") || n.starts_with("sys_")) {
            syscalls.push(c.clone());
        } else if is_irq && contains(c, &|x| x.starts_with("#event: rpoll_record")) {
            producers.push(c.clone());
        } else if walker(&c.task) && matches!(n, "arch_do_signal_or_restart" | "do_work_pending") {
            signals.push(c.clone());
        }
    };
    // Interrupts taken in the walker's own calls are nested in them.
    fn walk(c: &Call, f: &mut dyn FnMut(&Call)) {
        f(c);
        for k in &c.children {
            if k.name == "hrtimer_interrupt" || k.name == "pl061_irq_handler" {
                walk(k, f);
            } else {
                walk_irqs(k, f);
            }
        }
    }
    fn walk_irqs(c: &Call, f: &mut dyn FnMut(&Call)) {
        for k in &c.children {
            if k.name == "hrtimer_interrupt" || k.name == "pl061_irq_handler" {
                f(k);
            }
            walk_irqs(k, f);
        }
    }
    for r in &roots {
        walk(r, &mut visit);
    }
    // The calls that blocked (the drains before them return at once), and
    // the returns to user space that handled a signal (32-bit ARM's
    // do_work_pending also runs for other work).
    syscalls.retain(|c| contains(c, &|n| n == "schedule"));
    signals.retain(|c| contains(c, &|n| n == "get_signal"));
    let keep = |v: Vec<Call>| Value::Array(v.iter().filter_map(prune).collect());
    json!({
        "step": name,
        "result": result,
        "syscalls": keep(syscalls),
        "producers": keep(producers),
        "signals": keep(signals),
    })
}

/// Every `walk-begin STEP` ... `walk-end STEP` section of the serial log,
/// with the `walk: STEP: ...` result line printed inside it.
pub fn parse(log: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let mut cur: Option<(String, String)> = None;
    let mut results: HashMap<String, String> = HashMap::new();
    for l in log.lines() {
        let l = l.trim_end_matches('\r');
        if let Some(rest) = l.strip_prefix("walk: ") {
            if let Some((step, r)) = rest.split_once(": ") {
                results.insert(step.to_string(), r.to_string());
            }
        }
        if let Some(step) = l.strip_prefix("walk-begin ") {
            cur = Some((step.trim().to_string(), String::new()));
        } else if let Some(step) = l.strip_prefix("walk-end ") {
            let (name, trace) = cur.take().ok_or("walk-end without walk-begin")?;
            if name != step.trim() {
                return Err(format!("walk-end {step} closes {name}"));
            }
            let result = results
                .get(&name)
                .ok_or(format!("no 'walk: {name}:' result line"))?;
            out.push(step_json(&name, result, &trace));
        } else if let Some((_, trace)) = cur.as_mut() {
            trace.push_str(l);
            trace.push('\n');
        }
    }
    if out.is_empty() {
        return Err("no walk-begin/walk-end section: did bench-walk run?".into());
    }
    Ok(out)
}

/// Depth-first list of the calls of `v` (a pruned call): (depth, call).
fn flatten<'a>(v: &'a Value, depth: usize, out: &mut Vec<(usize, &'a Value)>) {
    out.push((depth, v));
    for k in v["calls"].as_array().into_iter().flatten() {
        flatten(k, depth + 1, out);
    }
}

/// Whether the trace's `name` is the text's `want`: the same, or `want`
/// followed by an event's fields (`#event: rpoll_record: ...`) or a
/// module's name (`rpoll_helper_irq_lock [rpoll]`).
fn same(name: &str, want: &str) -> bool {
    name.strip_prefix(want)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(':') || rest.starts_with(' '))
}

/// Finds `path` in order among `calls` (depth-first); the error names the
/// first function not found after the previous one.
fn check_path(calls: &[(usize, &Value)], path: &[&str], what: &str) -> Result<(), String> {
    let mut at = 0;
    for want in path {
        let found = calls[at..]
            .iter()
            .position(|(_, c)| c["name"].as_str().is_some_and(|n| same(n, want)));
        match found {
            Some(i) => at += i + 1,
            None => {
                return Err(format!(
                    "{what}: the trace has no {want} after {}: the text's path is not the kernel's",
                    if at == 0 {
                        "the start"
                    } else {
                        calls[at - 1].1["name"].as_str().unwrap_or("?")
                    }
                ))
            }
        }
    }
    Ok(())
}

/// A return value worth showing: an error (decimal) or a small number,
/// not an address or a void function's leftover register.
fn shown_ret(r: &str) -> Option<&str> {
    let small = r
        .strip_prefix("0x")
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .is_some_and(|v| v < 0x10000);
    (small || r.parse::<i64>().is_ok()).then_some(r)
}

/// One call as a line of the rendered graph.
fn call_line(out: &mut String, depth: usize, c: &Value) {
    let name = c["name"].as_str().unwrap_or("?");
    let indent = "  ".repeat(depth);
    if let Some(ev) = name.strip_prefix("#event: ") {
        let _ = writeln!(out, "{indent}/* {ev} */");
        return;
    }
    // `rpoll_helper_irq_lock [rpoll]`: a module's function.
    let (name, module) = name.split_once(' ').unwrap_or((name, ""));
    let module = if module.is_empty() {
        String::new()
    } else {
        format!(" {module}")
    };
    let hidden = c["hidden"]
        .as_u64()
        .map_or(String::new(), |h| format!(" +{h}"));
    let ret = c["ret"]
        .as_str()
        .and_then(shown_ret)
        .map_or(String::new(), |r| format!(" = {r}"));
    let us = c["us"]
        .as_f64()
        .map_or("?".to_string(), |u| format!("{u:.1} us"));
    let _ = writeln!(out, "{indent}{name}(){ret}{module}  [{us}{hidden}]");
}

/// The graph block of `calls` (all of them for system calls, which a
/// restart repeats; else the first), checked against `path`.
fn graph(
    out: &mut String,
    calls: &Value,
    all: bool,
    path: &[&str],
    what: &str,
) -> Result<(), String> {
    let list = calls
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or(format!("{what}: nothing recorded"))?;
    let list = if all { &list[..] } else { &list[..1] };
    let mut flat = Vec::new();
    for c in list {
        flatten(c, 0, &mut flat);
    }
    check_path(&flat, path, what)?;
    out.push_str("```text\n");
    for (d, c) in &flat {
        call_line(out, *d, c);
    }
    out.push_str("```\n");
    Ok(())
}

/// The functions each block's text walks through, in order (`SYS` stands
/// for the architecture's system call entry).
fn expected(block: &str) -> Option<(&'static str, Vec<&'static str>)> {
    Some(match block {
        "poll-timer" | "poll-gpio" => (
            "syscalls",
            vec![
                "SYS",
                "do_sys_poll",
                "__pollwait",
                "add_wait_queue",
                "rpoll_helper_irq_lock",
                "schedule_hrtimeout_range",
                "schedule",
                "poll_freewait",
                "remove_wait_queue",
            ],
        ),
        "poll-timer-producer" => (
            "producers",
            vec![
                "hrtimer_interrupt",
                "__hrtimer_run_queues",
                "rpoll_helper_irq_lock",
                "#event: rpoll_record",
                "__wake_up_locked_key",
                "pollwake",
                "default_wake_function",
                "try_to_wake_up",
                "#event: sched_wakeup",
                "#event: rpoll_wake",
                "rpoll_helper_irq_unlock",
            ],
        ),
        "poll-gpio-producer" => (
            "producers",
            vec![
                "pl061_irq_handler",
                "generic_handle_domain_irq",
                "handle_edge_irq",
                "handle_irq_event",
                "#event: rpoll_record",
                "__wake_up_locked_key",
                "pollwake",
                "try_to_wake_up",
            ],
        ),
        "epoll-timer" => (
            "syscalls",
            vec!["SYS", "do_epoll_wait", "schedule", "ep_try_send_events"],
        ),
        "epoll-timer-producer" => (
            "producers",
            vec![
                "hrtimer_interrupt",
                "__wake_up_locked_key",
                "ep_poll_callback",
                "__wake_up",
                "ep_autoremove_wake_function",
                "try_to_wake_up",
            ],
        ),
        "read-timer" => (
            "syscalls",
            vec![
                "SYS",
                "vfs_read",
                "prepare_to_wait_event",
                "schedule",
                "finish_wait",
                "#event: rpoll_read",
            ],
        ),
        "read-timer-producer" => (
            "producers",
            vec![
                "hrtimer_interrupt",
                "__wake_up_locked_key",
                "autoremove_wake_function",
                "try_to_wake_up",
            ],
        ),
        "signal-handler" | "signal-sa-restart" => (
            "syscalls",
            vec![
                "SYS",
                "do_sys_poll",
                "__pollwait",
                "schedule",
                "poll_freewait",
            ],
        ),
        "signal-handler-delivery" | "signal-sa-restart-delivery" => (
            "signals",
            vec!["SIGNAL", "get_signal", "#event: signal_deliver"],
        ),
        "signal-stop" => (
            "syscalls",
            vec![
                "SYS",
                "do_sys_poll",
                "schedule",
                "SYS",
                "do_sys_poll",
                "schedule",
            ],
        ),
        "signal-stop-delivery" => ("signals", vec!["SIGNAL", "get_signal", "do_signal_stop"]),
        _ => return None,
    })
}

/// The first call (depth-first) of `v` whose name starts with `prefix`.
fn find_call<'a>(v: &'a Value, prefix: &str) -> Option<&'a Value> {
    let mut flat = Vec::new();
    flatten(v, 0, &mut flat);
    flat.into_iter()
        .map(|(_, c)| c)
        .find(|c| c["name"].as_str().is_some_and(|n| n.starts_with(prefix)))
}

/// When call `c` returned (s), from its start and duration.
fn end_of(c: &Value) -> Option<f64> {
    Some(c["start"].as_f64()? + c["us"].as_f64()? / 1e6)
}

/// The latency table: for each step woken by a record, the time from the
/// producer's interrupt to the wake-up of the reader, from there to the
/// reader's return from `schedule()`, and on to the system call's return.
fn latency_table(out: &mut String, w: &Value) -> Result<(), String> {
    out.push_str("| step | interrupt -> reader woken (`try_to_wake_up`) | woken -> `schedule()` returns | -> system call returns | in all |\n");
    out.push_str("|---|---:|---:|---:|---:|\n");
    for name in ["poll-timer", "epoll-timer", "read-timer", "poll-gpio"] {
        let step = w["steps"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["step"] == name))
            .ok_or(format!("no step {name}"))?;
        let producer = &step["producers"][0];
        let sys = &step["syscalls"][0];
        let t0 = producer["start"]
            .as_f64()
            .ok_or(format!("{name}: no producer"))?;
        // The wake-up decided: a reader on another CPU is woken there (an
        // IPI), so its sched_wakeup event may not be in this graph.
        let t1 = find_call(producer, "try_to_wake_up")
            .and_then(|c| c["start"].as_f64())
            .ok_or(format!("{name}: the producer woke nobody"))?;
        // The sleep: the longest schedule() of the call.
        let mut flat = Vec::new();
        flatten(sys, 0, &mut flat);
        let sleep = flat
            .iter()
            .map(|(_, c)| *c)
            .filter(|c| c["name"] == "schedule")
            .max_by(|a, b| {
                a["us"]
                    .as_f64()
                    .unwrap_or(0.0)
                    .total_cmp(&b["us"].as_f64().unwrap_or(0.0))
            })
            .ok_or(format!("{name}: the call never slept"))?;
        let t2 = end_of(sleep).ok_or(format!("{name}: schedule() did not return"))?;
        let t3 = end_of(sys).ok_or(format!("{name}: the call did not return"))?;
        let us = |a: f64, b: f64| format!("{:.1} us", (b - a) * 1e6);
        let _ = writeln!(
            out,
            "| `{name}` | {} | {} | {} | {} |",
            us(t0, t1),
            us(t1, t2),
            us(t2, t3),
            us(t0, t3)
        );
    }
    Ok(())
}

/// Renders block `walk-STEP[-PART]-ARCH` from `doc["walk"][ARCH]`.
pub fn render(name: &str, doc: &Value) -> Option<Result<String, String>> {
    let rest = name.strip_prefix("walk-")?;
    let (block, arch) = rest.rsplit_once('-')?;
    let Some(w) = doc.pointer(&format!("/walk/{arch}")) else {
        return Some(Err(format!(
            "block {name}: no walk-{arch}.json beside the results (make trace)"
        )));
    };
    Some(render_block(block, arch, w))
}

fn render_block(block: &str, arch: &str, w: &Value) -> Result<String, String> {
    let mut out = String::new();
    if block == "run" {
        let _ = writeln!(
            out,
            "Recorded by `make trace{}` at commit {} on kernel {} (QEMU clock: icount, one instruction = 4 ns), from `bench/results/walk-{arch}.json`.",
            if arch == "arm" { " BOARD=qemu-virt-arm" } else { "" },
            w["meta"]["commit"].as_str().unwrap_or("?"),
            w["meta"]["kernel"].as_str().unwrap_or("?"),
        );
        return Ok(out);
    }
    if block == "latency" {
        latency_table(&mut out, w)?;
        return Ok(out);
    }
    let (kind, path) = expected(block).ok_or(format!("unknown walk block {block}"))?;
    let step_name = block
        .trim_end_matches("-producer")
        .trim_end_matches("-delivery");
    let step = w["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["step"] == step_name))
        .ok_or(format!("walk-{arch}.json has no step {step_name}"))?;
    let calls = &step[kind];
    let root = calls
        .as_array()
        .and_then(|a| a.first())
        .and_then(|c| c["name"].as_str())
        .unwrap_or("?")
        .to_string();
    // SYS and SIGNAL: the architecture's system call entry and its way
    // back to user space with a signal pending, whatever their names.
    let path: Vec<&str> = path
        .iter()
        .map(|p| {
            if matches!(*p, "SYS" | "SIGNAL") {
                root.as_str()
            } else {
                p
            }
        })
        .collect();
    let _ = writeln!(
        out,
        "`{step_name}`: {}",
        step["result"].as_str().unwrap_or("?")
    );
    out.push('\n');
    graph(
        &mut out,
        calls,
        kind == "syscalls",
        &path,
        &format!("{block} ({arch})"),
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "\
  10.000100 |   1)  rpoll-b-85 |               |  __arm64_sys_ppoll() {
  10.000110 |   1)  rpoll-b-85 |               |    do_sys_poll() {
  10.000120 |   1)  rpoll-b-85 |   0.500 us    |      __pollwait(); /* ret=0x0 */
  10.000130 |   1)  rpoll-b-85 |               |      poll_schedule_timeout() {
  10.000140 |   1)  rpoll-b-85 |   2.000 us    |        kfree();
  10.000150 |   1)  rpoll-b-85 | ! 199900.0 us |        schedule(); /* ret=0x0 */
  10.200000 |   0)    <idle>-0     |               |  hrtimer_interrupt() {
  10.200010 |   0)    <idle>-0     |               |    /* rpoll_record: dev=rpoll-bench seq=3 kind=timer|x */
  10.200020 |   0)    <idle>-0     |   1.000 us    |    try_to_wake_up(); /* ret=0x1 */
  10.200030 |   0)    <idle>-0     | + 30.000 us   |  } /* hrtimer_interrupt ret=0x0 */
  10.200100 |   1)  rpoll-b-85 | ! 199970.0 us |      } /* poll_schedule_timeout ret=0x0 */
  10.200200 |   1)  rpoll-b-85 | ! 200090.0 us |    } /* do_sys_poll ret=-514 */
  10.200300 |   1)  rpoll-b-85 | ! 200200.0 us |  } /* __arm64_sys_ppoll ret=-514 */
";

    #[test]
    fn parses_nested_calls_across_cpus() {
        let roots = calls(TRACE);
        assert_eq!(roots.len(), 2);
        let sys = &roots[0];
        assert_eq!(sys.name, "__arm64_sys_ppoll");
        assert_eq!(sys.ret.as_deref(), Some("-514"));
        assert_eq!(sys.children[0].name, "do_sys_poll");
        assert_eq!(sys.children[0].children.len(), 2);
        assert_eq!(sys.children[0].children[1].children[1].name, "schedule");
        let irq = &roots[1];
        assert_eq!(irq.task, "<idle>-0");
        assert!(irq.children[0].name.starts_with("#event: rpoll_record"));
        assert_eq!(irq.children[1].dur_us, Some(1.0));
    }

    #[test]
    fn paths_must_be_in_the_trace_in_order() {
        let v = step_json("poll-timer", "ok", TRACE);
        let mut flat = Vec::new();
        flatten(&v["syscalls"][0], 0, &mut flat);
        assert!(check_path(
            &flat,
            &["__arm64_sys_ppoll", "do_sys_poll", "__pollwait"],
            "t"
        )
        .is_ok());
        assert!(check_path(&flat, &["__pollwait", "do_sys_poll"], "t").is_err());
        // kfree is no landmark: pruned, and counted as hidden.
        assert!(check_path(&flat, &["kfree"], "t").is_err());
        assert_eq!(v["producers"][0]["name"], "hrtimer_interrupt");
    }
}
