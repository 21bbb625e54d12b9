#!/usr/bin/env python3
"""Writes the checked-in seed corpus, fuzz/corpus/<target>/seed-*, from the published test
vectors (crates/standard-webhooks/tests/data/standard-webhooks.json) and the Quo samples
(crates/quo-webhooks/samples/*.json, tests/data/quo-samples.json, and the documented payload
fixtures in tests/data/documented/*.json).

Standard library only. Rerun after changing the keys or fixed deliveries in fuzz/src/lib.rs or
the targets; it rewrites every seed-* file and leaves other corpus files alone.
"""

import base64
import hashlib
import hmac
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
VECTORS = ROOT / "crates/standard-webhooks/tests/data/standard-webhooks.json"
SAMPLES = sorted((ROOT / "crates/quo-webhooks/samples").glob("*.json"))
DOC_SAMPLES = ROOT / "crates/quo-webhooks/tests/data/quo-samples.json"
DOCUMENTED = sorted((ROOT / "crates/quo-webhooks/tests/data/documented").glob("*.json"))

# Keep in step with fuzz/src/lib.rs and the targets.
SECRET0 = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
LEGACY_KEY = "ZnV6emluZy1vbmx5LWxlZ2FjeS1rZXk="
SIGNING_SEED = b"fuzzing-only-ed25519-seed-32byte"
SIG_ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f1W"
SIG_TS = 1_700_000_000
SIG_BODY = b'{"id":"EV1","type":"message.received","data":{}}'
LEGACY_TS_MS = 1_700_000_000_123
LEGACY_BODY = b'{"id":"EV1","object":"event","apiVersion":"v3","type":"message.received"}'
# RFC 8032 test 1 public key: a valid curve point.
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


def key_of(secret: str) -> bytes:
    text = secret.removeprefix("whsec_")
    return base64.b64decode(text + "=" * (-len(text) % 4))


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def v1(secret: str, msg_id: str, ts: str, body: bytes) -> str:
    mac = hmac.new(key_of(secret), f"{msg_id}.{ts}.".encode() + body, hashlib.sha256)
    return "v1," + b64(mac.digest())


def legacy(ts: int, body: bytes) -> str:
    mac = hmac.new(base64.b64decode(LEGACY_KEY), f"{ts}.".encode() + body, hashlib.sha256)
    return f"hmac;1;{ts};{b64(mac.digest())}"


def delivery(headers, body: bytes) -> bytes:
    head = "".join(f"{name}: {value}\n" for name, value in headers)
    return head.encode() + b"\n" + body


def write(target: str, seeds: dict) -> None:
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("seed-*"):
        old.unlink()
    for name, data in seeds.items():
        (folder / f"seed-{name}").write_bytes(data if isinstance(data, bytes) else data.encode())
    print(f"{target}: {len(seeds)} seeds")


def quo_samples() -> dict:
    out = {p.stem: p.read_bytes() for p in SAMPLES}
    docs = json.loads(DOC_SAMPLES.read_text())
    for name, value in docs.items():
        if isinstance(value, dict):
            out[f"docs-{name}"] = json.dumps(value, indent=2).encode()
    return out


