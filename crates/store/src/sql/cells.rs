//! The cells of a round: a region's levels and comments, the RCC's condensed versions of them, and the
//! RCC's own comment per goal.

use std::collections::BTreeMap;

use sqlx::Row as _;
use uppfolj_domain::ids::timestamp;
use uppfolj_domain::input::TextKind;
use uppfolj_domain::{AuditField, GoalRef, RegionCode, RegionState, Slug};

use super::versioned::{self, Event, Versioned};
use super::{StoreImpl, corrupt, goal_db_id, goal_of, open_round_write, opt, region_db_id, stored};
use crate::{Actor, CellEdit, StoreError};

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
        // The region's cells of the round, in one query: (goal id, row id, level, comment).
        let mut cells: BTreeMap<GoalRef, (i64, i64, String, String)> = BTreeMap::new();
        for r in sqlx::query(
            "SELECT s.id, s.goal_id, s.level, s.comment, a.number AS area_no, g.number AS goal_no FROM assessments s \
             JOIN goals g ON g.id = s.goal_id JOIN areas a ON a.id = g.area_id WHERE s.round_id = $1 AND \
             s.region_id = $2",
        )
        .bind(ids.round_id)
        .bind(rid)
        .fetch_all(&mut *tx)
        .await?
        {
            cells.insert(
                goal_of(&r)?,
                (r.try_get("goal_id")?, r.try_get("id")?, r.try_get("level")?, r.try_get("comment")?),
            );
        }
        let mut versions = Vec::new();
        let mut stale = Vec::new();
        let mut changed = false;
        for e in &edits {
            let Some((gid, id, old_level, old_comment)) = cells.get(&e.goal) else {
                // Names the goal the plan does not have.
                goal_db_id(&mut tx, ids.plan_id, e.goal).await?;
                return Err(corrupt(format!("mål {} saknar rad för {region} {year}", e.goal)));
            };
            let key = [("id", *id)];
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
            match versioned::write(&mut tx, &target, e.expected_version, set, actor, &events).await {
                Ok(v) => versions.push(v),
                Err(StoreError::Stale(c)) => stale.extend(c),
                Err(other) => return Err(other),
            }
        }
        if !stale.is_empty() {
            return Err(StoreError::Stale(stale));
        }
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

    #[tracing::instrument(skip_all, fields(plan = %plan, year, goal = %goal, region = %region))]
    async fn save_condensed(
        &self,
        plan: &Slug,
        year: i32,
        goal: GoalRef,
        region: &RegionCode,
        text: Option<&str>,
        expected: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError> {
        let text = text
            .map(|t| {
                stored(TextKind::Comment, t, || format!("den kondenserade kommentaren till mål {goal} ({region})"))
            })
            .transpose()?;
        let new = text.as_deref().filter(|t| !t.is_empty());
        let (mut tx, ids) = open_round_write(&self.pool, plan, year).await?;
        let gid = goal_db_id(&mut tx, ids.plan_id, goal).await?;
        let rid = region_db_id(&mut tx, ids.plan_id, region).await?;
        let row = sqlx::query(
            "SELECT id, condensed FROM assessments WHERE round_id = $1 AND goal_id = $2 AND region_id = $3",
        )
        .bind(ids.round_id)
        .bind(gid)
        .bind(rid)
        .fetch_one(&mut *tx)
        .await?;
        let old: Option<String> = row.try_get("condensed")?;
        let key = [("id", row.try_get::<i64, _>("id")?)];
        let target = Versioned::row("assessments", &key).by("condensed_version").cell(goal);
        let (set, events) = if old.as_deref() == new {
            (None, Vec::new())
        } else {
            let mut set = target.update();
            set.push("condensed = ").push_bind(new.map(str::to_owned));
            let event = Event::new(AuditField::Condensed, format!("{year} mål {goal}, {region}"))
                .plan(ids.plan_id)
                .round(ids.round_id)
                .goal(gid)
                .region(Some(rid))
                .change(old.as_deref(), new);
            (Some(set), vec![event])
        };
        let version = versioned::write(&mut tx, &target, expected, set, actor, &events).await?;
        tx.commit().await?;
        Ok(version)
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, year, goal = %goal))]
    async fn save_rcc_comment(
        &self,
        plan: &Slug,
        year: i32,
        goal: GoalRef,
        text: &str,
        expected: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError> {
        let text = stored(TextKind::Comment, text, || format!("RCC:s kommentar till mål {goal}"))?;
        let (mut tx, ids) = open_round_write(&self.pool, plan, year).await?;
        let gid = goal_db_id(&mut tx, ids.plan_id, goal).await?;
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
        let target = Versioned::row("rcc_comments", &key).cell(goal);
        let (set, events) = if old == text {
            (None, Vec::new())
        } else {
            let mut set = target.update();
            set.push("body = ").push_bind(text.clone());
            let event = Event::new(AuditField::RccComment, format!("{year} mål {goal}"))
                .plan(ids.plan_id)
                .round(ids.round_id)
                .goal(gid)
                .change(opt(&old), opt(&text));
            (Some(set), vec![event])
        };
        let version = versioned::write(&mut tx, &target, expected, set, actor, &events).await?;
        tx.commit().await?;
        Ok(version)
    }
}
