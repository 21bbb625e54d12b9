//! [`RedisStore`]: a store every replica shares, in Redis (>= 7.0) or a Redis Cluster.

use std::{fmt, sync::LazyLock, time::Duration};

use redis::{
    Client, Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, Script, ServerErrorKind, Value,
    aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig},
};

use super::{Claim, ClaimToken, Fenced, IdempotencyStore, StoreError, StoreFuture};

mod link;
use link::{Decimal, Link, Target};

/// The value of a completed key. Tokens are 32 hex digits, so they never equal it.
const COMPLETED: &str = "done";
const DEFAULT_PREFIX: &str = "swh:";

/// A dead or unreachable Redis should cost a delivery about a second (then 503 and a retry from
/// the sender), not the sender's whole 15 s budget.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(1);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Reconnect attempts per failed connection, a few hundred milliseconds in all: a request that
/// arrives while Redis is down fails fast, and the next one tries again.
const RECONNECT_RETRIES: usize = 2;
const RECONNECT_MAX_DELAY: Duration = Duration::from_millis(500);

/// A Lua script the store runs with `EVALSHA`, and with `EVAL` (which also caches it) when
/// Redis does not have it (after a restart or `SCRIPT FLUSH`).
struct Lua {
    source: &'static str,
    hash: LazyLock<String>,
}

const COMPLETE_SOURCE: &str = r"if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
    return 1
end
return 0";

/// Mark the key completed for ARGV[3] ms, only while ARGV[1] holds its lease.
static COMPLETE: Lua = Lua {
    source: COMPLETE_SOURCE,
    hash: LazyLock::new(|| Script::new(COMPLETE_SOURCE).get_hash().to_owned()),
};

const RELEASE_SOURCE: &str = r"if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('DEL', KEYS[1])
    return 1
end
return 0";

/// Delete the key, only while ARGV[1] holds its lease.
static RELEASE: Lua = Lua {
    source: RELEASE_SOURCE,
    hash: LazyLock::new(|| Script::new(RELEASE_SOURCE).get_hash().to_owned()),
};

const RENEW_SOURCE: &str = r"if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
return 0";

/// Extend the lease to ARGV[2] ms, only while ARGV[1] holds it.
static RENEW: Lua = Lua {
    source: RENEW_SOURCE,
    hash: LazyLock::new(|| Script::new(RENEW_SOURCE).get_hash().to_owned()),
};

/// An [`IdempotencyStore`] in Redis, shared by every replica of a receiver.
///
/// Each operation is one round trip and atomic in Redis:
///
/// - `claim` is `SET key token NX PX lease GET` (Redis 7.0 or later): it takes a free key and
///   reports what held a taken one, and Redis expires the lease by itself if the process dies;
/// - `complete`, `release` and `renew` are Lua scripts that compare the token first (fencing), run with
///   `EVALSHA` (loading the script on first use).
///
/// A store [`open`](Self::open)ed on a `redis://` URL sends these commands on a pipelined
/// connection of its own: the commands of concurrent deliveries go out together in one write,
/// and each costs less to send and to read than through a general-purpose client (see
/// `BENCHMARKS.md`). Its timeouts are the store's (a second to connect, a
/// second for a reply); after an error it connects again on the next command. `rediss://` and
/// Unix-socket URLs, stores made with [`new`](Self::new) and clusters use the `redis` crate's
/// connection for them instead.
///
/// A completed key holds the value `"done"` for the retention period. Every operation touches a
/// single key, so the store works unchanged on a Redis Cluster (feature `redis-cluster`).
///
/// Keys are the layer's keys behind a prefix (`"swh:"` by default; see
/// [`with_prefix`](Self::with_prefix)), so that several applications can share one Redis.
///
/// Any Redis error, including a timeout, is [`StoreError::Unavailable`]; the layer then fails
/// closed with a 503 and the sender retries later. The connection reconnects by itself.
///
/// A claim whose answer is lost (a timeout, a broken connection, the future dropped) may
/// still run in Redis, for instance when a frozen Redis thaws; nobody holds its token, so the
/// store undoes it in the background (a fenced delete with that token, retried for about a
/// minute while Redis does not answer). Retries of that delivery are then answered 409 for a
/// moment after Redis answers again, not for a whole lease.
///
/// # What the guarantees need from Redis
///
/// - **Redis 7.0 or later** (`SET ... NX GET`); [`open`](Self::open) checks the server's version
///   and refuses older ones with a clear error.
/// - **Persistence**: exactly-once across a Redis restart holds only if Redis keeps what it
///   acknowledged. Run it with `appendonly yes` and `appendfsync everysec` (at most a second of
///   claims lost on a power cut) or `always`; without the append-only file, a `kill -9` of Redis
///   forgets every record since the last snapshot, and retries of those deliveries run again.
///   [`persistence_warning`](Self::persistence_warning) says when a server is not set up so.
///
/// The store is cheap to clone: clones share the connection.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use standard_webhooks_tower::store::{Claim, IdempotencyStore, RedisStore};
///
/// # async fn run() -> Result<(), standard_webhooks_tower::store::StoreError> {
/// let store = RedisStore::open("redis://127.0.0.1:6379").await?.with_prefix("billing:");
/// match store.claim("msg_1", Duration::from_secs(60)).await? {
///     Claim::Acquired(token) => {
///         // ... run the handler, then:
///         store.complete("msg_1", &token, Duration::from_secs(76 * 3600)).await?;
///     }
///     Claim::InFlight { .. } => { /* another replica is on it: 409 */ }
///     Claim::Completed => { /* a duplicate: 200 */ }
///     _ => {}
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: RedisConnection,
    prefix: String,
    /// The store's own pipelined connection for its commands (one server, `redis://` URLs,
    /// opened by [`open`](Self::open)); otherwise they go through `connection`.
    link: Option<Link>,
}

