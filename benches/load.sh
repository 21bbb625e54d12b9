#!/usr/bin/env bash
# Loopback HTTP load test. Two groups of receivers, each measured against its own baseline:
#
# - the four configurations of the layer/ benchmarks, on routes of one axum server
#   (load_server): bare handler, verification, verification + MemoryStore, verification +
#   RedisStore; baseline: the bare axum handler;
# - the whole `quo-webhooks serve` path (verify, deduplicate in memory, one JSON line per event
#   on standard output, here /dev/null; its log lines on standard error, also /dev/null), the
#   real release binary with its defaults; baseline: a plain hyper HTTP/1.1 server that reads the
#   body and answers 200 (hyper_bare).
#
# Prints requests per second and p50/p99 latency side by side, with each throughput as a share
# of its baseline's, and the CPU time the server (and redis-server) spent per request: when the
# load generator, not the server, is what limits a run, the CPU per request still tells what
# each configuration costs, and "CPU-bound share" is the throughput share it would get on a
# saturated server (baseline CPU per request ÷ this configuration's).
#
#   benches/load.sh [SECONDS_PER_CONFIGURATION]     (default 10)
#
# Environment:
#   CONNECTIONS   open connections (default 32)
#   THREADS       wrk threads (default 1)
#   PIN           1 (default on 2+ CPUs): the servers on CPU 0, wrk and redis-server on CPU 1,
#                 so that a server's throughput on one core is what is measured; 0: no pinning
#   REDIS_CPU     when pinned, where redis-server runs: client (default; with wrk, on CPU 1)
#                 or server (on CPU 0, sharing the servers' core, as a Redis beside the
#                 receiver on a one-core host would; its CPU is still not counted as theirs)
#   MEMORY_CAPACITY  room for keys the memory store takes at start (default 0: it grows as
#                 keys arrive, each doubling of its map moving every key in the request path;
#                 a store sized for its steady state never does)
#   WORKERS       each server's runtime threads (default 1 when pinned, else the CPU count)
#   REQUESTS      distinct signed deliveries prepared per configuration (default 1500000)
#   ROUNDS        how many times to run the configurations in turn (default 1); with more
#                 than one, a table of each round's CPU per request, its share of the
#                 baseline's in that round, and the median share
#   CONFIGS       which to run, space-separated, of: bare verify verify-memory verify-redis
#                 hyper-bare serve (default: all six; a group's baseline is added when missing)
#
# Only 127.0.0.1 is used. The script starts its own redis-server on a free port (never 6379)
# with no persistence, and the servers; it kills them all when it exits, however it exits.
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

on_server=() on_client=() on_redis=()
if [ "$pin" = 1 ] && command -v taskset >/dev/null; then
    on_server=(taskset -c 0)
    on_client=(taskset -c 1)
    case ${REDIS_CPU:-client} in
        client) on_redis=("${on_client[@]}") ;;
        server) on_redis=("${on_server[@]}") ;;
        *) echo "load: REDIS_CPU is client or server" >&2; exit 1 ;;
    esac
fi

configs=(${CONFIGS:-bare verify verify-memory verify-redis hyper-bare serve})
want() { [[ " ${configs[*]} " == *" $1 "* ]]; }
for name in "${configs[@]}"; do
    case $name in
        bare|verify|verify-memory|verify-redis|hyper-bare|serve) ;;
        *) echo "load: unknown configuration $name" >&2; exit 1 ;;
    esac
done
# Each group's baseline first, added when missing.
if want verify || want verify-memory || want verify-redis; then want bare || configs=(bare "${configs[@]}"); fi
if want serve && ! want hyper-bare; then
    configs=("${configs[@]/serve/hyper-bare serve}")
    read -r -a configs <<<"${configs[*]}"
fi

echo "==> building load_server, hyper_bare and quo-webhooks"
cargo build --release -q -p benches --bin load_server --bin hyper_bare
target=${CARGO_TARGET_DIR:-target}/release
server_bin=$target/load_server
if want serve; then cargo build --release -q -p quo-webhooks-cli --bin quo-webhooks; fi

