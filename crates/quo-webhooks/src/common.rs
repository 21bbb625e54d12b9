//! Types shared by several kinds of event.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Number;

use crate::object::{json_object, string_enum};

string_enum! {
    /// Which way a message or a call went, seen from the Quo number.
    pub enum Direction(Other) {
        /// From the outside world to the Quo number.
        Incoming => "incoming",
        /// From the Quo number to the outside world.
        Outgoing => "outgoing",
    }
}

string_enum! {
    /// The outcome of Quo's look-up of the contacts behind the other party's number.
    pub enum LookupStatus(Other) {
        /// One or more contacts matched; their ids are in [`Contacts::ids`].
        Matched => "matched",
        /// The look-up ran and found no contact. Named `NoMatch` so it does not read as
        /// `Option::None`.
        NoMatch => "none",
        /// The look-up could not run, so the absence of ids says nothing.
        Unavailable => "unavailable",
    }
}

json_object! {
    /// The contacts associated with the other party of a message or call (`context.contacts`).
    pub struct Contacts {
        /// Ids of the matched contacts (`CT...`).
        "ids" => ids: Vec<String>,
        /// Whether the look-up matched, found nothing, or could not run.
        "lookupStatus" => lookup_status: LookupStatus,
    }
}

string_enum! {
    /// Whether Quo could tell who took part in a call ([`Participants::resolution`]).
    pub enum Resolution(Other) {
        /// The participants are listed.
        Available => "available",
        /// Quo could not resolve them: empty lists say nothing.
        Unavailable => "unavailable",
    }
}

json_object! {
    /// Who took part in a call (`context.participants` of every `call.*` event): the Quo
    /// side's numbers and the outside world's.
    ///
    /// For an incoming call the caller is in [`external`](Self::external) and the Quo number
    /// in [`workspace`](Self::workspace); for an outgoing call the other way round.
    pub struct Participants {
        /// The workspace's numbers on the call (the Quo number), usually E.164.
        "workspace" => workspace: Vec<String>,
        /// The outside parties' numbers, usually E.164.
        "external" => external: Vec<String>,
        /// Whether the lists could be filled.
        "resolution" => resolution: Resolution,
    }
}

string_enum! {
    /// The kind of Quo number a call went through (`context.phoneNumberType`).
    pub enum PhoneNumberType(Other) {
        /// A number shared by several users.
        Shared => "shared",
        /// A number of one user.
        Private => "private",
        /// A number outside Quo (for example a forwarding target).
        External => "external",
    }
}

string_enum! {
    /// How far Quo got in making a summary or transcript (`resource.processingStatus`).
    pub enum ProcessingStatus(Other) {
        /// There is nothing to process (no recording, or the feature is off).
        Absent => "absent",
        /// Still being made.
        InProgress => "in-progress",
        /// Done.
        Completed => "completed",
        /// Quo gave up.
        Failed => "failed",
    }
}

/// A length or offset in seconds, a JSON `number` as Quo sends it: possibly fractional.
///
/// The number is kept exactly as received (`12` and `12.0` stay distinct), so that writing an
/// event back gives the same JSON value; read it with [`as_secs_f64`](Self::as_secs_f64) or
/// [`to_duration`](Self::to_duration).
///
/// # Examples
///
/// ```
/// use quo_webhooks::Seconds;
///
/// let s: Seconds = serde_json::from_str("214.6")?;
/// assert_eq!(s.as_secs_f64(), 214.6);
/// assert_eq!(s.to_duration(), Some(std::time::Duration::from_millis(214_600)));
/// assert_eq!(serde_json::to_string(&s)?, "214.6");
/// assert_eq!(serde_json::to_string(&serde_json::from_str::<Seconds>("12.0")?)?, "12.0");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Seconds(pub Number);

impl Seconds {
    /// The number of seconds as an `f64` (exact for every whole number below 2^53).
    #[must_use]
    pub fn as_secs_f64(&self) -> f64 {
        self.0.as_f64().unwrap_or(f64::NAN)
    }

    /// The length as a [`Duration`], or `None` when it is negative or too large.
    #[must_use]
    pub fn to_duration(&self) -> Option<Duration> {
        if let Some(whole) = self.0.as_u64() {
            return Some(Duration::from_secs(whole));
        }
        Duration::try_from_secs_f64(self.as_secs_f64()).ok()
    }

