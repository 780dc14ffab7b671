//! Each region's local action plan: per goal its own goal and current state (versioned), and its
//! activities (each versioned; never removed, "struken" instead).

use std::collections::BTreeMap;

use sqlx::Row as _;
use uppfolj_domain::ids::format_date;
use uppfolj_domain::input::TextKind;
use uppfolj_domain::{ActivityStatus, AuditField, GoalRef, RegionCode, Slug};

use super::versioned::{self, Event, Versioned};
use super::{
    Conn, DbRow, StoreImpl, begin_write, corrupt, date_of, goal_db_id, goal_of, plan_ids, region_db_id, stored,
};
use crate::{ActionPlanEntry, Activity, ActivityInput, Actor, StoreError};

#[async_trait::async_trait]
impl crate::ActionPlans for StoreImpl {
    /// Every goal of the plan with the region's entry (empty at version 0 when none is written) and
    /// its activities, in two queries.
    #[tracing::instrument(skip_all, fields(plan = %plan, region = %region))]
    async fn action_plan(&self, plan: &Slug, region: &RegionCode) -> Result<Vec<ActionPlanEntry>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let (plan_id, _) = plan_ids(&mut conn, plan).await?;
        let rid = region_db_id(&mut conn, plan_id, region).await?;
        let mut activities: BTreeMap<i64, Vec<Activity>> = BTreeMap::new();
        for a in sqlx::query(
            "SELECT t.id, t.entry_id, t.text, t.responsible, t.due, t.status, t.version FROM activities t \
             JOIN action_plan_entries e ON e.id = t.entry_id WHERE e.plan_id = $1 AND e.region_id = $2 ORDER BY t.id",
        )
        .bind(plan_id)
        .bind(rid)
        .fetch_all(&mut *conn)
        .await?
        {
            activities.entry(a.try_get("entry_id")?).or_default().push(activity(&a)?);
        }
        let mut out = Vec::new();
        for g in sqlx::query(
            "SELECT a.number AS area_no, g.number AS goal_no, e.id AS entry_id, e.own_goal, e.current_state, e.version \
             FROM goals g JOIN areas a ON a.id = g.area_id \
             LEFT JOIN action_plan_entries e ON e.goal_id = g.id AND e.region_id = $2 AND e.plan_id = $1 \
             WHERE a.plan_id = $1 ORDER BY a.number, g.number",
        )
        .bind(plan_id)
        .bind(rid)
        .fetch_all(&mut *conn)
        .await?
        {
            let entry_id: Option<i64> = g.try_get("entry_id")?;
            out.push(ActionPlanEntry {
                goal: goal_of(&g)?,
                own_goal: g.try_get::<Option<String>, _>("own_goal")?.unwrap_or_default(),
                current_state: g.try_get::<Option<String>, _>("current_state")?.unwrap_or_default(),
                version: g.try_get::<Option<i32>, _>("version")?.unwrap_or(0),
                activities: entry_id.and_then(|id| activities.remove(&id)).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, region = %region, goal = %goal))]
    async fn save_action_plan_entry(
        &self,
        plan: &Slug,
        region: &RegionCode,
        goal: GoalRef,
        own_goal: &str,
        current_state: &str,
        expected: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError> {
        let own_goal = stored(TextKind::Comment, own_goal, || format!("regionens eget mål för mål {goal}"))?;
        let current_state = stored(TextKind::Comment, current_state, || format!("nuläget för mål {goal}"))?;
        let mut tx = begin_write(&self.pool).await?;
        let (plan_id, _) = plan_ids(&mut tx, plan).await?;
        let gid = goal_db_id(&mut tx, plan_id, goal).await?;
        let rid = region_db_id(&mut tx, plan_id, region).await?;
        let eid = entry_id(&mut tx, plan_id, rid, gid).await?;
        let row = sqlx::query("SELECT own_goal, current_state FROM action_plan_entries WHERE id = $1")
            .bind(eid)
            .fetch_one(&mut *tx)
            .await?;
        let old = (row.try_get::<String, _>("own_goal")?, row.try_get::<String, _>("current_state")?);
        let key = [("id", eid)];
        let target = Versioned::row("action_plan_entries", &key);
        if old.0 == own_goal && old.1 == current_state {
            return versioned::write(&mut tx, &target, expected, None, actor, &[]).await;
        }
        let mut set = target.update();
        set.push("own_goal = ").push_bind(own_goal.clone()).push(", current_state = ").push_bind(current_state.clone());
        let describe = |g: &str, s: &str| format!("Eget mål: {g}\nNuläge: {s}");
        let event = Event::new(AuditField::ActionPlan, format!("handlingsplan {region}, mål {goal}"))
            .plan(plan_id)
            .goal(gid)
            .region(Some(rid))
            .change(Some(&describe(&old.0, &old.1)), Some(&describe(&own_goal, &current_state)));
        let version = versioned::write(&mut tx, &target, expected, Some(set), actor, &[event]).await?;
        tx.commit().await?;
        Ok(version)
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, region = %region, goal = %goal))]
    async fn add_activity(
        &self,
        plan: &Slug,
        region: &RegionCode,
        goal: GoalRef,
        input: &ActivityInput,
        actor: &Actor,
    ) -> Result<i64, StoreError> {
        let input = &stored_activity(input)?;
        let mut tx = begin_write(&self.pool).await?;
        let (plan_id, _) = plan_ids(&mut tx, plan).await?;
        let gid = goal_db_id(&mut tx, plan_id, goal).await?;
        let rid = region_db_id(&mut tx, plan_id, region).await?;
        let eid = entry_id(&mut tx, plan_id, rid, gid).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO activities (entry_id, text, responsible, due, status, version) VALUES ($1, $2, $3, $4, $5, 1) \
             RETURNING id",
        )
        .bind(eid)
        .bind(&input.text)
        .bind(&input.responsible)
        .bind(input.due.map(format_date))
        .bind(input.status.as_str())
        .fetch_one(&mut *tx)
        .await?;
        let event = Event::new(AuditField::Activity, format!("handlingsplan {region}, mål {goal}: aktivitet"))
            .plan(plan_id)
            .goal(gid)
            .region(Some(rid))
            .change(None, Some(&describe_activity(input)));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(id)
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, region = %region, goal = %goal))]
    async fn start_action_plan_from_predecessor(
        &self,
        plan: &Slug,
        region: &RegionCode,
        goal: GoalRef,
        actor: &Actor,
    ) -> Result<usize, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let (plan_id, _) = plan_ids(&mut tx, plan).await?;
        let gid = goal_db_id(&mut tx, plan_id, goal).await?;
        let rid = region_db_id(&mut tx, plan_id, region).await?;
        // The region's entry for the one old goal this goal carries on (not a merge: several).
        let nothing = || {
            StoreError::NotFound(format!(
                "{region} har ingen handlingsplan i planen före för det mål {goal} fortsätter"
            ))
        };
        let links: Vec<DbRow> = sqlx::query(
            "SELECT e.id, e.own_goal, e.current_state FROM goal_links gl \
             LEFT JOIN action_plan_entries e ON e.goal_id = gl.predecessor_goal_id AND e.region_id = $2 \
             WHERE gl.goal_id = $1 AND gl.link <> $3",
        )
        .bind(gid)
        .bind(rid)
        .bind(uppfolj_domain::Link::Merge.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let [old] = links.as_slice() else { return Err(nothing()) };
        let Some(old_id) = old.try_get::<Option<i64>, _>("id")? else { return Err(nothing()) };
        let (own_goal, current_state): (String, String) = (old.try_get("own_goal")?, old.try_get("current_state")?);

        let eid = entry_id(&mut tx, plan_id, rid, gid).await?;
        let row = sqlx::query(
            "SELECT e.own_goal, e.current_state, e.version, (SELECT COUNT(*) FROM activities t WHERE t.entry_id = e.id) \
             AS activities FROM action_plan_entries e WHERE e.id = $1",
        )
        .bind(eid)
        .fetch_one(&mut *tx)
        .await?;
        let written = !row.try_get::<String, _>("own_goal")?.is_empty()
            || !row.try_get::<String, _>("current_state")?.is_empty()
            || row.try_get::<i64, _>("activities")? > 0;
        if written {
            return Err(StoreError::Conflict(format!(
                "{region}s handlingsplan för mål {goal} är redan påbörjad: ändra den i stället"
            )));
        }
        let key = [("id", eid)];
        let target = Versioned::row("action_plan_entries", &key);
        let mut set = target.update();
        set.push("own_goal = ").push_bind(own_goal.clone()).push(", current_state = ").push_bind(current_state.clone());
        let subject = format!("handlingsplan {region}, mål {goal}");
        let event = Event::new(AuditField::ActionPlan, subject.clone())
            .plan(plan_id)
            .goal(gid)
            .region(Some(rid))
            .change(None, Some(&format!("Eget mål: {own_goal}\nNuläge: {current_state}")))
            .because(Some("från planen före"));
        versioned::write(&mut tx, &target, row.try_get("version")?, Some(set), actor, &[event]).await?;

        let open: Vec<Activity> = sqlx::query(
            "SELECT id, text, responsible, due, status, version FROM activities WHERE entry_id = $1 \
             AND status NOT IN ($2, $3) ORDER BY id",
        )
        .bind(old_id)
        .bind(ActivityStatus::Done.as_str())
        .bind(ActivityStatus::Struck.as_str())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(activity)
        .collect::<Result<_, _>>()?;
        // The same activities, copied in one statement (in their order: ids grow with it).
        sqlx::query(
            "INSERT INTO activities (entry_id, text, responsible, due, status, version) \
             SELECT $1, text, responsible, due, status, 1 FROM activities WHERE entry_id = $2 \
             AND status NOT IN ($3, $4) ORDER BY id",
        )
        .bind(eid)
        .bind(old_id)
        .bind(ActivityStatus::Done.as_str())
        .bind(ActivityStatus::Struck.as_str())
        .execute(&mut *tx)
        .await?;
        let mut events = Vec::new();
        for a in &open {
            let input = ActivityInput {
                text: a.text.clone(),
                responsible: a.responsible.clone(),
                due: a.due,
                status: a.status,
            };
            events.push(
                Event::new(AuditField::Activity, format!("{subject}: aktivitet"))
                    .plan(plan_id)
                    .goal(gid)
                    .region(Some(rid))
                    .change(None, Some(&describe_activity(&input)))
                    .because(Some("från planen före")),
            );
        }
        versioned::record(&mut tx, actor, &events).await?;
        tx.commit().await?;
        Ok(open.len())
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, region = %region, activity = id))]
    async fn update_activity(
        &self,
        plan: &Slug,
        region: &RegionCode,
        id: i64,
        input: &ActivityInput,
        expected: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError> {
        let input = &stored_activity(input)?;
        let mut tx = begin_write(&self.pool).await?;
        let (plan_id, _) = plan_ids(&mut tx, plan).await?;
        let rid = region_db_id(&mut tx, plan_id, region).await?;
        let row = sqlx::query(
            "SELECT t.id, t.entry_id, t.text, t.responsible, t.due, t.status, t.version, e.goal_id, \
             a.number AS area_no, g.number AS goal_no \
             FROM activities t JOIN action_plan_entries e ON e.id = t.entry_id JOIN goals g ON g.id = e.goal_id \
             JOIN areas a ON a.id = g.area_id WHERE t.id = $1 AND e.plan_id = $2 AND e.region_id = $3",
        )
        .bind(id)
        .bind(plan_id)
        .bind(rid)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("{region}s handlingsplan har ingen aktivitet {id}")))?;
        let old = activity(&row)?;
        let key = [("id", id)];
        let target = Versioned::row("activities", &key);
        let mut set = target.update();
        set.push("text = ")
            .push_bind(input.text.clone())
            .push(", responsible = ")
            .push_bind(input.responsible.clone())
            .push(", due = ")
            .push_bind(input.due.map(format_date))
            .push(", status = ")
            .push_bind(input.status.as_str());
        let goal = goal_of(&row)?;
        let old_input =
            ActivityInput { text: old.text, responsible: old.responsible, due: old.due, status: old.status };
        let event = Event::new(AuditField::Activity, format!("handlingsplan {region}, mål {goal}: aktivitet"))
            .plan(plan_id)
            .goal(row.try_get("goal_id")?)
            .region(Some(rid))
            .change(Some(&describe_activity(&old_input)), Some(&describe_activity(input)));
        let version = versioned::write(&mut tx, &target, expected, Some(set), actor, &[event]).await?;
        tx.commit().await?;
        Ok(version)
    }
}

