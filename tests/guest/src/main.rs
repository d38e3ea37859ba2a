//! In-guest test suite of rpoll: each test exercises the real driver through
//! `/dev/rpoll-*`, debugfs and sysfs, and prints one result line; the last
//! line is `guest: N passed, N failed`.
//!
//! Usage: `rpoll-guest-tests [MODE] [NAME-SUBSTRING...]`; MODE is one of
//! - `--compat`: a 32-bit build on a 64-bit kernel runs the read, ioctl and
//!   poll tests through the compat layer;
//! - `--builtin`: on a kernel with rpoll built in, every test but those that
//!   unload the module, each of which is named with its reason
//!   (`guest skip NAME: why`), after a check that rpoll is built in;
//! - `--expect-module-sha256 X`: first checks that rpoll is loaded from
//!   `/lib/modules/rpoll.ko` and that this file's SHA-256 is X (a module
//!   installed by a build under test, not the image's own).

pub(crate) use rpoll_guest_tests::{check, dev};
mod bad_input_tests;
mod cli_tests;
mod config_tests;
mod gpio_tests;
mod ioctl_tests;
mod irq_tests;
mod lifecycle_tests;
mod nowait_tests;
mod pm_tests;
mod poll_tests;
mod polled_gpio_tests;
mod read_tests;
mod sleeping_gpio_tests;
mod timer_tests;
mod trace_tests;
mod watermark_tests;

use dev::TestResult;

