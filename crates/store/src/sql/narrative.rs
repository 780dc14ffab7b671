//! The RCC's introduction and summary of a round, replaced as a whole under one version.

use sqlx::Row as _;
use uppfolj_domain::input::TextKind;
use uppfolj_domain::{AuditField, Slug, SummarySection};

use super::versioned::{self, Event, Versioned};
use super::{StoreImpl, open_round_write, pos, round_ids, stored};
use crate::{Actor, StoreError};

#[async_trait::async_trait]
impl crate::Narrative for StoreImpl {
    async fn narrative_version(&self, plan: &Slug, year: i32) -> Result<i32, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let ids = round_ids(&mut conn, plan, year).await?;
        let version: i32 = sqlx::query_scalar("SELECT narrative_version FROM rounds WHERE id = $1")
            .bind(ids.round_id)
            .fetch_one(&mut *conn)
            .await?;
        Ok(version)
    }

    /// The audit event keeps the previous text as a whole, so no version of it is lost.
    #[tracing::instrument(skip_all, fields(plan = %plan, year))]
    async fn save_narrative(
        &self,
        plan: &Slug,
        year: i32,
        introduction: &str,
        sections: &[SummarySection],
        expected: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError> {
        let introduction = stored(TextKind::Long, introduction, || "inledningen".to_owned())?;
        let sections = sections
            .iter()
            .map(|s| {
                Ok(SummarySection {
                    heading: stored(TextKind::Line, &s.heading, || "en rubrik i sammanfattningen".to_owned())?,
                    text: stored(TextKind::Long, &s.text, || format!("texten under \"{}\"", s.heading.trim()))?,
                    claims: s.claims.clone(),
                })
            })
            .collect::<Result<Vec<SummarySection>, StoreError>>()?;
        let (mut tx, ids) = open_round_write(&self.pool, plan, year).await?;
        let old_intro: String = sqlx::query_scalar("SELECT introduction FROM rounds WHERE id = $1")
            .bind(ids.round_id)
            .fetch_one(&mut *tx)
            .await?;
        let mut old_sections = Vec::new();
        for s in sqlx::query(
            "SELECT heading, body, claims FROM round_summary_sections WHERE round_id = $1 ORDER BY position",
        )
        .bind(ids.round_id)
        .fetch_all(&mut *tx)
        .await?
        {
            old_sections.push(serde_json::json!({
                "heading": s.try_get::<String, _>("heading")?,
                "text": s.try_get::<String, _>("body")?,
                "claims": serde_json::from_str::<serde_json::Value>(&s.try_get::<String, _>("claims")?)
                    .unwrap_or_default(),
            }));
        }
        let old = serde_json::json!({"introduction": old_intro, "summary": old_sections}).to_string();
        let new = serde_json::json!({
            "introduction": introduction,
            "summary": sections.iter().map(|s| serde_json::json!({
                "heading": s.heading, "text": s.text, "claims": s.claims.to_json(),
            })).collect::<Vec<_>>(),
        })
        .to_string();
        let key = [("id", ids.round_id)];
        let target = Versioned::row("rounds", &key).by("narrative_version");
        if old == new {
            let version = versioned::write(&mut tx, &target, expected, None, actor, &[]).await?;
            return Ok(version);
        }
        let mut set = target.update();
        set.push("introduction = ").push_bind(introduction.as_str());
        let event = Event::new(AuditField::Narrative, format!("uppföljning {year}: inledning och sammanfattning"))
            .plan(ids.plan_id)
            .round(ids.round_id)
            .change(Some(&old), Some(&new));
        let version = versioned::write(&mut tx, &target, expected, Some(set), actor, &[event]).await?;
        // The sections follow the version just taken: nobody else can replace them in between.
        sqlx::query("DELETE FROM round_summary_sections WHERE round_id = $1")
            .bind(ids.round_id)
            .execute(&mut *tx)
            .await?;
        for (i, s) in sections.iter().enumerate() {
            sqlx::query(
                "INSERT INTO round_summary_sections (round_id, position, heading, body, claims) VALUES ($1, $2, \
                 $3, $4, $5)",
            )
            .bind(ids.round_id)
            .bind(pos(i))
            .bind(&s.heading)
            .bind(&s.text)
            .bind(s.claims.to_json().to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(version)
    }
}
