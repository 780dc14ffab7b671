//! Storage: the [`Store`] and its aggregates' traits, and their two implementations, SQLite and
//! PostgreSQL.
//!
//! The backend is chosen from the database URL when the program starts ([`connect`]); an unknown
//! scheme is refused rather than silently creating a SQLite file somewhere. Both backends run one
//! copy of portable SQL (`$1` placeholders, text dates, JSON lists as text), written as ordinary
//! code in `sql/` — one module per aggregate — which `sqlite.rs` and `postgres.rs` each mount for
//! their own sqlx database type. The migrations differ only in column types (the audit log keeps no
//! foreign keys on either: PostgreSQL's `0008`, SQLite's `0009`) and live in
//! `migrations/{sqlite,postgres}`. Never edit an applied migration: add a new one.
//!
//! Architecture invariant: every write records its audit event(s) in the same transaction as the
//! change, and every versioned write goes through `sql::versioned`, which changes the row only if
//! it still has the version the write was based on (no lost update, on either backend). Nothing is
//! deleted in place; only sessions (not follow-up data) are removed on logout.

use std::sync::Arc;

use time::OffsetDateTime;
use uppfolj_domain::{Account, GoalRef};

pub mod credentials;
pub mod postgres;
mod records;
pub mod sqlite;
mod traits;

pub use records::*;
pub use traits::*;

/// How many database connections a pool holds: four per processor core (a page's read waits for the
/// database about as long as it works), at least 8 and at most 32. On SQLite in WAL mode they all read
/// at once beside the one writer; on PostgreSQL the server's own limit (100 by default) is left room
/// for other clients.
pub fn pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map(std::num::NonZero::get).unwrap_or(2);
    u32::try_from(cores * 4).unwrap_or(32).clamp(8, 32)
}

/// Which database a store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "databasadressen \"{0}\" stöds inte: använd sqlite://FIL (till exempel sqlite://uppfolj.db) \
         eller postgres://ANVÄNDARE@VÄRD/DATABAS"
    )]
    UnknownScheme(String),
    #[error("planen \"{0}\" finns redan i databasen; ingenting har skrivits")]
    PlanExists(String),
    #[error("{0}; ingenting har skrivits")]
    Conflict(String),
    /// Something named does not exist; the message says what.
    #[error("{0}")]
    NotFound(String),
    /// The change was based on an old version: someone else changed it (each thing named, with its
    /// version now) in between.
    #[error("{}", stale_message(.0))]
    Stale(Vec<Changed>),
    /// The thing is locked: a published round, submitted answers, a signed follow-up.
    #[error("{0}")]
    Locked(String),
    /// The change is not valid; the message says why.
    #[error("{0}")]
    Invalid(String),
    #[error("databasen innehåller data som inte går att läsa: {0}")]
    Corrupt(String),
    /// The database is busy for a moment (another write holds the lock, the pool is exhausted, a
    /// deadlock was broken): the caller may try again.
    #[error("databasen är upptagen: {0}")]
    Busy(String),
    #[error("databasfel: {0}")]
    Database(sqlx::Error),
    #[error("migreringen av databasen misslyckades: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

fn stale_message(changed: &[Changed]) -> String {
    let goals: Vec<String> = changed.iter().filter_map(|c| c.goal.map(|g| g.to_string())).collect();
    match (goals.as_slice(), changed) {
        ([], [one]) => format!(
            "någon annan har ändrat uppgiften sedan du hämtade den (nu version {}); ingenting har skrivits",
            one.current
        ),
        ([], _) => "någon annan har ändrat uppgifterna sedan du hämtade dem; ingenting har skrivits".to_owned(),
        ([g], _) => format!("någon annan har ändrat mål {g} sedan du hämtade det; ingenting har skrivits"),
        (gs, _) => format!("någon annan har ändrat mål {} sedan du hämtade dem; ingenting har skrivits", gs.join(", ")),
    }
}

impl StoreError {
    /// Someone else changed the one thing a write was based on; it is at `current` now.
    pub fn stale(current: i32) -> StoreError {
        StoreError::Stale(vec![Changed { goal: None, current }])
    }

    /// The goals a refused write of cells was based on, with their versions now.
    pub fn stale_goals(&self) -> Vec<(GoalRef, i32)> {
        match self {
            StoreError::Stale(changed) => changed.iter().filter_map(|c| c.goal.map(|g| (g, c.current))).collect(),
            _ => Vec::new(),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        if is_busy(&e) { StoreError::Busy(e.to_string()) } else { StoreError::Database(e) }
    }
}

/// Whether an error means "busy, try again": SQLite's `SQLITE_BUSY`/`SQLITE_LOCKED` (and their
/// extended codes), PostgreSQL's serialization failure, deadlock, lock or statement timeout and
/// "too many connections", or no free connection in the pool in time.
fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // The extended result code; its low byte is the primary code.
                code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
            } else {
                matches!(code.as_str(), "40001" | "40P01" | "55P03" | "57014" | "53300")
            }
        }
        _ => false,
    }
}

/// Progress of a long operation: (done, total).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// Who makes a change, and when. The time comes from the caller: the store does not read the clock.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub at: OffsetDateTime,
}

impl Actor {
    pub fn user(account: &Account, at: OffsetDateTime) -> Actor {
        Actor { user_id: Some(account.id), name: account.display_name.clone(), at }
    }
    pub fn system(name: &str, at: OffsetDateTime) -> Actor {
        Actor { user_id: None, name: name.to_owned(), at }
    }
}

/// Opens the database at `url`: `sqlite://FILE` (created when missing) or `postgres://…`.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::connect(url).await?))
    } else {
        Err(StoreError::UnknownScheme(url.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_locked_database_is_busy_not_broken() {
        use sqlx::Connection;
        let path = std::env::temp_dir().join(format!("uppfolj-busy-{}.db", std::process::id()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut holder = sqlx::SqliteConnection::connect(&url).await.expect("connect");
        sqlx::query("CREATE TABLE IF NOT EXISTS t (x INTEGER)").execute(&mut holder).await.expect("table");
        sqlx::query("BEGIN IMMEDIATE").execute(&mut holder).await.expect("lock");
        let mut other = sqlx::SqliteConnection::connect(&url).await.expect("connect");
        sqlx::query("PRAGMA busy_timeout = 0").execute(&mut other).await.expect("pragma");
        let e = sqlx::query("INSERT INTO t (x) VALUES (1)").execute(&mut other).await.expect_err("locked");
        assert!(matches!(StoreError::from(e), StoreError::Busy(_)));
        let e = sqlx::query("SELECT * FROM missing").execute(&mut other).await.expect_err("no such table");
        assert!(matches!(StoreError::from(e), StoreError::Database(_)), "other errors stay what they are");
        assert!(matches!(StoreError::from(sqlx::Error::PoolTimedOut), StoreError::Busy(_)));
        drop(holder);
        let _ = std::fs::remove_file(&path);
    }

    #[tokio::test]
    async fn unknown_schemes_are_refused() {
        for url in ["mysql://localhost/x", "uppfolj.db", "", "http://example.org"] {
            assert!(matches!(connect(url).await, Err(StoreError::UnknownScheme(_))), "{url}");
        }
    }
}
