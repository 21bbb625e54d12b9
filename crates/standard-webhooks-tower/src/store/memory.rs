//! [`MemoryStore`]: the in-process store.

use std::{
    fmt,
    sync::{
        Mutex, PoisonError, TryLockError,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use dashmap::{DashMap, mapref::entry::Entry};
use tokio::time::Instant;

use super::{Claim, ClaimToken, Fenced, IdempotencyStore, StoreError, StoreFuture};

/// Sweep at most once per this many new keys (and per half the store's size, whichever is more),
/// so the cost of a sweep is spread over the claims that made it necessary.
const SWEEP_EVERY: usize = 4096;

/// An [`IdempotencyStore`] in this process's memory, for a receiver that runs as one process.
///
/// Records live in a sharded concurrent map ([`dashmap`]); a claim locks one shard for
/// a moment, so concurrent deliveries of different keys rarely contend. Replicas of a receiver
/// do not see each other's records: use `RedisStore` (feature `redis`) for those.
///
/// # Bounded
///
/// The store holds at most [`max_records`](Self::with_max_records) keys
/// ([`DEFAULT_MAX_RECORDS`](Self::DEFAULT_MAX_RECORDS) by default), in flight or completed. When it
/// is full and nothing has expired, a claim of a new key evicts the oldest completed records (a
/// batch of 1/64 of the capacity, oldest retention end first) to make room: those are the ones the
/// retention protects least, as the sender's retries of them are the longest past. Claims in
/// flight are never evicted; only when every record is in flight does
/// [`claim`](IdempotencyStore::claim) of a new key answer [`StoreError::Full`] (the layer answers
/// 503, and [`health`](IdempotencyStore::health) reports the store unavailable). Size the bound
/// as (deliveries per second) × (retention in seconds) so that nothing is evicted before its
/// retention ends: the default of one million covers about 3.6 deliveries per second sustained
/// over the default 76-hour retention. [`evicted`](Self::evicted) counts records evicted early. A
/// record takes roughly 100 bytes plus its key. A store made with
/// [`with_capacity`](Self::with_capacity) for that number takes its room at start, and its map
/// never grows while a claim waits.
///
/// Expired records are swept out as claims go by (no background task): every few thousand new
/// keys, and whenever the store is full and some record may have expired.
///
/// Time is read from [`tokio::time::Instant`], so tests can run it with paused time.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use standard_webhooks_tower::store::{Claim, Fenced, IdempotencyStore, MemoryStore, StoreError};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let store = MemoryStore::new().with_max_records(1);
/// let lease = Duration::from_secs(60);
///
/// let Claim::Acquired(token) = store.claim("msg_1", lease).await? else { unreachable!() };
/// // The store is full: a different key must wait (the layer answers 503).
/// assert!(matches!(store.claim("msg_2", lease).await, Err(StoreError::Full)));
///
/// // The handler failed: release the key so that the sender's retry runs it again.
/// assert_eq!(store.release("msg_1", &token).await?, Fenced::Applied);
/// assert!(matches!(store.claim("msg_2", lease).await?, Claim::Acquired(_)));
/// # Ok::<_, StoreError>(())
/// # }).unwrap();
/// ```
pub struct MemoryStore {
    /// Hashed with foldhash (randomly seeded per process, as `hashbrown`'s default): SipHash,
    /// std's default, cost about a tenth of the idempotency layer's instructions per delivery.
    records: DashMap<Box<str>, Record, foldhash::fast::RandomState>,
    max_records: usize,
    /// Records held plus slots reserved by claims about to insert: never below `records.len()`,
    /// so concurrent claims cannot overshoot `max_records`.
    reserved: AtomicUsize,
    inserts_since_sweep: AtomicUsize,
    /// No record expires before this instant (see [`MemoryStore::now`]): a lower bound, kept so
    /// that a full store does not scan every record on every claim when nothing can be freed.
    next_expiry: AtomicU64,
    /// One sweep at a time: while a sweep runs, `next_expiry` is not yet a lower bound.
    sweep_lock: Mutex<()>,
    /// Completed records held (expired ones included until swept), so that a full store knows
    /// without a scan whether eviction can make room.
    completed: AtomicUsize,
    /// Completed records removed before their retention ended, to make room.
    evicted: AtomicU64,
    epoch: Instant,
}

/// One key's state, in 32 bytes: instants are nanoseconds since the store's epoch and the token
/// is kept as its 16 raw bytes (see [`packed`]).
#[derive(Clone, Copy)]
enum Record {
    InFlight { token: [u8; 16], expires: u64 },
    Completed { expires: u64 },
}

impl Record {
    fn expires(&self) -> u64 {
        match *self {
            Self::InFlight { expires, .. } | Self::Completed { expires } => expires,
        }
    }

    /// Whether `token` holds a lease that has not run out.
    fn is_held_by(&self, token: &ClaimToken, now: u64) -> bool {
        matches!(*self, Self::InFlight { token: t, expires } if t == packed(token) && expires > now)
    }
}

/// The token's 128 random bits, from its 32 hex digits.
fn packed(token: &ClaimToken) -> [u8; 16] {
    // Tokens only come from `ClaimToken::generate`, so every byte is a lowercase hex digit and
    // this is one-to-one.
    fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => 0,
        }
    }
    let mut raw = [0u8; 16];
    for (byte, pair) in raw.iter_mut().zip(token.0.chunks_exact(2)) {
        *byte = (nibble(pair[0]) << 4) | nibble(pair[1]);
    }
    raw
}

