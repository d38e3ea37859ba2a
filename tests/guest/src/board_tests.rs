//! Guest tests for an emulated real board (today the i.MX 8M Plus EVK): the
//! board's own overlay (`board/<board>/rpoll.dtso`, a 1 s `tick` and a GPIO
//! `button`) on the kernel tree's device tree, behind the SoC's real GPIO
//! driver, with the button driven from the host (`scripts/board-io agent`).
//!
//! Usage: `rpoll-board-tests CHIP LINE DEBOUNCE_MS [bankN=CHIP:LINE]...`,
//! e.g. `rpoll-board-tests 30240000.gpio 13 5` for GPIO5_IO13 of the EVK:
//! the button is active-low (pulled up, a press pulls it low). Each
//! `bankN=CHIP:LINE` is a device `bankN` of the test overlay
//! (`scripts/banks-dtso`, one per GPIO block) on line LINE of CHIP: one test
//! presses it. `level=bankN:CHIP:LINE` is the overlay's level-high
//! `rpoll,event-irq` device `level` on line LINE of that block: one test
//! holds it asserted. `expander=PIN` is the overlay's `expander` device,
//! which samples pin PIN of an I2C GPIO expander with no interrupt (a
//! PCA9552): one test presses it. Prints `guest plan N`, one result line
//! per test, `guest: N passed, N failed`.

use std::time::Duration;

use rpoll::Device;
use rpoll_guest_tests::check;
use rpoll_guest_tests::dev::*;
use rpoll_guest_tests::level::{self, LevelLine};
use rpoll_uapi::{Edge, RpollEvent, RPOLL_GPIO_ACTIVE_LOW, RPOLL_SOURCE_GPIO};

/// Where the button is.
struct Board {
    chip: String,
    line: u32,
    debounce_ms: u64,
}

const WAIT_MS: i32 = 10_000;

impl Board {
    /// Sets the button line to a physical level and waits until gpiolib
    /// shows it and the debounce window has passed.
    fn set(&self, high: bool) -> TestResult {
        gpio_drive(&format!("{}={}", self.line, u8::from(high)));
        wait_chip_level(&self.chip, self.line, high, WAIT_MS as u64)?;
        sleep_ms(self.debounce_ms * 4 + 20);
        Ok(())
    }

    fn consumer(&self) -> Result<String, String> {
        gpio_chip_consumer(&self.chip, self.line)
    }
}

/// A device of the test overlay on one GPIO block (`bankN=CHIP:LINE`).
struct Bank {
    name: String,
    chip: String,
    line: u32,
}

impl Bank {
    /// Sets the bank's line to a physical level and waits until gpiolib
    /// shows it and its 5 ms debounce window has passed (as `Board::set`).
    fn set(&self, high: bool) -> TestResult {
        gpio_drive(&format!("{}:{}={}", self.name, self.line, u8::from(high)));
        wait_chip_level(&self.chip, self.line, high, WAIT_MS as u64)?;
        sleep_ms(5 * 4 + 20);
        Ok(())
    }

    fn parse(arg: &str) -> Option<Bank> {
        let (name, rest) = arg.split_once('=')?;
        let (chip, line) = rest.split_once(':')?;
        name.strip_prefix("bank")?.parse::<u32>().ok()?;
        Some(Bank {
            name: name.to_string(),
            chip: chip.to_string(),
            line: line.parse().ok()?,
        })
    }
}

/// (edge, level) of a press and its release on the active-low button.
const PRESS_RELEASE: [(Option<Edge>, Option<bool>); 2] = [
    (Some(Edge::Rising), Some(true)),
    (Some(Edge::Falling), Some(false)),
];

fn edges(recs: &[RpollEvent]) -> Vec<(Option<Edge>, Option<bool>)> {
    recs.iter().map(|r| (r.edge(), r.level())).collect()
}

