//! Whole plans in and out: the content of a data file, written in one transaction of multi-row
//! statements, and read back as a `Dataset`.

use std::collections::BTreeMap;

use sqlx::Row as _;
use uppfolj_domain::ids::{format_date, timestamp};
use uppfolj_domain::{
    Area, AuditField, Classification, Dataset, Goal, GoalFollowUp, GoalRef, HealthcareRegion, Indicator,
    IndicatorValue, Level, Period, Person, Plan, Process, ProcessFollowUp, ProcessGoal, Region, RegionCode,
    RegionState, Round, RoundStatus, Scope, Slug, SummarySection,
};

use super::versioned::{self, BATCH_ROWS, Event};
use super::{Db, Pool, StoreImpl, Tx, begin_write, corrupt, date_of, from_json_list, json_list, num, pos, u32_of};
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

    async fn plans(&self) -> Result<Vec<PlanListing>, StoreError> {
        list_plans(&self.pool).await
    }

    #[tracing::instrument(skip_all, fields(plan = %plan))]
    async fn dataset(&self, plan: &Slug) -> Result<Option<Dataset>, StoreError> {
        load_dataset(&self.pool, plan).await
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
        "SELECT p.id, p.slug, p.title, h.name AS hr_name FROM plans p \
         JOIN healthcare_regions h ON h.id = p.healthcare_region_id ORDER BY p.slug",
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let mut years = Vec::new();
        for r in sqlx::query("SELECT year, status FROM rounds WHERE plan_id = $1 ORDER BY year")
            .bind(id)
            .fetch_all(pool)
            .await?
        {
            let status: String = r.try_get("status")?;
            years.push((
                r.try_get::<i32, _>("year")?,
                RoundStatus::parse(&status).ok_or_else(|| corrupt(format!("status \"{status}\"")))?,
            ));
        }
        out.push(PlanListing {
            slug: Slug::parse(&row.try_get::<String, _>("slug")?).map_err(corrupt)?,
            title: row.try_get("title")?,
            healthcare_region: row.try_get("hr_name")?,
            years,
        });
    }
    Ok(out)
}

