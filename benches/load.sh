#!/usr/bin/env bash
# Loopback HTTP load test of the four receiver configurations of the layer/ benchmarks: bare
# handler, verification, verification + MemoryStore, verification + RedisStore. Prints
# requests per second and p50/p99 latency side by side, with each throughput as a share of the
# bare handler's, and the CPU time the server (and redis-server) spent per request: when the
# load generator, not the server, is what limits a run, the CPU per request still tells what
# each configuration costs, and "CPU-bound share" is the throughput share it would get on a
# saturated server (bare CPU per request ÷ this configuration's).
#
#   benches/load.sh [SECONDS_PER_CONFIGURATION]     (default 10)
#
# Environment:
#   CONNECTIONS   open connections (default 32)
#   THREADS       wrk threads (default 1)
#   PIN           1 (default on 2+ CPUs): the server on CPU 0, wrk and redis-server on CPU 1,
#                 so that the server's throughput on one core is what is measured; 0: no pinning
#   WORKERS       the server's runtime threads (default 1 when pinned, else the CPU count)
#   REQUESTS      distinct signed deliveries prepared per configuration (default 1500000)
#   ROUNDS        how many times to run the four configurations in turn (default 1)
#
# Only 127.0.0.1 is used. The script starts its own redis-server on a free port (never 6379)
# with no persistence, and the load server; it kills both when it exits, however it exits.
# Needs wrk (installed with apt-get if missing and we are root) and redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
connections=${CONNECTIONS:-32}
threads=${THREADS:-1}
requests=${REQUESTS:-1500000}
rounds=${ROUNDS:-1}
cpus=$(nproc)
pin=${PIN:-$([ "$cpus" -ge 2 ] && echo 1 || echo 0)}
if [ "$pin" = 1 ]; then workers=${WORKERS:-1}; else workers=${WORKERS:-$cpus}; fi

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        echo "load: installing wrk" >&2
        apt-get update -qq && apt-get install -y -qq wrk >/dev/null
    else
        echo "load: wrk not found (apt-get install wrk)" >&2
        exit 1
    fi
fi
redis_bin=${REDIS_SERVER_BIN:-redis-server}
command -v "$redis_bin" >/dev/null || { echo "load: $redis_bin not found" >&2; exit 1; }

on_server=() on_client=()
if [ "$pin" = 1 ] && command -v taskset >/dev/null; then
    on_server=(taskset -c 0)
    on_client=(taskset -c 1)
fi

echo "==> building load_server"
cargo build --release -q -p benches --bin load_server
server_bin=${CARGO_TARGET_DIR:-target}/release/load_server

work=$(mktemp -d)
server_pid="" redis_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# redis-server on a free port, nothing saved to disk.
redis_port=""
for _ in $(seq 20); do
    candidate=$((20000 + RANDOM % 30000))
    if [ "$candidate" != 6379 ] && port_is_free "$candidate"; then
        redis_port=$candidate
        break
    fi
done
[ -n "$redis_port" ] || { echo "load: no free port for redis-server" >&2; exit 1; }
"${on_client[@]}" "$redis_bin" --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$work" --logfile "$work/redis.log" &
redis_pid=$!
for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$redis_port" && printf 'PING\r\n' >&3 && read -r -t 1 reply <&3 && [[ $reply == +PONG* ]]) 2>/dev/null; then
        break
    fi
    sleep 0.1
done

"${on_server[@]}" "$server_bin" serve --port 0 --workers "$workers" \
    --redis "redis://127.0.0.1:$redis_port" >"$work/server.out" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 100); do
    port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/server.out")
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.out" >&2; exit 1; }
    sleep 0.1
done
[ -n "$port" ] || { echo "load: the server did not start" >&2; exit 1; }

stats() { # handler runs of one configuration so far
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf 'GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
    sed -n "s/^$1=//p" <&3
    exec 3<&-
}

run_wrk() { # path seconds deliveries-file -> RESULT line
    "${on_client[@]}" wrk -t"$threads" -c"$connections" -d"$2s" --timeout 5s -s benches/load.lua \
        "http://127.0.0.1:$port$1" -- "$3" "$work/body.json" "$threads" | grep '^RESULT'
}

