//! `rpoll`: look at rpoll event devices from a shell, the way `evtest` or
//! `gpiomon` do for input and GPIO events. See `rpoll --help`.

use std::collections::HashMap;
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::process::ExitCode;
use std::time::Instant;

use rpoll::cli::{self, Command, WatchOptions};
use rpoll::device::{device_path, list_devices, Clock};
use rpoll::{format, Device};

/// A user-facing message for an I/O error on `dev`.
fn explain(dev: &str, e: &io::Error) -> String {
    let path = device_path(dev).display().to_string();
    match e.raw_os_error() {
        Some(libc::ENOENT) => format!("no such device: {path} (see `rpoll list`)"),
        Some(libc::EACCES) => format!(
            "{path}: permission denied: run as root or as a member of the device's group (rpoll, with the shipped udev/mdev rule)"
        ),
        Some(libc::EPERM) => format!("{path}: permission denied: changing a device needs root (CAP_SYS_ADMIN)"),
        Some(libc::ENODEV) => format!("{path}: the device went away (unbound)"),
        Some(libc::EBUSY) => format!("{path}: too many readers on this device (64 at most)"),
        Some(libc::ENOTTY) => format!(
            "{path}: not supported by this device (set-period needs a timer device, level and --edges a GPIO device, config a GPIO or irq device; or not an rpoll device)"
        ),
        Some(libc::EINVAL) => format!("{path}: value not accepted by this device (nothing changed)"),
        _ => format!("{path}: {e}"),
    }
}

fn list(json: bool) -> Result<(), String> {
    let paths = list_devices().map_err(|e| format!("/dev: {e}"))?;
    if paths.is_empty() && !json {
        println!("no rpoll devices (is rpoll.ko loaded and are DT nodes bound?)");
    }
    for p in paths {
        let name = p.display().to_string();
        let dev = Device::open_nonblocking(&name).map_err(|e| explain(&name, &e))?;
        let info = dev.info().map_err(|e| explain(&name, &e))?;
        if json {
            println!("{}", format::info_json(&name, &info));
        } else {
            println!("{}", format::info_line(&name, &info));
        }
    }
    Ok(())
}

fn watch(devices: &[String], o: &WatchOptions) -> Result<(), String> {
    let (json, count, clock, edges) = (o.json, o.count, o.clock, o.edges);
    let style = match (clock, o.localtime) {
        (Clock::Realtime, false) => format::StampStyle::Utc,
        (Clock::Realtime, true) => format::StampStyle::Local,
        (Clock::Tai, _) => format::StampStyle::Tai,
        _ => format::StampStyle::Seconds,
    };
    // SAFETY: plain syscall.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if ep < 0 {
        return Err(format!("epoll_create1: {}", io::Error::last_os_error()));
    }
    let mut open = Vec::new();
    for (i, d) in devices.iter().enumerate() {
        let dev = Device::open_nonblocking(d).map_err(|e| explain(d, &e))?;
        dev.set_clock(clock).map_err(|e| explain(d, &e))?;
        if let Some(mask) = edges {
            dev.set_edge_mask(mask).map_err(|e| explain(d, &e))?;
        }
        if let Some((n, delay_us)) = o.watermark {
            dev.set_watermark(n, delay_us)
                .map_err(|e| match e.raw_os_error() {
                    Some(libc::EINVAL) => format!(
                        "{}: --watermark {n} --max-delay {delay_us}us refused: the count must be 1 up to the queue depth, the delay at most 10s",
                        device_path(d).display()
                    ),
                    _ => explain(d, &e),
                })?;
        }
        if o.initial_state {
            dev.want_initial().map_err(|e| match e.raw_os_error() {
                Some(libc::ENOTTY) => format!(
                    "{}: --initial-state needs a GPIO device (a timer or irq device has no state)",
                    device_path(d).display()
                ),
                _ => explain(d, &e),
            })?;
        }
        let mut ev = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: i as u64,
        };
        // SAFETY: valid epoll and device descriptors.
        if unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, dev.as_raw_fd(), &mut ev) } < 0 {
            return Err(format!("epoll_ctl: {}", io::Error::last_os_error()));
        }
        open.push((format::short_name(d).to_string(), dev));
    }
    let mut last: HashMap<usize, u64> = HashMap::new();
    let mut printed = 0u64;
    let stdout = io::stdout();
    let mut evs = [libc::epoll_event { events: 0, u64: 0 }; 8];
    // Idle stretches: since the last event (or the start), and since the
    // last heartbeat line.
    let start = Instant::now();
    let now = || start.elapsed().as_nanos() as u64;
    let mut last_event = now();
    let mut last_beat = last_event;
    loop {
        let t = now();
        let left = |limit_us: Option<u32>, since: u64| {
            limit_us.map(|us| (u64::from(us) * 1000).saturating_sub(t - since))
        };
        let wait_ns = [
            left(o.idle_timeout_us, last_event),
            left(o.heartbeat_us, last_beat),
        ]
        .into_iter()
        .flatten()
        .min();
        let timeout_ms =
            wait_ns.map_or(-1, |ns| ns.div_ceil(1_000_000).min(i32::MAX as u64) as i32);
        // SAFETY: `evs` is valid for 8 entries.
        let n = unsafe { libc::epoll_wait(ep, evs.as_mut_ptr(), 8, timeout_ms) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(format!("epoll_wait: {e}"));
        }
        if n == 0 {
            let t = now();
            if o.idle_timeout_us
                .is_some_and(|us| t - last_event >= u64::from(us) * 1000)
            {
                return Ok(());
            }
            if o.heartbeat_us
                .is_some_and(|us| t - last_beat >= u64::from(us) * 1000)
            {
                last_beat = t;
                if writeln!(stdout.lock(), "{}", format::idle_line(t - last_event, json)).is_err() {
                    return Ok(());
                }
            }
            continue;
        }
        last_event = now();
        last_beat = last_event;
        for ev in &evs[..n as usize] {
            let i = ev.u64 as usize;
            let (name, dev) = &open[i];
            if ev.events & (libc::EPOLLHUP | libc::EPOLLERR) as u32 != 0
                && ev.events & libc::EPOLLIN as u32 == 0
            {
                return Err(format!("{name}: the device went away (unbound)"));
            }
            let recs = dev.read_available(64).map_err(|e| explain(name, &e))?;
            let mut out = stdout.lock();
            for r in recs {
                let delta = last.get(&i).map(|t| r.timestamp_ns.wrapping_sub(*t));
                last.insert(i, r.timestamp_ns);
                let line = if json {
                    format::event_json_styled(name, &r, delta, style)
                } else {
                    format::event_line_styled(name, &r, delta, style)
                };
                if writeln!(out, "{line}").is_err() {
                    return Ok(()); // stdout closed (e.g. `| head`)
                }
                printed += 1;
                if count.is_some_and(|c| printed >= c) {
                    return Ok(());
                }
            }
        }
    }
}