/// The store's connection to one Redis or a Redis Cluster: cheap to clone (clones share it),
/// reconnecting by itself, with the store's timeouts. [`RedisStore::connection`] hands it out
/// for other commands on the same Redis, so that an application need not open one more.
/// Use it through [`redis::aio::ConnectionLike`] (and so `redis::AsyncCommands`).
#[derive(Clone)]
#[non_exhaustive]
pub enum RedisConnection {
    /// One Redis server.
    Single(ConnectionManager),
    /// A Redis Cluster.
    #[cfg(feature = "redis-cluster")]
    Cluster(redis::cluster_async::ClusterConnection),
}

impl fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Single(_) => "RedisConnection::Single",
            #[cfg(feature = "redis-cluster")]
            Self::Cluster(_) => "RedisConnection::Cluster",
        })
    }
}

impl ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(c) => c.req_packed_command(cmd),
            #[cfg(feature = "redis-cluster")]
            Self::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(c) => c.req_packed_commands(pipeline, offset, count),
            #[cfg(feature = "redis-cluster")]
            Self::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(c) => c.get_db(),
            #[cfg(feature = "redis-cluster")]
            Self::Cluster(c) => c.get_db(),
        }
    }
}

impl RedisStore {
    /// A store over an existing connection manager, which brings its own reconnect policy and
    /// timeouts.
    #[must_use]
    pub fn new(connection: ConnectionManager) -> Self {
        Self::from_connection(RedisConnection::Single(connection))
    }

    /// Connect to the Redis at `url` (e.g. `redis://127.0.0.1:6379`, `rediss://` for TLS when
    /// the `redis` crate is built with TLS support).
    ///
    /// The connection reconnects by itself after Redis restarts. Connecting and each command
    /// time out after a second, so an unreachable Redis fails a delivery fast instead of
    /// holding it. For `redis://` URLs the store's own commands use a pipelined connection of
    /// their own (the user, password and database in the URL apply to it too); the version
    /// check, [`persistence_warning`](Self::persistence_warning) and
    /// [`connection`](Self::connection) use the `redis` crate's.
    ///
    /// The server's version is checked: Redis older than 7.0 cannot run the store's commands.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if the URL is invalid, Redis cannot be reached now, or it is
    /// older than 7.0. The message never includes the URL (it may hold a password).
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let client = Client::open(url).map_err(StoreError::unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECTION_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(RECONNECT_RETRIES)
            .set_max_delay(RECONNECT_MAX_DELAY);
        let target = Target::of(client.get_connection_info());
        let manager = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(StoreError::unavailable)?;
        let mut store = Self::new(manager);
        store.check_version().await?;
        store.link = target.map(Link::spawn);
        Ok(store)
    }

    /// `INFO server` and `INFO persistence` of the server (one node of a cluster).
    async fn info(&self, section: &str) -> Result<String, StoreError> {
        redis::cmd("INFO")
            .arg(section)
            .query_async::<String>(&mut self.connection.clone())
            .await
            .map_err(StoreError::unavailable)
    }

