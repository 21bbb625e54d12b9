#!/usr/bin/env bash
# The 1 MiB ceiling: OpenSSL's HMAC-SHA256 throughput (`openssl speed`, one core) against our
# verifier's and the bare hmac+sha2 floor's at 1 MiB (criterion), interleaved so that both see
# the same machine: openssl, criterion, openssl again.
#
#   benches/openssl_ceiling.sh [SECONDS]    (openssl's time per measurement, default 3)
#
# Installs the openssl command with apt-get if it is missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-3}

if ! command -v openssl >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq openssl >/dev/null
    else
        echo "openssl_ceiling: the openssl command is missing" >&2
        exit 1
    fi
fi

openssl_mb_s() { # HMAC-SHA256 over 1 MiB buffers, in MB/s (10^6 bytes)
    openssl speed -hmac sha256 -bytes 1048576 -seconds "$seconds" 2>/dev/null |
        awk '/^hmac\(sha256\)/ { sub(/k$/, "", $NF); printf "%.0f\n", $NF / 1000 }'
}

echo "==> $(openssl version)"
first=$(openssl_mb_s)
echo "    openssl hmac(sha256), 1 MiB: $first MB/s"

echo "==> criterion: verify/{v1,hmac,hmac-prekeyed}/1MiB"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo bench -q -p benches --bench verify -- '^verify/(v1|hmac|hmac-prekeyed)/1MiB$' >"$log" 2>&1 ||
    { cat "$log" >&2; exit 1; }

second=$(openssl_mb_s)
echo "    openssl hmac(sha256), 1 MiB: $second MB/s"

criterion=${CARGO_TARGET_DIR:-target}/criterion/verify
median_ns() { sed -n 's/.*"median":{"confidence_interval":{[^}]*},"point_estimate":\([0-9.e+-]*\).*/\1/p' "$criterion/$1/1MiB/new/estimates.json"; }

echo
echo "| 1 MiB | MB/s | ÷ OpenSSL |"
echo "|---|---|---|"
awk -v a="$first" -v b="$second" 'BEGIN { printf "| openssl speed -hmac sha256 (mean of 2) | %.0f | 100%% |\n", (a + b) / 2 }'
for f in v1 hmac hmac-prekeyed; do
    ns=$(median_ns "$f")
    awk -v f="$f" -v ns="$ns" -v a="$first" -v b="$second" 'BEGIN {
        mbs = 1048576 / ns * 1000; printf "| %s (criterion median) | %.0f | %.0f%% |\n", f, mbs, 100 * mbs / ((a + b) / 2)
    }'
done
