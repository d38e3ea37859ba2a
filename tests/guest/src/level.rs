//! The check of a level-triggered `rpoll,event-irq` line held asserted,
//! shared by the virt suite (PL061) and the board suite (gpio-mxc): each
//! record masks the line for the level window (10 ms), so a held line gives
//! at most one record per window and the guest keeps running.

use crate::check;
use crate::dev::*;

/// Longest wait for the host to apply a level.
const HOST_MS: u64 = 30_000;
/// The level window of a line without `rpoll,debounce-us`.
const WINDOW_MS: u64 = 10;
/// How long the line is held asserted.
const HOLD_MS: u64 = 3000;

/// A level-high interrupt line of an rpoll device, driven from the host.
pub struct LevelLine<'a> {
    /// The device's name (`/dev/rpoll-<device>`).
    pub device: &'a str,
    /// The line as `scripts/board-io` names it in `RPOLL-GPIO` requests
    /// (`5`, `bank1:5`).
    pub drive: &'a str,
    /// The GPIO chip (as gpiolib's debugfs names it) and line, to see the
    /// level the host set.
    pub chip: &'a str,
    pub line: u32,
    /// `None` if gpiolib's debugfs shows the line's level (PL061 lists
    /// lines used as interrupts); else a requested line of the same host
    /// agent (`drive`, chip, line) that is toggled after each request, as
    /// a fence: the agent serves requests in order, so once the fence's
    /// level shows, the level line's has been set (gpio-mxc does not list
    /// interrupt-only lines).
    pub fence: Option<(&'a str, &'a str, u32)>,
    /// Whether the controller raises a held level again once unmasked (as
    /// real hardware and QEMU's PL061 do): then a held line must give a
    /// record per window, not one.
    pub re_raises: bool,
}

impl LevelLine<'_> {
    /// Sets the line's physical level and waits until the host applied it.
    fn set(&self, high: bool) -> TestResult {
        let Some((drive, chip, line)) = self.fence else {
            gpio_drive(&format!("{}={}", self.drive, u8::from(high)));
            return wait_chip_level(self.chip, self.line, high, HOST_MS);
        };
        let fence = !gpio_chip_level(chip, line)?;
        gpio_drive(&format!(
            "{}={} {drive}={}",
            self.drive,
            u8::from(high),
            u8::from(fence)
        ));
        wait_chip_level(chip, line, fence, HOST_MS)
    }

    fn produced(&self) -> Result<u64, String> {
        Ok(debug_state(self.device)?.num("produced"))
    }

    /// Waits until the device has produced more than `n` records.
    fn wait_produced_above(&self, n: u64) -> TestResult {
        for _ in 0..(HOST_MS / 2) {
            if self.produced()? > n {
                return Ok(());
            }
            sleep_ms(2);
        }
        Err(format!(
            "{} never produced more than {n} records",
            self.device
        ))
    }
}

