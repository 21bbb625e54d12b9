//! Typed ids, so that a delivery id cannot be passed where a webhook id belongs.

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            #[must_use]
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<&$name> for $name {
            fn from(value: &$name) -> Self {
                value.clone()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type! {
    /// A webhook's id: a string of digits at Quo (`"123"`). Kept as text, as the API sends it.
    WebhookId
}

impl WebhookId {
    /// Whether the id has the form Quo gives webhook ids: one or more ASCII digits.
    #[must_use]
    pub fn is_well_formed(&self) -> bool {
        !self.0.is_empty() && self.0.len() <= 20 && self.0.bytes().all(|b| b.is_ascii_digit())
    }
}

id_type! {
    /// A delivery's id (`msg_` and 22 base62 characters): the `webhook-id` header of every
    /// attempt of the delivery, and so the receiver's idempotency key.
    DeliveryId
}

id_type! {
    /// An attempt's id (`atmpt_` and 22 base62 characters).
    AttemptId
}

#[cfg(test)]
mod tests {
    use super::*;

    fn takes(id: impl Into<WebhookId>) -> WebhookId {
        id.into()
    }

    #[test]
    fn ids_convert_from_text_and_from_a_borrowed_id() {
        let id = WebhookId::from("123");
        assert_eq!(takes(&id), id);
        assert_eq!(takes("123"), id);
        assert_eq!(takes(String::from("123")), id);
    }
}
