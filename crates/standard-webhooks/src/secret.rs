//! Keys: `whsec_` secrets for `v1`, Quo's legacy signing keys, and their hygiene.

use std::{fmt, str::FromStr};

use base64::Engine as _;
use hmac::KeyInit;
use zeroize::Zeroizing;

use crate::{
    HmacSha256, SIGNATURE_LEN, STANDARD, STANDARD_LENIENT, error::SecretError, keyed::KeyedStates,
};

const WHSEC_PREFIX: &str = "whsec_";

/// Longest key text we decode. Real keys are 24 to 64 bytes; this only stops a pasted file from
/// being taken for a key.
const MAX_KEY_TEXT_LEN: usize = 4096;

/// A Standard Webhooks signing secret (`whsec_` followed by base64 of the key).
///
/// The key is the decoded bytes, never the text. The HMAC state keyed with it is prepared once,
/// here, so that each verification starts from a copy instead of re-keying.
///
/// `Debug` prints `Secret { .. }`; there is no `Display`; the key and the prepared state are
/// zeroed on drop.
///
/// # Examples
///
/// ```
/// use standard_webhooks::Secret;
///
/// let secret: Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse()?;
/// assert_eq!(format!("{secret:?}"), "Secret { .. }");
/// // The same key without the prefix is the same secret.
/// let bare: Secret = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse()?;
/// assert_eq!(secret.sign("msg_1", 1_700_000_000, b"{}"), bare.sign("msg_1", 1_700_000_000, b"{}"));
/// # Ok::<_, standard_webhooks::SecretError>(())
/// ```
#[derive(Clone)]
pub struct Secret(pub(crate) HmacKey);

impl Secret {
    /// A secret from raw key bytes.
    ///
    /// # Errors
    ///
    /// [`SecretError::Empty`] for an empty key.
    pub fn from_bytes(key: &[u8]) -> Result<Self, SecretError> {
        HmacKey::new(key).map(Self)
    }

    /// A new secret of 32 random bytes from the operating system.
    ///
    /// # Panics
    ///
    /// Panics only if the operating system offers no random source at all.
    #[must_use]
    pub fn generate() -> Self {
        Self(HmacKey::random())
    }

    /// The secret as `whsec_` + base64, the form senders show and [`FromStr`] reads.
    ///
    /// This exposes the key; it is meant for printing a newly generated secret once.
    #[must_use]
    pub fn to_whsec_string(&self) -> String {
        let mut out = String::from(WHSEC_PREFIX);
        STANDARD.encode_string(&self.0.key[..], &mut out);
        out
    }

    /// The `webhook-signature` value (`v1,BASE64`) for one delivery.
    ///
    /// Signs the bytes `{id}.{timestamp}.{body}`, the timestamp written in decimal.
    #[must_use]
    pub fn sign(&self, id: &str, timestamp: u64, body: &[u8]) -> String {
        let mut ts = itoa_buf();
        let ts = fmt_u64(timestamp, &mut ts);
        let tag = crate::verifier::v1_tag(&self.0.mac, id.as_bytes(), ts.as_bytes(), body);
        let mut out = String::with_capacity(3 + 44);
        out.push_str("v1,");
        STANDARD.encode_string(tag, &mut out);
        out
    }
}

impl FromStr for Secret {
    type Err = SecretError;

    /// Reads `whsec_` + base64 or bare base64, padded or not; surrounding white space is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let body = s.strip_prefix(WHSEC_PREFIX).unwrap_or(s);
        if body.starts_with("whpk_") || body.starts_with("whsk_") {
            return Err(SecretError::WrongKind);
        }
        let key = decode_key(body)?;
        Self::from_bytes(&key)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret { .. }")
    }
}

