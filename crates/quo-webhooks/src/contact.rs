//! `contact.*` events: [`ContactResource`] and [`ContactContext`].

use crate::object::json_object;

json_object! {
    /// One labelled value of a contact, such as an e-mail address or a phone number.
    pub struct ContactField {
        /// The value's id.
        "id" => id: String,
        /// Its label, such as `work`.
        "name" => name: String,
        /// The address or number.
        "value" => value: String,
    }
}

json_object! {
    /// The contact of a `contact.*` event (`data.resource`). A deleted contact may carry little
    /// more than its id.
    pub struct ContactResource {
        /// The contact id (`CT...` or an opaque id).
        "id" => id: String,
        /// The id the contact has in the system it was imported from.
        "externalId" => external_id: String,
        /// Where the contact came from.
        "source" => source: String,
        /// First name.
        "firstName" => first_name: String,
        /// Last name.
        "lastName" => last_name: String,
        /// Company.
        "company" => company: String,
        /// Role at the company.
        "role" => role: String,
        /// E-mail addresses.
        "emails" => emails: Vec<ContactField>,
        /// Phone numbers.
        "phoneNumbers" => phone_numbers: Vec<ContactField>,
        /// When the contact was created, RFC 3339 text as sent.
        "createdAt" => created_at: String,
        /// When it last changed.
        "updatedAt" => updated_at: String,
        /// When it was deleted (`contact.deleted`).
        "deletedAt" => deleted_at: String,
    }
}

json_object! {
    /// Who changed a contact (`data.context` of `contact.*` events).
    pub struct ContactContext {
        /// The Quo user who made the change (`US...`).
        "userId" => user_id: String,
    }
}
