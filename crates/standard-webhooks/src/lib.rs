#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

use base64::engine::{
    DecodePaddingMode,
    general_purpose::{GeneralPurpose, GeneralPurposeConfig},
};

#[cfg(feature = "ed25519")]
mod ed25519;
mod error;
pub mod headers;
mod keyed;
mod secret;
mod verifier;

#[cfg(feature = "ed25519")]
pub use ed25519::{PublicKey, SigningKey};
pub use error::{BuildError, SecretError, VerifyError};
pub use headers::HeaderSource;
pub use secret::{LegacySecret, Secret};
pub use verifier::{
    DEFAULT_TOLERANCE, LEGACY_HEADER, MAX_ID_LEN, MAX_SIGNATURES, Scheme, Verified, Verifier,
    VerifierBuilder,
};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Length of an HMAC-SHA256 tag.
const SIGNATURE_LEN: usize = 32;

/// Standard base64, padded on output.
const STANDARD: GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Standard base64 that reads both padded and unpadded input, as senders and users write both.
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
