//! Ids the emulator makes (SPEC §6): `msg_` and `atmpt_` + 22 base62 characters, `EV` + 32
//! hex digits for events, and generated API keys.

use quo_api::ApiKey;
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

/// A new random API key (`quo_emu_` + 32 base62 characters).
pub(crate) fn generate_api_key() -> ApiKey {
    let text = Zeroizing::new(format!("quo_emu_{}", base62(32)));
    // `quo_emu_` and base62 are printable ASCII, which `ApiKey::new` always takes; the
    // fallback only keeps this free of a panic path.
    ApiKey::new(text.as_str()).unwrap_or_else(|_| generate_api_key())
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
    fn generated_api_keys_are_random_and_never_print() {
        let key = generate_api_key();
        assert!(key.expose().starts_with("quo_emu_"));
        assert_eq!(key.expose().len(), 8 + 32);
        assert!(key.matches(key.expose().as_bytes()));
        assert!(!key.matches(generate_api_key().expose().as_bytes()));
        assert_eq!(format!("{key:?}"), "ApiKey { .. }");
    }
}