impl MemoryStore {
    /// The bound on records used by [`new`](Self::new).
    pub const DEFAULT_MAX_RECORDS: usize = 1_000_000;

    /// An empty store holding at most [`DEFAULT_MAX_RECORDS`](Self::DEFAULT_MAX_RECORDS) keys.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty store like [`new`](Self::new)'s, with room for `records` keys taken now.
    ///
    /// A store that grows doubles its map, and each doubling moves every record it holds
    /// while the claim that triggered it waits: about a millisecond at 57,000 records, some
    /// 30 ms at 900,000 (`BENCHMARKS.md`). Sized for the records it
    /// will hold in steady state (deliveries per second × retention, at most
    /// [`max_records`](Self::with_max_records)), it never grows in the request path. The
    /// map's slots for `records` keys are allocated at once (tens of bytes each; each key's
    /// own bytes are allocated when it is claimed).
    ///
    /// ```
    /// use standard_webhooks_tower::store::MemoryStore;
    ///
    /// // One delivery a second, kept for the default 76 hours: 273,600 keys.
    /// let store = MemoryStore::with_capacity(280_000).with_max_records(280_000);
    /// assert!(store.is_empty());
    /// ```
    #[must_use]
    pub fn with_capacity(records: usize) -> Self {
        Self {
            // An eighth more, as keys never spread over the map's shards quite evenly.
            records: DashMap::with_capacity_and_hasher(
                records.saturating_add(records / 8),
                foldhash::fast::RandomState::default(),
            ),
            max_records: Self::DEFAULT_MAX_RECORDS,
            reserved: AtomicUsize::new(0),
            inserts_since_sweep: AtomicUsize::new(0),
            next_expiry: AtomicU64::new(u64::MAX),
            sweep_lock: Mutex::new(()),
            completed: AtomicUsize::new(0),
            evicted: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    /// Hold at most `max_records` keys (in flight or completed, including expired ones not yet
    /// swept). With `0`, every claim answers [`StoreError::Full`].
    #[must_use]
    pub fn with_max_records(mut self, max_records: usize) -> Self {
        self.max_records = max_records;
        self
    }

    /// How many records the store holds, including expired ones not yet swept out.
    #[must_use]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// The most records the store holds (see [`with_max_records`](Self::with_max_records)).
    #[must_use]
    pub fn max_records(&self) -> usize {
        self.max_records
    }

    /// How many completed records were evicted before their retention ended, to make room for
    /// new keys. Above zero means the store is too small for the traffic and retention: a
    /// retry of an evicted delivery would run its handler again.
    #[must_use]
    pub fn evicted(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }

    /// Whether the store holds no records.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Nanoseconds since the epoch; saturates rather than wrapping (after 584 years).
    fn now(&self) -> u64 {
        nanos(Instant::now().saturating_duration_since(self.epoch))
    }

    fn claim_now(&self, key: &str, lease: Duration) -> Result<Claim, StoreError> {
        let now = self.now();
        let expires = now.saturating_add(nanos(lease));
        // Sweeping and making room take shard locks, so both come before a shard is held.
        self.sweep_if_due(now);
        // Room for one more record, the usual case: one hash and one probe of the map, whether
        // the key is new or a retry's (which gives the slot back).
        if self.reserve() {
            return Ok(self.claim_reserved(key, now, expires));
        }
        // Full. A retry of a key the store holds is answered without making room for it.
        if let Some(mut record) = self.records.get_mut(key) {
            return Ok(self.claim_existing(&mut record, now, expires));
        }
        if !self.make_room(now) {
            return Err(StoreError::Full);
        }
        Ok(self.claim_reserved(key, now, expires))
    }

    /// Claims `key` with a slot reserved for it; the slot goes back if the key has a record.
    fn claim_reserved(&self, key: &str, now: u64, expires: u64) -> Claim {
        match self.records.entry(Box::from(key)) {
            Entry::Occupied(mut occupied) => {
                self.reserved.fetch_sub(1, Ordering::Relaxed);
                self.claim_existing(occupied.get_mut(), now, expires)
            }
            Entry::Vacant(vacant) => {
                let token = ClaimToken::generate();
                vacant.insert(Record::InFlight {
                    token: packed(&token),
                    expires,
                });
                self.next_expiry.fetch_min(expires, Ordering::SeqCst);
                self.inserts_since_sweep.fetch_add(1, Ordering::Relaxed);
                Claim::Acquired(token)
            }
        }
    }

    /// Claim a key that has a record; the caller holds its shard's lock.
    fn claim_existing(&self, record: &mut Record, now: u64, expires: u64) -> Claim {
        match *record {
            Record::InFlight { expires: until, .. } if until > now => Claim::InFlight {
                retry_after: Some(Duration::from_nanos(until - now)),
            },
            Record::Completed { expires: until } if until > now => Claim::Completed,
            // Expired, in flight (the process died) or completed (retention over): take it fresh.
            _ => {
                if matches!(record, Record::Completed { .. }) {
                    self.completed.fetch_sub(1, Ordering::Relaxed);
                }
                let token = ClaimToken::generate();
                *record = Record::InFlight {
                    token: packed(&token),
                    expires,
                };
                self.next_expiry.fetch_min(expires, Ordering::SeqCst);
                Claim::Acquired(token)
            }
        }
    }

    fn complete_now(&self, key: &str, token: &ClaimToken, retention: Duration) -> Fenced {
        let now = self.now();
        match self.records.get_mut(key) {
            Some(mut record) if record.is_held_by(token, now) => {
                let expires = now.saturating_add(nanos(retention));
                *record = Record::Completed { expires };
                self.completed.fetch_add(1, Ordering::Relaxed);
                self.next_expiry.fetch_min(expires, Ordering::SeqCst);
                Fenced::Applied
            }
            _ => Fenced::Stale,
        }
    }

    fn renew_now(&self, key: &str, token: &ClaimToken, lease: Duration) -> Fenced {
        let now = self.now();
        match self.records.get_mut(key) {
            Some(mut record) if record.is_held_by(token, now) => {
                // A later expiry keeps `next_expiry` a lower bound: nothing to update.
                *record = Record::InFlight {
                    token: packed(token),
                    expires: now.saturating_add(nanos(lease)),
                };
                Fenced::Applied
            }
            _ => Fenced::Stale,
        }
    }

    fn release_now(&self, key: &str, token: &ClaimToken) -> Fenced {
        let now = self.now();
        match self
            .records
            .remove_if(key, |_, record| record.is_held_by(token, now))
        {
            Some(_) => {
                self.reserved.fetch_sub(1, Ordering::Relaxed);
                Fenced::Applied
            }
            None => Fenced::Stale,
        }
    }

    /// Take a slot for a new key, if the store is not full.
    fn reserve(&self) -> bool {
        self.reserved
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < self.max_records).then_some(n + 1)
            })
            .is_ok()
    }

    /// The amortised sweep: only after enough new keys, only if something may have expired, and
    /// never waiting for a sweep already running.
    fn sweep_if_due(&self, now: u64) {
        let due = SWEEP_EVERY.max(self.reserved.load(Ordering::Relaxed) / 2);
        if self.inserts_since_sweep.load(Ordering::Relaxed) < due
            || now < self.next_expiry.load(Ordering::SeqCst)
        {
            return;
        }
        let _guard = match self.sweep_lock.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        self.sweep(now);
    }

    /// The store is full: sweep expired records if any may have expired, else evict the oldest
    /// completed ones; then take a slot. `false` when every record is in flight.
    fn make_room(&self, now: u64) -> bool {
        let _guard = self
            .sweep_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Another claim may have made room while we waited for the lock.
        if self.reserve() {
            return true;
        }
        if now >= self.next_expiry.load(Ordering::SeqCst) {
            self.sweep(now);
            if self.reserve() {
                return true;
            }
        }
        if self.completed.load(Ordering::Relaxed) == 0 {
            return false;
        }
        self.evict_oldest_completed();
        self.reserve()
    }

    /// Remove the oldest completed records (earliest end of retention first): a batch of 1/64 of
    /// the capacity, so that the scan is paid once per many claims. The caller holds
    /// `sweep_lock`.
    fn evict_oldest_completed(&self) {
        let mut ends: Vec<u64> = self
            .records
            .iter()
            .filter_map(|r| match *r.value() {
                Record::Completed { expires } => Some(expires),
                Record::InFlight { .. } => None,
            })
            .collect();
        if ends.is_empty() {
            return;
        }
        let batch = (self.max_records / 64).clamp(1, ends.len());
        let (_, &mut threshold, _) = ends.select_nth_unstable(batch - 1);
        let mut removed = 0;
        self.records.retain(|_, record| match *record {
            Record::Completed { expires } if expires <= threshold && removed < batch => {
                removed += 1;
                false
            }
            _ => true,
        });
        self.completed.fetch_sub(removed, Ordering::Relaxed);
        self.reserved.fetch_sub(removed, Ordering::Relaxed);
        self.evicted.fetch_add(removed as u64, Ordering::Relaxed);
    }

    /// Whether a new key would be accepted now, making room as a claim would.
    fn has_room(&self) -> bool {
        if self.reserved.load(Ordering::Relaxed) < self.max_records
            || self.completed.load(Ordering::Relaxed) > 0
        {
            return true;
        }
        let now = self.now();
        if !self.make_room(now) {
            return false;
        }
        // Give the slot `make_room` took back: this was only a check.
        self.reserved.fetch_sub(1, Ordering::Relaxed);
        true
    }

    /// Remove every record expired at `now`. The caller holds `sweep_lock`.
    fn sweep(&self, now: u64) {
        // Reset first: records written while the sweep runs lower it again themselves.
        self.next_expiry.store(u64::MAX, Ordering::SeqCst);
        self.inserts_since_sweep.store(0, Ordering::Relaxed);
        let mut removed = 0;
        let mut removed_completed = 0;
        let mut earliest = u64::MAX;
        self.records.retain(|_, record| {
            let expires = record.expires();
            if expires <= now {
                removed += 1;
                removed_completed += usize::from(matches!(record, Record::Completed { .. }));
                false
            } else {
                earliest = earliest.min(expires);
                true
            }
        });
        self.reserved.fetch_sub(removed, Ordering::Relaxed);
        self.completed
            .fetch_sub(removed_completed, Ordering::Relaxed);
        self.next_expiry.fetch_min(earliest, Ordering::SeqCst);
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counts only: keys are message ids, which do not belong in logs.
        f.debug_struct("MemoryStore")
            .field("records", &self.len())
            .field("max_records", &self.max_records)
            .field("evicted", &self.evicted())
            .finish_non_exhaustive()
    }
}

