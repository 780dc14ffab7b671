//! Accounts: created, changed and deactivated (never deleted), each change an audit event about the
//! account. Every account of a role that works in one healthcare region belongs to one; the last
//! active admin stays one. Sessions and API tokens are in `sessions.rs`.

use sqlx::Row as _;
use uppfolj_domain::ids::timestamp;
use uppfolj_domain::input::TextKind;
use uppfolj_domain::{Account, AuditEvent, AuditField, RegionCode, Role, Slug};

use super::versioned::{self, Event};
use super::{Conn, DbRow, StoreImpl, Tx, begin_write, corrupt, stored, time_of};
use crate::{AccountChange, Actor, NewUser, Page, Paged, StoreError, UserFilter, UserRecord};

pub(super) const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, r.code AS region_code, \
     u.process_slug, u.restricted_access, u.password_hash, u.created_at, u.email, u.sso_id, u.active, \
     u.last_login_at, h.code AS hr_code FROM users u LEFT JOIN regions r ON r.id = u.region_id \
     LEFT JOIN healthcare_regions h ON h.id = u.healthcare_region_id";

pub(super) fn user_record(r: &DbRow) -> Result<UserRecord, StoreError> {
    let role: String = r.try_get("role")?;
    let slug = |column: &str| -> Result<Option<Slug>, StoreError> {
        r.try_get::<Option<String>, _>(column)?.map(|s| Slug::parse(&s)).transpose().map_err(corrupt)
    };
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
            process: slug("process_slug")?,
            restricted_access: r.try_get("restricted_access")?,
            healthcare_region: slug("hr_code")?,
        },
        password_hash: r.try_get("password_hash")?,
        created_at: time_of(&r.try_get::<String, _>("created_at")?)?,
        email: r.try_get("email")?,
        sso_id: r.try_get("sso_id")?,
        active: r.try_get("active")?,
        last_login_at: r.try_get::<Option<String>, _>("last_login_at")?.as_deref().map(time_of).transpose()?,
    })
}

/// Where an account of `role` works, as stored: (healthcare region id, region id). A reporter's
/// region is looked up in the healthcare region given (or, without one, must be the only region of
/// that code); RCC staff and process leaders without one get the installation's only one; an admin
/// is national; a reader is national unless given one. Every refusal names what to give.
async fn placement(
    tx: &mut Conn,
    role: Role,
    hr: Option<&Slug>,
    region: Option<&RegionCode>,
    process: Option<&Slug>,
) -> Result<(Option<i64>, Option<i64>), StoreError> {
    let hr_id = match hr {
        None => None,
        Some(code) => Some(
            sqlx::query_scalar::<_, i64>("SELECT id FROM healthcare_regions WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("det finns ingen sjukvårdsregion \"{code}\"")))?,
        ),
    };
    match (role, region, process) {
        (Role::Region, None, _) => return Err(StoreError::Invalid("rollen region kräver en region".to_owned())),
        (Role::Process, _, None) => return Err(StoreError::Invalid("rollen process kräver en vårdprocess".to_owned())),
        (Role::Region, _, Some(_)) | (Role::Process, Some(_), _) => {
            return Err(StoreError::Invalid("ett konto har antingen en region eller en vårdprocess".to_owned()));
        }
        (Role::Admin | Role::Rcc | Role::Reader, Some(_), _) | (Role::Admin | Role::Rcc | Role::Reader, _, Some(_)) => {
            return Err(StoreError::Invalid(format!(
                "rollen {} har ingen region eller vårdprocess",
                role.label().to_lowercase()
            )));
        }
        _ => {}
    }
    if role == Role::Admin {
        return if hr_id.is_some() {
            Err(StoreError::Invalid("en administratör är nationell och hör inte till en sjukvårdsregion".to_owned()))
        } else {
            Ok((None, None))
        };
    }
    if let Some(code) = region {
        let mut q = sqlx::QueryBuilder::<super::Db>::new("SELECT id, healthcare_region_id FROM regions WHERE code = ");
        q.push_bind(code.as_str());
        if let Some(h) = hr_id {
            q.push(" AND healthcare_region_id = ").push_bind(h);
        }
        let rows = q.build().fetch_all(&mut *tx).await?;
        return match rows.as_slice() {
            [r] => Ok((Some(r.try_get("healthcare_region_id")?), Some(r.try_get("id")?))),
            [] => Err(StoreError::NotFound(format!("det finns ingen region \"{code}\" i sjukvårdsregionen"))),
            _ => Err(StoreError::Invalid(format!(
                "regionkoden \"{code}\" finns i flera sjukvårdsregioner: ange sjukvårdsregionen"
            ))),
        };
    }
    let hr_id = match (hr_id, role) {
        (Some(h), _) => Some(h),
        (None, Role::Reader) => None,
        (None, _) => {
            let all: Vec<i64> = sqlx::query_scalar("SELECT id FROM healthcare_regions").fetch_all(&mut *tx).await?;
            match all.as_slice() {
                [only] => Some(*only),
                [] => {
                    return Err(StoreError::Invalid(
                        "det finns ingen sjukvårdsregion ännu: läs in en plan innan kontot skapas".to_owned(),
                    ));
                }
                _ => return Err(StoreError::Invalid("ange vilken sjukvårdsregion kontot hör till".to_owned())),
            }
        }
    };
    if let (Some(p), Some(h)) = (process, hr_id) {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM processes pr JOIN plans pl ON pl.id = pr.plan_id \
             WHERE pr.slug = $1 AND pl.healthcare_region_id = $2",
        )
        .bind(p.as_str())
        .bind(h)
        .fetch_one(&mut *tx)
        .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("det finns ingen vårdprocess \"{p}\" i sjukvårdsregionen")));
        }
    }
    Ok((hr_id, None))
}

