//! rpoll-bench: the guest half of the rpoll benchmark (bench/README.md).
//!
//! `rpoll-bench all [--quick]` measures rpoll (`/dev/rpoll-bench`), the C
//! reference driver (`/dev/cref`) and timerfd in one boot (`--parts timer`
//! or `--parts gpio` runs one half; `--gpio` names the board's controller
//! and lines, `--hz` the kernel's tick rate; bench/run passes them):
//!
//! 1. wake-up latency at a moderate rate, one reader;
//! 2. the highest rate each sustains with zero loss (one-record reads; rpoll
//!    also with reads of 64 records);
//! 3. guest CPU time per 1000 events at a fixed rate;
//! 4. latency and CPU per event with 1, 8 and 64 readers;
//! 5. the GPIO path: rpoll's GPIO device against gpio-cdev and gpio-keys +
//!    evdev, edges driven from the host (latency, CPU per edge, loss at the
//!    highest edge rates);
//! 6. lines off the on-chip controller (`--parts lines`, virt): latency of
//!    a line on a controller whose reads sleep, idle CPU of sampled lines;
//! 7. sampling at rate (`--parts sampling`, virt): rpoll with a wake-up
//!    watermark against IIO's buffered capture and timerfd, CPU per sample.
//!
//! Progress goes to stderr; the results go to stdout as one JSON document cut
//! into lines `@@BENCH <index> <text>` and closed by `@@BENCH-END <count>`,
//! which bench/run reassembles from the serial log.
//!
//! For development: `rpoll-bench window MECH READERS PERIOD_US SECS [BATCH]`
//! runs one window and prints its summary, `rpoll-bench throughput MECH
//! [BATCH]` one throughput search, `rpoll-bench micro` the per-call costs.
//! `rpoll-bench walk STEP` makes one blocking call for `make trace`
//! (walk.rs).

mod evdev;
mod gpio;
mod json;
mod lines;
mod measure;
mod micro;
mod sampling;
mod soak;
mod source;
mod stats;
mod walk;
use rpoll_sys as sys;

use std::io::{self, Write};
use std::process::ExitCode;

use gpio::GpioMech;
use json::{obj, Value, With};
use measure::{Outcome, Spec};
use source::Mech;
use stats::{CpuStat, CpuUse, Summary};

/// Periods (microseconds) tried when searching for the highest sustained
/// rate, slowest first: 1 kHz to 100 kHz in steps of about 1.25x.
const LADDER_US: [u32; 21] = [
    1000, 800, 640, 500, 400, 320, 250, 200, 160, 125, 100, 80, 64, 50, 40, 32, 25, 20, 16, 12, 10,
];

/// Durations and rates of one run.
#[derive(Clone, Copy, Debug)]
struct Cfg {
    quick: bool,
    /// The kernel's tick rate (`--hz`, its `CONFIG_HZ`; 250 on the arm64
    /// kernels): `/proc/stat` busy time is a sum of tick samples, reported
    /// in 10 ms units. The CPU test's periods are chosen for 4 ms ticks;
    /// with longer ones the same windows hold fewer samples.
    kernel_hz: u32,
    baseline_s: f64,
    warmup_s: f64,
    /// Latency test: period (not a divisor of the 4 ms tick, so events do
    /// not sit at a fixed phase of it) and length (>= 10 000 samples).
    lat_period_us: u32,
    lat_s: f64,
    /// CPU test: period and length. `/proc/stat` charges each 4 ms tick
    /// to what the CPU is doing; with 4000 us = 20 x 199 us + 20 us the
    /// ticks step through the event cycle 20 us at a time (1 us after 199
    /// ticks), and the window holds a whole number of those 199-tick sweeps
    /// (0.796 s), so every phase of the cycle is sampled equally; 26
    /// sweeps give ~500 busy samples per mechanism (about +-4.5 %).
    cpu_period_us: u32,
    cpu_s: f64,
    /// Scaling test: period and length per reader count. 64 readers at
    /// ~250 Hz keep the guest below saturation; 4000 = 3993 + 7, so the
    /// ticks step 7 us through the cycle and a sweep takes 570.4 ticks
    /// (2.2816 s), of which the window holds a whole number.
    scale_period_us: u32,
    scale_s: f64,
    /// Throughput: length of a search step and of the confirming run.
    tp_step_s: f64,
    tp_confirm_s: f64,
    /// GPIO path: edges per train; host-side gaps between edges, one train
    /// per gap and mechanism (the first, widest, gives the latency table).
    gpio_edges: u64,
    gpio_gaps_us: [u32; 4],
    /// Trains per mechanism at the widest gap, idle and soaked: the edges
    /// come at the host's pace, so these figures vary from run to run and
    /// are reported as the median run with the range.
    gpio_repeats: u32,
    /// Soakers' idle rate: measured this long before and after the trains.
    soak_calibrate_s: f64,
}

