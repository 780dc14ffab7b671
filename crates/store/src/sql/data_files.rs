//! Whole plans in and out: the content of a data file, written in one transaction of multi-row
//! statements, and read back as a `Dataset`.

use std::collections::BTreeMap;

use sqlx::Row as _;
use uppfolj_domain::ids::{format_date, timestamp};
use uppfolj_domain::{
    AuditField, Dataset, GoalRef, Level, PlanStatus, RegionCode, RegionState, RoundStatus, Scope, Slug,
};

use super::bulk::{self, Rows};
use super::versioned::{self, Event};
use super::{Db, Pool, StoreImpl, Tx, begin_read, begin_write, corrupt, json_list, num, plan_status, pos};
use crate::{Actor, PlanListing, Progress, StoreError};

#[async_trait::async_trait]
impl crate::DataFiles for StoreImpl {
    async fn is_empty(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM plans").fetch_one(&self.pool).await?;
        Ok(n == 0)
    }

    #[tracing::instrument(skip_all, fields(plan = %data.plan.slug))]
    async fn import(&self, data: &Dataset, actor: &Actor, progress: Progress<'_>) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        import_dataset(&mut tx, data, actor, progress).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, status = status.as_str()))]
    async fn set_plan_status(&self, plan: &Slug, status: PlanStatus, actor: &Actor) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let row = sqlx::query("SELECT id, status FROM plans WHERE slug = $1")
            .bind(plan.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("det finns ingen plan \"{plan}\"")))?;
        let plan_id: i64 = row.try_get("id")?;
        let from = plan_status(&row.try_get::<String, _>("status")?)?;
        from.may_become(status).map_err(StoreError::Conflict)?;
        match status {
            PlanStatus::Adopted => {
                let goals: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM goals g JOIN areas a ON a.id = g.area_id WHERE a.plan_id = $1",
                )
                .bind(plan_id)
                .fetch_one(&mut *tx)
                .await?;
                if goals == 0 {
                    return Err(StoreError::Conflict("planen har inga mål ännu".to_owned()));
                }
                // What the plan's goals say together about the goals of the plan before.
                if let Some(d) = super::reads::frame(&mut tx, plan).await? {
                    let linked = d.goals().filter_map(|(g, goal)| goal.lineage.as_ref().map(|l| (g, l)));
                    let problems: Vec<String> = uppfolj_domain::lineage_problems(linked)
                        .into_iter()
                        .map(|(g, _, message)| format!("mål {g}: {message}"))
                        .collect();
                    if !problems.is_empty() {
                        return Err(StoreError::Conflict(format!("planen fastställs inte: {}", problems.join("; "))));
                    }
                }
            }
            PlanStatus::Closed => {
                let counts = sqlx::query(
                    "SELECT COUNT(*) AS rounds, COALESCE(SUM(CASE WHEN status <> $2 THEN 1 ELSE 0 END), 0) AS open, \
                     COALESCE(SUM(CASE WHEN is_final THEN 1 ELSE 0 END), 0) AS final FROM rounds WHERE plan_id = $1",
                )
                .bind(plan_id)
                .bind(RoundStatus::Published.as_str())
                .fetch_one(&mut *tx)
                .await?;
                let (open, finals): (i64, i64) = (counts.try_get("open")?, counts.try_get("final")?);
                if open > 0 {
                    return Err(StoreError::Conflict(
                        "planen har en uppföljning som inte är publicerad: publicera den först".to_owned(),
                    ));
                }
                if finals == 0 {
                    return Err(StoreError::Conflict("planens sista uppföljning är inte gjord ännu".to_owned()));
                }
            }
            PlanStatus::Draft => {}
        }
        let changed = sqlx::query("UPDATE plans SET status = $1 WHERE id = $2 AND status = $3")
            .bind(status.as_str())
            .bind(plan_id)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?;
        if changed.rows_affected() != 1 {
            return Err(StoreError::Conflict("någon annan ändrade planens status samtidigt".to_owned()));
        }
        let event = Event::new(AuditField::PlanStatus, format!("planen {plan}"))
            .plan(plan_id)
            .change(Some(from.as_str()), Some(status.as_str()));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn plans(&self) -> Result<Vec<PlanListing>, StoreError> {
        list_plans(&self.pool).await
    }

    async fn plan_healthcare_region(&self, plan: &Slug) -> Result<Option<(Slug, PlanStatus)>, StoreError> {
        let row = sqlx::query(
            "SELECT h.code, p.status FROM plans p JOIN healthcare_regions h ON h.id = p.healthcare_region_id \
             WHERE p.slug = $1",
        )
        .bind(plan.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let code = Slug::parse(&r.try_get::<String, _>("code")?).map_err(corrupt)?;
            Ok((code, plan_status(&r.try_get::<String, _>("status")?)?))
        })
        .transpose()
    }

    #[tracing::instrument(skip_all, fields(plan = %plan))]
    async fn dataset(&self, plan: &Slug) -> Result<Option<Dataset>, StoreError> {
        let mut tx = begin_read(&self.pool).await?;
        let data = super::reads::whole_plan(&mut tx, plan).await?;
        tx.commit().await?;
        Ok(data)
    }

    async fn outline(&self, plan: &Slug) -> Result<Option<Dataset>, StoreError> {
        let mut tx = begin_read(&self.pool).await?;
        let data = super::reads::frame(&mut tx, plan).await?;
        tx.commit().await?;
        Ok(data)
    }
}

