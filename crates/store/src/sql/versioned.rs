//! The write protocol every change follows: change the row only if it still has the version the
//! change was based on, check how many rows that changed, and record the audit events in the same
//! transaction. No other code compares versions or inserts audit events (the one set-based insert
//! of staged indicator values marks its plan as changed itself).

use super::bulk::{self, Rows};
use super::{Db, StoreError, Tx, timestamp};
use crate::{Actor, Changed};
use uppfolj_domain::{AuditField, GoalRef};

/// Rows per multi-row statement: below both backends' limits on bound values (SQLite 32 766,
/// PostgreSQL 65 535) for the widest table written this way (15 columns: 30 000 values), and large
/// enough that a national plan's import is a few dozen statements, not hundreds.
pub(super) const BATCH_ROWS: usize = 2000;

/// One audit event: what changed (the ids it belongs to, a field, a subject people read), from what
/// to what, and why.
#[derive(Clone, Debug, Default)]
pub(super) struct Event {
    pub(super) plan_id: Option<i64>,
    pub(super) round_id: Option<i64>,
    pub(super) goal_id: Option<i64>,
    pub(super) region_id: Option<i64>,
    /// The account the event is about.
    pub(super) account_id: Option<i64>,
    pub(super) field: Option<AuditField>,
    pub(super) subject: String,
    pub(super) old: Option<String>,
    pub(super) new: Option<String>,
    pub(super) reason: Option<String>,
}

impl Event {
    /// An event of `field` about `subject`.
    pub(super) fn new(field: AuditField, subject: impl Into<String>) -> Event {
        Event { field: Some(field), subject: subject.into(), ..Event::default() }
    }
    pub(super) fn plan(mut self, id: i64) -> Event {
        self.plan_id = Some(id);
        self
    }
    pub(super) fn round(mut self, id: i64) -> Event {
        self.round_id = Some(id);
        self
    }
    pub(super) fn goal(mut self, id: i64) -> Event {
        self.goal_id = Some(id);
        self
    }
    pub(super) fn region(mut self, id: Option<i64>) -> Event {
        self.region_id = id;
        self
    }
    pub(super) fn account(mut self, id: i64) -> Event {
        self.account_id = Some(id);
        self
    }
    /// Old and new value; an empty text is no value.
    pub(super) fn change(mut self, old: Option<&str>, new: Option<&str>) -> Event {
        self.old = old.filter(|s| !s.is_empty()).map(str::to_owned);
        self.new = new.filter(|s| !s.is_empty()).map(str::to_owned);
        self
    }
    pub(super) fn because(mut self, reason: Option<&str>) -> Event {
        self.reason = reason.map(str::to_owned);
        self
    }
}

/// Records audit events by `actor` in the caller's transaction, in one go (`bulk`), and
/// marks the round (or, for an event of no round, the plan) each belongs to as changed.
pub(super) async fn record(tx: &mut Tx<'_>, actor: &Actor, events: &[Event]) -> Result<(), StoreError> {
    for e in events {
        match (e.round_id, e.plan_id) {
            (Some(round), _) => tx.touch_round(round),
            (None, Some(plan)) => tx.touch_plan(plan),
            (None, None) => {}
        }
    }
    let at = timestamp(actor.at);
    let mut rows = Rows::new(
        "audit_events",
        &[
            "at",
            "actor_user_id",
            "actor",
            "plan_id",
            "round_id",
            "goal_id",
            "region_id",
            "account_id",
            "field",
            "subject",
            "old_value",
            "new_value",
            "reason",
        ],
    );
    for e in events {
        rows.push([
            at.as_str().into(),
            actor.user_id.into(),
            actor.name.as_str().into(),
            e.plan_id.into(),
            e.round_id.into(),
            e.goal_id.into(),
            e.region_id.into(),
            e.account_id.into(),
            e.field.map(AuditField::as_str).unwrap_or("").into(),
            e.subject.as_str().into(),
            e.old.as_deref().into(),
            e.new.as_deref().into(),
            e.reason.as_deref().into(),
        ]);
    }
    bulk::insert(tx, &rows).await
}

/// The one row a versioned write changes: in `table`, found by `key` (column, id), whose `column`
/// holds the version (`version`, or `narrative_version` …). `goal` names the cell in a refusal.
pub(super) struct Versioned<'k> {
    pub(super) table: &'static str,
    pub(super) key: &'k [(&'static str, i64)],
    pub(super) column: &'static str,
    pub(super) goal: Option<GoalRef>,
}