impl Cfg {
    fn new(quick: bool, hz: u32) -> Self {
        let pick = |full: f64, short: f64| if quick { short } else { full };
        Self {
            quick,
            kernel_hz: hz.max(1),
            baseline_s: pick(3.0, 1.0),
            warmup_s: 0.3,
            lat_period_us: 997,
            lat_s: pick(10.5, 2.0),
            cpu_period_us: 199,
            cpu_s: pick(26.0, 3.0) * 0.796,
            scale_period_us: 3993,
            scale_s: pick(4.0, 1.0) * 2.2816,
            tp_step_s: pick(1.0, 0.3),
            tp_confirm_s: pick(10.0, 1.0),
            gpio_edges: if quick { 400 } else { 4000 },
            gpio_gaps_us: [1000, 100, 20, 0],
            gpio_repeats: if quick { 1 } else { 3 },
            soak_calibrate_s: pick(2.0, 0.5),
        }
    }

    fn to_json(self) -> Value {
        obj()
            .with("quick", self.quick)
            .with("kernel_hz", self.kernel_hz)
            .with("baseline_s", self.baseline_s)
            .with("warmup_s", self.warmup_s)
            .with("latency_period_us", self.lat_period_us)
            .with("latency_s", self.lat_s)
            .with("cpu_period_us", self.cpu_period_us)
            .with("cpu_s", self.cpu_s)
            .with("scaling_period_us", self.scale_period_us)
            .with("scaling_s", self.scale_s)
            .with("throughput_step_s", self.tp_step_s)
            .with("throughput_confirm_s", self.tp_confirm_s)
            .with("throughput_ladder_us", LADDER_US.to_vec())
            .with("gpio_edges", self.gpio_edges)
            .with("gpio_gaps_us", self.gpio_gaps_us.to_vec())
            .with("gpio_repeats", self.gpio_repeats)
            .with("soak_calibrate_s", self.soak_calibrate_s)
    }
}

fn secs_ns(s: f64) -> u64 {
    (s * 1e9) as u64
}

/// Idle CPU use of the guest per second, measured with nothing running.
#[derive(Clone, Copy, Debug, Default)]
struct Baseline {
    work_ms_per_s: f64,
}

fn measure_baseline(secs: f64) -> (Baseline, Value) {
    let s0 = CpuStat::read();
    let t0 = sys::monotonic_ns();
    sys::sleep_until(t0 + secs_ns(secs));
    let s1 = CpuStat::read();
    let t1 = sys::monotonic_ns();
    let cpu = CpuUse::from_delta(&s1.since(&s0), t1 - t0, sys::clk_tck());
    let b = Baseline {
        work_ms_per_s: cpu.work_ms / (cpu.wall_ms / 1000.0),
    };
    let j = cpu.to_json().with("work_ms_per_s", b.work_ms_per_s);
    (b, j)
}

/// CPU cost of a window, net of the idle baseline, per 1000 events
/// produced and per 1000 records delivered (= microseconds per event), on
/// a kernel ticking `kernel_hz` times a second.
fn cpu_json(o: &Outcome, base: Baseline, kernel_hz: u32) -> Value {
    let secs = o.cpu.wall_ms / 1000.0;
    let work = o.cpu.work_ms - base.work_ms_per_s * secs;
    let per = |ms: f64, n: u64| {
        if n == 0 {
            Value::Null
        } else {
            Value::from(ms * 1000.0 / n as f64)
        }
    };
    o.cpu
        .to_json()
        .with("net_work_ms", work)
        .with(
            "tick_samples",
            (o.cpu.work_ms * f64::from(kernel_hz) / 1000.0).round(),
        )
        .with("work_ms_per_1000_events", per(work, o.produced))
        .with("work_ms_per_1000_deliveries", per(work, o.delivered))
}

fn counts_json(o: &Outcome) -> Value {
    obj()
        .with("produced", o.produced)
        .with("delivered", o.delivered)
        .with("missed", o.missed)
        .with("overruns", o.overruns)
        .with("window_s", o.window_ns as f64 / 1e9)
}