def main() -> None:
    cases = json.loads(VECTORS.read_text())["cases"]
    samples = quo_samples()

    # verify: the vectors as deliveries, in both header families, legacy and v1a shapes, and
    # Quo samples signed with the first vector secret.
    seeds = {}
    for case in cases:
        body = case["body"].encode()
        ts = case["timestamp"]
        seeds[case["name"]] = delivery(
            [("webhook-id", case["id"]), ("webhook-timestamp", ts),
             ("webhook-signature", case["signature"])], body)
        seeds[f"svix-{case['name']}"] = delivery(
            [("svix-id", case["id"]), ("svix-timestamp", ts), ("svix-signature", case["signature"])],
            body)
    case = cases[0]
    seeds["stale"] = delivery(
        [("webhook-id", case["id"]), ("webhook-timestamp", case["timestamp"]),
         ("webhook-signature", case["signature"]), ("x-now", str(int(case["timestamp"]) + 301))],
        case["body"].encode())
    seeds["rotation"] = delivery(
        [("webhook-id", case["id"]), ("webhook-timestamp", case["timestamp"]),
         ("webhook-signature", "v1,AAAA v2,BBBB v1a," + b64(bytes(64)) + " " + case["signature"])],
        case["body"].encode())
    for name in ["message.received", "call.completed", "legacy-v3-message-received"]:
        body = samples[name]
        seeds[f"sample-{name}"] = delivery(
            [("webhook-id", "msg_sample"), ("webhook-timestamp", str(SIG_TS)),
             ("webhook-signature", v1(SECRET0, "msg_sample", str(SIG_TS), body))], body)
    seeds["legacy-ms"] = delivery(
        [("openphone-signature", legacy(LEGACY_TS_MS, LEGACY_BODY))], LEGACY_BODY)
    seeds["legacy-seconds"] = delivery(
        [("openphone-signature", legacy(SIG_TS, LEGACY_BODY))], LEGACY_BODY)
    seeds["legacy-two-entries"] = delivery(
        [("openphone-signature",
          "hmac;1;1700000000123;" + b64(bytes(32)) + ", " + legacy(LEGACY_TS_MS, LEGACY_BODY))],
        LEGACY_BODY)
    seeds["binary-body"] = delivery(
        [("webhook-id", "msg_bin"), ("webhook-timestamp", str(SIG_TS)),
         ("webhook-signature", v1(SECRET0, "msg_bin", str(SIG_TS), bytes(range(256))))],
        bytes(range(256)))
    write("verify", seeds)

    # signature_header: header values only.
    valid = v1(SECRET0, SIG_ID, str(SIG_TS), SIG_BODY)
    seeds = {c["name"]: c["signature"] for c in cases}
    seeds["valid-fixed-delivery"] = valid
    seeds["junk-then-valid"] = "v1,AAAA v2,BBBB v1," + b64(bytes(32)) + " " + valid
    seeds["v1a"] = "v1a," + b64(bytes(64))
    seeds["unpadded"] = valid.rstrip("=")
    seeds["too-many"] = " ".join(["v1," + b64(bytes([i]) * 32) for i in range(33)])
    seeds["exactly-max"] = " ".join(["v1," + b64(bytes([i]) * 32) for i in range(32)])
    seeds["double-spaces"] = "  v1,AAAA   " + valid + "  "
    seeds["valid-among-many"] = " ".join(["v1,AAAA"] * 25 + [valid] + ["v2,BBBB"] * 10)
    write("signature_header", seeds)

    # legacy_header: header values only. No other valid signature of the fixed body here: the
    # target takes a verifying header without the fixed tag for a forgery.
    good = legacy(LEGACY_TS_MS, LEGACY_BODY)
    write("legacy_header", {
        "valid-fixed-delivery": good,
        "two-entries": "hmac;1;1700000000123;" + b64(bytes(32)) + "," + good,
        "hex-signature": "hmac;1;1700000000123;" + hashlib.sha256(b"x").hexdigest(),
        "future-version": "hmac;2;1700000000123;" + b64(bytes(32)),
        "spaces": "  " + good + " ,  ",
        "digits-ms": "1700000000123",
        "digits-seconds": "1700000000",
        "too-many": ",".join(["hmac;1;1;" + b64(bytes(32))] * 33),
        "valid-among-many": ",".join(["hmac;1;1;AAAA"] * 25 + [good] + ["hmac;2;1;BBBB"] * 10),
    })

    # secret: every kind of key text.
    write("secret", {
        "vector-0": cases[0]["secret"],
        "vector-no-prefix": cases[0]["secret"].removeprefix("whsec_"),
        "vector-rust": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        "padded": "whsec_c2VjcmV0LWtleS1ieXRlcw==",
        "unpadded": "whsec_c2VjcmV0LWtleS1ieXRlcw",
        "legacy": LEGACY_KEY,
        "whpk": "whpk_" + b64(RFC8032_PUBLIC),
        "whsk": "whsk_" + b64(SIGNING_SEED),
        "spaces": "  whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw \n",
        "empty-prefix": "whsec_",
    })

    # quo_payload: the samples, new and legacy, the documented fixtures (nulls, fractions),
    # and a few event type names.
    seeds = dict(samples)
    seeds.update({f"documented-{p.stem}": p.read_bytes() for p in DOCUMENTED})
    seeds["type-name"] = "call.transcript.completed"
    seeds["legacy-summary-type"] = "callSummary"
    write("quo_payload", seeds)


if __name__ == "__main__":
    main()