fn stats(device: &str, json: bool) -> Result<(), String> {
    let dev = Device::open_nonblocking(device).map_err(|e| explain(device, &e))?;
    let s = dev.stats().map_err(|e| explain(device, &e))?;
    let name = format::short_name(device);
    println!(
        "{}",
        if json {
            format::stats_json(name, &s)
        } else {
            format::stats_text(name, &s)
        }
    );
    Ok(())
}

fn level(device: &str, json: bool) -> Result<(), String> {
    let dev = Device::open_nonblocking(device).map_err(|e| explain(device, &e))?;
    let level = dev.level().map_err(|e| explain(device, &e))?;
    let name = format::short_name(device);
    println!(
        "{}",
        if json {
            format::level_json(name, level)
        } else {
            format::level_text(name, level)
        }
    );
    Ok(())
}

fn config(
    device: &str,
    edges: Option<u32>,
    debounce_us: Option<u32>,
    interval_us: Option<u32>,
    json: bool,
) -> Result<(), String> {
    let dev = Device::open_nonblocking(device).map_err(|e| explain(device, &e))?;
    let mut c = dev.config().map_err(|e| explain(device, &e))?;
    if edges.is_some() || debounce_us.is_some() || interval_us.is_some() {
        c.edges = edges.unwrap_or(c.edges);
        c.debounce_us = debounce_us.unwrap_or(c.debounce_us);
        c.poll_interval_us = interval_us.unwrap_or(c.poll_interval_us);
        dev.set_config(&c).map_err(|e| explain(device, &e))?;
        c = dev.config().map_err(|e| explain(device, &e))?;
    }
    let info = dev.info().map_err(|e| explain(device, &e))?;
    let name = format::short_name(device);
    println!(
        "{}",
        if json {
            format::config_json(name, &info, &c)
        } else {
            format::config_text(name, &info, &c)
        }
    );
    Ok(())
}

fn set_period(device: &str, period_us: u32) -> Result<(), String> {
    let dev = Device::open_nonblocking(device).map_err(|e| explain(device, &e))?;
    dev.set_period_us(period_us)
        .map_err(|e| explain(device, &e))?;
    println!(
        "{}: period {}s",
        format::short_name(device),
        format::secs(u64::from(period_us) * 1000)
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match cli::parse(&args) {
        Ok(Command::Help(text)) | Ok(Command::Completions(text)) => {
            print!("{text}");
            Ok(())
        }
        Ok(Command::List { json }) => list(json),
        Ok(Command::Watch { devices, options }) => watch(&devices, &options),
        Ok(Command::Config {
            device,
            edges,
            debounce_us,
            interval_us,
            json,
        }) => config(&device, edges, debounce_us, interval_us, json),
        Ok(Command::Stats { device, json }) => stats(&device, json),
        Ok(Command::Level { device, json }) => level(&device, json),
        Ok(Command::SetPeriod { device, period_us }) => set_period(&device, period_us),
        Err(usage) => {
            // clap's message: "error: ...", then the usage.
            eprint!("{usage}");
            if !usage.ends_with('\n') {
                eprintln!();
            }
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("rpoll: {msg}");
            ExitCode::FAILURE
        }
    }
}
