//! Reading kmemleak's report and deciding which leaks belong to the code
//! under test.
//!
//! A leak belongs to rpoll when its allocating task is one that runs rpoll's
//! code (probe and remove run in `insmod`, `rmmod` and whoever writes the
//! driver's sysfs `bind`/`unbind` files; open, read and ioctl run in the test
//! programs), or when its backtrace names rpoll, or holds a frame that no
//! symbol resolves: the address of a module that has since been unloaded.

use std::fs;
use std::path::Path;
use std::time::Duration;

/// The kmemleak control and report file.
pub const KMEMLEAK: &str = "/sys/kernel/debug/kmemleak";

/// kmemleak never reports an object younger than this (`MSECS_MIN_AGE` in
/// `mm/kmemleak.c` is 5 s); waiting it out before a scan lets every object
/// allocated by the code under test be judged.
pub const MIN_AGE: Duration = Duration::from_millis(5500);

/// Task names (as `comm`, at most 15 bytes) that run rpoll's code.
pub const OUR_COMMS: &[&str] = &[
    "insmod",
    "rmmod",
    "modprobe",
    "rpoll-stress",
    "rpoll-guest-tes",
    "rpoll-fault-tes",
    "rpoll",
];

/// One `unreferenced object` block of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    /// The allocating task's `comm`.
    pub comm: String,
    /// The whole block, for printing.
    pub text: String,
}

impl Leak {
    /// Whether this leak was made by the code under test.
    pub fn is_ours(&self) -> bool {
        OUR_COMMS.contains(&self.comm.as_str())
            || self
                .backtrace()
                .any(|f| f.contains("rpoll") || unresolved(f))
    }

    /// Frames of the backtrace, trimmed.
    fn backtrace(&self) -> impl Iterator<Item = &str> {
        self.text
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("backtrace"))
            .skip(1)
            .map(str::trim)
            .filter(|l| !l.is_empty())
    }
}