/// Both devices probed on the board's tree: the timer, and the button on
/// its GPIO line (active-low), held under rpoll's name.
fn probe_lines(b: &Board) -> TestResult {
    let log = dmesg();
    check!(
        log.contains("rpoll tick: /dev/rpoll-tick ready (timer, period 1000000 us"),
        "no tick probe line in dmesg"
    );
    let want = format!(
        "rpoll button: /dev/rpoll-button ready (gpio line {} active-low",
        b.line
    );
    check!(log.contains(&want), "missing in dmesg: {want}");
    check!(
        b.consumer()? == "rpoll-button",
        "line {} of {} held by '{}'",
        b.line,
        b.chip,
        b.consumer()?
    );
    let d = Device::open_nonblocking("button").map_err(|e| e.to_string())?;
    let i = d.info().map_err(|e| format!("INFO: {e}"))?;
    check!(
        i.source == RPOLL_SOURCE_GPIO
            && i.gpio_line == (b.line | RPOLL_GPIO_ACTIVE_LOW)
            && i.trigger == 3,
        "button INFO {i:?}"
    );
    Ok(())
}

/// The tick fires once a second: consecutive seq, timestamps and jiffies
/// one period apart (within a fifth, for an emulated board under load).
fn ticks_at_one_hertz() -> TestResult {
    let fd = open("tick")?;
    let mut recs = Vec::new();
    let mut woke = Vec::new();
    for _ in 0..3 {
        recs.push(read_one(&fd)?);
        woke.push(rpoll_sys::monotonic_ns());
    }
    check_sequence(recs[0].seq - 1, &recs)?;
    let hz = kernel_hz().ok_or("no CONFIG_HZ in /etc/kernel.config")? as f64;
    let ticks = |from: u64, to: u64| (to as f64 - from as f64) * hz / 1e9;
    for i in 0..2 {
        // Stamps are expiries, on the 1 s grid (a late callback skips whole
        // periods, never shifts it).
        let dt = recs[i + 1].timestamp_ns - recs[i].timestamp_ns;
        check!(
            dt > 0 && dt.is_multiple_of(1_000_000_000),
            "ticks {dt} ns apart: off the 1 s grid"
        );
        // Each record's jiffies were read between its expiry and its
        // reader's wake-up: the delta lies within those bounds (one tick of
        // slack at each end), whatever a loaded host delays (the timer
        // tests' bound, not a fixed tolerance).
        let dj = (recs[i + 1].jiffies - recs[i].jiffies) as f64;
        let lo = ticks(woke[i], recs[i + 1].timestamp_ns) - 2.0;
        let hi = ticks(recs[i].timestamp_ns, woke[i + 1]) + 2.0;
        check!(
            (lo..=hi).contains(&dj),
            "jiffies advanced by {dj} between ticks, want {lo:.1} to {hi:.1} from the expiries and wake-ups (HZ={hz})"
        );
    }
    Ok(())
}

fn presses_exact_counts(b: &Board) -> TestResult {
    b.set(true)?;
    let d = Device::open_nonblocking("button").map_err(|e| e.to_string())?;
    // Each level is confirmed by the guest (and held past the debounce
    // window) before the host makes the next: a vCPU the host stalls
    // cannot see a press and its release latched together.
    for _ in 0..3 {
        b.set(false)?;
        b.set(true)?;
    }
    let recs = collect(d.owned_fd(), 6, WAIT_MS)?;
    let want = PRESS_RELEASE.repeat(3);
    check!(edges(&recs) == want, "records {:?}", edges(&recs));
    check_sequence(recs[0].seq - 1, &recs)?;
    let extra = collect(d.owned_fd(), 1, 300)?;
    check!(extra.is_empty(), "extra records {extra:?}");
    Ok(())
}

