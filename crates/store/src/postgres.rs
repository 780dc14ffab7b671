//! The PostgreSQL backend: for a whole healthcare region or the nation.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;

use crate::Backend;

store_common!(sqlx::Postgres);
store_workflow!(sqlx::Postgres);
store_impl!(PgStore);

const BACKEND: Backend = Backend::Postgres;

pub struct PgStore {
    pool: sqlx::PgPool,
}

async fn begin_write(pool: &Pool) -> Result<Tx<'static>, StoreError> {
    Ok(pool.begin().await?)
}

/// A write transaction on a connection the caller holds (one that has staged data in a temporary table).
async fn begin_write_on(conn: &mut Conn) -> Result<Tx<'_>, StoreError> {
    Ok(sqlx::Connection::begin(conn).await?)
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let pool =
            PgPoolOptions::new().max_connections(10).acquire_timeout(Duration::from_secs(10)).connect(url).await?;
        Ok(PgStore { pool })
    }

    async fn run_migrations(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/postgres").run(&self.pool).await?;
        Ok(())
    }
}
