#!/usr/bin/env bash
# Runs every test in the workspace: unit, integration (against redis-server instances the tests
# start themselves on free ports), property tests and doctests.
# The Redis tests need the redis-server and redis-cli binaries; install them if they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v "${REDIS_SERVER_BIN:-redis-server}" >/dev/null || ! command -v "${REDIS_CLI_BIN:-redis-cli}" >/dev/null; then
    echo "redis-server/redis-cli not found; installing Debian's redis-server package" >&2
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq && $sudo apt-get install -y -qq redis-server >/dev/null
fi

# The command-line tests run the curl line that `quo-webhooks sign --curl` prints.
if ! command -v curl >/dev/null; then
    echo "curl not found; installing it" >&2
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq && $sudo apt-get install -y -qq curl >/dev/null
fi

# The emulator's rotation test verifies with the Python `standardwebhooks` package, which it
# installs from PyPI into a virtual environment of its own; that needs python3 with venv.
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    echo "python3 with venv not found; installing Debian's python3-venv" >&2
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq && $sudo apt-get install -y -qq python3 python3-venv >/dev/null
fi

if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --all-features --no-fail-fast "$@"
    cargo test --workspace --all-features --doc
else
    cargo test --workspace --all-features --no-fail-fast "$@"
fi

# The emulator's dashboard, driven in headless Chromium through Playwright for Python: installs
# Debian's chromium and a venv under target/ when missing, fails (never skips) when it cannot.
bash crates/quo-emulator/tests/browser/run.sh