fn summary_json(v: &mut [u64]) -> Value {
    Summary::of(v).map_or(Value::Null, Summary::to_json)
}

/// Latency and CPU of one window with `readers` readers.
fn latency_window(
    cfg: &Cfg,
    base: Baseline,
    mech: Mech,
    readers: usize,
    period_us: u32,
    secs: f64,
) -> io::Result<Value> {
    let spec = Spec {
        mech,
        readers,
        period_us,
        batch: 1,
        warmup_ns: secs_ns(cfg.warmup_s),
        window_ns: secs_ns(secs),
        keep_latency: true,
        pin: false,
    };
    let mut o = measure::run(&spec)?;
    // Reader 0's stamps against the ideal timer grid: for rpoll this
    // estimates the latency from the timer's expiry rather than from the
    // callback's timestamp (see bench/README.md).
    let offsets = stats::grid_offsets(&o.stamps0, u64::from(period_us) * 1000);
    let (mut from_grid, mut offsets) = match offsets {
        Some(off) => (
            o.latency0_ns.iter().zip(&off).map(|(l, d)| l + d).collect(),
            off,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let hist = stats::histogram(&o.latency_ns);
    let lat = summary_json(&mut o.latency_ns);
    let j = obj()
        .with("mech", mech.name())
        .with("readers", readers)
        .with("period_us", period_us)
        .with("latency", lat)
        .with("latency_from_grid", summary_json(&mut from_grid))
        .with("stamp_offset_from_grid", summary_json(&mut offsets))
        .with("histogram", hist)
        .with("counts", counts_json(&o))
        .with("cpu", cpu_json(&o, base, cfg.kernel_hz));
    Ok(j)
}

fn brief(j: &Value, key: &str) -> String {
    let Some(l) = j.get(key).and_then(Value::as_object) else {
        return String::from("-");
    };
    l.iter()
        .filter(|(k, _)| k.ends_with("_us") || *k == "n")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One step of the throughput search: one reader at `period_us` for `secs`.
fn throughput_trial(
    cfg: &Cfg,
    mech: Mech,
    batch: usize,
    period_us: u32,
    secs: f64,
) -> io::Result<(bool, Value)> {
    let spec = Spec {
        mech,
        readers: 1,
        period_us,
        batch,
        warmup_ns: secs_ns(cfg.warmup_s),
        window_ns: secs_ns(secs),
        keep_latency: false,
        pin: true,
    };
    let o = measure::run(&spec)?;
    let expected = spec.window_ns / (u64::from(period_us) * 1000);
    // Zero loss, and the source really ran at that rate.
    let ok = o.missed == 0 && o.produced * 100 >= expected * 98;
    // A search takes many trials; one line each keeps the console from
    // looking stalled (bench/run's watchdog) without ending a phase.
    eprintln!(
        "bench-progress: throughput {} batch {batch} at {period_us} us: {}",
        mech.name(),
        if ok { "ok" } else { "loss" }
    );
    let j = counts_json(&o)
        .with("period_us", period_us)
        .with("rate_hz", 1e6 / f64::from(period_us))
        .with("expected", expected)
        .with("ok", ok);
    Ok((ok, j))
}

/// The highest rate of the ladder sustained with zero loss: short steps up
/// the ladder until one fails, then a full-length run at the best passing
/// rate, stepping down until one passes.
fn throughput(cfg: &Cfg, mech: Mech, batch: usize) -> io::Result<Value> {
    let name = if batch > 1 {
        format!("{}-batch{batch}", mech.name())
    } else {
        mech.name().to_string()
    };
    let mut trials = Vec::new();
    let mut best: Option<usize> = None;
    let mut first_fail = None;
    for (i, &p) in LADDER_US.iter().enumerate() {
        let (mut ok, j) = throughput_trial(cfg, mech, batch, p, cfg.tp_step_s)?;
        trials.push(j.with("phase", "search"));
        if !ok {
            // One retry: a single late timer on a shared host is not the
            // mechanism's limit.
            let (again, j) = throughput_trial(cfg, mech, batch, p, cfg.tp_step_s)?;
            trials.push(j.with("phase", "search-retry"));
            ok = again;
        }
        if !ok {
            first_fail = Some(p);
            break;
        }
        best = Some(i);
    }
    let mut confirmed = None;
    let mut idx = best;
    // Down the ladder until a confirming run passes.
    while let Some(i) = idx {
        let p = LADDER_US[i];
        let (ok, j) = throughput_trial(cfg, mech, batch, p, cfg.tp_confirm_s)?;
        trials.push(j.with("phase", "confirm"));
        if ok {
            confirmed = Some(p);
            break;
        }
        idx = i.checked_sub(1);
    }
    eprintln!(
        "bench: throughput {name}: {} (first failing step: {})",
        confirmed.map_or("none".into(), |p| format!("{:.0} Hz", 1e6 / f64::from(p))),
        first_fail.map_or("none".into(), |p| format!("{:.0} Hz", 1e6 / f64::from(p)))
    );
    Ok(obj()
        .with("variant", name)
        .with("mech", mech.name())
        .with("batch", batch)
        .with("max_rate_hz", confirmed.map(|p| 1e6 / f64::from(p)))
        .with("max_rate_period_us", confirmed)
        .with("first_failing_period_us", first_fail)
        .with("ladder_top_reached", first_fail.is_none())
        .with("trials", Value::Array(trials)))
}

/// One GPIO train as JSON: counts, guest-time edge rate, latency, CPU.
fn gpio_train_json(mech: GpioMech, gap_us: u32, repeat: u32, t: &mut gpio::Train) -> Value {
    let span = t.last_ns.saturating_sub(t.first_ns);
    let rate = if span > 0 && t.delivered > 1 {
        Value::from((t.produced - 1) as f64 * 1e9 / span as f64)
    } else {
        Value::Null
    };
    let per = |n: u64| match t.cpu_ms {
        Some(ms) if n > 0 => Value::from(ms * 1000.0 / n as f64),
        _ => Value::Null,
    };
    obj()
        .with("mech", mech.name())
        .with("gap_us", gap_us)
        .with("repeat", repeat)
        .with("soaked", t.cpu_ms.is_some())
        .with("edges", t.edges)
        .with("produced", t.produced)
        .with("delivered", t.delivered)
        .with("lost", t.lost)
        .with("span_s", span as f64 / 1e9)
        .with("rate_hz", rate)
        .with("latency", summary_json(&mut t.latency_ns))
        .with("latency_reference_line", t.reference_line)
        .with(
            "latency_own_stamp",
            if t.reference_line.is_some() {
                summary_json(&mut t.own_latency_ns)
            } else {
                Value::Null
            },
        )
        .with("unpaired", t.unpaired)
        .with("cpu_ms", t.cpu_ms)
        .with("interrupts", t.interrupts)
        .with("cpu_us_per_event", per(t.produced))
        .with("cpu_us_per_interrupt", per(t.interrupts))
}

/// The GPIO path: latency trains with idle CPUs (edges `gpio_gaps_us[0]`
/// apart, `gpio_repeats` each), then a train per gap (the widest repeated)
/// with only CPU 0 online and a soaker on it (CPU time per event; the CPU
/// never idles, so guest time follows the host's pacing and the edge rate
/// in guest time means something), rpoll, gpio-cdev and evdev in turn.
fn gpio_all(cfg: &Cfg, setup: &gpio::GpioSetup) -> io::Result<Value> {
    let mut trains = Vec::new();
    let mut run = |mech: GpioMech,
                   gap: u32,
                   repeat: u32,
                   soaking: Option<&gpio::Soaking>|
     -> io::Result<()> {
        let mut t = gpio::run_train(setup, mech, cfg.gpio_edges, gap, soaking)?;
        let j = gpio_train_json(mech, gap, repeat, &mut t);
        eprintln!(
            "bench: gpio {} gap {gap} us run {repeat}{}: edges {} interrupts {} produced {} delivered {} lost {} rate {} cpu/interrupt {} latency {}",
            mech.name(),
            if soaking.is_some() { " (soaked)" } else { "" },
            t.edges,
            t.interrupts,
            t.produced,
            t.delivered,
            t.lost,
            j["rate_hz"],
            j["cpu_us_per_interrupt"],
            brief(&j, "latency")
        );
        trains.push(j);
        Ok(())
    };
    // Repeats interleaved (rpoll, gpio-cdev, evdev, rpoll, ...), so a
    // change in the host's pace during the phase falls on all three.
    for repeat in 0..cfg.gpio_repeats {
        for mech in GpioMech::ALL {
            run(mech, cfg.gpio_gaps_us[0], repeat, None)?;
        }
    }
    // Only CPU 0 stays online, so the interrupt, gpio-cdev's IRQ thread,
    // gpio-keys' worker (which no affinity call can move) and the reader
    // all run beside the one soaker that measures them.
    let others: Vec<usize> = (1..sys::online_cpus() as usize).collect();
    for &cpu in &others {
        sys::set_cpu_online(cpu, false)?;
    }
    let soaked = (|| {
        let soak = soak::Soak::start(&[0])?;
        let rate = soak::calibrate(&soak, cfg.soak_calibrate_s);
        let soaking = gpio::Soaking {
            soak,
            rate,
            pinned: vec![0],
        };
        for (i, gap) in cfg.gpio_gaps_us.into_iter().enumerate() {
            let repeats = if i == 0 { cfg.gpio_repeats } else { 1 };
            for repeat in 0..repeats {
                for mech in GpioMech::ALL {
                    run(mech, gap, repeat, Some(&soaking))?;
                }
            }
        }
        let rate_after = soak::calibrate(&soaking.soak, cfg.soak_calibrate_s);
        soaking.soak.stop()?;
        io::Result::Ok((rate, rate_after))
    })();
    for &cpu in &others {
        sys::set_cpu_online(cpu, true)?;
    }
    let (rate, rate_after) = soaked?;
    Ok(obj()
        .with("controller", setup.device.as_str())
        .with("rpoll_line", setup.rpoll_line)
        .with("cdev_line", setup.cdev_line)
        .with("evdev_line", setup.keys_line)
        .with("event_buffer", gpio::EVENT_BUFFER)
        .with("soak_rate_per_s", rate)
        .with("soak_rate_per_s_after", rate_after)
        .with("trains", Value::Array(trains)))
}

/// Which parts `all` runs (`--parts timer,gpio`; both by default): the
/// ARMv7 board runs the timer part, the i.MX 8M Plus EVK the GPIO part.
#[derive(Clone, Copy, Debug)]
struct Parts {
    timer: bool,
    gpio: bool,
    lines: bool,
    sampling: bool,
}

impl Parts {
    fn parse(list: &str) -> io::Result<Self> {
        let mut p = Parts {
            timer: false,
            gpio: false,
            lines: false,
            sampling: false,
        };
        for part in list.split(',') {
            match part {
                "timer" => p.timer = true,
                "gpio" => p.gpio = true,
                "lines" => p.lines = true,
                "sampling" => p.sampling = true,
                _ => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("unknown part {part:?} (timer, gpio, lines, sampling)"),
                    ))
                }
            }
        }
        Ok(p)
    }
}

