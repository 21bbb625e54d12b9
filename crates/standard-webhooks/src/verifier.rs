//! The verifier: header parsing, timestamp tolerance, constant-time signature checks.

use std::{
    borrow::Cow,
    fmt,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use base64::Engine as _;
use hmac::Mac;
use subtle::ConstantTimeEq;

use crate::{
    HmacSha256, LegacySecret, SIGNATURE_LEN, STANDARD_LENIENT, Secret,
    error::{BuildError, VerifyError},
    headers::HeaderSource,
};

/// The tolerance every reference library uses, and Quo's five minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// At most this many signature entries are examined in one header; more is an error. Senders
/// send one, or a few while rotating; the cap bounds the work an attacker can ask for.
pub const MAX_SIGNATURES: usize = 32;

/// The longest `webhook-id` accepted. Real ids are about 30 characters; ids become store keys.
pub const MAX_ID_LEN: usize = 256;

/// Longest base64 text of one signature that is worth decoding (a 64-byte ed25519 signature is
/// 88 characters); longer entries cannot match and are skipped without decoding.
const MAX_SIGNATURE_B64_LEN: usize = 88;

/// Timestamps at or above this are taken as milliseconds in the legacy scheme (10^11 seconds is
/// the year 5138, 10^11 milliseconds is 1973).
const LEGACY_MS_THRESHOLD: u64 = 100_000_000_000;

/// The header names of one Standard Webhooks family.
struct Family {
    id: &'static str,
    timestamp: &'static str,
    signature: &'static str,
}

const WEBHOOK: Family = Family {
    id: "webhook-id",
    timestamp: "webhook-timestamp",
    signature: "webhook-signature",
};

const SVIX: Family = Family {
    id: "svix-id",
    timestamp: "svix-timestamp",
    signature: "svix-signature",
};

/// One family's header values as found in a request.
struct FamilyHeaders<'h> {
    id: Option<&'h [u8]>,
    timestamp: Option<&'h [u8]>,
    signature: Option<&'h [u8]>,
}

/// Quo's legacy signature header.
pub const LEGACY_HEADER: &str = "openphone-signature";

/// Which signature scheme verified a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// Standard Webhooks HMAC-SHA256 (`v1,` entries).
    V1,
    /// Standard Webhooks ed25519 (`v1a,` entries).
    V1a,
    /// Quo's legacy `openphone-signature` HMAC-SHA256.
    Legacy,
}

impl Scheme {
    /// `"v1"`, `"v1a"` or `"legacy"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V1a => "v1a",
            Self::Legacy => "legacy",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A delivery that passed verification.
///
/// It borrows the delivery id from the request's headers, so that verifying allocates nothing;
/// [`into_owned`](Self::into_owned) detaches it (for request extensions, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<'h> {
    id: Option<Cow<'h, str>>,
    timestamp: u64,
    scheme: Scheme,
    key_index: usize,
}

impl Verified<'_> {
    /// The `webhook-id` (or `svix-id`): the same on every retry of one message, and the
    /// idempotency key. `None` for legacy deliveries, which have no such header.
    #[must_use]
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The signed attempt time, in Unix seconds (legacy milliseconds are truncated to seconds).
    #[must_use]
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// The scheme whose signature matched.
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Which configured key matched: its position among the keys of [`scheme`](Self::scheme),
    /// in the order they were given to the builder. During a rotation this tells whether the
    /// sender still signs with the old secret.
    #[must_use]
    pub fn key_index(&self) -> usize {
        self.key_index
    }

    /// The same value, owning its id.
    #[must_use]
    pub fn into_owned(self) -> Verified<'static> {
        Verified {
            id: self.id.map(|id| Cow::Owned(id.into_owned())),
            timestamp: self.timestamp,
            scheme: self.scheme,
            key_index: self.key_index,
        }
    }
}

