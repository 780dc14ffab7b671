//! Storage: the [`Store`] trait and its two implementations, SQLite and PostgreSQL.
//!
//! The backend is chosen from the database URL when the program starts ([`connect`]); an unknown
//! scheme is refused rather than silently creating a SQLite file somewhere. Both implementations run
//! the same portable SQL (`$1` placeholders, text dates, JSON lists as text), written once in
//! `common.rs` and `workflow.rs` and instantiated per backend; the migrations differ only in column
//! types and live in `migrations/{sqlite,postgres}`. Never edit an applied migration: add a new one.
//!
//! Architecture invariant: every write method records its audit event(s) in the same transaction as
//! the change, and every versioned write checks the version it was based on (no lost updates).
//! Nothing is deleted in place; only sessions (not follow-up data) are removed on logout.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use uppfolj_domain::{
    Account, AuditEvent, Dataset, GoalRef, Level, ProcessFollowUp, RegionCode, RegionState, Role, RoundStatus, Slug,
    StateAction, SummarySection,
};

#[macro_use]
mod common;
#[macro_use]
mod workflow;
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
    pub years: Vec<(i32, RoundStatus)>,
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
    /// Something named does not exist; the message says what.
    #[error("{0}")]
    NotFound(String),
    /// The change was based on an old version: someone else changed it in between.
    #[error("någon annan har ändrat uppgiften sedan du hämtade den (nu version {current}); ingenting har skrivits")]
    Stale { current: i32 },
    /// Several cells were changed by someone else: (goal, current version) for each.
    #[error("någon annan har ändrat mål {} sedan du hämtade dem; ingenting har skrivits", .0.iter().map(|(g, _)| g.to_string()).collect::<Vec<_>>().join(", "))]
    StaleCells(Vec<(GoalRef, i32)>),
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

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: Option<RegionCode>,
    pub process: Option<Slug>,
    pub restricted_access: bool,
    pub password_hash: String,
}

#[derive(Clone, Debug)]
pub struct UserRecord {
    pub account: Account,
    pub password_hash: String,
    pub created_at: String,
}

#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub user_id: i64,
    pub auth_hash: String,
    pub expires_at: String,
}

/// A change to one cell: the new level and comment, and the version the change was based on.
#[derive(Clone, Debug)]
pub struct CellEdit {
    pub goal: GoalRef,
    pub level: Level,
    pub comment: String,
    pub expected_version: i32,
}

/// One goal × region cell of a round, with the versions edits must be based on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub goal: GoalRef,
    pub region: RegionCode,
    pub level: Level,
    pub comment: String,
    pub condensed: Option<String>,
    pub version: i32,
    pub condensed_version: i32,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionWork {
    pub region: RegionCode,
    pub state: RegionState,
    pub reason: Option<String>,
    pub version: i32,
    pub updated_at: Option<String>,
}

/// A round as it is being worked on: status, every region's state, every cell with its version.
#[derive(Clone, Debug)]
pub struct RoundWork {
    pub year: i32,
    pub status: RoundStatus,
    pub deadline: Option<Date>,
    /// The version of the introduction and summary text.
    pub narrative_version: i32,
    pub regions: Vec<RegionWork>,
    pub cells: Vec<Cell>,
    /// The RCC's comment per goal with its version (0: never written).
    pub rcc_comments: BTreeMap<GoalRef, (String, i32)>,
}

impl RoundWork {
    pub fn cell(&self, goal: GoalRef, region: &RegionCode) -> Option<&Cell> {
        self.cells.iter().find(|c| c.goal == goal && &c.region == region)
    }
    pub fn region(&self, region: &RegionCode) -> Option<&RegionWork> {
        self.regions.iter().find(|r| &r.region == region)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    pub id: i64,
    pub text: String,
    pub responsible: String,
    pub due: Option<Date>,
    pub status: String,
    pub version: i32,
}

/// A region's local action plan for one goal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionPlanEntry {
    pub goal: GoalRef,
    pub own_goal: String,
    pub current_state: String,
    /// 0 when nothing has been written yet.
    pub version: i32,
    pub activities: Vec<Activity>,
}

#[derive(Clone, Debug)]
pub struct ActivityInput {
    pub text: String,
    pub responsible: String,
    pub due: Option<Date>,
    pub status: String,
}

