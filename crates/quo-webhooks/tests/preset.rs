//! The Quo preset: keys from values and from the environment, with clear errors.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use quo_webhooks::preset::{LEGACY_KEY_ENV, PresetError, QuoConfig, SECRET_ENV};
use standard_webhooks::{LegacySecret, Scheme, Secret, SecretError, Verifier};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OLD_SECRET: &str = "whsec_c2Vjb25kLXNlY3JldC1rZXktYnl0ZXM=";
const LEGACY_KEY: &str = "c2VjcmV0LWtleS1ieXRlcw==";
const BODY: &[u8] = br#"{"id":"EV1","type":"message.received","data":{}}"#;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn verify_new(verifier: &Verifier, secret: &str) -> Result<usize, standard_webhooks::VerifyError> {
    let secret: Secret = secret.parse().unwrap();
    let ts = now();
    let headers = vec![
        ("webhook-id", "msg_1".to_owned()),
        ("webhook-timestamp", ts.to_string()),
        ("webhook-signature", secret.sign("msg_1", ts, BODY)),
    ];
    verifier.verify(&headers, BODY).map(|v| v.key_index())
}

fn verify_legacy(verifier: &Verifier, key: &str) -> Result<Scheme, standard_webhooks::VerifyError> {
    let key: LegacySecret = key.parse().unwrap();
    let headers = vec![("openphone-signature", key.sign(now() * 1000, BODY))];
    verifier.verify(&headers, BODY).map(|v| v.scheme())
}

#[test]
fn one_secret_verifies_new_deliveries() {
    let config = QuoConfig::from_values(Some(SECRET), None).unwrap();
    assert_eq!((config.secrets().len(), config.legacy_keys().len()), (1, 0));
    let verifier = config.verifier().unwrap();
    assert_eq!(verify_new(&verifier, SECRET).unwrap(), 0);
    assert!(verify_new(&verifier, OLD_SECRET).is_err());
    assert!(verify_legacy(&verifier, LEGACY_KEY).is_err());
}

#[test]
fn two_secrets_during_rotation_both_verify() {
    let value = format!(" {SECRET} ,\t{OLD_SECRET} ");
    let config = QuoConfig::from_values(Some(&value), None).unwrap();
    assert_eq!(config.secrets().len(), 2);
    let verifier = config.verifier().unwrap();
    assert_eq!(verify_new(&verifier, SECRET).unwrap(), 0);
    assert_eq!(verify_new(&verifier, OLD_SECRET).unwrap(), 1);
    // The bare base64 form (no whsec_ prefix) is the same secret.
    let bare = SECRET.trim_start_matches("whsec_");
    let config = QuoConfig::from_values(Some(bare), None).unwrap();
    assert_eq!(verify_new(&config.verifier().unwrap(), SECRET).unwrap(), 0);
}

#[test]
fn legacy_key_verifies_legacy_deliveries() {
    let config = QuoConfig::from_values(None, Some(LEGACY_KEY)).unwrap();
    let verifier = config.verifier().unwrap();
    assert_eq!(
        verify_legacy(&verifier, LEGACY_KEY).unwrap(),
        Scheme::Legacy
    );
    assert!(verify_new(&verifier, SECRET).is_err());

    let both = QuoConfig::from_values(Some(SECRET), Some(LEGACY_KEY)).unwrap();
    let verifier = both.verifier().unwrap();
    assert!(verify_legacy(&verifier, LEGACY_KEY).is_ok());
    assert!(verify_new(&verifier, SECRET).is_ok());
}

