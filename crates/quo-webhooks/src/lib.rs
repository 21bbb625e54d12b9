#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod any;
pub mod call;
mod common;
pub mod contact;
pub mod correlation;
mod error;
mod event;
mod event_type;
#[cfg(feature = "axum")]
pub mod extract;
pub mod legacy;
pub mod message;
mod normalize;
mod object;
pub mod parity;
pub mod preset;
pub mod redact;
pub mod samples;
pub mod task;
#[cfg(feature = "tower")]
pub mod tower;

pub use any::{AnyEvent, parse_any};
pub use common::{
    Contacts, Direction, Links, LookupStatus, Media, Participants, PhoneNumberType,
    ProcessingStatus, Resolution, Seconds,
};
pub use correlation::{CorrelationKey, CorrelationRules, DedupeKey, DedupeRule};
pub use error::Error;
pub use event::{
    API_VERSION, CallData, ContactData, Data, Event, EventData, MessageData, RecordingData,
    SummaryData, TaskData, TranscriptData, VoicemailData,
};
pub use event_type::EventType;
pub use legacy::LegacyEvent;
pub use normalize::normalize;
pub use parity::ParityChecker;
pub use preset::{PresetError, QuoConfig};