/// Holds the line asserted for 3 s with every CPU but 0 offline: the records
/// stay within one per window and the interrupts within two per record
/// (the one that masks the line, at most one more taken while it is
/// lazily disabled); a 1 ms timer device (`rpoll-ms` where the DT has it,
/// else `tick`'s) keeps producing beside it. After the release nothing
/// more comes and the line ends unmasked; a new assertion gives a new
/// record. Then the device is unbound while the line is held (masked, its
/// unmask timer armed) under an open reader, and bound again. Before masking, such a hold on PL061 gave about 24 000
/// interrupts a second and stalled a one-CPU guest.
pub fn held_does_not_storm(l: &LevelLine) -> TestResult {
    let name = l.device;
    let st = debug_state(name)?;
    check!(
        st.text("trigger") == "level-high",
        "{name}: trigger {}",
        st.text("trigger")
    );
    let irq = st.num("irq");
    l.set(false)?;
    sleep_ms(5 * WINDOW_MS);
    let fd = open_nb(name)?;
    // A timer device kept open so that it runs; its `produced` is counted.
    let timer = ["rpoll-ms", "tick"]
        .into_iter()
        .find(|n| std::path::Path::new(&format!("/dev/rpoll-{n}")).exists())
        .ok_or("no timer device (rpoll-ms or tick)")?;
    let _t = open_nb(timer)?;
    // One CPU: every other one goes offline for the hold.
    let others: Vec<usize> = (1..64)
        .take_while(|c| std::path::Path::new(&format!("/sys/devices/system/cpu/cpu{c}")).exists())
        .filter(|c| {
            sysfs_read(&format!("/sys/devices/system/cpu/cpu{c}/online")).is_ok_and(|v| v == "1")
        })
        .collect();
    let offline: Result<(), String> = others.iter().try_for_each(|&c| {
        rpoll_sys::set_cpu_online(c, false).map_err(|e| format!("cpu{c} offline: {e}"))
    });
    let held: Result<(u64, u64, u64, u64), String> = offline.and_then(|()| {
        let produced0 = l.produced()?;
        let irqs0 = irq_count(irq).ok_or("irq not listed")?;
        let ticks0 = debug_state(timer)?.num("produced");
        let t0 = now_ns(libc::CLOCK_MONOTONIC);
        l.set(true)?;
        sleep_ms(HOLD_MS);
        let ticks = debug_state(timer)?.num("produced") - ticks0;
        l.set(false)?;
        let held_ms = (now_ns(libc::CLOCK_MONOTONIC) - t0) / 1_000_000;
        let produced = l.produced()? - produced0;
        let irqs = irq_count(irq).ok_or("irq not listed")? - irqs0;
        Ok((produced, irqs, ticks, held_ms))
    });
    let back: Result<(), String> = others.iter().try_for_each(|&c| {
        rpoll_sys::set_cpu_online(c, true).map_err(|e| format!("cpu{c} online: {e}"))
    });
    let (produced, irqs, ticks, held_ms) = held?;
    back?;
    println!(
        "  level hold {held_ms} ms: {produced} records, {irqs} interrupts, {timer} {ticks} records"
    );
    // The line was high for at most `held_ms` (the request and the release
    // take host round trips inside it).
    let most = held_ms / WINDOW_MS + 2;
    check!(produced >= 1, "no record while the line was held");
    check!(
        !l.re_raises || produced >= 2,
        "{produced} record while held: the line was never unmasked"
    );
    check!(
        produced <= most,
        "{produced} records in {held_ms} ms, at most {most} expected"
    );
    check!(
        irqs <= 2 * produced + 2,
        "{irqs} interrupts for {produced} records"
    );
    // Liveness, not speed: at least half the periods that passed.
    let period_us = debug_state(timer)?.num("period_us").max(1);
    let due = held_ms * 1000 / period_us;
    check!(
        ticks >= due / 2,
        "the timer device {timer} gave {ticks} records of {due} periods while the line was held"
    );
    // Released: the window passes, the line is unmasked and stays quiet.
    sleep_ms(5 * WINDOW_MS);
    let quiet0 = l.produced()?;
    sleep_ms(200);
    let st = debug_state(name)?;
    check!(st.num("produced") == quiet0, "records after the release");
    check!(st.num("masked") == 0, "line still masked after the release");
    let got = drain(&fd)?;
    // The queue kept the newest records; the first one reports the older
    // ones as lost.
    check_sequence(
        got.first().map_or(0, |r| r.seq - 1 - u64::from(r.lost)),
        &got,
    )?;
    // A new assertion: a new record.
    l.set(true)?;
    l.set(false)?;
    l.wait_produced_above(quiet0)
        .map_err(|_| "no record for a new assertion after the release".to_string())?;
    // Removed under its reader while held: the line masked and the unmask
    // timer armed, the device is unbound (the timer must be stopped before
    // the interrupt is freed, and nothing may unmask a freed line). The
    // reader gets the queued records, then ENODEV; the interrupt is gone.
    // Bound again with the line still held (an asserted line at probe), it
    // reports at most once per window; released, a new assertion gives a
    // new record. (The release waits for the rebind: gpiolib shows the
    // level of a line only while its interrupt is requested.)
    drain(&fd)?;
    let before = l.produced()?;
    l.set(true)?;
    l.wait_produced_above(before)?;
    unbind(name)?;
    let end = loop {
        match read_batch(&fd, 64) {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    check!(
        end == libc::ENODEV,
        "read after the unbind: errno {end}, want ENODEV"
    );
    check!(
        irq_count(irq).is_none(),
        "interrupt {irq} still listed after the unbind"
    );
    drop(fd);
    bind(name)?;
    let _again = open_nb(name)?;
    l.wait_produced_above(0)
        .map_err(|_| "no record for the line held at the rebind".to_string())?;
    l.set(false)?;
    sleep_ms(5 * WINDOW_MS);
    let quiet = l.produced()?;
    l.set(true)?;
    l.set(false)?;
    l.wait_produced_above(quiet)
        .map_err(|_| "no record for an assertion after the rebind".to_string())
}
