#!/usr/bin/env bash
# Builds every fuzz target and runs each for a short time from the checked-in seed corpus.
# Exits non-zero on the first crash, leak, timeout or assertion failure; libFuzzer saves the
# input that caused it under fuzz/artifacts/<target>/.
#
#   fuzz/smoke.sh [SECONDS_PER_TARGET]   (default 20)
#
# Environment: FUZZ_TARGETS (space-separated, default: all), FUZZ_SANITIZER (address, the
# default, or none). Uses the nightly toolchain if rustup has one, else the default toolchain
# with RUSTC_BOOTSTRAP=1. Installs cargo-fuzz if it is missing.
#
# New inputs found during a smoke run go to a temporary directory, not into fuzz/corpus.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${1:-20}
sanitizer=${FUZZ_SANITIZER:-address}
start=$SECONDS

toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
else
    echo "smoke: no nightly toolchain; using the default one with RUSTC_BOOTSTRAP=1" >&2
    export RUSTC_BOOTSTRAP=1
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "smoke: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked --quiet
fi

targets=${FUZZ_TARGETS:-$(cargo "${toolchain[@]}" fuzz list)}

# Debug assertions on, so that integer overflow panics too.
echo "==> building fuzz targets (sanitizer: $sanitizer)"
cargo "${toolchain[@]}" fuzz build --debug-assertions --sanitizer "$sanitizer"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

summary=()
for target in $targets; do
    echo "==> $target for ${seconds}s"
    mkdir -p "$scratch/$target"
    log="$scratch/$target.log"
    if ! cargo "${toolchain[@]}" fuzz run --debug-assertions --sanitizer "$sanitizer" \
        "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "smoke: $target FAILED; the input is under fuzz/artifacts/$target/" >&2
        exit 1
    fi
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
    summary+=("$(printf '%-18s %s' "$target" "$done_line")")
done

echo "==> all targets passed in $((SECONDS - start))s"
printf '%s\n' "${summary[@]}"
