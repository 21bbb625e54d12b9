//! What the fuzz targets share: the keys they verify with, a text form of a delivery that seeds
//! can be written in, and the check that a changed byte never verifies.

use std::{
    sync::LazyLock,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use standard_webhooks::{HeaderSource, LegacySecret, PublicKey, Secret, SigningKey, Verifier};

/// The secrets of the published test vectors (`tests/data/standard-webhooks.json`), so that
/// seeds made from those vectors get as far as a matching signature.
pub const VECTOR_SECRETS: [&str; 2] = [
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
];

/// A legacy (`openphone-signature`) key: base64 of `fuzzing-only-legacy-key`.
pub const LEGACY_KEY: &str = "ZnV6emluZy1vbmx5LWxlZ2FjeS1rZXk=";

/// The seed of the ed25519 key whose public half the verifier trusts for `v1a`.
pub const SIGNING_SEED: [u8; 32] = *b"fuzzing-only-ed25519-seed-32byte";

/// The timestamp tolerance the verifier uses (the default).
pub const TOLERANCE_SECS: u64 = 300;

/// The secrets of [`VECTOR_SECRETS`], in that order.
pub static SECRETS: LazyLock<Vec<Secret>> = LazyLock::new(|| {
    VECTOR_SECRETS
        .iter()
        .map(|s| s.parse().expect("vector secret"))
        .collect()
});

/// The key of [`LEGACY_KEY`].
pub static LEGACY: LazyLock<LegacySecret> =
    LazyLock::new(|| LEGACY_KEY.parse().expect("legacy key"));

/// The key of [`SIGNING_SEED`].
pub static SIGNING: LazyLock<SigningKey> =
    LazyLock::new(|| SigningKey::from_bytes(&SIGNING_SEED).expect("32-byte seed"));

/// A verifier holding every key above: both `v1` secrets, the legacy key and the public key.
pub static VERIFIER: LazyLock<Verifier> = LazyLock::new(|| {
    let public: PublicKey = SIGNING.public_key();
    Verifier::builder()
        .secrets(SECRETS.iter().cloned())
        .legacy_secret(LEGACY.clone())
        .public_key(public)
        .build()
        .expect("keys were given")
});

/// Unix seconds as a `SystemTime`, if it can hold them.
pub fn at(secs: u64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// Digits only, no overflow: the timestamp rule of both schemes.
pub fn digits(raw: &[u8]) -> Option<u64> {
    if raw.is_empty() {
        return None;
    }
    raw.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit()
            .then_some(())
            .and_then(|()| n.checked_mul(10))
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
    })
}

/// A request in a text form close to HTTP/1.1, so that seeds are readable and mutations land
/// in headers as often as in the body:
///
/// ```text
/// webhook-id: msg_1
/// webhook-timestamp: 1614265330
/// webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
///
/// {"test": 2432232314}
/// ```
///
/// Header lines are `name: value` (one space after the colon is dropped; the value is raw
/// bytes up to the newline); lines without a colon are ignored. The first empty line ends the
/// headers; everything after it is the body. An optional `x-now` header sets the receiver's
/// clock; without it the clock reads the request's own timestamp, so that seeds reach the
/// signature check.
#[derive(Debug)]
pub struct Delivery<'a> {
    /// The header lines, in order.
    pub headers: Vec<(String, &'a [u8])>,
    /// The raw body.
    pub body: &'a [u8],
}

