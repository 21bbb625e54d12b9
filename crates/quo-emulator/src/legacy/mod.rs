//! Quo's legacy webhooks: the `/v1/webhooks` API's store, the legacy twin of each triggered
//! event, and a small dispatcher that delivers it signed with `openphone-signature`.
//!
//! Legacy deliveries have their own queue table (`legacy_deliveries`) and their own dispatcher,
//! apart from the new system's engine; they reuse only the engine's HTTP client (and so its
//! attempt timeout) and the emulator's clock. As at Quo, the legacy system keeps no delivery
//! history that an API shows: each attempt is logged (`tracing`, target
//! `quo_emulator::legacy`) and retried on the same schedule as new deliveries.

pub(crate) mod dispatcher;
pub(crate) mod payload;

pub(crate) use dispatcher::{LegacyDispatcher, LegacyHandle};