impl<'k> Versioned<'k> {
    /// A row of `table` by its `id`, versioned by `version`.
    pub(super) fn row(table: &'static str, key: &'k [(&'static str, i64)]) -> Versioned<'k> {
        Versioned { table, key, column: "version", goal: None }
    }

    pub(super) fn by(mut self, column: &'static str) -> Versioned<'k> {
        self.column = column;
        self
    }

    pub(super) fn cell(mut self, goal: GoalRef) -> Versioned<'k> {
        self.goal = Some(goal);
        self
    }

    /// `UPDATE <table> SET `: push the assignments (`"a = "`, a bind, `", b = "`, …) after it.
    pub(super) fn update<'q>(&self) -> sqlx::QueryBuilder<'q, Db> {
        sqlx::QueryBuilder::new(format!("UPDATE {} SET ", self.table))
    }

    fn push_key<'q>(&self, q: &mut sqlx::QueryBuilder<'q, Db>) {
        for (i, (column, id)) in self.key.iter().enumerate() {
            q.push(if i == 0 { " WHERE " } else { " AND " });
            q.push(*column).push(" = ").push_bind(*id);
        }
    }

    /// The version the row has now, for the refusal.
    async fn current(&self, tx: &mut Tx<'_>) -> Result<i32, StoreError> {
        let mut q = sqlx::QueryBuilder::<Db>::new(format!("SELECT {} FROM {}", self.column, self.table));
        self.push_key(&mut q);
        let current: Option<i32> = q.build_query_scalar().fetch_optional(&mut **tx).await?;
        current.ok_or_else(|| StoreError::NotFound(format!("raden i {} finns inte längre", self.table)))
    }

    fn stale(&self, current: i32) -> StoreError {
        StoreError::Stale(vec![Changed { goal: self.goal, current }])
    }
}

/// Writes a versioned row: `set` is `target.update()` with its assignments pushed, or `None` when
/// nothing changes (then the version is only checked). The row changes only if its version is still
/// `expected` — checked by the rows the statement changed, so that on PostgreSQL a second writer
/// that waited for the first's row lock finds the version moved on — and then the version moves on
/// and `events` are recorded, in the caller's transaction. Answers the new version, or `Stale`.
pub(super) async fn write<'q>(
    tx: &mut Tx<'_>,
    target: &Versioned<'_>,
    expected: i32,
    set: Option<sqlx::QueryBuilder<'q, Db>>,
    actor: &Actor,
    events: &[Event],
) -> Result<i32, StoreError> {
    let column = target.column;
    let (mut q, bumped) = match set {
        Some(mut q) => {
            q.push(format!(", {column} = {column} + 1"));
            (q, expected + 1)
        }
        None => (sqlx::QueryBuilder::new(format!("UPDATE {} SET {column} = {column}", target.table)), expected),
    };
    target.push_key(&mut q);
    q.push(format!(" AND {column} = ")).push_bind(expected);
    let changed = q.build().execute(&mut **tx).await?.rows_affected();
    if changed != 1 {
        return Err(target.stale(target.current(tx).await?));
    }
    record(tx, actor, events).await?;
    Ok(bumped)
}

/// Several versioned writes in one transaction: each one's new version, and every stale one named.
/// If any is stale, `finish` refuses them all (the caller's transaction is dropped, nothing kept).
#[derive(Default)]
pub(super) struct Batch {
    versions: Vec<i32>,
    stale: Vec<crate::Changed>,
}

impl Batch {
    /// Takes one write's outcome; an error other than `Stale` ends the batch at once.
    pub(super) fn add(&mut self, written: Result<i32, StoreError>) -> Result<(), StoreError> {
        match written {
            Ok(v) => self.versions.push(v),
            Err(StoreError::Stale(c)) => self.stale.extend(c),
            Err(other) => return Err(other),
        }
        Ok(())
    }

    /// The new versions in the order written, or `Stale` naming every write that was.
    pub(super) fn finish(self) -> Result<Vec<i32>, StoreError> {
        if self.stale.is_empty() { Ok(self.versions) } else { Err(StoreError::Stale(self.stale)) }
    }
}

/// Deletes a versioned row if it is still at `expected`, recording `events`; `Stale` otherwise.
pub(super) async fn delete(
    tx: &mut Tx<'_>,
    target: &Versioned<'_>,
    expected: i32,
    actor: &Actor,
    events: &[Event],
) -> Result<(), StoreError> {
    let mut q = sqlx::QueryBuilder::<Db>::new(format!("DELETE FROM {}", target.table));
    target.push_key(&mut q);
    q.push(format!(" AND {} = ", target.column)).push_bind(expected);
    if q.build().execute(&mut **tx).await?.rows_affected() != 1 {
        return Err(target.stale(target.current(tx).await?));
    }
    record(tx, actor, events).await
}
