//! The outbox: mail written in the transaction of the change that causes it — once per event and
//! recipient, by a dedupe key — the reminders of a day, and the sender's bookkeeping (sent, or
//! tried again later, or failed with the reason). Recipients are the active accounts with an
//! e-mail address that the mail is for.

use sqlx::Row as _;
use time::{Date, OffsetDateTime};
use uppfolj_domain::ids::timestamp;
use uppfolj_domain::notify::Text;
use uppfolj_domain::{GoalRef, RegionState, Slug};

use super::{Conn, StoreImpl, Tx, begin_write, goal_of, round_ids, time_of};
use crate::{OutboxEntry, OutgoingMail, StoreError};

/// Who a mail is for.
pub(super) enum To {
    /// The reporters of a region (by its id).
    Reporters(i64),
    /// RCC staff of a healthcare region (by its id).
    Rcc(i64),
    /// Everyone who reads the healthcare region's published rounds: its accounts and the national ones.
    Everyone(i64),
    /// The leaders of a care process (its short name) of a healthcare region.
    ProcessLeaders(i64, String),
    /// One account (by its id), whether it is active or not yet.
    Account(i64),
}

/// The kinds of mail that carry a link with a secret token: the outbox keeps it only until the
/// mail is sent or given up, then keeps the page without it.
const LINK_KINDS: &str = "('invitation', 'reset')";

/// The link column as it is kept once a mail is done with: without the token of a password link.
fn done_link() -> String {
    format!("link = CASE WHEN kind IN {LINK_KINDS} THEN '/losenord' ELSE link END")
}

/// The account's password links not yet sent are given up (`why`), their tokens dropped: a
/// newer link, or the link used.
pub(super) async fn cancel_link_mail(tx: &mut Tx<'_>, user_id: i64, why: &str) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "UPDATE outbox SET state = 'failed', last_error = $1, {} WHERE user_id = $2 AND state = 'pending' \
         AND kind IN {LINK_KINDS}",
        done_link()
    ))
    .bind(why)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The outbox entries `filter` (with `$1` bound to `key`) selects, newest first, at most `limit`.
pub(super) async fn entries(
    conn: &mut Conn,
    filter: &str,
    key: i64,
    limit: i64,
) -> Result<Vec<OutboxEntry>, StoreError> {
    sqlx::query(&format!(
        "SELECT id, kind, to_address, subject, created_at, state, attempts, last_error, sent_at FROM outbox \
         WHERE {filter} ORDER BY id DESC LIMIT $2"
    ))
    .bind(key)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(OutboxEntry {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            to: r.try_get("to_address")?,
            subject: r.try_get("subject")?,
            created_at: time_of(&r.try_get::<String, _>("created_at")?)?,
            state: r.try_get("state")?,
            attempts: r.try_get("attempts")?,
            last_error: r.try_get("last_error")?,
            sent_at: r.try_get::<Option<String>, _>("sent_at")?.as_deref().map(time_of).transpose()?,
        })
    })
    .collect()
}

/// The recipients: (account id, address).
async fn recipients(conn: &mut Conn, to: &To, kind: &str) -> Result<Vec<(i64, String)>, StoreError> {
    let mut q = sqlx::QueryBuilder::<super::Db>::new("SELECT u.id, u.email FROM users u WHERE ");
    match to {
        To::Reporters(region) => _ = q.push("u.role = 'region' AND u.region_id = ").push_bind(*region),
        To::Rcc(hr) => _ = q.push("u.role = 'rcc' AND u.healthcare_region_id = ").push_bind(*hr),
        To::Everyone(hr) => {
            _ = q.push("(u.healthcare_region_id = ").push_bind(*hr).push(" OR u.healthcare_region_id IS NULL)")
        }
        To::ProcessLeaders(hr, process) => {
            q.push("u.role = 'process' AND u.healthcare_region_id = ").push_bind(*hr);
            q.push(" AND u.process_slug = ").push_bind(process.clone());
        }
        To::Account(id) => _ = q.push("u.id = ").push_bind(*id),
    }
    q.push(" AND u.active = TRUE AND u.email IS NOT NULL AND NOT EXISTS (SELECT 1 FROM notification_optouts o ");
    q.push("WHERE o.user_id = u.id AND o.kind = ").push_bind(kind.to_owned()).push(") ORDER BY u.id");
    q.build().fetch_all(&mut *conn).await?.iter().map(|r| Ok((r.try_get("id")?, r.try_get("email")?))).collect()
}

