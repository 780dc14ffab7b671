//! Indicators: their definitions (versioned, each changed field audited), their values (one by one,
//! or a whole table staged and applied in one short transaction), and the RCC's decisions on figures
//! found in comments.

use std::collections::HashMap;

use sqlx::Row as _;
use uppfolj_domain::ids::{format_date, parse_date, timestamp};
use uppfolj_domain::{AuditEvent, AuditField, GoalRef, Indicator, Period, Scope, Slug};

use super::bulk::{self, Rows};
use super::series::{SEEN_BY_PLAN, SERIES_ORDER, series_plans, touch_series};
use super::versioned::{self, Event, Versioned};
use super::{
    Conn, Db, StoreImpl, begin_write, begin_write_on, corrupt, goal_db_id, plan_ids, pos, region_db_id, round_ids,
    u32_of,
};
use crate::{Actor, FigureDecision, FigureInput, IndicatorVersion, Page, Paged, StoreError};

/// A plan's stored values by (indicator, scope, region or 0, period) → (value id, value, extracted),
/// and each indicator's next free position.
type StoredValues = (HashMap<(i64, String, i64, String), (i64, f64, Option<String>)>, HashMap<i64, i32>);

#[async_trait::async_trait]
impl crate::Indicators for StoreImpl {
    /// Adds and changes indicator values, all or nothing, holding the write lock only for a few
    /// set-based statements: what is stored is read and compared first, outside any lock; the
    /// rows that differ are staged in a temporary table of this connection; one short write
    /// transaction then applies them, each change only if the value is still what was read
    /// (otherwise someone else changed it meanwhile, and nothing is written). Returns (added,
    /// changed).
    async fn import_indicator_values(
        &self,
        plan: &Slug,
        inputs: &[uppfolj_domain::indicator_import::ValueInput],
        actor: &Actor,
    ) -> Result<(usize, usize), StoreError> {
        let pool = &self.pool;
        // 1. What is stored now: the plan's indicators, regions and values, in four queries.
        let started = std::time::Instant::now();
        let mut conn = pool.acquire().await?;
        let (plan_id, hr_id) = plan_ids(&mut conn, plan).await?;
        let mut indicator_ids: HashMap<String, i64> = HashMap::new();
        for r in sqlx::query(&format!("SELECT i.id, i.slug FROM indicators i WHERE {SEEN_BY_PLAN}"))
            .bind(plan_id)
            .fetch_all(&mut *conn)
            .await?
        {
            indicator_ids.insert(r.try_get("slug")?, r.try_get("id")?);
        }
        let mut region_ids: HashMap<String, i64> = HashMap::new();
        for r in sqlx::query("SELECT id, code FROM regions WHERE healthcare_region_id = $1")
            .bind(hr_id)
            .fetch_all(&mut *conn)
            .await?
        {
            region_ids.insert(r.try_get("code")?, r.try_get("id")?);
        }
        let stored_rows = sqlx::query(&format!(
            "SELECT v.id, v.indicator_id, v.scope, v.region_id, v.period, v.value, v.extracted, v.position \
             FROM indicator_values v JOIN indicators i ON i.id = v.indicator_id WHERE {SEEN_BY_PLAN}"
        ))
        .bind(plan_id)
        .fetch_all(&mut *conn)
        .await?;
        // The stored values as a map, built with the comparison below off the async workers: a
        // plan with 100 000 values takes a second of CPU to read, and a worker busy that long
        // keeps the requests queued behind it waiting.
        let index_stored = move || -> Result<StoredValues, StoreError> {
            let mut stored_values = HashMap::new();
            let mut next_position: HashMap<i64, i32> = HashMap::new();
            for r in stored_rows {
                let iid: i64 = r.try_get("indicator_id")?;
                let position: i32 = r.try_get("position")?;
                let next = next_position.entry(iid).or_insert(0);
                *next = (*next).max(position.saturating_add(1));
                let key = (
                    iid,
                    r.try_get("scope")?,
                    r.try_get::<Option<i64>, _>("region_id")?.unwrap_or(0),
                    r.try_get("period")?,
                );
                stored_values.insert(key, (r.try_get("id")?, r.try_get("value")?, r.try_get("extracted")?));
            }
            Ok((stored_values, next_position))
        };

        // 2. What differs, in memory: each row to add or change, with the text of its audit event.
        struct Staged {
            /// The stored value a change replaces (`None`: a new value).
            value_id: Option<i64>,
            iid: i64,
            position: i32,
            scope: &'static str,
            region: Option<i64>,
            period: String,
            value: f64,
            extracted: Option<String>,
            old: Option<f64>,
            old_extracted: Option<String>,
            subject: String,
            /// The audit event's old and new value, as text.
            old_text: Option<String>,
            new_text: String,
        }
        // CPU work proportional to the file: off the async workers, so that a large import never
        // keeps another user's request waiting for a thread.
        let rows = inputs.len();
        let inputs = inputs.to_vec();
        let compare = move || -> Result<Vec<Staged>, StoreError> {
            let (stored_values, mut next_position) = index_stored()?;
            let mut staged: Vec<Staged> = Vec::new();
            for v in &inputs {
                let iid = *indicator_ids
                    .get(v.indicator.as_str())
                    .ok_or_else(|| StoreError::NotFound(format!("planen har ingen indikator \"{}\"", v.indicator)))?;
                let (scope, region) =
                    match &v.scope {
                        Scope::Region(c) => (
                            "region",
                            Some(*region_ids.get(c.as_str()).ok_or_else(|| {
                                StoreError::NotFound(format!("sjukvårdsregionen har ingen region {c}"))
                            })?),
                        ),
                        Scope::HealthcareRegion => ("healthcare_region", None),
                        Scope::National => ("national", None),
                    };
                let period = v.period.to_string();
                let extracted = v.extracted.map(format_date);
                let subject = format!(
                    "indikator {} {} {}",
                    v.indicator,
                    if v.scope.notation().is_empty() { "sjukvårdsregionen" } else { v.scope.notation() },
                    v.period
                );
                match stored_values.get(&(iid, scope.to_owned(), region.unwrap_or(0), period.clone())) {
                    Some((id, old, old_extracted)) => {
                        if (old - v.value).abs() < 1e-12 && (extracted.is_none() || *old_extracted == extracted) {
                            continue;
                        }
                        staged.push(Staged {
                            value_id: Some(*id),
                            iid,
                            position: 0,
                            scope,
                            region,
                            period,
                            value: v.value,
                            extracted: extracted.or_else(|| old_extracted.clone()),
                            old: Some(*old),
                            old_extracted: old_extracted.clone(),
                            subject,
                            old_text: Some(old.to_string()),
                            new_text: v.value.to_string(),
                        });
                    }
                    None => {
                        let next = next_position.entry(iid).or_insert(0);
                        staged.push(Staged {
                            value_id: None,
                            iid,
                            position: *next,
                            scope,
                            region,
                            period,
                            value: v.value,
                            extracted,
                            old: None,
                            old_extracted: None,
                            subject,
                            old_text: None,
                            new_text: v.value.to_string(),
                        });
                        *next = next.saturating_add(1);
                    }
                }
            }
            Ok(staged)
        };
        let staged = tokio::task::spawn_blocking(compare)
            .await
            .map_err(|e| StoreError::Corrupt(format!("jämförelsen av indikatorvärdena avbröts: {e}")))??;
        let changed = staged.iter().filter(|s| s.value_id.is_some()).count();
        let added = staged.len() - changed;
        if staged.is_empty() {
            return Ok((0, 0));
        }
        let compared = started.elapsed();

        // 3. Staged in a temporary table of this connection: writing it takes no lock on the
        //    database, others keep saving meanwhile, and a crash leaves nothing behind.
        sqlx::query(
            "CREATE TEMP TABLE IF NOT EXISTS staged_indicator_values (seq INTEGER NOT NULL, value_id BIGINT, \
             indicator_id BIGINT NOT NULL, position INTEGER NOT NULL, scope TEXT NOT NULL, region_id BIGINT, \
             period TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, extracted TEXT, old_value DOUBLE PRECISION, \
             old_extracted TEXT, subject TEXT NOT NULL, old_text TEXT, new_text TEXT NOT NULL)",
        )
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM staged_indicator_values").execute(&mut *conn).await?;
        {
            let mut stage = sqlx::Connection::begin(&mut *conn).await?;
            let mut rows = Rows::new(
                "staged_indicator_values",
                &[
                    "seq",
                    "value_id",
                    "indicator_id",
                    "position",
                    "scope",
                    "region_id",
                    "period",
                    "value",
                    "extracted",
                    "old_value",
                    "old_extracted",
                    "subject",
                    "old_text",
                    "new_text",
                ],
            );
            for (i, r) in staged.iter().enumerate() {
                rows.push([
                    pos(i).into(),
                    r.value_id.into(),
                    r.iid.into(),
                    r.position.into(),
                    r.scope.into(),
                    r.region.into(),
                    r.period.as_str().into(),
                    r.value.into(),
                    r.extracted.as_deref().into(),
                    r.old.into(),
                    r.old_extracted.as_deref().into(),
                    r.subject.as_str().into(),
                    r.old_text.as_deref().into(),
                    r.new_text.as_str().into(),
                ]);
            }
            bulk::insert(&mut stage, &rows).await?;
            stage.commit().await?;
        }
        let staged_in = started.elapsed();

        // 4. Applied in one short write transaction: a few set-based statements, all or nothing.
        //    A change applies only to the value as it was read; if someone changed or removed one
        //    meanwhile, or added one the file adds, nothing is written.
        let applied = apply_staged_values(&mut conn, plan_id, changed, actor).await;
        sqlx::query("DELETE FROM staged_indicator_values").execute(&mut *conn).await?;
        let locked = applied?;
        tracing::info!(
            rows,
            added,
            changed,
            read_and_compared_ms = compared.as_millis() as u64,
            staged_ms = (staged_in - compared).as_millis() as u64,
            apply_transaction_ms = locked.as_millis() as u64,
            "indikatorvärden inlästa"
        );
        Ok((added, changed))
    }

