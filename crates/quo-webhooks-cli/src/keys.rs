//! Keys from flags or the environment, through the Quo preset's parsing and error messages.

use quo_webhooks::preset::QuoConfig;
use standard_webhooks::{LegacySecret, Secret, SigningKey, Verifier};

use crate::{KeyArgs, KeyKind};

/// `secret generate`.
pub(crate) fn generate(kind: KeyKind) {
    match kind {
        KeyKind::Whsec => println!("{}", Secret::generate().to_whsec_string()),
        KeyKind::Legacy => println!("{}", LegacySecret::generate().to_base64()),
        KeyKind::Ed25519 => {
            let key = SigningKey::generate();
            println!("{}", key.to_whsk_string());
            println!("{}", key.public_key());
        }
    }
}

fn config(args: &KeyArgs) -> Result<QuoConfig, String> {
    QuoConfig::from_values(args.secret.as_deref(), args.legacy_key.as_deref())
        .map_err(|e| e.to_string())
}

/// The receiver's verifier. With no key at all, a new secret is generated and returned too, so
/// that `serve` runs with no setup.
pub(crate) fn verifier(
    args: &KeyArgs,
    tolerance: std::time::Duration,
) -> Result<(Verifier, Option<Secret>), String> {
    if args.secret.is_none() && args.legacy_key.is_none() {
        let secret = Secret::generate();
        let verifier = Verifier::builder()
            .secret(secret.clone())
            .tolerance(tolerance)
            .build()
            .map_err(|e| e.to_string())?;
        return Ok((verifier, Some(secret)));
    }
    let config = config(args)?.with_tolerance(tolerance);
    Ok((config.verifier().map_err(|e| e.to_string())?, None))
}

/// The secret that signs Standard Webhooks deliveries: the first one given.
pub(crate) fn signing_secret(args: &KeyArgs) -> Result<Secret, String> {
    config(args)?
        .secrets()
        .first()
        .cloned()
        .ok_or_else(|| "no secret: pass --secret whsec_... or set QUO_WEBHOOK_SECRET".to_owned())
}

/// The key that signs legacy deliveries: the first one given.
pub(crate) fn signing_legacy_key(args: &KeyArgs) -> Result<LegacySecret, String> {
    config(args)?.legacy_keys().first().cloned().ok_or_else(|| {
        "no legacy key: pass --legacy-key BASE64 or set QUO_LEGACY_SIGNING_KEY".to_owned()
    })
}
