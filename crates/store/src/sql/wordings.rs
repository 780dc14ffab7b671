//! An adopted plan's goals after adoption: a wording corrected with a reason, and a goal retired
//! from a year. The goal row keeps the current wording and its version; every wording it had before
//! is kept in `goal_wordings` with the moment it was replaced. A round shows each goal as it read
//! when the round was published (an open round: as it reads now), and a round read "as of" a
//! moment as it read then ([`apply`]).

use std::collections::BTreeMap;

use sqlx::Row as _;
use uppfolj_domain::input::TextKind;
use uppfolj_domain::{AuditField, Dataset, GoalRef, PlanStatus, Slug};

use super::versioned::{self, Event, Versioned};
use super::{Conn, StoreImpl, begin_write, from_json_list, goal_db_id, goal_of, json_list, plan_status, stored};
use crate::{Actor, EarlierWording, GoalWordingHistory, StoreError};

/// A goal's wording as it was up to a moment.
struct Wording {
    text: String,
    targets: Vec<String>,
}

/// The moment a published round was published (the last time it was): its goals read as they did
/// then. A round published by an import has no such event and reads as before every correction.
pub(super) async fn published_at(conn: &mut Conn, round_id: i64) -> Result<String, StoreError> {
    let at: Option<String> = sqlx::query_scalar(
        "SELECT MAX(at) FROM audit_events WHERE round_id = $1 AND field = 'round_status' AND new_value = 'published'",
    )
    .bind(round_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(at.unwrap_or_default())
}

/// Gives the goals of `data` (a plan of id `plan_id` and the rounds read with it) the wording they
/// had at `at` (a stored timestamp): for each goal corrected since, the wording it had before the
/// first correction after `at`. One read, by the plan's goals; nothing when none was corrected.
pub(super) async fn apply(conn: &mut Conn, plan_id: i64, data: &mut Dataset, at: &str) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT a.number AS area_no, g.number AS goal_no, w.text, w.targets FROM goal_wordings w \
         JOIN goals g ON g.id = w.goal_id JOIN areas a ON a.id = g.area_id \
         WHERE a.plan_id = $1 AND w.replaced_at > $2 ORDER BY w.goal_id, w.version",
    )
    .bind(plan_id)
    .bind(at)
    .fetch_all(&mut *conn)
    .await?;
    let mut then: BTreeMap<GoalRef, Wording> = BTreeMap::new();
    for r in &rows {
        // The first one replaced after the moment is the one in force at it.
        then.entry(goal_of(r)?).or_insert(Wording {
            text: r.try_get("text")?,
            targets: from_json_list(&r.try_get::<String, _>("targets")?)?,
        });
    }
    for a in &mut data.plan.areas {
        for g in &mut a.goals {
            if let Some(w) = then.remove(&GoalRef::new(a.number, g.number)) {
                g.text = w.text;
                g.targets = w.targets;
            }
        }
    }
    Ok(())
}

/// The adopted or closed `plan` and the goal's id; a draft is edited as a draft instead.
async fn adopted_goal(tx: &mut Conn, plan: &Slug, goal: GoalRef) -> Result<(i64, i64, i32, i32), StoreError> {
    let row = sqlx::query("SELECT id, status, start_year, end_year FROM plans WHERE slug = $1")
        .bind(plan.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("det finns ingen plan \"{plan}\"")))?;
    if plan_status(&row.try_get::<String, _>("status")?)? == PlanStatus::Draft {
        return Err(StoreError::Conflict(format!(
            "planen \"{plan}\" är ett utkast: skriv om målet i utkastet i stället"
        )));
    }
    let plan_id: i64 = row.try_get("id")?;
    let gid = goal_db_id(tx, plan_id, goal).await?;
    Ok((plan_id, gid, row.try_get("start_year")?, row.try_get("end_year")?))
}