    /// The number as received.
    #[must_use]
    pub fn as_number(&self) -> &Number {
        &self.0
    }
}

impl From<u64> for Seconds {
    fn from(secs: u64) -> Self {
        Self(Number::from(secs))
    }
}

impl From<Number> for Seconds {
    fn from(number: Number) -> Self {
        Self(number)
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} s", self.0)
    }
}

json_object! {
    /// A media attachment of a message (an MMS picture, for example) or a recording file.
    pub struct Media {
        /// Where to download the file.
        "url" => url: String,
        /// Its MIME type, such as `image/jpeg`.
        "type" => media_type: String,
    }
}

json_object! {
    /// The links of an event (`data.links`).
    pub struct Links {
        /// A deep link that opens the event's subject in the Quo app. Quo sends an explicit
        /// `null` when there is no link; that `null` is kept in `extra` (see
        /// [`Links::quo_is_null`]).
        "quo" => quo: String,
    }
}

impl Links {
    /// Links with the given deep link.
    #[must_use]
    pub fn new(quo: impl Into<String>) -> Self {
        Self {
            quo: Some(quo.into()),
            ..Self::default()
        }
    }

    /// Links whose `quo` is an explicit `null`, as Quo sends when there is no deep link.
    #[must_use]
    pub fn null() -> Self {
        let mut links = Self::default();
        links
            .extra
            .insert("quo".to_owned(), serde_json::Value::Null);
        links
    }

    /// Whether `quo` arrived (or is set to be sent) as an explicit `null`.
    #[must_use]
    pub fn quo_is_null(&self) -> bool {
        self.quo.is_none() && matches!(self.extra.get("quo"), Some(serde_json::Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_enum_values_are_kept_and_written_back() {
        let direction: Direction = serde_json::from_value(json!("sideways")).unwrap();
        assert_eq!(direction, Direction::Other("sideways".into()));
        assert!(!direction.is_known());
        assert_eq!(serde_json::to_value(&direction).unwrap(), json!("sideways"));
        assert_eq!("incoming".parse::<Direction>(), Ok(Direction::Incoming));
        assert_eq!(LookupStatus::from("none"), LookupStatus::NoMatch);
        assert_eq!(LookupStatus::NoMatch.to_string(), "none");
    }

    #[test]
    fn enum_parsing_is_case_sensitive_and_lossless() {
        let direction = Direction::from("Incoming");
        assert_eq!(direction, Direction::Other("Incoming".into()));
        assert_eq!(direction.as_str(), "Incoming");
    }

    #[test]
    fn explicit_null_link_is_kept() {
        let links: Links = serde_json::from_value(json!({ "quo": null })).unwrap();
        assert_eq!(links.quo, None);
        assert!(links.quo_is_null());
        assert_eq!(
            serde_json::to_value(&links).unwrap(),
            json!({ "quo": null })
        );
        assert_eq!(links, Links::null());

        let absent: Links = serde_json::from_value(json!({})).unwrap();
        assert!(!absent.quo_is_null());
        assert_eq!(serde_json::to_value(&absent).unwrap(), json!({}));
    }

    #[test]
    fn setting_a_field_that_arrived_null_replaces_the_null() {
        let mut links = Links::null();
        links.quo = Some("https://my.quo.com/x".into());
        assert_eq!(
            serde_json::to_value(&links).unwrap(),
            json!({ "quo": "https://my.quo.com/x" })
        );
    }

    #[test]
    fn unknown_fields_are_kept() {
        let input =
            json!({ "ids": ["CT1"], "lookupStatus": "matched", "score": 0.9, "x": { "y": [1] } });
        let contacts: Contacts = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(contacts.ids.as_deref(), Some(&["CT1".to_owned()][..]));
        assert_eq!(contacts.lookup_status, Some(LookupStatus::Matched));
        assert_eq!(contacts.extra.len(), 2);
        assert_eq!(serde_json::to_value(&contacts).unwrap(), input);
    }

    #[test]
    fn wrong_field_type_names_the_field() {
        let error = serde_json::from_value::<Contacts>(json!({ "ids": "CT1" })).unwrap_err();
        assert!(error.to_string().contains("`ids`"), "{error}");
    }
}
