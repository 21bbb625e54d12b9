//! The Quo preset: Quo's keys, from the environment or given directly, and the verifier that
//! accepts them. (With the `tower` feature, [`crate::tower`] builds the layers from it.)
//!
//! | variable | holds |
//! |---|---|
//! | [`QUO_WEBHOOK_SECRET`](SECRET_ENV) | the `whsec_` signing secret of a new (Standard Webhooks) Quo webhook; during a rotation the new and the old one, comma-separated |
//! | [`QUO_LEGACY_SIGNING_KEY`](LEGACY_KEY_ENV) | the base64 signing key of a legacy webhook, as the Quo app shows it; several comma-separated if you receive from several legacy webhooks |
//!
//! Set either or both (both while the two systems run side by side). Entries may carry white
//! space around them; a variable that is empty or only white space counts as unset. A
//! malformed entry is an error that names the variable and the entry's position, never its
//! value:
//!
//! ```text
//! QUO_WEBHOOK_SECRET, entry 2: the key is not valid base64
//! ```
//!
//! With the `tower` feature, `QuoConfig::layer` stacks the verification layer and an
//! idempotency layer that dedupes across both systems (see the `tower` module), and
//! `QuoConfig::layer_with_parity` adds a `ParityLayer` between them.
//!
//! # Examples
//!
//! ```
//! use quo_webhooks::preset::QuoConfig;
//!
//! // In a service: `QuoConfig::from_env()?`. The same syntax, from values:
//! let config = QuoConfig::from_values(
//!     Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, whsec_c2Vjb25kLXNlY3JldC1rZXktYnl0ZXM="),
//!     Some("c2VjcmV0LWtleS1ieXRlcw=="),
//! )?;
//! assert_eq!(config.secrets().len(), 2);
//! let verifier = config.verifier()?;
//! # let _ = verifier;
//!
//! let error = QuoConfig::from_values(Some("whsec_MfKQ9r8G, not base64!"), None).unwrap_err();
//! assert_eq!(error.to_string(), "QUO_WEBHOOK_SECRET, entry 2: the key is not valid base64");
//! # Ok::<(), quo_webhooks::preset::PresetError>(())
//! ```

use std::{error, fmt, time::Duration};

use standard_webhooks::{LegacySecret, Secret, SecretError, Verifier};

/// The variable holding the new webhooks' `whsec_` secret(s), comma-separated.
pub const SECRET_ENV: &str = "QUO_WEBHOOK_SECRET";

/// The variable holding the legacy webhooks' signing key(s), comma-separated.
pub const LEGACY_KEY_ENV: &str = "QUO_LEGACY_SIGNING_KEY";

/// Keys and tolerance for verifying Quo deliveries, read from [`SECRET_ENV`] and
/// [`LEGACY_KEY_ENV`] or given directly.
///
/// `Debug` shows how many keys there are, never the keys.
#[derive(Clone)]
#[must_use]
pub struct QuoConfig {
    secrets: Vec<Secret>,
    legacy_keys: Vec<LegacySecret>,
    tolerance: Duration,
}

impl fmt::Debug for QuoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QuoConfig")
            .field("secrets", &self.secrets.len())
            .field("legacy_keys", &self.legacy_keys.len())
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

impl Default for QuoConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl QuoConfig {
    /// No keys yet, the default tolerance (300 s). Add keys with
    /// [`with_secret`](Self::with_secret) and [`with_legacy_key`](Self::with_legacy_key).
    pub fn new() -> Self {
        Self {
            secrets: Vec::new(),
            legacy_keys: Vec::new(),
            tolerance: standard_webhooks::DEFAULT_TOLERANCE,
        }
    }

    /// Reads [`SECRET_ENV`] and [`LEGACY_KEY_ENV`]; see the [module docs](self) for the
    /// syntax. Having neither set is not an error here (it is in
    /// [`verifier`](Self::verifier)), so that keys can still be added.
    ///
    /// # Errors
    ///
    /// [`PresetError::NotUnicode`] for a value that is not UTF-8, and as
    /// [`from_values`](Self::from_values) for a malformed entry.
    pub fn from_env() -> Result<Self, PresetError> {
        let secrets = env_value(SECRET_ENV)?;
        let legacy_keys = env_value(LEGACY_KEY_ENV)?;
        Self::from_values(secrets.as_deref(), legacy_keys.as_deref())
    }

    /// Reads values in the syntax of the two variables: `secrets` as [`SECRET_ENV`] and
    /// `legacy_keys` as [`LEGACY_KEY_ENV`], each a comma-separated list; `None`, an empty value
    /// and a value of only white space mean unset.
    ///
    /// # Errors
    ///
    /// [`PresetError::InvalidKey`] naming the variable and the entry (counting from 1) of the
    /// first malformed entry, including an empty one (`a,,b`, or a trailing comma);
    /// [`PresetError::Quoted`] for an entry wrapped in quotes.
    pub fn from_values(
        secrets: Option<&str>,
        legacy_keys: Option<&str>,
    ) -> Result<Self, PresetError> {
        let mut config = Self::new();
        config.secrets = parse_list(SECRET_ENV, secrets)?;
        config.legacy_keys = parse_list(LEGACY_KEY_ENV, legacy_keys)?;
        Ok(config)
    }