/// A figure found in a comment, and the RCC's decision: `confirm` names the indicator and period
/// the value is for; `None` rejects it.
#[derive(Clone, Debug)]
pub struct FigureInput {
    pub goal: GoalRef,
    /// Whose comment: a region code, or "RCC".
    pub author: String,
    pub scope: uppfolj_domain::Scope,
    pub value: f64,
    pub confirm: Option<(Slug, uppfolj_domain::Period)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FigureDecision {
    pub goal: GoalRef,
    pub author: String,
    /// Whom the figure is about, in the data file's notation.
    pub scope: String,
    pub value: f64,
    pub confirmed: bool,
    pub indicator: Option<String>,
    pub period: Option<String>,
    pub decided_by: String,
}

/// The statuses an activity can have.
pub const ACTIVITY_STATUSES: [(&str, &str); 4] =
    [("planerad", "Planerad"), ("pagar", "Pågår"), ("klar", "Klar"), ("struken", "Struken")];

// Write methods name everything they touch plus the version and the actor; a struct per call would
// only move the list elsewhere.
#[allow(clippy::too_many_arguments)]
#[async_trait]
pub trait Store: Send + Sync {
    fn backend(&self) -> Backend;

    /// Brings the schema up to date. Safe to run again.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// True when the database holds no plan.
    async fn is_empty(&self) -> Result<bool, StoreError>;

    /// Whether the database answers a read.
    async fn check_read(&self) -> Result<(), StoreError>;
    /// Whether the database takes a write: one row is updated and committed (`now`, as stored), so a
    /// read-only database or a full disk shows.
    async fn check_write(&self, now: &str) -> Result<(), StoreError>;