/// An e-mail address as stored: trimmed, one `@` with something on both sides, no spaces.
fn email_of(e: Option<&str>) -> Result<Option<String>, StoreError> {
    let Some(e) = e.map(str::trim).filter(|e| !e.is_empty()) else { return Ok(None) };
    let ok = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && e.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.contains('@'));
    if !ok {
        return Err(StoreError::Invalid(format!("\"{e}\" är ingen e-postadress")));
    }
    Ok(Some(e.to_owned()))
}

/// A single-sign-on identity as stored: trimmed, printable, at most 200 characters.
fn sso_of(s: Option<&str>) -> Result<Option<String>, StoreError> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    if s.chars().count() > 200 || s.chars().any(char::is_control) {
        return Err(StoreError::Invalid("identiteten för inloggning med e-tjänstekort kan inte användas".to_owned()));
    }
    Ok(Some(s.to_owned()))
}

/// A refusal for an identity another account has.
fn sso_taken(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict("ett annat konto har redan den identiteten för e-tjänstekort".to_owned())
        }
        other => other.into(),
    }
}

/// Refuses a change that would leave no active admin.
async fn keep_an_admin(tx: &mut Tx<'_>, user_id: i64) -> Result<(), StoreError> {
    let others: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = TRUE AND id <> $1")
            .bind(user_id)
            .fetch_one(&mut **tx)
            .await?;
    if others == 0 {
        return Err(StoreError::Conflict(
            "kontot är den sista aktiva administratören: gör först någon annan till administratör".to_owned(),
        ));
    }
    Ok(())
}

async fn user_in(tx: &mut Conn, user_id: i64) -> Result<UserRecord, StoreError> {
    let row = sqlx::query(&format!("{USER_SELECT} WHERE u.id = $1"))
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("det finns inget konto med nummer {user_id}")))?;
    user_record(&row)
}

/// How an account's role reads in its history: "region (RN)", "process (vagen-in)", "rcc".
fn role_words(role: Role, region: Option<&RegionCode>, process: Option<&Slug>, hr: Option<&Slug>) -> String {
    let mut s = role.as_str().to_owned();
    if let Some(r) = region {
        s.push_str(&format!(" ({r})"));
    }
    if let Some(p) = process {
        s.push_str(&format!(" ({p})"));
    }
    if let Some(h) = hr {
        s.push_str(&format!(", sjukvårdsregion {h}"));
    }
    s
}