/// The reason a change after adoption needs.
fn reason_of(reason: &str) -> Result<String, StoreError> {
    let reason = stored(TextKind::Comment, reason, || "skälet till ändringen".to_owned())?;
    if reason.is_empty() {
        return Err(StoreError::Invalid("skriv varför målet ändras: skälet visas i historiken".to_owned()));
    }
    Ok(reason)
}

#[async_trait::async_trait]
impl crate::GoalWordings for StoreImpl {
    async fn goal_wordings(&self, plan: &Slug, goal: GoalRef) -> Result<GoalWordingHistory, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let plan_id = super::plan_ids(&mut conn, plan).await?.0;
        let gid = goal_db_id(&mut conn, plan_id, goal).await?;
        let row = sqlx::query("SELECT version, retired_from FROM goals WHERE id = $1")
            .bind(gid)
            .fetch_one(&mut *conn)
            .await?;
        let earlier = sqlx::query(
            "SELECT version, text, targets, replaced_at, reason FROM goal_wordings WHERE goal_id = $1 ORDER BY version",
        )
        .bind(gid)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(EarlierWording {
                version: r.try_get("version")?,
                text: r.try_get("text")?,
                targets: from_json_list(&r.try_get::<String, _>("targets")?)?,
                replaced_at: super::time_of(&r.try_get::<String, _>("replaced_at")?)?,
                reason: r.try_get("reason")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        Ok(GoalWordingHistory { version: row.try_get("version")?, retired_from: row.try_get("retired_from")?, earlier })
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, goal = %goal))]
    async fn correct_goal(
        &self,
        plan: &Slug,
        goal: GoalRef,
        text: &str,
        targets: &[String],
        reason: &str,
        expected: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError> {
        let text = stored(TextKind::Comment, text, || format!("texten till mål {goal}"))?;
        if text.is_empty() {
            return Err(StoreError::Invalid(format!("mål {goal} saknar text")));
        }
        let targets = targets
            .iter()
            .map(|t| stored(TextKind::Comment, t, || format!("målnivåerna för mål {goal}")))
            .filter(|t| t.as_ref().map_or(true, |t| !t.is_empty()))
            .collect::<Result<Vec<_>, _>>()?;
        let reason = reason_of(reason)?;
        let mut tx = begin_write(&self.pool).await?;
        let (plan_id, gid, _, _) = adopted_goal(&mut tx, plan, goal).await?;
        let row =
            sqlx::query("SELECT text, targets, version FROM goals WHERE id = $1").bind(gid).fetch_one(&mut *tx).await?;
        let (old_text, old_targets): (String, String) = (row.try_get("text")?, row.try_get("targets")?);
        // Based on an older version, it is refused as stale by the write below, whatever it says.
        let current: i32 = row.try_get("version")?;
        if current == expected && old_text == text && old_targets == json_list(&targets) {
            return Err(StoreError::Invalid(format!("mål {goal} lyder redan så: ändra texten eller målnivåerna")));
        }
        let key = [("id", gid)];
        let target = Versioned::row("goals", &key).cell(goal);
        let mut set = target.update();
        set.push("text = ").push_bind(text.clone()).push(", targets = ").push_bind(json_list(&targets));
        let event = Event::new(AuditField::GoalWording, format!("planen {plan}, mål {goal}"))
            .plan(plan_id)
            .goal(gid)
            .change(Some(&old_text), Some(&text))
            .because(Some(&reason));
        let version = versioned::write(&mut tx, &target, expected, Some(set), actor, &[event]).await?;
        // The wording it had until now, kept with the moment it was replaced (the version is this
        // writer's: the write above took it).
        sqlx::query(
            "INSERT INTO goal_wordings (goal_id, version, text, targets, replaced_at, reason) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(gid)
        .bind(expected)
        .bind(&old_text)
        .bind(&old_targets)
        .bind(uppfolj_domain::ids::timestamp(actor.at))
        .bind(&reason)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, goal = %goal))]
    async fn retire_goal(
        &self,
        plan: &Slug,
        goal: GoalRef,
        from: Option<i32>,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let reason = reason_of(reason)?;
        let mut tx = begin_write(&self.pool).await?;
        let (plan_id, gid, start, end) = adopted_goal(&mut tx, plan, goal).await?;
        // A plan followed up after its period (a last round the year after) counts that year in.
        let last_round: Option<i32> = sqlx::query_scalar("SELECT MAX(year) FROM rounds WHERE plan_id = $1")
            .bind(plan_id)
            .fetch_one(&mut *tx)
            .await?;
        let end = end.max(last_round.unwrap_or(end));
        let old: Option<i32> =
            sqlx::query_scalar("SELECT retired_from FROM goals WHERE id = $1").bind(gid).fetch_one(&mut *tx).await?;
        if old == from {
            return Err(StoreError::Invalid(match from {
                Some(y) => format!("mål {goal} har redan utgått från {y}"),
                None => format!("mål {goal} följs redan upp"),
            }));
        }
        if let Some(y) = from {
            if y <= start || y > end {
                return Err(StoreError::Invalid(format!(
                    "året ska ligga inom planperioden efter dess första år ({}–{end})",
                    start + 1
                )));
            }
            // A goal with answers in the years it would leave is never hidden from them.
            let answered: Option<i32> = sqlx::query_scalar(
                "SELECT MIN(y) FROM (SELECT r.year AS y FROM assessments s JOIN rounds r ON r.id = s.round_id \
                 WHERE s.goal_id = $1 AND r.year >= $2 AND (s.level <> '' OR s.comment <> '') \
                 UNION ALL SELECT r.year AS y FROM rcc_comments c JOIN rounds r ON r.id = c.round_id \
                 WHERE c.goal_id = $1 AND r.year >= $2 AND c.body <> '') answered",
            )
            .bind(gid)
            .bind(y)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(year) = answered {
                return Err(StoreError::Conflict(format!(
                    "mål {goal} har svar i uppföljningen {year}: det kan utgå tidigast från året efter"
                )));
            }
        }
        // The rounds between the old year and the new one change: a published one never does, an
        // open one loses the goal's (blank) cells or gets them.
        let (first, last) = match (old, from) {
            (Some(a), Some(b)) => (a.min(b), Some(a.max(b))),
            (Some(a), None) | (None, Some(a)) => (a, None),
            (None, None) => (i32::MAX, None),
        };
        let rounds = sqlx::query("SELECT id, year, status FROM rounds WHERE plan_id = $1 AND year >= $2 ORDER BY year")
            .bind(plan_id)
            .bind(first)
            .fetch_all(&mut *tx)
            .await?;
        for r in &rounds {
            let year: i32 = r.try_get("year")?;
            if last.is_some_and(|last| year >= last) {
                continue;
            }
            if r.try_get::<String, _>("status")? == "published" {
                return Err(StoreError::Conflict(format!(
                    "uppföljningen {year} är publicerad och visar målet som det följdes upp då"
                )));
            }
            let round_id: i64 = r.try_get("id")?;
            if from.is_some_and(|from| year >= from) {
                sqlx::query("DELETE FROM assessments WHERE round_id = $1 AND goal_id = $2")
                    .bind(round_id)
                    .bind(gid)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query(
                    "INSERT INTO assessments (round_id, goal_id, region_id, level, comment, version, condensed_version) \
                     SELECT $1, $2, r.id, '', '', 1, 1 FROM regions r JOIN plans p ON p.healthcare_region_id = \
                     r.healthcare_region_id WHERE p.id = $3",
                )
                .bind(round_id)
                .bind(gid)
                .bind(plan_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.touch_round(round_id);
        }
        sqlx::query("UPDATE goals SET retired_from = $1 WHERE id = $2").bind(from).bind(gid).execute(&mut *tx).await?;
        let label = |y: Option<i32>| y.map(|y| format!("utgått från {y}"));
        let event = Event::new(AuditField::GoalWording, format!("planen {plan}, mål {goal}"))
            .plan(plan_id)
            .goal(gid)
            .change(label(old).as_deref(), label(from).as_deref().or(Some("följs upp igen")))
            .because(Some(&reason));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }
}
