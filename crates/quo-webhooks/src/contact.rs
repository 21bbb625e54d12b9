//! `contact.*` events: [`ContactResource`] and [`ContactContext`].
//!
//! `contact.updated` (a contact was created or changed) and `contact.deleted` send the same
//! shape. Contact events are workspace-wide: they are not filtered by phone number.

use serde::{Deserialize, Serialize};

use crate::object::{json_object, string_enum};

string_enum! {
    /// What a [`ContactValue`] holds.
    pub enum ContactValueKind(Other) {
        /// An e-mail address (in [`ContactResource::emails`]).
        Email => "email",
        /// A phone number (in [`ContactResource::phone_numbers`]).
        PhoneNumber => "phone-number",
    }
}

json_object! {
    /// One e-mail address or phone number of a contact.
    pub struct ContactValue {
        /// The address or number.
        "value" => value: String,
        /// `email` or `phone-number`.
        "type" => kind: ContactValueKind,
    }
}

string_enum! {
    /// The type of a contact's custom field, which decides the JSON type of its value.
    pub enum CustomFieldType(Other) {
        /// Text (value: string or `null`).
        String => "string",
        /// A URL (value: string or `null`).
        Url => "url",
        /// A postal address (value: string or `null`).
        Address => "address",
        /// A date (value: string or `null`).
        Date => "date",
        /// A number (value: number or `null`).
        Number => "number",
        /// Yes or no (value: boolean).
        Boolean => "boolean",
        /// Several choices (value: array of strings).
        MultiSelect => "multi-select",
    }
}

/// The value of a contact's custom field: a JSON string, number, boolean or array of
/// strings, kept as sent. (A `null` value reads as an absent [`CustomField::value`] and is
/// kept.)
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum CustomFieldValue {
    /// `boolean` fields.
    Bool(bool),
    /// `number` fields, kept exactly as sent.
    Number(serde_json::Number),
    /// `string`, `url`, `address` and `date` fields.
    Text(String),
    /// `multi-select` fields.
    List(Vec<String>),
}

impl CustomFieldValue {
    /// The text of a `string`, `url`, `address` or `date` field.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }
}

json_object! {
    /// One custom field of a contact.
    pub struct CustomField {
        /// Its display name.
        "name" => name: String,
        /// Its stable key.
        "key" => key: String,
        /// Its id, when sent.
        "id" => id: String,
        /// Its type.
        "type" => field_type: CustomFieldType,
        /// Its value; `null` when unset.
        "value" => value: CustomFieldValue,
    }
}

json_object! {
    /// The contact of a `contact.*` event (`data.resource`). Every named string field may be
    /// `null`.
    pub struct ContactResource {
        /// The contact id (`CT...` or an opaque id).
        "id" => id: String,
        /// First name.
        "firstName" => first_name: String,
        /// Last name.
        "lastName" => last_name: String,
        /// Company.
        "company" => company: String,
        /// Role at the company.
        "role" => role: String,
        /// Where the contact is.
        "location" => location: String,
        /// Where the contact came from.
        "source" => source: String,
        /// The id the contact has in the system it was imported from.
        "externalId" => external_id: String,
        /// E-mail addresses.
        "emails" => emails: Vec<ContactValue>,
        /// Phone numbers.
        "phoneNumbers" => phone_numbers: Vec<ContactValue>,
        /// Custom fields.
        "customFields" => custom_fields: Vec<CustomField>,
        /// When the contact was created, RFC 3339 text as sent.
        "createdAt" => created_at: String,
        /// When it last changed.
        "updatedAt" => updated_at: String,
    }
}

json_object! {
    /// Who changed a contact and who sees it (`data.context` of `contact.*` events).
    pub struct ContactContext {
        /// The workspace's id (`OR...`).
        "orgId" => org_id: String,
        /// The Quo user who made the change (`US...`).
        "userId" => user_id: String,
        /// The users the contact is shared with.
        "sharedWithIds" => shared_with_ids: Vec<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn custom_field_values_of_every_type_round_trip() {
        let input = json!({ "customFields": [
            { "name": "Plan", "key": "plan", "type": "string", "value": "Delta" },
            { "name": "Visits", "key": "visits", "type": "number", "value": 4.5 },
            { "name": "Recall", "key": "recall", "type": "boolean", "value": false },
            { "name": "Tags", "key": "tags", "type": "multi-select", "value": ["a", "b"] },
            { "name": "Birthday", "key": "birthday", "type": "date", "value": null },
        ] });
        let contact: ContactResource = serde_json::from_value(input.clone()).unwrap();
        let fields = contact.custom_fields.as_ref().unwrap();
        assert_eq!(fields[0].value.as_ref().unwrap().as_str(), Some("Delta"));
        assert!(matches!(fields[1].value, Some(CustomFieldValue::Number(_))));
        assert_eq!(fields[2].value, Some(CustomFieldValue::Bool(false)));
        assert_eq!(fields[3].field_type, Some(CustomFieldType::MultiSelect));
        assert_eq!(fields[4].value, None);
        assert_eq!(serde_json::to_value(&contact).unwrap(), input);
    }

    #[test]
    fn a_custom_field_value_of_another_type_names_the_field() {
        let error = serde_json::from_value::<CustomField>(json!({ "value": { "x": 1 } }))
            .unwrap_err()
            .to_string();
        assert!(error.contains("`value`"), "{error}");
    }
}
