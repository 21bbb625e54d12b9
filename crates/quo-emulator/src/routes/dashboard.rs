//! The delivery dashboard: a static page served at `/` with its assets under `/assets/`, and
//! the one emulator endpoint it needs beyond Quo's API, the headers each attempt sent.
//!
//! The page holds no data: it asks for the API key, keeps it in the browser session
//! (`sessionStorage`) and reads everything through the management API and `/emulator/...`,
//! so it shows exactly what a client would see. That is why the page and its assets are
//! served without the key while every endpoint they call requires it. The assets are
//! compiled into the binary, so the dashboard works offline and needs no build step.

use std::sync::LazyLock;

use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use quo_webhooks::EventType;
use serde_json::{Value, json};

use super::webhooks::{find, parse_webhook_id};
use super::{SharedState, envelope};
use crate::db::{attempt_headers, deliveries};
use crate::error::ApiError;

const INDEX_HTML: &str = include_str!("../../assets/dashboard/index.html");
const DASHBOARD_CSS: &str = include_str!("../../assets/dashboard/dashboard.css");
const DASHBOARD_JS: &str = include_str!("../../assets/dashboard/dashboard.js");
const FAVICON_SVG: &str = include_str!("../../assets/dashboard/favicon.svg");

/// Where the page's list of event types goes.
const EVENT_TYPES_SLOT: &str = "{{EVENT_TYPES}}";

/// Scripts and styles from this origin only, no inline script, no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The page with the supported event types filled in (static: the same for every request).
static INDEX: LazyLock<String> = LazyLock::new(|| {
    let types: Vec<&str> = EventType::KNOWN.iter().map(EventType::as_str).collect();
    let json = serde_json::to_string(&types)
        .unwrap_or_else(|_| "[]".to_owned())
        // Inside a <script> element: never let the data close it.
        .replace('<', "\\u003c");
    INDEX_HTML.replace(EVENT_TYPES_SLOT, &json)
});

/// The page and its assets, served without the API key (they contain no data).
pub(crate) fn pages() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/assets/{name}", get(asset))
}

/// The dashboard's endpoints behind the API key, merged into the guarded API.
pub(crate) fn api() -> Router<SharedState> {
    Router::new().route(
        "/emulator/webhooks/{webhook_id}/events/{delivery_id}/headers",
        get(headers),
    )
}

fn static_response(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

async fn index() -> Response {
    static_response("text/html; charset=utf-8", INDEX.as_str())
}

async fn asset(Path(name): Path<String>) -> Response {
    match name.as_str() {
        "dashboard.css" => static_response("text/css; charset=utf-8", DASHBOARD_CSS),
        "dashboard.js" => static_response("text/javascript; charset=utf-8", DASHBOARD_JS),
        "favicon.svg" => static_response("image/svg+xml", FAVICON_SVG),
        _ => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

/// `GET /emulator/webhooks/:webhookId/events/:deliveryId/headers`: the request headers of
/// every attempt of a delivery, most recent first, signatures shortened:
/// `{"data": [{"attemptId": "atmpt_...", "headers": [["webhook-id", "msg_..."], ...]}]}`.
/// An attempt that could not be signed sent nothing and has no entry.
async fn headers(
    State(state): State<SharedState>,
    Path((webhook_id, delivery_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_webhook_id(&webhook_id)?;
    find(&state, id).await?;
    let row = deliveries::get(&state.db.reader, id, &delivery_id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("delivery {delivery_id} of webhook {id} not found"))
        })?;
    let data: Vec<Value> = attempt_headers::list(&state.db.reader, row.summary.seq)
        .await?
        .into_iter()
        .map(|(attempt_id, headers)| {
            let headers: Value =
                serde_json::from_str(&headers).unwrap_or_else(|_| Value::Array(Vec::new()));
            json!({ "attemptId": attempt_id, "headers": headers })
        })
        .collect();
    Ok(envelope(StatusCode::OK, data))
}
