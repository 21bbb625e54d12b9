//! `/webhooks`: list, get, create, update, delete, rotate, test.

use http::Method;
use quo_webhooks::{Event, EventType};

use super::{Client, segment, to_body};
use crate::{
    CreatedWebhook, Envelope, Error, NewWebhook, RotatedKey, TestEventRequest, Webhook, WebhookId,
    WebhookUpdate,
};

/// The webhooks (subscriptions) of the workspace; from [`Client::webhooks`].
#[derive(Debug, Clone, Copy)]
pub struct WebhooksHandler<'c> {
    client: &'c Client,
}

impl<'c> WebhooksHandler<'c> {
    pub(super) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// Every webhook made through the API (`GET /webhooks`; not paginated).
    ///
    /// # Errors
    ///
    /// Any [`Error`] of the request.
    pub async fn list(&self) -> Result<Vec<Webhook>, Error> {
        let page: Envelope<Vec<Webhook>> = self.client.json(Method::GET, "/webhooks", None).await?;
        Ok(page.data)
    }

    /// One webhook (`GET /webhooks/:id`).
    ///
    /// # Errors
    ///
    /// Any [`Error`] of the request; [`Error::is_not_found`] for an unknown id.
    pub async fn get(&self, id: impl Into<WebhookId>) -> Result<Webhook, Error> {
        let path = path(&id.into(), "");
        let answer: Envelope<Webhook> = self.client.json(Method::GET, &path, None).await?;
        Ok(answer.data)
    }

    /// Creates a webhook (`POST /webhooks`) and returns it with its signing key, the only time
    /// the key is shown: store it.
    ///
    /// Never retried automatically: if the request fails after it was sent, the webhook may or
    /// may not exist; list the webhooks before creating again, or you may get two.
    ///
    /// # Errors
    ///
    /// Any [`Error`] of the request; [`Error::Api`] with field errors for an invalid body.
    pub async fn create(&self, webhook: &NewWebhook) -> Result<CreatedWebhook, Error> {
        let answer: Envelope<CreatedWebhook> = self
            .client
            .json(Method::POST, "/webhooks", Some(to_body(webhook)?))
            .await?;
        Ok(answer.data)
    }

    /// Changes the fields set in `update` (`PATCH /webhooks/:id`). Not retried automatically.
    ///
    /// # Errors
    ///
    /// Any [`Error`] of the request; Quo answers `400` to an update that changes nothing.
    pub async fn update(
        &self,
        id: impl Into<WebhookId>,
        update: &WebhookUpdate,
    ) -> Result<Webhook, Error> {
        let path = path(&id.into(), "");
        let answer: Envelope<Webhook> = self
            .client
            .json(Method::PATCH, &path, Some(to_body(update)?))
            .await?;
        Ok(answer.data)
    }

    /// Deletes a webhook (`DELETE /webhooks/:id`). Retried like a `GET`: if a retried delete
    /// gets `404`, an earlier attempt may have deleted it.
    ///
    /// # Errors
    ///
    /// Any [`Error`] of the request.
    pub async fn delete(&self, id: impl Into<WebhookId>) -> Result<(), Error> {
        let path = path(&id.into(), "");
        self.client.empty(Method::DELETE, &path, None).await
    }

    /// A new signing key (`POST /webhooks/:id/rotate`), shown this once. Not retried
    /// automatically (a repeat would rotate again).
    ///
    /// # Errors
    ///
    /// Any [`Error`] of the request.
    pub async fn rotate(&self, id: impl Into<WebhookId>) -> Result<RotatedKey, Error> {
        let path = path(&id.into(), "/rotate");
        let answer: Envelope<RotatedKey> = self.client.json(Method::POST, &path, None).await?;
        Ok(answer.data)
    }

    /// Sends a real, signed delivery of the sample event of `event_type`
    /// (`POST /webhooks/:id/events/test`) and returns the sample. Not retried automatically.
    ///
    /// # Errors
    ///
    /// Any [`Error`] of the request.
    pub async fn send_test(
        &self,
        id: impl Into<WebhookId>,
        event_type: EventType,
    ) -> Result<Event, Error> {
        let path = path(&id.into(), "/events/test");
        let body = to_body(&TestEventRequest::new(event_type))?;
        self.client.json(Method::POST, &path, Some(body)).await
    }
}

fn path(id: &WebhookId, rest: &str) -> String {
    format!("/webhooks/{}{rest}", segment(id.as_str()))
}