/// Verifies deliveries against one or more keys. Cheap to share: wrap it in an `Arc`.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use standard_webhooks::{Scheme, Secret, Verifier};
///
/// let new: Secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD".parse()?;
/// let old: Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse()?;
/// let verifier = Verifier::builder()
///     .secret(new)
///     .secret(old.clone()) // still accepted while the sender rotates
///     .tolerance(Duration::from_secs(300))
///     .build()?;
///
/// let body = br#"{"id":"EV1"}"#;
/// let headers = [
///     ("webhook-id", "msg_1".to_owned()),
///     ("webhook-timestamp", "1700000000".to_owned()),
///     ("webhook-signature", old.sign("msg_1", 1_700_000_000, body)),
/// ];
/// let verified = verifier.verify_at(&headers, body, UNIX_EPOCH + Duration::from_secs(1_700_000_100))?;
/// assert_eq!(verified.scheme(), Scheme::V1);
/// assert_eq!(verified.key_index(), 1); // the old secret matched
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    secrets: Vec<Secret>,
    legacy: Vec<LegacySecret>,
    #[cfg(feature = "ed25519")]
    public_keys: Vec<crate::PublicKey>,
    tolerance: Duration,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Verifier");
        d.field("secrets", &self.secrets.len())
            .field("legacy_secrets", &self.legacy.len());
        #[cfg(feature = "ed25519")]
        d.field("public_keys", &self.public_keys.len());
        d.field("tolerance", &self.tolerance).finish()
    }
}

/// Builds a [`Verifier`]; see [`Verifier::builder`].
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct VerifierBuilder {
    secrets: Vec<Secret>,
    legacy: Vec<LegacySecret>,
    #[cfg(feature = "ed25519")]
    public_keys: Vec<crate::PublicKey>,
    tolerance: Option<Duration>,
}

impl VerifierBuilder {
    /// Accept `v1` signatures made with this secret. Call again to accept several (rotation).
    pub fn secret(mut self, secret: Secret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Accept `v1` signatures made with any of these secrets.
    pub fn secrets(mut self, secrets: impl IntoIterator<Item = Secret>) -> Self {
        self.secrets.extend(secrets);
        self
    }

    /// Accept Quo legacy `openphone-signature` signatures made with this key.
    pub fn legacy_secret(mut self, key: LegacySecret) -> Self {
        self.legacy.push(key);
        self
    }

    /// Accept `v1a` (ed25519) signatures that this public key verifies.
    #[cfg(feature = "ed25519")]
    pub fn public_key(mut self, key: crate::PublicKey) -> Self {
        self.public_keys.push(key);
        self
    }

    /// How far an attempt's timestamp may be from the receiver's clock, either way
    /// (default [`DEFAULT_TOLERANCE`], 300 s; whole seconds count, inclusive).
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// The verifier.
    ///
    /// # Errors
    ///
    /// [`BuildError::NoKeys`] when no key of any scheme was given.
    pub fn build(self) -> Result<Verifier, BuildError> {
        let keys = self.secrets.len() + self.legacy.len();
        #[cfg(feature = "ed25519")]
        let keys = keys + self.public_keys.len();
        if keys == 0 {
            return Err(BuildError::NoKeys);
        }
        Ok(Verifier {
            secrets: self.secrets,
            legacy: self.legacy,
            #[cfg(feature = "ed25519")]
            public_keys: self.public_keys,
            tolerance: self.tolerance.unwrap_or(DEFAULT_TOLERANCE),
        })
    }
}

impl Verifier {
    /// A verifier for one `whsec_` secret with the default tolerance.
    #[must_use]
    pub fn new(secret: Secret) -> Self {
        Self {
            secrets: vec![secret],
            legacy: Vec::new(),
            #[cfg(feature = "ed25519")]
            public_keys: Vec::new(),
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// A builder for several secrets, legacy keys, public keys or another tolerance.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// The configured timestamp tolerance.
    #[must_use]
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// Verify a delivery against the system clock.
    ///
    /// `headers` is an [`http::HeaderMap`], a slice of pairs, or anything else that implements
    /// [`HeaderSource`]; `body` is the raw request body exactly as received.
    ///
    /// The `webhook-*` headers are used if any of them is present, else the `svix-*` ones, else
    /// `openphone-signature`; families are never mixed.
    ///
    /// # Errors
    ///
    /// A [`VerifyError`] naming the cause; see its variants.
    pub fn verify<'h, H: HeaderSource + ?Sized>(
        &self,
        headers: &'h H,
        body: &[u8],
    ) -> Result<Verified<'h>, VerifyError> {
        self.verify_at_secs(headers, body, now_secs())
    }

