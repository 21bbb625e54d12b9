//! Behaviour of `Verifier::verify_at`: one test per rule of the scheme.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use standard_webhooks::{BuildError, LegacySecret, Scheme, Secret, Verifier, VerifyError, headers};

const TS: u64 = 1_700_000_000;
const ID: &str = "msg_2bYdL0xkqQ3d";

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(TS)
}

fn secret() -> Secret {
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap()
}

fn legacy() -> LegacySecret {
    "c2VjcmV0LWtleS1ieXRlcw==".parse().unwrap()
}

fn std_headers(id: &str, ts: &str, sig: &str) -> Vec<(&'static str, String)> {
    vec![
        ("webhook-id", id.to_owned()),
        ("webhook-timestamp", ts.to_owned()),
        ("webhook-signature", sig.to_owned()),
    ]
}

fn signed(body: &[u8]) -> Vec<(&'static str, String)> {
    std_headers(ID, &TS.to_string(), &secret().sign(ID, TS, body))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn raw_hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

#[test]
fn empty_non_utf8_and_one_mib_bodies_verify() {
    let v = Verifier::new(secret());
    let big: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    for body in [&b""[..], &[0xff, 0xfe, 0x00, 0x80, b'{'][..], &big[..]] {
        let h = signed(body);
        let verified = v.verify_at(&h, body, now()).unwrap();
        assert_eq!(verified.id(), Some(ID));
        assert_eq!(verified.timestamp(), TS);
        assert_eq!(verified.scheme(), Scheme::V1);
        assert_eq!(verified.key_index(), 0);
    }
}

#[test]
fn changing_any_part_fails() {
    let v = Verifier::new(secret());
    let body = br#"{"a": 1}"#;
    let h = signed(body);
    assert_eq!(
        v.verify_at(&h, br#"{"a":1}"#, now()),
        Err(VerifyError::NoMatchingSignature)
    );
    let mut other_id = h.clone();
    other_id[0].1 = "msg_other".into();
    assert_eq!(
        v.verify_at(&other_id, body, now()),
        Err(VerifyError::NoMatchingSignature)
    );
    let mut other_ts = h.clone();
    other_ts[1].1 = (TS + 1).to_string();
    assert_eq!(
        v.verify_at(&other_ts, body, now()),
        Err(VerifyError::NoMatchingSignature)
    );
}

#[test]
fn timestamp_is_signed_as_the_exact_header_text() {
    let v = Verifier::new(secret());
    let body = b"{}";
    // A sender that writes a leading zero signs those exact characters.
    let text = format!("0{TS}");
    let tag = raw_hmac(
        &base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap(),
        &[ID.as_bytes(), b".", text.as_bytes(), b".", body],
    );
    let sig = format!("v1,{}", b64(&tag));
    assert!(
        v.verify_at(&std_headers(ID, &text, &sig), body, now())
            .is_ok()
    );
    // The same signature under the re-formatted number does not match.
    assert_eq!(
        v.verify_at(&std_headers(ID, &TS.to_string(), &sig), body, now()),
        Err(VerifyError::NoMatchingSignature)
    );
}

#[test]
fn unknown_versions_and_malformed_entries_are_skipped() {
    let v = Verifier::new(secret());
    let body = b"payload";
    let good = secret().sign(ID, TS, body);
    let header = format!("v2,abc  nocomma v1,!!!notbase64 v1, v1a,AAAA {good} v3,{good}");
    assert!(
        v.verify_at(&std_headers(ID, &TS.to_string(), &header), body, now())
            .is_ok()
    );
}

#[test]
fn a_signature_without_its_padding_verifies_and_a_wrong_one_still_fails() {
    // The padding is optional: the same 32 bytes, however spelled. A trailing separator is an
    // empty entry, skipped. Property tests flip the final `=` into that separator.
    let v = Verifier::new(secret());
    let body = b"payload";
    let good = secret().sign(ID, TS, body);
    let unpadded = good.strip_suffix('=').unwrap();
    for header in [unpadded.to_owned(), format!("{unpadded} ")] {
        assert!(
            v.verify_at(&std_headers(ID, &TS.to_string(), &header), body, now())
                .is_ok(),
            "{header}"
        );
    }
    let wrong = Secret::generate().sign(ID, TS, body);
    let wrong = wrong.strip_suffix('=').unwrap();
    assert!(
        v.verify_at(&std_headers(ID, &TS.to_string(), wrong), body, now())
            .is_err()
    );
}

#[test]
fn one_matching_v1_among_several_is_enough_and_order_does_not_matter() {
    let v = Verifier::new(secret());
    let body = b"payload";
    let good = secret().sign(ID, TS, body);
    let wrong = Secret::generate().sign(ID, TS, body);
    for header in [format!("{good} {wrong}"), format!("{wrong} {good}")] {
        assert!(
            v.verify_at(&std_headers(ID, &TS.to_string(), &header), body, now())
                .is_ok()
        );
    }
}

#[test]
fn too_many_signature_entries_is_a_clear_error() {
    let v = Verifier::new(secret());
    let body = b"payload";
    let good = secret().sign(ID, TS, body);
    let many = format!(
        "{}{good}",
        "v1,AAAA ".repeat(standard_webhooks::MAX_SIGNATURES)
    );
    assert_eq!(
        v.verify_at(&std_headers(ID, &TS.to_string(), &many), body, now()),
        Err(VerifyError::MalformedHeader {
            name: "webhook-signature",
            reason: "too many signatures"
        })
    );
    // Exactly the cap is still fine.
    let at_cap = format!(
        "{}{good}",
        "v1,AAAA ".repeat(standard_webhooks::MAX_SIGNATURES - 1)
    );
    assert!(
        v.verify_at(&std_headers(ID, &TS.to_string(), &at_cap), body, now())
            .is_ok()
    );
}

#[test]
fn rotation_accepts_old_and_new_secret_and_says_which() {
    let old = Secret::generate();
    let new = Secret::generate();
    let v = Verifier::builder()
        .secret(new.clone())
        .secret(old.clone())
        .build()
        .unwrap();
    let body = b"x";
    for (key, index) in [(&new, 0), (&old, 1)] {
        let h = std_headers(ID, &TS.to_string(), &key.sign(ID, TS, body));
        assert_eq!(v.verify_at(&h, body, now()).unwrap().key_index(), index);
    }
    let h = std_headers(ID, &TS.to_string(), &Secret::generate().sign(ID, TS, body));
    assert_eq!(
        v.verify_at(&h, body, now()),
        Err(VerifyError::NoMatchingSignature)
    );
}

#[test]
fn rejects_timestamp_older_or_newer_than_tolerance() {
    let v = Verifier::builder()
        .secret(secret())
        .tolerance(Duration::from_secs(300))
        .build()
        .unwrap();
    let body = b"x";
    let h = signed(body);
    let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
    assert!(v.verify_at(&h, body, at(TS + 300)).is_ok());
    assert!(v.verify_at(&h, body, at(TS - 300)).is_ok());
    assert_eq!(
        v.verify_at(&h, body, at(TS + 301)),
        Err(VerifyError::TimestampOutsideTolerance { too_old: true })
    );
    assert_eq!(
        v.verify_at(&h, body, at(TS - 301)),
        Err(VerifyError::TimestampOutsideTolerance { too_old: false })
    );
    assert_eq!(
        v.verify_at(&h, body, at(TS + 301)).unwrap_err().to_string(),
        "timestamp outside tolerance (too old)"
    );
    // A clock before 1970 does not panic either.
    assert!(
        v.verify_at(&h, body, UNIX_EPOCH - Duration::from_secs(5))
            .is_err()
    );
}

#[test]
fn huge_negative_and_non_numeric_timestamps_are_malformed() {
    let v = Verifier::new(secret());
    for ts in [
        "-1700000000",
        "1700000000.5",
        "abc",
        "",
        " 1700000000",
        "99999999999999999999999",
        "1e9",
    ] {
        let h = std_headers(ID, ts, "v1,AAAA");
        match v.verify_at(&h, b"x", now()) {
            Err(VerifyError::MalformedHeader {
                name: "webhook-timestamp",
                ..
            }) => {}
            other => panic!("{ts:?}: {other:?}"),
        }
    }
    // Large but representable: outside tolerance, not an overflow.
    let h = std_headers(ID, "18446744073709551615", "v1,AAAA");
    assert_eq!(
        v.verify_at(&h, b"x", now()),
        Err(VerifyError::TimestampOutsideTolerance { too_old: false })
    );
}

#[test]
fn ids_must_be_printable_ascii_of_bounded_length() {
    let v = Verifier::new(secret());
    for id in ["", &"a".repeat(257), "msg 1", "msg_é"] {
        let h = std_headers(id, &TS.to_string(), "v1,AAAA");
        assert!(
            matches!(
                v.verify_at(&h, b"x", now()),
                Err(VerifyError::MalformedHeader {
                    name: "webhook-id",
                    ..
                })
            ),
            "{id:?}"
        );
    }
    let long = "a".repeat(256);
    let h = std_headers(&long, &TS.to_string(), &secret().sign(&long, TS, b"x"));
    assert!(v.verify_at(&h, b"x", now()).is_ok());
}

#[test]
fn svix_family_verifies_and_families_never_mix() {
    let v = Verifier::new(secret());
    let body = b"x";
    let sig = secret().sign(ID, TS, body);
    let svix = [
        ("svix-id", ID.to_owned()),
        ("svix-timestamp", TS.to_string()),
        ("svix-signature", sig.clone()),
    ];
    assert!(v.verify_at(&svix, body, now()).is_ok());
    // Header names are case-insensitive.
    let upper = [
        ("Svix-Id", ID.to_owned()),
        ("SVIX-TIMESTAMP", TS.to_string()),
        ("Svix-Signature", sig.clone()),
    ];
    assert!(v.verify_at(&upper, body, now()).is_ok());
    // One webhook-* header present: the webhook family alone is used, so its missing headers
    // are missing even though svix-* ones are there.
    let mixed = [
        ("webhook-id", ID.to_owned()),
        ("svix-timestamp", TS.to_string()),
        ("svix-signature", sig),
    ];
    assert_eq!(
        v.verify_at(&mixed, body, now()),
        Err(VerifyError::MissingHeader {
            name: "webhook-timestamp"
        })
    );
}

#[test]
fn missing_headers_are_named() {
    let v = Verifier::new(secret());
    let none: [(&str, &str); 0] = [];
    assert_eq!(
        v.verify_at(&none[..], b"x", now()),
        Err(VerifyError::MissingHeader {
            name: "webhook-signature"
        })
    );
    let no_sig = [
        ("webhook-id", ID.to_owned()),
        ("webhook-timestamp", TS.to_string()),
    ];
    let err = v.verify_at(&no_sig, b"x", now()).unwrap_err();
    assert_eq!(
        err,
        VerifyError::MissingHeader {
            name: "webhook-signature"
        }
    );
    assert_eq!(err.to_string(), "missing webhook-signature header");
    assert_eq!(err.code(), "missing_header");
    assert!(err.is_malformed());
    let no_id = [
        ("webhook-timestamp", TS.to_string()),
        ("webhook-signature", "v1,x".to_owned()),
    ];
    assert_eq!(
        v.verify_at(&no_id, b"x", now()),
        Err(VerifyError::MissingHeader { name: "webhook-id" })
    );
}

#[test]
fn standard_headers_decide_when_legacy_is_also_present() {
    let v = Verifier::builder()
        .secret(secret())
        .legacy_secret(legacy())
        .build()
        .unwrap();
    let body = b"x";
    let good_legacy = legacy().sign(TS * 1000, body);
    let mut h = std_headers(ID, &TS.to_string(), "v1,AAAA");
    h.push(("openphone-signature", good_legacy.clone()));
    assert_eq!(
        v.verify_at(&h, body, now()),
        Err(VerifyError::NoMatchingSignature)
    );
    let mut h = signed(body);
    h.push(("openphone-signature", "garbage".into()));
    assert_eq!(v.verify_at(&h, body, now()).unwrap().scheme(), Scheme::V1);
}

#[test]
fn a_scheme_without_a_configured_key_is_reported_as_such() {
    let body = b"x";
    let legacy_only = Verifier::builder().legacy_secret(legacy()).build().unwrap();
    assert_eq!(
        legacy_only.verify_at(&signed(body), body, now()),
        Err(VerifyError::NoKeyForScheme(Scheme::V1))
    );
    let v1_only = Verifier::new(secret());
    let h = [("openphone-signature", legacy().sign(TS * 1000, body))];
    assert_eq!(
        v1_only.verify_at(&h, body, now()),
        Err(VerifyError::NoKeyForScheme(Scheme::Legacy))
    );
    let h = std_headers(ID, &TS.to_string(), "v1a,AAAA");
    assert_eq!(
        v1_only.verify_at(&h, body, now()),
        Err(VerifyError::NoKeyForScheme(Scheme::V1a))
    );
}

#[test]
fn building_without_any_key_fails() {
    assert_eq!(Verifier::builder().build().unwrap_err(), BuildError::NoKeys);
    assert_eq!(
        Verifier::builder()
            .tolerance(Duration::from_secs(1))
            .build()
            .unwrap_err(),
        BuildError::NoKeys
    );
}

#[test]
fn errors_and_debug_output_never_show_keys_or_expected_signatures() {
    let s = secret();
    let v = Verifier::builder()
        .secret(s.clone())
        .legacy_secret(legacy())
        .build()
        .unwrap();
    let body = b"x";
    let expected = s.sign(ID, TS, body);
    let expected_b64 = expected.trim_start_matches("v1,");
    let expected_legacy = legacy().sign(TS * 1000, body);
    let forbidden = [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "c2VjcmV0LWtleS1ieXRlcw",
        expected_b64,
        expected_legacy.rsplit(';').next().unwrap(),
    ];
    let mut outputs = vec![
        format!("{v:?}"),
        format!("{s:?}"),
        format!("{:?}", legacy()),
    ];
    let cases = [
        std_headers(ID, &TS.to_string(), "v1,AAAA"),
        std_headers(ID, &(TS - 1000).to_string(), &expected),
        std_headers(ID, "nope", &expected),
        vec![("openphone-signature", format!("hmac;1;{};AAAA", TS * 1000))],
        vec![("openphone-signature", "hmac;1".to_owned())],
    ];
    for h in &cases {
        let err = v.verify_at(h, body, now()).unwrap_err();
        outputs.push(err.to_string());
        outputs.push(format!("{err:?}"));
    }
    for out in &outputs {
        for f in forbidden {
            assert!(
                !out.contains(f),
                "{out:?} contains a secret or expected signature"
            );
        }
    }
}

#[test]
fn closures_serve_as_header_sources() {
    let v = Verifier::new(secret());
    let body = b"x";
    let h = signed(body);
    let source = headers::from_fn(|name| {
        h.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_bytes())
    });
    assert_eq!(v.verify_at(&source, body, now()).unwrap().id(), Some(ID));
}

#[test]
fn verify_uses_the_system_clock() {
    let v = Verifier::new(secret());
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let body = b"live";
    let h = std_headers(ID, &ts.to_string(), &secret().sign(ID, ts, body));
    assert!(v.verify(&h, body).is_ok());
    let old = std_headers(ID, "1614265330", &secret().sign(ID, 1_614_265_330, body));
    assert_eq!(
        v.verify(&old, body),
        Err(VerifyError::TimestampOutsideTolerance { too_old: true })
    );
}

#[test]
fn verified_values_can_outlive_their_headers() {
    let v = Verifier::new(secret());
    let owned = {
        let h = signed(b"x");
        v.verify_at(&h, b"x", now()).unwrap().into_owned()
    };
    assert_eq!(owned.id(), Some(ID));
}

mod legacy {
    use super::*;

    fn verifier() -> Verifier {
        Verifier::builder().legacy_secret(legacy()).build().unwrap()
    }

    fn header(value: &str) -> [(&'static str, String); 1] {
        [("openphone-signature", value.to_owned())]
    }

    #[test]
    fn millisecond_and_second_timestamps_verify() {
        let body = br#"{"id":"EVabc","object":"event"}"#;
        for ts in [TS * 1000 + 123, TS] {
            let h = header(&legacy().sign(ts, body));
            let verified = verifier().verify_at(&h, body, now()).unwrap();
            assert_eq!(verified.scheme(), Scheme::Legacy);
            assert_eq!(verified.id(), None);
            assert_eq!(verified.timestamp(), TS);
        }
    }

    #[test]
    fn signature_is_hmac_of_timestamp_dot_body_with_decoded_key() {
        let body = b"{}";
        let ts = (TS * 1000).to_string();
        let tag = raw_hmac(b"secret-key-bytes", &[ts.as_bytes(), b".", body]);
        let value = format!("hmac;1;{ts};{}", b64(&tag));
        assert_eq!(value, legacy().sign(TS * 1000, body));
        assert!(verifier().verify_at(&header(&value), body, now()).is_ok());
    }

    #[test]
    fn any_of_several_comma_separated_entries_may_match() {
        let body = b"{}";
        let good = legacy().sign(TS * 1000, body);
        let value = format!(
            "hmac;1;{};AAAA, hmac;2;{};BBBB,{good}",
            TS * 1000,
            TS * 1000
        );
        assert!(verifier().verify_at(&header(&value), body, now()).is_ok());
    }

    #[test]
    fn stale_legacy_timestamp_is_rejected() {
        let body = b"{}";
        let value = legacy().sign((TS - 301) * 1000, body);
        assert_eq!(
            verifier().verify_at(&header(&value), body, now()),
            Err(VerifyError::TimestampOutsideTolerance { too_old: true })
        );
    }

    #[test]
    fn pitfall_reserialised_json_fails() {
        let raw = br#"{ "id": "EV1",  "type": "message.received" }"#;
        let value = legacy().sign(TS * 1000, raw);
        let reparsed: serde_json::Value = serde_json::from_slice(raw).unwrap();
        let reserialised = serde_json::to_vec(&reparsed).unwrap();
        assert!(verifier().verify_at(&header(&value), raw, now()).is_ok());
        assert_eq!(
            verifier().verify_at(&header(&value), &reserialised, now()),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn pitfall_key_text_instead_of_decoded_bytes_fails() {
        let body = b"{}";
        let ts = (TS * 1000).to_string();
        let tag = raw_hmac(b"c2VjcmV0LWtleS1ieXRlcw==", &[ts.as_bytes(), b".", body]);
        let value = format!("hmac;1;{ts};{}", b64(&tag));
        assert_eq!(
            verifier().verify_at(&header(&value), body, now()),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn pitfall_hex_digest_is_rejected() {
        let body = b"{}";
        let ts = (TS * 1000).to_string();
        let tag = raw_hmac(b"secret-key-bytes", &[ts.as_bytes(), b".", body]);
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        let value = format!("hmac;1;{ts};{hex}");
        assert!(verifier().verify_at(&header(&value), body, now()).is_err());
    }

    #[test]
    fn pitfall_wrong_header_name_is_missing_signature() {
        let body = b"{}";
        let h = [("x-openphone-signature", legacy().sign(TS * 1000, body))];
        assert_eq!(
            verifier().verify_at(&h, body, now()),
            Err(VerifyError::MissingHeader {
                name: "webhook-signature"
            })
        );
    }

    #[test]
    fn pitfall_binary_string_key_corruption_fails() {
        // JavaScript's 'binary' strings re-encode bytes >= 0x80 as two UTF-8 bytes.
        let key_bytes = [0x9f_u8, 0x80, 0x41, 0xff, 0x10, 0xc3];
        let key = LegacySecret::from_bytes(&key_bytes).unwrap();
        let v = Verifier::builder()
            .legacy_secret(key.clone())
            .build()
            .unwrap();
        let body = b"{}";
        let ts = (TS * 1000).to_string();
        let corrupted: Vec<u8> = key_bytes
            .iter()
            .map(|&b| char::from(b))
            .collect::<String>()
            .into_bytes();
        let tag = raw_hmac(&corrupted, &[ts.as_bytes(), b".", body]);
        let value = format!("hmac;1;{ts};{}", b64(&tag));
        assert_eq!(
            v.verify_at(&header(&value), body, now()),
            Err(VerifyError::NoMatchingSignature)
        );
        assert!(
            v.verify_at(&header(&key.sign(TS * 1000, body)), body, now())
                .is_ok()
        );
    }

    #[test]
    fn malformed_legacy_headers_say_so() {
        for value in [
            "",
            "hmac",
            "hmac;1;abc;AAAA",
            "sha1;1;1700000000000;AAAA",
            "hmac;1;1700000000000;not base64!",
            "hmac;1;2;3;4",
        ] {
            let err = verifier()
                .verify_at(&header(value), b"{}", now())
                .unwrap_err();
            assert_eq!(
                err,
                VerifyError::MalformedHeader {
                    name: "openphone-signature",
                    reason: "expected hmac;1;TIMESTAMP;SIGNATURE"
                },
                "{value:?}"
            );
        }
        let wrong = LegacySecret::generate().sign(TS * 1000, b"{}");
        let many = vec![wrong; standard_webhooks::MAX_SIGNATURES + 1].join(",");
        assert!(matches!(
            verifier().verify_at(&header(&many), b"{}", now()),
            Err(VerifyError::MalformedHeader {
                reason: "too many signatures",
                ..
            })
        ));
    }
}

#[cfg(feature = "ed25519")]
mod v1a {
    use super::*;
    use standard_webhooks::{PublicKey, SigningKey};

    #[test]
    fn whsk_signatures_verify_with_the_matching_whpk_key_only() {
        let sk = SigningKey::generate();
        let other = SigningKey::generate();
        let v = Verifier::builder()
            .public_key(other.public_key())
            .public_key(sk.public_key())
            .build()
            .unwrap();
        let body = b"{\"x\":1}";
        let h = std_headers(ID, &TS.to_string(), &sk.sign(ID, TS, body));
        let verified = v.verify_at(&h, body, now()).unwrap();
        assert_eq!(verified.scheme(), Scheme::V1a);
        assert_eq!(verified.key_index(), 1);
        assert_eq!(
            v.verify_at(&h, b"{\"x\":2}", now()),
            Err(VerifyError::NoMatchingSignature)
        );
        let stranger = std_headers(
            ID,
            &TS.to_string(),
            &SigningKey::generate().sign(ID, TS, body),
        );
        assert_eq!(
            v.verify_at(&stranger, body, now()),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn mixed_v1_and_v1a_entries_verify_with_either_key_kind() {
        let sk = SigningKey::generate();
        let body = b"x";
        let both = format!("{} {}", secret().sign(ID, TS, body), sk.sign(ID, TS, body));
        let h = std_headers(ID, &TS.to_string(), &both);
        let only_pk = Verifier::builder()
            .public_key(sk.public_key())
            .build()
            .unwrap();
        assert_eq!(
            only_pk.verify_at(&h, body, now()).unwrap().scheme(),
            Scheme::V1a
        );
        let only_secret = Verifier::new(secret());
        assert_eq!(
            only_secret.verify_at(&h, body, now()).unwrap().scheme(),
            Scheme::V1
        );
    }

    #[test]
    fn public_keys_parse_from_whpk_text() {
        let sk = SigningKey::generate();
        let text = sk.public_key().to_string();
        assert!(text.starts_with("whpk_"));
        assert_eq!(text.parse::<PublicKey>().unwrap(), sk.public_key());
    }
}