type Test = (&'static str, fn() -> TestResult);

/// `(name, function)` pairs, named after the function.
macro_rules! tests {
    ($($module:ident::$name:ident),* $(,)?) => {
        &[$((stringify!($name), $module::$name)),*]
    };
}

/// In order: the unbind/rebind and module reload tests come last.
const TESTS: &[Test] = tests![
    read_tests::device_nodes_exist,
    lifecycle_tests::several_nodes_several_devices,
    lifecycle_tests::bad_nodes_rejected_with_messages,
    read_tests::blocking_read_waits_for_event,
    read_tests::nonblock_empty_gives_eagain,
    read_tests::short_buffer_is_einval,
    read_tests::batch_read_returns_many,
    read_tests::records_are_consecutive,
    read_tests::overflow_is_accounted,
    read_tests::two_readers_each_get_every_event,
    read_tests::unsupported_operations_fail,
    timer_tests::timer_stops_without_readers,
    timer_tests::tick_jiffies_advance_by_hz,
    poll_tests::epoll_level_triggered,
    poll_tests::epoll_edge_triggered,
    poll_tests::poll_and_select,
    poll_tests::tokio_stream_two_devices,
    nowait_tests::rwf_nowait_read,
    nowait_tests::io_uring_read_without_worker,
    ioctl_tests::rust_info_and_stats,
    ioctl_tests::rust_flush_clock_period_errors,
    ioctl_tests::rust_ioctl_errors,
    ioctl_tests::set_period_changes_interval,
    cli_tests::cli_watch_json,
    cli_tests::cli_list_stats_set_period,
    cli_tests::tai_clock_and_time_formats,
    cli_tests::cli_idle_timeout_and_heartbeat,
    ioctl_tests::c_example_prints_records,
    ioctl_tests::c_ioctl_suite,
    bad_input_tests::bad_input_matrix,
    bad_input_tests::fuzz_reads_and_ioctls,
    bad_input_tests::reader_cap_bounds_memory,
    bad_input_tests::deep_queue_open_without_high_order_pages,
    irq_tests::button_is_bound,
    irq_tests::presses_wake_epoll_reader,
    irq_tests::two_readers_and_a_late_one,
    irq_tests::full_queue_accounts_loss,
    irq_tests::presses_without_reader_are_counted,
    irq_tests::timer_and_button_together,
    irq_tests::level_line_held_does_not_storm,
    gpio_tests::gpio_lines_requested_and_described,
    gpio_tests::gpio_active_low_press_and_release,
    gpio_tests::gpio_bounce_burst_settles,
    gpio_tests::gpio_single_edge_lines,
    gpio_tests::gpio_two_lines_alternately,
    gpio_tests::gpio_thousand_fast_edges,
    gpio_tests::gpio_short_pulse_seen_by_every_reader,
    sleeping_gpio_tests::sim_lines_requested_and_described,
    sleeping_gpio_tests::sim_press_and_release,
    sleeping_gpio_tests::sim_bouncy_press_is_one_press,
    sleeping_gpio_tests::sim_level_ioctl_follows_line,
    sleeping_gpio_tests::sim_overflow_accounted,
    sleeping_gpio_tests::initial_record_has_no_gap_to_the_first_edge,
    polled_gpio_tests::pl061_polled_press_and_release,
    polled_gpio_tests::sim_polled_edges_at_sample_times,
    polled_gpio_tests::sim_polled_debounce_in_samples,
    polled_gpio_tests::sim_polled_rising_only,
    polled_gpio_tests::sim_polled_samples_only_while_open,
    config_tests::set_config_edges_and_debounce,
    config_tests::set_config_mid_burst,
    config_tests::set_config_sampling_interval,
    config_tests::sampled_line_at_the_shortest_interval,
    config_tests::set_config_irq_debounce,
    config_tests::edge_mask_filters_one_reader,
    pm_tests::wakeup_source_enabled_by_default,
    pm_tests::level_ioctl_follows_line,
    pm_tests::press_wakes_from_suspend,
    pm_tests::press_without_wakeup_reported_after_rtc_wake,
    pm_tests::press_and_release_while_asleep,
    pm_tests::release_does_not_wake_the_system,
    pm_tests::trace_system_wakeup_names_the_press,
    pm_tests::timer_stands_still_across_suspend,
    pm_tests::epollwakeup_holds_off_suspend,
    pm_tests::pm_test_cycles,
    timer_tests::timer_stays_on_grid,
    timer_tests::timer_follows_reader,
    timer_tests::timer_survives_its_cpu_going_offline,
    timer_tests::late_callbacks_count_overruns,
    watermark_tests::watermark_wakes_at_count,
    watermark_tests::watermark_delay_bounds_the_wait,
    watermark_tests::watermark_unbind_and_signal_wake_at_once,
    watermark_tests::watermark_overflow_counted,
    watermark_tests::watermark_bad_requests_change_nothing,
    cli_tests::cli_watch_watermark,
    read_tests::partial_read_fault_accounted,
    ioctl_tests::set_period_applies_at_once_device_wide,
    ioctl_tests::unprivileged_set_period_on_irq_is_eperm,
    lifecycle_tests::misc_device_links_to_platform_device,
    cli_tests::cli_reports_permission_and_unbind,
    lifecycle_tests::group_access_with_the_mdev_rule,
    trace_tests::trace_record_fires_per_record,
    trace_tests::trace_drop_fires_per_lost_record,
    trace_tests::trace_read_says_records_and_wait,
    trace_tests::trace_reader_attach_and_detach,
    trace_tests::trace_overrun_counts_skipped_periods,
    trace_tests::trace_config_names_each_change,
    trace_tests::trace_wake_gives_each_reason,
    lifecycle_tests::unbind_keeps_queued_records_readable,
    lifecycle_tests::signal_interrupts_read,
    lifecycle_tests::unbind_wakes_blocked_readers_and_rebind_works,
    irq_tests::button_unbind_frees_irq_and_rebind,
    gpio_tests::gpio_line_free_after_unbind,
    sleeping_gpio_tests::sim_chip_unbound_under_readers,
    lifecycle_tests::module_unload_and_reload,
];

/// The tests a 32-bit build runs on a 64-bit kernel (`--compat`): every
/// read, ioctl and readiness path through the compat syscall layer.
const COMPAT: &[&str] = &[
    "device_nodes_exist",
    "blocking_read_waits_for_event",
    "nonblock_empty_gives_eagain",
    "short_buffer_is_einval",
    "batch_read_returns_many",
    "records_are_consecutive",
    "overflow_is_accounted",
    "unsupported_operations_fail",
    "epoll_level_triggered",
    "poll_and_select",
    "rwf_nowait_read",
    "io_uring_read_without_worker",
    "rust_info_and_stats",
    "rust_flush_clock_period_errors",
    "rust_ioctl_errors",
    "set_period_changes_interval",
    "cli_watch_json",
    "cli_list_stats_set_period",
    "c_example_prints_records",
    "c_ioctl_suite",
    "bad_input_matrix",
    "fuzz_reads_and_ioctls",
    "gpio_lines_requested_and_described",
    "gpio_active_low_press_and_release",
    "gpio_short_pulse_seen_by_every_reader",
    "set_config_edges_and_debounce",
    "edge_mask_filters_one_reader",
    "initial_record_has_no_gap_to_the_first_edge",
    "tai_clock_and_time_formats",
    "partial_read_fault_accounted",
    "watermark_wakes_at_count",
    "watermark_delay_bounds_the_wait",
    "watermark_bad_requests_change_nothing",
];

/// Tests that need a kernel option that not every guest kernel has (fault
/// injection is in the debug flavour only): on a kernel without it each is
/// named with its reason (`guest skip NAME: why`) instead of run.
/// The trace event tests need tracefs with events (`CONFIG_EVENT_TRACING`,
/// which any tracer selects): the arm64 kernels have it, the ARMv7 one not.
const NEEDS_CONFIG: &[(&str, &str)] = &[
    (
        "deep_queue_open_without_high_order_pages",
        "CONFIG_FAIL_PAGE_ALLOC",
    ),
    ("trace_record_fires_per_record", "CONFIG_EVENT_TRACING"),
    ("trace_drop_fires_per_lost_record", "CONFIG_EVENT_TRACING"),
    ("trace_read_says_records_and_wait", "CONFIG_EVENT_TRACING"),
    ("trace_reader_attach_and_detach", "CONFIG_EVENT_TRACING"),
    (
        "trace_overrun_counts_skipped_periods",
        "CONFIG_EVENT_TRACING",
    ),
    ("trace_config_names_each_change", "CONFIG_EVENT_TRACING"),
    ("trace_wake_gives_each_reason", "CONFIG_EVENT_TRACING"),
    (
        "trace_system_wakeup_names_the_press",
        "CONFIG_EVENT_TRACING",
    ),
];

/// Tests that `--builtin` leaves out, with the reason it declares for each:
/// they unload and load the module, which a kernel with rpoll built in has
/// not.
const NEEDS_MODULE: &[(&str, &str)] = &[(
    "module_unload_and_reload",
    "rmmod/insmod: rpoll is built into this kernel",
)];

/// `--builtin` only: rpoll is in the kernel image, not a loaded module.
fn driver_is_built_in() -> TestResult {
    let modules = std::fs::read_to_string("/proc/modules").unwrap_or_default();
    check!(
        !modules.lines().any(|l| l.starts_with("rpoll ")),
        "rpoll is a loaded module: {modules}"
    );
    check!(
        std::path::Path::new("/sys/bus/platform/drivers/rpoll").exists(),
        "no platform driver 'rpoll' registered"
    );
    Ok(())
}

/// The `X` of `--expect-module-sha256 X`.
static EXPECTED_SHA256: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// `--expect-module-sha256 X` only: `/init` loaded rpoll from
/// `/lib/modules/rpoll.ko`, and that file is the build whose SHA-256 is X.
fn loaded_module_is_the_expected_build() -> TestResult {
    use sha2::{Digest, Sha256};
    let want = EXPECTED_SHA256.get().cloned().unwrap_or_default();
    let modules = std::fs::read_to_string("/proc/modules").unwrap_or_default();
    check!(
        modules.lines().any(|l| l.starts_with("rpoll ")),
        "rpoll is not loaded"
    );
    let image = std::fs::read("/lib/modules/rpoll.ko")
        .map_err(|e| format!("/lib/modules/rpoll.ko: {e}"))?;
    let got: String = Sha256::digest(&image)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    check!(
        want.len() == 64 && got == want,
        "/lib/modules/rpoll.ko has SHA-256 {got}, not the expected {want}"
    );
    Ok(())
}

/// `--compat` only: this really is a 32-bit process on a 64-bit kernel.
fn compat_process_is_32bit() -> TestResult {
    // The runner ships the running kernel's config as /etc/kernel.config.
    let config = std::fs::read_to_string("/etc/kernel.config").unwrap_or_default();
    check!(
        std::mem::size_of::<usize>() == 4,
        "pointers are {} bytes: not a 32-bit build",
        std::mem::size_of::<usize>()
    );
    check!(
        config.lines().any(|l| l == "CONFIG_ARM64=y")
            && config.lines().any(|l| l == "CONFIG_COMPAT=y"),
        "the kernel is not an arm64 kernel with CONFIG_COMPAT"
    );
    Ok(())
}

fn main() {
    let mut filters: Vec<String> = std::env::args().skip(1).collect();
    let mode = filters.first().cloned().unwrap_or_default();
    let compat_check: Test = ("compat_process_is_32bit", compat_process_is_32bit);
    let builtin_check: Test = ("driver_is_built_in", driver_is_built_in);
    let sha256_check: Test = (
        "loaded_module_is_the_expected_build",
        loaded_module_is_the_expected_build,
    );
    let matches = |name: &str, filters: &[String]| {
        filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
    };
    let selected: Vec<&Test> = match mode.as_str() {
        "--compat" => {
            filters.remove(0);
            let sel: Vec<&Test> = std::iter::once(&compat_check)
                .chain(TESTS.iter().filter(|(name, _)| COMPAT.contains(name)))
                .collect();
            if sel.len() != COMPAT.len() + 1 {
                println!("guest: --compat names a test that does not exist");
                std::process::exit(2);
            }
            sel
        }
        "--builtin" => {
            filters.remove(0);
            for (name, why) in NEEDS_MODULE {
                if !TESTS.iter().any(|(n, _)| n == name) {
                    println!("guest: --builtin skips a test that does not exist: {name}");
                    std::process::exit(2);
                }
                println!("guest skip {name}: {why}");
            }
            std::iter::once(&builtin_check)
                .chain(TESTS.iter().filter(|(name, _)| {
                    !NEEDS_MODULE.iter().any(|(n, _)| n == name) && matches(name, &filters)
                }))
                .collect()
        }
        "--expect-module-sha256" => {
            if filters.len() < 2 {
                println!("guest: --expect-module-sha256 needs a value");
                std::process::exit(2);
            }
            let want = filters.remove(1);
            filters.remove(0);
            let _ = EXPECTED_SHA256.set(want);
            std::iter::once(&sha256_check)
                .chain(TESTS.iter().filter(|(name, _)| matches(name, &filters)))
                .collect()
        }
        _ => TESTS
            .iter()
            .filter(|(name, _)| matches(name, &filters))
            .collect(),
    };
    // Every filter must select a test: a renamed test must not silently
    // drop out of a group's plan.
    if let Some(f) = filters
        .iter()
        .find(|f| !TESTS.iter().any(|(name, _)| name.contains(f.as_str())))
    {
        println!("guest: the filter '{f}' matches no test");
        std::process::exit(2);
    }
    // The runner ships the running kernel's config as /etc/kernel.config.
    let config = std::fs::read_to_string("/etc/kernel.config").unwrap_or_default();
    for (name, _) in NEEDS_CONFIG {
        if !TESTS.iter().any(|(n, _)| n == name) {
            println!("guest: NEEDS_CONFIG names a test that does not exist: {name}");
            std::process::exit(2);
        }
    }
    let selected: Vec<&Test> = selected
        .into_iter()
        .filter(|(name, _)| {
            let missing = NEEDS_CONFIG.iter().find(|(n, option)| {
                n == name && !config.lines().any(|l| l == format!("{option}=y"))
            });
            if let Some((_, option)) = missing {
                println!("guest skip {name}: the kernel has no {option}");
            }
            missing.is_none()
        })
        .collect();
    if selected.is_empty() {
        println!("guest: no test matches {filters:?}");
        std::process::exit(2);
    }
    let tests: Vec<(&str, &dyn Fn() -> TestResult)> = selected
        .into_iter()
        .map(|(name, f)| (*name, f as &dyn Fn() -> TestResult))
        .collect();
    rpoll_guest_tests::runner::run_and_exit(&tests);
}