work=$(mktemp -d)
server_pid="" hyper_pid="" serve_pid="" redis_pid=""
cleanup() {
    for pid in "$server_pid" "$hyper_pid" "$serve_pid" "$redis_pid"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
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
"${on_redis[@]}" "$redis_bin" --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$work" --logfile "$work/redis.log" &
redis_pid=$!
for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$redis_port" && printf 'PING\r\n' >&3 && read -r -t 1 reply <&3 && [[ $reply == +PONG* ]]) 2>/dev/null; then
        break
    fi
    sleep 0.1
done

wait_listening() { # pid output-file -> the port it printed as "listening 127.0.0.1:PORT"
    local port=""
    for _ in $(seq 100); do
        port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$2")
        [ -n "$port" ] && break
        kill -0 "$1" 2>/dev/null || { cat "$2" >&2; exit 1; }
        sleep 0.1
    done
    [ -n "$port" ] || { echo "load: a server did not start" >&2; exit 1; }
    echo "$port"
}

"${on_server[@]}" "$server_bin" serve --port 0 --workers "$workers" \
    --redis "redis://127.0.0.1:$redis_port" --memory-capacity "${MEMORY_CAPACITY:-0}" \
    >"$work/server.out" 2>&1 &
server_pid=$!
port=$(wait_listening "$server_pid" "$work/server.out")

if want hyper-bare; then
    "${on_server[@]}" "$target/hyper_bare" --port 0 --workers "$workers" >"$work/hyper.out" 2>&1 &
    hyper_pid=$!
    hyper_port=$(wait_listening "$hyper_pid" "$work/hyper.out")
fi

if want serve; then
    serve_port=""
    for _ in $(seq 20); do
        candidate=$((20000 + RANDOM % 30000))
        if [ "$candidate" != 6379 ] && port_is_free "$candidate"; then
            serve_port=$candidate
            break
        fi
    done
    [ -n "$serve_port" ] || { echo "load: no free port for quo-webhooks serve" >&2; exit 1; }
    # Its defaults (memory store, standard output, info logs), both outputs thrown away; the
    # runtime's threads as the other servers'.
    TOKIO_WORKER_THREADS=$workers "${on_server[@]}" "$target/quo-webhooks" serve \
        --listen "127.0.0.1:$serve_port" --path /webhooks --secret "$("$server_bin" secret)" \
        >/dev/null 2>&1 &
    serve_pid=$!
    for _ in $(seq 100); do
        ! port_is_free "$serve_port" && break
        kill -0 "$serve_pid" 2>/dev/null || { echo "load: quo-webhooks serve exited" >&2; exit 1; }
        sleep 0.1
    done
    port_is_free "$serve_port" && { echo "load: quo-webhooks serve did not start" >&2; exit 1; }
fi

http_get() { # port path -> the response body
    exec 3<>"/dev/tcp/127.0.0.1/$1"
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
    cat <&3
    exec 3<&-
}

stats() { # handler runs of one configuration so far
    case $1 in
        hyper-bare) http_get "$hyper_port" /stats | sed -n "s/^hyper-bare=//p" ;;
        serve) # deliveries answered "processed", summed over schemes and event types
            http_get "$serve_port" /metrics |
                awk '/^quo_webhooks_deliveries_total\{/ && /outcome="processed"/ { n += $NF } END { print n + 0 }' ;;
        *) http_get "$port" /stats | sed -n "s/^$1=//p" ;;
    esac
}

run_wrk() { # url seconds deliveries-file -> RESULT line
    "${on_client[@]}" wrk -t"$threads" -c"$connections" -d"$2s" --timeout 5s -s benches/load.lua \
        "$1" -- "$3" "$work/body.json" "$threads" | grep '^RESULT'
}

declare -A url_of pid_of base_of
for name in bare verify verify-memory verify-redis; do pid_of[$name]=$server_pid base_of[$name]=bare; done
url_of[bare]=http://127.0.0.1:$port/bare
url_of[verify]=http://127.0.0.1:$port/verify
url_of[verify-memory]=http://127.0.0.1:$port/memory
url_of[verify-redis]=http://127.0.0.1:$port/redis
url_of[hyper-bare]=http://127.0.0.1:${hyper_port:-0}/
pid_of[hyper-bare]=${hyper_pid:-0} base_of[hyper-bare]=hyper-bare
url_of[serve]=http://127.0.0.1:${serve_port:-0}/webhooks
pid_of[serve]=${serve_pid:-0} base_of[serve]=hyper-bare

