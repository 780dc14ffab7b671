//! The SQLite backend: the default for a single RCC. WAL journal, a busy timeout so that concurrent
//! writers wait instead of failing, foreign keys on, and write transactions that take the write lock
//! at `BEGIN IMMEDIATE` (a deferred transaction that reads first cannot upgrade under concurrency).
//! The SQL itself is the shared `sql/` tree, mounted here for `sqlx::Sqlite`.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::StoreError;

/// The sqlx database the shared SQL is compiled for here.
type Db = sqlx::Sqlite;
/// The type the shared SQL implements the store's traits for.
type StoreImpl = SqliteStore;
const BACKEND: crate::Backend = crate::Backend::Sqlite;

// The same SQL mounted once per backend, on purpose: see `sql/mod.rs`.
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod sql;

/// How long a write waits for another's lock (or a request for a free connection) before the user is
/// told the database is busy (`StoreError::Busy`, HTTP 503). Writes hold the lock for a fraction of
/// a second, imports included, so reaching this means something is wrong.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct SqliteStore {
    pool: sqlx::SqlitePool,
}

/// A write transaction: the write lock is taken at once, so writers queue instead of failing.
async fn begin_transaction(pool: &sql::Pool) -> Result<sqlx::Transaction<'static, Db>, StoreError> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// A read transaction: every statement of a shaped read sees the same moment (a deferred transaction's snapshot starts at its first read).
async fn begin_read(pool: &sql::Pool) -> Result<sqlx::Transaction<'static, Db>, StoreError> {
    Ok(pool.begin().await?)
}

/// A write transaction on a connection the caller holds (one that has staged data in a temporary table).
async fn begin_transaction_on(conn: &mut sql::Conn) -> Result<sqlx::Transaction<'_, Db>, StoreError> {
    Ok(sqlx::Connection::begin_with(conn, "BEGIN IMMEDIATE").await?)
}

/// SQLite has no `COPY`: `sql/bulk.rs` writes multi-row `INSERT`s here and never calls this.
async fn copy_in(_conn: &mut sql::Conn, statement: &str, _data: &[u8]) -> Result<u64, StoreError> {
    Err(StoreError::Corrupt(format!("SQLite kan inte {statement}")))
}

impl SqliteStore {
    /// Opens (and creates when missing) the database file named by a `sqlite://FILE` URL.
    pub async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(crate::pool_size())
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await?;
        Ok(SqliteStore { pool })
    }

    async fn run_migrations(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/sqlite").run(&self.pool).await?;
        Ok(())
    }
}
