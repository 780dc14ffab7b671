//! What changed, and a round as it was: the audit events per cell and per round, and the round
//! rebuilt from them as of a moment.

use sqlx::Row as _;
use time::OffsetDateTime;
use uppfolj_domain::ids::timestamp;
use uppfolj_domain::{AuditEvent, Dataset, GoalFollowUp, GoalRef, Level, RegionCode, RegionState, Slug};

use super::data_files::load_dataset;
use super::{DbRow, StoreImpl, corrupt, goal_db_id, region_db_id, round_ids, time_of, u32_of};
use crate::StoreError;

#[async_trait::async_trait]
impl crate::History for StoreImpl {
    async fn cell_history(
        &self,
        plan: &Slug,
        year: i32,
        goal: GoalRef,
        region: &RegionCode,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let pool = &self.pool;
        let mut conn = pool.acquire().await?;
        let ids = round_ids(&mut conn, plan, year).await?;
        let gid = goal_db_id(&mut conn, ids.plan_id, goal).await?;
        let rid = region_db_id(&mut conn, ids.plan_id, region).await?;
        sqlx::query(
            "SELECT at, actor, field, subject, old_value, new_value, reason FROM audit_events \
             WHERE round_id = $1 AND goal_id = $2 AND region_id = $3 ORDER BY id",
        )
        .bind(ids.round_id)
        .bind(gid)
        .bind(rid)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(event)
        .collect()
    }

    async fn round_history(&self, plan: &Slug, year: i32) -> Result<Vec<AuditEvent>, StoreError> {
        let pool = &self.pool;
        let mut conn = pool.acquire().await?;
        let ids = round_ids(&mut conn, plan, year).await?;
        sqlx::query(
            "SELECT at, actor, field, subject, old_value, new_value, reason FROM audit_events WHERE round_id = \
             $1 ORDER BY id",
        )
        .bind(ids.round_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(event)
        .collect()
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, year))]
    async fn dataset_as_of(&self, plan: &Slug, year: i32, at: OffsetDateTime) -> Result<Option<Dataset>, StoreError> {
        let pool = &self.pool;
        let Some(mut data) = load_dataset(pool, plan).await? else { return Ok(None) };
        let mut conn = pool.acquire().await?;
        let ids = round_ids(&mut conn, plan, year).await?;
        let Some(round) = data.rounds.iter_mut().find(|r| r.year == year) else { return Ok(Some(data)) };
        for f in &mut round.goals {
            *f = GoalFollowUp::empty(f.goal);
        }
        round.states.clear();
        let rows = sqlx::query(
            "SELECT e.field, e.new_value, a.number AS area_no, g.number AS goal_no, r.code FROM audit_events e \
             LEFT JOIN goals g ON g.id = e.goal_id LEFT JOIN areas a ON a.id = g.area_id \
             LEFT JOIN regions r ON r.id = e.region_id WHERE e.round_id = $1 AND e.at <= $2 ORDER BY e.id",
        )
        .bind(ids.round_id)
        .bind(timestamp(at))
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            let field: String = row.try_get("field")?;
            let new: Option<String> = row.try_get("new_value")?;
            let region = row
                .try_get::<Option<String>, _>("code")?
                .map(|c| RegionCode::parse(&c))
                .transpose()
                .map_err(corrupt)?;
            let goal = match (row.try_get::<Option<i32>, _>("area_no")?, row.try_get::<Option<i32>, _>("goal_no")?) {
                (Some(a), Some(g)) => Some(GoalRef::new(u32_of(a)?, u32_of(g)?)),
                _ => None,
            };
            let f = goal.and_then(|g| round.goals.iter_mut().find(|f| f.goal == g));
            match (field.as_str(), f, region) {
                ("level", Some(f), Some(r)) => {
                    match new.as_deref().map(Level::parse).transpose().map_err(corrupt)? {
                        Some(l) if !l.is_blank() => f.levels.insert(r, l),
                        _ => f.levels.remove(&r),
                    };
                }
                ("comment", Some(f), Some(r)) => {
                    match new {
                        Some(t) => f.comments.insert(r, t),
                        None => f.comments.remove(&r),
                    };
                }
                ("condensed", Some(f), Some(r)) => {
                    match new {
                        Some(t) => f.condensed.insert(r, t),
                        None => f.condensed.remove(&r),
                    };
                }
                ("rcc_comment", Some(f), None) => f.rcc_comment = new,
                ("region_state", None, Some(r)) => {
                    match new.as_deref().and_then(RegionState::parse) {
                        Some(s) if s != RegionState::NotStarted => round.states.insert(r, s),
                        _ => round.states.remove(&r),
                    };
                }
                _ => {}
            }
        }
        Ok(Some(data))
    }
}

/// An audit event from a row of `audit_events`.
pub(super) fn event(r: &DbRow) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        at: time_of(&r.try_get::<String, _>("at")?)?,
        actor: r.try_get("actor")?,
        field: r.try_get("field")?,
        subject: r.try_get("subject")?,
        old: r.try_get("old_value")?,
        new: r.try_get("new_value")?,
        reason: r.try_get("reason")?,
    })
}