    /// Also accept `v1` signatures made with `secret`.
    pub fn with_secret(mut self, secret: Secret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Also accept legacy `openphone-signature` signatures made with `key`.
    pub fn with_legacy_key(mut self, key: LegacySecret) -> Self {
        self.legacy_keys.push(key);
        self
    }

    /// How far a delivery's timestamp may be from the receiver's clock (default 300 s).
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The new webhooks' secrets, in the order given.
    #[must_use]
    pub fn secrets(&self) -> &[Secret] {
        &self.secrets
    }

    /// The legacy webhooks' keys, in the order given.
    #[must_use]
    pub fn legacy_keys(&self) -> &[LegacySecret] {
        &self.legacy_keys
    }

    /// The timestamp tolerance.
    #[must_use]
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// A verifier accepting every configured secret and legacy key.
    ///
    /// # Errors
    ///
    /// [`PresetError::NoKeys`] when neither a secret nor a legacy key is configured.
    pub fn verifier(&self) -> Result<Verifier, PresetError> {
        let mut builder = Verifier::builder()
            .secrets(self.secrets.iter().cloned())
            .tolerance(self.tolerance);
        for key in &self.legacy_keys {
            builder = builder.legacy_secret(key.clone());
        }
        builder.build().map_err(|_| PresetError::NoKeys)
    }
}

/// A preset value could not be read. `Display` names the variable and the entry, never the
/// value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PresetError {
    /// An entry of a list is not a valid key.
    InvalidKey {
        /// [`SECRET_ENV`] or [`LEGACY_KEY_ENV`].
        variable: &'static str,
        /// Which entry, counting from 1.
        entry: usize,
        /// What is wrong with it.
        error: SecretError,
    },
    /// An entry is wrapped in quotes, which a shell or `.env` file would have removed.
    Quoted {
        /// [`SECRET_ENV`] or [`LEGACY_KEY_ENV`].
        variable: &'static str,
        /// Which entry, counting from 1.
        entry: usize,
    },
    /// The variable's value is not UTF-8.
    NotUnicode {
        /// [`SECRET_ENV`] or [`LEGACY_KEY_ENV`].
        variable: &'static str,
    },
    /// Neither a secret nor a legacy key is configured.
    NoKeys,
}

impl fmt::Display for PresetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidKey {
                variable,
                entry,
                error,
            } => {
                write!(f, "{variable}, entry {entry}: {error}")?;
                match (*variable, error) {
                    (LEGACY_KEY_ENV, SecretError::WrongKind) => write!(
                        f,
                        " (a whsec_ secret belongs in {SECRET_ENV}; this variable takes the \
                         legacy webhook's base64 signing key)"
                    ),
                    (SECRET_ENV, SecretError::WrongKind) => f.write_str(
                        " (this variable takes whsec_ signing secrets, not whpk_/whsk_ keys)",
                    ),
                    _ => Ok(()),
                }
            }
            Self::Quoted { variable, entry } => write!(
                f,
                "{variable}, entry {entry}: the key is wrapped in quotes; remove them"
            ),
            Self::NotUnicode { variable } => write!(f, "{variable} is not valid UTF-8"),
            Self::NoKeys => write!(
                f,
                "no webhook key configured: set {SECRET_ENV} (the whsec_ secret of a Quo \
                 webhook; several comma-separated during a rotation) and/or {LEGACY_KEY_ENV} \
                 (the signing key of a legacy webhook)"
            ),
        }
    }
}

impl error::Error for PresetError {
    fn source(&self) -> Option<&(dyn error::Error + 'static)> {
        match self {
            Self::InvalidKey { error, .. } => Some(error),
            _ => None,
        }
    }
}

fn env_value(variable: &'static str) -> Result<Option<String>, PresetError> {
    match std::env::var(variable) {
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(PresetError::NotUnicode { variable }),
    }
}

fn parse_list<K: std::str::FromStr<Err = SecretError>>(
    variable: &'static str,
    value: Option<&str>,
) -> Result<Vec<K>, PresetError> {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    value
        .split(',')
        .enumerate()
        .map(|(i, text)| {
            let entry = i + 1;
            let text = text.trim();
            let quoted = text.len() >= 2
                && ["\"", "'"]
                    .iter()
                    .any(|q| text.starts_with(q) && text.ends_with(q));
            if quoted {
                return Err(PresetError::Quoted { variable, entry });
            }
            text.parse().map_err(|error| PresetError::InvalidKey {
                variable,
                entry,
                error,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_kind_hints_at_the_other_variable() {
        let error = QuoConfig::from_values(None, Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
            .unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("QUO_LEGACY_SIGNING_KEY, entry 1: this is a key of another kind"),
            "{text}"
        );
        assert!(text.contains("belongs in QUO_WEBHOOK_SECRET"), "{text}");
        assert!(!text.contains("MfKQ9r8G"), "{text}");
    }

    #[test]
    fn debug_shows_counts_only() {
        let config =
            QuoConfig::from_values(Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), None).unwrap();
        let debug = format!("{config:?}");
        assert_eq!(
            debug,
            "QuoConfig { secrets: 1, legacy_keys: 0, tolerance: 300s }"
        );
    }
}
