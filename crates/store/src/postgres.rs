//! The PostgreSQL backend: for a whole healthcare region or the nation. The SQL itself is the shared
//! `sql/` tree, mounted here for `sqlx::Postgres`. Transactions run at READ COMMITTED; versioned writes
//! are safe there because each one's `UPDATE … WHERE version = $n` is checked by the rows it changed
//! (a second writer waits for the first's row lock, then finds the version moved on).

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;

use crate::StoreError;

/// The sqlx database the shared SQL is compiled for here.
type Db = sqlx::Postgres;
/// The type the shared SQL implements the store's traits for.
type StoreImpl = PgStore;
const BACKEND: crate::Backend = crate::Backend::Postgres;

// The same SQL mounted once per backend, on purpose: see `sql/mod.rs`.
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod sql;

pub struct PgStore {
    pool: sqlx::PgPool,
}

async fn begin_transaction(pool: &sql::Pool) -> Result<sqlx::Transaction<'static, Db>, StoreError> {
    Ok(pool.begin().await?)
}

/// A read transaction: every statement of a shaped read sees the same moment (READ COMMITTED would give each statement its own).
async fn begin_read(pool: &sql::Pool) -> Result<sqlx::Transaction<'static, Db>, StoreError> {
    Ok(pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?)
}

/// A write transaction on a connection the caller holds (one that has staged data in a temporary table).
async fn begin_transaction_on(conn: &mut sql::Conn) -> Result<sqlx::Transaction<'_, Db>, StoreError> {
    Ok(sqlx::Connection::begin(conn).await?)
}

/// Sends `data` (rows in `COPY`'s text format) to a `COPY … FROM STDIN` `statement`; answers how
/// many rows it wrote. See `sql/bulk.rs`.
async fn copy_in(conn: &mut sql::Conn, statement: &str, data: &[u8]) -> Result<u64, StoreError> {
    let mut copy = conn.copy_in_raw(statement).await?;
    for chunk in data.chunks(1 << 20) {
        if let Err(e) = copy.send(chunk).await {
            let _ = copy.abort(e.to_string()).await;
            return Err(e.into());
        }
    }
    Ok(copy.finish().await?)
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(crate::pool_size())
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        Ok(PgStore { pool })
    }

    async fn run_migrations(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/postgres").run(&self.pool).await?;
        Ok(())
    }
}