/// A cell of a round as imported.
struct CellRow<'a> {
    goal_id: i64,
    region_id: i64,
    level: String,
    comment: &'a str,
    condensed: Option<&'a str>,
}

async fn list_plans(pool: &Pool) -> Result<Vec<PlanListing>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.slug, p.title, p.status AS plan_status, h.name AS hr_name, h.code AS hr_code, r.year, r.status \
         FROM plans p \
         JOIN healthcare_regions h ON h.id = p.healthcare_region_id LEFT JOIN rounds r ON r.plan_id = p.id \
         ORDER BY p.slug, r.year",
    )
    .fetch_all(pool)
    .await?;
    let mut out: Vec<PlanListing> = Vec::new();
    for row in rows {
        let slug = Slug::parse(&row.try_get::<String, _>("slug")?).map_err(corrupt)?;
        if out.last().is_none_or(|p| p.slug != slug) {
            out.push(PlanListing {
                slug,
                title: row.try_get("title")?,
                healthcare_region: row.try_get("hr_name")?,
                healthcare_region_code: Slug::parse(&row.try_get::<String, _>("hr_code")?).map_err(corrupt)?,
                status: plan_status(&row.try_get::<String, _>("plan_status")?)?,
                years: Vec::new(),
            });
        }
        if let (Some(year), Some(plan)) = (row.try_get::<Option<i32>, _>("year")?, out.last_mut()) {
            let status: String = row.try_get::<Option<String>, _>("status")?.unwrap_or_default();
            plan.years
                .push((year, RoundStatus::parse(&status).ok_or_else(|| corrupt(format!("status \"{status}\"")))?));
        }
    }
    Ok(out)
}

/// The plan `slug` that a plan being imported follows: its id and its goals' ids. It must exist and
/// belong to the same healthcare region.
async fn predecessor_goals(
    tx: &mut Tx<'_>,
    slug: &Slug,
    hr_id: i64,
) -> Result<(i64, BTreeMap<GoalRef, i64>), StoreError> {
    let row = sqlx::query("SELECT id, healthcare_region_id FROM plans WHERE slug = $1")
        .bind(slug.as_str())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::Conflict(format!("planen före, \"{slug}\", finns inte: läs in den först")))?;
    let (id, region): (i64, i64) = (row.try_get("id")?, row.try_get("healthcare_region_id")?);
    if region != hr_id {
        return Err(StoreError::Conflict(format!("planen före, \"{slug}\", hör till en annan sjukvårdsregion")));
    }
    let mut goals = BTreeMap::new();
    for g in sqlx::query(
        "SELECT g.id, a.number AS area_no, g.number AS goal_no FROM goals g JOIN areas a ON a.id = g.area_id \
         WHERE a.plan_id = $1",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    {
        goals.insert(super::goal_of(&g)?, g.try_get("id")?);
    }
    Ok((id, goals))
}