    async fn indicator_versions(&self, plan: &Slug) -> Result<Vec<IndicatorVersion>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let (plan_id, _) = plan_ids(&mut conn, plan).await?;
        let mut out = Vec::new();
        for r in sqlx::query(&format!("SELECT i.slug, i.version FROM indicators i WHERE {SEEN_BY_PLAN} {SERIES_ORDER}"))
            .bind(plan_id)
            .fetch_all(&mut *conn)
            .await?
        {
            out.push(IndicatorVersion {
                slug: Slug::parse(&r.try_get::<String, _>("slug")?).map_err(corrupt)?,
                version: r.try_get("version")?,
            });
        }
        Ok(out)
    }

    /// Adds an indicator (`expected` `None`) or changes one whose version is still `expected`; one
    /// audit event per changed field. Returns the new version.
    #[tracing::instrument(skip_all, fields(plan = %plan, indicator = %def.slug))]
    async fn save_indicator(
        &self,
        plan: &Slug,
        def: &uppfolj_domain::indicator_def::Definition,
        expected: Option<i32>,
        actor: &Actor,
    ) -> Result<i32, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let (plan_id, _) = plan_ids(&mut tx, plan).await?;
        let slug = &def.slug;
        let existing = stored_definition(&mut tx, plan_id, slug).await?;
        let mut goal_ids = Vec::new();
        for g in &def.goals {
            goal_ids.push(goal_db_id(&mut tx, plan_id, *g).await?);
        }
        let subject = format!("indikator {slug}");
        let (iid, version) = match (existing, expected) {
            (Some(_), None) => {
                return Err(StoreError::Conflict(format!("det finns redan en indikator med kortnamnet \"{slug}\"")));
            }
            (None, Some(_)) => return Err(StoreError::NotFound(format!("planen har ingen indikator \"{slug}\""))),
            (Some((iid, old)), Some(expected)) => {
                let key = [("id", iid)];
                let target = Versioned::row("indicators", &key);
                let changes = uppfolj_domain::indicator_def::changes(&old, def);
                if changes.is_empty() {
                    let version = versioned::write(&mut tx, &target, expected, None, actor, &[]).await?;
                    return Ok(version);
                }
                let mut set = target.update();
                set.push("name = ")
                    .push_bind(def.name.clone())
                    .push(", unit = ")
                    .push_bind(def.unit.clone())
                    .push(", higher_is_better = ")
                    .push_bind(def.higher_is_better)
                    .push(", target = ")
                    .push_bind(def.target)
                    .push(", target_date = ")
                    .push_bind(def.target_date.map(format_date))
                    .push(", source = ")
                    .push_bind(def.source.clone())
                    .push(", description = ")
                    .push_bind(def.description.clone());
                let events: Vec<Event> = changes
                    .iter()
                    .map(|(what, before, after)| {
                        Event::new(AuditField::Indicator, format!("{subject}: {what}"))
                            .plan(plan_id)
                            .change(Some(before), Some(after))
                    })
                    .collect();
                let version = versioned::write(&mut tx, &target, expected, Some(set), actor, &events).await?;
                // The goals follow the version just taken: this plan's (a series keeps its links to
                // the goals of other plans).
                sqlx::query(
                    "DELETE FROM indicator_goals WHERE indicator_id = $1 AND goal_id IN (SELECT g.id FROM goals g \
                     JOIN areas a ON a.id = g.area_id WHERE a.plan_id = $2)",
                )
                .bind(iid)
                .bind(plan_id)
                .execute(&mut *tx)
                .await?;
                (iid, version)
            }
            (None, None) => {
                let next: i64 = sqlx::query_scalar(
                    "SELECT CAST(COALESCE(MAX(position) + 1, 0) AS BIGINT) FROM indicators WHERE plan_id = $1",
                )
                .bind(plan_id)
                .fetch_one(&mut *tx)
                .await?;
                let inserted = sqlx::query_scalar(
                    "INSERT INTO indicators (plan_id, position, slug, name, unit, higher_is_better, target, \
                     target_date, \
                     source, description, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) RETURNING id",
                )
                .bind(plan_id)
                .bind(i32::try_from(next).unwrap_or(i32::MAX))
                .bind(slug.as_str())
                .bind(&def.name)
                .bind(&def.unit)
                .bind(def.higher_is_better)
                .bind(def.target)
                .bind(def.target_date.map(format_date))
                .bind(&def.source)
                .bind(&def.description)
                .fetch_one(&mut *tx)
                .await;
                // Two people adding the same short name at once: the unique key decides.
                let iid: i64 = match inserted {
                    Ok(id) => id,
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        return Err(StoreError::Conflict(format!(
                            "det finns redan en indikator med kortnamnet \"{slug}\""
                        )));
                    }
                    Err(e) => return Err(e.into()),
                };
                let event = Event::new(AuditField::Indicator, subject.clone())
                    .plan(plan_id)
                    .change(None, Some(&format!("ny indikator: {}", def.name)));
                versioned::record(&mut tx, actor, &[event]).await?;
                (iid, 1)
            }
        };
        for (j, gid) in goal_ids.iter().enumerate() {
            sqlx::query("INSERT INTO indicator_goals (indicator_id, goal_id, position) VALUES ($1, $2, $3)")
                .bind(iid)
                .bind(gid)
                .bind(pos(j))
                .execute(&mut *tx)
                .await?;
        }
        touch_series(&mut tx, iid).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Removes an indicator that has no values and no decided figures (a mistake, made right).
    #[tracing::instrument(skip_all, fields(plan = %plan, indicator = %slug))]
    async fn delete_indicator(&self, plan: &Slug, slug: &Slug, expected: i32, actor: &Actor) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let (plan_id, _) = plan_ids(&mut tx, plan).await?;
        let Some((iid, old)) = stored_definition(&mut tx, plan_id, slug).await? else {
            return Err(StoreError::NotFound(format!("planen har ingen indikator \"{slug}\"")));
        };
        let values: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM indicator_values WHERE indicator_id = $1")
            .bind(iid)
            .fetch_one(&mut *tx)
            .await?;
        let decided: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM figure_decisions WHERE indicator_id = $1")
            .bind(iid)
            .fetch_one(&mut *tx)
            .await?;
        let others: Vec<i64> = series_plans(&mut tx, iid).await?.into_iter().filter(|p| *p != plan_id).collect();
        if !others.is_empty() {
            return Err(StoreError::Locked(format!(
                "Indikatorn \"{}\" är en serie som också visas i {} annan plan och tas därför inte bort; \
                 ta bort den här planens mål ur indikatorn i stället",
                old.name,
                others.len()
            )));
        }
        if values > 0 {
            return Err(StoreError::Locked(format!(
                "Indikatorn \"{}\" har {values} {} och kan därför inte tas bort; \
                 bara en indikator utan värden kan tas bort",
                old.name,
                if values == 1 { "värde" } else { "värden" }
            )));
        }
        if decided > 0 {
            return Err(StoreError::Locked(format!(
                "Indikatorn \"{}\" kan inte tas bort: {decided} {} ur kommentarerna har bekräftats som dess värden, \
                 och de besluten ska gå att följa",
                old.name,
                if decided == 1 { "siffra" } else { "siffror" }
            )));
        }
        sqlx::query("DELETE FROM indicator_goals WHERE indicator_id = $1").bind(iid).execute(&mut *tx).await?;
        let key = [("id", iid)];
        let event = Event::new(AuditField::Indicator, format!("indikator {slug}"))
            .plan(plan_id)
            .change(Some(&uppfolj_domain::indicator_def::describe(&old)), Some("borttagen"));
        versioned::delete(&mut tx, &Versioned::row("indicators", &key), expected, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_indicator_value(
        &self,
        plan: &Slug,
        slug: &Slug,
        scope: &Scope,
        period: &Period,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let pool = &self.pool;
        let mut tx = begin_write(pool).await?;
        let (plan_id, _) = plan_ids(&mut tx, plan).await?;
        let iid = indicator_db_id(&mut tx, plan_id, slug).await?;
        let key = scope_key(&mut tx, plan_id, scope).await?;
        let who = if scope.notation().is_empty() { "sjukvårdsregionen" } else { scope.notation() };
        let Some((id, old, _)) = indicator_value_at(&mut tx, iid, key, period).await? else {
            return Err(StoreError::NotFound(format!("indikatorn {slug} har inget värde för {who} {period}")));
        };
        sqlx::query("DELETE FROM indicator_values WHERE id = $1").bind(id).execute(&mut *tx).await?;
        touch_series(&mut tx, iid).await?;
        let event = Event::new(AuditField::Indicator, format!("indikator {slug} {who} {period}"))
            .plan(plan_id)
            .region(key.1)
            .change(Some(&old.to_string()), Some("borttaget"));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every recorded change of an indicator, its definition and its values, a page at a time.
    async fn indicator_history(&self, plan: &Slug, slug: &Slug, page: Page) -> Result<Paged<AuditEvent>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let (plan_id, _) = plan_ids(&mut conn, plan).await?;
        // A series' changes, made on any plan that sees it.
        let iid = indicator_db_id(&mut conn, plan_id, slug).await?;
        let plans = series_plans(&mut conn, iid).await?;
        // Slugs hold only a–z, digits and '-', so they are safe in a LIKE pattern.
        let subject = format!("indikator {slug}");
        let filter = |q: &mut sqlx::QueryBuilder<'_, Db>| {
            super::reads::push_in(q, "plan_id", &plans);
            q.push(" AND round_id IS NULL AND field = ");
            q.push_bind(AuditField::Indicator.as_str()).push(" AND (subject = ").push_bind(subject.clone());
            q.push(" OR subject LIKE ").push_bind(format!("{subject} %"));
            q.push(" OR subject LIKE ").push_bind(format!("{subject}:%")).push(")");
        };
        super::history::paged_events(&mut conn, filter, page).await
    }

    async fn figure_decisions(&self, plan: &Slug, year: i32) -> Result<Vec<FigureDecision>, StoreError> {
        let pool = &self.pool;
        let mut conn = pool.acquire().await?;
        let ids = round_ids(&mut conn, plan, year).await?;
        let mut out = Vec::new();
        for r in sqlx::query(
            "SELECT a.number AS area_no, g.number AS goal_no, d.author, d.scope, d.value, d.decision, i.slug, \
             d.period, d.decided_by \
             FROM figure_decisions d JOIN goals g ON g.id = d.goal_id JOIN areas a ON a.id = g.area_id \
             LEFT JOIN indicators i ON i.id = d.indicator_id WHERE d.round_id = $1 ORDER BY d.id",
        )
        .bind(ids.round_id)
        .fetch_all(&mut *conn)
        .await?
        {
            out.push(FigureDecision {
                goal: GoalRef::new(u32_of(r.try_get("area_no")?)?, u32_of(r.try_get("goal_no")?)?),
                author: r.try_get("author")?,
                scope: r.try_get("scope")?,
                value: r.try_get("value")?,
                confirmed: r.try_get::<String, _>("decision")? == "confirmed",
                indicator: r.try_get("slug")?,
                period: r.try_get("period")?,
                decided_by: r.try_get("decided_by")?,
            });
        }
        Ok(out)
    }

    /// Records the RCC's decision on a figure from a comment; a confirmation adds the indicator value.
    async fn decide_figure(&self, plan: &Slug, year: i32, d: &FigureInput, actor: &Actor) -> Result<(), StoreError> {
        let pool = &self.pool;
        let mut tx = begin_write(pool).await?;
        let ids = round_ids(&mut tx, plan, year).await?;
        let gid = goal_db_id(&mut tx, ids.plan_id, d.goal).await?;
        let taken: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM figure_decisions WHERE round_id = $1 AND goal_id = $2 AND author = $3 AND scope = \
             $4 AND value = $5",
        )
        .bind(ids.round_id)
        .bind(gid)
        .bind(&d.author)
        .bind(d.scope.notation())
        .bind(d.value)
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict("förslaget är redan bedömt".to_owned()));
        }
        let who =
            if d.scope.notation().is_empty() { "sjukvårdsregionen".to_owned() } else { d.scope.notation().to_owned() };
        let subject = format!("{year} mål {}: siffra {} för {who} i kommentar från {}", d.goal, d.value, d.author);
        let (indicator_id, period) = match &d.confirm {
            None => (None, None),
            Some((slug, period)) => {
                let iid = indicator_db_id(&mut tx, ids.plan_id, slug).await?;
                let key = scope_key(&mut tx, ids.plan_id, &d.scope).await?;
                if let Some((_, v, _)) = indicator_value_at(&mut tx, iid, key, period).await? {
                    return Err(StoreError::Conflict(format!(
                        "indikatorn {slug} har redan värdet {v} för {who} {period}; ändra det med en import av \
                         indikatorvärden"
                    )));
                }
                let note = format!("Kommentar från {}, mål {} ({year})", d.author, d.goal);
                insert_indicator_value(&mut tx, iid, key, period, d.value, None, &note).await?;
                // The value is the series' on every page that shows it, not only this round's.
                touch_series(&mut tx, iid).await?;
                (Some(iid), Some(period.to_string()))
            }
        };
        sqlx::query(
            "INSERT INTO figure_decisions (round_id, goal_id, author, scope, value, decision, indicator_id, \
             period, decided_by, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(ids.round_id)
        .bind(gid)
        .bind(&d.author)
        .bind(d.scope.notation())
        .bind(d.value)
        .bind(if indicator_id.is_some() { "confirmed" } else { "rejected" })
        .bind(indicator_id)
        .bind(&period)
        .bind(&actor.name)
        .bind(timestamp(actor.at))
        .execute(&mut *tx)
        .await?;
        let new = match (&d.confirm, &period) {
            (Some((slug, _)), Some(p)) => format!("bekräftad som {slug} {p}"),
            _ => "avvisad".to_owned(),
        };
        let event = Event::new(AuditField::Indicator, subject)
            .plan(ids.plan_id)
            .round(ids.round_id)
            .goal(gid)
            .change(None, Some(&new));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn indicator_db_id(conn: &mut Conn, plan_id: i64, slug: &Slug) -> Result<i64, StoreError> {
    sqlx::query_scalar(&format!("SELECT i.id FROM indicators i WHERE {SEEN_BY_PLAN} AND i.slug = $2"))
        .bind(plan_id)
        .bind(slug.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("planen har ingen indikator \"{slug}\"")))
}