async fn import_dataset(tx: &mut Tx<'_>, d: &Dataset, actor: &Actor, progress: Progress<'_>) -> Result<(), StoreError> {
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
    let plan_id: i64 = sqlx::query_scalar(
        "INSERT INTO plans (healthcare_region_id, slug, title, start_year, end_year, adopted_by, adopted_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(hr_id)
    .bind(p.slug.as_str())
    .bind(&p.title)
    .bind(p.start_year)
    .bind(p.end_year)
    .bind(&p.adopted_by)
    .bind(format_date(p.adopted_on))
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
                "INSERT INTO goals (area_id, number, text, targets, part_names) VALUES ($1, $2, $3, $4, $5) \
                 RETURNING id",
            )
            .bind(area_id)
            .bind(num(g.number))
            .bind(&g.text)
            .bind(json_list(&g.targets))
            .bind(part_names)
            .fetch_one(&mut **tx)
            .await?;
            goal_ids.insert(GoalRef::new(a.number, g.number), gid);
            step(1);
        }
    }
    let goal_id = |g: GoalRef| goal_ids.get(&g).copied().ok_or_else(|| corrupt(format!("mål {g} saknas")));
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
        for region in regions {
            let state = r.state(&region.code);
            let rid = region_id(&region.code)?;
            sqlx::query(
                "INSERT INTO region_rounds (round_id, region_id, state, version, updated_at) VALUES ($1, $2, \
                 $3, 1, $4)",
            )
            .bind(round_id)
            .bind(rid)
            .bind(state.as_str())
            .bind(timestamp(actor.at))
            .execute(&mut **tx)
            .await?;
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
        for (g, _) in d.goals() {
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
        for chunk in cells.chunks(BATCH_ROWS) {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO assessments (round_id, goal_id, region_id, level, comment, condensed, version, \
                 condensed_version, updated_at, updated_by) ",
            );
            q.push_values(chunk, |mut b, c| {
                b.push_bind(round_id)
                    .push_bind(c.goal_id)
                    .push_bind(c.region_id)
                    .push_bind(c.level.as_str())
                    .push_bind(c.comment)
                    .push_bind(c.condensed)
                    .push_bind(1i32)
                    .push_bind(1i32)
                    .push_bind(at.as_str())
                    .push_bind(actor.name.as_str());
            });
            q.build().execute(&mut **tx).await?;
        }
        versioned::record(tx, actor, &events).await?;
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

    // Indicators.
    for (i, ind) in d.indicators.iter().enumerate() {
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
                Ok(match &v.scope {
                    Scope::Region(c) => ("region", Some(region_id(c)?), v),
                    Scope::HealthcareRegion => ("healthcare_region", None, v),
                    Scope::National => ("national", None, v),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        for (c, chunk) in values.chunks(BATCH_ROWS).enumerate() {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO indicator_values (indicator_id, position, scope, region_id, period, value, \
                 extracted, note) ",
            );
            q.push_values(chunk.iter().enumerate(), |mut b, (j, (scope, rid, v))| {
                b.push_bind(iid)
                    .push_bind(pos(c * BATCH_ROWS + j))
                    .push_bind(*scope)
                    .push_bind(*rid)
                    .push_bind(v.period.to_string())
                    .push_bind(v.value)
                    .push_bind(v.extracted.map(format_date))
                    .push_bind(v.note.as_str());
            });
            q.build().execute(&mut **tx).await?;
        }
        step(values.len());
    }
    Ok(())
}

/// Reads everything stored under a plan.
pub(super) async fn load_dataset(pool: &Pool, plan: &Slug) -> Result<Option<Dataset>, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT p.id, p.slug, p.title, p.start_year, p.end_year, p.adopted_by, p.adopted_on, \
         h.id AS hr_id, h.code AS hr_code, h.name AS hr_name, h.federation, h.rcc, h.rcc_location \
         FROM plans p JOIN healthcare_regions h ON h.id = p.healthcare_region_id WHERE p.slug = $1",
    )
    .bind(plan.as_str())
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let plan_id: i64 = row.try_get("id")?;
    let hr_id: i64 = row.try_get("hr_id")?;

    let mut regions = Vec::new();
    let mut region_codes: BTreeMap<i64, RegionCode> = BTreeMap::new();
    for r in sqlx::query("SELECT id, code, name FROM regions WHERE healthcare_region_id = $1 ORDER BY position")
        .bind(hr_id)
        .fetch_all(pool)
        .await?
    {
        let code = RegionCode::parse(&r.try_get::<String, _>("code")?).map_err(corrupt)?;
        region_codes.insert(r.try_get("id")?, code.clone());
        regions.push(Region { code, name: r.try_get("name")? });
    }

    let mut areas: Vec<Area> = Vec::new();
    let mut goal_refs: BTreeMap<i64, GoalRef> = BTreeMap::new();
    for a in sqlx::query("SELECT id, number, title FROM areas WHERE plan_id = $1 ORDER BY number")
        .bind(plan_id)
        .fetch_all(pool)
        .await?
    {
        let area_id: i64 = a.try_get("id")?;
        let area_no = u32_of(a.try_get("number")?)?;
        let mut goals = Vec::new();
        for g in
            sqlx::query("SELECT id, number, text, targets, part_names FROM goals WHERE area_id = $1 ORDER BY number")
                .bind(area_id)
                .fetch_all(pool)
                .await?
        {
            let number = u32_of(g.try_get("number")?)?;
            goal_refs.insert(g.try_get("id")?, GoalRef::new(area_no, number));
            let part_names = match g.try_get::<Option<String>, _>("part_names")? {
                None => None,
                Some(s) => match from_json_list(&s)?.as_slice() {
                    [a, b] => Some([a.clone(), b.clone()]),
                    _ => return Err(corrupt(format!("part_names \"{s}\""))),
                },
            };
            goals.push(Goal {
                number,
                text: g.try_get("text")?,
                targets: from_json_list(&g.try_get::<String, _>("targets")?)?,
                part_names,
            });
        }
        areas.push(Area { number: area_no, title: a.try_get("title")?, goals });
    }
    let goal_of = |id: i64| goal_refs.get(&id).copied().ok_or_else(|| corrupt(format!("mål-id {id}")));
    let region_of = |id: i64| region_codes.get(&id).cloned().ok_or_else(|| corrupt(format!("region-id {id}")));

    let mut rounds = Vec::new();
    for r in sqlx::query(
        "SELECT id, year, conducted, is_final, introduction, status, deadline FROM rounds WHERE plan_id = $1 \
         ORDER BY year",
    )
    .bind(plan_id)
    .fetch_all(pool)
    .await?
    {
        let round_id: i64 = r.try_get("id")?;
        let mut summary = Vec::new();
        for s in sqlx::query(
            "SELECT heading, body, claims FROM round_summary_sections WHERE round_id = $1 ORDER BY position",
        )
        .bind(round_id)
        .fetch_all(pool)
        .await?
        {
            let claims: String = s.try_get("claims")?;
            let json: serde_json::Value =
                serde_json::from_str(&claims).map_err(|e| corrupt(format!("påståenden: {e}")))?;
            summary.push(SummarySection {
                heading: s.try_get("heading")?,
                text: s.try_get("body")?,
                claims: uppfolj_domain::summary::Claims::from_json(&json).map_err(corrupt)?,
            });
        }
        let mut followups: BTreeMap<GoalRef, GoalFollowUp> =
            goal_refs.values().map(|g| (*g, GoalFollowUp::empty(*g))).collect();
        for c in
            sqlx::query("SELECT goal_id, region_id, level, comment, condensed FROM assessments WHERE round_id = $1")
                .bind(round_id)
                .fetch_all(pool)
                .await?
        {
            let goal = goal_of(c.try_get("goal_id")?)?;
            let region = region_of(c.try_get("region_id")?)?;
            let level_text: String = c.try_get("level")?;
            let level = Level::parse(&level_text).map_err(corrupt)?;
            let comment: String = c.try_get("comment")?;
            let condensed: Option<String> = c.try_get("condensed")?;
            let Some(f) = followups.get_mut(&goal) else { continue };
            if !level.is_blank() {
                f.levels.insert(region.clone(), level);
            }
            if let Some(text) = condensed {
                f.condensed.insert(region.clone(), text);
            }
            if !comment.is_empty() {
                f.comments.insert(region, comment);
            }
        }
        let mut states = BTreeMap::new();
        for st in sqlx::query("SELECT region_id, state FROM region_rounds WHERE round_id = $1")
            .bind(round_id)
            .fetch_all(pool)
            .await?
        {
            let text: String = st.try_get("state")?;
            let state = RegionState::parse(&text).ok_or_else(|| corrupt(format!("status \"{text}\"")))?;
            if state != RegionState::NotStarted {
                states.insert(region_of(st.try_get("region_id")?)?, state);
            }
        }
        for c in sqlx::query("SELECT goal_id, body FROM rcc_comments WHERE round_id = $1")
            .bind(round_id)
            .fetch_all(pool)
            .await?
        {
            let goal = goal_of(c.try_get("goal_id")?)?;
            let body: String = c.try_get("body")?;
            if let Some(f) = followups.get_mut(&goal).filter(|_| !body.is_empty()) {
                f.rcc_comment = Some(body);
            }
        }
        let conducted: String = r.try_get("conducted")?;
        let status: String = r.try_get("status")?;
        rounds.push(Round {
            year: r.try_get("year")?,
            conducted: Period::parse(&conducted).map_err(corrupt)?,
            is_final: r.try_get("is_final")?,
            status: RoundStatus::parse(&status).ok_or_else(|| corrupt(format!("status \"{status}\"")))?,
            deadline: r.try_get::<Option<String>, _>("deadline")?.as_deref().map(date_of).transpose()?,
            states,
            introduction: r.try_get("introduction")?,
            summary,
            goals: followups.into_values().collect(),
        });
    }

    let mut processes = Vec::new();
    let mut process_slugs: BTreeMap<i64, Slug> = BTreeMap::new();
    for p in sqlx::query(
        "SELECT id, slug, name, leader_name, leader_title, leader_organisation FROM processes WHERE plan_id = \
         $1 ORDER BY id",
    )
    .bind(plan_id)
    .fetch_all(pool)
    .await?
    {
        let slug = Slug::parse(&p.try_get::<String, _>("slug")?).map_err(corrupt)?;
        process_slugs.insert(p.try_get("id")?, slug.clone());
        processes.push(Process {
            slug,
            name: p.try_get("name")?,
            leader: Person {
                name: p.try_get("leader_name")?,
                title: p.try_get("leader_title")?,
                organisation: p.try_get("leader_organisation")?,
            },
        });
    }
    let mut process_followups = Vec::new();
    for f in sqlx::query(
        "SELECT f.id, f.process_id, f.year, f.title, f.classification, f.plan_goals, f.signed_by, f.signed_on, \
         f.comments, f.long_term, f.level_structuring, f.patient_involvement, f.other \
         FROM process_followups f JOIN processes p ON p.id = f.process_id WHERE p.plan_id = $1 ORDER BY \
         f.process_id, f.year",
    )
    .bind(plan_id)
    .fetch_all(pool)
    .await?
    {
        let fid: i64 = f.try_get("id")?;
        let process_id: i64 = f.try_get("process_id")?;
        let goals = sqlx::query(
            "SELECT text, current_state, target_levels, target_date, followup FROM process_goals WHERE \
             followup_id = $1 ORDER BY position",
        )
        .bind(fid)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|g| {
            Ok(ProcessGoal {
                text: g.try_get("text")?,
                current_state: g.try_get("current_state")?,
                target_levels: from_json_list(&g.try_get::<String, _>("target_levels")?)?,
                target_date: g.try_get("target_date")?,
                followup: g.try_get("followup")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let classification: String = f.try_get("classification")?;
        let plan_goals = from_json_list(&f.try_get::<String, _>("plan_goals")?)?
            .iter()
            .map(|g| GoalRef::parse(g).map_err(corrupt))
            .collect::<Result<Vec<_>, _>>()?;
        process_followups.push(ProcessFollowUp {
            process: process_slugs
                .get(&process_id)
                .cloned()
                .ok_or_else(|| corrupt(format!("process-id {process_id}")))?,
            year: f.try_get("year")?,
            title: f.try_get("title")?,
            classification: Classification::parse(&classification)
                .ok_or_else(|| corrupt(format!("klassning \"{classification}\"")))?,
            plan_goals,
            signed_by: f.try_get("signed_by")?,
            signed_on: f.try_get::<Option<String>, _>("signed_on")?.as_deref().map(date_of).transpose()?,
            goals,
            comments: f.try_get("comments")?,
            long_term: from_json_list(&f.try_get::<String, _>("long_term")?)?,
            level_structuring: f.try_get("level_structuring")?,
            patient_involvement: f.try_get("patient_involvement")?,
            other: f.try_get("other")?,
        });
    }

    let mut indicators = Vec::new();
    for i in sqlx::query(
        "SELECT id, slug, name, unit, higher_is_better, target, target_date, source, description \
         FROM indicators WHERE plan_id = $1 ORDER BY position",
    )
    .bind(plan_id)
    .fetch_all(pool)
    .await?
    {
        let iid: i64 = i.try_get("id")?;
        let goals = sqlx::query_scalar::<_, i64>(
            "SELECT goal_id FROM indicator_goals WHERE indicator_id = $1 ORDER BY position",
        )
        .bind(iid)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(goal_of)
        .collect::<Result<Vec<_>, _>>()?;
        let mut values = Vec::new();
        for v in sqlx::query(
            "SELECT scope, region_id, period, value, extracted, note FROM indicator_values WHERE indicator_id = \
             $1 ORDER BY position",
        )
        .bind(iid)
        .fetch_all(pool)
        .await?
        {
            let scope_text: String = v.try_get("scope")?;
            let scope = match (scope_text.as_str(), v.try_get::<Option<i64>, _>("region_id")?) {
                ("region", Some(rid)) => Scope::Region(region_of(rid)?),
                ("healthcare_region", None) => Scope::HealthcareRegion,
                ("national", None) => Scope::National,
                (other, _) => return Err(corrupt(format!("omfattning \"{other}\""))),
            };
            let period: String = v.try_get("period")?;
            values.push(IndicatorValue {
                scope,
                period: Period::parse(&period).map_err(corrupt)?,
                value: v.try_get("value")?,
                extracted: v.try_get::<Option<String>, _>("extracted")?.as_deref().map(date_of).transpose()?,
                note: v.try_get("note")?,
            });
        }
        indicators.push(Indicator {
            slug: Slug::parse(&i.try_get::<String, _>("slug")?).map_err(corrupt)?,
            name: i.try_get("name")?,
            unit: i.try_get("unit")?,
            higher_is_better: i.try_get("higher_is_better")?,
            target: i.try_get("target")?,
            target_date: i.try_get::<Option<String>, _>("target_date")?.as_deref().map(date_of).transpose()?,
            source: i.try_get("source")?,
            description: i.try_get("description")?,
            goals,
            values,
        });
    }

    let adopted_on: String = row.try_get("adopted_on")?;
    Ok(Some(Dataset {
        healthcare_region: HealthcareRegion {
            code: Slug::parse(&row.try_get::<String, _>("hr_code")?).map_err(corrupt)?,
            name: row.try_get("hr_name")?,
            federation: row.try_get("federation")?,
            rcc: row.try_get("rcc")?,
            rcc_location: row.try_get("rcc_location")?,
            regions,
        },
        plan: Plan {
            slug: Slug::parse(&row.try_get::<String, _>("slug")?).map_err(corrupt)?,
            title: row.try_get("title")?,
            start_year: row.try_get("start_year")?,
            end_year: row.try_get("end_year")?,
            adopted_by: row.try_get("adopted_by")?,
            adopted_on: date_of(&adopted_on)?,
            areas,
        },
        rounds,
        processes,
        process_followups,
        indicators,
    }))
}