/// A backtrace frame that is a bare address (`0xffff8000...`, possibly after
/// a `[<...>]` prefix): no loaded symbol covers it.
fn unresolved(frame: &str) -> bool {
    let f = match frame.rsplit_once("] ") {
        Some((_, rest)) => rest.trim(),
        None => frame,
    };
    f.strip_prefix("0x")
        .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Splits a kmemleak report into its leaks.
pub fn parse(report: &str) -> Vec<Leak> {
    report
        .split("unreferenced object")
        .skip(1)
        .map(|block| {
            let comm = block
                .lines()
                .find_map(|l| l.trim().strip_prefix("comm \""))
                .and_then(|r| r.split_once('"'))
                .map(|(c, _)| c.to_string())
                .unwrap_or_default();
            Leak {
                comm,
                text: format!("unreferenced object{block}"),
            }
        })
        .collect()
}

/// Sends `cmd` to kmemleak and returns the report that follows it.
pub fn command(cmd: &str) -> Result<String, String> {
    fs::write(KMEMLEAK, cmd).map_err(|e| format!("{KMEMLEAK}: write {cmd}: {e}"))?;
    fs::read_to_string(KMEMLEAK).map_err(|e| format!("{KMEMLEAK}: read: {e}"))
}

/// Takes the baseline at the start of a run: waits until objects left by
/// boot are old enough to be reported, scans, and marks every report as seen
/// (`clear`), so later reports concern only what happens afterwards. The
/// scan's "N new suspected memory leaks" notice (KERN_INFO) would read as a
/// leak in the serial log, so the console level hides info messages for the
/// duration of this scan only; warnings and worse still reach the console.
pub fn baseline() -> Result<(), String> {
    std::thread::sleep(MIN_AGE);
    let old = console_level(6)?;
    let r = command("scan").and_then(|_| command("clear"));
    console_level(old)?;
    r.map(|_| ())
}

/// Sets the console log level (messages below it are printed) and returns
/// the previous one.
fn console_level(level: i32) -> Result<i32, String> {
    let printk = "/proc/sys/kernel/printk";
    let cur = fs::read_to_string(printk).map_err(|e| format!("{printk}: {e}"))?;
    let old = cur
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{printk}: unexpected '{cur}'"))?;
    fs::write(printk, level.to_string()).map_err(|e| format!("{printk}: {e}"))?;
    Ok(old)
}

/// Whether the running kernel was built with kmemleak (from the kernel
/// config the runner ships as `/etc/kernel.config`).
pub fn built_in() -> bool {
    fs::read_to_string("/etc/kernel.config")
        .map(|c| c.lines().any(|l| l == "CONFIG_DEBUG_KMEMLEAK=y"))
        .unwrap_or(false)
}

/// Whether kmemleak's control file exists (it is missing if kmemleak was
/// disabled at boot, e.g. after an internal error).
pub fn available() -> bool {
    Path::new(KMEMLEAK).exists()
}

/// Judges kmemleak's report of everything allocated since the start: every
/// leak attributable to rpoll fails (see [`Leak::is_ours`]); every leak is
/// printed, prefixed with `tag`. Returns the result and the count of ours.
pub fn final_report(tag: &str) -> (Result<(), String>, usize) {
    // Objects younger than kmemleak's minimum age are never reported: wait
    // it out, then scan twice (a leak must stay unreferenced across scans).
    std::thread::sleep(MIN_AGE);
    let report = command("scan").and_then(|_| command("scan"));
    let report = match report {
        Ok(r) => r,
        Err(e) => return (Err(e), 0),
    };
    let leaks = parse(&report);
    let ours = leaks.iter().filter(|l| l.is_ours()).count();
    for l in &leaks {
        let whose = if l.is_ours() { "rpoll" } else { "not rpoll" };
        println!("{tag}: leak ({whose}, comm {}):\n{}", l.comm, l.text);
    }
    if leaks.len() > ours {
        println!(
            "{tag}: note: {} leak reports not attributable to rpoll (above)",
            leaks.len() - ours
        );
    }
    let r = if ours == 0 {
        Ok(())
    } else {
        Err(format!("{ours} leaked objects attributable to rpoll"))
    };
    (r, ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"unreferenced object 0xffff000003a0c000 (size 64):
  comm "insmod", pid 97, jiffies 4294893000
  hex dump (first 32 bytes):
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
  backtrace (crc 1a2b3c4d):
    kmemleak_alloc+0x34/0x40
    __kmalloc_noprof+0x1d0/0x2f0
    0xffff80007a0b1234
    do_one_initcall+0x80/0x1c0
unreferenced object 0xffff000003a0d000 (size 128):
  comm "kworker/0:1", pid 12, jiffies 4294890000
  backtrace (crc 00000000):
    kmemleak_alloc+0x34/0x40
    some_driver_probe+0x10/0x20
unreferenced object 0xffff000003a0e000 (size 32):
  comm "kworker/1:2", pid 40, jiffies 4294891000
  backtrace (crc 00000001):
    kmemleak_alloc+0x34/0x40
    _RNvMs_NtCsabc_5rpoll12event_device+0x44/0x90 [rpoll]
unreferenced object 0xffff000003a0f000 (size 16):
  comm "swapper/0", pid 1, jiffies 4294880000
  backtrace (crc 00000002):
    [<00000000a1b2c3d4>] 0xffff80007a0b9999
"#;

    #[test]
    fn parses_comm_and_attributes_leaks() {
        let leaks = parse(REPORT);
        assert_eq!(leaks.len(), 4);
        assert_eq!(leaks[0].comm, "insmod");
        let ours: Vec<bool> = leaks.iter().map(Leak::is_ours).collect();
        // insmod (by comm and raw frame), unrelated kworker, rpoll frame in a
        // kworker, raw address of an unloaded module with the older format.
        assert_eq!(ours, [true, false, true, true]);
    }

    #[test]
    fn empty_report_has_no_leaks() {
        assert!(parse("").is_empty());
    }

    #[test]
    fn symbol_frames_are_resolved() {
        assert!(!unresolved("kmemleak_alloc+0x34/0x40"));
        assert!(!unresolved("0x"));
        assert!(unresolved("0xffff80007a0b1234"));
    }
}