/// How a scope is stored: the `scope` column and the region's id.
async fn scope_key(conn: &mut Conn, plan_id: i64, scope: &Scope) -> Result<(&'static str, Option<i64>), StoreError> {
    Ok(match scope {
        Scope::Region(c) => ("region", Some(region_db_id(conn, plan_id, c).await?)),
        Scope::HealthcareRegion => ("healthcare_region", None),
        Scope::National => ("national", None),
    })
}

/// The stored value of an indicator for a scope and period: (id, value, extracted).
async fn indicator_value_at(
    conn: &mut Conn,
    iid: i64,
    key: (&str, Option<i64>),
    period: &Period,
) -> Result<Option<(i64, f64, Option<String>)>, StoreError> {
    let row = sqlx::query(
        "SELECT id, value, extracted FROM indicator_values WHERE indicator_id = $1 AND scope = $2 AND \
         COALESCE(region_id, 0) = $3 AND period = $4",
    )
    .bind(iid)
    .bind(key.0)
    .bind(key.1.unwrap_or(0))
    .bind(period.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("value")?, r.try_get("extracted")?))).transpose()
}

/// Adds a value after the indicator's others.
async fn insert_indicator_value(
    conn: &mut Conn,
    iid: i64,
    key: (&str, Option<i64>),
    period: &Period,
    value: f64,
    extracted: Option<&str>,
    note: &str,
) -> Result<(), StoreError> {
    let next: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM indicator_values WHERE indicator_id = $1")
        .bind(iid)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO indicator_values (indicator_id, position, scope, region_id, period, value, extracted, \
         note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(iid)
    .bind(i32::try_from(next).unwrap_or(i32::MAX))
    .bind(key.0)
    .bind(key.1)
    .bind(period.to_string())
    .bind(value)
    .bind(extracted)
    .bind(note)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Applies the staged indicator values with their audit events; answers how long the write
/// transaction took (on SQLite the time others' writes wait at most; PostgreSQL locks only
/// the rows it changes).
async fn apply_staged_values(
    conn: &mut Conn,
    plan_id: i64,
    changed: usize,
    actor: &Actor,
) -> Result<std::time::Duration, StoreError> {
    let moved = || {
        StoreError::Conflict("någon annan ändrade indikatorvärden medan filen lästes in; läs in filen igen".to_owned())
    };
    let mut tx = begin_write_on(conn).await?;
    let locked = std::time::Instant::now();
    // Changes of stored values (none in an import of new ones: nothing to check or update).
    if changed > 0 {
        let moved_meanwhile: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM staged_indicator_values s LEFT JOIN indicator_values v ON v.id = s.value_id \
             WHERE s.value_id IS NOT NULL AND (v.id IS NULL OR v.value <> s.old_value \
             OR COALESCE(v.extracted, '') <> COALESCE(s.old_extracted, ''))",
        )
        .fetch_one(&mut *tx)
        .await?;
        if moved_meanwhile > 0 {
            return Err(moved());
        }
        // Only a value still as it was read is changed: one changed since the check above is a conflict.
        let updated = sqlx::query(
            "UPDATE indicator_values SET value = s.value, extracted = s.extracted FROM staged_indicator_values s \
             WHERE s.value_id = indicator_values.id AND indicator_values.value = s.old_value \
             AND COALESCE(indicator_values.extracted, '') = COALESCE(s.old_extracted, '')",
        )
        .execute(&mut *tx)
        .await?;
        if usize::try_from(updated.rows_affected()).ok() != Some(changed) {
            return Err(moved());
        }
    }
    let inserted = sqlx::query(
        "INSERT INTO indicator_values (indicator_id, position, scope, region_id, period, value, extracted, note) \
         SELECT indicator_id, position, scope, region_id, period, value, extracted, '' \
         FROM staged_indicator_values WHERE value_id IS NULL ORDER BY seq",
    )
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(moved()),
        Err(e) => return Err(e.into()),
    }
    sqlx::query(
        "INSERT INTO audit_events (at, actor_user_id, actor, plan_id, region_id, field, subject, old_value, new_value) \
         SELECT $1, $2, $3, $4, region_id, $5, subject, old_text, new_text FROM staged_indicator_values ORDER BY seq",
    )
    .bind(timestamp(actor.at))
    .bind(actor.user_id)
    .bind(&actor.name)
    .bind(plan_id)
    .bind(AuditField::Indicator.as_str())
    .execute(&mut *tx)
    .await?;
    tx.touch_plan(plan_id);
    // The other plans that see the series changed.
    let series: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT a.plan_id FROM staged_indicator_values s JOIN indicator_goals ig ON ig.indicator_id = \
         s.indicator_id JOIN goals g ON g.id = ig.goal_id JOIN areas a ON a.id = g.area_id \
         UNION SELECT i.plan_id FROM staged_indicator_values s JOIN indicators i ON i.id = s.indicator_id",
    )
    .fetch_all(&mut *tx)
    .await?;
    for plan in series {
        tx.touch_plan(plan);
    }
    tx.commit().await?;
    Ok(locked.elapsed())
}

