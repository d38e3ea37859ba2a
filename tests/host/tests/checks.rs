//! The logic's example-based checks (`src/logic/checks/`), one `#[test]` per
//! check: the same bodies the kernel runs as KUnit suites.

macro_rules! host_suite {
    ($module:ident, $kunit:ident, [$($check:ident),* $(,)?]) => {
        mod $module {
            $(
                #[test]
                fn $check() {
                    if let Err(f) = rpoll_logic::checks::$module::$check() {
                        panic!("{f}");
                    }
                }
            )*
        }
    };
}

rpoll_logic::for_each_check_suite!(host_suite);
