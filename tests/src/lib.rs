//! Helpers shared by the end-to-end tests in `tests/tests/`: tests that span crates (the
//! emulator driving the management client and commands, `serve` receiving from the emulator,
//! the migration rehearsal).

/// The path of the `quo-webhooks` binary built for these tests.
///
/// # Panics
///
/// When the binary is not where Cargo puts it for this test run (run the tests through
/// `cargo test` or `cargo nextest`, which build it first).
#[must_use]
pub fn cli_binary() -> std::path::PathBuf {
    let mut path = std::env::current_exe().expect("the test binary has a path");
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    let binary = path.join(format!("quo-webhooks{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build -p quo-webhooks-cli` (scripts/test.sh does)",
        binary.display()
    );
    binary
}
