//! The API key, shared by the client (which sends it) and the emulator (which checks it).

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A Quo API key: what a client sends raw in `Authorization` and a server checks.
///
/// It is a secret: wiped from memory when dropped, compared only in constant time
/// ([`matches`](Self::matches)), printed by `Debug` as `ApiKey { .. }`, and it has no
/// `Display`. [`expose`](Self::expose) is the one way to its text.
///
/// ```
/// use quo_api::ApiKey;
///
/// let key = ApiKey::new(" my-key\n")?; // surrounding whitespace is removed
/// assert!(key.matches(b"my-key"));
/// assert_eq!(format!("{key:?}"), "ApiKey { .. }");
/// # Ok::<(), quo_api::model::InvalidApiKey>(())
/// ```
#[derive(Clone)]
pub struct ApiKey(Zeroizing<String>);

impl ApiKey {
    /// Takes `key`; surrounding whitespace, such as a newline from a file, is removed.
    ///
    /// # Errors
    ///
    /// [`InvalidApiKey`] when the key is empty or holds spaces, control or non-ASCII
    /// characters, which a header cannot carry. The error never shows the key.
    pub fn new(key: impl Into<String>) -> Result<Self, InvalidApiKey> {
        let key = Zeroizing::new(key.into());
        let trimmed = key.trim();
        if trimmed.is_empty() {
            return Err(InvalidApiKey::Empty);
        }
        if !trimmed.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidApiKey::Characters);
        }
        Ok(Self(Zeroizing::new(trimmed.to_owned())))
    }

    /// The key's text, to send it or to show it once.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is this key, compared in constant time (the length first).
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

/// Why a text is not an [`ApiKey`]. It never holds the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidApiKey {
    /// Nothing but whitespace.
    Empty,
    /// Spaces, control or non-ASCII characters inside the key.
    Characters,
}

impl fmt::Display for InvalidApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "the API key is empty",
            Self::Characters => "the API key holds spaces, control or non-ASCII characters",
        })
    }
}

impl std::error::Error for InvalidApiKey {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_is_checked_trimmed_and_never_printed() {
        assert_eq!(ApiKey::new("").unwrap_err(), InvalidApiKey::Empty);
        assert_eq!(ApiKey::new("  \n").unwrap_err(), InvalidApiKey::Empty);
        assert_eq!(
            ApiKey::new("has space").unwrap_err(),
            InvalidApiKey::Characters
        );
        assert!(ApiKey::new("é").is_err());
        let key = ApiKey::new(" secret-key-123\n").unwrap();
        assert_eq!(key.expose(), "secret-key-123");
        assert_eq!(format!("{key:?}"), "ApiKey { .. }");
        let error = ApiKey::new("bad key").unwrap_err();
        assert!(!error.to_string().contains("bad key"));
        assert!(!format!("{error:?}").contains("bad key"));
    }

    #[test]
    fn matches_only_the_exact_key() {
        let key = ApiKey::new("secret-key").unwrap();
        assert!(key.matches(b"secret-key"));
        assert!(!key.matches(b"secret-kez"));
        assert!(!key.matches(b"secret-key2"));
        assert!(!key.matches(b"secret-ke"));
        assert!(!key.matches(b""));
    }
}