/// Quo's legacy signing key for the `openphone-signature` scheme: base64 as shown in the Quo
/// app, used as its decoded bytes.
///
/// Same hygiene as [`Secret`]: redacted `Debug`, no `Display`, zeroed on drop.
///
/// # Examples
///
/// ```
/// use standard_webhooks::LegacySecret;
///
/// let key: LegacySecret = "c2VjcmV0LWtleS1ieXRlcw==".parse()?;
/// let header = key.sign(1_700_000_000_000, br#"{"id":"EV1"}"#);
/// assert!(header.starts_with("hmac;1;1700000000000;"));
/// # Ok::<_, standard_webhooks::SecretError>(())
/// ```
#[derive(Clone)]
pub struct LegacySecret(pub(crate) HmacKey);

impl LegacySecret {
    /// A legacy key from raw bytes.
    ///
    /// # Errors
    ///
    /// [`SecretError::Empty`] for an empty key.
    pub fn from_bytes(key: &[u8]) -> Result<Self, SecretError> {
        HmacKey::new(key).map(Self)
    }

    /// A new random 32-byte key, for tests and the sender tool.
    ///
    /// # Panics
    ///
    /// Panics only if the operating system offers no random source at all.
    #[must_use]
    pub fn generate() -> Self {
        Self(HmacKey::random())
    }

    /// The key as base64, the form the Quo app shows. This exposes the key.
    #[must_use]
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.0.key[..])
    }

    /// The whole `openphone-signature` header value, `hmac;1;{timestamp_ms};{BASE64}`, signing
    /// `{timestamp_ms}.{body}`.
    #[must_use]
    pub fn sign(&self, timestamp_ms: u64, body: &[u8]) -> String {
        let mut ts = itoa_buf();
        let ts = fmt_u64(timestamp_ms, &mut ts);
        let tag = crate::verifier::legacy_tag(&self.0.mac, ts.as_bytes(), body);
        let mut out = String::with_capacity(8 + ts.len() + 44);
        out.push_str("hmac;1;");
        out.push_str(ts);
        out.push(';');
        STANDARD.encode_string(tag, &mut out);
        out
    }
}

impl FromStr for LegacySecret {
    type Err = SecretError;

    /// Reads base64, padded or not; surrounding white space is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.starts_with(WHSEC_PREFIX) || s.starts_with("whpk_") || s.starts_with("whsk_") {
            return Err(SecretError::WrongKind);
        }
        let key = decode_key(s)?;
        Self::from_bytes(&key)
    }
}

impl fmt::Debug for LegacySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LegacySecret { .. }")
    }
}

/// An HMAC key and the HMAC state keyed with it, prepared once. Both are zeroed on drop
/// (`Zeroizing`, and `hmac`'s `zeroize` feature for the state).
#[derive(Clone)]
pub(crate) struct HmacKey {
    key: Zeroizing<Vec<u8>>,
    /// For signing (and an independent check of `states` in the tests).
    pub(crate) mac: HmacSha256,
    /// For verifying: the key's inner and outer SHA-256 states.
    pub(crate) states: KeyedStates,
}

impl HmacKey {
    fn new(key: &[u8]) -> Result<Self, SecretError> {
        if key.is_empty() {
            return Err(SecretError::Empty);
        }
        // HMAC takes keys of any length; the error arm cannot happen for a non-empty key.
        let mac = HmacSha256::new_from_slice(key).map_err(|_| SecretError::Empty)?;
        Ok(Self {
            key: Zeroizing::new(key.to_vec()),
            mac,
            states: KeyedStates::new(key),
        })
    }

    fn random() -> Self {
        let key = random_32();
        // HMAC zero-pads a key shorter than its 64-byte block, so keying with the padded block
        // is keying with the 32 bytes, through the infallible fixed-size constructor.
        let mut block = Zeroizing::new([0u8; 64]);
        block[..32].copy_from_slice(&key[..]);
        Self {
            mac: HmacSha256::new(&(*block).into()),
            states: KeyedStates::new(&key[..]),
            key: Zeroizing::new(key.to_vec()),
        }
    }
}

/// 32 bytes from the operating system's random source.
///
/// # Panics
///
/// Panics only if the operating system offers no random source at all (`getrandom` reports
/// that only on unsupported platforms): a key must never be made from anything weaker.
pub(crate) fn random_32() -> Zeroizing<[u8; 32]> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes[..]).expect("the operating system's random source is unavailable");
    bytes
}