    /// Writes a whole plan in one transaction: all of it, or nothing. Every non-empty value is
    /// recorded as an audit event by `actor`, so that history and "as of" views start from it.
    async fn import(&self, data: &Dataset, actor: &Actor, progress: Progress<'_>) -> Result<(), StoreError>;

    async fn plans(&self) -> Result<Vec<PlanListing>, StoreError>;

    /// Everything stored under a plan, or `None` when there is no plan with that slug.
    async fn dataset(&self, slug: &str) -> Result<Option<Dataset>, StoreError>;

    /// The plan with one round's levels, comments, condensed comments, RCC comments and region states
    /// as they were at `at` (RFC 3339 timestamp as stored), rebuilt from the audit log.
    async fn dataset_as_of(&self, slug: &str, year: i32, at: &str) -> Result<Option<Dataset>, StoreError>;

    // Rounds.
    async fn open_round(&self, plan: &str, year: i32, deadline: Date, actor: &Actor) -> Result<(), StoreError>;
    /// Publishes (locks) or reopens a round. Publishing needs every region accepted unless
    /// `allow_incomplete`; reopening needs a reason.
    async fn set_round_status(
        &self,
        plan: &str,
        year: i32,
        status: RoundStatus,
        reason: Option<&str>,
        allow_incomplete: bool,
        actor: &Actor,
    ) -> Result<(), StoreError>;
    async fn round_work(&self, plan: &str, year: i32) -> Result<RoundWork, StoreError>;

    /// Changes a region's levels and comments for one or more goals, all or nothing. `by_region`: the
    /// region itself is editing, which is only possible while its answers are not submitted, and moves
    /// them to draft. Returns the new version of each cell, in the order given.
    async fn save_cells(
        &self,
        plan: &str,
        year: i32,
        region: &RegionCode,
        edits: &[CellEdit],
        by_region: bool,
        actor: &Actor,
    ) -> Result<Vec<i32>, StoreError>;
    /// Replaces the introduction and the RCC's summary sections (with their claims) of an open round.
    async fn save_narrative(
        &self,
        plan: &str,
        year: i32,
        introduction: &str,
        sections: &[SummarySection],
        expected_version: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
    /// Adds or changes indicator values, all or nothing; each change is an audit event. Returns
    /// (added, changed).
    async fn import_indicator_values(
        &self,
        plan: &str,
        inputs: &[uppfolj_domain::indicator_import::ValueInput],
        actor: &Actor,
    ) -> Result<(usize, usize), StoreError>;
    /// Each indicator's slug and the version of its definition, in the plan's order.
    async fn indicator_versions(&self, plan: &str) -> Result<Vec<(String, i32)>, StoreError>;
    /// Adds an indicator (`expected_version` `None`; a taken slug is a conflict) or changes the
    /// definition of one still at `expected_version` (otherwise `Stale`). Each changed field is an
    /// audit event. Returns the new version.
    async fn save_indicator(
        &self,
        plan: &str,
        def: &uppfolj_domain::indicator_def::Definition,
        expected_version: Option<i32>,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
    /// Removes an indicator that has no values and no decided figures; audited.
    async fn delete_indicator(
        &self,
        plan: &str,
        slug: &str,
        expected_version: i32,
        actor: &Actor,
    ) -> Result<(), StoreError>;
    /// Removes one value of an indicator; the audit event keeps the value.
    async fn delete_indicator_value(
        &self,
        plan: &str,
        slug: &str,
        scope: &uppfolj_domain::Scope,
        period: &uppfolj_domain::Period,
        actor: &Actor,
    ) -> Result<(), StoreError>;
    /// The recorded changes of one indicator, its definition and its values, oldest first.
    async fn indicator_history(&self, plan: &str, slug: &str) -> Result<Vec<AuditEvent>, StoreError>;
    /// The RCC's decisions on figures found in the comments of a round.
    async fn figure_decisions(&self, plan: &str, year: i32) -> Result<Vec<FigureDecision>, StoreError>;
    /// Confirms (adding the indicator value) or rejects a figure found in a comment. Each proposal is
    /// decided once.
    async fn decide_figure(&self, plan: &str, year: i32, input: &FigureInput, actor: &Actor) -> Result<(), StoreError>;
    /// The RCC's condensed version of a region's comment (`None` removes the condensing: the report
    /// uses the original again). The original is never changed.
    async fn save_condensed(
        &self,
        plan: &str,
        year: i32,
        goal: GoalRef,
        region: &RegionCode,
        text: Option<&str>,
        expected_version: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
    async fn save_rcc_comment(
        &self,
        plan: &str,
        year: i32,
        goal: GoalRef,
        text: &str,
        expected_version: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
    async fn change_region_state(
        &self,
        plan: &str,
        year: i32,
        region: &RegionCode,
        action: &StateAction,
        expected_version: Option<i32>,
        actor: &Actor,
    ) -> Result<RegionState, StoreError>;

    /// Audit events for one cell (level, comment, condensed), oldest first.
    async fn cell_history(
        &self,
        plan: &str,
        year: i32,
        goal: GoalRef,
        region: &RegionCode,
    ) -> Result<Vec<AuditEvent>, StoreError>;
    /// Every audit event of a round, oldest first.
    async fn round_history(&self, plan: &str, year: i32) -> Result<Vec<AuditEvent>, StoreError>;

    // Local action plans.
    async fn action_plan(&self, plan: &str, region: &RegionCode) -> Result<Vec<ActionPlanEntry>, StoreError>;
    async fn save_action_plan_entry(
        &self,
        plan: &str,
        region: &RegionCode,
        goal: GoalRef,
        own_goal: &str,
        current_state: &str,
        expected_version: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
    async fn add_activity(
        &self,
        plan: &str,
        region: &RegionCode,
        goal: GoalRef,
        input: &ActivityInput,
        actor: &Actor,
    ) -> Result<i64, StoreError>;
    /// Changes an activity of `region`'s plan; an activity of another region is "not found".
    async fn update_activity(
        &self,
        plan: &str,
        region: &RegionCode,
        id: i64,
        input: &ActivityInput,
        expected_version: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError>;

    // Care-process follow-ups.
    async fn process_followup_version(&self, plan: &str, year: i32, process: &str) -> Result<i32, StoreError>;
    /// Replaces the content of a process follow-up (not its signature). Refused when signed.
    async fn save_process_followup(
        &self,
        plan: &str,
        followup: &ProcessFollowUp,
        expected_version: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
    async fn sign_process_followup(
        &self,
        plan: &str,
        year: i32,
        process: &str,
        name: &str,
        on: Date,
        expected_version: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
    async fn reopen_process_followup(
        &self,
        plan: &str,
        year: i32,
        process: &str,
        reason: &str,
        actor: &Actor,
    ) -> Result<i32, StoreError>;

    // Accounts, sessions and API tokens.
    async fn create_user(&self, user: &NewUser, actor: &Actor) -> Result<i64, StoreError>;
    async fn users(&self) -> Result<Vec<UserRecord>, StoreError>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError>;
    async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>, StoreError>;
    async fn set_password(&self, user_id: i64, password_hash: &str, actor: &Actor) -> Result<(), StoreError>;
    async fn create_session(&self, token_hash: &str, session: &SessionRecord, now: &str) -> Result<(), StoreError>;
    /// A session that has not expired at `now`.
    async fn session(&self, token_hash: &str, now: &str) -> Result<Option<SessionRecord>, StoreError>;
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;
    async fn create_token(&self, user_id: i64, name: &str, token_hash: &str, actor: &Actor) -> Result<(), StoreError>;
    async fn user_by_token(&self, token_hash: &str) -> Result<Option<UserRecord>, StoreError>;

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
