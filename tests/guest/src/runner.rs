//! The result protocol of the guest test programs, in one place: a plan
//! line, one line per test, a summary, and an exit status that agrees with
//! them (`tests/lib/results.sh` holds the runner to all of it).

use crate::dev::TestResult;

/// Runs `tests` in order and exits: prints `guest plan N`, then `guest test
/// NAME ... ok (MS ms)` or `guest test NAME ... FAILED: why` (a panic is a
/// failure), then `guest: P passed, F failed`; exits 1 if any failed.
pub fn run_and_exit(tests: &[(&str, &dyn Fn() -> TestResult)]) -> ! {
    // The runner checks that exactly this many results follow.
    println!("guest plan {}", tests.len());
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in tests {
        let start = std::time::Instant::now();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(test)).unwrap_or_else(|p| {
            Err(format!(
                "panicked: {}",
                crate::threads::panic_message(p.as_ref())
            ))
        });
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
