//! Ids the emulator makes (SPEC §6): `msg_` and `atmpt_` + 22 base62 characters, `EV` + 32
//! hex digits for events, and API keys.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Fills `out` with random bytes from the operating system.
///
/// The emulator cannot make ids without randomness; a system without any random source is
/// not one it can run on, so this falls back to a time-derived value rather than panicking.
pub(crate) fn random_bytes(out: &mut [u8]) {
    if getrandom::fill(out).is_err() {
        let mut seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9_7f4a_7c15);
        for b in out.iter_mut() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *b = seed as u8;
        }
    }
}

/// `len` random base62 characters, without modulo bias.
fn base62(len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        random_bytes(&mut buf);
        for &b in &buf {
            // 248 = 4 * 62: the values below it map evenly onto the alphabet.
            if b < 248 && out.len() < len {
                out.push(BASE62[usize::from(b % 62)] as char);
            }
        }
    }
    out
}

/// `len` random lowercase hex digits.
pub(crate) fn hex(len: usize) -> String {
    let mut bytes = vec![0u8; len.div_ceil(2)];
    random_bytes(&mut bytes);
    let mut out = String::with_capacity(len);
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0xf)] as char);
    }
    out.truncate(len);
    out
}

/// A new delivery id: `msg_` + 22 base62 characters.
pub(crate) fn delivery_id() -> String {
    format!("msg_{}", base62(22))
}

/// A new attempt id: `atmpt_` + 22 base62 characters.
pub(crate) fn attempt_id() -> String {
    format!("atmpt_{}", base62(22))
}

/// A new event id: `EV` + 32 hex digits.
pub(crate) fn event_id() -> String {
    format!("EV{}", hex(32))
}

/// A uniformly random number in `[0, 1)`, for jitter.
pub(crate) fn unit_random() -> f64 {
    let mut bytes = [0u8; 8];
    random_bytes(&mut bytes);
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// The emulator's API key: what clients send as `Authorization`.
///
/// It is a secret: its `Debug` prints `ApiKey { .. }`, it has no `Display`, it is compared in
/// constant time and wiped from memory when dropped.
#[derive(Clone)]
pub struct ApiKey(Zeroizing<String>);

impl ApiKey {
    /// A key from its text.
    ///
    /// # Errors
    ///
    /// When the text is empty, has white space or characters that cannot appear in a header.
    pub fn new(key: impl Into<String>) -> Result<Self, crate::Error> {
        let key = Zeroizing::new(key.into());
        if key.is_empty() {
            return Err(crate::Error::Config("the API key is empty".into()));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(crate::Error::Config(
                "the API key must be printable ASCII without spaces".into(),
            ));
        }
        Ok(Self(key))
    }

    /// A new random key (`quo_emu_` + 32 base62 characters).
    #[must_use]
    pub fn generate() -> Self {
        Self(Zeroizing::new(format!("quo_emu_{}", base62(32))))
    }

    /// The key's text, to send it or to print it once.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is this key, compared in constant time.
    #[must_use]
    pub fn matches(&self, presented: &[u8]) -> bool {
        let key = self.0.as_bytes();
        key.len() == presented.len() && bool::from(key.ct_eq(presented))
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shapes() {
        let msg = delivery_id();
        assert_eq!(msg.len(), 4 + 22);
        assert!(msg.starts_with("msg_"));
        assert!(msg[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
        let at = attempt_id();
        assert!(at.starts_with("atmpt_") && at.len() == 6 + 22);
        let ev = event_id();
        assert!(ev.starts_with("EV") && ev.len() == 34);
        assert!(ev[2..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(delivery_id(), delivery_id());
        let u = unit_random();
        assert!((0.0..1.0).contains(&u));
    }

    #[test]
    fn api_key_never_prints_and_compares_exactly() {
        let key = ApiKey::new("secret-key").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey { .. }");
        assert!(key.matches(b"secret-key"));
        assert!(!key.matches(b"secret-kez"));
        assert!(!key.matches(b"secret-key2"));
        assert!(ApiKey::new("").is_err());
        assert!(ApiKey::new("has space").is_err());
        assert!(ApiKey::generate().expose().starts_with("quo_emu_"));
    }
}
