//! `message.*` events: [`MessageResource`] and [`MessageContext`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::common::{Contacts, Direction, Media};
use crate::object::{json_object, string_enum};

string_enum! {
    /// The delivery status of a message (`resource.status`): the thirteen values Quo
    /// documents.
    pub enum MessageStatus(Other) {
        /// Accepted, waiting to be sent.
        Queued => "queued",
        /// Being sent.
        Sending => "sending",
        /// Handed to the carrier.
        Sent => "sent",
        /// The carrier confirmed delivery.
        Delivered => "delivered",
        /// The carrier reported it could not deliver.
        Undelivered => "undelivered",
        /// Sending failed.
        Failed => "failed",
        /// An inbound message is being received.
        Receiving => "receiving",
        /// An inbound message was received.
        Received => "received",
        /// Accepted by the provider.
        Accepted => "accepted",
        /// Scheduled to be sent later.
        Scheduled => "scheduled",
        /// Read by the recipient.
        Read => "read",
        /// A group message reached some of its recipients.
        PartiallyDelivered => "partially_delivered",
        /// Cancelled before it was sent.
        Canceled => "canceled",
    }
}

/// The carrier's or provider's error code of a failed or undelivered message: Quo documents a
/// string such as `"30007"`; a JSON number is accepted too (kept as sent).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ErrorCode {
    /// A numeric code.
    Number(serde_json::Number),
    /// A textual code.
    Text(String),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(number) => write!(f, "{number}"),
            Self::Text(text) => f.write_str(text),
        }
    }
}

json_object! {
    /// The message of a `message.*` event (`data.resource`).
    pub struct MessageResource {
        /// The message id (`AC...`).
        "id" => id: String,
        /// Incoming or outgoing.
        "direction" => direction: Direction,
        /// The message text.
        "text" => text: String,
        /// Attachments.
        "media" => media: Vec<Media>,
        /// The delivery status.
        "status" => status: MessageStatus,
        /// When the message was created, RFC 3339 text as sent.
        "createdAt" => created_at: String,
        /// Why delivery failed (`message.failed`, `message.undelivered`); an explicit `null`
        /// when Quo has no code.
        "errorCode" => error_code: ErrorCode,
    }
}

json_object! {
    /// Where a message belongs (`data.context` of `message.*` events).
    pub struct MessageContext {
        /// The workspace's id (`OR...`); every context carries it since GA.
        "orgId" => org_id: String,
        /// The Quo number's id (`PN...`); may be `null`.
        "phoneNumberId" => phone_number_id: String,
        /// The conversation's id (`CN...`); may be `null`.
        "conversationId" => conversation_id: String,
        /// The Quo user the message belongs to (`US...`).
        "userId" => user_id: String,
        /// The contacts behind the other party.
        "contacts" => contacts: Contacts,
        /// The sender's identifier (usually an E.164 number, not always), whichever the
        /// direction.
        "senderIdentifier" => sender_identifier: String,
        /// The recipients' identifiers (usually E.164 numbers), whichever the direction.
        "recipientIdentifiers" => recipient_identifiers: Vec<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_code_keeps_its_json_type() {
        for input in [
            json!({ "errorCode": 30007 }),
            json!({ "errorCode": "30007" }),
        ] {
            let resource: MessageResource = serde_json::from_value(input.clone()).unwrap();
            assert_eq!(resource.error_code.as_ref().unwrap().to_string(), "30007");
            assert_eq!(serde_json::to_value(&resource).unwrap(), input);
        }
    }
}
