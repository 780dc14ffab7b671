//! Care processes' own follow-ups: edited and signed by their leaders (versioned; locked once
//! signed, until the RCC reopens with a reason).

use sqlx::Row as _;
use time::Date;
use uppfolj_domain::ids::{format_date, swedish_date};
use uppfolj_domain::input::TextKind;
use uppfolj_domain::{AuditField, ProcessFollowUp, ProcessGoal, Slug};

use super::versioned::{self, Event, Versioned};
use super::{Conn, StoreImpl, begin_write, from_json_list, json_list, plan_ids, pos, stored};
use crate::{Actor, StoreError};

#[async_trait::async_trait]
impl crate::ProcessFollowUps for StoreImpl {
    async fn process_followup_version(&self, plan: &Slug, year: i32, process: &Slug) -> Result<i32, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Ok(followup_row(&mut conn, plan, year, process).await?.version)
    }

    /// The content is compared with what is stored, read in the same transaction; goals are never
    /// removed, only added.
    #[tracing::instrument(skip_all, fields(plan = %plan, process = %f.process, year = f.year))]
    async fn save_process_followup(
        &self,
        plan: &Slug,
        f: &ProcessFollowUp,
        expected: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError> {
        let f = &stored_followup(f)?;
        let mut tx = begin_write(&self.pool).await?;
        let row = followup_row(&mut tx, plan, f.year, &f.process).await?;
        if row.signed {
            return Err(StoreError::Locked(
                "uppföljningen är signerad och kan inte ändras; RCC kan öppna den igen med ett skäl".to_owned(),
            ));
        }
        let old = stored_content(&mut tx, row.id, f).await?;
        if f.goals.len() < old.goals.len() {
            return Err(StoreError::Invalid("mål kan inte tas bort ur en processuppföljning".to_owned()));
        }
        let key = [("id", row.id)];
        let target = Versioned::row("process_followups", &key);
        let (old_json, new_json) = (followup_json(&old), followup_json(f));
        if old_json == new_json {
            let version = versioned::write(&mut tx, &target, expected, None, actor, &[]).await?;
            return Ok(version);
        }
        let mut set = target.update();
        set.push("title = ")
            .push_bind(f.title.clone())
            .push(", comments = ")
            .push_bind(f.comments.clone())
            .push(", long_term = ")
            .push_bind(json_list(&f.long_term))
            .push(", level_structuring = ")
            .push_bind(f.level_structuring.clone())
            .push(", patient_involvement = ")
            .push_bind(f.patient_involvement.clone())
            .push(", other = ")
            .push_bind(f.other.clone());
        let event = Event::new(AuditField::ProcessFollowUp, format!("processuppföljning {} {}", f.process, f.year))
            .plan(row.plan_id)
            .change(Some(&old_json), Some(&new_json));
        let version = versioned::write(&mut tx, &target, expected, Some(set), actor, &[event]).await?;
        // The goals follow the version just taken.
        for (i, g) in f.goals.iter().enumerate() {
            let q = if i < old.goals.len() {
                "UPDATE process_goals SET text = $3, current_state = $4, target_levels = $5, target_date = $6, \
                 followup = $7 WHERE followup_id = $1 AND position = $2"
            } else {
                "INSERT INTO process_goals (followup_id, position, text, current_state, target_levels, \
                 target_date,                  followup) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            };
            sqlx::query(q)
                .bind(row.id)
                .bind(pos(i))
                .bind(&g.text)
                .bind(&g.current_state)
                .bind(json_list(&g.target_levels))
                .bind(&g.target_date)
                .bind(&g.followup)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(version)
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, process = %process, year))]
    async fn sign_process_followup(
        &self,
        plan: &Slug,
        year: i32,
        process: &Slug,
        name: &str,
        on: Date,
        expected: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError> {
        let name = stored(TextKind::Line, name, || "namnet på den som signerar".to_owned())?;
        if name.is_empty() {
            return Err(StoreError::Invalid("ange namnet på den som signerar".to_owned()));
        }
        let mut tx = begin_write(&self.pool).await?;
        let row = followup_row(&mut tx, plan, year, process).await?;
        if row.signed {
            return Err(StoreError::Locked("uppföljningen är redan signerad".to_owned()));
        }
        let key = [("id", row.id)];
        let target = Versioned::row("process_followups", &key);
        let mut set = target.update();
        set.push("signed_by = ").push_bind(name.clone()).push(", signed_on = ").push_bind(format_date(on));
        let new = format!("signerad av {name} den {}", swedish_date(on));
        let event = Event::new(AuditField::ProcessFollowUp, format!("processuppföljning {process} {year}: signering"))
            .plan(row.plan_id)
            .change(None, Some(&new));
        let version = versioned::write(&mut tx, &target, expected, Some(set), actor, &[event]).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Reopening takes no version: it is allowed from the signed state only, and that state is the
    /// condition of the write.
    #[tracing::instrument(skip_all, fields(plan = %plan, process = %process, year))]
    async fn reopen_process_followup(
        &self,
        plan: &Slug,
        year: i32,
        process: &Slug,
        reason: &str,
        actor: &Actor,
    ) -> Result<i32, StoreError> {
        let reason = stored(TextKind::Reason, reason, || "skälet".to_owned())?;
        if reason.is_empty() {
            return Err(StoreError::Invalid("ange ett skäl när en signerad uppföljning öppnas igen".to_owned()));
        }
        let mut tx = begin_write(&self.pool).await?;
        let row = followup_row(&mut tx, plan, year, process).await?;
        if !row.signed {
            return Err(StoreError::Invalid("uppföljningen är inte signerad".to_owned()));
        }
        let key = [("id", row.id)];
        let target = Versioned::row("process_followups", &key);
        let mut set = target.update();
        set.push("signed_by = NULL, signed_on = NULL");
        let event = Event::new(AuditField::ProcessFollowUp, format!("processuppföljning {process} {year}: signering"))
            .plan(row.plan_id)
            .change(Some("signerad"), Some("öppnad igen"))
            .because(Some(&reason));
        let version = versioned::write(&mut tx, &target, row.version, Some(set), actor, &[event]).await?;
        tx.commit().await?;
        Ok(version)
    }
}

/// What a follow-up holds now (its texts and goals), read in the caller's transaction.
async fn stored_content(conn: &mut Conn, id: i64, like: &ProcessFollowUp) -> Result<ProcessFollowUp, StoreError> {
    let f = sqlx::query(
        "SELECT title, comments, long_term, level_structuring, patient_involvement, other FROM process_followups \
         WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let mut goals = Vec::new();
    for g in sqlx::query(
        "SELECT text, current_state, target_levels, target_date, followup FROM process_goals WHERE followup_id = $1 \
         ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    {
        goals.push(ProcessGoal {
            text: g.try_get("text")?,
            current_state: g.try_get("current_state")?,
            target_levels: from_json_list(&g.try_get::<String, _>("target_levels")?)?,
            target_date: g.try_get("target_date")?,
            followup: g.try_get("followup")?,
        });
    }
    Ok(ProcessFollowUp {
        title: f.try_get("title")?,
        goals,
        comments: f.try_get("comments")?,
        long_term: from_json_list(&f.try_get::<String, _>("long_term")?)?,
        level_structuring: f.try_get("level_structuring")?,
        patient_involvement: f.try_get("patient_involvement")?,
        other: f.try_get("other")?,
        ..like.clone()
    })
}

struct FollowUpRow {
    id: i64,
    plan_id: i64,
    version: i32,
    signed: bool,
}

async fn followup_row(conn: &mut Conn, plan: &Slug, year: i32, process: &Slug) -> Result<FollowUpRow, StoreError> {
    let (plan_id, _) = plan_ids(conn, plan).await?;
    let row = sqlx::query(
        "SELECT f.id, f.version, f.signed_on FROM process_followups f JOIN processes p ON p.id = f.process_id \
         WHERE p.plan_id = $1 AND p.slug = $2 AND f.year = $3",
    )
    .bind(plan_id)
    .bind(process.as_str())
    .bind(year)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("vårdprocessen \"{process}\" har ingen uppföljning för {year}")))?;
    Ok(FollowUpRow {
        id: row.try_get("id")?,
        plan_id,
        version: row.try_get("version")?,
        signed: row.try_get::<Option<String>, _>("signed_on")?.is_some(),
    })
}

fn followup_json(f: &ProcessFollowUp) -> String {
    serde_json::json!({
        "title": f.title,
        "goals": f.goals.iter().map(|g| serde_json::json!({
            "text": g.text, "current_state": g.current_state, "target_levels": g.target_levels,
            "target_date": g.target_date, "followup": g.followup,
        })).collect::<Vec<_>>(),
        "comments": f.comments,
        "long_term": f.long_term,
        "level_structuring": f.level_structuring,
        "patient_involvement": f.patient_involvement,
        "other": f.other,
    })
    .to_string()
}

/// A process follow-up with every text as it may be stored.
fn stored_followup(f: &ProcessFollowUp) -> Result<ProcessFollowUp, StoreError> {
    let long = |t: &str, what: &str| stored(TextKind::Long, t, || what.to_owned());
    let comment = |t: &str, what: &str| stored(TextKind::Comment, t, || what.to_owned());
    let goals = f
        .goals
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let what = |field: &str| format!("{field} för processmål {}", i + 1);
            Ok(ProcessGoal {
                text: comment(&g.text, &what("texten"))?,
                current_state: comment(&g.current_state, &what("nuläget"))?,
                target_levels: g
                    .target_levels
                    .iter()
                    .map(|t| comment(t, &what("målnivån")))
                    .collect::<Result<_, _>>()?,
                target_date: stored(TextKind::Line, &g.target_date, || what("tidpunkten"))?,
                followup: comment(&g.followup, &what("uppföljningen"))?,
            })
        })
        .collect::<Result<Vec<ProcessGoal>, StoreError>>()?;
    Ok(ProcessFollowUp {
        title: stored(TextKind::Line, &f.title, || "rubriken".to_owned())?,
        goals,
        comments: long(&f.comments, "kommentarerna")?,
        long_term: f
            .long_term
            .iter()
            .map(|t| comment(t, "långsiktigt förbättringsarbete"))
            .collect::<Result<_, _>>()?,
        level_structuring: long(&f.level_structuring, "nivåstrukturering")?,
        patient_involvement: long(&f.patient_involvement, "patientsamverkan")?,
        other: long(&f.other, "övrigt aktuellt")?,
        ..f.clone()
    })
}
