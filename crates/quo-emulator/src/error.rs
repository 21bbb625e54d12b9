//! Errors: [`Error`] for the library's callers, and `ApiError`, the one type every handler
//! fails with, rendered as Quo's error body.

use std::fmt;

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use quo_api::{ErrorBody, FieldError};

/// What can go wrong starting or driving the emulator from Rust.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A setting is invalid.
    Config(String),
    /// The store failed (opening, migrating, a query).
    Store(String),
    /// A socket could not be bound or served.
    Io(std::io::Error),
    /// A request made through [`Emulator`](crate::Emulator)'s helpers was refused.
    Api {
        /// The HTTP status.
        status: u16,
        /// Quo's error body.
        body: Box<ErrorBody>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(message) => write!(f, "invalid setting: {message}"),
            Self::Store(message) => write!(f, "store: {message}"),
            Self::Io(error) => write!(f, "i/o: {error}"),
            Self::Api { status, body } => write!(f, "{status} {body}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(error.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        Self::Store(format!("migrating the schema: {error}"))
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Self::Io(error)
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Self::Api {
            status: error.status.as_u16(),
            body: error.body,
        }
    }
}

/// A refused request: its status and Quo's error body.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) body: Box<ErrorBody>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let title = status.canonical_reason().unwrap_or("Error");
        Self {
            status,
            body: Box::new(ErrorBody::new(title, message)),
        }
    }

    /// 400 for invalid fields, one entry each.
    pub(crate) fn validation(errors: Vec<FieldError>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: Box::new(ErrorBody::validation(errors)),
        }
    }

    /// 400 for one invalid field.
    pub(crate) fn field(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(path, message)])
    }

    /// 400 for one invalid field, with the value that was sent.
    pub(crate) fn field_value(
        path: impl Into<String>,
        message: impl Into<String>,
        value: serde_json::Value,
    ) -> Self {
        Self::validation(vec![FieldError::new(path, message).value(value)])
    }

    pub(crate) fn unauthorized(message: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub(crate) fn method_not_allowed(method: &http::Method, path: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not allowed on {path}"),
        )
    }

    pub(crate) fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {limit} bytes"),
        )
    }

    pub(crate) fn too_many_requests(per_second: u32) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("rate limit exceeded: at most {per_second} requests per second per API key"),
        )
    }

    pub(crate) fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// 500; the detail goes to the log, never to the client.
    pub(crate) fn internal(detail: &dyn fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the emulator failed to handle this request; see its log",
        )
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::internal(&error)
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        match error {
            Error::Api { status, body } => Self {
                status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                body,
            },
            other => Self::internal(&other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(*self.body)).into_response()
    }
}
