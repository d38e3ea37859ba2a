// SPDX-License-Identifier: GPL-2.0

//! Checks of the wake-up window (`logic::wake`).

use super::Checked;
use crate::logic::{
    gpio_edges::Edges,
    uapi::{gpio_source, RPOLL_SOURCE_IRQ},
    wake::{edge_bits, WakeWindow},
};

const PRESS: u32 = gpio_source(true);
const RELEASE: u32 = gpio_source(false);

/// Before any sleep, nothing is a wake-up.
pub fn no_window_no_wakeup() -> Checked {
    let mut w = WakeWindow::new();
    ensure!(!w.claim(PRESS, 100));
    w.close(200);
    ensure!(!w.claim(PRESS, 150));
    Ok(())
}

/// The first wake edge stamped inside the window is the wake-up, and only
/// it; a record stamped before the window opened is not.
pub fn first_wake_edge_in_the_window_only() -> Checked {
    let mut w = WakeWindow::new();
    w.open(1000, edge_bits(Edges::Both));
    ensure!(!w.claim(PRESS, 999));
    ensure!(w.claim(PRESS, 1500));
    ensure!(!w.claim(RELEASE, 1600));
    ensure!(!w.claim(PRESS, 1700));
    Ok(())
}

/// With wake-up on rising edges only, a release inside the window is no
/// wake-up and does not use the window up.
pub fn other_edges_are_not_wakeups() -> Checked {
    let mut w = WakeWindow::new();
    w.open(1000, edge_bits(Edges::Rising));
    ensure!(!w.claim(RELEASE, 1100));
    ensure!(w.claim(PRESS, 1200));
    w.open(5000, edge_bits(Edges::Falling));
    ensure!(!w.claim(PRESS, 5100));
    ensure!(w.claim(RELEASE, 5200));
    Ok(())
}

/// A burst stamped before the close counts even when queued after it; one
/// stamped after the close does not; the next sleep opens a new window.
pub fn the_stamp_decides_and_each_sleep_has_one() -> Checked {
    let mut w = WakeWindow::new();
    w.open(1000, 0);
    w.close(2000);
    ensure!(!w.claim(RPOLL_SOURCE_IRQ, 2001));
    ensure!(w.claim(RPOLL_SOURCE_IRQ, 1999));
    w.close(3000);
    w.open(4000, 0);
    ensure!(w.claim(RPOLL_SOURCE_IRQ, 4000));
    ensure!(!w.claim(RPOLL_SOURCE_IRQ, 4001));
    Ok(())
}