#[test]
fn malformed_entries_name_the_variable_and_position_never_the_value() {
    let secret_value = "Zm9vYmFy!notbase64";
    let cases = [
        (
            QuoConfig::from_values(Some(&format!("{SECRET},{secret_value}")), None),
            "QUO_WEBHOOK_SECRET, entry 2: the key is not valid base64",
            secret_value,
        ),
        (
            QuoConfig::from_values(Some(&format!("{SECRET},,{OLD_SECRET}")), None),
            "QUO_WEBHOOK_SECRET, entry 2: the key is empty",
            "",
        ),
        (
            QuoConfig::from_values(Some(&format!("{SECRET},")), None),
            "QUO_WEBHOOK_SECRET, entry 2: the key is empty",
            "",
        ),
        (
            QuoConfig::from_values(Some(&format!("\"{SECRET}\"")), None),
            "QUO_WEBHOOK_SECRET, entry 1: the key is wrapped in quotes; remove them",
            SECRET,
        ),
        (
            QuoConfig::from_values(Some(SECRET), Some("c2VjcmV0LWtleS1ieXRlcw==, sk-8a7&b")),
            "QUO_LEGACY_SIGNING_KEY, entry 2: the key is not valid base64",
            "sk-8a7&b",
        ),
        (
            QuoConfig::from_values(None, Some(SECRET)),
            "QUO_LEGACY_SIGNING_KEY, entry 1: this is a key of another kind (a whsec_ secret belongs in QUO_WEBHOOK_SECRET; this variable takes the legacy webhook's base64 signing key)",
            SECRET,
        ),
    ];
    for (result, expected, value) in cases {
        let error = result.unwrap_err();
        let text = error.to_string();
        assert_eq!(text, expected);
        if !value.is_empty() {
            assert!(!text.contains(value), "{text}");
            assert!(!format!("{error:?}").contains(value), "{error:?}");
        }
        // The secret that parsed must not leak either.
        assert!(!text.contains(&SECRET[6..]), "{text}");
    }
    let error = QuoConfig::from_values(Some("whsec_%%%"), None).unwrap_err();
    assert_eq!(
        error,
        PresetError::InvalidKey {
            variable: SECRET_ENV,
            entry: 1,
            error: SecretError::InvalidBase64
        }
    );
    assert!(std::error::Error::source(&error).is_some());
}

#[test]
fn neither_set_is_a_clear_error_from_verifier() {
    for (secrets, legacy) in [(None, None), (Some(""), Some("  ")), (Some(" \t"), None)] {
        let config = QuoConfig::from_values(secrets, legacy).unwrap();
        let error = config.verifier().unwrap_err();
        assert_eq!(error, PresetError::NoKeys);
        let text = error.to_string();
        assert!(
            text.contains(SECRET_ENV) && text.contains(LEGACY_KEY_ENV),
            "{text}"
        );
    }
}

#[test]
fn tolerance_reaches_the_verifier() {
    let config = QuoConfig::from_values(Some(SECRET), None)
        .unwrap()
        .with_tolerance(Duration::from_secs(30));
    assert_eq!(
        config.verifier().unwrap().tolerance(),
        Duration::from_secs(30)
    );
    assert_eq!(
        QuoConfig::new()
            .with_secret(Secret::generate())
            .verifier()
            .unwrap()
            .tolerance(),
        Duration::from_secs(300)
    );
}

/// The one test that reads the real environment. It never changes its own process's
/// environment (which would race with other tests): it runs this test binary again, with the
/// variables set for the child only, and the child checks `from_env`.
#[test]
fn from_env_reads_both_variables() {
    if let Ok(expect) = std::env::var("QUO_PRESET_TEST_CHILD") {
        let result = QuoConfig::from_env();
        match expect.as_str() {
            "both" => {
                let config = result.unwrap();
                assert_eq!((config.secrets().len(), config.legacy_keys().len()), (2, 1));
                let verifier = config.verifier().unwrap();
                assert!(verify_new(&verifier, OLD_SECRET).is_ok());
                assert!(verify_legacy(&verifier, LEGACY_KEY).is_ok());
            }
            "malformed" => {
                let text = result.unwrap_err().to_string();
                assert_eq!(
                    text,
                    "QUO_LEGACY_SIGNING_KEY, entry 1: the key is not valid base64"
                );
            }
            "none" => {
                assert_eq!(result.unwrap().verifier().unwrap_err(), PresetError::NoKeys);
            }
            other => panic!("unknown child case {other}"),
        }
        return;
    }
    let cases: [(&str, Option<String>, Option<&str>); 3] = [
        (
            "both",
            Some(format!("{SECRET},{OLD_SECRET}")),
            Some(LEGACY_KEY),
        ),
        ("malformed", Some(SECRET.to_owned()), Some("not*base64")),
        ("none", None, None),
    ];
    for (case, secrets, legacy) in cases {
        let mut child = Command::new(std::env::current_exe().unwrap());
        child
            .args([
                "--exact",
                "from_env_reads_both_variables",
                "--test-threads=1",
            ])
            .env("QUO_PRESET_TEST_CHILD", case)
            .env_remove(SECRET_ENV)
            .env_remove(LEGACY_KEY_ENV);
        if let Some(secrets) = secrets {
            child.env(SECRET_ENV, secrets);
        }
        if let Some(legacy) = legacy {
            child.env(LEGACY_KEY_ENV, legacy);
        }
        let output = child.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "child case {case} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
