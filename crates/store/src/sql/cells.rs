//! The cells of a round: a region's levels and comments, the RCC's condensed versions of them, and the
//! RCC's own comment per goal.

use std::collections::BTreeMap;

use sqlx::Row as _;
use uppfolj_domain::ids::timestamp;
use uppfolj_domain::input::TextKind;
use uppfolj_domain::{AuditField, GoalRef, RegionCode, RegionState, Slug};

use super::versioned::{self, Event, Versioned};
use super::{Conn, StoreImpl, corrupt, goal_db_id, goal_of, open_round_write, opt, region_db_id, stored};
use crate::{Actor, CellEdit, CondensedEdit, RccCommentEdit, StoreError};

#[async_trait::async_trait]
impl crate::Cells for StoreImpl {
    /// Every cell is written through the versioned protocol; if any was changed by someone else,
    /// nothing is written and every such goal is named.
    #[tracing::instrument(skip_all, fields(plan = %plan, year, region = %region, cells = edits.len()))]
    async fn save_cells(
        &self,
        plan: &Slug,
        year: i32,
        region: &RegionCode,
        edits: &[CellEdit],
        by_region: bool,
        actor: &Actor,
    ) -> Result<Vec<i32>, StoreError> {
        let edits = edits
            .iter()
            .map(|e| {
                let comment =
                    stored(TextKind::Comment, &e.comment, || format!("kommentaren till mål {} ({region})", e.goal))?;
                Ok(CellEdit { comment, ..e.clone() })
            })
            .collect::<Result<Vec<CellEdit>, StoreError>>()?;
        let (mut tx, ids) = open_round_write(&self.pool, plan, year).await?;
        let rid = region_db_id(&mut tx, ids.plan_id, region).await?;
        let region_row =
            sqlx::query("SELECT id, state, version FROM region_rounds WHERE round_id = $1 AND region_id = $2")
                .bind(ids.round_id)
                .bind(rid)
                .fetch_one(&mut *tx)
                .await?;
        let state_text: String = region_row.try_get("state")?;
        let state = RegionState::parse(&state_text).ok_or_else(|| corrupt(format!("status \"{state_text}\"")))?;
        if by_region && !state.open_for_region() {
            return Err(StoreError::Locked(format!(
                "{region}s svar för {year} är {} och kan inte ändras; RCC kan skicka tillbaka dem",
                state.label().to_lowercase()
            )));
        }
        let cells = region_cells(&mut tx, ids.round_id, rid).await?;
        let mut batch = versioned::Batch::default();
        let mut changed = false;
        for e in &edits {
            let cell = cells.get(&e.goal).ok_or_else(|| no_cell(e.goal, region, year))?;
            let (gid, old_level, old_comment) = (&cell.goal_id, &cell.level, &cell.comment);
            let key = [("id", cell.id)];
            let target = Versioned::row("assessments", &key).cell(e.goal);
            let new_level = e.level.to_string();
            let (set, events) = if *old_level == new_level && *old_comment == e.comment {
                (None, Vec::new())
            } else {
                changed = true;
                let mut set = target.update();
                set.push("level = ")
                    .push_bind(new_level.clone())
                    .push(", comment = ")
                    .push_bind(e.comment.clone())
                    .push(", updated_at = ")
                    .push_bind(timestamp(actor.at))
                    .push(", updated_by = ")
                    .push_bind(actor.name.clone());
                let event = |field: AuditField| {
                    Event::new(field, format!("{year} mål {}, {region}", e.goal))
                        .plan(ids.plan_id)
                        .round(ids.round_id)
                        .goal(*gid)
                        .region(Some(rid))
                };
                let mut events = Vec::new();
                if *old_level != new_level {
                    events.push(event(AuditField::Level).change(opt(old_level), opt(&new_level)));
                }
                if *old_comment != e.comment {
                    events.push(event(AuditField::Comment).change(opt(old_comment), opt(&e.comment)));
                }
                (Some(set), events)
            };
            batch.add(versioned::write(&mut tx, &target, e.expected_version, set, actor, &events).await)?;
        }
        let versions = batch.finish()?;
        if changed && by_region && state == RegionState::NotStarted {
            let key = [("id", region_row.try_get::<i64, _>("id")?)];
            let target = Versioned::row("region_rounds", &key);
            let mut set = target.update();
            set.push("state = ")
                .push_bind(RegionState::Draft.as_str())
                .push(", updated_at = ")
                .push_bind(timestamp(actor.at));
            let event = Event::new(AuditField::RegionState, format!("{year} {region}: status"))
                .plan(ids.plan_id)
                .round(ids.round_id)
                .region(Some(rid))
                .change(Some(RegionState::NotStarted.as_str()), Some(RegionState::Draft.as_str()));
            versioned::write(&mut tx, &target, region_row.try_get("version")?, Some(set), actor, &[event]).await?;
        }
        tx.commit().await?;
        Ok(versions)
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, year, region = %region, goals = edits.len()))]
    async fn save_condensed(
        &self,
        plan: &Slug,
        year: i32,
        region: &RegionCode,
        edits: &[CondensedEdit],
        actor: &Actor,
    ) -> Result<Vec<i32>, StoreError> {
        let edits = edits
            .iter()
            .map(|e| {
                let what = || format!("den kondenserade kommentaren till mål {} ({region})", e.goal);
                let text = e.text.as_deref().map(|t| stored(TextKind::Comment, t, what)).transpose()?;
                Ok(CondensedEdit { text: text.filter(|t| !t.is_empty()), ..e.clone() })
            })
            .collect::<Result<Vec<CondensedEdit>, StoreError>>()?;
        let (mut tx, ids) = open_round_write(&self.pool, plan, year).await?;
        let rid = region_db_id(&mut tx, ids.plan_id, region).await?;
        let cells = region_cells(&mut tx, ids.round_id, rid).await?;
        let mut batch = versioned::Batch::default();
        for e in &edits {
            let cell = cells.get(&e.goal).ok_or_else(|| no_cell(e.goal, region, year))?;
            let key = [("id", cell.id)];
            let target = Versioned::row("assessments", &key).by("condensed_version").cell(e.goal);
            let (set, events) = if cell.condensed == e.text {
                (None, Vec::new())
            } else {
                let mut set = target.update();
                set.push("condensed = ").push_bind(e.text.clone());
                let event = Event::new(AuditField::Condensed, format!("{year} mål {}, {region}", e.goal))
                    .plan(ids.plan_id)
                    .round(ids.round_id)
                    .goal(cell.goal_id)
                    .region(Some(rid))
                    .change(cell.condensed.as_deref(), e.text.as_deref());
                (Some(set), vec![event])
            };
            batch.add(versioned::write(&mut tx, &target, e.expected_version, set, actor, &events).await)?;
        }
        let versions = batch.finish()?;
        tx.commit().await?;
        Ok(versions)
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, year, goals = edits.len()))]
    async fn save_rcc_comments(
        &self,
        plan: &Slug,
        year: i32,
        edits: &[RccCommentEdit],
        actor: &Actor,
    ) -> Result<Vec<i32>, StoreError> {
        let edits = edits
            .iter()
            .map(|e| {
                let text = stored(TextKind::Comment, &e.text, || format!("RCC:s kommentar till mål {}", e.goal))?;
                Ok(RccCommentEdit { text, ..e.clone() })
            })
            .collect::<Result<Vec<RccCommentEdit>, StoreError>>()?;
        let (mut tx, ids) = open_round_write(&self.pool, plan, year).await?;
        let mut batch = versioned::Batch::default();
        for e in &edits {
            let gid = goal_db_id(&mut tx, ids.plan_id, e.goal).await?;
            // A goal without a comment has one at version 0 from here on, so that it is versioned too.
            sqlx::query(
                "INSERT INTO rcc_comments (round_id, goal_id, body, version) VALUES ($1, $2, '', 0) \
                 ON CONFLICT (round_id, goal_id) DO NOTHING",
            )
            .bind(ids.round_id)
            .bind(gid)
            .execute(&mut *tx)
            .await?;
            let row = sqlx::query("SELECT id, body FROM rcc_comments WHERE round_id = $1 AND goal_id = $2")
                .bind(ids.round_id)
                .bind(gid)
                .fetch_one(&mut *tx)
                .await?;
            let old: String = row.try_get("body")?;
            let key = [("id", row.try_get::<i64, _>("id")?)];
            let target = Versioned::row("rcc_comments", &key).cell(e.goal);
            let (set, events) = if old == e.text {
                (None, Vec::new())
            } else {
                let mut set = target.update();
                set.push("body = ").push_bind(e.text.clone());
                let event = Event::new(AuditField::RccComment, format!("{year} mål {}", e.goal))
                    .plan(ids.plan_id)
                    .round(ids.round_id)
                    .goal(gid)
                    .change(opt(&old), opt(&e.text));
                (Some(set), vec![event])
            };
            batch.add(versioned::write(&mut tx, &target, e.expected_version, set, actor, &events).await)?;
        }
        let versions = batch.finish()?;
        tx.commit().await?;
        Ok(versions)
    }
}

