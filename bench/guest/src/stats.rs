//! Latency summaries and histograms, the timer-grid analysis, and the
//! guest's CPU time from `/proc/stat`.

use crate::json::{obj, Value, With};

/// Order statistics of a set of latencies (nanoseconds).
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub n: u64,
    pub min: u64,
    pub p50: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    pub mean: f64,
}

/// The value below which a fraction `q` of the sorted `v` lies
/// (nearest-rank).
fn quantile(v: &[u64], q: f64) -> u64 {
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

impl Summary {
    /// Summarises `v` (sorted in place).
    pub fn of(v: &mut [u64]) -> Option<Self> {
        if v.is_empty() {
            return None;
        }
        v.sort_unstable();
        let sum: u128 = v.iter().map(|&x| u128::from(x)).sum();
        Some(Self {
            n: v.len() as u64,
            min: v[0],
            p50: quantile(v, 0.50),
            p99: quantile(v, 0.99),
            p999: quantile(v, 0.999),
            max: v[v.len() - 1],
            mean: sum as f64 / v.len() as f64,
        })
    }

    /// As JSON, in microseconds.
    pub fn to_json(self) -> Value {
        let us = |ns: u64| Value::from(ns as f64 / 1000.0);
        obj()
            .with("n", self.n)
            .with("min_us", us(self.min))
            .with("p50_us", us(self.p50))
            .with("p99_us", us(self.p99))
            .with("p999_us", us(self.p999))
            .with("max_us", us(self.max))
            .with("mean_us", Value::from(self.mean / 1000.0))
    }
}

/// Histogram bins per decade: bin `i` holds values in
/// `[10^(i/BINS), 10^((i+1)/BINS))` nanoseconds.
pub const BINS_PER_DECADE: f64 = 50.0;

/// A sparse log-scale histogram of `v` as `[[bin, count], ...]`.
pub fn histogram(v: &[u64]) -> Value {
    let mut bins: std::collections::BTreeMap<u32, u64> = Default::default();
    for &x in v {
        let b = ((x.max(1) as f64).log10() * BINS_PER_DECADE).floor() as u32;
        *bins.entry(b).or_default() += 1;
    }
    Value::Array(
        bins.into_iter()
            .map(|(b, c)| Value::Array(vec![Value::from(b), Value::from(c)]))
            .collect(),
    )
}

/// For timestamps that should sit on a grid of period `period_ns` (a timer
/// forwarded without drift), how late each one is against that grid, from
/// the earliest phase seen. For rpoll, whose record is stamped when the
/// hrtimer callback runs, this is the callback's delay after its expiry
/// beyond the smallest delay seen; for timerfd and cref, whose stamps are
/// the deadlines, it is zero.
///
/// The grid's phase is found as the end of the largest empty arc among the
/// stamps' phases (delays cover one contiguous arc starting at the smallest
/// delay). `None` when that arc is under a quarter period: delays then
/// spread over the whole period and the grid cannot be told.
pub fn grid_offsets(stamps: &[u64], period_ns: u64) -> Option<Vec<u64>> {
    if stamps.is_empty() || period_ns == 0 {
        return None;
    }
    let mut phases: Vec<u64> = stamps.iter().map(|&t| t % period_ns).collect();
    phases.sort_unstable();
    phases.dedup();
    // The wrap-around arc, from the last phase to the first one.
    let mut best_gap = phases[0] + period_ns - phases[phases.len() - 1];
    let mut start = phases[0];
    for w in phases.windows(2) {
        if w[1] - w[0] > best_gap {
            best_gap = w[1] - w[0];
            start = w[1];
        }
    }
    if best_gap < period_ns / 4 {
        return None;
    }
    Some(
        stamps
            .iter()
            .map(|&t| (t % period_ns + period_ns - start) % period_ns)
            .collect(),
    )
}

/// The first line of `/proc/stat`, in clock ticks.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuStat {
    pub user: u64,
    pub nice: u64,
    pub system: u64,
    pub idle: u64,
    pub iowait: u64,
    pub irq: u64,
    pub softirq: u64,
    pub steal: u64,
}

impl CpuStat {
    /// Reads `/proc/stat` (all zero if it cannot be read).
    pub fn read() -> Self {
        let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let line = text.lines().next().unwrap_or("");
        let v: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .map(|x| x.parse().unwrap_or(0))
            .collect();
        let g = |i: usize| v.get(i).copied().unwrap_or(0);
        Self {
            user: g(0),
            nice: g(1),
            system: g(2),
            idle: g(3),
            iowait: g(4),
            irq: g(5),
            softirq: g(6),
            steal: g(7),
        }
    }

    /// Ticks spent working: user + nice + system + irq + softirq.
    pub fn work(&self) -> u64 {
        self.user + self.nice + self.system + self.irq + self.softirq
    }

    /// `self - earlier`, field by field.
    pub fn since(&self, earlier: &Self) -> Self {
        Self {
            user: self.user.saturating_sub(earlier.user),
            nice: self.nice.saturating_sub(earlier.nice),
            system: self.system.saturating_sub(earlier.system),
            idle: self.idle.saturating_sub(earlier.idle),
            iowait: self.iowait.saturating_sub(earlier.iowait),
            irq: self.irq.saturating_sub(earlier.irq),
            softirq: self.softirq.saturating_sub(earlier.softirq),
            steal: self.steal.saturating_sub(earlier.steal),
        }
    }
}

/// CPU time used over a window, in milliseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuUse {
    /// user + nice + system + irq + softirq: the kernel charges each 4 ms
    /// tick to whatever the CPU was doing, so this is a sampled figure
    /// (see bench/README.md on its resolution).
    pub work_ms: f64,
    /// The window's length.
    pub wall_ms: f64,
}

impl CpuUse {
    /// From a `/proc/stat` delta over `wall_ns` with `tck` ticks per
    /// second.
    pub fn from_delta(d: &CpuStat, wall_ns: u64, tck: u64) -> Self {
        Self {
            work_ms: d.work() as f64 * 1000.0 / tck as f64,
            wall_ms: wall_ns as f64 / 1e6,
        }
    }

    /// As JSON.
    pub fn to_json(self) -> Value {
        obj()
            .with("work_ms", self.work_ms)
            .with("wall_ms", self.wall_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_nearest_rank() {
        let mut v: Vec<u64> = (1..=1000).rev().collect();
        let s = Summary::of(&mut v).unwrap();
        assert_eq!(
            (s.min, s.p50, s.p99, s.p999, s.max),
            (1, 500, 990, 999, 1000)
        );
    }

    #[test]
    fn grid_offsets_measure_lateness() {
        let p = 1000;
        let stamps = [5_010, 6_000, 7_030, 9_005];
        assert_eq!(grid_offsets(&stamps, p), Some(vec![10, 0, 30, 5]));
        // Late by more than half a period, across the wrap-around.
        let stamps = [5_900, 6_950, 8_100, 9_300];
        assert_eq!(grid_offsets(&stamps, p), Some(vec![0, 50, 200, 400]));
        // Phases all over the period: no grid.
        let stamps = [5_000, 6_200, 7_400, 8_600, 9_800];
        assert_eq!(grid_offsets(&stamps, p), None);
    }
}
