//! Any `openphone-signature` value: no panic; junk alone never verifies; junk followed by a
//! valid entry (comma-separated) verifies exactly when the header stays within
//! `MAX_SIGNATURES` entries. Also checks that the header `LegacySecret::sign` prints reads
//! back with the timestamp it was given, in milliseconds and in seconds.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use standard_webhooks::{LEGACY_HEADER, MAX_SIGNATURES, Scheme, Verified, VerifyError};
use webhooks_fuzz::{LEGACY, VERIFIER, at, digits};

const TS_MS: u64 = 1_700_000_000_123;
const TS: u64 = 1_700_000_000;
const BODY: &[u8] = br#"{"id":"EV1","object":"event","apiVersion":"v3","type":"message.received"}"#;

/// The valid `hmac;1;TS;SIG` entry for the fixed delivery.
static VALID: LazyLock<String> = LazyLock::new(|| LEGACY.sign(TS_MS, BODY));

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fuzz_target!(|data: &[u8]| {
    let now = at(TS).expect("2023 fits");
    let valid = VALID.as_bytes();
    let tag_text = &valid[valid.len() - 44..valid.len() - 1];
    let entries = data
        .split(|&b| b == b',')
        .map(<[u8]>::trim_ascii)
        .filter(|e| !e.is_empty())
        .count();
    let check = |value: &[u8]| {
        VERIFIER
            .verify_at(&[(LEGACY_HEADER, value)][..], BODY, now)
            .map(Verified::into_owned)
    };

    // Junk alone.
    match check(data) {
        Ok(v) => assert!(
            contains(data, tag_text),
            "junk verified as {:?}: {:?}",
            v.scheme(),
            String::from_utf8_lossy(data)
        ),
        Err(VerifyError::NoKeyForScheme(s)) => panic!("the verifier holds a {s} key"),
        Err(_) => {}
    }

    // Junk, then the valid entry.
    let mut value = data.to_vec();
    value.push(b',');
    value.extend_from_slice(valid);
    match check(&value) {
        Ok(v) => {
            // Junk that holds the valid tag itself (libFuzzer copies it from seeds) may match
            // before the cap is reached.
            assert!(
                entries < MAX_SIGNATURES || contains(data, tag_text),
                "{} entries accepted",
                entries + 1
            );
            assert_eq!(
                (v.scheme(), v.timestamp(), v.id()),
                (Scheme::Legacy, TS, None)
            );
        }
        Err(VerifyError::MalformedHeader { .. }) => {
            assert!(entries >= MAX_SIGNATURES, "{} entries refused", entries + 1);
        }
        Err(e) => panic!(
            "a valid entry after junk was refused: {e}: {:?}",
            String::from_utf8_lossy(&value)
        ),
    }

    // Printed headers read back: the input's digits as a timestamp, in either unit.
    if let Some(ts) = digits(data.get(..data.len().min(19)).unwrap_or_default()) {
        let secs = if ts >= 100_000_000_000 { ts / 1000 } else { ts };
        if let Some(now) = at(secs) {
            let header = LEGACY.sign(ts, BODY);
            assert!(header.starts_with(&format!("hmac;1;{ts};")));
            let headers = [(LEGACY_HEADER, header.as_bytes())];
            let v = VERIFIER
                .verify_at(&headers[..], BODY, now)
                .unwrap_or_else(|e| panic!("{header} did not verify: {e}"));
            assert_eq!(v.timestamp(), secs);
        }
    }
});