clk=$(getconf CLK_TCK)
cpu_ticks() { # user + system CPU ticks of a process so far
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

sign() {
    "$server_bin" sign --count "$requests" --size 1024 --out "$work/deliveries.tsv" --body "$work/body.json"
}

echo "==> server on 127.0.0.1:$port (workers: $workers, pinned: $pin), redis-server on :$redis_port"
echo "==> warm-up: 2s on /bare"
sign
run_wrk /bare 2 "$work/deliveries.tsv" >/dev/null

declare -A rps p50 p99 bad runs sent server_ticks redis_ticks busy
configs=(bare verify verify-memory verify-redis)
paths=(/bare /verify /memory /redis)
for round in $(seq "$rounds"); do
    for k in "${!configs[@]}"; do
        name=${configs[$k]}
        echo "==> round $round: ${name}, ${seconds}s, $connections connections"
        # Fresh deliveries for each run: new ids, and timestamps well inside the tolerance.
        sign
        before=$(stats "$name")
        s0=$(cpu_ticks "$server_pid") r0=$(cpu_ticks "$redis_pid")
        line=$(run_wrk "${paths[$k]}" "$seconds" "$work/deliveries.tsv")
        s1=$(cpu_ticks "$server_pid") r1=$(cpu_ticks "$redis_pid")
        after=$(stats "$name")
        echo "    $line"
        get() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $line"; }
        n=$(get requests) us=$(get duration_us)
        rps[$name]=$(( ${rps[$name]:-0} + n * 1000000 / us ))
        p50[$name]=$(get p50_us) p99[$name]=$(get p99_us)
        bad[$name]=$(( ${bad[$name]:-0} + $(get non2xx) + $(get socket_errors) ))
        runs[$name]=$(( ${runs[$name]:-0} + after - before ))
        sent[$name]=$(( ${sent[$name]:-0} + n ))
        server_ticks[$name]=$(( ${server_ticks[$name]:-0} + s1 - s0 ))
        redis_ticks[$name]=$(( ${redis_ticks[$name]:-0} + r1 - r0 ))
        busy[$name]=$(( (s1 - s0) * 100 * 1000000 / clk / us ))
        echo "    server CPU: ${busy[$name]}% of one core"
        if [ "$(get wrapped)" != 0 ]; then
            echo "    warning: wrk ran out of distinct deliveries; raise REQUESTS" >&2
        fi
    done
done

echo
echo "| configuration | requests/s | ÷ bare | p50 | p99 | server CPU/request | CPU-bound share | redis-server CPU/request | non-2xx + errors | handler runs ÷ requests |"
echo "|---|---|---|---|---|---|---|---|---|---|"
base=$(( ${rps[bare]} / rounds ))
base_cpu=$(awk -v t="${server_ticks[bare]}" -v c="$clk" -v n="${sent[bare]}" 'BEGIN { print t / c * 1e6 / n }')
for name in "${configs[@]}"; do
    r=$(( ${rps[$name]} / rounds ))
    awk -v n="$name" -v r="$r" -v b="$base" -v p50="${p50[$name]}" -v p99="${p99[$name]}" \
        -v bad="${bad[$name]}" -v runs="${runs[$name]}" -v sent="${sent[$name]}" -v c="$clk" \
        -v st="${server_ticks[$name]}" -v rt="${redis_ticks[$name]}" -v bc="$base_cpu" 'BEGIN {
        cpu = st / c * 1e6 / sent; rcpu = rt / c * 1e6 / sent
        printf "| %s | %d | %.0f%% | %.0f µs | %.0f µs | %.1f µs | %.0f%% | %.1f µs | %d | %.3f |\n",
            n, r, 100 * r / b, p50, p99, cpu, 100 * bc / cpu, rcpu, bad, (sent > 0 ? runs / sent : 0)
    }'
done
echo
echo "(requests/s: mean of $rounds round(s); p50/p99 from the last round; CPU per request summed over"
echo " all rounds; server pinned: $pin, workers: $workers; $cpus CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'))"