    async fn check_version(&self) -> Result<(), StoreError> {
        let info = self.info("server").await?;
        check_versions([(None, info.as_str())]).map(drop)
    }

    /// `INFO server` of every primary of the cluster, by node address (`host:port`), as the
    /// cluster's topology names them when the connection is made.
    #[cfg(feature = "redis-cluster")]
    async fn primaries_info(&self) -> Result<Vec<(String, String)>, StoreError> {
        use redis::cluster_routing::{MultipleNodeRoutingInfo, ResponsePolicy, RoutingInfo};
        let RedisConnection::Cluster(connection) = &self.connection else {
            return Err(StoreError::unavailable("not a cluster connection"));
        };
        let mut cmd = redis::cmd("INFO");
        cmd.arg("server");
        let reply = connection
            .clone()
            .route_command(
                cmd,
                RoutingInfo::MultiNode((
                    MultipleNodeRoutingInfo::AllMasters,
                    Some(ResponsePolicy::Special),
                )),
            )
            .await
            .map_err(StoreError::unavailable)?;
        // One entry per primary: its address and its answer.
        let by_node: std::collections::BTreeMap<String, String> =
            redis::from_redis_value(reply).map_err(StoreError::unavailable)?;
        Ok(by_node.into_iter().collect())
    }

    /// A sentence saying why the server's persistence settings do not make its records survive
    /// a restart (append-only file off, or `appendfsync no`), or `None` when they do or the
    /// server does not say.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if Redis cannot be reached.
    pub async fn persistence_warning(&self) -> Result<Option<String>, StoreError> {
        let info = self.info("persistence").await?;
        if info_field(&info, "aof_enabled") == Some("0") {
            return Ok(Some(
                "Redis runs without the append-only file (appendonly no): records acknowledged \
                 since its last snapshot are lost if it is killed, and retries of those \
                 deliveries run again. Set appendonly yes and appendfsync everysec (or always)."
                    .to_owned(),
            ));
        }
        let fsync = redis::cmd("CONFIG")
            .arg("GET")
            .arg("appendfsync")
            .query_async::<Vec<String>>(&mut self.connection.clone())
            .await
            // CONFIG may be disabled (managed Redis): then the server does not say.
            .unwrap_or_default();
        if fsync.get(1).map(String::as_str) == Some("no") {
            return Ok(Some(
                "Redis runs with appendfsync no: the operating system decides when records reach \
                 disk, so a power cut can lose acknowledged records. Set appendfsync everysec \
                 (or always)."
                    .to_owned(),
            ));
        }
        Ok(None)
    }

    /// A store over an existing Redis Cluster connection.
    #[cfg(feature = "redis-cluster")]
    #[must_use]
    pub fn cluster(connection: redis::cluster_async::ClusterConnection) -> Self {
        Self::from_connection(RedisConnection::Cluster(connection))
    }

    /// Connect to the Redis Cluster that `urls` (some or all of its nodes) belong to.
    ///
    /// Connecting and each command time out after a second (two in all, with retries after a
    /// redirection), so an unreachable cluster fails a delivery fast.
    ///
    /// The version of **every primary** the cluster names at connect time is checked (`INFO
    /// server` on each): a single primary older than 7.0 could not run the store's commands for
    /// its slots. Primaries added later (a reshard, a failover to an older replica) are not
    /// checked; their keys' commands fail with Redis's own error, answered 503.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if a URL is invalid, `urls` is empty, the cluster cannot be
    /// reached now, or a primary is older than 7.0 (the message names its `host:port`, never
    /// a URL's credentials).
    #[cfg(feature = "redis-cluster")]
    pub async fn open_cluster<S: AsRef<str>>(urls: &[S]) -> Result<Self, StoreError> {
        let client = redis::cluster::ClusterClient::builder(urls.iter().map(AsRef::as_ref))
            .connection_timeout(CONNECTION_TIMEOUT)
            .response_timeout(RESPONSE_TIMEOUT)
            .overall_response_timeout(Some(2 * RESPONSE_TIMEOUT))
            .build()
            .map_err(StoreError::unavailable)?;
        let connection = client
            .get_async_connection()
            .await
            .map_err(StoreError::unavailable)?;
        let store = Self::cluster(connection);
        let info = store.primaries_info().await?;
        check_versions(
            info.iter()
                .map(|(node, info)| (Some(node.as_str()), info.as_str())),
        )?;
        Ok(store)
    }