impl<'a> Delivery<'a> {
    /// Read `data` as described on the type.
    pub fn parse(data: &'a [u8]) -> Self {
        let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
            Some(i) => (&data[..i], &data[i + 2..]),
            None => (data, &data[data.len()..]),
        };
        let headers = head
            .split(|&b| b == b'\n')
            .filter_map(|line| {
                let colon = line.iter().position(|&b| b == b':')?;
                let name = String::from_utf8_lossy(&line[..colon]).trim().to_owned();
                let value = &line[colon + 1..];
                let value = value.strip_prefix(b" ").unwrap_or(value);
                Some((name, value))
            })
            .collect();
        Self { headers, body }
    }

    /// The first value of `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// The receiver's clock for this delivery, in Unix seconds: `x-now` if given, else the
    /// request's own timestamp (legacy milliseconds made seconds), else 2023-11-14.
    pub fn now_secs(&self) -> u64 {
        if let Some(now) = self.header("x-now").and_then(digits) {
            return now;
        }
        if let Some(ts) = ["webhook-timestamp", "svix-timestamp"]
            .iter()
            .find_map(|name| self.header(name).and_then(digits))
        {
            return ts;
        }
        let legacy = self.header("openphone-signature").and_then(|h| {
            let ts = h.split(|&b| b == b';').nth(2)?;
            digits(ts.trim_ascii())
        });
        match legacy {
            Some(ms) if ms >= 100_000_000_000 => ms / 1000,
            Some(secs) => secs,
            None => 1_700_000_000,
        }
    }
}

impl HeaderSource for Delivery<'_> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        Delivery::header(self, name)
    }
}

/// FNV-1a over the input: picks, deterministically per input, which bytes to change.
pub fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// splitmix64: the next pseudo-random value.
pub fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A signed delivery, as fields that [`assert_flips_fail`] changes one byte of at a time.
#[derive(Debug, Clone)]
pub struct Signed {
    /// Header names and values.
    pub headers: Vec<(&'static str, Vec<u8>)>,
    /// The body.
    pub body: Vec<u8>,
    /// Which header holds the signature.
    pub signature_header: usize,
}

/// Change `count` bytes of `signed` (one per attempt, positions and masks drawn from `seed`)
/// and assert that `verifies` refuses each changed delivery.
///
/// One change may keep a valid signature on purpose: the base64 padding `=` at the end of a
/// signature turned into a separator (white space, or the legacy header's comma), since
/// padding is optional and separators only split entries. Anything else that still verifies
/// fails the assertion.
pub fn assert_flips_fail(
    signed: &Signed,
    seed: u64,
    count: usize,
    verifies: impl Fn(&[(&str, &[u8])], &[u8]) -> bool,
) {
    let total: usize =
        signed.headers.iter().map(|(_, v)| v.len()).sum::<usize>() + signed.body.len();
    if total == 0 {
        return;
    }
    let mut state = seed;
    for _ in 0..count {
        let r = next(&mut state);
        let mut pos = usize::try_from(r % total as u64).expect("below a usize");
        let mask = ((r >> 56) as u8).max(1);

        let mut values: Vec<Vec<u8>> = signed.headers.iter().map(|(_, v)| v.clone()).collect();
        let mut body = signed.body.clone();
        let mut field = values.len(); // the body, unless a header holds `pos`
        for (i, v) in values.iter().enumerate() {
            if pos < v.len() {
                field = i;
                break;
            }
            pos -= v.len();
        }
        let byte = if field < values.len() {
            &mut values[field][pos]
        } else {
            &mut body[pos]
        };
        let before = *byte;
        *byte ^= mask;
        let after = *byte;

        let headers: Vec<(&str, &[u8])> = signed
            .headers
            .iter()
            .zip(&values)
            .map(|((name, _), v)| (*name, v.as_slice()))
            .collect();
        if verifies(&headers, &body) {
            let padding_to_separator = field == signed.signature_header
                && before == b'='
                && (after.is_ascii_whitespace() || after == b',');
            assert!(
                padding_to_separator,
                "a changed delivery still verifies: {} byte {pos} {before:#04x} -> {after:#04x}\n\
                 headers: {headers:?}\nbody: {:?}",
                if field < values.len() {
                    signed.headers[field].0
                } else {
                    "body"
                },
                String::from_utf8_lossy(&body),
            );
        }
    }
}

/// Printable ASCII made from any bytes (at most [`standard_webhooks::MAX_ID_LEN`]), for ids
/// the verifier accepts; `msg_fuzz` when there are none.
pub fn printable_id(raw: Option<&[u8]>) -> String {
    let raw = raw.unwrap_or_default();
    if raw.is_empty() {
        return "msg_fuzz".to_owned();
    }
    raw.iter()
        .take(standard_webhooks::MAX_ID_LEN)
        .map(|&b| char::from(b'!' + b % 94))
        .collect()
}
