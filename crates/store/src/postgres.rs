//! The PostgreSQL backend: for a whole healthcare region or the nation.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;

use crate::{Backend, Store};

store_common!(sqlx::Postgres);

pub struct PgStore {
    pool: sqlx::PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let pool =
            PgPoolOptions::new().max_connections(10).acquire_timeout(Duration::from_secs(10)).connect(url).await?;
        Ok(PgStore { pool })
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/postgres").run(&self.pool).await?;
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
