//! Any headers and body: verifying never panics, and what verifies is consistent with the
//! request. Then the input's id, clock and body are signed by our own `sign` (v1, legacy, and
//! v1a for one input in four): that delivery must verify, and changing any one byte of it must
//! not (see `assert_flips_fail` for the one padding exception).
#![no_main]

use libfuzzer_sys::fuzz_target;
use standard_webhooks::Scheme;
use webhooks_fuzz::{
    Delivery, LEGACY, SECRETS, SIGNING, Signed, TOLERANCE_SECS, VERIFIER, assert_flips_fail, at,
    fnv1a, printable_id,
};

fuzz_target!(|data: &[u8]| {
    let delivery = Delivery::parse(data);
    let now_secs = delivery.now_secs();
    let now = at(now_secs).unwrap_or(std::time::UNIX_EPOCH);
    let seed = fnv1a(data);

    // 1. Whatever arrives, no panic; a success agrees with the request.
    if let Ok(verified) = VERIFIER.verify_at(&delivery, delivery.body, now) {
        let clock = now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        assert!(verified.timestamp().abs_diff(clock) <= TOLERANCE_SECS);
        match verified.scheme() {
            Scheme::Legacy => assert_eq!(verified.id(), None),
            _ => {
                let id = verified.id().expect("v1 and v1a carry an id");
                let sent = delivery
                    .header("webhook-id")
                    .or_else(|| delivery.header("svix-id"));
                assert_eq!(Some(id.as_bytes()), sent);
            }
        }
    }

    // 2. Our own signatures over the input's id, time and body.
    let Some(now) = at(now_secs) else { return };
    let id = printable_id(
        delivery
            .header("webhook-id")
            .or_else(|| delivery.header("svix-id")),
    );
    let body = delivery.body;
    let names = if seed & 1 == 0 {
        ["webhook-id", "webhook-timestamp", "webhook-signature"]
    } else {
        ["svix-id", "svix-timestamp", "svix-signature"]
    };
    let verifies = |scheme: Scheme, key_index: usize| {
        move |headers: &[(&str, &[u8])], body: &[u8]| match VERIFIER.verify_at(headers, body, now) {
            Ok(v) => {
                assert_eq!((v.scheme(), v.key_index()), (scheme, key_index));
                true
            }
            Err(_) => false,
        }
    };

    // v1, with either of the two secrets.
    let key_index = usize::from(seed & 2 != 0);
    let signed = Signed {
        headers: vec![
            (names[0], id.clone().into_bytes()),
            (names[1], now_secs.to_string().into_bytes()),
            (
                names[2],
                SECRETS[key_index].sign(&id, now_secs, body).into_bytes(),
            ),
        ],
        body: body.to_vec(),
        signature_header: 2,
    };
    let headers: Vec<(&str, &[u8])> = signed
        .headers
        .iter()
        .map(|(n, v)| (*n, v.as_slice()))
        .collect();
    let verified = VERIFIER
        .verify_at(&headers[..], body, now)
        .unwrap_or_else(|e| panic!("our own v1 signature did not verify: {e} ({headers:?})"));
    assert_eq!(verified.id(), Some(id.as_str()));
    assert_eq!(verified.timestamp(), now_secs);
    assert_flips_fail(&signed, seed, 3, verifies(Scheme::V1, key_index));

    // Legacy: milliseconds where they can be told from seconds, else the seconds form.
    let sent_ts = if (100_000_000..u64::MAX / 1000).contains(&now_secs) {
        now_secs * 1000 + seed % 1000
    } else if now_secs < 100_000_000_000 {
        now_secs
    } else {
        return; // too far in the future to write in either form
    };
    let legacy = Signed {
        headers: vec![(
            "openphone-signature",
            LEGACY.sign(sent_ts, body).into_bytes(),
        )],
        body: body.to_vec(),
        signature_header: 0,
    };
    let headers = [("openphone-signature", legacy.headers[0].1.as_slice())];
    let verified = VERIFIER
        .verify_at(&headers[..], body, now)
        .unwrap_or_else(|e| panic!("our own legacy signature did not verify: {e} ({headers:?})"));
    assert_eq!(
        (verified.scheme(), verified.timestamp()),
        (Scheme::Legacy, now_secs)
    );
    assert_flips_fail(&legacy, seed >> 1, 3, verifies(Scheme::Legacy, 0));

    // v1a costs an ed25519 signature and verification: one input in four.
    if seed % 4 == 3 {
        let signed = Signed {
            headers: vec![
                (names[0], id.clone().into_bytes()),
                (names[1], now_secs.to_string().into_bytes()),
                (names[2], SIGNING.sign(&id, now_secs, body).into_bytes()),
            ],
            body: body.to_vec(),
            signature_header: 2,
        };
        let headers: Vec<(&str, &[u8])> = signed
            .headers
            .iter()
            .map(|(n, v)| (*n, v.as_slice()))
            .collect();
        let verified = VERIFIER
            .verify_at(&headers[..], body, now)
            .unwrap_or_else(|e| panic!("our own v1a signature did not verify: {e}"));
        assert_eq!(verified.scheme(), Scheme::V1a);
        assert_flips_fail(&signed, seed >> 2, 1, verifies(Scheme::V1a, 0));
    }
});
