//! Error types. None of them ever carries a key, a secret or an expected signature.

use std::{error::Error, fmt};

use crate::Scheme;

/// Why a delivery was not verified.
///
/// Each variant is a cause a receiver must tell apart: a client error in the request's form
/// ([`MissingHeader`](Self::MissingHeader), [`MalformedHeader`](Self::MalformedHeader)), a stale
/// or replayed attempt ([`TimestampOutsideTolerance`](Self::TimestampOutsideTolerance)), a
/// forgery or a wrong key ([`NoMatchingSignature`](Self::NoMatchingSignature)), and a receiver
/// configured without a key for the scheme the sender used
/// ([`NoKeyForScheme`](Self::NoKeyForScheme)).
///
/// `Display` is fit for a response body that the sender shows in its delivery history;
/// [`code`](Self::code) is a stable machine-readable name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// A header the scheme needs is absent. With no signature headers at all this names
    /// `webhook-signature`.
    MissingHeader {
        /// The header's name, lowercase.
        name: &'static str,
    },
    /// A header is present but not of the scheme's form.
    MalformedHeader {
        /// The header's name, lowercase.
        name: &'static str,
        /// What is wrong with it, in a few words.
        reason: &'static str,
    },
    /// The attempt's timestamp is further from the receiver's clock than the tolerance.
    TimestampOutsideTolerance {
        /// Whether the timestamp lies in the past (`true`) or the future (`false`).
        too_old: bool,
    },
    /// No signature in the request matched any configured key. Deliberately opaque.
    NoMatchingSignature,
    /// The request is signed with a scheme for which the receiver has no key.
    NoKeyForScheme(Scheme),
}

impl VerifyError {
    /// A stable snake-case code for this error, for JSON bodies and metrics labels.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHeader { .. } => "missing_header",
            Self::MalformedHeader { .. } => "malformed_header",
            Self::TimestampOutsideTolerance { .. } => "timestamp_outside_tolerance",
            Self::NoMatchingSignature => "no_matching_signature",
            Self::NoKeyForScheme(_) => "no_key_for_scheme",
        }
    }

    /// Whether the request's form is at fault (HTTP 400) rather than its authenticity (401).
    #[must_use]
    pub fn is_malformed(&self) -> bool {
        matches!(
            self,
            Self::MissingHeader { .. } | Self::MalformedHeader { .. }
        )
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingHeader { name } => write!(f, "missing {name} header"),
            Self::MalformedHeader { name, reason } => {
                write!(f, "malformed {name} header: {reason}")
            }
            Self::TimestampOutsideTolerance { too_old: true } => {
                f.write_str("timestamp outside tolerance (too old)")
            }
            Self::TimestampOutsideTolerance { too_old: false } => {
                f.write_str("timestamp outside tolerance (in the future)")
            }
            Self::NoMatchingSignature => f.write_str("no matching signature"),
            Self::NoKeyForScheme(scheme) => {
                write!(
                    f,
                    "no key configured for the {} signature scheme",
                    scheme.as_str()
                )
            }
        }
    }
}

impl Error for VerifyError {}

/// A key could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretError {
    /// The key is empty.
    Empty,
    /// The text is not base64 (after any `whsec_`, `whpk_` or `whsk_` prefix).
    InvalidBase64,
    /// The text is far longer than any real key.
    TooLong,
    /// The decoded key has the wrong length for its kind (ed25519 keys are 32 bytes).
    InvalidLength,
    /// A key of another kind was given: for example a `whpk_` public key where a `whsec_`
    /// secret belongs, or a `whsec_` secret as a legacy key.
    WrongKind,
    /// An ed25519 public key of small order: signatures under it can be forged without any
    /// secret, so it is refused.
    WeakKey,
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "the key is empty",
            Self::InvalidBase64 => "the key is not valid base64",
            Self::TooLong => "the key text is too long",
            Self::InvalidLength => "the key has the wrong length",
            Self::WrongKind => "this is a key of another kind",
            Self::WeakKey => {
                "the ed25519 public key is weak (of small order) and would accept forged signatures"
            }
        })
    }
}

impl Error for SecretError {}

/// A [`Verifier`](crate::Verifier) could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// No key of any scheme was given: such a verifier could never accept anything.
    NoKeys,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoKeys => f.write_str("a verifier needs at least one key"),
        }
    }
}

impl Error for BuildError {}
