//! Plans written in the app: a successor drafted from the plan before, then its areas and goals
//! added and edited while it is a draft. Every write checks, in its transaction, that the plan is
//! still a draft, and records what changed (`plan_content`).

use std::collections::BTreeMap;

use sqlx::Row as _;
use uppfolj_domain::input::TextKind;
use uppfolj_domain::{AuditField, Dataset, GoalRef, HealthcareRegion, Lineage, Link, Plan, PlanStatus, Region, Slug};

use super::bulk::{self, Rows};
use super::versioned::{self, Event};
use super::{StoreImpl, Tx, begin_write, goal_of, json_list, num, plan_status, pos, stored};
use crate::{Actor, GoalDraft, NewPlan, StoreError};

/// A text that must be there, cleaned as every stored text; `what` names it in the refusal.
fn required(kind: TextKind, text: &str, what: &str) -> Result<String, StoreError> {
    let text = stored(kind, text, || what.to_owned())?;
    if text.is_empty() {
        return Err(StoreError::Invalid(format!("{what} saknas")));
    }
    Ok(text)
}

/// The draft `plan`: its id, or `Conflict` when it is adopted or closed.
async fn draft_id(tx: &mut Tx<'_>, plan: &Slug) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT id, status FROM plans WHERE slug = $1")
        .bind(plan.as_str())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("det finns ingen plan \"{plan}\"")))?;
    match plan_status(&row.try_get::<String, _>("status")?)? {
        PlanStatus::Draft => Ok(row.try_get("id")?),
        other => Err(StoreError::Conflict(format!(
            "planen \"{plan}\" är {} och ändras inte längre som utkast",
            other.label().to_lowercase()
        ))),
    }
}

/// Refuses (`Conflict`) to remove goals that something else points at: an action plan's entry or a
/// goal of another plan that carries it on. A draft has no rounds, so nothing else can.
async fn refuse_used(tx: &mut Tx<'_>, goals: &[(GoalRef, i64)]) -> Result<(), StoreError> {
    for (goal, gid) in goals {
        let used: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM action_plan_entries WHERE goal_id = $1) \
             + (SELECT COUNT(*) FROM goal_links WHERE predecessor_goal_id = $1)",
        )
        .bind(gid)
        .fetch_one(&mut **tx)
        .await?;
        if used > 0 {
            return Err(StoreError::Conflict(format!(
                "mål {goal} har en handlingsplan eller fortsätts av en annan plan och tas inte bort"
            )));
        }
    }
    Ok(())
}

/// Deletes goals of a draft with their links to the plan before and to indicators' series.
async fn delete_goals(tx: &mut Tx<'_>, ids: &[i64]) -> Result<(), StoreError> {
    for table in ["goal_links", "indicator_goals", "goals"] {
        let column = if table == "goals" { "id" } else { "goal_id" };
        let mut q = sqlx::QueryBuilder::<super::Db>::new(format!("DELETE FROM {table} WHERE "));
        super::reads::push_in(&mut q, column, ids);
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// What a draft numbers: its areas (within the plan) and their goals (within an area).
#[derive(Clone, Copy)]
enum Numbered {
    Areas,
    Goals,
}

impl Numbered {
    /// The table, and the column of what numbers it (a number is unique within it).
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Numbered::Areas => ("areas", "plan_id"),
            Numbered::Goals => ("goals", "area_id"),
        }
    }
}

