//! The machinery behind every payload object: optional typed fields, kept unknown fields and
//! kept explicit `null`s, so that deserialising then serialising reproduces the input.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Removes `key` from `map` and deserialises it.
///
/// An absent key gives `None`. An explicit `null` also gives `None`, but the `null` is put back
/// into `map` (which becomes the object's `extra`), so that serialising emits it again.
pub(crate) fn take<T: DeserializeOwned>(
    map: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<T>, String> {
    match map.remove(key) {
        None => Ok(None),
        Some(Value::Null) => {
            map.insert(key.to_owned(), Value::Null);
            Ok(None)
        }
        Some(value) => T::deserialize(value)
            .map(Some)
            .map_err(|error| format!("`{key}`: {error}")),
    }
}

/// Like [`take`], for a field the object cannot do without (`null` is an error too).
pub(crate) fn take_required<T: DeserializeOwned>(
    map: &mut Map<String, Value>,
    key: &str,
) -> Result<T, String> {
    match map.remove(key) {
        None => Err(format!("missing field `{key}`")),
        Some(value) => T::deserialize(value).map_err(|error| format!("`{key}`: {error}")),
    }
}

/// Defines a JSON object type: every listed field optional (`Option<T>`), a flattened
/// `extra` map for everything else, and hand-written serde impls that keep unknown fields and
/// explicit `null`s (see [`take`]).
///
/// Serialising skips an `extra` entry whose key belongs to a typed field that is set, so a
/// value can never be emitted twice.
macro_rules! json_object {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                $key:literal => $field:ident : $ty:ty,
            )*
        }
    ) => {
        $(#[$meta])*
        ///
        /// Every field is optional. Fields this crate does not model are kept in
        /// [`extra`](Self::extra), and so is a modelled field that arrived as an explicit
        /// `null` (its typed field is then `None`): serialising gives back the received object.
        ///
        /// `Debug` shows the fields that are set, with personal data (text, numbers, names,
        /// addresses, URLs) replaced by its length: see [`redact`](crate::redact).
        #[derive(Clone, Default, PartialEq)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[$field_meta])*
                #[doc = ""]
                #[doc = concat!("Wire name: `", $key, "`.")]
                pub $field: Option<$ty>,
            )*
            /// Unmodelled fields and explicit `null`s, as received.
            pub extra: serde_json::Map<String, serde_json::Value>,
        }

        impl $name {
            /// Whether `key` is the wire name of a typed field that holds a value.
            #[allow(unused_variables)]
            fn typed_field_is_set(&self, key: &str) -> bool {
                match key {
                    $( $key => self.$field.is_some(), )*
                    _ => false,
                }
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                #[allow(unused_mut)]
                let mut out = f.debug_struct(stringify!($name));
                $(
                    if let Some(value) = &self.$field {
                        out.field(stringify!($field), &$crate::redact::Field($key, value));
                    }
                )*
                if !self.extra.is_empty() {
                    out.field("extra", &$crate::redact::Map(&self.extra));
                }
                out.finish()
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                #[allow(unused_mut)]
                let mut extra =
                    <serde_json::Map<String, serde_json::Value> as serde::Deserialize>::deserialize(
                        deserializer,
                    )?;
                Ok(Self {
                    $(
                        $field: $crate::object::take(&mut extra, $key)
                            .map_err(<D::Error as serde::de::Error>::custom)?,
                    )*
                    extra,
                })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
            where
                S: serde::Serializer,
            {
                use serde::ser::SerializeMap as _;
                #[allow(unused_mut)]
                let mut len = self.extra.keys().filter(|k| !self.typed_field_is_set(k)).count();
                $( len += usize::from(self.$field.is_some()); )*
                let mut map = serializer.serialize_map(Some(len))?;
                $(
                    if let Some(value) = &self.$field {
                        map.serialize_entry($key, value)?;
                    }
                )*
                for (key, value) in &self.extra {
                    if !self.typed_field_is_set(key) {
                        map.serialize_entry(key, value)?;
                    }
                }
                map.end()
            }
        }
    };
}

/// Defines a string enum of known wire values plus a catch-all variant (named in parentheses) that keeps any other
/// value, with `as_str`, `Display`, infallible `FromStr`, `From<&str>`, `From<String>` and serde
/// impls that read and write the wire string.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident($other:ident) {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident => $wire:literal,
            )*
        }
    ) => {
        $(#[$meta])*
        ///
        /// Parsing never fails: a value this crate does not know is kept in
        #[doc = concat!("[`", stringify!($other), "`](Self::", stringify!($other), ")")]
        /// and written back unchanged. Parse (`"…".parse()` or `From<&str>`) rather than
        #[doc = concat!("build `", stringify!($other), "(…)` by hand, so that a known value gets its own variant.")]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $(
                $(#[$variant_meta])*
                #[doc = ""]
                #[doc = concat!("Wire value: `", $wire, "`.")]
                $variant,
            )*
            /// A value this crate does not know, kept as received.
            $other(String),
        }

        impl $name {
            /// The value as it appears on the wire.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::$other(value) => value,
                }
            }

            /// Whether this is one of the values this crate knows (not the catch-all).
            #[must_use]
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::$other(_))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )*
                    other => Self::$other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $( $wire => Self::$variant, )*
                    _ => Self::$other(value),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
            where
                S: serde::Serializer,
            {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                <String as serde::Deserialize>::deserialize(deserializer).map(Self::from)
            }
        }
    };
}

pub(crate) use {json_object, string_enum};