/// The definition of an indicator as stored (without its values), with its row id.
async fn stored_definition(conn: &mut Conn, plan_id: i64, slug: &Slug) -> Result<Option<(i64, Indicator)>, StoreError> {
    let Some(i) = sqlx::query(&format!(
        "SELECT i.id, i.slug, i.name, i.unit, i.higher_is_better, i.target, i.target_date, i.source, \
             i.description FROM indicators i WHERE {SEEN_BY_PLAN} AND i.slug = $2"
    ))
    .bind(plan_id)
    .bind(slug.as_str())
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let iid: i64 = i.try_get("id")?;
    let mut goals = Vec::new();
    for g in sqlx::query(
        "SELECT a.number AS area_no, g.number AS goal_no FROM indicator_goals ig JOIN goals g ON g.id = ig.goal_id \
         JOIN areas a ON a.id = g.area_id WHERE ig.indicator_id = $1 ORDER BY ig.position",
    )
    .bind(iid)
    .fetch_all(&mut *conn)
    .await?
    {
        goals.push(GoalRef::new(u32_of(g.try_get("area_no")?)?, u32_of(g.try_get("goal_no")?)?));
    }
    let target_date: Option<String> = i.try_get("target_date")?;
    Ok(Some((
        iid,
        Indicator {
            slug: Slug::parse(&i.try_get::<String, _>("slug")?).map_err(corrupt)?,
            name: i.try_get("name")?,
            unit: i.try_get("unit")?,
            higher_is_better: i.try_get("higher_is_better")?,
            target: i.try_get("target")?,
            target_date: target_date.as_deref().map(|d| parse_date(d).map_err(corrupt)).transpose()?,
            source: i.try_get("source")?,
            description: i.try_get("description")?,
            goals,
            values: Vec::new(),
        },
    )))
}
