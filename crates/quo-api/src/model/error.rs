//! The error body of every failed request.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Quo's error body: `{"title", "message", "docs", "trace"?, "errors"?: [...]}`.
///
/// Quo's schema also names `code` (such as `"0303400"`) and `status`, which its examples omit;
/// both are read when present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorBody {
    /// The HTTP status text, such as `Bad Request`.
    #[serde(default)]
    pub title: String,
    /// What is wrong, for people.
    #[serde(default)]
    pub message: String,
    /// A link to the documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
    /// A trace id to quote to Quo's support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
    /// Quo's error code, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The HTTP status, when sent in the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// One entry per invalid field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The documentation link the API's errors carry.
pub const DOCS_URL: &str = "https://quo.com/docs";

impl ErrorBody {
    /// An error with `title` (the status text) and `message`, linking Quo's docs.
    #[must_use]
    pub fn new(title: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            message: message.into(),
            docs: Some(DOCS_URL.to_owned()),
            trace: None,
            code: None,
            status: None,
            errors: Vec::new(),
        }
    }

    /// A `400 Bad Request` for invalid fields, with Quo's summary message
    /// (`Validation failed for N field(s).`).
    #[must_use]
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let n = errors.len();
        let message = if n == 1 {
            "Validation failed for 1 field.".to_owned()
        } else {
            format!("Validation failed for {n} fields.")
        };
        Self {
            errors,
            ..Self::new("Bad Request", message)
        }
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.title.is_empty(), self.message.is_empty()) {
            (false, false) => write!(f, "{}: {}", self.title, self.message)?,
            (true, false) => f.write_str(&self.message)?,
            (false, true) => f.write_str(&self.title)?,
            (true, true) => f.write_str("error without a message")?,
        }
        for error in &self.errors {
            write!(f, "; {error}")?;
        }
        Ok(())
    }
}

/// One invalid field of a request: where (`/body/url`, `/query/limit`), what is wrong, and
/// the value and schema when Quo gives them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FieldError {
    /// A JSON pointer into the request: `/body/...`, `/query/...`, `/headers/...`,
    /// `/webhookId`.
    #[serde(default)]
    pub path: String,
    /// What is wrong.
    #[serde(default)]
    pub message: String,
    /// The value that was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The JSON schema the value should have met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
}

impl FieldError {
    /// An error at `path` saying `message`.
    #[must_use]
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
            value: None,
            schema: None,
        }
    }

    /// Adds the value that was sent.
    #[must_use]
    pub fn value(mut self, value: Value) -> Self {
        self.value = Some(value);
        self
    }

    /// Adds the schema the value should have met.
    #[must_use]
    pub fn schema(mut self, schema: Value) -> Self {
        self.schema = Some(schema);
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.path, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documented_error_reads_and_writes_back() {
        let value = json!({"title":"Bad Request","message":"Validation failed for 1 field.","docs":"https://quo.com/docs","errors":[{"path":"/query/limit","message":"must be <= 50","value":200,"schema":{"type":"integer"}}]});
        let body: ErrorBody = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(body.errors[0].path, "/query/limit");
        assert_eq!(serde_json::to_value(&body).unwrap(), value);
        assert_eq!(
            body.to_string(),
            "Bad Request: Validation failed for 1 field.; /query/limit must be <= 50"
        );
        let built = ErrorBody::validation(vec![
            FieldError::new("/query/limit", "must be <= 50")
                .value(json!(200))
                .schema(json!({"type": "integer"})),
        ]);
        assert_eq!(built, body);
    }

    #[test]
    fn schema_fields_code_and_status_are_read() {
        let body: ErrorBody = serde_json::from_value(
            json!({"title": "Not Found", "message": "Webhook not found", "code": "0303404", "status": 404}),
        )
        .unwrap();
        assert_eq!(body.code.as_deref(), Some("0303404"));
        assert_eq!(body.status, Some(404));
        assert_eq!(body.docs, None);
    }
}