    fn from_connection(connection: RedisConnection) -> Self {
        Self {
            connection,
            prefix: DEFAULT_PREFIX.to_owned(),
            link: None,
        }
    }

    /// Put `prefix` in front of every key (default `"swh:"`), so that several applications can
    /// share one Redis. An empty prefix uses the layer's keys as they are.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The store's connection, for other commands on the same Redis (it is shared, not a new
    /// one).
    #[must_use]
    pub fn connection(&self) -> RedisConnection {
        self.connection.clone()
    }

    /// The key prefix.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, key: &str) -> String {
        let mut full = String::with_capacity(self.prefix.len() + key.len());
        full.push_str(&self.prefix);
        full.push_str(key);
        full
    }

    async fn claim_key(&self, key: &str, lease: Duration) -> Result<Claim, RedisError> {
        let token = ClaimToken::generate();
        let full = self.key(key);
        // If the answer is lost (a timeout, a broken connection, this future dropped), the SET
        // may still run, for instance when a frozen Redis thaws: the key would then stay
        // claimed by a token nobody holds for a whole lease. Nobody ever acts on this token, so
        // the claim is undone in the background (compare-and-delete: harmless if it never ran).
        let mut unanswered = Unanswered {
            store: self,
            key,
            token: &token,
            answered: false,
        };
        let lease = Decimal::new(millis(lease));
        let set: [&[u8]; 7] = [
            b"SET",
            full.as_bytes(),
            token.as_str().as_bytes(),
            b"NX",
            b"PX",
            lease.as_bytes(),
            b"GET",
        ];
        let previous = self.query(&set).await.and_then(|value| {
            redis::from_redis_value::<Option<Vec<u8>>>(value).map_err(RedisError::from)
        });
        // Answered, or never sent (no connection): nothing to undo.
        unanswered.answered = previous
            .as_ref()
            .err()
            .is_none_or(RedisError::is_connection_refusal);
        drop(unanswered);
        let previous = previous?;
        Ok(match previous {
            None => Claim::Acquired(token),
            Some(value) if value == COMPLETED.as_bytes() => Claim::Completed,
            // Another attempt's token. Its time left would cost a second round trip.
            Some(_) => Claim::InFlight { retry_after: None },
        })
    }

    /// One command, made of `args`: on the store's own connection when it has one, else on
    /// `connection` (a cluster routes it by its key). A server's error reply is an `Err`.
    async fn query(&self, args: &[&[u8]]) -> Result<Value, RedisError> {
        let value = match &self.link {
            Some(link) => link.query(args).await?,
            None => {
                let mut cmd = redis::cmd(&String::from_utf8_lossy(args[0]));
                for arg in &args[1..] {
                    cmd.arg(*arg);
                }
                cmd.query_async::<Value>(&mut self.connection.clone())
                    .await?
            }
        };
        value.extract_error()
    }

    /// Runs a fencing script on the prefixed `key` with `args` after it.
    async fn fenced(
        &self,
        lua: &'static Lua,
        key: &str,
        args: &[&[u8]],
    ) -> Result<Fenced, RedisError> {
        let full = self.key(key);
        let command = |name: &'static [u8], script: &'static str| {
            let mut command: Vec<&[u8]> = Vec::with_capacity(4 + args.len());
            command.extend([name, script.as_bytes(), b"1", full.as_bytes()]);
            command.extend_from_slice(args);
            command
        };
        let applied = match self.query(&command(b"EVALSHA", &lua.hash)).await {
            Err(e) if e.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
                self.query(&command(b"EVAL", lua.source)).await?
            }
            other => other?,
        };
        Ok(fenced_outcome(redis::from_redis_value(applied)?))
    }

    async fn complete_key(
        &self,
        key: &str,
        token: &ClaimToken,
        retention: Duration,
    ) -> Result<Fenced, RedisError> {
        let retention = Decimal::new(millis(retention));
        let args: [&[u8]; 3] = [
            token.as_str().as_bytes(),
            COMPLETED.as_bytes(),
            retention.as_bytes(),
        ];
        self.fenced(&COMPLETE, key, &args).await
    }

    async fn renew_key(
        &self,
        key: &str,
        token: &ClaimToken,
        lease: Duration,
    ) -> Result<Fenced, RedisError> {
        let lease = Decimal::new(millis(lease));
        let args: [&[u8]; 2] = [token.as_str().as_bytes(), lease.as_bytes()];
        self.fenced(&RENEW, key, &args).await
    }

    async fn release_key(&self, key: &str, token: &ClaimToken) -> Result<Fenced, RedisError> {
        self.fenced(&RELEASE, key, &[token.as_str().as_bytes()])
            .await
    }
}

