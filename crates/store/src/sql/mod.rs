//! The SQL both backends run, as ordinary code that rustfmt and clippy see. `sqlite.rs` and
//! `postgres.rs` each mount this tree (`#[path = "sql/mod.rs"] mod sql;`) after naming their sqlx
//! database (`Db`), their store type (`StoreImpl`) and how they begin a write transaction, so every
//! function here is compiled once per backend against that backend's concrete types.
//!
//! Why this form: one copy of the SQL, with the plain types of each backend (no generic sqlx bounds
//! in every signature, and no `Any` driver that cannot carry booleans or 64-bit ids), and without
//! macro text that the tools skip. The price is that each function is compiled twice.
//!
//! One module per aggregate, each implementing its trait from `traits.rs`; `versioned.rs` holds the
//! one way a versioned thing is written and an audit event recorded.

use sqlx::Row as _;
use uppfolj_domain::ids::{parse_date, parse_timestamp, timestamp};
use uppfolj_domain::input::TextKind;
use uppfolj_domain::{GoalRef, RegionCode, RoundStatus, Slug};

use super::{BACKEND, Db, StoreImpl};
use crate::StoreError;

mod accounts;
mod action_plans;
mod backup;
mod bulk;
mod cells;
mod data_files;
mod drafts;
mod editions;
mod history;
mod indicators;
mod lineage;
mod narrative;
mod outbox;
mod process_followups;
mod reads;
mod rounds;
mod series;
mod sessions;
mod versioned;
mod wordings;

pub(super) type Pool = sqlx::Pool<Db>;
pub(super) type Conn = <Db as sqlx::Database>::Connection;
type DbRow = <Db as sqlx::Database>::Row;

/// A write transaction. Every audit event recorded in it ([`versioned::record`]) marks the round or
/// the plan it belongs to as changed, and [`Tx::commit`] moves their revisions on as the last
/// statements before the commit, so that a page cached under a revision never outlives a change and
/// a change cannot be committed without moving it. Rounds before plans, each in id order: writers
/// that wait for one another's revision rows always wait in the same order, and none waits for
/// anything else after taking one (no deadlock on PostgreSQL).
pub(super) struct Tx<'a> {
    inner: sqlx::Transaction<'a, Db>,
    rounds: std::collections::BTreeSet<i64>,
    plans: std::collections::BTreeSet<i64>,
}

impl<'a> Tx<'a> {
    fn new(inner: sqlx::Transaction<'a, Db>) -> Tx<'a> {
        Tx { inner, rounds: Default::default(), plans: Default::default() }
    }

    /// Marks a round as changed by this transaction.
    pub(super) fn touch_round(&mut self, id: i64) {
        self.rounds.insert(id);
    }

    /// Marks a plan as changed by this transaction (a change not of one round's content).
    pub(super) fn touch_plan(&mut self, id: i64) {
        self.plans.insert(id);
    }

    /// Moves the revisions of what was changed on, and commits.
    pub(super) async fn commit(mut self) -> Result<(), StoreError> {
        for id in std::mem::take(&mut self.rounds) {
            sqlx::query("UPDATE rounds SET revision = revision + 1 WHERE id = $1").bind(id).execute(&mut *self).await?;
        }
        for id in std::mem::take(&mut self.plans) {
            sqlx::query("UPDATE plans SET revision = revision + 1 WHERE id = $1").bind(id).execute(&mut *self).await?;
        }
        self.inner.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.inner
    }
}

/// A write transaction (on SQLite holding the write lock from the start).
async fn begin_write(pool: &Pool) -> Result<Tx<'static>, StoreError> {
    Ok(Tx::new(super::begin_transaction(pool).await?))
}

/// A write transaction on a connection the caller holds (one that has staged data in a temporary table).
async fn begin_write_on(conn: &mut Conn) -> Result<Tx<'_>, StoreError> {
    Ok(Tx::new(super::begin_transaction_on(conn).await?))
}

/// A read transaction: every statement of a read sees the same moment.
async fn begin_read(pool: &Pool) -> Result<sqlx::Transaction<'static, Db>, StoreError> {
    super::begin_read(pool).await
}

#[async_trait::async_trait]
impl crate::Store for StoreImpl {
    fn backend(&self) -> crate::Backend {
        BACKEND
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        self.run_migrations().await
    }

    async fn check_read(&self) -> Result<(), StoreError> {
        let _: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM plans").fetch_one(&self.pool).await?;
        Ok(())
    }