clk=$(getconf CLK_TCK)
cpu_ticks() { # user + system CPU ticks of a process so far
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

sign() {
    "$server_bin" sign --count "$requests" --size 1024 --out "$work/deliveries.tsv" --body "$work/body.json"
}

echo "==> load_server on 127.0.0.1:$port${hyper_port:+, hyper_bare on :$hyper_port}${serve_port:+, quo-webhooks serve on :$serve_port} (workers: $workers, pinned: $pin), redis-server on :$redis_port"
echo "==> configurations: ${configs[*]}"
for name in "${configs[@]}"; do
    [ "$name" = "${base_of[$name]}" ] || continue
    echo "==> warm-up: 2s on $name"
    sign
    run_wrk "${url_of[$name]}" 2 "$work/deliveries.tsv" >/dev/null
done

declare -A rps p50 p99 bad runs sent server_ticks redis_ticks busy round_cpu
for round in $(seq "$rounds"); do
    for name in "${configs[@]}"; do
        server=${pid_of[$name]}
        echo "==> round $round: ${name}, ${seconds}s, $connections connections"
        # Fresh deliveries for each run: new ids, and timestamps well inside the tolerance.
        sign
        before=$(stats "$name")
        s0=$(cpu_ticks "$server") r0=$(cpu_ticks "$redis_pid")
        line=$(run_wrk "${url_of[$name]}" "$seconds" "$work/deliveries.tsv")
        s1=$(cpu_ticks "$server") r1=$(cpu_ticks "$redis_pid")
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
        # This round's server CPU per request, in hundredths of a µs, for the per-round ratios.
        round_cpu[$name,$round]=$(( (s1 - s0) * 100000000 / clk / (n > 0 ? n : 1) ))
        redis_ticks[$name]=$(( ${redis_ticks[$name]:-0} + r1 - r0 ))
        busy[$name]=$(( (s1 - s0) * 100 * 1000000 / clk / us ))
        echo "    server CPU: ${busy[$name]}% of one core"
        if [ "$(get wrapped)" != 0 ]; then
            echo "    warning: wrk ran out of distinct deliveries; raise REQUESTS" >&2
        fi
    done
done

echo
echo "| configuration | baseline | requests/s | ÷ baseline | p50 | p99 | server CPU/request | CPU-bound share | redis-server CPU/request | non-2xx + errors | handler runs ÷ requests |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for name in "${configs[@]}"; do
    b=${base_of[$name]}
    r=$(( ${rps[$name]} / rounds ))
    base=$(( ${rps[$b]} / rounds ))
    base_cpu=$(awk -v t="${server_ticks[$b]}" -v c="$clk" -v n="${sent[$b]}" 'BEGIN { print t / c * 1e6 / n }')
    awk -v n="$name" -v bn="$b" -v r="$r" -v b="$base" -v p50="${p50[$name]}" -v p99="${p99[$name]}" \
        -v bad="${bad[$name]}" -v runs="${runs[$name]}" -v sent="${sent[$name]}" -v c="$clk" \
        -v st="${server_ticks[$name]}" -v rt="${redis_ticks[$name]}" -v bc="$base_cpu" 'BEGIN {
        cpu = st / c * 1e6 / sent; rcpu = rt / c * 1e6 / sent
        printf "| %s | %s | %d | %.0f%% | %.0f µs | %.0f µs | %.1f µs | %.0f%% | %.1f µs | %d | %.3f |\n",
            n, bn, r, 100 * r / b, p50, p99, cpu, 100 * bc / cpu, rcpu, bad, (sent > 0 ? runs / sent : 0)
    }'
done
if [ "$rounds" -gt 1 ]; then
    # The host's noise moves whole rounds: each round's ratio to its own baseline, measured
    # minutes apart at most, and their median, are steadier than the sums above.
    echo
    echo "Server CPU per request by round, and this configuration's share of its baseline's (baseline ÷ this):"
    echo
    header="| configuration |" rule="|---|"
    for round in $(seq "$rounds"); do header+=" round $round |" rule+="---|"; done
    echo "$header median share | lowest | highest |"
    echo "$rule---|---|---|"
    for name in "${configs[@]}"; do
        b=${base_of[$name]}
        row="| $name |" shares=()
        for round in $(seq "$rounds"); do
            c=${round_cpu[$name,$round]} bc=${round_cpu[$b,$round]}
            share=$(( c > 0 ? bc * 1000 / c : 0 ))
            shares+=("$share")
            row+=" $(awk -v c="$c" -v s="$share" 'BEGIN { printf "%.1f µs (%.0f%%)", c / 100, s / 10 }') |"
        done
        row+=$(printf '%s\n' "${shares[@]}" | sort -n | awk '{ v[NR] = $1 } END {
            m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf " %.0f%% | %.0f%% | %.0f%% |", m / 10, v[1] / 10, v[NR] / 10 }')
        echo "$row"
    done
fi
echo
echo "(requests/s: mean of $rounds round(s); p50/p99 from the last round; CPU per request summed over"
placement=""
[ -n "${on_redis[*]}" ] && placement=", redis-server on the ${REDIS_CPU:-client}'s CPU"
echo " all rounds; server pinned: $pin$placement, workers: $workers; $cpus CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'))"