#[async_trait::async_trait]
impl crate::Accounts for StoreImpl {
    async fn create_user(&self, u: &NewUser, actor: &Actor) -> Result<i64, StoreError> {
        let display_name = stored(TextKind::Line, &u.display_name, || "visningsnamnet".to_owned())?;
        let (email, sso_id) = (email_of(u.email.as_deref())?, sso_of(u.sso_id.as_deref())?);
        let mut tx = begin_write(&self.pool).await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(&u.username)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!("det finns redan en användare \"{}\"", u.username)));
        }
        let (hr_id, region_id) =
            placement(&mut tx, u.role, u.healthcare_region.as_ref(), u.region.as_ref(), u.process.as_ref()).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, role, region_id, process_slug, restricted_access, \
             password_hash, created_at, healthcare_region_id, email, sso_id, active) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, TRUE) RETURNING id",
        )
        .bind(&u.username)
        .bind(&display_name)
        .bind(u.role.as_str())
        .bind(region_id)
        .bind(u.process.as_ref().map(Slug::as_str))
        .bind(u.restricted_access)
        .bind(&u.password_hash)
        .bind(timestamp(actor.at))
        .bind(hr_id)
        .bind(&email)
        .bind(&sso_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(sso_taken)?;
        let hr = user_in(&mut tx, id).await?.account.healthcare_region;
        let role = role_words(u.role, u.region.as_ref(), u.process.as_ref(), hr.as_ref());
        let subject = format!("användare {}", u.username);
        let event = Event::new(AuditField::Role, subject).region(region_id).account(id).change(None, Some(&role));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        self.users_where(&UserFilter::default()).await
    }

    async fn users_where(&self, f: &UserFilter) -> Result<Vec<UserRecord>, StoreError> {
        let mut q = sqlx::QueryBuilder::<super::Db>::new(format!("{USER_SELECT} WHERE 1 = 1"));
        if let Some(role) = f.role {
            q.push(" AND u.role = ").push_bind(role.as_str());
        }
        if let Some(hr) = &f.healthcare_region {
            q.push(" AND h.code = ").push_bind(hr.as_str().to_owned());
        }
        if let Some(r) = &f.region {
            q.push(" AND r.code = ").push_bind(r.as_str().to_owned());
        }
        if let Some(active) = f.active {
            q.push(" AND u.active = ").push_bind(active);
        }
        if let Some(since) = f.not_signed_in_since {
            q.push(" AND (u.last_login_at IS NULL OR u.last_login_at < ").push_bind(timestamp(since)).push(")");
        }
        q.push(" ORDER BY u.username");
        q.build().fetch_all(&self.pool).await?.iter().map(user_record).collect()
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!("{USER_SELECT} WHERE u.username = $1"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(user_record)
            .transpose()
    }

    async fn users_by_email(&self, email: &str) -> Result<Vec<UserRecord>, StoreError> {
        sqlx::query(&format!("{USER_SELECT} WHERE LOWER(u.email) = LOWER($1) ORDER BY u.id"))
            .bind(email.trim())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(user_record)
            .collect()
    }

    async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!("{USER_SELECT} WHERE u.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(user_record)
            .transpose()
    }

    async fn user_by_sso_id(&self, sso_id: &str) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!("{USER_SELECT} WHERE u.sso_id = $1"))
            .bind(sso_id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(user_record)
            .transpose()
    }

    #[tracing::instrument(skip_all, fields(user = user_id))]
    async fn update_user(
        &self,
        user_id: i64,
        c: &AccountChange,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let display_name = stored(TextKind::Line, &c.display_name, || "visningsnamnet".to_owned())?;
        if display_name.is_empty() {
            return Err(StoreError::Invalid("skriv namnet som visas".to_owned()));
        }
        let (email, sso_id) = (email_of(c.email.as_deref())?, sso_of(c.sso_id.as_deref())?);
        let reason = stored(TextKind::Comment, reason, || "skälet".to_owned())?;
        let mut tx = begin_write(&self.pool).await?;
        let old = user_in(&mut tx, user_id).await?;
        if old.account.role == Role::Admin && c.role != Role::Admin && old.active {
            keep_an_admin(&mut tx, user_id).await?;
        }
        let (hr_id, region_id) =
            placement(&mut tx, c.role, c.healthcare_region.as_ref(), c.region.as_ref(), c.process.as_ref()).await?;
        sqlx::query(
            "UPDATE users SET display_name = $1, email = $2, role = $3, region_id = $4, process_slug = $5, \
             restricted_access = $6, healthcare_region_id = $7, sso_id = $8 WHERE id = $9",
        )
        .bind(&display_name)
        .bind(&email)
        .bind(c.role.as_str())
        .bind(region_id)
        .bind(c.process.as_ref().map(Slug::as_str))
        .bind(c.restricted_access)
        .bind(hr_id)
        .bind(&sso_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(sso_taken)?;
        let new = user_in(&mut tx, user_id).await?;
        let subject = format!("användare {}", old.account.username);
        let why = Some(reason.as_str()).filter(|r| !r.is_empty());
        let event = |field: AuditField, what: &str, a: Option<String>, b: Option<String>| {
            Event::new(field, format!("{subject}: {what}"))
                .account(user_id)
                .change(a.as_deref(), b.as_deref())
                .because(why)
        };
        let words = |u: &UserRecord| {
            let a = &u.account;
            role_words(a.role, a.region.as_ref(), a.process.as_ref(), a.healthcare_region.as_ref())
        };
        let mut events = Vec::new();
        if words(&old) != words(&new) {
            events.push(event(AuditField::Role, "roll", Some(words(&old)), Some(words(&new))));
        }
        if old.account.restricted_access != new.account.restricted_access {
            let yes_no = |b: bool| Some(if b { "får läsa" } else { "får inte läsa" }.to_owned());
            let (a, b) = (yes_no(old.account.restricted_access), yes_no(new.account.restricted_access));
            events.push(event(AuditField::Role, "dokument med begränsad delning", a, b));
        }
        if old.account.display_name != new.account.display_name {
            let (a, b) = (Some(old.account.display_name.clone()), Some(new.account.display_name.clone()));
            events.push(event(AuditField::Account, "namn", a, b));
        }
        if old.email != new.email {
            events.push(event(AuditField::Account, "e-post", old.email.clone(), new.email.clone()));
        }
        if old.sso_id != new.sso_id {
            events.push(event(
                AuditField::Account,
                "identitet för e-tjänstekort",
                old.sso_id.clone(),
                new.sso_id.clone(),
            ));
        }
        if events.is_empty() {
            return Err(StoreError::Invalid("ingenting ändrades".to_owned()));
        }
        // A changed role or place ends the account's sessions: it signs in again with the new rights.
        let moved = words(&old) != words(&new);
        if moved {
            end_access(&mut tx, user_id, actor).await?;
        }
        versioned::record(&mut tx, actor, &events).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user = user_id, active))]
    async fn set_active(&self, user_id: i64, active: bool, reason: &str, actor: &Actor) -> Result<(), StoreError> {
        let reason = stored(TextKind::Comment, reason, || "skälet".to_owned())?;
        if reason.is_empty() {
            return Err(StoreError::Invalid("skriv varför: skälet visas i kontots historik".to_owned()));
        }
        let mut tx = begin_write(&self.pool).await?;
        let old = user_in(&mut tx, user_id).await?;
        if old.active == active {
            return Err(StoreError::Conflict(format!(
                "kontot är redan {}",
                if active { "aktivt" } else { "inaktiverat" }
            )));
        }
        if !active && old.account.role == Role::Admin {
            keep_an_admin(&mut tx, user_id).await?;
        }
        sqlx::query("UPDATE users SET active = $1 WHERE id = $2").bind(active).bind(user_id).execute(&mut *tx).await?;
        if !active {
            end_access(&mut tx, user_id, actor).await?;
        }
        let words = |a: bool| Some(if a { "aktivt" } else { "inaktiverat" });
        let event = Event::new(AuditField::Account, format!("användare {}", old.account.username))
            .account(user_id)
            .change(words(old.active), words(active))
            .because(Some(&reason));
        versioned::record(&mut tx, actor, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn account_events(&self, user_id: i64, page: Page) -> Result<Paged<AuditEvent>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        super::history::paged_events(&mut conn, |q| _ = q.push("account_id = ").push_bind(user_id), page).await
    }
}

/// Ends an account's sessions and API tokens at once, in the caller's transaction.
pub(super) async fn end_access(tx: &mut Tx<'_>, user_id: i64, actor: &Actor) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(timestamp(actor.at))
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
