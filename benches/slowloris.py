#!/usr/bin/env python3
"""Issue 14's first defect at its original scale: 1,000 slow clients against `quo-webhooks
serve` with its default limits, while a genuine delivery is sent every 0.5 s.

Each slow client opens a connection and sends a request head one byte every 100 ms and never
finishes it. Reports how the genuine deliveries were answered during the attack (status and
time), how many slow connections the server held, refused and cut off, and that every genuine
delivery was processed exactly once.

    python3 benches/slowloris.py [--binary target/release/quo-webhooks] [--clients 1000] [--seconds 20]
"""

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
HEAD = b"POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + b"X-Slow: " + b"a" * 4000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def slow_client(port, stats, stop):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        stats["connect_failed"] += 1
        return
    stats["opened"] += 1
    try:
        for byte in HEAD:
            if stop.is_set():
                break
            writer.write(bytes([byte]))
            await writer.drain()
            try:
                data = await asyncio.wait_for(reader.read(4096), timeout=0.1)
            except asyncio.TimeoutError:
                continue
            if data.startswith(b"HTTP/1.1 503"):
                stats["refused_503"] += 1
            elif data:
                stats["answered_other"] += 1
            else:
                stats["closed_by_server"] += 1
            return
        stats["still_open_at_end"] += 1
    except (ConnectionError, OSError):
        stats["closed_by_server"] += 1
    finally:
        writer.close()


def genuine(binary, url, ident):
    started = time.monotonic()
    out = subprocess.run(
        [binary, "send", url, "--secret", SECRET, "--id", ident],
        capture_output=True, text=True, timeout=60,
    )
    took = time.monotonic() - started
    line = (out.stdout.strip().splitlines() or ["?"])[-1]
    return took, line


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/release/quo-webhooks")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    port = free_port()
    out_path = f"/tmp/slowloris-{port}.jsonl"
    with open(out_path, "w") as out:
        server = subprocess.Popen(
            [args.binary, "serve", "--listen", f"127.0.0.1:{port}", "--secret", SECRET],
            stdout=out, stderr=subprocess.DEVNULL,
        )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/webhooks"
        stats = dict.fromkeys(
            ["opened", "connect_failed", "refused_503", "closed_by_server", "answered_other", "still_open_at_end"], 0)
        stop = asyncio.Event()
        clients = [asyncio.create_task(slow_client(port, stats, stop)) for _ in range(args.clients)]
        await asyncio.sleep(1.0)  # the attack is in place
        loop = asyncio.get_running_loop()
        results = []
        ids = []
        deadline = time.monotonic() + args.seconds
        n = 0
        statuses_first = {}
        while time.monotonic() < deadline:
            ident = f"msg_slowloris_{n}"
            ids.append(ident)
            results.append(await loop.run_in_executor(None, genuine, args.binary, url, ident))
            if "200" not in results[-1][1]:
                print("  during the attack:", results[-1][1], file=sys.stderr)
            first = results[-1][1].split(" ")
            key = first[1] if len(first) > 1 else results[-1][1]
            statuses_first[key] = statuses_first.get(key, 0) + 1
            n += 1
            await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*clients)
        # A genuine delivery refused during the attack is retried, as a sender would.
        retried = 0
        time.sleep(0.5)
        for i, (took, line) in enumerate(results):
            if "200" not in line:
                retried += 1
                results[i] = genuine(args.binary, url, ids[i])
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    with open(out_path) as f:
        processed = [json.loads(l)["id"] for l in f if l.strip()]
    os.unlink(out_path)
    times = sorted(t for t, _ in results)
    print(f"slow clients: {args.clients}; {json.dumps(stats)}")
    print(f"first answers: {statuses_first}")
    print(f"genuine deliveries during the attack: {len(results)}, answer time p50 {times[len(times)//2]*1000:.0f} ms, "
          f"max {times[-1]*1000:.0f} ms (including starting the send command); refused then retried: {retried}")
    dupes = len(processed) - len(set(processed))
    lost = len(set(ids) - set(processed))
    print(f"processed lines: {len(processed)} for {len(ids)} ids: lost {lost}, duplicates {dupes}")
    return 0 if lost == 0 and dupes == 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
