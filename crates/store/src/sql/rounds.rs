//! Follow-up rounds: opening one (a row per goal × region, a follow-up per care process), publishing
//! and reopening, the working view with every version, and each region's state.

use std::collections::BTreeMap;

use sqlx::Row as _;
use time::Date;
use uppfolj_domain::ids::{format_date, swedish_date, timestamp};
use uppfolj_domain::input::TextKind;
use uppfolj_domain::{
    AuditField, Classification, Dataset, Level, Period, RegionCode, RegionState, RoundStatus, Slug, StateAction,
    transition,
};

use super::versioned::{self, Event, Versioned};
use super::{
    Db, StoreImpl, Tx, begin_read, begin_write, corrupt, date_of, goal_of, open_round_write, plan_ids, region_db_id,
    region_of, round_ids, stored, time_of,
};
use crate::{Actor, Cell, RccComment, RegionProgress, RegionWork, RoundMeta, RoundWork, Shape, StoreError};

#[async_trait::async_trait]
impl crate::Rounds for StoreImpl {
    #[tracing::instrument(skip_all, fields(plan = %plan, year))]
    async fn open_round(&self, plan: &Slug, year: i32, deadline: Date, actor: &Actor) -> Result<(), StoreError> {
        uppfolj_domain::workflow::check_deadline(year, deadline).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut tx = begin_write(&self.pool).await?;
        let (plan_id, hr_id) = plan_ids(&mut tx, plan).await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM rounds WHERE plan_id = $1 AND year = $2")
            .bind(plan_id)
            .bind(year)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict(format!("planen \"{plan}\" har redan en uppföljning för {year}")));
        }
        let row =
            sqlx::query("SELECT end_year, status FROM plans WHERE id = $1").bind(plan_id).fetch_one(&mut *tx).await?;
        let end_year: i32 = row.try_get("end_year")?;
        match super::plan_status(&row.try_get::<String, _>("status")?)? {
            uppfolj_domain::PlanStatus::Adopted => {}
            uppfolj_domain::PlanStatus::Draft => {
                return Err(StoreError::Conflict(format!(
                    "planen \"{plan}\" är ett utkast: fastställ den innan den följs upp"
                )));
            }
            uppfolj_domain::PlanStatus::Closed => {
                return Err(StoreError::Conflict(format!("planen \"{plan}\" är avslutad")));
            }
        }
        let conducted = Period::Month(deadline.year(), u8::from(deadline.month()));
        let round_id: i64 = sqlx::query_scalar(
            "INSERT INTO rounds (plan_id, year, conducted, is_final, introduction, status, deadline) \
             VALUES ($1, $2, $3, $4, '', 'open', $5) RETURNING id",
        )
        .bind(plan_id)
        .bind(year)
        .bind(conducted.to_string())
        .bind(year >= end_year)
        .bind(format_date(deadline))
        .fetch_one(&mut *tx)
        .await?;
        // A row per region and per goal × region, in two set-based statements.
        sqlx::query(
            "INSERT INTO region_rounds (round_id, region_id, state, version, updated_at) \
             SELECT $1, id, 'not_started', 1, $2 FROM regions WHERE healthcare_region_id = $3",
        )
        .bind(round_id)
        .bind(timestamp(actor.at))
        .bind(hr_id)
        .execute(&mut *tx)
        .await?;
        // Each region's reporters are invited to answer, in this transaction.
        let (title, slug, _) = super::outbox::round_frame(&mut tx, round_id).await?;
        let regions = sqlx::query("SELECT id, code FROM regions WHERE healthcare_region_id = $1 ORDER BY position")
            .bind(hr_id)
            .fetch_all(&mut *tx)
            .await?;
        for r in &regions {
            let (rid, code): (i64, String) = (r.try_get("id")?, r.try_get("code")?);
            let text = uppfolj_domain::notify::round_opened(&title, year, &code, deadline);
            let link = format!("/planer/{slug}/{year}/regioner/{code}");
            let to = super::outbox::To::Reporters(rid);
            let event = format!("opened:{round_id}:{rid}");
            let mail = super::outbox::Mail {
                kind: "round_opened",
                event: &event,
                to: &to,
                text: &text,
                link: &link,
                round_id: Some(round_id),
            };
            super::outbox::enqueue(&mut tx, mail, actor.at).await?;
        }
        sqlx::query(
            "INSERT INTO assessments (round_id, goal_id, region_id, level, comment, version, condensed_version) \
             SELECT $1, g.id, r.id, '', '', 1, 1 FROM goals g JOIN areas a ON a.id = g.area_id \
             CROSS JOIN regions r WHERE a.plan_id = $2 AND r.healthcare_region_id = $3 \
             AND (g.retired_from IS NULL OR g.retired_from > $4)",
        )
        .bind(round_id)
        .bind(plan_id)
        .bind(hr_id)
        .bind(year)
        .execute(&mut *tx)
        .await?;
        // Every care process gets this year's follow-up, starting from its latest goals.
        let processes: Vec<i64> = sqlx::query_scalar("SELECT id FROM processes WHERE plan_id = $1 ORDER BY id")
            .bind(plan_id)
            .fetch_all(&mut *tx)
            .await?;
        for pid in processes {
            let prev = sqlx::query(
                "SELECT id, title, classification, plan_goals FROM process_followups WHERE process_id = $1 AND \
                 year < $2 \
                 ORDER BY year DESC",
            )
            .bind(pid)
            .bind(year)
            .fetch_optional(&mut *tx)
            .await?;
            let (prev_id, title, classification, plan_goals) = match prev {
                Some(p) => (
                    Some(p.try_get::<i64, _>("id")?),
                    p.try_get::<String, _>("title")?,
                    p.try_get::<String, _>("classification")?,
                    p.try_get::<String, _>("plan_goals")?,
                ),
                None => (None, String::new(), Classification::Restricted.as_str().to_owned(), "[]".to_owned()),
            };
            let title = if title.is_empty() {
                format!("Processuppföljning {year}")
            } else {
                title.replace(&(year - 1).to_string(), &year.to_string())
            };
            let fid: i64 = sqlx::query_scalar(
                "INSERT INTO process_followups (process_id, year, title, classification, plan_goals, comments, \
                 long_term, \
                 level_structuring, patient_involvement, other, version) \
                 VALUES ($1, $2, $3, $4, $5, '', '[]', '', '', '', 1) RETURNING id",
            )
            .bind(pid)
            .bind(year)
            .bind(&title)
            .bind(&classification)
            .bind(&plan_goals)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(prev_id) = prev_id {
                sqlx::query(
                    "INSERT INTO process_goals (followup_id, position, text, current_state, target_levels, \
                     target_date, \
                     followup) SELECT $1, position, text, current_state, target_levels, target_date, '' \
                     FROM process_goals WHERE followup_id = $2",
                )
                .bind(fid)
                .bind(prev_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        // Each care process's leaders: this year's follow-up waits for them and their signature.
        let slugs: Vec<String> = sqlx::query_scalar("SELECT slug FROM processes WHERE plan_id = $1 ORDER BY id")
            .bind(plan_id)
            .fetch_all(&mut *tx)
            .await?;
        for process in &slugs {
            let text = uppfolj_domain::notify::process_waiting(&title, year, process, deadline);
            let link = format!("/planer/{slug}/{year}/processer/{process}/redigera");
            let to = super::outbox::To::ProcessLeaders(hr_id, process.clone());
            let event = format!("process:{round_id}:{process}");
            let mail = super::outbox::Mail {
                kind: "process_waiting",
                event: &event,
                to: &to,
                text: &text,
                link: &link,
                round_id: Some(round_id),
            };
            super::outbox::enqueue(&mut tx, mail, actor.at).await?;
        }
        let new = format!("öppen, sista dag för svar {}", swedish_date(deadline));
        let event = Event::new(AuditField::RoundStatus, format!("uppföljning {year}"))
            .plan(plan_id)
            .round(round_id)
            .change(None, Some(&new));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.touch_plan(plan_id);
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, year, status = status.as_str()))]
    async fn set_round_status(
        &self,
        plan: &Slug,
        year: i32,
        status: RoundStatus,
        reason: Option<&str>,
        allow_incomplete: bool,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let reason = reason.map(|r| stored(TextKind::Reason, r, || "skälet".to_owned())).transpose()?;
        let reason = reason.as_deref().filter(|r| !r.is_empty());
        let mut tx = begin_write(&self.pool).await?;
        let ids = round_ids(&mut tx, plan, year).await?;
        match status {
            RoundStatus::Published => {
                if ids.status == RoundStatus::Published {
                    return Err(StoreError::Invalid(format!("uppföljningen {year} är redan publicerad")));
                }
                let pending: Vec<String> = sqlx::query_scalar(
                    "SELECT r.code FROM region_rounds s JOIN regions r ON r.id = s.region_id \
                     WHERE s.round_id = $1 AND s.state <> 'accepted' ORDER BY r.position",
                )
                .bind(ids.round_id)
                .fetch_all(&mut *tx)
                .await?;
                if !pending.is_empty() && !allow_incomplete {
                    return Err(StoreError::Invalid(format!(
                        "{} har inte fått sina svar godkända; godkänn dem först eller publicera ändå",
                        pending.join(", ")
                    )));
                }
            }
            RoundStatus::Open => {
                if ids.status == RoundStatus::Open {
                    return Err(StoreError::Invalid(format!("uppföljningen {year} är redan öppen")));
                }
                if reason.is_none() {
                    return Err(StoreError::Invalid(
                        "ange ett skäl när en publicerad uppföljning öppnas igen".to_owned(),
                    ));
                }
            }
        }
        // The status as read is the condition of the change: two people publishing at once publish once.
        let changed = sqlx::query("UPDATE rounds SET status = $1 WHERE id = $2 AND status = $3")
            .bind(status.as_str())
            .bind(ids.round_id)
            .bind(ids.status.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed != 1 {
            return Err(StoreError::Conflict(format!("någon annan ändrade uppföljningen {year} samtidigt")));
        }
        write_tally(&mut tx, ids.round_id, status).await?;
        if status == RoundStatus::Published {
            let (title, slug, hr) = super::outbox::round_frame(&mut tx, ids.round_id).await?;
            let text = uppfolj_domain::notify::published(&title, year);
            let event = format!("published:{}:{}", ids.round_id, timestamp(actor.at));
            let to = super::outbox::To::Everyone(hr);
            let link = format!("/planer/{slug}/{year}");
            let mail = super::outbox::Mail {
                kind: "published",
                event: &event,
                to: &to,
                text: &text,
                link: &link,
                round_id: Some(ids.round_id),
            };
            super::outbox::enqueue(&mut tx, mail, actor.at).await?;
        }
        let event = Event::new(AuditField::RoundStatus, format!("uppföljning {year}"))
            .plan(ids.plan_id)
            .round(ids.round_id)
            .change(Some(ids.status.label()), Some(status.label()))
            .because(reason);
        versioned::record(&mut tx, actor, &[event]).await?;
        // What is published stays as published: frozen as the next edition, in this transaction;
        // a reopening marks the edition replaced, with its reason.
        match status {
            RoundStatus::Published => {
                _ = super::editions::freeze(&mut tx, plan, year, ids.round_id, super::reads::Source::Now, actor).await?
            }
            RoundStatus::Open => {
                super::editions::replaced(&mut tx, ids.round_id, reason.unwrap_or(""), actor.at).await?
            }
        }
        // Which rounds a plan's pages list, and which a trend counts, changed with it.
        tx.touch_plan(ids.plan_id);
        if status == RoundStatus::Published {
            super::backup::crash_point("publish").await;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn round_meta(&self, plan: &Slug, year: i32) -> Result<RoundMeta, StoreError> {
        let mut conn = self.pool.acquire().await?;
        super::reads::round_meta(&mut conn, plan, Some(year)).await
    }

    async fn rounds_of(&self, plan: &Slug) -> Result<Vec<(i32, RoundStatus)>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Ok(super::reads::round_meta(&mut conn, plan, None).await?.rounds)
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, year))]
    async fn round_data(&self, plan: &Slug, year: i32, shape: &Shape) -> Result<Dataset, StoreError> {
        let mut tx = begin_read(&self.pool).await?;
        let data = super::reads::round(&mut tx, plan, year, shape).await?;
        tx.commit().await?;
        Ok(data)
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, year))]
    async fn round_work(&self, plan: &Slug, year: i32, region: Option<&RegionCode>) -> Result<RoundWork, StoreError> {
        let mut tx = begin_read(&self.pool).await?;
        let ids = round_ids(&mut tx, plan, year).await?;
        let only = match region {
            Some(code) => Some(region_db_id(&mut tx, ids.plan_id, code).await?),
            None => None,
        };
        let of_region = |q: &mut sqlx::QueryBuilder<'_, Db>| {
            if let Some(id) = only {
                q.push(" AND s.region_id = ").push_bind(id);
            }
        };
        let meta = sqlx::query("SELECT deadline, narrative_version FROM rounds WHERE id = $1")
            .bind(ids.round_id)
            .fetch_one(&mut *tx)
            .await?;
        let deadline: Option<String> = meta.try_get("deadline")?;
        let mut regions = Vec::new();
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT r.code, s.state, s.reason, s.version, s.updated_at FROM region_rounds s \
             JOIN regions r ON r.id = s.region_id WHERE s.round_id = ",
        );
        q.push_bind(ids.round_id);
        of_region(&mut q);
        q.push(" ORDER BY r.position");
        for r in q.build().fetch_all(&mut *tx).await? {
            let state: String = r.try_get("state")?;
            regions.push(RegionWork {
                region: region_of(&r, "code")?,
                state: RegionState::parse(&state).ok_or_else(|| corrupt(format!("status \"{state}\"")))?,
                reason: r.try_get("reason")?,
                version: r.try_get("version")?,
                updated_at: r.try_get::<Option<String>, _>("updated_at")?.as_deref().map(time_of).transpose()?,
            });
        }
        let mut cells = Vec::new();
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT a.number AS area_no, g.number AS goal_no, r.code, s.level, s.comment, s.condensed, s.version, \
             s.condensed_version, s.updated_at, s.updated_by \
             FROM assessments s JOIN goals g ON g.id = s.goal_id JOIN areas a ON a.id = g.area_id \
             JOIN regions r ON r.id = s.region_id WHERE s.round_id = ",
        );
        q.push_bind(ids.round_id);
        of_region(&mut q);
        q.push(" ORDER BY a.number, g.number, r.position");
        for c in q.build().fetch_all(&mut *tx).await? {
            let level: String = c.try_get("level")?;
            cells.push(Cell {
                goal: goal_of(&c)?,
                region: region_of(&c, "code")?,
                level: Level::parse(&level).map_err(corrupt)?,
                comment: c.try_get("comment")?,
                condensed: c.try_get("condensed")?,
                version: c.try_get("version")?,
                condensed_version: c.try_get("condensed_version")?,
                updated_at: c.try_get::<Option<String>, _>("updated_at")?.as_deref().map(time_of).transpose()?,
                updated_by: c.try_get("updated_by")?,
            });
        }
        let mut rcc_comments = BTreeMap::new();
        for c in sqlx::query(
            "SELECT a.number AS area_no, g.number AS goal_no, c.body, c.version FROM rcc_comments c \
             JOIN goals g ON g.id = c.goal_id JOIN areas a ON a.id = g.area_id WHERE c.round_id = $1",
        )
        .bind(ids.round_id)
        .fetch_all(&mut *tx)
        .await?
        {
            rcc_comments.insert(goal_of(&c)?, RccComment { text: c.try_get("body")?, version: c.try_get("version")? });
        }
        tx.commit().await?;
        Ok(RoundWork {
            year,
            status: ids.status,
            deadline: deadline.as_deref().map(date_of).transpose()?,
            narrative_version: meta.try_get("narrative_version")?,
            regions,
            cells,
            rcc_comments,
        })
    }

    async fn region_progress(&self, plan: &Slug, year: i32) -> Result<Vec<RegionProgress>, StoreError> {
        let mut tx = begin_read(&self.pool).await?;
        let ids = round_ids(&mut tx, plan, year).await?;
        let mut counts: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for c in sqlx::query(
            "SELECT r.code, SUM(CASE WHEN s.level <> '' THEN 1 ELSE 0 END) AS with_level, \
             SUM(CASE WHEN LENGTH(TRIM(s.comment)) > 0 THEN 1 ELSE 0 END) AS with_comment \
             FROM assessments s JOIN regions r ON r.id = s.region_id WHERE s.round_id = $1 GROUP BY r.code",
        )
        .bind(ids.round_id)
        .fetch_all(&mut *tx)
        .await?
        {
            counts.insert(c.try_get("code")?, (c.try_get("with_level")?, c.try_get("with_comment")?));
        }
        let mut out = Vec::new();
        for r in sqlx::query(
            "SELECT r.code, s.state, s.reason, s.version, s.updated_at FROM region_rounds s \
             JOIN regions r ON r.id = s.region_id WHERE s.round_id = $1 ORDER BY r.position",
        )
        .bind(ids.round_id)
        .fetch_all(&mut *tx)
        .await?
        {
            let state: String = r.try_get("state")?;
            let code: String = r.try_get("code")?;
            let (with_level, with_comment) = counts.get(&code).copied().unwrap_or((0, 0));
            out.push(RegionProgress {
                work: RegionWork {
                    region: region_of(&r, "code")?,
                    state: RegionState::parse(&state).ok_or_else(|| corrupt(format!("status \"{state}\"")))?,
                    reason: r.try_get("reason")?,
                    version: r.try_get("version")?,
                    updated_at: r.try_get::<Option<String>, _>("updated_at")?.as_deref().map(time_of).transpose()?,
                },
                with_level: usize::try_from(with_level).unwrap_or(0),
                with_comment: usize::try_from(with_comment).unwrap_or(0),
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, year, region = %region, action = action.key()))]
    async fn change_region_state(
        &self,
        plan: &Slug,
        year: i32,
        region: &RegionCode,
        action: &StateAction,
        expected: Option<i32>,
        actor: &Actor,
    ) -> Result<RegionState, StoreError> {
        let action = match action {
            StateAction::Return { reason } => {
                StateAction::Return { reason: stored(TextKind::Reason, reason, || "skälet".to_owned())? }
            }
            other => other.clone(),
        };
        let (mut tx, ids) = open_round_write(&self.pool, plan, year).await?;
        let rid = region_db_id(&mut tx, ids.plan_id, region).await?;
        let row = sqlx::query("SELECT id, state, version FROM region_rounds WHERE round_id = $1 AND region_id = $2")
            .bind(ids.round_id)
            .bind(rid)
            .fetch_one(&mut *tx)
            .await?;
        let text: String = row.try_get("state")?;
        let from = RegionState::parse(&text).ok_or_else(|| corrupt(format!("status \"{text}\"")))?;
        // Based on `expected`, or on the state as read now; either way the write checks it.
        let expected = match expected {
            Some(v) => v,
            None => row.try_get("version")?,
        };
        let key = [("id", row.try_get::<i64, _>("id")?)];
        let target = Versioned::row("region_rounds", &key);
        let to = match transition(from, &action) {
            Ok(to) => to,
            Err(e) => {
                // Not possible from the state as it is now; if that is because someone else moved it
                // since `expected`, say so instead.
                versioned::write(&mut tx, &target, expected, None, actor, &[]).await?;
                return Err(StoreError::Invalid(e.to_string()));
            }
        };
        let reason = match &action {
            StateAction::Return { reason } => Some(reason.as_str()),
            _ => None,
        };
        let keep_reason = matches!(action, StateAction::Save | StateAction::Submit);
        let mut set = target.update();
        set.push("state = ").push_bind(to.as_str()).push(", updated_at = ").push_bind(timestamp(actor.at));
        if !keep_reason {
            set.push(", reason = ").push_bind(reason);
        }
        let events: Vec<Event> = if from == to {
            Vec::new()
        } else {
            vec![
                Event::new(AuditField::RegionState, format!("{year} {region}: status"))
                    .plan(ids.plan_id)
                    .round(ids.round_id)
                    .region(Some(rid))
                    .change(Some(from.as_str()), Some(to.as_str()))
                    .because(reason),
            ]
        };
        let version = versioned::write(&mut tx, &target, expected, Some(set), actor, &events).await?;
        // The mail the change causes, in its transaction.
        if from != to {
            let (title, slug, hr) = super::outbox::round_frame(&mut tx, ids.round_id).await?;
            let code = region.as_str();
            let event = |what: &str| format!("{what}:{}:{rid}:{version}", ids.round_id);
            let form = format!("/planer/{slug}/{year}/regioner/{code}");
            let mail = match &action {
                StateAction::Return { reason } => Some((
                    "returned",
                    uppfolj_domain::notify::returned(&title, year, code, reason),
                    super::outbox::To::Reporters(rid),
                    form,
                )),
                StateAction::Submit => Some((
                    "submitted",
                    uppfolj_domain::notify::submitted(&title, year, code, from == RegionState::Returned),
                    super::outbox::To::Rcc(hr),
                    format!("/planer/{slug}/{year}/granskning/{code}"),
                )),
                StateAction::Accept => Some((
                    "accepted",
                    uppfolj_domain::notify::accepted(&title, year, code),
                    super::outbox::To::Reporters(rid),
                    form,
                )),
                StateAction::Save => None,
            };
            if let Some((kind, text, to, link)) = mail {
                let event = event(kind);
                let mail = super::outbox::Mail {
                    kind,
                    event: &event,
                    to: &to,
                    text: &text,
                    link: &link,
                    round_id: Some(ids.round_id),
                };
                super::outbox::enqueue(&mut tx, mail, actor.at).await?;
            }
        }
        tx.commit().await?;
        Ok(to)
    }
}

/// Keeps a round's tally (what later rounds' trends show of it) with its status: counted from its
/// cells when it is published, removed when it is reopened.
pub(super) async fn write_tally(tx: &mut Tx<'_>, round_id: i64, status: RoundStatus) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM round_tallies WHERE round_id = $1").bind(round_id).execute(&mut **tx).await?;
    if status == RoundStatus::Published {
        sqlx::query(
            "INSERT INTO round_tallies (round_id, region_id, level, goals) SELECT round_id, region_id, level, \
             COUNT(*) FROM assessments WHERE round_id = $1 AND level <> '' GROUP BY round_id, region_id, level",
        )
        .bind(round_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