/// The timer measurements that come before the GPIO part (whose soakers
/// take CPUs offline): baseline, per-call costs, latency (also on one
/// CPU) and CPU per event.
fn timer_first(cfg: &Cfg, doc: Value) -> io::Result<(Value, Baseline)> {
    eprintln!("bench: baseline ({} s idle)", cfg.baseline_s);
    let (base, base_j) = measure_baseline(cfg.baseline_s);
    let micro_j = micro::run(if cfg.quick { 2_000 } else { 20_000 })?;
    eprintln!("bench: per-call costs {micro_j}");

    let mut latency = Vec::new();
    for mech in Mech::ALL {
        let j = latency_window(cfg, base, mech, 1, cfg.lat_period_us, cfg.lat_s)?;
        eprintln!("bench: latency {}: {}", mech.name(), brief(&j, "latency"));
        latency.push(j);
    }

    // Diagnostic: the same windows with the benchmark confined to CPU 0, so
    // rpoll's timer (restarted by RPOLL_IOC_SET_PERIOD from CPU 0) and its
    // reader share a CPU, as timerfd's timer always does with its reader
    // (it is re-armed by read()). cref's producer thread stays unpinned.
    let all: Vec<usize> = (0..sys::online_cpus() as usize).collect();
    sys::run_on([0])?;
    let same_cpu: io::Result<Vec<Value>> = Mech::ALL
        .iter()
        .map(|&mech| {
            let j = latency_window(cfg, base, mech, 1, cfg.lat_period_us, cfg.lat_s)?;
            eprintln!(
                "bench: latency on one CPU {}: {}",
                mech.name(),
                brief(&j, "latency")
            );
            Ok(j)
        })
        .collect();
    sys::run_on(all.iter().copied())?;
    let same_cpu = same_cpu?;

    let mut cpu = Vec::new();
    for mech in Mech::ALL {
        let spec = Spec {
            mech,
            readers: 1,
            period_us: cfg.cpu_period_us,
            batch: 1,
            warmup_ns: secs_ns(cfg.warmup_s),
            window_ns: secs_ns(cfg.cpu_s),
            keep_latency: false,
            pin: false,
        };
        let o = measure::run(&spec)?;
        let j = obj()
            .with("mech", mech.name())
            .with("period_us", cfg.cpu_period_us)
            .with("counts", counts_json(&o))
            .with("cpu", cpu_json(&o, base, cfg.kernel_hz));
        eprintln!(
            "bench: cpu {}: {:.0} ms over {} events",
            mech.name(),
            o.cpu.work_ms,
            o.produced
        );
        cpu.push(j);
    }
    let doc = doc
        .with("baseline", base_j)
        .with("syscall_ns", micro_j)
        .with("latency", Value::Array(latency))
        .with("latency_same_cpu", Value::Array(same_cpu))
        .with("cpu", Value::Array(cpu));
    Ok((doc, base))
}

