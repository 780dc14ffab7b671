//! Signing in: passwords, login sessions and API tokens (of both only their hashes are stored). A
//! new password ends the account's sessions (they carry a hash of the password hash) and tokens.
//! The trait's other half, the accounts themselves, is in `accounts.rs`.

use sqlx::Row as _;
use time::OffsetDateTime;
use uppfolj_domain::AuditField;
use uppfolj_domain::ids::timestamp;

use super::accounts::{USER_SELECT, end_access, user_record};
use super::versioned::{self, Event};
use super::{StoreImpl, begin_write, outbox, time_of};
use crate::{
    Actor, AttemptLimit, LinkPurpose, OutboxEntry, SessionInfo, SessionRecord, SsoFlow, StoreError, TokenRecord,
    UserRecord,
};

#[async_trait::async_trait]
impl crate::Sessions for StoreImpl {
    async fn set_password(&self, user_id: i64, hash: &str, actor: &Actor) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let name: String = sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("ingen användare med id {user_id}")))?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        // The sessions end by their hash of the old password hash; the tokens end here.
        end_access(&mut tx, user_id, actor).await?;
        let event = Event::new(AuditField::Password, format!("användare {name}"))
            .account(user_id)
            .change(None, Some("nytt lösenord; inloggningar och API-nycklar avslutade"));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_session(&self, token_hash: &str, s: &SessionRecord, now: OffsetDateTime) -> Result<(), StoreError> {
        let now = timestamp(now);
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(&now).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, auth_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(s.user_id)
        .bind(&s.auth_hash)
        .bind(&now)
        .bind(timestamp(s.expires_at))
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
            .bind(&now)
            .bind(s.user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: OffsetDateTime) -> Result<Option<SessionRecord>, StoreError> {
        let Some(r) = sqlx::query(
            "SELECT user_id, auth_hash, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(timestamp(now))
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(SessionRecord {
            user_id: r.try_get("user_id")?,
            auth_hash: r.try_get("auth_hash")?,
            expires_at: time_of(&r.try_get::<String, _>("expires_at")?)?,
        }))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    async fn create_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        expires_at: OffsetDateTime,
        actor: &Actor,
    ) -> Result<i64, StoreError> {
        let name = super::stored(uppfolj_domain::input::TextKind::Line, name, || "nyckelns namn".to_owned())?;
        if name.is_empty() {
            return Err(StoreError::Invalid("ge nyckeln ett namn, till exempel vad den används till".to_owned()));
        }
        if expires_at <= actor.at {
            return Err(StoreError::Invalid("nyckelns sista giltighetsdag har redan passerat".to_owned()));
        }
        let mut tx = begin_write(&self.pool).await?;
        let username: String = sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("ingen användare med id {user_id}")))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) \
             RETURNING id",
        )
        .bind(user_id)
        .bind(&name)
        .bind(token_hash)
        .bind(timestamp(actor.at))
        .bind(timestamp(expires_at))
        .fetch_one(&mut *tx)
        .await?;
        let until = uppfolj_domain::ids::format_date(expires_at.date());
        let event = Event::new(AuditField::Token, format!("användare {username}: API-nyckel"))
            .account(user_id)
            .change(None, Some(&format!("{name} (gäller till {until})")));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn user_by_token(&self, token_hash: &str, now: OffsetDateTime) -> Result<Option<UserRecord>, StoreError> {
        let at = timestamp(now);
        let Some(row) = sqlx::query(&format!(
            "{USER_SELECT} JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
             AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.active = TRUE"
        ))
        .bind(token_hash)
        .bind(&at)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        // The last use, written at most once a minute per token (a busy client is not a write each time).
        let a_minute_ago = timestamp(now - time::Duration::minutes(1));
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(&at)
        .bind(token_hash)
        .bind(&a_minute_ago)
        .execute(&self.pool)
        .await?;
        Ok(Some(user_record(&row)?))
    }

    async fn tokens(&self, user_id: i64) -> Result<Vec<TokenRecord>, StoreError> {
        let opt = |r: &super::DbRow, c: &str| -> Result<Option<OffsetDateTime>, StoreError> {
            r.try_get::<Option<String>, _>(c)?.as_deref().map(time_of).transpose()
        };
        sqlx::query(
            "SELECT id, name, created_at, expires_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 \
             ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(TokenRecord {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                created_at: time_of(&r.try_get::<String, _>("created_at")?)?,
                expires_at: opt(r, "expires_at")?,
                last_used_at: opt(r, "last_used_at")?,
                revoked_at: opt(r, "revoked_at")?,
            })
        })
        .collect()
    }

    async fn revoke_token(&self, user_id: i64, token_id: i64, actor: &Actor) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let row = sqlx::query(
            "SELECT t.name, u.username FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.id = $1 AND t.user_id = $2 AND t.revoked_at IS NULL",
        )
        .bind(token_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound("kontot har ingen sådan giltig API-nyckel".to_owned()))?;
        let (name, username): (String, String) = (row.try_get("name")?, row.try_get("username")?);
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(timestamp(actor.at))
            .bind(token_id)
            .execute(&mut *tx)
            .await?;
        let event = Event::new(AuditField::Token, format!("användare {username}: API-nyckel"))
            .account(user_id)
            .change(Some(&name), Some("återkallad"));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_account_link(
        &self,
        user_id: i64,
        purpose: LinkPurpose,
        token_hash: &str,
        expires_at: OffsetDateTime,
        mail: Option<&str>,
        actor: &Actor,
    ) -> Result<Option<String>, StoreError> {
        let at = timestamp(actor.at);
        let mut tx = begin_write(&self.pool).await?;
        let row = sqlx::query("SELECT username, display_name, email, active FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("ingen användare med id {user_id}")))?;
        let username: String = row.try_get("username")?;
        if !row.try_get::<bool, _>("active")? {
            return Err(StoreError::Conflict("kontot är inaktiverat: aktivera det först".to_owned()));
        }
        sqlx::query("UPDATE account_links SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(&at)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO account_links (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(&at)
        .bind(timestamp(expires_at))
        .execute(&mut *tx)
        .await?;
        outbox::cancel_link_mail(&mut tx, user_id, "ersatt av en nyare länk").await?;
        let until = uppfolj_domain::ids::swedish_time(expires_at);
        let email: Option<String> = row.try_get("email")?;
        let mailed = match (mail, email) {
            (Some(link), Some(address)) => {
                let name: String = row.try_get("display_name")?;
                let invitation = purpose == LinkPurpose::Invitation;
                let text = uppfolj_domain::notify::password_link(&name, &username, invitation, &until);
                let mail = outbox::Mail {
                    kind: purpose.as_str(),
                    event: &format!("link:{token_hash}"),
                    to: &outbox::To::Account(user_id),
                    text: &text,
                    link,
                    round_id: None,
                };
                (outbox::enqueue(&mut tx, mail, actor.at).await? == 1).then_some(address)
            }
            _ => None,
        };
        let what = match &mailed {
            Some(address) => format!("{} skapad och skickad till {address}, gäller till {until}", purpose.label()),
            None => format!("{} skapad, gäller till {until}", purpose.label()),
        };
        let event = Event::new(AuditField::Password, format!("användare {username}"))
            .account(user_id)
            .change(None, Some(&what));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(mailed)
    }

    async fn account_mail(&self, user_id: i64, limit: i64) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        outbox::entries(&mut conn, "user_id = $1 AND kind IN ('invitation', 'reset')", user_id, limit).await
    }

    async fn account_link(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(UserRecord, LinkPurpose)>, StoreError> {
        let Some(row) = sqlx::query(&format!(
            "{USER_SELECT_LINK} WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2 AND u.active = TRUE"
        ))
        .bind(token_hash)
        .bind(timestamp(now))
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let purpose: String = row.try_get("purpose")?;
        let purpose = LinkPurpose::parse(&purpose).ok_or_else(|| super::corrupt(format!("länk för \"{purpose}\"")))?;
        Ok(Some((user_record(&row)?, purpose)))
    }

    async fn use_account_link(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> Result<UserRecord, StoreError> {
        let at = timestamp(now);
        let gone = || StoreError::NotFound("länken gäller inte längre: den är använd eller för gammal".to_owned());
        let mut tx = begin_write(&self.pool).await?;
        // Spent first, by the rows it changed: of two uses at once, one wins.
        let spent = sqlx::query(
            "UPDATE account_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(&at)
        .bind(token_hash)
        .execute(&mut *tx)
        .await?;
        if spent.rows_affected() != 1 {
            return Err(gone());
        }
        let row = sqlx::query(&format!("{USER_SELECT_LINK} WHERE l.token_hash = $1 AND u.active = TRUE"))
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(gone)?;
        let user = user_record(&row)?;
        let id = user.account.id;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let actor = Actor::user(&user.account, now);
        end_access(&mut tx, id, &actor).await?;
        outbox::cancel_link_mail(&mut tx, id, "länken är redan använd").await?;
        let event = Event::new(AuditField::Password, format!("användare {}", user.account.username))
            .account(id)
            .change(None, Some("lösenord valt med länk; inloggningar och API-nycklar avslutade"));
        versioned::record(&mut tx, &actor, &[event]).await?;
        tx.commit().await?;
        Ok(UserRecord { password_hash: password_hash.to_owned(), ..user })
    }

    async fn save_sso_flow(
        &self,
        state_hash: &str,
        flow: &SsoFlow,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("DELETE FROM sso_flows WHERE expires_at < $1").bind(timestamp(now)).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO sso_flows (state_hash, verifier, nonce, next, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(state_hash)
        .bind(&flow.verifier)
        .bind(&flow.nonce)
        .bind(&flow.next)
        .bind(timestamp(expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn take_sso_flow(&self, state_hash: &str, now: OffsetDateTime) -> Result<Option<SsoFlow>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM sso_flows WHERE state_hash = $1 AND expires_at > $2 RETURNING verifier, nonce, next",
        )
        .bind(state_hash)
        .bind(timestamp(now))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SsoFlow { verifier: r.try_get("verifier")?, nonce: r.try_get("nonce")?, next: r.try_get("next")? })
        })
        .transpose()
    }

    async fn reserve_attempt(
        &self,
        key: &str,
        limit: &AttemptLimit,
        now: OffsetDateTime,
    ) -> Result<Option<time::Duration>, StoreError> {
        let at = timestamp(now);
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO login_attempts (key, failures, first_at, last_at) VALUES ($1, 0, $2, $2) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        // The key's row locked until the commit: attempts at the same time, in any process, queue
        // here and each sees the ones before (SQLite's write transaction is the only one anyway).
        sqlx::query("UPDATE login_attempts SET failures = failures WHERE key = $1").bind(key).execute(&mut *tx).await?;
        let row = sqlx::query("SELECT failures, first_at, last_at FROM login_attempts WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
        let (mut failures, mut first_at) =
            (row.try_get::<i32, _>("failures")?, time_of(&row.try_get::<String, _>("first_at")?)?);
        let last_at = time_of(&row.try_get::<String, _>("last_at")?)?;
        if first_at + limit.window <= now {
            (failures, first_at) = (0, now);
        }
        let wait = limit.wait(u32::try_from(failures).unwrap_or(0));
        if failures > 0 && now < last_at + wait {
            return Ok(Some(last_at + wait - now));
        }
        sqlx::query("UPDATE login_attempts SET failures = $1, first_at = $2, last_at = $3 WHERE key = $4")
            .bind(failures + 1)
            .bind(timestamp(first_at))
            .bind(&at)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(None)
    }

    async fn forgive_attempt(&self, key: &str, clear: bool) -> Result<(), StoreError> {
        let statement = if clear {
            "DELETE FROM login_attempts WHERE key = $1"
        } else {
            "UPDATE login_attempts SET failures = failures - 1 WHERE key = $1 AND failures > 0"
        };
        sqlx::query(statement).bind(key).execute(&self.pool).await?;
        Ok(())
    }

    async fn sessions_of(&self, user_id: i64, now: OffsetDateTime) -> Result<Vec<SessionInfo>, StoreError> {
        sqlx::query(
            "SELECT token_hash, created_at, expires_at FROM sessions WHERE user_id = $1 AND expires_at > $2 \
             ORDER BY created_at DESC",
        )
        .bind(user_id)
        .bind(timestamp(now))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let hash: String = r.try_get("token_hash")?;
            Ok(SessionInfo {
                id: hash.chars().take(SESSION_ID_CHARS).collect(),
                created_at: time_of(&r.try_get::<String, _>("created_at")?)?,
                expires_at: time_of(&r.try_get::<String, _>("expires_at")?)?,
            })
        })
        .collect()
    }

    async fn end_session_of(&self, user_id: i64, id: &str) -> Result<(), StoreError> {
        let none = || StoreError::NotFound("du har ingen sådan inloggning".to_owned());
        if id.len() != SESSION_ID_CHARS || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(none());
        }
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash LIKE $2")
            .bind(user_id)
            .bind(format!("{id}%"))
            .execute(&self.pool)
            .await?;
        if ended.rows_affected() == 0 {
            return Err(none());
        }
        Ok(())
    }
}

/// How much of a session's hash names it to its owner.
const SESSION_ID_CHARS: usize = 12;

/// An account with one of its links (`l`), for a `WHERE` on the link.
const USER_SELECT_LINK: &str = "SELECT u.id, u.username, u.display_name, u.role, r.code AS region_code, \
     u.process_slug, u.restricted_access, u.password_hash, u.created_at, u.email, u.sso_id, u.active, \
     u.last_login_at, h.code AS hr_code, l.purpose FROM account_links l JOIN users u ON u.id = l.user_id \
     LEFT JOIN regions r ON r.id = u.region_id LEFT JOIN healthcare_regions h ON h.id = u.healthcare_region_id";
