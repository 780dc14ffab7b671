//! Accounts, login sessions (only their hashes are stored) and API tokens (likewise).

use sqlx::Row as _;
use time::OffsetDateTime;
use uppfolj_domain::ids::timestamp;
use uppfolj_domain::input::TextKind;
use uppfolj_domain::{Account, AuditField, RegionCode, Role, Slug};

use super::versioned::{self, Event};
use super::{DbRow, StoreImpl, begin_write, corrupt, stored, time_of};
use crate::{Actor, NewUser, SessionRecord, StoreError, UserRecord};

#[async_trait::async_trait]
impl crate::Accounts for StoreImpl {
    async fn create_user(&self, u: &NewUser, actor: &Actor) -> Result<i64, StoreError> {
        let pool = &self.pool;
        let display_name = stored(TextKind::Line, &u.display_name, || "visningsnamnet".to_owned())?;
        let u = &NewUser { display_name, ..u.clone() };
        let mut tx = begin_write(pool).await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(&u.username)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!("det finns redan en användare \"{}\"", u.username)));
        }
        let region_id = match &u.region {
            None => None,
            Some(code) => {
                let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM regions WHERE code = $1")
                    .bind(code.as_str())
                    .fetch_all(&mut *tx)
                    .await?;
                match ids.as_slice() {
                    [id] => Some(*id),
                    [] => return Err(StoreError::NotFound(format!("det finns ingen region \"{code}\""))),
                    _ => {
                        return Err(StoreError::Invalid(format!(
                            "regionkoden \"{code}\" finns i flera sjukvårdsregioner"
                        )));
                    }
                }
            }
        };
        if let Some(p) = &u.process {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM processes WHERE slug = $1")
                .bind(p.as_str())
                .fetch_one(&mut *tx)
                .await?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("det finns ingen vårdprocess \"{p}\"")));
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, role, region_id, process_slug, restricted_access, \
             password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(u.role.as_str())
        .bind(region_id)
        .bind(u.process.as_ref().map(Slug::as_str))
        .bind(u.restricted_access)
        .bind(&u.password_hash)
        .bind(timestamp(actor.at))
        .fetch_one(&mut *tx)
        .await?;
        let mut role = u.role.as_str().to_owned();
        if let Some(r) = &u.region {
            role.push_str(&format!(" ({r})"));
        }
        if let Some(p) = &u.process {
            role.push_str(&format!(" ({p})"));
        }
        let subject = format!("användare {}", u.username);
        versioned::record(
            &mut tx,
            actor,
            &[Event::new(AuditField::Role, subject).region(region_id).change(None, Some(&role))],
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        sqlx::query(&format!("{USER_SELECT} ORDER BY u.username"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(user_record)
            .collect()
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let pool = &self.pool;
        sqlx::query(&format!("{USER_SELECT} WHERE u.username = $1"))
            .bind(username)
            .fetch_optional(pool)
            .await?
            .as_ref()
            .map(user_record)
            .transpose()
    }

    async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        let pool = &self.pool;
        sqlx::query(&format!("{USER_SELECT} WHERE u.id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?
            .as_ref()
            .map(user_record)
            .transpose()
    }

    async fn set_password(&self, user_id: i64, hash: &str, actor: &Actor) -> Result<(), StoreError> {
        let pool = &self.pool;
        let mut tx = begin_write(pool).await?;
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
        let subject = format!("användare {name}");
        versioned::record(
            &mut tx,
            actor,
            &[Event::new(AuditField::Password, subject).change(None, Some("nytt lösenord"))],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_session(&self, token_hash: &str, s: &SessionRecord, now: OffsetDateTime) -> Result<(), StoreError> {
        let pool = &self.pool;
        let now = timestamp(now);
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(&now).execute(pool).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, auth_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(s.user_id)
        .bind(&s.auth_hash)
        .bind(&now)
        .bind(timestamp(s.expires_at))
        .execute(pool)
        .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: OffsetDateTime) -> Result<Option<SessionRecord>, StoreError> {
        let pool = &self.pool;
        let now = timestamp(now);
        let Some(r) = sqlx::query(
            "SELECT user_id, auth_hash, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(&now)
        .fetch_optional(pool)
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
        let pool = &self.pool;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
        Ok(())
    }

    async fn create_token(&self, user_id: i64, name: &str, token_hash: &str, actor: &Actor) -> Result<(), StoreError> {
        let pool = &self.pool;
        let mut tx = begin_write(pool).await?;
        sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user_id)
            .bind(name)
            .bind(token_hash)
            .bind(timestamp(actor.at))
            .execute(&mut *tx)
            .await?;
        let subject = format!("API-nyckel för användare {user_id}");
        versioned::record(&mut tx, actor, &[Event::new(AuditField::Token, subject).change(None, Some(name))]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn user_by_token(&self, token_hash: &str) -> Result<Option<UserRecord>, StoreError> {
        let pool = &self.pool;
        sqlx::query(&format!("{USER_SELECT} JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1"))
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
            .as_ref()
            .map(user_record)
            .transpose()
    }
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, r.code AS region_code, u.process_slug, \
     u.restricted_access, u.password_hash, u.created_at FROM users u LEFT JOIN regions r ON r.id = u.region_id";

fn user_record(r: &DbRow) -> Result<UserRecord, StoreError> {
    let role: String = r.try_get("role")?;
    Ok(UserRecord {
        account: Account {
            id: r.try_get("id")?,
            username: r.try_get("username")?,
            display_name: r.try_get("display_name")?,
            role: Role::parse(&role).ok_or_else(|| corrupt(format!("roll \"{role}\"")))?,
            region: r
                .try_get::<Option<String>, _>("region_code")?
                .map(|c| RegionCode::parse(&c))
                .transpose()
                .map_err(corrupt)?,
            process: r
                .try_get::<Option<String>, _>("process_slug")?
                .map(|s| Slug::parse(&s))
                .transpose()
                .map_err(corrupt)?,
            restricted_access: r.try_get("restricted_access")?,
        },
        password_hash: r.try_get("password_hash")?,
        created_at: time_of(&r.try_get::<String, _>("created_at")?)?,
    })
}
