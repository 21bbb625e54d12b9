#!/usr/bin/env bash
# The dashboard's end-to-end test in a real browser: headless Chromium (Debian's `chromium`
# package) driven by Playwright for Python, against `quo-webhooks emulator` and a local
# receiver that fails twice and then succeeds. Screenshots of every page go to docs/.
#
# Installs what it needs (chromium through apt, Playwright in a venv under target/) and fails
# loudly when it cannot; it never skips. Playwright's own browser download is not used.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
cd "$root"

if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
chromium="${CHROMIUM_BIN:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
    echo "chromium not found at $chromium; installing Debian's chromium package" >&2
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq chromium >/dev/null
fi
[ -x "$chromium" ] || { echo "error: chromium is still missing at $chromium" >&2; exit 1; }

target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
venv="$target/dashboard-venv"
if ! "$venv/bin/python" -c 'import playwright.sync_api' 2>/dev/null; then
    echo "setting up Playwright for Python in $venv" >&2
    if ! python3 -m venv "$venv"; then
        echo "python3 cannot make a venv; installing Debian's python3-venv" >&2
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq python3-venv >/dev/null
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check 'playwright>=1.50,<2'
fi

cargo build -q -p quo-webhooks-cli
exec "$venv/bin/python" "$here/test_dashboard.py" \
    --binary "$target/debug/quo-webhooks" \
    --chromium "$chromium" \
    --docs "$root/docs"
