//! Any text as each kind of key: no panic; what parses prints, and the printed text parses back
//! to the same key and prints the same again; `Debug` never shows key material.
#![no_main]

use libfuzzer_sys::fuzz_target;
use standard_webhooks::{LegacySecret, PublicKey, Secret, SigningKey};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    if let Ok(secret) = text.parse::<Secret>() {
        let printed = secret.to_whsec_string();
        let again: Secret = printed.parse().expect("a printed secret parses");
        assert_eq!(again.to_whsec_string(), printed);
        assert_eq!(
            again.sign("msg_1", 1, b"{}"),
            secret.sign("msg_1", 1, b"{}")
        );
        // The bare form (no prefix) is the same secret.
        let bare: Secret = printed["whsec_".len()..]
            .parse()
            .expect("bare base64 parses");
        assert_eq!(bare.to_whsec_string(), printed);
        assert_eq!(format!("{secret:?}"), "Secret { .. }");
        // A `whsec_` text is never also taken for a legacy key.
        assert!(printed.parse::<LegacySecret>().is_err());
    }

    if let Ok(key) = text.parse::<LegacySecret>() {
        let printed = key.to_base64();
        let again: LegacySecret = printed.parse().expect("a printed legacy key parses");
        assert_eq!(again.to_base64(), printed);
        assert_eq!(again.sign(1, b"{}"), key.sign(1, b"{}"));
        assert_eq!(format!("{key:?}"), "LegacySecret { .. }");
    }

    if let Ok(public) = text.parse::<PublicKey>() {
        let printed = public.to_string();
        assert!(printed.starts_with("whpk_"));
        let again: PublicKey = printed.parse().expect("a printed public key parses");
        assert_eq!(again, public);
        assert_eq!(again.to_string(), printed);
    }

    if let Ok(signing) = text.parse::<SigningKey>() {
        let printed = signing.to_whsk_string();
        let again: SigningKey = printed.parse().expect("a printed signing key parses");
        assert_eq!(again.to_whsk_string(), printed);
        assert_eq!(again.public_key(), signing.public_key());
        assert_eq!(format!("{signing:?}"), "SigningKey { .. }");
    }
});