/// One mail to write: what kind, for which moment (`event`; with each recipient, the dedupe key —
/// a mail already written for it is not written again), to whom, what it says, and the page.
pub(super) struct Mail<'a> {
    pub(super) kind: &'a str,
    pub(super) event: &'a str,
    pub(super) to: &'a To,
    pub(super) text: &'a Text,
    pub(super) link: &'a str,
    pub(super) round_id: Option<i64>,
}

/// Writes `mail` to the outbox for everyone it is to, in the caller's transaction; answers how
/// many were written.
pub(super) async fn enqueue(tx: &mut Tx<'_>, mail: Mail<'_>, now: OffsetDateTime) -> Result<usize, StoreError> {
    let Mail { kind, event, to, text, link, round_id } = mail;
    let at = timestamp(now);
    let mut written = 0;
    for (user, address) in recipients(tx, to, kind).await? {
        let message_id = format!(
            "<{}@uppfolj>",
            crate::credentials::random_token().map_err(|e| StoreError::Corrupt(e.to_string()))?
        );
        let n = sqlx::query(
            "INSERT INTO outbox (created_at, kind, dedupe_key, user_id, to_address, subject, body, link, round_id, \
             message_id, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $1) \
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(&at)
        .bind(kind)
        .bind(format!("{event}:{user}"))
        .bind(user)
        .bind(&address)
        .bind(&text.subject)
        .bind(&text.body)
        .bind(link)
        .bind(round_id)
        .bind(&message_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        written += usize::try_from(n).unwrap_or(0);
    }
    Ok(written)
}

/// A round's plan title, slug and healthcare region id, for its mail.
pub(super) async fn round_frame(conn: &mut Conn, round_id: i64) -> Result<(String, String, i64), StoreError> {
    let r = sqlx::query(
        "SELECT p.title, p.slug, p.healthcare_region_id FROM rounds r JOIN plans p ON p.id = r.plan_id WHERE r.id = $1",
    )
    .bind(round_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((r.try_get("title")?, r.try_get("slug")?, r.try_get("healthcare_region_id")?))
}

/// What a region's answers still lack: per goal "nivå", "kommentar" or both.
async fn missing(conn: &mut Conn, round_id: i64, region_id: i64) -> Result<Vec<(GoalRef, &'static str)>, StoreError> {
    sqlx::query(
        "SELECT a.number AS area_no, g.number AS goal_no, s.level, s.comment FROM assessments s \
         JOIN goals g ON g.id = s.goal_id JOIN areas a ON a.id = g.area_id \
         WHERE s.round_id = $1 AND s.region_id = $2 AND (s.level = '' OR TRIM(s.comment) = '') \
         ORDER BY a.number, g.number",
    )
    .bind(round_id)
    .bind(region_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        let (level, comment): (String, String) = (r.try_get("level")?, r.try_get("comment")?);
        let what = match (level.is_empty(), comment.trim().is_empty()) {
            (true, true) => "nivå och kommentar",
            (true, false) => "nivå",
            _ => "kommentar",
        };
        Ok((goal_of(r)?, what))
    })
    .collect()
}

#[async_trait::async_trait]
impl crate::Notifications for StoreImpl {
    #[tracing::instrument(skip_all, fields(today = %today))]
    async fn run_reminders(&self, today: Date, now: OffsetDateTime) -> Result<usize, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let rounds = sqlx::query(
            "SELECT r.id, r.year, r.deadline, r.reminder_days FROM rounds r JOIN plans p ON p.id = r.plan_id \
             WHERE r.status = 'open' AND r.deadline IS NOT NULL AND p.status = 'adopted' ORDER BY r.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut written = 0;
        for r in &rounds {
            let (round_id, year): (i64, i32) = (r.try_get("id")?, r.try_get("year")?);
            let deadline = super::date_of(&r.try_get::<String, _>("deadline")?)?;
            let days_left = (deadline - today).whole_days();
            let days: Vec<i64> =
                r.try_get::<String, _>("reminder_days")?.split(',').filter_map(|d| d.trim().parse().ok()).collect();
            if !days.contains(&days_left) {
                continue;
            }
            let (title, slug, hr) = round_frame(&mut tx, round_id).await?;
            let regions = sqlx::query(
                "SELECT g.id, g.code, s.state FROM region_rounds s JOIN regions g ON g.id = s.region_id \
                 WHERE s.round_id = $1 ORDER BY g.position",
            )
            .bind(round_id)
            .fetch_all(&mut *tx)
            .await?;
            for g in &regions {
                let state = RegionState::parse(&g.try_get::<String, _>("state")?).unwrap_or(RegionState::NotStarted);
                if matches!(state, RegionState::Submitted | RegionState::Accepted) {
                    continue;
                }
                let (region_id, code): (i64, String) = (g.try_get("id")?, g.try_get("code")?);
                let lacking = missing(&mut tx, round_id, region_id).await?;
                let link = format!("/planer/{slug}/{year}/regioner/{code}");
                // The deadline is part of the moment: a moved deadline has reminders of its own.
                let event = format!("reminder:{round_id}:{region_id}:{deadline}:{days_left}");
                if days_left < 0 {
                    let text = uppfolj_domain::notify::overdue(&title, year, &code, deadline, lacking.len());
                    let reporters = To::Reporters(region_id);
                    written += enqueue(
                        &mut tx,
                        Mail {
                            kind: "overdue",
                            event: &event,
                            to: &reporters,
                            text: &text,
                            link: &link,
                            round_id: Some(round_id),
                        },
                        now,
                    )
                    .await?;
                    let review = format!("/planer/{slug}/{year}/granskning/{code}");
                    written += enqueue(
                        &mut tx,
                        Mail {
                            kind: "overdue",
                            event: &event,
                            to: &To::Rcc(hr),
                            text: &text,
                            link: &review,
                            round_id: Some(round_id),
                        },
                        now,
                    )
                    .await?;
                } else {
                    let text = uppfolj_domain::notify::reminder(&title, year, &code, deadline, days_left, &lacking);
                    let to = To::Reporters(region_id);
                    written += enqueue(
                        &mut tx,
                        Mail {
                            kind: "reminder",
                            event: &event,
                            to: &to,
                            text: &text,
                            link: &link,
                            round_id: Some(round_id),
                        },
                        now,
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(written)
    }

    async fn due_mail(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<OutgoingMail>, StoreError> {
        sqlx::query(
            "SELECT id, to_address, subject, body, link, message_id, created_at, attempts FROM outbox \
             WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
        )
        .bind(timestamp(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(OutgoingMail {
                id: r.try_get("id")?,
                to: r.try_get("to_address")?,
                subject: r.try_get("subject")?,
                body: r.try_get("body")?,
                link: r.try_get("link")?,
                message_id: r.try_get("message_id")?,
                created_at: time_of(&r.try_get::<String, _>("created_at")?)?,
                attempts: r.try_get("attempts")?,
            })
        })
        .collect()
    }

    async fn mark_sent(&self, id: i64, now: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "UPDATE outbox SET state = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL, {} \
                 WHERE id = $2",
            done_link()
        ))
        .bind(timestamp(now))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn mark_failed(&self, id: i64, error: &str, retry_at: Option<OffsetDateTime>) -> Result<(), StoreError> {
        let error: String = error.chars().take(500).collect();
        let given_up = format!(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $1, state = 'failed', {} WHERE id = $2",
            done_link()
        );
        let q = match retry_at {
            Some(at) => sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3",
            )
            .bind(error)
            .bind(timestamp(at))
            .bind(id),
            None => sqlx::query(&given_up).bind(error).bind(id),
        };
        q.execute(&self.pool).await?;
        Ok(())
    }

    async fn round_outbox(&self, plan: &Slug, year: i32) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let ids = round_ids(&mut conn, plan, year).await?;
        entries(&mut conn, "round_id = $1", ids.round_id, i64::MAX).await
    }

    async fn resend(&self, plan: &Slug, year: i32, id: i64, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        let ids = round_ids(&mut conn, plan, year).await?;
        let n = sqlx::query(
            "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $1, last_error = NULL \
             WHERE id = $2 AND round_id = $3",
        )
        .bind(timestamp(now))
        .bind(id)
        .bind(ids.round_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(StoreError::NotFound(format!("uppföljningen {year} har inget utskick nummer {id}")));
        }
        Ok(())
    }

    async fn reminder_days(&self, plan: &Slug, year: i32) -> Result<Vec<i64>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let ids = round_ids(&mut conn, plan, year).await?;
        let days: String = sqlx::query_scalar("SELECT reminder_days FROM rounds WHERE id = $1")
            .bind(ids.round_id)
            .fetch_one(&mut *conn)
            .await?;
        Ok(days.split(',').filter_map(|d| d.trim().parse().ok()).collect())
    }

    async fn set_reminder_days(
        &self,
        plan: &Slug,
        year: i32,
        days: &[i64],
        actor: &crate::Actor,
    ) -> Result<(), StoreError> {
        if days.iter().any(|d| !(-30..=90).contains(d)) {
            return Err(StoreError::Invalid(
                "påminnelsedagarna ska ligga mellan 90 dagar före och 30 dagar efter sista dagen".to_owned(),
            ));
        }
        let mut sorted: Vec<i64> = days.to_vec();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        sorted.dedup();
        let text = sorted.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
        let (mut tx, ids) = super::open_round_write(&self.pool, plan, year).await?;
        let old: String = sqlx::query_scalar("SELECT reminder_days FROM rounds WHERE id = $1")
            .bind(ids.round_id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("UPDATE rounds SET reminder_days = $1 WHERE id = $2")
            .bind(&text)
            .bind(ids.round_id)
            .execute(&mut *tx)
            .await?;
        let event = super::versioned::Event::new(
            uppfolj_domain::AuditField::RoundStatus,
            format!("uppföljning {year}: påminnelsedagar"),
        )
        .plan(ids.plan_id)
        .round(ids.round_id)
        .change(Some(&old), Some(&text));
        super::versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_deadline(
        &self,
        plan: &Slug,
        year: i32,
        deadline: Date,
        actor: &crate::Actor,
    ) -> Result<(), StoreError> {
        if deadline < actor.at.date() {
            return Err(StoreError::Invalid("sista dagen kan inte ligga före i dag".to_owned()));
        }
        let (mut tx, ids) = super::open_round_write(&self.pool, plan, year).await?;
        let old: Option<String> = sqlx::query_scalar("SELECT deadline FROM rounds WHERE id = $1")
            .bind(ids.round_id)
            .fetch_one(&mut *tx)
            .await?;
        let new = uppfolj_domain::ids::format_date(deadline);
        if old.as_deref() == Some(new.as_str()) {
            return Ok(());
        }
        sqlx::query("UPDATE rounds SET deadline = $1 WHERE id = $2")
            .bind(&new)
            .bind(ids.round_id)
            .execute(&mut *tx)
            .await?;
        let event = super::versioned::Event::new(
            uppfolj_domain::AuditField::RoundStatus,
            format!("uppföljning {year}: sista dag"),
        )
        .plan(ids.plan_id)
        .round(ids.round_id)
        .change(old.as_deref(), Some(&new));
        super::versioned::record(&mut tx, actor, &[event]).await?;
        let (title, slug, _) = round_frame(&mut tx, ids.round_id).await?;
        let waiting = sqlx::query(
            "SELECT g.id, g.code FROM region_rounds s JOIN regions g ON g.id = s.region_id \
             WHERE s.round_id = $1 AND s.state NOT IN ('submitted', 'accepted') ORDER BY g.position",
        )
        .bind(ids.round_id)
        .fetch_all(&mut *tx)
        .await?;
        for g in &waiting {
            let (region_id, code): (i64, String) = (g.try_get("id")?, g.try_get("code")?);
            let text = uppfolj_domain::notify::deadline_moved(&title, year, &code, deadline);
            let mail = Mail {
                kind: "deadline",
                event: &format!("deadline:{}:{region_id}:{}", ids.round_id, timestamp(actor.at)),
                to: &To::Reporters(region_id),
                text: &text,
                link: &format!("/planer/{slug}/{year}/regioner/{code}"),
                round_id: Some(ids.round_id),
            };
            enqueue(&mut tx, mail, actor.at).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn optouts(&self, user_id: i64) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT kind FROM notification_optouts WHERE user_id = $1 ORDER BY kind")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn set_optouts(&self, user_id: i64, kinds: &[String]) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("DELETE FROM notification_optouts WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        for k in kinds {
            sqlx::query("INSERT INTO notification_optouts (user_id, kind) VALUES ($1, $2)")
                .bind(user_id)
                .bind(k)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
