//! The interrupt source (`rpoll,event-irq` on PL061 line 3), driven from the
//! host: each `press()` prints a request that the host's agent
//! (`scripts/board-io agent`) answers by setting line 3 high, then low,
//! through QEMU's qtest socket.
//!
//! No fixed sleeps: before each press the test waits until the line is low
//! again (gpiolib's debugfs view), then waits for the resulting event itself.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rpoll_guest_tests::{level, threads};
use rpoll_uapi::{RpollEvent, RPOLL_SOURCE_IRQ};

use crate::check;
use crate::dev::*;

/// Longest wait for the host to answer a press request.
const PRESS_TIMEOUT_MS: i32 = 30_000;

/// Asks the host for one button press (after the previous one ended).
fn press() -> TestResult {
    press_button()
}

/// Waits until the button device has produced `n` events.
fn wait_produced(n: u64) -> TestResult {
    for _ in 0..(PRESS_TIMEOUT_MS / 2) {
        if debug_state("button")?.num("produced") >= n {
            return Ok(());
        }
        sleep_ms(2);
    }
    Err(format!(
        "button never reached {n} events (is the host's board-io agent running?)"
    ))
}

/// The button's interrupt number from debugfs.
fn button_irq() -> Result<u64, String> {
    Ok(debug_state("button")?.num("irq"))
}

/// The button node is bound with a rising-edge GPIO interrupt, listed in
/// /proc/interrupts under "rpoll".
pub fn button_is_bound() -> TestResult {
    let st = debug_state("button")?;
    check!(st.text("source") == "irq", "source {}", st.text("source"));
    check!(
        st.text("trigger") == "edge-rising",
        "trigger {}",
        st.text("trigger")
    );
    check!(
        st.num("queue_depth") == 16,
        "depth {}",
        st.num("queue_depth")
    );
    let irq = st.num("irq");
    let text = std::fs::read_to_string("/proc/interrupts").unwrap_or_default();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{irq}:")));
    check!(
        line.is_some_and(|l| l.contains("rpoll")),
        "irq {irq} not in /proc/interrupts as rpoll"
    );
    Ok(())
}

/// N presses while a reader waits in epoll: N wakeups, each with exactly one
/// IRQ record, consecutive seq, and N interrupts counted for the line.
pub fn presses_wake_epoll_reader() -> TestResult {
    const N: usize = 5;
    let irq = button_irq()?;
    let before = irq_count(irq).ok_or("irq not listed")?;
    let fd = open_nb("button")?;
    let ep = Epoll::new()?;
    ep.add(&fd, (libc::EPOLLIN | libc::EPOLLRDNORM) as u32, 9)?;
    let mut recs = Vec::new();
    for k in 0..N {
        press()?;
        let evs = ep
            .wait(PRESS_TIMEOUT_MS)
            .map_err(|e| format!("epoll_wait: errno {e}"))?;
        check!(
            evs.len() == 1,
            "press {k}: epoll gave {evs:?} (host agent running?)"
        );
        let got = drain(&fd)?;
        check!(got.len() == 1, "press {k}: {} records", got.len());
        recs.extend(got);
    }
    check!(
        recs.iter().all(|r| r.source == RPOLL_SOURCE_IRQ),
        "non-IRQ source in {recs:?}"
    );
    check_sequence(recs[0].seq - 1, &recs)?;
    check!(recs[0].lost == 0, "first record lost={}", recs[0].lost);
    let after = irq_count(irq).ok_or("irq not listed")?;
    check!(
        after - before == N as u64,
        "/proc/interrupts counted {} for {N} presses",
        after - before
    );
    Ok(())
}

/// Two readers get every press; a reader opened later gets only later ones.
pub fn two_readers_and_a_late_one() -> TestResult {
    let a = open_nb("button")?;
    let b = open_nb("button")?;
    let start = debug_state("button")?.num("produced");
    for k in 1..=2 {
        press()?;
        wait_produced(start + k)?;
    }
    let late = open_nb("button")?;
    for k in 3..=4 {
        press()?;
        wait_produced(start + k)?;
    }
    let (ra, rb, rl) = (drain(&a)?, drain(&b)?, drain(&late)?);
    check!(
        ra.len() == 4 && rb.len() == 4,
        "a got {}, b got {}",
        ra.len(),
        rb.len()
    );
    check!(ra == rb, "readers differ: {ra:?} vs {rb:?}");
    check_sequence(start, &ra)?;
    check!(rl.len() == 2, "late reader got {} records", rl.len());
    check!(
        rl[0].seq == start + 3 && rl[0].lost == 0,
        "late reader starts at {:?}",
        rl[0]
    );
    Ok(())
}

