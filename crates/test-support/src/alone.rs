//! Running one test alone in a process of its own.
//!
//! Some facts are process-wide, and a test that depends on them is at the mercy of the tests
//! that run beside it as threads of the same process, as `cargo test` runs them. `tracing` is
//! the case in point: it caches, for the whole process, whether each log call site has any
//! subscriber interested in it. A call site reached for the first time on another test's
//! thread at the very moment a test installs its capturing subscriber can be cached as "no
//! one listens", and that test then never sees the event it asserts on. `cargo nextest`, the
//! README's runner, gives every test a process anyway; [`alone`] gives the same to a test run
//! by `cargo test`, by running it again in a child process with only that test selected.
//!
//! ```no_run
//! #[test]
//! fn logs_without_values() {
//!     if !test_support::alone::alone("logs_without_values") {
//!         return; // it ran, and passed, in a child process of its own
//!     }
//!     // ... the test's body, now the only test in this process
//! }
//! ```

use std::{env, process::Command};

/// Set in the child process: the test it runs.
const CHILD: &str = "TEST_SUPPORT_ALONE";

/// Whether the calling test should run its body here: `true` when this process runs no other
/// test (the child started by an earlier call, or nextest's process per test). Otherwise it
/// runs the test named `path` (its path in the test binary, such as `logs::some_test`) in a
/// child process of this test binary, with only that test selected, and returns `false` once
/// the child passed; it panics with the child's output if it failed or did not run exactly
/// that one test.
///
/// # Panics
/// When the child cannot be started, fails, or does not run the test.
#[must_use]
pub fn alone(path: &str) -> bool {
    if env::var(CHILD).is_ok_and(|running| running == path)
        || env::var("NEXTEST_EXECUTION_MODE").is_ok_and(|mode| mode == "process-per-test")
    {
        return true;
    }
    let exe = env::current_exe().expect("the test binary's own path");
    let output = Command::new(&exe)
        .args([path, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD, path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} again for {path}: {e}", exe.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{path}, alone in a child process, failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    // The harness's summary line: a filter that matched nothing also "passes".
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "{path}, alone in a child process, did not run as one test:\n{stdout}\n{stderr}"
    );
    false
}
