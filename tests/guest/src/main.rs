//! In-guest test suite of rpoll: each test exercises the real driver through
//! `/dev/rpoll-*`, debugfs and sysfs, and prints one result line; the last
//! line is `guest: N passed, N failed`.
//!
//! Usage: `rpoll-guest-tests [NAME-SUBSTRING...]`.

mod dev;
mod irq_tests;
mod lifecycle_tests;
mod poll_tests;
mod read_tests;

use dev::TestResult;

type Test = (&'static str, fn() -> TestResult);

const TESTS: &[Test] = &[
    ("device_nodes_exist", read_tests::device_nodes_exist),
    (
        "several_nodes_several_devices",
        lifecycle_tests::several_nodes_several_devices,
    ),
    (
        "bad_nodes_rejected_with_messages",
        lifecycle_tests::bad_nodes_rejected_with_messages,
    ),
    (
        "blocking_read_waits_for_event",
        read_tests::blocking_read_waits_for_event,
    ),
    (
        "nonblock_empty_gives_eagain",
        read_tests::nonblock_empty_gives_eagain,
    ),
    ("short_buffer_is_einval", read_tests::short_buffer_is_einval),
    (
        "batch_read_returns_many",
        read_tests::batch_read_returns_many,
    ),
    (
        "records_are_consecutive",
        read_tests::records_are_consecutive,
    ),
    ("overflow_is_accounted", read_tests::overflow_is_accounted),
    (
        "two_readers_each_get_every_event",
        read_tests::two_readers_each_get_every_event,
    ),
    (
        "unsupported_operations_fail",
        read_tests::unsupported_operations_fail,
    ),
    (
        "timer_stops_without_readers",
        read_tests::timer_stops_without_readers,
    ),
    (
        "tick_jiffies_advance_by_hz",
        read_tests::tick_jiffies_advance_by_hz,
    ),
    ("epoll_level_triggered", poll_tests::epoll_level_triggered),
    ("epoll_edge_triggered", poll_tests::epoll_edge_triggered),
    ("poll_and_select", poll_tests::poll_and_select),
    (
        "signal_interrupts_read",
        lifecycle_tests::signal_interrupts_read,
    ),
    (
        "unbind_wakes_blocked_readers_and_rebind_works",
        lifecycle_tests::unbind_wakes_blocked_readers_and_rebind_works,
    ),
    (
        "module_unload_and_reload",
        lifecycle_tests::module_unload_and_reload,
    ),
];

fn main() {
    let filters: Vec<String> = std::env::args().skip(1).collect();
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in TESTS {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let start = std::time::Instant::now();
        let r = std::panic::catch_unwind(test).unwrap_or_else(|_| Err("panicked".into()));
        let ms = start.elapsed().as_millis();
        match r {
            Ok(()) => {
                passed += 1;
                println!("guest test {name} ... ok ({ms} ms)");
            }
            Err(msg) => {
                failed += 1;
                println!("guest test {name} ... FAILED: {msg}");
            }
        }
    }
    println!("guest: {passed} passed, {failed} failed");
    std::process::exit(if failed == 0 { 0 } else { 1 });
}