    async fn check_write(&self, now: time::OffsetDateTime) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("UPDATE health_checks SET checked_at = $1 WHERE id = 1")
            .bind(timestamp(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

/// A text as it may be stored (the rules of `uppfolj_domain::input`: control characters removed,
/// bidi overrides and overlong texts refused), or `Invalid` naming `what`. Every write of free text
/// passes through here, whatever the edge that sent it already checked.
fn stored(kind: TextKind, text: &str, what: impl FnOnce() -> String) -> Result<String, StoreError> {
    uppfolj_domain::input::clean(kind, text).map_err(|e| StoreError::Invalid(format!("{}: {e}", what())))
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".to_owned())
}

fn from_json_list(s: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(s).map_err(|e| corrupt(format!("lista \"{s}\": {e}")))
}

fn num(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn pos(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn u32_of(n: i32) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| corrupt(format!("nummer {n}")))
}

fn date_of(s: &str) -> Result<time::Date, StoreError> {
    parse_date(s).map_err(corrupt)
}

fn time_of(s: &str) -> Result<time::OffsetDateTime, StoreError> {
    parse_timestamp(s).map_err(corrupt)
}

fn opt(s: &str) -> Option<&str> {
    if s.is_empty() { None } else { Some(s) }
}

/// A goal as the report numbers it, from a row's `area_no` and `goal_no`.
/// A goal link's kind from a row's `link` column.
fn link_of(r: &DbRow) -> Result<uppfolj_domain::Link, StoreError> {
    let word: String = r.try_get("link")?;
    uppfolj_domain::Link::parse(&word).ok_or_else(|| corrupt(format!("länk \"{word}\"")))
}

/// A plan's status as stored.
fn plan_status(s: &str) -> Result<uppfolj_domain::PlanStatus, StoreError> {
    uppfolj_domain::PlanStatus::parse(s).ok_or_else(|| corrupt(format!("planstatus \"{s}\"")))
}

pub(super) fn goal_of(r: &DbRow) -> Result<GoalRef, StoreError> {
    Ok(GoalRef::new(u32_of(r.try_get("area_no")?)?, u32_of(r.try_get("goal_no")?)?))
}

/// A region code from a row's column.
fn region_of(r: &DbRow, column: &str) -> Result<RegionCode, StoreError> {
    RegionCode::parse(&r.try_get::<String, _>(column)?).map_err(corrupt)
}

/// The ids of a plan and its healthcare region.
async fn plan_ids(conn: &mut Conn, plan: &Slug) -> Result<(i64, i64), StoreError> {
    let row = sqlx::query("SELECT id, healthcare_region_id FROM plans WHERE slug = $1")
        .bind(plan.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("det finns ingen plan \"{plan}\"")))?;
    Ok((row.try_get("id")?, row.try_get("healthcare_region_id")?))
}

struct RoundIds {
    plan_id: i64,
    round_id: i64,
    status: RoundStatus,
}

async fn round_ids(conn: &mut Conn, plan: &Slug, year: i32) -> Result<RoundIds, StoreError> {
    let (plan_id, _) = plan_ids(conn, plan).await?;
    let row = sqlx::query("SELECT id, status FROM rounds WHERE plan_id = $1 AND year = $2")
        .bind(plan_id)
        .bind(year)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("planen \"{plan}\" har ingen uppföljning för {year}")))?;
    let status: String = row.try_get("status")?;
    Ok(RoundIds {
        plan_id,
        round_id: row.try_get("id")?,
        status: RoundStatus::parse(&status).ok_or_else(|| corrupt(format!("status \"{status}\"")))?,
    })
}

async fn goal_db_id(conn: &mut Conn, plan_id: i64, goal: GoalRef) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "SELECT g.id FROM goals g JOIN areas a ON a.id = g.area_id WHERE a.plan_id = $1 AND a.number = $2 \
         AND g.number = $3",
    )
    .bind(plan_id)
    .bind(num(goal.area))
    .bind(num(goal.goal))
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("planen har inget mål {goal}")))
}

async fn region_db_id(conn: &mut Conn, plan_id: i64, region: &RegionCode) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "SELECT r.id FROM regions r JOIN plans p ON p.healthcare_region_id = r.healthcare_region_id \
         WHERE p.id = $1 AND r.code = $2",
    )
    .bind(plan_id)
    .bind(region.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("sjukvårdsregionen har ingen region \"{region}\"")))
}

/// A write transaction on a round that is open; a published round is locked.
async fn open_round_write(pool: &Pool, plan: &Slug, year: i32) -> Result<(Tx<'static>, RoundIds), StoreError> {
    let mut tx = begin_write(pool).await?;
    let ids = round_ids(&mut tx, plan, year).await?;
    if ids.status == RoundStatus::Published {
        return Err(locked_round(year));
    }
    Ok((tx, ids))
}

fn locked_round(year: i32) -> StoreError {
    StoreError::Locked(format!("uppföljningen {year} är publicerad och låst; RCC kan öppna den igen med ett skäl"))
}
