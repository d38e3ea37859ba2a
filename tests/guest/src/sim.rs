//! Lines of the kernel's GPIO simulator (gpio-sim, `tests/dts/test-devices.dtso`),
//! driven from inside the guest: a line requested as an input follows its
//! `pull` attribute (`pull-up` 1, `pull-down` 0), and a change fires its
//! interrupt through irq_sim. The chip's reads sleep, as an I2C expander's.

use std::path::PathBuf;

use crate::dev::{sleep_ms, TestResult};

/// The chip's label (`gpio-sim,label`), in its `/sys/kernel/debug/gpio`
/// section header.
pub const SIM: &str = "rpoll-sim";

/// The simulator's platform device (the DT node's name).
pub const SIM_PDEV: &str = "gpio-sim";

/// The rpoll devices on the simulator's lines (`tests/dts/test-devices.dtso`).
pub const SIM_DEVICES: [&str; 7] = [
    "sim-key",
    "sim-rise",
    "sim-bouncy",
    "sim-fast",
    "sim-poll",
    "sim-poll-db",
    "sim-poll-rise",
];

/// Binds again every rpoll device of the simulator that is not bound (the
/// driver core unbinds them with the chip; they are not deferred).
pub fn bind_sim_devices() -> TestResult {
    for name in SIM_DEVICES {
        if !std::path::Path::new(&format!("/sys/bus/platform/drivers/rpoll/{name}")).exists() {
            crate::dev::bind(name).map_err(|e| format!("bind {name}: {e}"))?;
        }
    }
    Ok(())
}

/// One simulated line.
pub struct SimLine {
    offset: u32,
    dir: PathBuf,
}

impl SimLine {
    /// Line `offset` of the simulated bank.
    pub fn new(offset: u32) -> Result<Self, String> {
        let base = format!("/sys/devices/platform/{SIM_PDEV}");
        let dir =
            std::fs::read_dir(&base).map_err(|e| format!("{base}: {e} (no gpio-sim chip?)"))?;
        for entry in dir.flatten() {
            let dir = entry.path().join(format!("sim_gpio{offset}"));
            if entry.file_name().to_string_lossy().starts_with("gpiochip") && dir.exists() {
                return Ok(Self { offset, dir });
            }
        }
        Err(format!("no sim_gpio{offset}/pull under {base}/gpiochip*"))
    }

    /// Pulls the line to `high` (a physical level); the interrupt, if the
    /// line is requested with one, has fired when this returns (irq_sim
    /// runs it as irq_work on this CPU), but its thread may not have run.
    pub fn set(&self, high: bool) -> TestResult {
        let v = if high { "pull-up" } else { "pull-down" };
        let pull = self.dir.join("pull");
        std::fs::write(&pull, v).map_err(|e| format!("{}: {v}: {e}", pull.display()))
    }

    /// The line's physical level (its `value` attribute).
    pub fn value(&self) -> Result<bool, String> {
        let path = self.dir.join("value");
        let v = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        match v.trim() {
            "1" => Ok(true),
            "0" => Ok(false),
            other => Err(format!("sim line {}: value '{other}'", self.offset)),
        }
    }

    /// Sets the line and checks that it reads back, then waits `settle_ms`.
    pub fn settle(&self, high: bool, settle_ms: u64) -> TestResult {
        self.set(high)?;
        let v = self.value()?;
        if v != high {
            return Err(format!(
                "sim line {} reads {v} after a pull to {high}",
                self.offset
            ));
        }
        sleep_ms(settle_ms);
        Ok(())
    }

    /// Toggles the line `n` times starting from `from_high`, `gap_us`
    /// apart; returns the final level.
    pub fn toggle(&self, n: usize, from_high: bool, gap_us: u64) -> Result<bool, String> {
        Ok(self.toggle_timed(n, from_high, gap_us)?.0)
    }

    /// [`Self::toggle`], also returning the longest time between two
    /// changes as they happened (µs): on a loaded host the guest can stall
    /// between two writes for longer than a debounce window, and a test
    /// that relies on the changes being close must know when they were not.
    pub fn toggle_timed(
        &self,
        n: usize,
        from_high: bool,
        gap_us: u64,
    ) -> Result<(bool, u64), String> {
        let mut level = from_high;
        let (mut last, mut longest) = (None::<u64>, 0);
        for _ in 0..n {
            level = !level;
            self.set(level)?;
            let now = rpoll_sys::monotonic_ns();
            if let Some(prev) = last {
                longest = longest.max((now - prev) / 1000);
            }
            last = Some(now);
            std::thread::sleep(std::time::Duration::from_micros(gap_us));
        }
        Ok((level, longest))
    }
}
