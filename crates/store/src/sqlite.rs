//! The SQLite backend: the default for a single RCC. WAL journal, a busy timeout so that concurrent
//! writers wait instead of failing, foreign keys on.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::{Backend, Store};

store_common!(sqlx::Sqlite);

pub struct SqliteStore {
    pool: sqlx::SqlitePool,
}

impl SqliteStore {
    /// Opens (and creates when missing) the database file named by a `sqlite://FILE` URL.
    pub async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        Ok(SqliteStore { pool })
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/sqlite").run(&self.pool).await?;
        Ok(())
    }

    async fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(count_plans(&self.pool).await? == 0)
    }

    async fn import(&self, data: &Dataset, progress: Progress<'_>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        import_dataset(&mut tx, data, progress).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn plans(&self) -> Result<Vec<PlanListing>, StoreError> {
        list_plans(&self.pool).await
    }

    async fn dataset(&self, slug: &str) -> Result<Option<Dataset>, StoreError> {
        load_dataset(&self.pool, slug).await
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