/// The timer measurements after the GPIO part: the throughput searches
/// and the reader scaling.
fn timer_second(cfg: &Cfg, base: Baseline, doc: Value) -> io::Result<Value> {
    let mut throughput_j = Vec::new();
    for (mech, batch) in [
        (Mech::Rpoll, 1),
        (Mech::Rpoll, 64),
        (Mech::Cref, 1),
        (Mech::Timerfd, 1),
    ] {
        throughput_j.push(throughput(cfg, mech, batch)?);
    }

    // One reader at the scaling period is the latency window when the
    // periods agree; it is measured here otherwise.
    let mut scaling = Vec::new();
    if cfg.scale_period_us == cfg.lat_period_us {
        scaling.extend(doc["latency"].as_array().cloned().unwrap_or_default());
    }
    for readers in [1usize, 8, 64] {
        if readers == 1 && cfg.scale_period_us == cfg.lat_period_us {
            continue;
        }
        for mech in Mech::ALL {
            let j = latency_window(cfg, base, mech, readers, cfg.scale_period_us, cfg.scale_s)?;
            eprintln!(
                "bench: scaling {} x{readers}: {}",
                mech.name(),
                brief(&j, "latency")
            );
            scaling.push(j);
        }
    }
    Ok(doc
        .with("throughput", Value::Array(throughput_j))
        .with("scaling", Value::Array(scaling)))
}

