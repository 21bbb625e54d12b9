//! Any `webhook-signature` (and `svix-signature`) value: no panic; junk alone never verifies;
//! junk followed by a valid entry verifies exactly when the header stays within
//! `MAX_SIGNATURES` entries, and a longer header is refused as malformed.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use standard_webhooks::{MAX_SIGNATURES, Scheme, Verified, VerifyError};
use webhooks_fuzz::{SECRETS, VERIFIER, at};

const ID: &str = "msg_2KWPBgLlAfxdpx2AI54pPJ85f1W";
const TS: u64 = 1_700_000_000;
const BODY: &[u8] = br#"{"id":"EV1","type":"message.received","data":{}}"#;

/// The valid `v1,...` entry for the fixed delivery, signed with the first secret.
static VALID: LazyLock<String> = LazyLock::new(|| SECRETS[0].sign(ID, TS, BODY));

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fuzz_target!(|data: &[u8]| {
    let now = at(TS).expect("2023 fits");
    let valid = VALID.as_bytes();
    // The tag's base64 without its padding: junk containing it may verify.
    let tag_text = &valid[3..3 + 43];
    let entries = data.split(|&b| b == b' ').filter(|e| !e.is_empty()).count();

    for [id, ts, sig] in [
        ["webhook-id", "webhook-timestamp", "webhook-signature"],
        ["svix-id", "svix-timestamp", "svix-signature"],
    ] {
        let ts_text = TS.to_string();
        let check = |value: &[u8]| {
            let headers: [(&str, &[u8]); 3] =
                [(id, ID.as_bytes()), (ts, ts_text.as_bytes()), (sig, value)];
            VERIFIER
                .verify_at(&headers[..], BODY, now)
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
            Err(VerifyError::MalformedHeader { name, .. }) => {
                assert_eq!(name, sig);
                assert!(
                    entries > MAX_SIGNATURES,
                    "{entries} entries called malformed"
                );
            }
            Err(VerifyError::MissingHeader { name }) => panic!("{name} missing"),
            Err(_) => assert!(entries <= MAX_SIGNATURES),
        }

        // Junk, then the valid entry.
        let mut value = data.to_vec();
        value.push(b' ');
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
                    (v.scheme(), v.key_index(), v.id()),
                    (Scheme::V1, 0, Some(ID))
                );
            }
            Err(VerifyError::MalformedHeader { name, .. }) => {
                assert_eq!(name, sig);
                assert!(entries >= MAX_SIGNATURES, "{} entries refused", entries + 1);
            }
            Err(e) => panic!(
                "a valid entry after junk was refused: {e}: {:?}",
                String::from_utf8_lossy(&value)
            ),
        }
    }
});