/// A claim whose answer never came; dropping it undoes the claim in the background. Nothing
/// is copied unless it must be undone.
struct Unanswered<'a> {
    store: &'a RedisStore,
    /// The key without the store's prefix.
    key: &'a str,
    token: &'a ClaimToken,
    answered: bool,
}

/// Attempts to undo an unanswered claim while Redis does not answer, and the longest wait
/// between two: about a minute in all (0, 1, 2, then every 4 s), so that a freeze that long
/// leaves no ownerless claim behind; each attempt is one command.
const UNDO_ATTEMPTS: u32 = 16;
const UNDO_MAX_WAIT: Duration = Duration::from_secs(4);

impl Drop for Unanswered<'_> {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        // No runtime (the process is shutting down): the lease expires by itself.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let store = self.store.clone();
        let key = self.key.to_owned();
        let token = self.token.clone();
        runtime.spawn(async move {
            let mut not_ours = 0;
            for attempt in 0..UNDO_ATTEMPTS {
                if attempt > 0 {
                    let wait = Duration::from_secs(1 << (attempt - 1).min(2));
                    tokio::time::sleep(wait.min(UNDO_MAX_WAIT)).await;
                }
                match store.release_key(&key, &token).await {
                    Ok(Fenced::Applied) => {
                        crate::log_debug!(%key, "undid a claim whose answer was lost");
                        return;
                    }
                    // Redis answers and the key is not ours: the SET never ran, or has not yet
                    // (it may wait in another connection's buffer): look once more.
                    Ok(_) => {
                        not_ours += 1;
                        if not_ours == 2 {
                            return;
                        }
                    }
                    // Still unreachable: try again later.
                    Err(_) => {}
                }
            }
        });
    }
}

/// The value of `name` in the text of `INFO`.
fn info_field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k == name).then(|| v.trim())
    })
}

/// Refuses a server, or any of a cluster's primaries (named by address), older than 7.0, given
/// each one's `INFO server` text; how many reported their version. A server that hides its
/// version (a proxy, a compatible server) passes: its first command will say whether it works.
fn check_versions<'a>(
    nodes: impl IntoIterator<Item = (Option<&'a str>, &'a str)>,
) -> Result<usize, StoreError> {
    let mut checked = 0;
    let mut any = false;
    for (node, info) in nodes {
        any = true;
        let Some(version) = info_field(info, "redis_version") else {
            continue;
        };
        checked += 1;
        if !version_at_least(version, 7) {
            let on = node.map_or_else(String::new, |n| format!(" on cluster node {n}"));
            return Err(StoreError::unavailable(format!(
                "Redis {version}{on} is too old: the idempotency store needs Redis 7.0 or \
                 later (SET ... NX GET)"
            )));
        }
    }
    if any {
        Ok(checked)
    } else {
        Err(StoreError::unavailable(
            "the Redis Cluster named no primary node",
        ))
    }
}

/// Whether a `major.minor.patch` version is at least `major`.
fn version_at_least(version: &str, major: u32) -> bool {
    version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .is_some_and(|m| m >= major)
}

fn fenced_outcome(applied: i64) -> Fenced {
    if applied == 1 {
        Fenced::Applied
    } else {
        Fenced::Stale
    }
}