    /// Verify a delivery as if the clock read `now` (tests, replays of captured requests).
    ///
    /// # Errors
    ///
    /// As [`verify`](Self::verify).
    pub fn verify_at<'h, H: HeaderSource + ?Sized>(
        &self,
        headers: &'h H,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified<'h>, VerifyError> {
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        self.verify_at_secs(headers, body, now)
    }

    fn verify_at_secs<'h, H: HeaderSource + ?Sized>(
        &self,
        headers: &'h H,
        body: &[u8],
        now: u64,
    ) -> Result<Verified<'h>, VerifyError> {
        // Each family's three headers are read once, and the first family with any of them
        // present is used alone.
        let family = [&WEBHOOK, &SVIX].into_iter().find_map(|fam| {
            let [id, timestamp, signature] =
                headers.headers([fam.id, fam.timestamp, fam.signature]);
            let found = FamilyHeaders {
                id,
                timestamp,
                signature,
            };
            (found.id.is_some() || found.timestamp.is_some() || found.signature.is_some())
                .then_some((fam, found))
        });
        match family {
            Some((family, found)) => self.verify_standard(family, found, body, now),
            None => match headers.header(LEGACY_HEADER) {
                Some(value) => self.verify_legacy(value, body, now),
                None => Err(VerifyError::MissingHeader {
                    name: WEBHOOK.signature,
                }),
            },
        }
    }

    fn verify_standard<'h>(
        &self,
        family: &Family,
        found: FamilyHeaders<'h>,
        body: &[u8],
        now: u64,
    ) -> Result<Verified<'h>, VerifyError> {
        let get = |value: Option<&'h [u8]>, name: &'static str| {
            value.ok_or(VerifyError::MissingHeader { name })
        };
        let id = parse_id(family.id, get(found.id, family.id)?)?;
        let ts_text = get(found.timestamp, family.timestamp)?;
        let timestamp =
            parse_timestamp(ts_text).map_err(|reason| VerifyError::MalformedHeader {
                name: family.timestamp,
                reason,
            })?;
        check_tolerance(timestamp, now, self.tolerance)?;
        let signatures = get(found.signature, family.signature)?;

        // The entries as (version, base64) pairs; entries without a comma are skipped. The
        // common header holds one entry and no space: it is taken whole, without splitting.
        let single = !has_space(signatures);
        let entries = || Entries {
            rest: signatures,
            single,
        };
        // First bound the work and see which schemes are present, decoding nothing.
        let (saw_v1, saw_v1a) = if single {
            (
                signatures.starts_with(b"v1,"),
                signatures.starts_with(b"v1a,"),
            )
        } else {
            let (mut saw_v1, mut saw_v1a) = (false, false);
            for (i, entry) in signatures
                .split(|&b| b == b' ')
                .filter(|e| !e.is_empty())
                .enumerate()
            {
                if i == MAX_SIGNATURES {
                    return Err(VerifyError::MalformedHeader {
                        name: family.signature,
                        reason: "too many signatures",
                    });
                }
                saw_v1 |= entry.starts_with(b"v1,");
                saw_v1a |= entry.starts_with(b"v1a,");
            }
            (saw_v1, saw_v1a)
        };

        // One HMAC per configured key, however many entries there are; each entry is decoded
        // into a small stack buffer as it is compared (unknown versions are skipped).
        if saw_v1 {
            for (key_index, secret) in self.secrets.iter().enumerate() {
                let tag = secret
                    .0
                    .states
                    .tag(&[id.as_bytes(), b".", ts_text, b".", body]);
                let matched = entries().filter(|(v, _)| *v == b"v1").any(|(_, sig)| {
                    let mut candidate = [0u8; SIGNATURE_LEN];
                    decode_sig(sig, &mut candidate) && ct_eq(&candidate, &tag)
                });
                if matched {
                    return Ok(Verified {
                        id: Some(Cow::Borrowed(id)),
                        timestamp,
                        scheme: Scheme::V1,
                        key_index,
                    });
                }
            }
        }

        #[cfg(feature = "ed25519")]
        if saw_v1a {
            let message: [&[u8]; 5] = [id.as_bytes(), b".", ts_text, b".", body];
            for (key_index, key) in self.public_keys.iter().enumerate() {
                let matched = entries().filter(|(v, _)| *v == b"v1a").any(|(_, sig)| {
                    let mut candidate = [0u8; 64];
                    decode_sig(sig, &mut candidate) && key.verify_parts(&message, &candidate)
                });
                if matched {
                    return Ok(Verified {
                        id: Some(Cow::Borrowed(id)),
                        timestamp,
                        scheme: Scheme::V1a,
                        key_index,
                    });
                }
            }
        }

        let has_v1a_keys = {
            #[cfg(feature = "ed25519")]
            {
                !self.public_keys.is_empty()
            }
            #[cfg(not(feature = "ed25519"))]
            {
                false
            }
        };
        // Tell "signed with a scheme we hold no key for" apart from a plain mismatch, so that a
        // misconfigured receiver is easy to spot.
        if (saw_v1 && !self.secrets.is_empty()) || (saw_v1a && has_v1a_keys) {
            Err(VerifyError::NoMatchingSignature)
        } else if saw_v1 {
            Err(VerifyError::NoKeyForScheme(Scheme::V1))
        } else if saw_v1a {
            Err(VerifyError::NoKeyForScheme(Scheme::V1a))
        } else {
            Err(VerifyError::NoMatchingSignature)
        }
    }

    fn verify_legacy(
        &self,
        header: &[u8],
        body: &[u8],
        now: u64,
    ) -> Result<Verified<'static>, VerifyError> {
        const MALFORMED: VerifyError = VerifyError::MalformedHeader {
            name: LEGACY_HEADER,
            reason: "expected hmac;1;TIMESTAMP;SIGNATURE",
        };
        let mut parsed_any = false;
        let mut stale: Option<VerifyError> = None;
        for (i, entry) in header
            .split(|&b| b == b',')
            .map(<[u8]>::trim_ascii)
            .filter(|e| !e.is_empty())
            .enumerate()
        {
            if i == MAX_SIGNATURES {
                return Err(VerifyError::MalformedHeader {
                    name: LEGACY_HEADER,
                    reason: "too many signatures",
                });
            }
            let mut fields = entry.split(|&b| b == b';');
            let (Some(scheme), Some(version), Some(ts_text), Some(sig), None) = (
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
            ) else {
                continue;
            };
            if scheme != b"hmac" || version != b"1" {
                continue; // a future scheme or version: skip, as for unknown v-versions
            }
            let Ok(raw_ts) = parse_timestamp(ts_text) else {
                continue;
            };
            let mut tag = [0u8; SIGNATURE_LEN];
            if !decode_sig(sig, &mut tag) {
                continue;
            }
            parsed_any = true;
            let timestamp = if raw_ts >= LEGACY_MS_THRESHOLD {
                raw_ts / 1000
            } else {
                raw_ts
            };
            if let Err(e) = check_tolerance(timestamp, now, self.tolerance) {
                stale.get_or_insert(e);
                continue;
            }
            for (key_index, key) in self.legacy.iter().enumerate() {
                let expected = key.0.states.tag(&[ts_text, b".", body]);
                if ct_eq(&expected, &tag) {
                    return Ok(Verified {
                        id: None,
                        timestamp,
                        scheme: Scheme::Legacy,
                        key_index,
                    });
                }
            }
        }
        if !parsed_any {
            Err(MALFORMED)
        } else if self.legacy.is_empty() {
            Err(VerifyError::NoKeyForScheme(Scheme::Legacy))
        } else if let Some(stale) = stale {
            Err(stale)
        } else {
            Err(VerifyError::NoMatchingSignature)
        }
    }
}

