// SPDX-License-Identifier: GPL-2.0

//! KUnit suites of the logic's checks (`logic::checks`): with
//! `CONFIG_KUNIT=y` the kernel runs them when the module loads and prints
//! KTAP results on the console (the test runner counts them); without it
//! `#[kunit_tests]` compiles them out. The bodies are the ones `cargo test`
//! runs on the host; a failed check prints where it failed and fails its
//! case, with no panic.

macro_rules! kunit_suite {
    ($module:ident, $suite:ident, [$($check:ident),* $(,)?]) => {
        #[kernel::macros::kunit_tests($suite)]
        mod $module {
            use crate::logic::checks::{self, Checked};
            $(
                #[test]
                fn $check() -> Checked {
                    checks::$module::$check().inspect_err(|f| {
                        kernel::pr_err!("{}:{}: check failed: {}\n", f.file, f.line, f.what)
                    })
                }
            )*
        }
    };
}

crate::for_each_check_suite!(kunit_suite);