impl IdempotencyStore for MemoryStore {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim> {
        Box::pin(async move { self.claim_now(key, lease) })
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        retention: Duration,
    ) -> StoreFuture<'a, Fenced> {
        Box::pin(async move { Ok(self.complete_now(key, token, retention)) })
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, Fenced> {
        Box::pin(async move { Ok(self.release_now(key, token)) })
    }

    fn renew<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, Fenced> {
        Box::pin(async move { Ok(self.renew_now(key, token, lease)) })
    }

    /// Unavailable ([`StoreError::Full`]) when every record is a claim in flight, so that no
    /// new delivery could be accepted.
    fn health(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            if self.has_room() {
                Ok(())
            } else {
                Err(StoreError::Full)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(60);

    async fn acquire(store: &MemoryStore, key: &str, lease: Duration) -> ClaimToken {
        match store.claim(key, lease).await.unwrap() {
            Claim::Acquired(token) => token,
            other => panic!("expected Acquired for {key}, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_store_with_capacity_takes_that_many_keys_without_growing() {
        let store = MemoryStore::with_capacity(20_000);
        let room = store.records.capacity();
        assert!(room >= 20_000, "{room}");
        for i in 0..20_000 {
            acquire(&store, &format!("k-{i}"), LEASE).await;
        }
        assert_eq!(store.len(), 20_000);
        assert_eq!(store.records.capacity(), room, "the map grew");
        // A store without it grows as keys arrive.
        let growing = MemoryStore::new();
        let before = growing.records.capacity();
        for i in 0..20_000 {
            acquire(&growing, &format!("k-{i}"), LEASE).await;
        }
        assert!(growing.records.capacity() > before);
    }

    #[test]
    fn record_stays_small() {
        assert_eq!(size_of::<Record>(), 32);
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_reports_time_left_on_the_lease() {
        let store = MemoryStore::new();
        acquire(&store, "k", LEASE).await;
        tokio::time::advance(Duration::from_secs(20)).await;
        assert_eq!(
            store.claim("k", LEASE).await.unwrap(),
            Claim::InFlight {
                retry_after: Some(Duration::from_secs(40))
            }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn full_store_rejects_new_keys_until_records_expire() {
        let store = MemoryStore::new().with_max_records(3);
        for key in ["a", "b", "c"] {
            acquire(&store, key, LEASE).await;
        }
        assert!(matches!(
            store.claim("d", LEASE).await,
            Err(StoreError::Full)
        ));
        // Keys already held still answer normally when full.
        assert!(matches!(
            store.claim("a", LEASE).await.unwrap(),
            Claim::InFlight { .. }
        ));

        tokio::time::advance(LEASE).await;
        acquire(&store, "d", LEASE).await;
        // The sweep before reporting Full removed all three expired leases.
        assert_eq!(store.len(), 1);
        acquire(&store, "e", LEASE).await;
        acquire(&store, "f", LEASE).await;
        assert!(matches!(
            store.claim("g", LEASE).await,
            Err(StoreError::Full)
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn full_store_evicts_the_oldest_completed_records_never_claims_in_flight() {
        let retention = Duration::from_secs(76 * 3600);
        let store = MemoryStore::new().with_max_records(3);
        // Two completed (oldest first), one in flight.
        for key in ["done-old", "done-new"] {
            let token = acquire(&store, key, LEASE).await;
            store.complete(key, &token, retention).await.unwrap();
            tokio::time::advance(Duration::from_secs(1)).await;
        }
        acquire(&store, "running", LEASE).await;
        assert!(store.health().await.is_ok());

        // Full, nothing expired: the oldest completed record makes room.
        acquire(&store, "new-1", LEASE).await;
        assert_eq!(store.evicted(), 1);
        assert_eq!(
            store.claim("done-new", LEASE).await.unwrap(),
            Claim::Completed
        );
        assert!(matches!(
            store.claim("running", LEASE).await.unwrap(),
            Claim::InFlight { .. }
        ));
        // Then the next oldest.
        acquire(&store, "new-2", LEASE).await;
        assert_eq!(store.evicted(), 2);
        assert_eq!(store.len(), 3);

        // Every record is in flight: refuse, never evict a claim, and say so in the health
        // check.
        assert!(matches!(
            store.claim("new-3", LEASE).await,
            Err(StoreError::Full)
        ));
        assert!(matches!(store.health().await, Err(StoreError::Full)));
        for key in ["running", "new-1", "new-2"] {
            let claim = store.claim(key, LEASE).await.unwrap();
            assert!(matches!(claim, Claim::InFlight { .. }), "{key}: {claim:?}");
        }
        // Once leases end the store is healthy again.
        tokio::time::advance(LEASE).await;
        assert!(store.health().await.is_ok());
        acquire(&store, "new-3", LEASE).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_store_at_capacity_keeps_accepting_a_steady_stream_of_deliveries() {
        // The defect: a million ids with a 76 h retention, then 503 for most new deliveries.
        // Scaled down: capacity 1,000, 5,000 deliveries, each completed, none refused.
        let retention = Duration::from_secs(76 * 3600);
        let store = MemoryStore::new().with_max_records(1_000);
        for i in 0..5_000 {
            let key = format!("msg_{i}");
            let token = acquire(&store, &key, LEASE).await;
            assert_eq!(
                store.complete(&key, &token, retention).await.unwrap(),
                Fenced::Applied
            );
            tokio::time::advance(Duration::from_millis(277)).await;
        }
        assert!(store.len() <= 1_000);
        assert_eq!(store.evicted(), 5_000 - store.len() as u64);
        // The newest records are the ones kept.
        assert_eq!(
            store.claim("msg_4999", LEASE).await.unwrap(),
            Claim::Completed
        );
        assert_eq!(
            store.claim("msg_4980", LEASE).await.unwrap(),
            Claim::Completed
        );
        assert!(store.health().await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn renew_extends_only_the_holders_live_lease() {
        let store = MemoryStore::new();
        let token = acquire(&store, "k", LEASE).await;
        tokio::time::advance(LEASE / 2).await;
        assert_eq!(
            store.renew("k", &token, LEASE).await.unwrap(),
            Fenced::Applied
        );
        tokio::time::advance(LEASE * 3 / 4).await;
        // Past the first lease's end, still held.
        assert!(matches!(
            store.claim("k", LEASE).await.unwrap(),
            Claim::InFlight { .. }
        ));
        let stranger = ClaimToken::generate();
        assert_eq!(
            store.renew("k", &stranger, LEASE).await.unwrap(),
            Fenced::Stale
        );
        tokio::time::advance(LEASE).await;
        assert_eq!(
            store.renew("k", &token, LEASE).await.unwrap(),
            Fenced::Stale
        );
        assert_eq!(
            store.renew("missing", &token, LEASE).await.unwrap(),
            Fenced::Stale
        );
    }

    #[tokio::test(start_paused = true)]
    async fn release_frees_a_slot_in_a_full_store() {
        let store = MemoryStore::new().with_max_records(1);
        let token = acquire(&store, "a", LEASE).await;
        assert_eq!(store.release("a", &token).await.unwrap(), Fenced::Applied);
        acquire(&store, "b", LEASE).await;
    }

    #[tokio::test(start_paused = true)]
    async fn zero_capacity_store_is_always_full() {
        let store = MemoryStore::new().with_max_records(0);
        assert!(matches!(
            store.claim("a", LEASE).await,
            Err(StoreError::Full)
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn expired_records_are_swept_as_new_keys_arrive() {
        let store = MemoryStore::new();
        for i in 0..SWEEP_EVERY {
            acquire(&store, &format!("old-{i}"), Duration::from_secs(1)).await;
        }
        tokio::time::advance(Duration::from_secs(2)).await;
        acquire(&store, "new", LEASE).await;
        assert_eq!(store.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_is_swept_before_it_expires() {
        let store = MemoryStore::new();
        for i in 0..=SWEEP_EVERY {
            acquire(&store, &format!("k-{i}"), LEASE).await;
        }
        assert_eq!(store.len(), SWEEP_EVERY + 1);
        assert_eq!(store.reserved.load(Ordering::Relaxed), SWEEP_EVERY + 1);
    }

    #[tokio::test(start_paused = true)]
    async fn complete_after_own_lease_expired_is_stale_even_if_unclaimed() {
        let store = MemoryStore::new();
        let token = acquire(&store, "k", LEASE).await;
        tokio::time::advance(LEASE).await;
        assert_eq!(
            store.complete("k", &token, LEASE).await.unwrap(),
            Fenced::Stale
        );
        assert_eq!(store.release("k", &token).await.unwrap(), Fenced::Stale);
        acquire(&store, "k", LEASE).await;
    }

    #[tokio::test(start_paused = true)]
    async fn huge_durations_saturate_instead_of_overflowing() {
        let store = MemoryStore::new();
        let token = acquire(&store, "k", Duration::MAX).await;
        store.complete("k", &token, Duration::MAX).await.unwrap();
        tokio::time::advance(Duration::from_secs(10 * 365 * 24 * 3600)).await;
        assert_eq!(store.claim("k", LEASE).await.unwrap(), Claim::Completed);
    }

    #[test]
    fn concurrent_claims_of_new_keys_have_one_winner_each() {
        let store = MemoryStore::new();
        let winners: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        let rt = tokio::runtime::Builder::new_current_thread()
                            .enable_time()
                            .build()
                            .unwrap();
                        (0..200)
                            .filter(|i| {
                                let key = format!("k-{i}");
                                matches!(
                                    rt.block_on(store.claim(&key, LEASE)).unwrap(),
                                    Claim::Acquired(_)
                                )
                            })
                            .count()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(winners, 200);
        assert_eq!(store.reserved.load(Ordering::Relaxed), 200);
    }

    #[test]
    fn debug_shows_counts_not_keys() {
        let store = MemoryStore::new();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(store.claim("secret-message-id", LEASE))
            .unwrap();
        let debug = format!("{store:?}");
        assert!(debug.contains("records: 1"), "{debug}");
        assert!(!debug.contains("secret-message-id"), "{debug}");
    }

    #[test]
    fn packed_token_keeps_all_128_bits() {
        let token = ClaimToken::generate();
        let hex: String = packed(&token).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, token.as_str());
    }
}
