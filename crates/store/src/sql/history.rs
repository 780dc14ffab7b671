//! What changed, and a round as it was: the audit events per cell and per round, a page at a time,
//! and the round rebuilt from them as of a moment.

use sqlx::Row as _;
use time::OffsetDateTime;
use uppfolj_domain::ids::timestamp;
use uppfolj_domain::{AuditEvent, Dataset, GoalFollowUp, GoalRef, Level, RegionCode, RegionState, Slug};

use super::{
    Conn, Db, DbRow, StoreImpl, begin_read, corrupt, goal_db_id, reads, region_db_id, round_ids, time_of, u32_of,
};
use crate::{Page, Paged, Shape, StoreError};

#[async_trait::async_trait]
impl crate::History for StoreImpl {
    async fn cell_history(
        &self,
        plan: &Slug,
        year: i32,
        goal: GoalRef,
        region: &RegionCode,
        page: Page,
    ) -> Result<Paged<AuditEvent>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let ids = round_ids(&mut conn, plan, year).await?;
        let gid = goal_db_id(&mut conn, ids.plan_id, goal).await?;
        let rid = region_db_id(&mut conn, ids.plan_id, region).await?;
        let filter = |q: &mut sqlx::QueryBuilder<'_, Db>| {
            q.push("round_id = ").push_bind(ids.round_id);
            q.push(" AND goal_id = ").push_bind(gid).push(" AND region_id = ").push_bind(rid);
        };
        paged_events(&mut conn, filter, page).await
    }

    async fn round_history(&self, plan: &Slug, year: i32, page: Page) -> Result<Paged<AuditEvent>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let ids = round_ids(&mut conn, plan, year).await?;
        paged_events(&mut conn, |q| _ = q.push("round_id = ").push_bind(ids.round_id), page).await
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, year))]
    async fn dataset_as_of(
        &self,
        plan: &Slug,
        year: i32,
        at: OffsetDateTime,
        shape: &Shape,
    ) -> Result<Dataset, StoreError> {
        let mut tx = begin_read(&self.pool).await?;
        let mut data = reads::round(&mut tx, plan, year, shape).await?;
        let ids = round_ids(&mut tx, plan, year).await?;
        let rows = sqlx::query(
            "SELECT e.field, e.new_value, a.number AS area_no, g.number AS goal_no, r.code FROM audit_events e \
             LEFT JOIN goals g ON g.id = e.goal_id LEFT JOIN areas a ON a.id = g.area_id \
             LEFT JOIN regions r ON r.id = e.region_id WHERE e.round_id = $1 AND e.at <= $2 ORDER BY e.id",
        )
        .bind(ids.round_id)
        .bind(timestamp(at))
        .fetch_all(&mut *tx)
        .await?;
        super::wordings::apply(&mut tx, ids.plan_id, &mut data, &timestamp(at)).await?;
        tx.commit().await?;
        let Some(round) = data.rounds.iter_mut().find(|r| r.year == year) else { return Ok(data) };
        for f in &mut round.goals {
            *f = GoalFollowUp::empty(f.goal);
        }
        round.states.clear();
        for row in rows {
            let field: String = row.try_get("field")?;
            let new: Option<String> = row.try_get("new_value")?;
            let region = row
                .try_get::<Option<String>, _>("code")?
                .map(|c| RegionCode::parse(&c))
                .transpose()
                .map_err(corrupt)?;
            if let (Some(only), Some(r)) = (&shape.region, &region)
                && only != r
            {
                continue;
            }
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
        Ok(data)
    }
}

/// One page of the audit events `filter` (a condition on `audit_events`) picks, newest first, and
/// how many it picks in all.
pub(super) async fn paged_events(
    conn: &mut Conn,
    filter: impl Fn(&mut sqlx::QueryBuilder<'_, Db>),
    page: Page,
) -> Result<Paged<AuditEvent>, StoreError> {
    let mut q = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*) FROM audit_events WHERE ");
    filter(&mut q);
    let total: i64 = q.build_query_scalar().fetch_one(&mut *conn).await?;
    let mut q = sqlx::QueryBuilder::<Db>::new(
        "SELECT at, actor, field, subject, old_value, new_value, reason FROM audit_events WHERE ",
    );
    filter(&mut q);
    q.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(page.size)).push(" OFFSET ").push_bind(page.offset());
    let items = q.build().fetch_all(&mut *conn).await?.iter().map(event).collect::<Result<_, _>>()?;
    Ok(Paged { items, total: u64::try_from(total).unwrap_or(0), page })
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
