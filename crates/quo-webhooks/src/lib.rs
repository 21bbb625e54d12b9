#![doc = include_str!("../README.md")]

mod any;
pub mod call;
mod common;
pub mod contact;
mod correlation;
mod error;
mod event;
mod event_type;
pub mod legacy;
pub mod message;
mod normalize;
mod object;
pub mod parity;
pub mod samples;

pub use any::{AnyEvent, parse_any};
pub use common::{Contacts, Direction, Links, LookupStatus, Media};
pub use correlation::CorrelationKey;
pub use error::Error;
pub use event::{
    API_VERSION, CallData, ContactData, Data, Event, EventData, MessageData, RecordingData,
    SummaryData, TranscriptData, VoicemailData,
};
pub use event_type::EventType;
pub use legacy::LegacyEvent;
pub use normalize::normalize;
pub use parity::ParityChecker;