/// `all`: the parts asked for, in one document.
fn run_all(cfg: &Cfg, parts: Parts, setup: Option<&gpio::GpioSetup>) -> io::Result<Value> {
    let t_begin = sys::monotonic_ns();
    let mut doc = obj()
        .with("format", 1u64)
        .with("kernel", sys::kernel_release())
        .with("cpus", sys::online_cpus())
        .with("clk_tck", sys::clk_tck())
        .with("histogram_bins_per_decade", stats::BINS_PER_DECADE)
        .with("config", cfg.to_json());
    let mut base = None;
    if parts.timer {
        let (d, b) = timer_first(cfg, doc)?;
        (doc, base) = (d, Some(b));
    }
    if let Some(setup) = setup.filter(|_| parts.gpio) {
        doc = doc.with("gpio", gpio_all(cfg, setup)?);
    }
    if parts.lines {
        let lc = lines::LinesCfg {
            edges: if cfg.quick { 200 } else { 2000 },
            gap_us: 2000,
            cpu_s: if cfg.quick { 1.0 } else { 4.0 },
        };
        doc = doc.with("lines", lines::run(&lc)?);
    }
    if parts.sampling {
        let sc = sampling::SamplingCfg {
            window_s: if cfg.quick { 1.0 } else { 3.0 },
        };
        doc = doc.with("sampling", sampling::run(&sc)?);
    }
    if let Some(base) = base {
        doc = timer_second(cfg, base, doc)?;
    }
    Ok(doc.with(
        "guest_seconds",
        (sys::monotonic_ns() - t_begin) as f64 / 1e9,
    ))
}

