//! `/v1/webhooks`: Quo's legacy webhooks (list, get, create per family, delete). The legacy API
//! has no version header, no update and no delivery history.

use http::Method;

use super::{Client, segment, to_body};
use crate::{Envelope, Error, LegacyFamily, LegacyWebhook, NewLegacyWebhook};

/// The legacy webhooks of the workspace; from [`Client::legacy_webhooks`].
#[derive(Debug, Clone, Copy)]
pub struct LegacyWebhooksHandler<'c> {
    client: &'c Client,
}

impl<'c> LegacyWebhooksHandler<'c> {
    pub(super) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// Every legacy webhook (`GET /v1/webhooks`).
    ///
    /// # Errors
    ///
    /// Any [`Error`] of the request.
    pub async fn list(&self) -> Result<Vec<LegacyWebhook>, Error> {
        let page: Envelope<Vec<LegacyWebhook>> =
            self.client.json(Method::GET, "/v1/webhooks", None).await?;
        Ok(page.data)
    }

    /// One legacy webhook (`GET /v1/webhooks/:id`).
    ///
    /// # Errors
    ///
    /// Any [`Error`] of the request; [`Error::is_not_found`] for an unknown id.
    pub async fn get(&self, id: &str) -> Result<LegacyWebhook, Error> {
        let path = format!("/v1/webhooks/{}", segment(id));
        let answer: Envelope<LegacyWebhook> = self.client.json(Method::GET, &path, None).await?;
        Ok(answer.data)
    }

    /// Creates a legacy webhook of `family` (`POST /v1/webhooks/messages`, ...), with its key.
    /// Not retried automatically.
    ///
    /// # Errors
    ///
    /// Any [`Error`] of the request.
    pub async fn create(
        &self,
        family: LegacyFamily,
        webhook: &NewLegacyWebhook,
    ) -> Result<LegacyWebhook, Error> {
        let path = format!("/v1/webhooks/{}", family.path_segment());
        let answer: Envelope<LegacyWebhook> = self
            .client
            .json(Method::POST, &path, Some(to_body(webhook)?))
            .await?;
        Ok(answer.data)
    }

    /// Deletes a legacy webhook (`DELETE /v1/webhooks/:id`); it cannot be restored.
    ///
    /// # Errors
    ///
    /// Any [`Error`] of the request.
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        let path = format!("/v1/webhooks/{}", segment(id));
        self.client.empty(Method::DELETE, &path, None).await
    }
}