/// An activity from a row of `activities`.
fn activity(a: &DbRow) -> Result<Activity, StoreError> {
    let status: String = a.try_get("status")?;
    Ok(Activity {
        id: a.try_get("id")?,
        text: a.try_get("text")?,
        responsible: a.try_get("responsible")?,
        due: a.try_get::<Option<String>, _>("due")?.as_deref().map(date_of).transpose()?,
        status: ActivityStatus::parse(&status).ok_or_else(|| corrupt(format!("aktivitetsstatus \"{status}\"")))?,
        version: a.try_get("version")?,
    })
}

/// The entry's id, creating an empty one (version 0) when the region has none for the goal.
async fn entry_id(conn: &mut Conn, plan_id: i64, rid: i64, gid: i64) -> Result<i64, StoreError> {
    sqlx::query(
        "INSERT INTO action_plan_entries (plan_id, region_id, goal_id, own_goal, current_state, version) \
         VALUES ($1, $2, $3, '', '', 0) ON CONFLICT (plan_id, region_id, goal_id) DO NOTHING",
    )
    .bind(plan_id)
    .bind(rid)
    .bind(gid)
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_scalar("SELECT id FROM action_plan_entries WHERE plan_id = $1 AND region_id = $2 AND goal_id = $3")
        .bind(plan_id)
        .bind(rid)
        .bind(gid)
        .fetch_one(&mut *conn)
        .await?)
}

fn describe_activity(a: &ActivityInput) -> String {
    format!(
        "{} · ansvarig: {} · klart: {} · status: {}",
        a.text.trim(),
        a.responsible.trim(),
        a.due.map(format_date).unwrap_or_else(|| "–".to_owned()),
        a.status.as_str()
    )
}

/// An activity's texts as they may be stored; it must say what is to be done.
fn stored_activity(input: &ActivityInput) -> Result<ActivityInput, StoreError> {
    let text = stored(TextKind::Comment, &input.text, || "aktiviteten".to_owned())?;
    if text.is_empty() {
        return Err(StoreError::Invalid("aktiviteten saknar beskrivning".to_owned()));
    }
    Ok(ActivityInput {
        text,
        responsible: stored(TextKind::Line, &input.responsible, || "ansvarig".to_owned())?,
        due: input.due,
        status: input.status,
    })
}