/// Prints `doc` as `@@BENCH` lines of at most 160 characters of JSON.
fn emit(doc: &Value) -> io::Result<()> {
    let text = doc.to_string();
    let chars: Vec<char> = text.chars().collect();
    let mut out = io::stdout().lock();
    let mut count = 0;
    for (i, chunk) in chars.chunks(160).enumerate() {
        let s: String = chunk.iter().collect();
        writeln!(out, "@@BENCH {i} {s}")?;
        count = i + 1;
    }
    writeln!(out, "@@BENCH-END {count}")?;
    out.flush()
}

fn window_cmd(args: &[String]) -> io::Result<()> {
    let bad = || io::Error::new(io::ErrorKind::InvalidInput, "bad arguments");
    let mechs: Option<Vec<Mech>> = args
        .first()
        .map(|s| s.split(',').map(Mech::parse).collect())
        .unwrap_or(None);
    for mech in mechs.ok_or_else(bad)? {
        window_one(mech, args)?;
    }
    Ok(())
}

/// One development window of `mech` (arguments as for [`window_cmd`]).
fn window_one(mech: Mech, args: &[String]) -> io::Result<()> {
    let bad = || io::Error::new(io::ErrorKind::InvalidInput, "bad arguments");
    let num = |i: usize| {
        args.get(i)
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or_else(bad)
    };
    let readers = num(1)? as usize;
    let period_us = num(2)? as u32;
    let secs = num(3)?;
    let batch = num(4).unwrap_or(1.0) as usize;
    let spec = Spec {
        mech,
        readers,
        period_us,
        batch,
        warmup_ns: 300_000_000,
        window_ns: secs_ns(secs),
        keep_latency: true,
        pin: false,
    };
    let mut o = measure::run(&spec)?;
    let cpu = o.cpu;
    println!(
        "{} x{readers} {period_us} us: produced {} delivered {} missed {} overruns {} \
         cpu {:.0} ms; latency {}",
        mech.name(),
        o.produced,
        o.delivered,
        o.missed,
        o.overruns,
        cpu.work_ms,
        summary_json(&mut o.latency_ns)
    );
    Ok(())
}

/// The value after `--name` in `args`, if given.
fn opt<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// The run's configuration from the options common to `all` and `gpio`:
/// `--quick`, `--hz N` (the kernel's `CONFIG_HZ`, default 250).
fn cfg_of(args: &[String]) -> io::Result<Cfg> {
    let hz = match opt(args, "--hz") {
        Some(v) => v
            .parse()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, format!("bad --hz {v:?}")))?,
        None => 250,
    };
    Ok(Cfg::new(args.iter().any(|a| a == "--quick"), hz))
}

/// The GPIO set-up of `--gpio SPEC` (default: the virt board's).
fn setup_of(args: &[String]) -> io::Result<gpio::GpioSetup> {
    gpio::GpioSetup::parse(opt(args, "--gpio").unwrap_or(gpio::GpioSetup::VIRT))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("all") => (|| {
            let cfg = cfg_of(&args)?;
            let parts = Parts::parse(opt(&args, "--parts").unwrap_or("timer,gpio"))?;
            let setup = if parts.gpio {
                Some(setup_of(&args)?)
            } else {
                None
            };
            emit(&run_all(&cfg, parts, setup.as_ref())?)
        })(),
        Some("window") => window_cmd(&args[1..]),
        Some("micro") => micro::run(20_000).map(|j| println!("{j}")),
        Some("walk") if args.len() == 2 => walk::run(&args[1]),
        Some("gpio") => (|| {
            let j = gpio_all(&cfg_of(&args)?, &setup_of(&args)?)?;
            println!("{j}");
            Ok(())
        })(),
        Some("throughput") => {
            let mech = args.get(1).and_then(|s| Mech::parse(s));
            let batch = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
            match mech {
                Some(m) => throughput(&Cfg::new(false, 250), m, batch).map(|j| println!("{j}")),
                None => Err(io::Error::new(io::ErrorKind::InvalidInput, "bad mechanism")),
            }
        }
        _ => {
            eprintln!(
                "usage: rpoll-bench all [--quick] [--hz N] [--parts timer,gpio,lines] [--gpio DEV:RPOLL:CDEV:DONE:KEYS]\n       \
                 rpoll-bench window MECH[,MECH...] READERS PERIOD_US SECS [BATCH]\n       \
                 rpoll-bench throughput rpoll|cref|timerfd [BATCH]\n       \
                 rpoll-bench micro\n       \
                 rpoll-bench walk STEP\n       \
                 rpoll-bench gpio [--quick] [--gpio DEV:RPOLL:CDEV:DONE:KEYS]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rpoll-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
