//! `v1a`: ed25519 signatures over the same signed content as `v1`.
//!
//! Public keys are `whpk_` + base64 of 32 bytes; signing keys `whsk_` + base64 of the 32-byte
//! seed. A receiver trusts only the public keys it was configured with.

use std::{fmt, str::FromStr};

use base64::Engine as _;
use ed25519_dalek::{
    Signature,
    ed25519::signature::{MultipartSigner, MultipartVerifier},
};

use crate::{STANDARD, error::SecretError, secret};

const WHPK: &str = "whpk_";
const WHSK: &str = "whsk_";

/// An ed25519 public key (`whpk_…`) that verifies `v1a` signatures.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use standard_webhooks::{PublicKey, Scheme, SigningKey, Verifier};
///
/// let signing = SigningKey::generate();
/// let public: PublicKey = signing.public_key().to_string().parse()?;
/// let verifier = Verifier::builder().public_key(public).build()?;
///
/// let body = b"{}";
/// let headers = [
///     ("webhook-id", "msg_1".to_owned()),
///     ("webhook-timestamp", "1700000000".to_owned()),
///     ("webhook-signature", signing.sign("msg_1", 1_700_000_000, body)),
/// ];
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert_eq!(verifier.verify_at(&headers, body, now)?.scheme(), Scheme::V1a);
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// A public key from its 32 bytes.
    ///
    /// # Errors
    ///
    /// [`SecretError::InvalidLength`] unless there are 32 bytes that encode a curve point;
    /// [`SecretError::WeakKey`] for a point of small order (the identity, for example), under
    /// which a signature can be forged without the signing key.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        let bytes: &[u8; 32] = bytes.try_into().map_err(|_| SecretError::InvalidLength)?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| SecretError::InvalidLength)?;
        if key.is_weak() {
            return Err(SecretError::WeakKey);
        }
        Ok(Self(key))
    }

    pub(crate) fn verify_parts(&self, message: &[&[u8]], sig: &[u8; 64]) -> bool {
        let sig = Signature::from_bytes(sig);
        self.0.multipart_verify(message, &sig).is_ok()
    }
}

impl FromStr for PublicKey {
    type Err = SecretError;

    /// Reads `whpk_` + base64 (or bare base64) of the 32-byte key.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.starts_with("whsec_") || s.starts_with(WHSK) {
            return Err(SecretError::WrongKind);
        }
        let raw = secret::decode_key(s.strip_prefix(WHPK).unwrap_or(s))?;
        Self::from_bytes(&raw)
    }
}

/// `whpk_` + base64: public, so printing it is fine.
impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{WHPK}{}", STANDARD.encode(self.0.as_bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PublicKey").field(&self.to_string()).finish()
    }
}

/// An ed25519 signing key (`whsk_…`) that makes `v1a` signatures, for senders and tests.
///
/// `Debug` prints `SigningKey { .. }`; the key is zeroed on drop.
#[derive(Clone)]
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// A signing key from its 32-byte seed.
    ///
    /// # Errors
    ///
    /// [`SecretError::InvalidLength`] unless there are exactly 32 bytes.
    pub fn from_bytes(seed: &[u8]) -> Result<Self, SecretError> {
        let seed: &[u8; 32] = seed.try_into().map_err(|_| SecretError::InvalidLength)?;
        Ok(Self(ed25519_dalek::SigningKey::from_bytes(seed)))
    }

    /// A new random signing key.
    ///
    /// # Panics
    ///
    /// Panics only if the operating system offers no random source at all.
    #[must_use]
    pub fn generate() -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(&secret::random_32()))
    }

    /// The public half, to configure receivers with.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// `whsk_` + base64 of the seed. This exposes the key.
    #[must_use]
    pub fn to_whsk_string(&self) -> String {
        let mut out = String::from(WHSK);
        STANDARD.encode_string(self.0.as_bytes(), &mut out);
        out
    }

    /// The `webhook-signature` entry (`v1a,BASE64`) for one delivery.
    #[must_use]
    pub fn sign(&self, id: &str, timestamp: u64, body: &[u8]) -> String {
        let mut ts = secret::itoa_buf();
        let ts = secret::fmt_u64(timestamp, &mut ts);
        let message: [&[u8]; 5] = [id.as_bytes(), b".", ts.as_bytes(), b".", body];
        // Signing with an in-memory ed25519 key cannot fail.
        let sig = self
            .0
            .try_multipart_sign(&message)
            .map_or([0u8; 64], |s| s.to_bytes());
        let mut out = String::from("v1a,");
        STANDARD.encode_string(sig, &mut out);
        out
    }
}

impl FromStr for SigningKey {
    type Err = SecretError;

    /// Reads `whsk_` + base64 of the 32-byte seed.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.starts_with("whsec_") || s.starts_with(WHPK) {
            return Err(SecretError::WrongKind);
        }
        let raw = secret::decode_key(s.strip_prefix(WHSK).unwrap_or(s))?;
        Self::from_bytes(&raw)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_order_public_keys_are_refused() {
        // The identity point, and the point of order 2 (y = -1): every small-order point is
        // one of eight encodings; these two are the classic ones.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut order_two = [0xffu8; 32];
        order_two[0] = 0xec;
        order_two[31] = 0x7f;
        for weak in [identity, order_two] {
            assert_eq!(PublicKey::from_bytes(&weak), Err(SecretError::WeakKey));
        }
        let good = SigningKey::generate().public_key();
        assert!(PublicKey::from_bytes(good.0.as_bytes()).is_ok());
    }

    #[test]
    fn keys_round_trip_through_text() {
        let sk = SigningKey::generate();
        let back: SigningKey = sk.to_whsk_string().parse().unwrap();
        assert_eq!(back.public_key(), sk.public_key());
        let pk: PublicKey = sk.public_key().to_string().parse().unwrap();
        assert_eq!(pk, sk.public_key());
        assert_eq!(format!("{sk:?}"), "SigningKey { .. }");
    }

    #[test]
    fn wrong_kinds_and_lengths_are_errors() {
        assert_eq!(
            "whsec_AAAA".parse::<PublicKey>(),
            Err(SecretError::WrongKind)
        );
        assert_eq!(
            "whpk_AAAA".parse::<PublicKey>(),
            Err(SecretError::InvalidLength)
        );
        assert!("whsk_AAAA".parse::<SigningKey>().is_err());
    }
}