/// HMAC over `{id}.{timestamp}.{body}` from a prepared keyed state, without joining the parts.
pub(crate) fn v1_tag(mac: &HmacSha256, id: &[u8], ts: &[u8], body: &[u8]) -> [u8; SIGNATURE_LEN] {
    let mut mac = mac.clone();
    mac.update(id);
    mac.update(b".");
    mac.update(ts);
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// HMAC over `{timestamp}.{body}`, the legacy scheme's signed content.
pub(crate) fn legacy_tag(mac: &HmacSha256, ts: &[u8], body: &[u8]) -> [u8; SIGNATURE_LEN] {
    let mut mac = mac.clone();
    mac.update(ts);
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// The `VERSION,BASE64` entries of a signature header as (version, base64) pairs: split on
/// spaces, empty entries and entries without a comma skipped; a header known to hold no space
/// is one entry.
struct Entries<'h> {
    rest: &'h [u8],
    single: bool,
}

impl<'h> Iterator for Entries<'h> {
    type Item = (&'h [u8], &'h [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let entry = if self.single {
                std::mem::take(&mut self.rest)
            } else {
                let end = self
                    .rest
                    .iter()
                    .position(|&b| b == b' ')
                    .unwrap_or(self.rest.len());
                let (entry, tail) = self.rest.split_at(end);
                self.rest = tail.get(1..).unwrap_or_default();
                entry
            };
            if let Some(comma) = entry.iter().position(|&b| b == b',') {
                return Some((&entry[..comma], &entry[comma + 1..]));
            }
        }
    }
}

/// Whether `bytes` holds a space: eight bytes at a time (`contains` calls `memchr`, whose
/// set-up costs more than a 50-byte header's whole scan).
fn has_space(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let (words, tail) = bytes.as_chunks::<8>();
    // A byte of `x` is zero where the input held a space; `(x - ONES) & !x & HIGHS` is not
    // zero exactly when some byte of `x` is.
    let zero_bytes = words.iter().fold(0, |acc, word| {
        let x = u64::from_ne_bytes(*word) ^ (ONES * u64::from(b' '));
        acc | (x.wrapping_sub(ONES) & !x & HIGHS)
    });
    // The tail is under eight bytes: a plain loop, not `memchr`.
    zero_bytes != 0 || tail.iter().fold(false, |any, &b| any | (b == b' '))
}

/// Constant-time equality of two MACs: every byte is compared, with no branch on their values.
fn ct_eq(a: &[u8; SIGNATURE_LEN], b: &[u8; SIGNATURE_LEN]) -> bool {
    // An OR of XORs has no early exit (and vectorises); only its final test goes through
    // `subtle`'s barrier, instead of one barrier per byte.
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    bool::from(diff.ct_eq(&0))
}

/// Decode one base64 signature into `out`; true only when it is exactly `out`'s length.
fn decode_sig<const N: usize>(sig: &[u8], out: &mut [u8; N]) -> bool {
    if let Ok(tag) = <&mut [u8; SIGNATURE_LEN]>::try_from(&mut out[..]) {
        return decode_tag(sig, tag);
    }
    if sig.len() > MAX_SIGNATURE_B64_LEN {
        return false;
    }
    let mut buf = [0u8; 66]; // 88 base64 characters decode to at most 66 bytes
    matches!(STANDARD_LENIENT.decode_slice(sig, &mut buf), Ok(n) if n == N) && {
        out.copy_from_slice(&buf[..N]);
        true
    }
}

/// Each byte's value as a standard base64 symbol, or `0xff`.
static BASE64: [u8; 256] = {
    let mut table = [0xff_u8; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Decode the base64 of a 32-byte MAC, as `STANDARD_LENIENT` does (padded or not, standard
/// alphabet, the unused low bits of the last symbol zero), without its general machinery: 43
/// symbols, and an optional `=`.
fn decode_tag(sig: &[u8], out: &mut [u8; SIGNATURE_LEN]) -> bool {
    let sig = match sig {
        [symbols @ .., b'='] if symbols.len() == 43 => symbols,
        _ if sig.len() == 43 => sig,
        _ => return false,
    };
    let value = |c: u8| u32::from(BASE64[usize::from(c)]);
    // Any invalid symbol sets bit 7 of `bad`; valid ones are under 64.
    let mut bad = 0u32;
    let (quads, tail) = sig.as_chunks::<4>();
    for (quad, bytes) in quads.iter().zip(out.chunks_exact_mut(3)) {
        let [a, b, c, d] = quad.map(value);
        bad |= a | b | c | d;
        let n = (a << 18) | (b << 12) | (c << 6) | d;
        bytes.copy_from_slice(&n.to_be_bytes()[1..]);
    }
    let [a, b, c] = [tail[0], tail[1], tail[2]].map(value);
    bad |= a | b | c;
    let n = (a << 12) | (b << 6) | c;
    out[30] = (n >> 10) as u8;
    out[31] = (n >> 2) as u8;
    bad & 0x80 == 0 && n & 0b11 == 0
}

fn parse_id<'h>(name: &'static str, raw: &'h [u8]) -> Result<&'h str, VerifyError> {
    let malformed = |reason| VerifyError::MalformedHeader { name, reason };
    if raw.is_empty() {
        return Err(malformed("empty"));
    }
    if raw.len() > MAX_ID_LEN {
        return Err(malformed("longer than 256 bytes"));
    }
    // A fold without early exit, which vectorises; ids are valid, so nothing is lost.
    if !raw.iter().fold(true, |ok, b| ok & b.is_ascii_graphic()) {
        return Err(malformed("not printable ASCII"));
    }
    std::str::from_utf8(raw).map_err(|_| malformed("not printable ASCII"))
}

/// The current Unix time in whole seconds. On Linux from `CLOCK_REALTIME_COARSE`: the same
/// clock as `SystemTime::now`, read without the time counter (in a virtual machine that read
/// costs about as much as the rest of a small delivery's checks), as of the last timer tick, a
/// few milliseconds ago at most: nothing to a tolerance counted in whole seconds.
fn now_secs() -> u64 {
    #[cfg(target_os = "linux")]
    {
        use nix::time::{ClockId, clock_gettime};
        match clock_gettime(ClockId::CLOCK_REALTIME_COARSE) {
            Ok(now) => u64::try_from(now.tv_sec()).unwrap_or(0),
            // Kernels before 2.6.32 lack the coarse clock.
            Err(_) => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// Unix time as ASCII digits only: no sign, no space, no fraction, no overflow.
pub(crate) fn parse_timestamp(raw: &[u8]) -> Result<u64, &'static str> {
    if raw.is_empty() {
        return Err("empty");
    }
    // Up to 19 digits cannot overflow a u64: check them all at once, then add them up.
    if raw.len() <= 19 {
        if !raw.iter().fold(true, |ok, b| ok & b.is_ascii_digit()) {
            return Err(if raw[0] == b'-' {
                "negative"
            } else {
                "not a whole number of seconds"
            });
        }
        return Ok(raw.iter().fold(0u64, |n, &b| n * 10 + u64::from(b - b'0')));
    }
    if raw.first() == Some(&b'-') {
        return Err("negative");
    }
    let mut n: u64 = 0;
    for &b in raw {
        if !b.is_ascii_digit() {
            return Err("not a whole number of seconds");
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or("too large")?;
    }
    Ok(n)
}

fn check_tolerance(timestamp: u64, now: u64, tolerance: Duration) -> Result<(), VerifyError> {
    if timestamp.abs_diff(now) > tolerance.as_secs() {
        Err(VerifyError::TimestampOutsideTolerance {
            too_old: timestamp < now,
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lenient(sig: &[u8]) -> Option<[u8; SIGNATURE_LEN]> {
        let mut buf = [0u8; 66];
        match STANDARD_LENIENT.decode_slice(sig, &mut buf) {
            Ok(SIGNATURE_LEN) => buf[..SIGNATURE_LEN].try_into().ok(),
            _ => None,
        }
    }

    fn fast(sig: &[u8]) -> Option<[u8; SIGNATURE_LEN]> {
        let mut out = [0u8; SIGNATURE_LEN];
        decode_tag(sig, &mut out).then_some(out)
    }

    proptest::proptest! {
        #[test]
        fn tag_decoding_agrees_with_the_base64_crate(
            tag in proptest::array::uniform32(proptest::prelude::any::<u8>()),
            padded in proptest::prelude::any::<bool>(),
            edit in proptest::option::of((0usize..44, proptest::prelude::any::<u8>())),
        ) {
            let mut text = crate::STANDARD.encode(tag).into_bytes();
            if !padded {
                text.pop();
            }
            if let Some((at, byte)) = edit {
                if at < text.len() {
                    text[at] = byte;
                } else {
                    text.push(byte);
                }
            }
            proptest::prop_assert_eq!(fast(&text), lenient(&text), "{:?}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn tag_decoding_edge_cases_agree_with_the_base64_crate() {
        let good = crate::STANDARD.encode([0xabu8; 32]);
        let cases: Vec<Vec<u8>> = vec![
            good.clone().into_bytes(),
            good.trim_end_matches('=').as_bytes().to_vec(),
            format!("{good}=").into_bytes(),
            format!("{}==", good.trim_end_matches('=')).into_bytes(),
            good.replace('q', "-").into_bytes(),
            good.replace('/', "_").into_bytes(),
            // The last symbol with its unused bits set.
            format!("{}9=", &good[..42]).into_bytes(),
            format!("{}8", &good[..42]).into_bytes(),
            Vec::new(),
            b"=".repeat(44),
        ];
        for case in cases {
            assert_eq!(
                fast(&case),
                lenient(&case),
                "{:?}",
                String::from_utf8_lossy(&case)
            );
        }
    }

    #[test]
    fn space_scan_finds_a_space_anywhere() {
        assert!(!has_space(b""));
        assert!(!has_space(
            b"v1,abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH="
        ));
        for len in 1..40 {
            for at in 0..len {
                let mut bytes = vec![b'a'; len];
                bytes[at] = b' ';
                assert!(has_space(&bytes), "space at {at} of {len}");
                // Bytes next to a space's value must not look like one.
                bytes[at] = b'!';
                assert!(!has_space(&bytes), "no space, '!' at {at} of {len}");
                bytes[at] = 0x1f;
                assert!(!has_space(&bytes), "no space, 0x1f at {at} of {len}");
                bytes[at] = 0xa0;
                assert!(!has_space(&bytes), "no space, 0xa0 at {at} of {len}");
            }
        }
    }

    #[test]
    fn timestamps_are_digits_only() {
        assert_eq!(parse_timestamp(b"1614265330"), Ok(1_614_265_330));
        assert_eq!(parse_timestamp(b"0"), Ok(0));
        assert_eq!(parse_timestamp(b""), Err("empty"));
        assert_eq!(parse_timestamp(b"-5"), Err("negative"));
        assert!(parse_timestamp(b"+5").is_err());
        assert!(parse_timestamp(b" 5").is_err());
        assert!(parse_timestamp(b"1.5").is_err());
        assert!(parse_timestamp(b"1e9").is_err());
        assert_eq!(parse_timestamp(b"18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_timestamp(b"18446744073709551616"), Err("too large"));
        assert_eq!(parse_timestamp(&[b'9'; 400]), Err("too large"));
        // Both sides of the 19-digit fast path.
        assert_eq!(
            parse_timestamp(b"9999999999999999999"),
            Ok(9_999_999_999_999_999_999)
        );
        assert_eq!(parse_timestamp(b"00000000000000000001"), Ok(1));
        assert_eq!(parse_timestamp(b"-000000000000000001"), Err("negative"));
        assert_eq!(parse_timestamp(b"-0000000000000000001"), Err("negative"));
        assert!(parse_timestamp(b"123456789012345678x").is_err());
        assert!(parse_timestamp(b"1234567890123456789x").is_err());
    }

    #[test]
    fn tolerance_is_inclusive_both_ways() {
        let tol = Duration::from_secs(300);
        assert!(check_tolerance(1000, 1300, tol).is_ok());
        assert!(check_tolerance(1300, 1000, tol).is_ok());
        assert_eq!(
            check_tolerance(999, 1300, tol),
            Err(VerifyError::TimestampOutsideTolerance { too_old: true })
        );
        assert_eq!(
            check_tolerance(1301, 1000, tol),
            Err(VerifyError::TimestampOutsideTolerance { too_old: false })
        );
        assert!(check_tolerance(u64::MAX, 0, tol).is_err());
        assert!(check_tolerance(0, u64::MAX, tol).is_err());
    }

    #[test]
    fn signatures_decode_only_at_their_exact_length() {
        let mut out = [0u8; 32];
        assert!(decode_sig(
            b"g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            &mut out
        ));
        assert!(decode_sig(
            b"g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
            &mut out
        ));
        assert!(!decode_sig(b"", &mut out));
        assert!(!decode_sig(b"g0hM9", &mut out));
        assert!(!decode_sig(&[b'A'; 400], &mut out));
        assert!(!decode_sig(
            b"g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLawdd",
            &mut out
        ));
    }
}
