//! `/webhooks/:id/events`: the deliveries of one webhook.

use futures_util::{Stream, StreamExt, stream};
use http::Method;

use super::{Client, segment};
use crate::{
    Delivery, DeliveryFilter, DeliveryId, DeliverySummary, Envelope, Error, Page, WebhookId,
};

/// The deliveries of one webhook; from [`Client::deliveries`].
#[derive(Debug, Clone)]
pub struct DeliveriesHandler<'c> {
    client: &'c Client,
    webhook_id: WebhookId,
}

impl<'c> DeliveriesHandler<'c> {
    pub(super) fn new(client: &'c Client, webhook_id: WebhookId) -> Self {
        Self { client, webhook_id }
    }

    /// One page of deliveries, newest first (`GET /webhooks/:id/events`). Pass the page's
    /// `next_cursor` as the filter's `after` for the next page, or use [`stream`](Self::stream).
    ///
    /// # Errors
    ///
    /// Any [`Error`] of the request; [`Error::Api`] for a limit outside 1 to 50.
    pub async fn list(&self, filter: &DeliveryFilter) -> Result<Page<DeliverySummary>, Error> {
        list_page(self.client, &self.webhook_id, filter).await
    }

    /// Every delivery that passes `filter`, newest first, fetched a page at a time as the
    /// stream is read (following `nextCursor`; the filter's `limit` is the page size). The
    /// stream ends after the last page, or after the first error, which it yields.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use quo_api::{DeliveryFilter, DeliveryStatus, client::Client};
    ///
    /// # async fn doc(client: Client) -> Result<(), quo_api::Error> {
    /// let failed: Vec<_> = client
    ///     .deliveries("123")
    ///     .stream(DeliveryFilter::new().status(DeliveryStatus::Failed).limit(50))
    ///     .try_collect()
    ///     .await?;
    /// # let _ = failed; Ok(()) }
    /// ```
    pub fn stream(
        &self,
        filter: DeliveryFilter,
    ) -> impl Stream<Item = Result<DeliverySummary, Error>> + Send + 'static {
        let client = self.client.clone();
        let webhook_id = self.webhook_id.clone();
        stream::unfold(Some(filter), move |next| {
            let client = client.clone();
            let webhook_id = webhook_id.clone();
            async move {
                let filter = next?;
                match list_page(&client, &webhook_id, &filter).await {
                    Ok(page) => {
                        let following = page
                            .next_cursor
                            .filter(|cursor| !cursor.is_empty())
                            // A server that hands back the cursor it was given would loop.
                            .filter(|cursor| filter.after.as_ref() != Some(cursor))
                            .map(|cursor| filter.clone().after(cursor));
                        Some((Ok(page.data), following))
                    }
                    Err(error) => Some((Err(error), None)),
                }
            }
        })
        .flat_map(|page| match page {
            Ok(items) => stream::iter(items.into_iter().map(Ok)).left_stream(),
            Err(error) => stream::iter([Err(error)]).right_stream(),
        })
    }

    /// One delivery with the event as sent and every attempt, most recent first
    /// (`GET /webhooks/:id/events/:deliveryId`).
    ///
    /// # Errors
    ///
    /// Any [`Error`] of the request; [`Error::is_not_found`] for an unknown id.
    pub async fn get(&self, delivery_id: impl Into<DeliveryId>) -> Result<Delivery, Error> {
        let path = self.path(&delivery_id.into(), "");
        let answer: Envelope<Delivery> = self.client.json(Method::GET, &path, None).await?;
        Ok(answer.data)
    }

    /// Queues a new attempt of a delivery (`POST .../events/:deliveryId/retry`; `202`). Not
    /// retried automatically (a repeat would queue a second attempt).
    ///
    /// # Errors
    ///
    /// Any [`Error`] of the request.
    pub async fn retry(&self, delivery_id: impl Into<DeliveryId>) -> Result<(), Error> {
        let path = self.path(&delivery_id.into(), "/retry");
        self.client.empty(Method::POST, &path, None).await
    }

    fn path(&self, delivery_id: &DeliveryId, rest: &str) -> String {
        format!(
            "/webhooks/{}/events/{}{rest}",
            segment(self.webhook_id.as_str()),
            segment(delivery_id.as_str())
        )
    }
}

async fn list_page(
    client: &Client,
    webhook_id: &WebhookId,
    filter: &DeliveryFilter,
) -> Result<Page<DeliverySummary>, Error> {
    let query = filter.to_query();
    let mut path = format!("/webhooks/{}/events", segment(webhook_id.as_str()));
    if !query.is_empty() {
        path.push('?');
        path.push_str(&query);
    }
    client.json(Method::GET, &path, None).await
}
