//! The store: SQLite through sqlx, one module per table. The queries use `$N` parameters,
//! `RETURNING` and `CASE` only, so that a PostgreSQL store could run them with its own
//! migration.
//!
//! Writes go through one connection (SQLite has one writer at a time; queueing in the pool is
//! cheaper than `SQLITE_BUSY` retries), reads through a small pool of their own. The file is
//! in WAL mode with `synchronous = NORMAL`: a committed transaction survives the process being
//! killed (`kill -9`); only a power cut can lose the last commits.
//!
//! Statements whose text depends on a batch's size (multi-row inserts and updates, `IN`
//! lists) are not kept prepared (`persistent(false)`): each size is a different statement, and
//! sqlx would keep up to 100 of them per connection, each holding its compiled program — memory
//! that grew over a long run for no gain, since the same size rarely comes back.

pub(crate) mod attempt_headers;
pub(crate) mod attempts;
pub(crate) mod deliveries;
pub(crate) mod legacy;
pub(crate) mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::Error;
use crate::config::DbLocation;

/// Bytes of the database file mapped into memory (file pages: the kernel's page cache, not
/// the heap; they count in RSS as `RssFile` while resident).
const MMAP_SIZE: u64 = 256 * 1024 * 1024;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The two pools over one database.
#[derive(Debug, Clone)]
pub(crate) struct Db {
    /// The single writing connection.
    pub(crate) writer: SqlitePool,
    /// Connections for reads (the writer itself for an in-memory database).
    pub(crate) reader: SqlitePool,
}

impl Db {
    /// Opens (creating if needed) and migrates the database, then releases every delivery a
    /// previous process held when it stopped, so that its attempt is made again.
    pub(crate) async fn open(location: &DbLocation) -> Result<Self, Error> {
        let db = match location {
            DbLocation::Memory => {
                let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
                // One connection that never closes: the database lives as long as it does.
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(options)
                    .await?;
                Self {
                    writer: pool.clone(),
                    reader: pool,
                }
            }
            DbLocation::File(path) => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    // Pages are read from the mapped file rather than copied by `pread` after
                    // every commit (each reader re-reads what the writer changed).
                    .pragma("mmap_size", MMAP_SIZE.to_string());
                let writer = SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(options.clone())
                    .await
                    .map_err(|e| Error::Store(format!("opening {}: {e}", path.display())))?;
                let reader = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options.read_only(true))
                    .await
                    .map_err(|e| Error::Store(format!("opening {}: {e}", path.display())))?;
                Self { writer, reader }
            }
        };
        MIGRATOR.run(&db.writer).await?;
        deliveries::release_all_claims(&db.writer).await?;
        legacy::release_all_claims(&db.writer).await?;
        Ok(db)
    }

    /// Closes both pools, so that every commit is on disk and the file can be reopened.
    pub(crate) async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// Whether the engine holds a claimed delivery whose attempt is not yet recorded. `settle`
/// needs it: between claiming a row and counting it in flight there is a moment when neither
/// the in-flight count nor the due rows show the attempt. (Kept here rather than in
/// `deliveries.rs`, which is being reworked in parallel.)
pub(crate) async fn new_claims_held(pool: &SqlitePool) -> Result<bool, sqlx::Error> {
    let held: i64 =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM deliveries WHERE claimed = 1)")
            .fetch_one(pool)
            .await?;
    Ok(held != 0)
}

/// The virtual clock's saved offset from real time, in milliseconds (0 when never advanced).
pub(crate) async fn clock_offset(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    let offset: Option<i64> =
        sqlx::query_scalar("SELECT offset_ms FROM emulator_clock WHERE id = 1")
            .fetch_optional(pool)
            .await?;
    Ok(offset.unwrap_or(0))
}

/// Saves the virtual clock's offset (it only grows: an older, smaller value never wins).
pub(crate) async fn save_clock_offset(
    pool: &SqlitePool,
    offset_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO emulator_clock (id, offset_ms) VALUES (1, $1) \
         ON CONFLICT (id) DO UPDATE SET offset_ms = MAX(offset_ms, excluded.offset_ms)",
    )
    .bind(offset_ms)
    .execute(pool)
    .await?;
    Ok(())
}
