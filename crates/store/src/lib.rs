//! Storage: the [`Store`] trait and its two implementations, SQLite and PostgreSQL.
//!
//! The backend is chosen from the database URL when the program starts ([`connect`]); an unknown
//! scheme is refused rather than silently creating a SQLite file somewhere. Both implementations run
//! the same portable SQL (`$1` placeholders, text dates, JSON lists as text), written once in
//! `common.rs` and instantiated per backend; the migrations differ only in column types and live in
//! `migrations/{sqlite,postgres}`. Never edit an applied migration: add a new one.

use std::sync::Arc;

use async_trait::async_trait;
use uppfolj_domain::Dataset;

#[macro_use]
mod common;
pub mod postgres;
pub mod sqlite;

/// Which database a store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A plan as listed on the start page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanListing {
    pub slug: String,
    pub title: String,
    pub healthcare_region: String,
    pub years: Vec<i32>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "databasadressen \"{0}\" stöds inte: använd sqlite://FIL (till exempel sqlite://uppfolj.db) eller postgres://ANVÄNDARE@VÄRD/DATABAS"
    )]
    UnknownScheme(String),
    #[error("planen \"{0}\" finns redan i databasen; ingenting har skrivits")]
    PlanExists(String),
    #[error("{0}; ingenting har skrivits")]
    Conflict(String),
    #[error("databasen innehåller data som inte går att läsa: {0}")]
    Corrupt(String),
    #[error("databasfel: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migreringen av databasen misslyckades: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Progress of a long operation: (done, total).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

#[async_trait]
pub trait Store: Send + Sync {
    fn backend(&self) -> Backend;

    /// Brings the schema up to date. Safe to run again.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// True when the database holds no plan.
    async fn is_empty(&self) -> Result<bool, StoreError>;

    /// Writes a whole plan in one transaction: all of it, or nothing.
    async fn import(&self, data: &Dataset, progress: Progress<'_>) -> Result<(), StoreError>;

    async fn plans(&self) -> Result<Vec<PlanListing>, StoreError>;

    /// Everything stored under a plan, or `None` when there is no plan with that slug.
    async fn dataset(&self, slug: &str) -> Result<Option<Dataset>, StoreError>;

    /// Closes the connections.
    async fn close(&self);
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
    async fn unknown_schemes_are_refused() {
        for url in ["mysql://localhost/x", "uppfolj.db", "", "http://example.org"] {
            assert!(matches!(connect(url).await, Err(StoreError::UnknownScheme(_))), "{url}");
        }
    }
}