pub(super) async fn import_dataset(
    tx: &mut Tx<'_>,
    d: &Dataset,
    actor: &Actor,
    progress: Progress<'_>,
) -> Result<(), StoreError> {
    let regions = &d.healthcare_region.regions;
    let goal_count = d.goals().count();
    let total = (regions.len()
        + goal_count
        + d.rounds.len() * goal_count
        + d.process_followups.len()
        + d.indicators.iter().map(|i| 1 + i.values.len()).sum::<usize>()) as u64;
    let mut done = 0u64;
    let mut step = |n: usize| {
        done += n as u64;
        progress(done, total);
    };

    // The healthcare region: reused when it exists with the same regions.
    let hr = &d.healthcare_region;
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM healthcare_regions WHERE code = $1")
        .bind(hr.code.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    let mut region_ids: BTreeMap<RegionCode, i64> = BTreeMap::new();
    let hr_id = match existing {
        Some(id) => {
            let rows = sqlx::query("SELECT id, code FROM regions WHERE healthcare_region_id = $1 ORDER BY position")
                .bind(id)
                .fetch_all(&mut **tx)
                .await?;
            let mut stored = Vec::new();
            for row in rows {
                let code: String = row.try_get("code")?;
                let rid: i64 = row.try_get("id")?;
                stored.push(code.clone());
                region_ids.insert(RegionCode::parse(&code).map_err(corrupt)?, rid);
            }
            let wanted: Vec<String> = regions.iter().map(|r| r.code.to_string()).collect();
            if stored != wanted {
                return Err(StoreError::Conflict(format!(
                    "sjukvårdsregionen \"{}\" finns redan med regionerna {}, men filen anger {}",
                    hr.code,
                    stored.join(", "),
                    wanted.join(", ")
                )));
            }
            step(regions.len());
            id
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO healthcare_regions (code, name, federation, rcc, rcc_location) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(hr.code.as_str())
            .bind(&hr.name)
            .bind(&hr.federation)
            .bind(&hr.rcc)
            .bind(&hr.rcc_location)
            .fetch_one(&mut **tx)
            .await?;
            for (i, r) in regions.iter().enumerate() {
                let rid: i64 = sqlx::query_scalar(
                    "INSERT INTO regions (healthcare_region_id, code, name, position) VALUES ($1, $2, $3, $4) \
                     RETURNING id",
                )
                .bind(id)
                .bind(r.code.as_str())
                .bind(&r.name)
                .bind(pos(i))
                .fetch_one(&mut **tx)
                .await?;
                region_ids.insert(r.code.clone(), rid);
                step(1);
            }
            id
        }
    };

    // The plan, its areas and goals.
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM plans WHERE slug = $1")
        .bind(d.plan.slug.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    if taken.is_some() {
        return Err(StoreError::PlanExists(d.plan.slug.to_string()));
    }
    let p = &d.plan;
    let predecessor = match &p.predecessor {
        Some(slug) => Some(predecessor_goals(tx, slug, hr_id).await?),
        None => None,
    };
    let plan_id: i64 = sqlx::query_scalar(
        "INSERT INTO plans (healthcare_region_id, slug, title, start_year, end_year, adopted_by, adopted_on, \
         predecessor_id, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(hr_id)
    .bind(p.slug.as_str())
    .bind(&p.title)
    .bind(p.start_year)
    .bind(p.end_year)
    .bind(&p.adopted_by)
    .bind(format_date(p.adopted_on))
    .bind(predecessor.as_ref().map(|(id, _)| *id))
    .bind(p.status.as_str())
    .fetch_one(&mut **tx)
    .await?;
    let mut goal_ids: BTreeMap<GoalRef, i64> = BTreeMap::new();
    for a in &p.areas {
        let area_id: i64 =
            sqlx::query_scalar("INSERT INTO areas (plan_id, number, title) VALUES ($1, $2, $3) RETURNING id")
                .bind(plan_id)
                .bind(num(a.number))
                .bind(&a.title)
                .fetch_one(&mut **tx)
                .await?;
        for g in &a.goals {
            let part_names = g.part_names.as_ref().map(|p| json_list(p));
            let gid: i64 = sqlx::query_scalar(
                "INSERT INTO goals (area_id, number, text, targets, part_names, retired_from) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(area_id)
            .bind(num(g.number))
            .bind(&g.text)
            .bind(json_list(&g.targets))
            .bind(part_names)
            .bind(g.retired_from)
            .fetch_one(&mut **tx)
            .await?;
            goal_ids.insert(GoalRef::new(a.number, g.number), gid);
            step(1);
        }
    }
    let goal_id = |g: GoalRef| goal_ids.get(&g).copied().ok_or_else(|| corrupt(format!("mål {g} saknas")));

    // The goals of the predecessor each goal carries on.
    if let (Some((_, old_ids)), Some(slug)) = (&predecessor, &p.predecessor) {
        let mut links = Rows::new("goal_links", &["goal_id", "predecessor_goal_id", "link", "position"]);
        for (g, goal) in d.goals() {
            let Some(l) = &goal.lineage else { continue };
            for (i, old) in l.goals.iter().enumerate() {
                let old_id = old_ids.get(old).copied().ok_or_else(|| {
                    StoreError::Conflict(format!(
                        "mål {g} fortsätter mål {old}, men planen \"{slug}\" har inget mål {old}"
                    ))
                })?;
                links.push([goal_id(g)?.into(), old_id.into(), l.link.as_str().into(), pos(i).into()]);
            }
        }
        bulk::insert(tx, &links).await?;
    }
    let region_id = |c: &RegionCode| region_ids.get(c).copied().ok_or_else(|| corrupt(format!("region {c} saknas")));

    // Rounds: one row per goal × region, blank cells included, so that every cell has a version.
    for r in &d.rounds {
        let round_id: i64 = sqlx::query_scalar(
            "INSERT INTO rounds (plan_id, year, conducted, is_final, introduction, status, deadline) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(plan_id)
        .bind(r.year)
        .bind(r.conducted.to_string())
        .bind(r.is_final)
        .bind(&r.introduction)
        .bind(r.status.as_str())
        .bind(r.deadline.map(format_date))
        .fetch_one(&mut **tx)
        .await?;
        let mut events: Vec<Event> = Vec::new();
        // Every region's state in one statement.
        let states = regions
            .iter()
            .map(|region| Ok((region_id(&region.code)?, r.state(&region.code))))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let at = timestamp(actor.at);
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO region_rounds (round_id, region_id, state, version, updated_at) ",
        );
        q.push_values(&states, |mut b, (rid, state)| {
            b.push_bind(round_id).push_bind(*rid).push_bind(state.as_str()).push_bind(1i32).push_bind(at.as_str());
        });
        q.build().execute(&mut **tx).await?;
        for (region, (rid, state)) in regions.iter().zip(states.iter().copied()) {
            if state != RegionState::NotStarted {
                let subject = format!("{} {}: status", r.year, region.code);
                events.push(
                    Event::new(AuditField::RegionState, subject)
                        .plan(plan_id)
                        .round(round_id)
                        .region(Some(rid))
                        .change(None, Some(state.as_str())),
                );
            }
        }
        for (i, s) in r.summary.iter().enumerate() {
            sqlx::query(
                "INSERT INTO round_summary_sections (round_id, position, heading, body, claims) VALUES ($1, $2, \
                 $3, $4, $5)",
            )
            .bind(round_id)
            .bind(pos(i))
            .bind(&s.heading)
            .bind(&s.text)
            .bind(s.claims.to_json().to_string())
            .execute(&mut **tx)
            .await?;
        }
        // Every cell and its audit events in a few multi-row statements, not one per value.
        let mut cells: Vec<CellRow<'_>> = Vec::new();
        for (g, _) in d.goals().filter(|(_, goal)| goal.followed_in(r.year)) {
            let gid = goal_id(g)?;
            let f = r.followup(g);
            for region in regions {
                let level = f.map(|f| f.level(&region.code)).unwrap_or(Level::Blank);
                let comment = f.and_then(|f| f.comment(&region.code)).unwrap_or("");
                let condensed = f.and_then(|f| f.condensed.get(&region.code)).map(String::as_str);
                let rid = region_id(&region.code)?;
                cells.push(CellRow { goal_id: gid, region_id: rid, level: level.to_string(), comment, condensed });
                let event = |field: AuditField, new: &str| {
                    Event::new(field, format!("{} mål {g}, {}", r.year, region.code))
                        .plan(plan_id)
                        .round(round_id)
                        .goal(gid)
                        .region(Some(rid))
                        .change(None, Some(new))
                };
                if !level.is_blank() {
                    events.push(event(AuditField::Level, &level.to_string()));
                }
                if !comment.is_empty() {
                    events.push(event(AuditField::Comment, comment));
                }
                if let Some(c) = condensed {
                    events.push(event(AuditField::Condensed, c));
                }
            }
            if let Some(text) = f.and_then(|f| f.rcc_comment.as_deref()) {
                sqlx::query("INSERT INTO rcc_comments (round_id, goal_id, body, version) VALUES ($1, $2, $3, 1)")
                    .bind(round_id)
                    .bind(gid)
                    .bind(text)
                    .execute(&mut **tx)
                    .await?;
                events.push(
                    Event::new(AuditField::RccComment, format!("{} mål {g}", r.year))
                        .plan(plan_id)
                        .round(round_id)
                        .goal(gid)
                        .change(None, Some(text)),
                );
            }
        }
        let at = timestamp(actor.at);
        let mut rows = Rows::new(
            "assessments",
            &[
                "round_id",
                "goal_id",
                "region_id",
                "level",
                "comment",
                "condensed",
                "version",
                "condensed_version",
                "updated_at",
                "updated_by",
            ],
        );
        for c in &cells {
            rows.push([
                round_id.into(),
                c.goal_id.into(),
                c.region_id.into(),
                c.level.as_str().into(),
                c.comment.into(),
                c.condensed.into(),
                1i32.into(),
                1i32.into(),
                at.as_str().into(),
                actor.name.as_str().into(),
            ]);
        }
        bulk::insert(tx, &rows).await?;
        versioned::record(tx, actor, &events).await?;
        super::rounds::write_tally(tx, round_id, r.status).await?;
        step(goal_count);
    }

    // Care processes and their follow-ups.
    let mut process_ids: BTreeMap<String, i64> = BTreeMap::new();
    for pr in &d.processes {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO processes (plan_id, slug, name, leader_name, leader_title, leader_organisation) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(plan_id)
        .bind(pr.slug.as_str())
        .bind(&pr.name)
        .bind(&pr.leader.name)
        .bind(&pr.leader.title)
        .bind(&pr.leader.organisation)
        .fetch_one(&mut **tx)
        .await?;
        process_ids.insert(pr.slug.to_string(), id);
    }
    for f in &d.process_followups {
        let pid = process_ids
            .get(f.process.as_str())
            .copied()
            .ok_or_else(|| corrupt(format!("process {} saknas", f.process)))?;
        let plan_goals: Vec<String> = f.plan_goals.iter().map(ToString::to_string).collect();
        let fid: i64 = sqlx::query_scalar(
            "INSERT INTO process_followups (process_id, year, title, classification, plan_goals, signed_by, signed_on, \
             comments, long_term, level_structuring, patient_involvement, other) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(pid)
        .bind(f.year)
        .bind(&f.title)
        .bind(f.classification.as_str())
        .bind(json_list(&plan_goals))
        .bind(f.signed_by.as_deref())
        .bind(f.signed_on.map(format_date))
        .bind(&f.comments)
        .bind(json_list(&f.long_term))
        .bind(&f.level_structuring)
        .bind(&f.patient_involvement)
        .bind(&f.other)
        .fetch_one(&mut **tx)
        .await?;
        for (i, g) in f.goals.iter().enumerate() {
            sqlx::query(
                "INSERT INTO process_goals (followup_id, position, text, current_state, target_levels, \
                 target_date, followup) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(fid)
            .bind(pos(i))
            .bind(&g.text)
            .bind(&g.current_state)
            .bind(json_list(&g.target_levels))
            .bind(&g.target_date)
            .bind(&g.followup)
            .execute(&mut **tx)
            .await?;
        }
        step(1);
    }

    // Indicators: a series of the plan before goes on (the same short name); others are new.
    let before_id = predecessor.as_ref().map(|(id, _)| *id);
    for (i, ind) in d.indicators.iter().enumerate() {
        if let Some(before) = before_id {
            let goals = ind.goals.iter().map(|g| goal_id(*g)).collect::<Result<Vec<_>, _>>()?;
            if super::series::continue_series(tx, before, ind, &goals, &region_id).await?.is_some() {
                step(1 + ind.values.len());
                continue;
            }
        }
        let iid: i64 = sqlx::query_scalar(
            "INSERT INTO indicators (plan_id, position, slug, name, unit, higher_is_better, target, \
             target_date, source, description) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(plan_id)
        .bind(pos(i))
        .bind(ind.slug.as_str())
        .bind(&ind.name)
        .bind(&ind.unit)
        .bind(ind.higher_is_better)
        .bind(ind.target)
        .bind(ind.target_date.map(format_date))
        .bind(&ind.source)
        .bind(&ind.description)
        .fetch_one(&mut **tx)
        .await?;
        for (j, g) in ind.goals.iter().enumerate() {
            sqlx::query("INSERT INTO indicator_goals (indicator_id, goal_id, position) VALUES ($1, $2, $3)")
                .bind(iid)
                .bind(goal_id(*g)?)
                .bind(pos(j))
                .execute(&mut **tx)
                .await?;
        }
        step(1);
        let values = ind
            .values
            .iter()
            .map(|v| {
                let (scope, rid) = match &v.scope {
                    Scope::Region(c) => ("region", Some(region_id(c)?)),
                    Scope::HealthcareRegion => ("healthcare_region", None),
                    Scope::National => ("national", None),
                };
                Ok((scope, rid, v.period.to_string(), v.extracted.map(format_date), v))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut rows = Rows::new(
            "indicator_values",
            &["indicator_id", "position", "scope", "region_id", "period", "value", "extracted", "note"],
        );
        for (j, (scope, rid, period, extracted, v)) in values.iter().enumerate() {
            rows.push([
                iid.into(),
                pos(j).into(),
                (*scope).into(),
                (*rid).into(),
                period.as_str().into(),
                v.value.into(),
                extracted.as_deref().into(),
                v.note.as_str().into(),
            ]);
        }
        bulk::insert(tx, &rows).await?;
        step(values.len());
    }
    // Every published round frozen as its first edition, as imported.
    for r in d.rounds.iter().filter(|r| r.status == RoundStatus::Published) {
        let ids = super::round_ids(tx, &d.plan.slug, r.year).await?;
        super::editions::freeze(tx, &d.plan.slug, r.year, ids.round_id, super::reads::Source::Now, actor).await?;
    }
    super::backup::crash_point("import").await;
    Ok(())
}