/// A reader that does not read while 20 presses hit its 16-slot queue loses
/// the 4 oldest, accounted in `lost` and the seq gap.
pub fn full_queue_accounts_loss() -> TestResult {
    let fd = open_nb("button")?;
    let st = debug_state("button")?;
    let base = st
        .readers
        .first()
        .map(|r| r.0)
        .ok_or("no reader in debugfs")?;
    for k in 1..=20 {
        press()?;
        wait_produced(base + k)?;
    }
    let recs = drain(&fd)?;
    check!(
        recs.len() == 16,
        "{} records from a 16-slot queue",
        recs.len()
    );
    check!(
        recs[0].lost == 4 && recs[0].seq == base + 5,
        "first record {:?}",
        recs[0]
    );
    check_sequence(base, &recs)?;
    let st = debug_state("button")?;
    let (_, d, l, q) = st.readers[0];
    check!(
        d == 16 && l == 4 && q == 0,
        "counters delivered={d} lost={l} queued={q}"
    );
    Ok(())
}

/// Presses with no reader open are counted as produced, not queued.
pub fn presses_without_reader_are_counted() -> TestResult {
    let st = debug_state("button")?;
    check!(st.num("readers") == 0, "button has readers");
    let before = st.num("produced");
    press()?;
    wait_produced(before + 1)?;
    let fd = open_nb("button")?;
    check!(
        read_batch(&fd, 1) == Err(libc::EAGAIN),
        "new reader saw an old press"
    );
    Ok(())
}

/// The 1 ms timer device and the button run side by side: the button gets
/// exactly its presses, and a timer reader that keeps reading (a thread,
/// so the check does not depend on how long a press takes) loses nothing.
pub fn timer_and_button_together() -> TestResult {
    let t = open("rpoll-ms")?;
    let b = open_nb("button")?;
    let stop = Arc::new(AtomicBool::new(false));
    let reading = stop.clone();
    let reader = std::thread::spawn(move || -> Result<Vec<RpollEvent>, String> {
        let mut recs = Vec::new();
        while !reading.load(Ordering::Relaxed) {
            recs.extend(read_batch(&t, 256).map_err(|e| format!("timer read: errno {e}"))?);
        }
        Ok(recs)
    });
    let start = debug_state("button")?.num("produced");
    let pressed = (1..=3).try_for_each(|k| {
        press()?;
        wait_produced(start + k)
    });
    stop.store(true, Ordering::Relaxed);
    let timer_recs = reader.join().map_err(|p| {
        format!(
            "timer reader panicked: {}",
            threads::panic_message(p.as_ref())
        )
    })??;
    pressed?;
    let br = drain(&b)?;
    check!(
        br.len() == 3,
        "button got {} records for 3 presses",
        br.len()
    );
    check_sequence(start, &br)?;
    let first = timer_recs.first().ok_or("no timer record")?;
    check_sequence(first.seq - 1, &timer_recs)?;
    check!(
        timer_recs.iter().all(|r| r.lost == 0),
        "timer reader lost records"
    );
    check!(
        timer_recs.len() > 3,
        "timer produced only {}",
        timer_recs.len()
    );
    Ok(())
}

/// Unbinding the button wakes a blocked reader with ENODEV and frees the
/// interrupt; binding again requests it again.
pub fn button_unbind_frees_irq_and_rebind() -> TestResult {
    let irq = button_irq()?;
    let fd = open("button")?;
    let (h, _) = spawn_blocked(move || read_batch(&fd, 1).map(|v| v.len()))?;
    unbind("button")?;
    let r = h.join().unwrap();
    check!(r == Err(libc::ENODEV), "blocked read after unbind: {r:?}");
    check!(
        irq_count(irq).is_none(),
        "irq {irq} still in /proc/interrupts after unbind"
    );
    bind("button")?;
    let irq2 = button_irq()?;
    check!(
        irq_count(irq2).is_some(),
        "irq {irq2} not requested after rebind"
    );
    let fd = open_nb("button")?;
    let before = debug_state("button")?.num("produced");
    press()?;
    wait_produced(before + 1)?;
    check!(drain(&fd)?.len() == 1, "rebound button delivered no event");
    Ok(())
}

/// The level-high interrupt device on PL061 line 5 (`line5-a` or `line5-b`:
/// one of them holds the line, the other is refused), held asserted for
/// seconds on one CPU ([`level::held_does_not_storm`]).
pub fn level_line_held_does_not_storm() -> TestResult {
    let name = ["line5-a", "line5-b"]
        .into_iter()
        .find(|n| std::path::Path::new(&format!("/dev/rpoll-{n}")).exists())
        .ok_or("neither line5-a nor line5-b is bound")?;
    level::held_does_not_storm(&level::LevelLine {
        device: name,
        drive: "5",
        chip: PL061,
        line: 5,
        re_raises: true,
        fence: None,
    })
}
