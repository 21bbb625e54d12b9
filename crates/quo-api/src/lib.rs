// The README's examples use the client; without it the crate is the model alone.
#![cfg_attr(feature = "client", doc = include_str!("../README.md"))]
#![cfg_attr(
    not(feature = "client"),
    doc = "The model of Quo's webhook management API (built without the `client` feature)."
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod client;
#[cfg(feature = "client")]
mod error;
pub mod model;

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use client::Client;
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use error::{Error, SNIPPET_CHARS};

pub use model::{
    ApiKey, Attempt, AttemptId, AttemptStatus, CreatedWebhook, Delivery, DeliveryFilter,
    DeliveryId, DeliveryStatus, DeliverySummary, Envelope, ErrorBody, FieldError, LegacyFamily,
    LegacyWebhook, NewLegacyWebhook, NewWebhook, Page, Patch, ResourceIds, RotatedKey,
    TestEventRequest, TriggerType, Webhook, WebhookId, WebhookStatus, WebhookUpdate,
};

/// The management API version this crate speaks, sent on every request and pinned on every
/// webhook it creates.
pub const API_VERSION: &str = "2026-03-30";

/// The version header as Quo's beta reference spells it.
pub const VERSION_HEADER: &str = "x-quo-api-version";

/// The version header as Quo's GA docs spell it; a server accepts either name.
pub const GA_VERSION_HEADER: &str = "quo-api-version";

/// Quo's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.quo.com";