/// A `PX` argument: whole milliseconds rounded up, since Redis rejects 0, and capped far below
/// the point where Redis's `now + ms` would overflow and be rejected.
fn millis(d: Duration) -> u64 {
    const MAX: u64 = 1 << 52;
    let ms = d.as_millis() + u128::from(!d.subsec_nanos().is_multiple_of(1_000_000));
    u64::try_from(ms).unwrap_or(MAX).clamp(1, MAX)
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let connection = match self.connection {
            RedisConnection::Single(_) => "single",
            #[cfg(feature = "redis-cluster")]
            RedisConnection::Cluster(_) => "cluster",
        };
        f.debug_struct("RedisStore")
            .field("connection", &connection)
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl IdempotencyStore for RedisStore {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim> {
        Box::pin(async move {
            self.claim_key(key, lease)
                .await
                .map_err(StoreError::unavailable)
        })
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        retention: Duration,
    ) -> StoreFuture<'a, Fenced> {
        Box::pin(async move {
            self.complete_key(key, token, retention)
                .await
                .map_err(StoreError::unavailable)
        })
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, Fenced> {
        Box::pin(async move {
            self.release_key(key, token)
                .await
                .map_err(StoreError::unavailable)
        })
    }

    fn renew<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, Fenced> {
        Box::pin(async move {
            self.renew_key(key, token, lease)
                .await
                .map_err(StoreError::unavailable)
        })
    }

    /// `PING`.
    fn health(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.query(&[b"PING"])
                .await
                .map(drop)
                .map_err(StoreError::unavailable)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_milliseconds_round_up_and_stay_in_range() {
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_micros(1)), 1);
        assert_eq!(millis(Duration::from_millis(200)), 200);
        assert_eq!(millis(Duration::from_micros(200_001)), 201);
        assert_eq!(millis(Duration::MAX), 1 << 52);
        assert_eq!(Decimal::new(millis(Duration::ZERO)).as_bytes(), b"1");
        assert_eq!(
            Decimal::new(millis(Duration::from_millis(200))).as_bytes(),
            b"200"
        );
        assert_eq!(
            Decimal::new(millis(Duration::MAX)).as_bytes(),
            (1u64 << 52).to_string().as_bytes()
        );
    }

    #[test]
    fn versions_before_7_are_refused() {
        let info = "# Server\r\nredis_version:6.2.14\r\nredis_mode:standalone\r\n";
        assert_eq!(info_field(info, "redis_version"), Some("6.2.14"));
        assert!(!version_at_least("6.2.14", 7));
        assert!(version_at_least("7.0.0", 7));
        assert!(version_at_least("8.2.1", 7));
        assert!(!version_at_least("garbage", 7));
        assert_eq!(info_field(info, "missing"), None);
    }

    #[test]
    fn every_node_must_be_7_or_later() {
        let new = "# Server\r\nredis_version:7.0.15\r\n";
        let old = "# Server\r\nredis_version:6.2.14\r\n";
        assert_eq!(check_versions([(None, new)]).unwrap(), 1);
        let err = check_versions([(None, old)]).unwrap_err().to_string();
        assert!(err.contains("Redis 6.2.14 is too old"), "{err}");
        let nodes = [
            (Some("10.0.0.1:7000"), new),
            (Some("10.0.0.2:7000"), old),
            (Some("10.0.0.3:7000"), new),
        ];
        let err = check_versions(nodes).unwrap_err().to_string();
        assert!(
            err.contains("Redis 6.2.14 on cluster node 10.0.0.2:7000 is too old"),
            "{err}"
        );
        // A server that hides its version passes; no node at all does not.
        assert_eq!(check_versions([(None, "# Server\r\n")]).unwrap(), 0);
        assert!(check_versions(std::iter::empty()).is_err());
    }

    /// Against a real 3-primary cluster: `open_cluster` reads `INFO server` from each primary,
    /// and the same answers with one primary's version made 6.2 are refused, naming it.
    #[cfg(feature = "redis-cluster")]
    #[tokio::test]
    async fn cluster_versions_are_read_from_every_primary() {
        let cluster = test_support::RedisCluster::start();
        let store = RedisStore::open_cluster(&cluster.urls()).await.unwrap();
        let info = store.primaries_info().await.unwrap();
        let mut ports: Vec<u16> = info
            .iter()
            .map(|(node, _)| node.rsplit(':').next().unwrap().parse().unwrap())
            .collect();
        ports.sort_unstable();
        let mut expected = cluster.ports();
        expected.sort_unstable();
        assert_eq!(ports, expected);
        let nodes = || {
            info.iter()
                .map(|(node, text)| (Some(node.as_str()), text.as_str()))
        };
        assert_eq!(check_versions(nodes()).unwrap(), 3);

        let (old_node, old_text) = &info[1];
        let version = info_field(old_text, "redis_version").unwrap();
        let downgraded =
            old_text.replace(&format!("redis_version:{version}"), "redis_version:6.2.14");
        let err = check_versions(
            nodes()
                .enumerate()
                .map(|(i, (node, text))| (node, if i == 1 { downgraded.as_str() } else { text })),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(&format!(
                "Redis 6.2.14 on cluster node {old_node} is too old"
            )),
            "{err}"
        );
    }

    #[test]
    fn completion_marker_cannot_be_a_token() {
        assert_ne!(ClaimToken::generate().as_str(), COMPLETED);
        assert_ne!(COMPLETED.len(), 32);
    }
}
