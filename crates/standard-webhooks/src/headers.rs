//! Reading headers from any framework without building an `http::HeaderMap`.

use std::marker::PhantomData;

/// Something the verifier can read request headers from.
///
/// The verifier asks for each header by its lowercase name and expects the raw value bytes of
/// the first occurrence, or `None` when the header is absent. Implemented for
/// [`http::HeaderMap`] (feature `http`), for slices of `(name, value)` pairs (names compared
/// case-insensitively), and for any closure through [`from_fn`].
pub trait HeaderSource {
    /// The value of the header `name` (given in lowercase), if present.
    fn header(&self, name: &str) -> Option<&[u8]>;

    /// The values of three headers at once (a family's id, timestamp and signature), as
    /// [`header`](Self::header) gives each. The default looks each up in turn; a source that
    /// can find all three in one pass over its headers does so.
    fn headers(&self, names: [&str; 3]) -> [Option<&[u8]>; 3] {
        names.map(|name| self.header(name))
    }
}

impl<H: HeaderSource + ?Sized> HeaderSource for &H {
    fn header(&self, name: &str) -> Option<&[u8]> {
        (**self).header(name)
    }

    fn headers(&self, names: [&str; 3]) -> [Option<&[u8]>; 3] {
        (**self).headers(names)
    }
}

/// Up to this many distinct names, one pass over a `HeaderMap` finds a family's three headers
/// sooner than three hashed look-ups (each hashes the name byte by byte); real deliveries carry
/// about ten headers.
#[cfg(feature = "http")]
const SCAN_LIMIT: usize = 24;

#[cfg(feature = "http")]
impl HeaderSource for http::HeaderMap {
    fn header(&self, name: &str) -> Option<&[u8]> {
        use http::HeaderName;
        // The names the verifier asks for, built once: looking up by `&str` would validate
        // and lower-case the name on every call, a measurable share of a small delivery.
        static KNOWN: [HeaderName; 7] = [
            HeaderName::from_static("webhook-id"),
            HeaderName::from_static("webhook-timestamp"),
            HeaderName::from_static("webhook-signature"),
            HeaderName::from_static("svix-id"),
            HeaderName::from_static("svix-timestamp"),
            HeaderName::from_static("svix-signature"),
            HeaderName::from_static("openphone-signature"),
        ];
        // A match on literals compiles to length checks and short fixed-size compares.
        let known = match name {
            "webhook-id" => Some(&KNOWN[0]),
            "webhook-timestamp" => Some(&KNOWN[1]),
            "webhook-signature" => Some(&KNOWN[2]),
            "svix-id" => Some(&KNOWN[3]),
            "svix-timestamp" => Some(&KNOWN[4]),
            "svix-signature" => Some(&KNOWN[5]),
            "openphone-signature" => Some(&KNOWN[6]),
            _ => None,
        };
        match known {
            Some(known) => self.get(known),
            None => self.get(name),
        }
        .map(http::HeaderValue::as_bytes)
    }

    fn headers(&self, names: [&str; 3]) -> [Option<&[u8]>; 3] {
        if self.keys_len() > SCAN_LIMIT {
            return names.map(|name| self.header(name));
        }
        let mut found = [None; 3];
        for (name, value) in self {
            let name = name.as_str();
            for (slot, wanted) in found.iter_mut().zip(names) {
                // The first value of a name, as `get` gives it.
                if slot.is_none() && name == wanted {
                    *slot = Some(value.as_bytes());
                }
            }
        }
        found
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>> HeaderSource for [(N, V)] {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>, const L: usize> HeaderSource for [(N, V); L] {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.as_slice().header(name)
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>> HeaderSource for Vec<(N, V)> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.as_slice().header(name)
    }
}

/// Headers read through a closure; see [`from_fn`].
pub struct FromFn<'a, F> {
    f: F,
    _values: PhantomData<&'a [u8]>,
}

impl<F> std::fmt::Debug for FromFn<'_, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FromFn { .. }")
    }
}

/// Read headers through a closure, for frameworks with their own header types.
///
/// The closure gets a lowercase header name and returns the value's bytes.
///
/// # Examples
///
/// ```
/// use std::{collections::HashMap, time::{Duration, UNIX_EPOCH}};
/// use standard_webhooks::{headers, Secret, Verifier};
///
/// // Some framework's own header type, here a map with lowercase keys.
/// let secret: Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse()?;
/// let body = br#"{"type":"message.received"}"#;
/// let mut map: HashMap<String, String> = HashMap::new();
/// map.insert("webhook-id".into(), "msg_1".into());
/// map.insert("webhook-timestamp".into(), "1700000000".into());
/// map.insert("webhook-signature".into(), secret.sign("msg_1", 1_700_000_000, body));
///
/// let verifier = Verifier::new(secret);
/// let source = headers::from_fn(|name| map.get(name).map(|v| v.as_bytes()));
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let verified = verifier.verify_at(&source, body, now)?;
/// assert_eq!(verified.id(), Some("msg_1"));
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
pub fn from_fn<'a, F>(f: F) -> FromFn<'a, F>
where
    F: Fn(&str) -> Option<&'a [u8]>,
{
    FromFn {
        f,
        _values: PhantomData,
    }
}

impl<'a, F> HeaderSource for FromFn<'a, F>
where
    F: Fn(&str) -> Option<&'a [u8]>,
{
    fn header(&self, name: &str) -> Option<&[u8]> {
        (self.f)(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_match_names_case_insensitively() {
        let h = [("Webhook-ID", "a"), ("webhook-id", "b")];
        assert_eq!(h.header("webhook-id"), Some(&b"a"[..]));
        assert_eq!(h.header("webhook-timestamp"), None);
    }

    #[cfg(feature = "http")]
    #[test]
    fn one_pass_and_hashed_look_ups_agree() {
        let mut small = http::HeaderMap::new();
        small.append("webhook-id", http::HeaderValue::from_static("one"));
        small.append("content-type", http::HeaderValue::from_static("json"));
        small.append("webhook-id", http::HeaderValue::from_static("two"));
        small.append("webhook-signature", http::HeaderValue::from_static("sig"));
        let mut large = small.clone();
        for i in 0..SCAN_LIMIT {
            large.append(
                http::HeaderName::from_bytes(format!("x-filler-{i}").as_bytes()).unwrap(),
                http::HeaderValue::from_static("x"),
            );
        }
        assert!(large.keys_len() > SCAN_LIMIT);
        let names = ["webhook-id", "webhook-timestamp", "webhook-signature"];
        let expected = [Some(&b"one"[..]), None, Some(&b"sig"[..])];
        assert_eq!(small.headers(names), expected);
        assert_eq!(large.headers(names), expected);
        assert_eq!(names.map(|n| small.header(n)), expected);
    }

    #[cfg(feature = "http")]
    #[test]
    fn header_map_reads_first_value() {
        let mut m = http::HeaderMap::new();
        m.append("webhook-id", http::HeaderValue::from_static("one"));
        m.append("webhook-id", http::HeaderValue::from_static("two"));
        assert_eq!(m.header("webhook-id"), Some(&b"one"[..]));
    }
}