/// Swaps the numbers of two rows (`(id, its number)` each) through a number none has, so that no
/// two share one meanwhile.
async fn swap_numbers(tx: &mut Tx<'_>, what: Numbered, a: (i64, i32), b: (i64, i32)) -> Result<(), StoreError> {
    let (table, _) = what.table();
    for (id, number) in [(a.0, -1), (b.0, a.1), (a.0, b.1)] {
        sqlx::query(&format!("UPDATE {table} SET number = $1 WHERE id = $2"))
            .bind(number)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// After the row numbered `removed` under `parent` is gone, the ones after it move up a number:
/// through negative numbers, so that no two share one meanwhile.
async fn close_gap(tx: &mut Tx<'_>, what: Numbered, parent: i64, removed: i32) -> Result<(), StoreError> {
    let (table, parent_column) = what.table();
    sqlx::query(&format!("UPDATE {table} SET number = -number WHERE {parent_column} = $1 AND number > $2"))
        .bind(parent)
        .bind(removed)
        .execute(&mut **tx)
        .await?;
    sqlx::query(&format!("UPDATE {table} SET number = -number - 1 WHERE {parent_column} = $1 AND number < 0"))
        .bind(parent)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Writes a new draft through the import's path and records its creation, then commits.
async fn write_new(mut tx: Tx<'_>, data: &Dataset, actor: &Actor, why: &str) -> Result<(), StoreError> {
    super::data_files::import_dataset(&mut tx, data, actor, &|_, _| {}).await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM plans WHERE slug = $1")
        .bind(data.plan.slug.as_str())
        .fetch_one(&mut *tx)
        .await?;
    // The continued goals go on with the series of the goals they continue.
    super::series::link_successor(&mut tx, id).await?;
    let event = Event::new(AuditField::PlanStatus, format!("planen {}", data.plan.slug))
        .plan(id)
        .change(None, Some(PlanStatus::Draft.as_str()))
        .because(Some(why));
    versioned::record(&mut tx, actor, &[event]).await?;
    tx.commit().await?;
    Ok(())
}

#[async_trait::async_trait]
impl crate::PlanDrafts for StoreImpl {
    #[tracing::instrument(skip_all, fields(of = %of, plan = %new.slug))]
    async fn create_successor(&self, of: &Slug, new: &NewPlan, actor: &Actor) -> Result<(), StoreError> {
        let title = stored(TextKind::Line, &new.title, || "planens titel".to_owned())?;
        let adopted_by = stored(TextKind::Line, &new.adopted_by, || "vem som fastställer planen".to_owned())?;
        let mut tx = begin_write(&self.pool).await?;
        let before = super::reads::frame(&mut tx, of)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("det finns ingen plan \"{of}\"")))?;
        if before.plan.status == PlanStatus::Draft {
            return Err(StoreError::Conflict(format!("planen \"{of}\" är ett utkast: fastställ den först")));
        }
        let mut areas = before.plan.areas.clone();
        for a in &mut areas {
            for g in &mut a.goals {
                let old = GoalRef::new(a.number, g.number);
                g.lineage = Some(Lineage { link: Link::Continues, goals: vec![old] });
            }
        }
        let data = Dataset {
            healthcare_region: before.healthcare_region.clone(),
            plan: Plan {
                slug: new.slug.clone(),
                title,
                start_year: new.start_year,
                end_year: new.end_year,
                adopted_by,
                adopted_on: new.adopted_on,
                areas,
                predecessor: Some(of.clone()),
                status: PlanStatus::Draft,
            },
            rounds: Vec::new(),
            tallies: Vec::new(),
            processes: Vec::new(),
            process_followups: Vec::new(),
            indicators: Vec::new(),
        };
        write_new(tx, &data, actor, &format!("efterföljare till {of}, med dess områden och mål")).await
    }

    #[tracing::instrument(skip_all, fields(region = %region, plan = %new.slug))]
    async fn create_plan(&self, region: &Slug, new: &NewPlan, actor: &Actor) -> Result<(), StoreError> {
        let title = stored(TextKind::Line, &new.title, || "planens titel".to_owned())?;
        let adopted_by = stored(TextKind::Line, &new.adopted_by, || "vem som fastställer planen".to_owned())?;
        let mut tx = begin_write(&self.pool).await?;
        let hr =
            sqlx::query("SELECT id, code, name, federation, rcc, rcc_location FROM healthcare_regions WHERE code = $1")
                .bind(region.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("det finns ingen sjukvårdsregion \"{region}\"")))?;
        let regions = sqlx::query("SELECT code, name FROM regions WHERE healthcare_region_id = $1 ORDER BY position")
            .bind(hr.try_get::<i64, _>("id")?)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok(Region { code: super::region_of(r, "code")?, name: r.try_get("name")? }))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let data = Dataset {
            healthcare_region: HealthcareRegion {
                code: region.clone(),
                name: hr.try_get("name")?,
                federation: hr.try_get("federation")?,
                rcc: hr.try_get("rcc")?,
                rcc_location: hr.try_get("rcc_location")?,
                regions,
            },
            plan: Plan {
                slug: new.slug.clone(),
                title,
                start_year: new.start_year,
                end_year: new.end_year,
                adopted_by,
                adopted_on: new.adopted_on,
                areas: Vec::new(),
                predecessor: None,
                status: PlanStatus::Draft,
            },
            rounds: Vec::new(),
            tallies: Vec::new(),
            processes: Vec::new(),
            process_followups: Vec::new(),
            indicators: Vec::new(),
        };
        write_new(tx, &data, actor, "en ny plan").await
    }

    async fn healthcare_regions(&self) -> Result<Vec<(Slug, String)>, StoreError> {
        sqlx::query("SELECT code, name FROM healthcare_regions ORDER BY name")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((Slug::parse(&r.try_get::<String, _>("code")?).map_err(super::corrupt)?, r.try_get("name")?)))
            .collect()
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, area))]
    async fn rename_area(&self, plan: &Slug, area: u32, title: &str, actor: &Actor) -> Result<(), StoreError> {
        let title = required(TextKind::Line, title, "områdets rubrik")?;
        let mut tx = begin_write(&self.pool).await?;
        let plan_id = draft_id(&mut tx, plan).await?;
        let old: String = sqlx::query_scalar("SELECT title FROM areas WHERE plan_id = $1 AND number = $2")
            .bind(plan_id)
            .bind(num(area))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("planen har inget område {area}")))?;
        sqlx::query("UPDATE areas SET title = $1 WHERE plan_id = $2 AND number = $3")
            .bind(&title)
            .bind(plan_id)
            .bind(num(area))
            .execute(&mut *tx)
            .await?;
        let event = Event::new(AuditField::PlanContent, format!("planen {plan}, område {area}"))
            .plan(plan_id)
            .change(Some(&old), Some(&title));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, goal = %goal))]
    async fn move_goal_up(&self, plan: &Slug, goal: GoalRef, actor: &Actor) -> Result<(), StoreError> {
        if goal.goal <= 1 {
            return Err(StoreError::Conflict(format!("mål {goal} är redan först i sitt område")));
        }
        let mut tx = begin_write(&self.pool).await?;
        let plan_id = draft_id(&mut tx, plan).await?;
        let gid = super::goal_db_id(&mut tx, plan_id, goal).await?;
        let before = GoalRef::new(goal.area, goal.goal - 1);
        let other = super::goal_db_id(&mut tx, plan_id, before).await?;
        swap_numbers(&mut tx, Numbered::Goals, (gid, num(goal.goal)), (other, num(before.goal))).await?;
        let event = Event::new(AuditField::PlanContent, format!("planen {plan}, mål {goal}"))
            .plan(plan_id)
            .goal(gid)
            .change(Some(&goal.to_string()), Some(&before.to_string()))
            .because(Some("flyttat upp ett steg i utkastet"));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, goal = %goal))]
    async fn remove_goal(&self, plan: &Slug, goal: GoalRef, actor: &Actor) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let plan_id = draft_id(&mut tx, plan).await?;
        let gid = super::goal_db_id(&mut tx, plan_id, goal).await?;
        let row = sqlx::query("SELECT area_id, text FROM goals WHERE id = $1").bind(gid).fetch_one(&mut *tx).await?;
        let (area_id, text): (i64, String) = (row.try_get("area_id")?, row.try_get("text")?);
        refuse_used(&mut tx, &[(goal, gid)]).await?;
        delete_goals(&mut tx, &[gid]).await?;
        close_gap(&mut tx, Numbered::Goals, area_id, num(goal.goal)).await?;
        let event = Event::new(AuditField::PlanContent, format!("planen {plan}, mål {goal}"))
            .plan(plan_id)
            .change(Some(&text), None)
            .because(Some("borttaget ur utkastet; målen efter det i området flyttade upp ett nummer"));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, area))]
    async fn move_area_up(&self, plan: &Slug, area: u32, actor: &Actor) -> Result<(), StoreError> {
        if area <= 1 {
            return Err(StoreError::Conflict(format!("område {area} är redan först i planen")));
        }
        let mut tx = begin_write(&self.pool).await?;
        let plan_id = draft_id(&mut tx, plan).await?;
        let id_of = async |tx: &mut Tx<'_>, n: u32| -> Result<i64, StoreError> {
            sqlx::query_scalar("SELECT id FROM areas WHERE plan_id = $1 AND number = $2")
                .bind(plan_id)
                .bind(num(n))
                .fetch_optional(&mut **tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("planen har inget område {n}")))
        };
        let (this, other) = (id_of(&mut tx, area).await?, id_of(&mut tx, area - 1).await?);
        swap_numbers(&mut tx, Numbered::Areas, (this, num(area)), (other, num(area - 1))).await?;
        let event = Event::new(AuditField::PlanContent, format!("planen {plan}, område {area}"))
            .plan(plan_id)
            .change(Some(&area.to_string()), Some(&(area - 1).to_string()))
            .because(Some("flyttat upp ett steg i utkastet, med sina mål"));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, area))]
    async fn remove_area(&self, plan: &Slug, area: u32, actor: &Actor) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let plan_id = draft_id(&mut tx, plan).await?;
        let row = sqlx::query("SELECT id, title FROM areas WHERE plan_id = $1 AND number = $2")
            .bind(plan_id)
            .bind(num(area))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("planen har inget område {area}")))?;
        let (area_id, title): (i64, String) = (row.try_get("id")?, row.try_get("title")?);
        let goals = sqlx::query("SELECT id, number FROM goals WHERE area_id = $1 ORDER BY number")
            .bind(area_id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|g| Ok((GoalRef::new(area, super::u32_of(g.try_get("number")?)?), g.try_get::<i64, _>("id")?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        refuse_used(&mut tx, &goals).await?;
        delete_goals(&mut tx, &goals.iter().map(|(_, id)| *id).collect::<Vec<_>>()).await?;
        sqlx::query("DELETE FROM areas WHERE id = $1").bind(area_id).execute(&mut *tx).await?;
        close_gap(&mut tx, Numbered::Areas, plan_id, num(area)).await?;
        let why =
            format!("borttaget ur utkastet med sina {} mål; områdena efter det flyttade upp ett nummer", goals.len());
        let event = Event::new(AuditField::PlanContent, format!("planen {plan}, område {area}"))
            .plan(plan_id)
            .change(Some(&title), None)
            .because(Some(&why));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, to = %new.slug))]
    async fn edit_draft(&self, plan: &Slug, new: &NewPlan, actor: &Actor) -> Result<(), StoreError> {
        let title = required(TextKind::Line, &new.title, "planens titel")?;
        let adopted_by = stored(TextKind::Line, &new.adopted_by, || "vem som fastställer planen".to_owned())?;
        if new.start_year > new.end_year {
            return Err(StoreError::Invalid("planens sista år är före dess första".to_owned()));
        }
        let mut tx = begin_write(&self.pool).await?;
        let plan_id = draft_id(&mut tx, plan).await?;
        let row = sqlx::query("SELECT title, start_year, end_year, adopted_by, adopted_on FROM plans WHERE id = $1")
            .bind(plan_id)
            .fetch_one(&mut *tx)
            .await?;
        let describe = |slug: &str, title: &str, start: i32, end: i32, by: &str, on: &str| {
            format!("{title} ({slug}), {start}–{end}, fastställs av {by} den {on}")
        };
        let old = describe(
            plan.as_str(),
            &row.try_get::<String, _>("title")?,
            row.try_get("start_year")?,
            row.try_get("end_year")?,
            &row.try_get::<String, _>("adopted_by")?,
            &row.try_get::<String, _>("adopted_on")?,
        );
        let on = uppfolj_domain::ids::format_date(new.adopted_on);
        let updated = sqlx::query(
            "UPDATE plans SET slug = $1, title = $2, start_year = $3, end_year = $4, adopted_by = $5, \
             adopted_on = $6 WHERE id = $7",
        )
        .bind(new.slug.as_str())
        .bind(&title)
        .bind(new.start_year)
        .bind(new.end_year)
        .bind(&adopted_by)
        .bind(&on)
        .bind(plan_id)
        .execute(&mut *tx)
        .await;
        match updated {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::PlanExists(new.slug.to_string()));
            }
            Err(e) => return Err(e.into()),
        }
        let now = describe(new.slug.as_str(), &title, new.start_year, new.end_year, &adopted_by, &on);
        let event = Event::new(AuditField::PlanContent, format!("planen {}", new.slug))
            .plan(plan_id)
            .change(Some(&old), Some(&now));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(plan = %plan))]
    async fn add_area(&self, plan: &Slug, title: &str, actor: &Actor) -> Result<u32, StoreError> {
        let title = required(TextKind::Line, title, "områdets rubrik")?;
        let mut tx = begin_write(&self.pool).await?;
        let plan_id = draft_id(&mut tx, plan).await?;
        let last: Option<i32> = sqlx::query_scalar("SELECT MAX(number) FROM areas WHERE plan_id = $1")
            .bind(plan_id)
            .fetch_one(&mut *tx)
            .await?;
        let number = u32::try_from(last.unwrap_or(0) + 1).unwrap_or(1);
        sqlx::query("INSERT INTO areas (plan_id, number, title) VALUES ($1, $2, $3)")
            .bind(plan_id)
            .bind(num(number))
            .bind(&title)
            .execute(&mut *tx)
            .await?;
        let event = Event::new(AuditField::PlanContent, format!("planen {plan}, område {number}"))
            .plan(plan_id)
            .change(None, Some(&title));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(number)
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, area))]
    async fn add_goal(&self, plan: &Slug, area: u32, text: &str, actor: &Actor) -> Result<GoalRef, StoreError> {
        let text = required(TextKind::Comment, text, "målets text")?;
        let mut tx = begin_write(&self.pool).await?;
        let plan_id = draft_id(&mut tx, plan).await?;
        let area_id: i64 = sqlx::query_scalar("SELECT id FROM areas WHERE plan_id = $1 AND number = $2")
            .bind(plan_id)
            .bind(num(area))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("planen har inget område {area}")))?;
        let last: Option<i32> = sqlx::query_scalar("SELECT MAX(number) FROM goals WHERE area_id = $1")
            .bind(area_id)
            .fetch_one(&mut *tx)
            .await?;
        let goal = GoalRef::new(area, u32::try_from(last.unwrap_or(0) + 1).unwrap_or(1));
        sqlx::query("INSERT INTO goals (area_id, number, text, targets, part_names) VALUES ($1, $2, $3, '[]', NULL)")
            .bind(area_id)
            .bind(num(goal.goal))
            .bind(&text)
            .execute(&mut *tx)
            .await?;
        let event = Event::new(AuditField::PlanContent, format!("planen {plan}, mål {goal}"))
            .plan(plan_id)
            .change(None, Some(&text));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(goal)
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, goal = %goal))]
    async fn edit_goal(&self, plan: &Slug, goal: GoalRef, edit: &GoalDraft, actor: &Actor) -> Result<(), StoreError> {
        let text = stored(TextKind::Comment, &edit.text, || format!("texten till mål {goal}"))?;
        if text.is_empty() {
            return Err(StoreError::Invalid(format!("mål {goal} saknar text")));
        }
        let targets = edit
            .targets
            .iter()
            .map(|t| stored(TextKind::Comment, t, || format!("målnivåerna för mål {goal}")))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(l) = &edit.lineage {
            l.check().map_err(|e| StoreError::Invalid(format!("mål {goal}: {e}")))?;
        }
        let part_names = match &edit.part_names {
            Some([a, b]) => {
                let name = |n: &str| stored(TextKind::Line, n, || format!("namnen på delarna i mål {goal}"));
                let (a, b) = (name(a)?, name(b)?);
                if a.is_empty() || b.is_empty() {
                    return Err(StoreError::Invalid(format!("mål {goal}: ge båda delarna ett namn, eller ingen")));
                }
                Some(json_list(&[a, b]))
            }
            None => None,
        };
        let mut tx = begin_write(&self.pool).await?;
        let plan_id = draft_id(&mut tx, plan).await?;
        let gid = super::goal_db_id(&mut tx, plan_id, goal).await?;
        let old_text: String =
            sqlx::query_scalar("SELECT text FROM goals WHERE id = $1").bind(gid).fetch_one(&mut *tx).await?;
        // The goals of the plan before that it names: each must be one.
        let mut old_ids: Vec<i64> = Vec::new();
        if let Some(l) = &edit.lineage {
            let before: BTreeMap<GoalRef, i64> = sqlx::query(
                "SELECT g.id, a.number AS area_no, g.number AS goal_no FROM plans p JOIN areas a ON a.plan_id = \
                 p.predecessor_id JOIN goals g ON g.area_id = a.id WHERE p.id = $1",
            )
            .bind(plan_id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok((goal_of(r)?, r.try_get("id")?)))
            .collect::<Result<_, StoreError>>()?;
            if before.is_empty() {
                return Err(StoreError::Invalid("planen har ingen plan före vars mål den kan fortsätta".to_owned()));
            }
            for old in &l.goals {
                old_ids.push(
                    *before.get(old).ok_or_else(|| StoreError::Invalid(format!("planen före har inget mål {old}")))?,
                );
            }
        }
        sqlx::query("UPDATE goals SET text = $1, targets = $2, part_names = $3 WHERE id = $4")
            .bind(&text)
            .bind(json_list(&targets))
            .bind(part_names)
            .bind(gid)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM goal_links WHERE goal_id = $1").bind(gid).execute(&mut *tx).await?;
        if let Some(l) = &edit.lineage {
            let mut links = Rows::new("goal_links", &["goal_id", "predecessor_goal_id", "link", "position"]);
            for (i, old) in old_ids.iter().enumerate() {
                links.push([gid.into(), (*old).into(), l.link.as_str().into(), pos(i).into()]);
            }
            bulk::insert(&mut tx, &links).await?;
        }
        let describe = |text: &str, lineage: Option<&Lineage>| match lineage {
            Some(l) => {
                let old = l.goals.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
                format!("{text}\n({} {old} i planen före)", l.link.label())
            }
            None => text.to_owned(),
        };
        let event = Event::new(AuditField::PlanContent, format!("planen {plan}, mål {goal}"))
            .plan(plan_id)
            .goal(gid)
            .change(Some(&old_text), Some(&describe(&text, edit.lineage.as_ref())));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }
}
