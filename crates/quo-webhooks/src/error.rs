//! The error type.

use std::{error, fmt};

/// Why a request body could not be read as a Quo event.
///
/// `Display` names the offending field (for example ``invalid event: `data`: `resource`:
/// `duration`: invalid type: string "long", expected u64``), so it is fit for a rejection's
/// body. Be aware that serde's messages may quote a part of the received value.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The body is not JSON.
    InvalidJson(serde_json::Error),
    /// The body is JSON but not an object.
    NotAnObject,
    /// The body looks like a new-format event but does not fit its types.
    InvalidEvent(serde_json::Error),
    /// The body looks like a legacy event but does not fit its types.
    InvalidLegacyEvent(serde_json::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidJson(error) => write!(f, "body is not valid JSON: {error}"),
            Self::NotAnObject => f.write_str("body is not a JSON object"),
            Self::InvalidEvent(error) => write!(f, "invalid event: {error}"),
            Self::InvalidLegacyEvent(error) => write!(f, "invalid legacy event: {error}"),
        }
    }
}

impl error::Error for Error {
    fn source(&self) -> Option<&(dyn error::Error + 'static)> {
        match self {
            Self::InvalidJson(error)
            | Self::InvalidEvent(error)
            | Self::InvalidLegacyEvent(error) => Some(error),
            Self::NotAnObject => None,
        }
    }
}
