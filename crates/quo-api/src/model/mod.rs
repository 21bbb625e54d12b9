//! The management API's resources, requests and answers.
//!
//! Every type serialises to, and reads from, exactly the JSON of Quo's API reference. Reading
//! is lenient where Quo's docs differ or grow (fields added by newer docs are optional, unknown
//! fields are ignored, unknown enum values are kept); writing is exact.

mod api_key;
mod delivery;
mod enums;
mod error;
mod ids;
pub mod legacy;
pub mod time;
mod webhook;

pub use api_key::{ApiKey, InvalidApiKey};
pub use delivery::{
    Attempt, AttemptStatus, Delivery, DeliveryFilter, DeliveryStatus, DeliverySummary, LIMIT_RANGE,
    Page, TriggerType,
};
pub use error::{DOCS_URL, ErrorBody, FieldError};
pub use ids::{AttemptId, DeliveryId, WebhookId};
pub use legacy::{LegacyFamily, LegacyWebhook, NewLegacyWebhook};
pub use webhook::{
    CreatedWebhook, NewWebhook, Patch, ResourceIds, RotatedKey, TestEventRequest, Webhook,
    WebhookStatus, WebhookUpdate,
};

use serde::{Deserialize, Serialize};

/// The `{"data": ...}` envelope around most answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// The answer itself.
    pub data: T,
}

impl<T> Envelope<T> {
    /// Wraps `data`.
    pub fn new(data: T) -> Self {
        Self { data }
    }
}
