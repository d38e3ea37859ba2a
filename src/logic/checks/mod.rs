// SPDX-License-Identifier: GPL-2.0

//! Example-based checks of the logic, one body for two runners: `cargo test`
//! on the host (`tests/host/tests/checks.rs`) and KUnit inside the kernel
//! (`src/kunit.rs`), on every architecture the module is built for.
//!
//! A check is a `fn() -> Checked` with no allocation and little stack (KUnit
//! runs it on a kernel thread's stack); [`ensure!`] returns a [`Failure`]
//! naming the condition and its line instead of panicking, so a failing check
//! inside the kernel is a failed KUnit case, not an oops. Property tests need
//! `std` and stay on the host (`tests/host/tests/`).

use core::fmt;

/// A check that did not hold: where, and what.
#[derive(Debug)]
pub struct Failure {
    /// The source file of the check.
    pub file: &'static str,
    /// The line of the failed [`ensure!`].
    pub line: u32,
    /// The condition that was false.
    pub what: &'static str,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: check failed: {}",
            self.file, self.line, self.what
        )
    }
}

/// What a check returns.
pub type Checked = Result<(), Failure>;

/// Returns a [`Failure`] from the enclosing check unless `$cond` holds.
macro_rules! ensure {
    ($cond:expr) => {
        if !$cond {
            return Err(super::Failure {
                file: file!(),
                line: line!(),
                what: stringify!($cond),
            });
        }
    };
}

/// [`ensure!`] that `$left == $right`.
macro_rules! ensure_eq {
    ($left:expr, $right:expr) => {
        ensure!($left == $right)
    };
}

/// The `Ok` value of `$result`, or a [`Failure`] from the enclosing check.
macro_rules! ensure_ok {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(_) => {
                return Err(super::Failure {
                    file: file!(),
                    line: line!(),
                    what: stringify!($result),
                })
            }
        }
    };
}

pub mod chunk;
pub mod debounce;
pub mod decimal;
pub mod gpio_edges;
pub mod params;
pub mod queue;
pub mod sample;
pub mod text;
pub mod uapi;
pub mod wake;

/// Calls `$runner!(module, kunit_suite_name, [check, ...])` for every module
/// of checks: the one list both runners expand, so no check is left out of
/// either.
#[macro_export]
macro_rules! for_each_check_suite {
    ($runner:ident) => {
        $runner!(
            chunk,
            rpoll_chunk,
            [pushes_in_order_up_to_capacity, shows_only_what_was_pushed]
        );
        $runner!(
            debounce,
            rpoll_debounce,
            [
                disabled_window_passes_every_edge,
                a_bounce_burst_is_one_event,
                edges_exactly_one_window_apart_are_separate,
            ]
        );
        $runner!(
            decimal,
            rpoll_decimal,
            [
                formats_edges_of_each_digit_count,
                matches_a_subtraction_reference,
            ]
        );
        $runner!(
            gpio_edges,
            rpoll_gpio_edges,
            [
                edges_parse,
                zero_window_reports_changes_and_merges_repeats,
                a_burst_ending_where_it_started_reports_nothing,
                resync_reports_a_change_no_interrupt_announced,
                samples_become_edges_in_reported_directions,
                window_change_retimes_a_settling_burst,
            ]
        );
        $runner!(
            params,
            rpoll_params,
            [
                period_bounds,
                depth_rules,
                label_rules,
                messages_name_property_and_range,
                debounce_rules,
                edges_default_both_and_unknown_values_are_refused,
                level_window_has_a_floor,
                poll_interval_rules,
                wakeup_edges_rules,
                config_requests_checked_whole,
            ]
        );
        $runner!(
            queue,
            rpoll_queue,
            [
                rejects_bad_capacities,
                fifo_order_without_overflow,
                overflow_drops_oldest_and_reports_loss_on_next_record,
                undelivered_records_become_losses_of_the_next_record,
                flush_counts_as_loss,
                skipped_events_are_counted_as_filtered,
                initial_record_first_only_if_asked_in_time,
                watermark_wakes_by_count_or_age,
                watermark_requests_checked,
            ]
        );
        $runner!(
            sample,
            rpoll_sample,
            [clock_selection_picks_the_right_timestamp]
        );
        $runner!(
            uapi,
            rpoll_uapi,
            [
                records_encode_field_by_field,
                ioctl_numbers_use_the_generic_encoding,
                info_name_is_truncated_with_its_nul,
                config_and_edge_mask_wire_forms,
            ]
        );
        $runner!(
            wake,
            rpoll_wake,
            [
                no_window_no_wakeup,
                first_wake_edge_in_the_window_only,
                other_edges_are_not_wakeups,
                the_stamp_decides_and_each_sleep_has_one,
            ]
        );
    };
}