/// A press that bounces (five edges 1 ms apart, each within the debounce
/// window of the previous) and a release that bounces (three) give one
/// record each; the interrupts merged are counted. The 1 ms gaps are host
/// time: they let each edge reach the CPU separately unless the guest is
/// slow, and then the controller latches edges together and nothing is left
/// to merge, which proves nothing about debouncing. So a burst that merged
/// nothing is tried again (up to four bursts); every burst must give
/// exactly the press and the release.
fn bounce_burst_merged(b: &Board) -> TestResult {
    const BURSTS: usize = 4;
    for burst in 1..=BURSTS {
        let merged = bounce_burst(b)?;
        if merged > 0 {
            println!(
                "guest note: bounce bursts: 8 edges, 2 records, {merged} interrupts merged \
                 (burst {burst} of at most {BURSTS})"
            );
            return Ok(());
        }
    }
    Err(format!(
        "{BURSTS} bursts of 8 edges 1 ms apart: the controller latched every burst whole \
         (0 interrupts merged each time); debouncing not exercised"
    ))
}

/// One bouncy press and release: checks the two records and returns how
/// many interrupts the debouncer merged.
fn bounce_burst(b: &Board) -> Result<u64, String> {
    b.set(true)?;
    let d = Device::open_nonblocking("button").map_err(|e| e.to_string())?;
    let before = d.stats().map_err(|e| e.to_string())?.debounced;
    let l = b.line;
    gpio_drive(&format!(
        "{l}=0 sleep=1 {l}=1 sleep=1 {l}=0 sleep=1 {l}=1 sleep=1 {l}=0"
    ));
    let down = collect(d.owned_fd(), 1, WAIT_MS)?;
    sleep_ms(b.debounce_ms * 4 + 20);
    gpio_drive(&format!("{l}=1 sleep=1 {l}=0 sleep=1 {l}=1"));
    let up = collect(d.owned_fd(), 1, WAIT_MS)?;
    sleep_ms(b.debounce_ms * 4 + 50);
    let extra = d.read_available(16).map_err(|e| e.to_string())?;
    let all = [down, up, extra].concat();
    check!(
        edges(&all) == PRESS_RELEASE,
        "bouncy press and release gave {:?}",
        edges(&all)
    );
    let merged = d.stats().map_err(|e| e.to_string())?.debounced - before;
    check!(
        merged <= 6,
        "{merged} interrupts merged of 8 edges, 2 reported (at most 6)"
    );
    Ok(merged)
}

/// Unbind frees the pin, bind takes it again and the button works.
fn unbind_rebind_frees_pin(b: &Board) -> TestResult {
    unbind("button")?;
    let held = b.consumer()?;
    bind("button")?;
    check!(held.is_empty(), "pin held by '{held}' after unbind");
    check!(b.consumer()? == "rpoll-button", "pin not held after bind");
    presses_after(b)
}