pub(crate) fn decode_key(text: &str) -> Result<Zeroizing<Vec<u8>>, SecretError> {
    if text.is_empty() {
        return Err(SecretError::Empty);
    }
    if text.len() > MAX_KEY_TEXT_LEN {
        return Err(SecretError::TooLong);
    }
    let key = Zeroizing::new(
        STANDARD_LENIENT
            .decode(text)
            .map_err(|_| SecretError::InvalidBase64)?,
    );
    if key.is_empty() {
        return Err(SecretError::Empty);
    }
    Ok(key)
}

/// Decimal text of a `u64` without allocating.
pub(crate) fn itoa_buf() -> [u8; 20] {
    [0u8; 20]
}

pub(crate) fn fmt_u64(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

// Keep the tag length in one place for the signing code above.
const _: () = assert!(SIGNATURE_LEN == 32);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whsec_and_bare_forms_decode_to_the_same_key() {
        let a: Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap();
        let b: Secret = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap();
        assert_eq!(a.0.key, b.0.key);
        assert_eq!(a.0.key.len(), 24);
    }

    #[test]
    fn padding_is_optional() {
        let padded: Secret = "whsec_c2VjcmV0LWtleS1ieXRlcw==".parse().unwrap();
        let unpadded: Secret = "whsec_c2VjcmV0LWtleS1ieXRlcw".parse().unwrap();
        assert_eq!(padded.0.key, unpadded.0.key);
        assert_eq!(&padded.0.key[..], b"secret-key-bytes");
    }

    #[test]
    fn rejects_empty_and_non_base64() {
        assert_eq!("".parse::<Secret>().unwrap_err(), SecretError::Empty);
        assert_eq!("whsec_".parse::<Secret>().unwrap_err(), SecretError::Empty);
        assert_eq!(
            "whsec_not base64!".parse::<Secret>().unwrap_err(),
            SecretError::InvalidBase64
        );
        assert_eq!(
            "whpk_AAAA".parse::<Secret>().unwrap_err(),
            SecretError::WrongKind
        );
        assert_eq!(Secret::from_bytes(b"").unwrap_err(), SecretError::Empty);
        assert_eq!(
            "whsec_abc".repeat(1000).parse::<Secret>().unwrap_err(),
            SecretError::TooLong
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let s: Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap();
        let l: LegacySecret = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap();
        assert_eq!(format!("{s:?}"), "Secret { .. }");
        assert_eq!(format!("{s:#?}"), "Secret { .. }");
        assert_eq!(format!("{l:?}"), "LegacySecret { .. }");
    }

    #[test]
    fn generated_secrets_round_trip_through_whsec_text() {
        let s = Secret::generate();
        let text = s.to_whsec_string();
        assert!(text.starts_with("whsec_"));
        let back: Secret = text.parse().unwrap();
        assert_eq!(back.0.key, s.0.key);
        assert_eq!(s.0.key.len(), 32);
        assert_ne!(Secret::generate().0.key, s.0.key);
        // The prepared state of a generated key signs as the same key read back from text.
        assert_eq!(s.sign("msg_1", 1, b"body"), back.sign("msg_1", 1, b"body"));

        let l = LegacySecret::generate();
        let back: LegacySecret = l.to_base64().parse().unwrap();
        assert_eq!(back.0.key, l.0.key);
        assert_eq!(l.sign(1, b"body"), back.sign(1, b"body"));
    }

    #[test]
    fn legacy_key_refuses_a_whsec_secret() {
        assert_eq!(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
                .parse::<LegacySecret>()
                .unwrap_err(),
            SecretError::WrongKind
        );
    }

    #[test]
    fn decimal_formatting_matches_std() {
        for n in [0, 1, 9, 10, 1_614_265_330, u64::MAX] {
            let mut buf = itoa_buf();
            assert_eq!(fmt_u64(n, &mut buf), n.to_string());
        }
    }
}