/// A cell of one region as a write needs it.
struct CellRow {
    id: i64,
    goal_id: i64,
    level: String,
    comment: String,
    condensed: Option<String>,
}

/// A region's cells of a round by goal, in one query.
async fn region_cells(
    conn: &mut Conn,
    round_id: i64,
    region_id: i64,
) -> Result<BTreeMap<GoalRef, CellRow>, StoreError> {
    let mut cells = BTreeMap::new();
    for r in sqlx::query(
        "SELECT s.id, s.goal_id, s.level, s.comment, s.condensed, a.number AS area_no, g.number AS goal_no \
         FROM assessments s JOIN goals g ON g.id = s.goal_id JOIN areas a ON a.id = g.area_id \
         WHERE s.round_id = $1 AND s.region_id = $2",
    )
    .bind(round_id)
    .bind(region_id)
    .fetch_all(&mut *conn)
    .await?
    {
        cells.insert(
            goal_of(&r)?,
            CellRow {
                id: r.try_get("id")?,
                goal_id: r.try_get("goal_id")?,
                level: r.try_get("level")?,
                comment: r.try_get("comment")?,
                condensed: r.try_get("condensed")?,
            },
        );
    }
    Ok(cells)
}

fn no_cell(goal: GoalRef, region: &RegionCode, year: i32) -> StoreError {
    StoreError::NotFound(format!("planen har inget mål {goal} med svar från {region} för {year}"))
}