/// rmmod frees the pin and removes the devices; insmod brings them back.
fn rmmod_insmod_frees_pin(b: &Board) -> TestResult {
    let run = |cmd: &str, arg: &str| {
        std::process::Command::new(cmd)
            .arg(arg)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    check!(run("rmmod", "rpoll"), "rmmod failed");
    let held = b.consumer()?;
    let node = std::path::Path::new("/dev/rpoll-button").exists();
    check!(run("insmod", "/lib/modules/rpoll.ko"), "insmod failed");
    check!(held.is_empty(), "pin held by '{held}' after rmmod");
    check!(!node, "/dev/rpoll-button after rmmod");
    std::thread::sleep(Duration::from_millis(100));
    check!(b.consumer()? == "rpoll-button", "pin not held after insmod");
    presses_after(b)
}

/// One press and release on a freshly bound button.
fn presses_after(b: &Board) -> TestResult {
    b.set(true)?;
    let d = Device::open_nonblocking("button").map_err(|e| e.to_string())?;
    // Press, confirmed by the guest, then release (see presses_exact_counts).
    b.set(false)?;
    b.set(true)?;
    let recs = collect(d.owned_fd(), 2, WAIT_MS)?;
    check!(
        edges(&recs) == PRESS_RELEASE,
        "after rebind: {:?}",
        edges(&recs)
    );
    Ok(())
}

/// A press and release on the device of one GPIO block: exactly the two
/// records, the interrupt counted. On failure the message carries the
/// interrupt's count from `/proc/interrupts`, which tells "never fired"
/// (controller or wiring) from "fired, no record" (rpoll).
fn bank_press_release(bank: &Bank) -> TestResult {
    let (name, chip, l) = (&bank.name, &bank.chip, bank.line);
    let d = Device::open_nonblocking(name).map_err(|e| format!("{name}: {e}"))?;
    let i = d.info().map_err(|e| format!("INFO: {e}"))?;
    check!(
        i.source == RPOLL_SOURCE_GPIO && i.gpio_line == (l | RPOLL_GPIO_ACTIVE_LOW),
        "{name} INFO {i:?}"
    );
    check!(
        gpio_chip_consumer(chip, l)? == format!("rpoll-{name}"),
        "line {l} of {chip} not held by rpoll-{name}"
    );
    // QEMU's inputs start low: pressed, for an active-low line. Release it
    // first, let the debounce window pass and drop what that reported.
    bank.set(true)?;
    d.read_available(16).map_err(|e| e.to_string())?;
    let irqs_before = irq_count(u64::from(i.irq));
    // Press, confirmed by the guest past the 5 ms window, then release.
    bank.set(false)?;
    bank.set(true)?;
    let recs = collect(d.owned_fd(), 2, WAIT_MS)?;
    check!(
        edges(&recs) == PRESS_RELEASE,
        "{chip} line {l}: records {:?}; interrupt {} fired {:?} times (before {:?})",
        edges(&recs),
        i.irq,
        irq_count(u64::from(i.irq)),
        irqs_before
    );
    // The press and the release were interrupts of this line (two edges:
    // at least two), and nothing follows them once the window has passed.
    let irqs_after = irq_count(u64::from(i.irq));
    check!(
        matches!((irqs_before, irqs_after), (Some(b), Some(a)) if a >= b + 2),
        "{chip} line {l}: interrupt {} counted {irqs_before:?} before, {irqs_after:?} after two edges",
        i.irq
    );
    sleep_ms(5 * 4 + 100);
    let extra = d.read_available(16).map_err(|e| e.to_string())?;
    check!(
        extra.is_empty(),
        "{chip} line {l}: records after the release: {:?}",
        edges(&extra)
    );
    Ok(())
}

/// The expander's chip in `/sys/kernel/debug/gpio` (leds-pca955x's label).
const EXPANDER_CHIP: &str = "gpio-pca955x";

/// Sets expander pin `pin` to a physical level and waits until gpiolib
/// reads it back (an I2C read), then for three samples past the 20 ms
/// debounce window.
fn expander_set(pin: u32, high: bool) -> TestResult {
    gpio_drive(&format!("expander:{pin}={}", u8::from(high)));
    wait_chip_level(EXPANDER_CHIP, pin, high, WAIT_MS as u64)?;
    sleep_ms(20 + 3 * 10);
    Ok(())
}

/// A button on a pin of an I2C expander with no interrupt (QEMU's PCA9552,
/// whose pins Linux's leds-pca955x offers as a sleeping GPIO chip), sampled
/// every 10 ms: the press and the release are one record each, no
/// interrupt is involved, and nothing follows.
fn expander_polled_press_release(pin: u32) -> TestResult {
    let d = Device::open_nonblocking("expander").map_err(|e| format!("expander: {e}"))?;
    let i = d.info().map_err(|e| format!("INFO: {e}"))?;
    check!(
        i.source == RPOLL_SOURCE_GPIO
            && i.irq == 0
            && i.period_us == 10_000
            && i.gpio_line == (pin | RPOLL_GPIO_ACTIVE_LOW),
        "expander INFO {i:?}"
    );
    check!(
        gpio_chip_consumer(EXPANDER_CHIP, pin)? == "rpoll-expander",
        "pin {pin} of the expander not held by rpoll-expander"
    );
    let st = debug_state("expander")?;
    check!(
        st.text("mode") == "polled",
        "expander mode '{}'",
        st.text("mode")
    );
    // Released (pulled up) first; what that reported is dropped.
    expander_set(pin, true)?;
    d.read_available(16).map_err(|e| e.to_string())?;
    expander_set(pin, false)?;
    check!(
        d.level().map_err(|e| e.to_string())?,
        "GET_LEVEL 0 while pressed"
    );
    expander_set(pin, true)?;
    let recs = collect(d.owned_fd(), 2, WAIT_MS)?;
    check!(
        edges(&recs) == PRESS_RELEASE,
        "expander pin {pin}: records {:?}",
        edges(&recs)
    );
    check!(
        recs[1].timestamp_ns > recs[0].timestamp_ns,
        "release stamped before the press"
    );
    sleep_ms(100);
    let extra = d.read_available(16).map_err(|e| e.to_string())?;
    check!(
        extra.is_empty(),
        "records after the release: {:?}",
        edges(&extra)
    );
    Ok(())
}

/// The button is a `wakeup-source` (its overlay says so): a press while
/// the board is suspended to idle wakes it, through the SoC's GPIO
/// controller (`pm_wakeup_irq` is the button's interrupt), and the reader
/// gets the press, flagged as the wake-up, then the release, not flagged.
/// The host presses once the kernel says
/// it is suspending. An RTC alarm, where the board has an RTC, ends a sleep
/// the press failed to end; without one the run's time limit does.
fn press_wakes_board(b: &Board) -> TestResult {
    check!(
        sysfs_read("/sys/bus/platform/devices/button/power/wakeup")? == "enabled",
        "button power/wakeup is not enabled"
    );
    b.set(true)?;
    let d = Device::open_nonblocking("button").map_err(|e| e.to_string())?;
    d.read_available(16).map_err(|e| e.to_string())?;
    let irq = d.info().map_err(|e| e.to_string())?.irq;
    let rtc = std::path::Path::new("/sys/class/rtc/rtc0/wakealarm").exists();
    gpio_drive(&format!("suspended=1 sleep=500 {}=0", b.line));
    let slept = suspend_to_idle(rtc.then_some(30))?;
    let ms = (slept.t1 - slept.t0) / 1_000_000;
    check!(
        slept.result.is_ok(),
        "suspend: errno {:?}",
        slept.result.err()
    );
    let woke_by = sysfs_read("/sys/power/pm_wakeup_irq")?;
    println!("guest note: the button woke the board after {ms} ms (pm_wakeup_irq {woke_by}, button irq {irq})");
    check!(
        woke_by == irq.to_string(),
        "pm_wakeup_irq {woke_by}, the button's interrupt is {irq}"
    );
    let press = collect(d.owned_fd(), 1, WAIT_MS)?;
    b.set(true)?;
    let release = collect(d.owned_fd(), 1, WAIT_MS)?;
    let all = [press, release].concat();
    check!(edges(&all) == PRESS_RELEASE, "records {:?}", edges(&all));
    check!(
        all[0].wakeup() && !all[1].wakeup(),
        "RPOLL_EVENT_WAKEUP on the press {} and the release {}: want the press only",
        all[0].wakeup(),
        all[1].wakeup()
    );
    Ok(())
}

/// `rpoll,wakeup-edges = "rising"` on an active-low button: while the board
/// sleeps its interrupt takes presses only (a physical falling edge), so a
/// release 0.5 s into the sleep does not wake it; the press 2.5 s later
/// does. The line is then where it was before the sleep (pressed): no
/// record, the replayed interrupt counted as merged, and the release after
/// it is reported with that count, not as a wake-up.
fn release_does_not_wake_board(b: &Board) -> TestResult {
    let d = Device::open_nonblocking("button").map_err(|e| e.to_string())?;
    b.set(true)?;
    b.set(false)?;
    let press = collect(d.owned_fd(), 1, WAIT_MS)?;
    check!(
        edges(&press) == PRESS_RELEASE[..1],
        "press before the sleep: {:?}",
        edges(&press)
    );
    let irq = d.info().map_err(|e| e.to_string())?.irq;
    let merged_before = debug_state("button")?.num("debounced");
    let rtc = std::path::Path::new("/sys/class/rtc/rtc0/wakealarm").exists();
    gpio_drive(&format!(
        "suspended=1 sleep=500 {line}=1 sleep=2500 {line}=0",
        line = b.line
    ));
    let slept = suspend_to_idle(rtc.then_some(30))?;
    let ms = (slept.t1 - slept.t0) / 1_000_000;
    check!(
        slept.result.is_ok(),
        "suspend: errno {:?}",
        slept.result.err()
    );
    let woke_by = sysfs_read("/sys/power/pm_wakeup_irq")?;
    println!("guest note: release then press while asleep: woke after {ms} ms (pm_wakeup_irq {woke_by}, button irq {irq})");
    check!(
        ms >= 1500,
        "woke after {ms} ms: the release (0.5 s in) woke the board"
    );
    check!(
        woke_by == irq.to_string(),
        "pm_wakeup_irq {woke_by}, the button's interrupt is {irq}"
    );
    let during = collect(d.owned_fd(), 1, 300)?;
    check!(
        during.is_empty(),
        "records after a release and a press while asleep: {:?}",
        edges(&during)
    );
    check!(
        d.level().map_err(|e| e.to_string())?,
        "level ioctl says 0 after the waking press"
    );
    let merged_after = debug_state("button")?.num("debounced");
    check!(
        merged_after > merged_before,
        "the waking interrupt was not counted: debounced {merged_before} -> {merged_after}"
    );
    b.set(true)?;
    let release = collect(d.owned_fd(), 1, WAIT_MS)?;
    check!(
        edges(&release) == PRESS_RELEASE[1..],
        "release after the sleep: {:?}",
        edges(&release)
    );
    check!(
        !release[0].wakeup() && release[0].merged() >= 1,
        "release after the sleep: wakeup {} merged {}",
        release[0].wakeup(),
        release[0].merged()
    );
    Ok(())
}

/// `level=bankN:CHIP:LINE`: (the bank's name for `scripts/board-io`, the
/// chip, the line).
fn parse_level(arg: &str) -> Option<(String, String, u32)> {
    let rest = arg.strip_prefix("level=")?;
    let mut it = rest.split(':');
    let (bank, chip, line) = (it.next()?, it.next()?, it.next()?.parse().ok()?);
    bank.strip_prefix("bank")?.parse::<u32>().ok()?;
    Some((bank.to_string(), chip.to_string(), line))
}

/// The level-high device `level` held asserted (gpio-mxc). The bank
/// device's own line on the same block is the fence (gpio-mxc's debugfs
/// does not show an interrupt-only line's level).
fn level_line_held(level: &(String, String, u32), banks: &[Bank]) -> TestResult {
    let (bank, chip, line) = level;
    let fence = banks
        .iter()
        .find(|b| &b.name == bank)
        .ok_or_else(|| format!("level={bank}:...: no {bank}=CHIP:LINE argument"))?;
    let fence_drive = format!("{}:{}", fence.name, fence.line);
    level::held_does_not_storm(&LevelLine {
        device: "level",
        drive: &format!("{bank}:{line}"),
        chip,
        line: *line,
        re_raises: GPIO_MXC_RE_RAISES,
        fence: Some((&fence_drive, &fence.chip, fence.line)),
    })
}

/// Whether QEMU's i.MX GPIO model raises a held level again when the line
/// is unmasked (see `level::LevelLine::re_raises`).
const GPIO_MXC_RE_RAISES: bool = true;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let level = match args.iter().position(|a| a.starts_with("level=")) {
        Some(i) => {
            let a = args.remove(i);
            match parse_level(&a) {
                Some(l) => Some(l),
                None => {
                    eprintln!("rpoll-board-tests: bad '{a}' (want level=bankN:CHIP:LINE)");
                    std::process::exit(2);
                }
            }
        }
        None => None,
    };
    let expander = match args.iter().position(|a| a.starts_with("expander=")) {
        Some(i) => {
            let a = args.remove(i);
            match a["expander=".len()..].parse::<u32>() {
                Ok(pin) => Some(pin),
                Err(_) => {
                    eprintln!("rpoll-board-tests: bad '{a}' (want expander=PIN)");
                    std::process::exit(2);
                }
            }
        }
        None => None,
    };
    let banks: Vec<Bank> = match args
        .iter()
        .skip(3)
        .map(|a| Bank::parse(a).ok_or(a))
        .collect()
    {
        Ok(b) => b,
        Err(a) => {
            eprintln!("rpoll-board-tests: bad bank '{a}' (want bankN=CHIP:LINE)");
            std::process::exit(2);
        }
    };
    let board = match args.get(..3).unwrap_or(&args) {
        [chip, line, ms] => Board {
            chip: chip.clone(),
            line: line.parse().expect("LINE"),
            debounce_ms: ms.parse().expect("DEBOUNCE_MS"),
        },
        _ => {
            eprintln!("usage: rpoll-board-tests CHIP LINE DEBOUNCE_MS [bankN=CHIP:LINE]... [level=bankN:CHIP:LINE] [expander=PIN]");
            std::process::exit(2);
        }
    };
    let b = &board;
    let probe = || probe_lines(b);
    let presses = || presses_exact_counts(b);
    let bounce = || bounce_burst_merged(b);
    let unbind = || unbind_rebind_frees_pin(b);
    let rmmod = || rmmod_insmod_frees_pin(b);
    let wake = || press_wakes_board(b);
    let no_release_wake = || release_does_not_wake_board(b);
    let bank_names: Vec<String> = banks
        .iter()
        .map(|k| {
            format!(
                "{}_{}_line_{}_press_release",
                k.name,
                k.chip.replace('.', "_"),
                k.line
            )
        })
        .collect();
    let bank_tests: Vec<Box<dyn Fn() -> TestResult + '_>> = banks
        .iter()
        .map(|k| Box::new(move || bank_press_release(k)) as Box<dyn Fn() -> TestResult>)
        .collect();
    let mut tests: Vec<(&str, &dyn Fn() -> TestResult)> = vec![
        ("probe_lines", &probe),
        ("ticks_at_one_hertz", &ticks_at_one_hertz),
        ("presses_exact_counts", &presses),
        ("bounce_burst_merged", &bounce),
        ("press_wakes_board", &wake),
        ("release_does_not_wake_board", &no_release_wake),
    ];
    // Every block before the unbind and rmmod tests, which re-create the
    // devices.
    tests.extend(
        bank_names
            .iter()
            .map(String::as_str)
            .zip(bank_tests.iter().map(|t| &**t)),
    );
    let level_test = level.as_ref().map(|l| {
        let banks = &banks;
        move || level_line_held(l, banks)
    });
    if let Some(t) = &level_test {
        tests.push(("level_line_held_does_not_storm", t));
    }
    let expander_test = expander.map(|pin| move || expander_polled_press_release(pin));
    if let Some(t) = &expander_test {
        tests.push(("expander_polled_press_release", t));
    }
    tests.push(("unbind_rebind_frees_pin", &unbind));
    tests.push(("rmmod_insmod_frees_pin", &rmmod));
    rpoll_guest_tests::runner::run_and_exit(&tests);
}
