//! Logging in and out.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::Duration;
use uppfolj_store::{AttemptLimit, SessionRecord};

use crate::auth::{
    CSRF_COOKIE, SESSION_COOKIE, SESSION_HOURS, Viewer, auth_hash, is_secure, now, random_token, redirect_with_cookies,
    set_cookie, sha256_hex, too_many, verify_dummy, verify_password,
};
use crate::views::Nav;
use crate::{AppError, AppState};

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    nav: Nav,
    next: String,
    username: String,
    error: Option<String>,
    /// "Logga in med e-tjänstekort", when single sign-on is configured: its address.
    sso: Option<String>,
    /// Whether local passwords sign in.
    local: bool,
}

impl LoginPage {
    pub(crate) fn new(state: &AppState, viewer: &Viewer, next: String, error: Option<String>) -> LoginPage {
        LoginPage {
            nav: Nav::of(viewer),
            sso: state.oidc.as_ref().map(|_| format!("/logga-in/oidc?nasta={}", crate::auth::encode_query(&next))),
            local: state.local_login,
            next,
            username: String::new(),
            error,
        }
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    nasta: Option<String>,
}

/// Only a path on this site, as a relative reference: it starts with one `/` (not `//host`), and holds
/// only printable ASCII without spaces or backslashes — browsers drop tabs and newlines from an
/// address and read `\` as `/`, so `/\t/evil.example` or `/\\evil` would leave the site.
/// Anything else sends the user to the start page.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    let ok = |n: &str| {
        n.starts_with('/')
            && !n.starts_with("//")
            && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
            && !n.to_ascii_lowercase().contains("%2f%2f")
    };
    match next {
        Some(n) if ok(n) => n.to_owned(),
        _ => "/".to_owned(),
    }
}

pub async fn form(State(state): State<AppState>, viewer: Viewer, Query(q): Query<NextQuery>) -> LoginPage {
    LoginPage::new(&state, &viewer, safe_next(q.nasta.as_deref()), None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// A client address may fail 30 times in 15 minutes, then waits until they have passed.
const CLIENT_LIMIT: AttemptLimit =
    AttemptLimit { window: Duration::minutes(15), free: 30, max_wait: Duration::minutes(15), block_after: Some(30) };

/// An account may fail 5 times in 15 minutes; then each attempt waits twice as long as the one
/// before, up to a minute: a stranger's guesses slow its owner down, never lock them out.
const ACCOUNT_LIMIT: AttemptLimit =
    AttemptLimit { window: Duration::minutes(15), free: 5, max_wait: Duration::minutes(1), block_after: None };

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: crate::auth::ClientAddress,
    viewer: Viewer,
    crate::extract::Form(f): crate::extract::Form<LoginForm>,
) -> Result<Response, AppError> {
    if !state.local_login {
        return Err(AppError::Forbidden(
            "Inloggning med lösenord är avstängd här: logga in med e-tjänstekort.".to_owned(),
        ));
    }
    let username = f.username.trim().to_owned();
    // An attempt is taken for the client address and for the account before the slow password
    // check, in the database (shared by every process): parallel guesses each count.
    let client_key = format!("ip:{}", client.0);
    let account_key = format!("user:{}", username.to_lowercase());
    let at = now();
    if let Some(wait) = state.store.reserve_attempt(&client_key, &CLIENT_LIMIT, at).await? {
        tracing::warn!(client = %client.0, "för många inloggningsförsök från adressen");
        return Err(too_many(wait));
    }
    if let Some(wait) = state.store.reserve_attempt(&account_key, &ACCOUNT_LIMIT, at).await? {
        state.store.forgive_attempt(&client_key, false).await?;
        return Err(too_many(wait));
    }
    let user = state.store.user_by_username(&username).await?;
    let ok = match &user {
        // An account without a password signs in only through single sign-on.
        Some(u) if !u.password_hash.is_empty() => verify_password(&f.password, &u.password_hash).await?,
        _ => {
            verify_dummy(&f.password).await?;
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!(user = %username, client = %client.0, "misslyckad inloggning");
        let mut page = LoginPage::new(
            &state,
            &viewer,
            safe_next(Some(&f.next)),
            Some("Fel användarnamn eller lösenord.".to_owned()),
        );
        page.username = username;
        return Ok((StatusCode::UNAUTHORIZED, page).into_response());
    };
    state.store.forgive_attempt(&account_key, true).await?;
    state.store.forgive_attempt(&client_key, false).await?;
    if !user.active {
        tracing::info!(user = %username, "inloggning på ett inaktiverat konto");
        let why = "Kontot är inaktiverat. Fråga RCC eller administratören om du behöver det igen.".to_owned();
        let mut page = LoginPage::new(&state, &viewer, safe_next(Some(&f.next)), Some(why));
        page.username = username;
        return Ok((StatusCode::FORBIDDEN, page).into_response());
    }
    tracing::info!(user = %username, "inloggad");
    sign_in(&state, &headers, &user, &safe_next(Some(&f.next))).await
}

/// A new session for `user` (a fresh session id, and a fresh CSRF token so that one known before
/// signing in is worth nothing after it), and on to `next`.
pub(crate) async fn sign_in(
    state: &AppState,
    headers: &HeaderMap,
    user: &uppfolj_store::UserRecord,
    next: &str,
) -> Result<Response, AppError> {
    let token = random_token()?;
    let at = now();
    let session = SessionRecord {
        user_id: user.account.id,
        auth_hash: auth_hash(&user.password_hash),
        expires_at: at + Duration::hours(SESSION_HOURS),
    };
    state.store.create_session(&sha256_hex(&token), &session, at).await?;
    let secure = is_secure(headers, state.secure_cookies);
    let cookies = [
        set_cookie(SESSION_COOKIE, &token, Some(SESSION_HOURS * 3600), "Lax", secure),
        set_cookie(CSRF_COOKIE, &random_token()?, None, "Strict", secure),
    ];
    Ok(redirect_with_cookies(next, cookies.into_iter().flatten().collect()))
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap, viewer: Viewer) -> Result<Response, AppError> {
    if let Some(hash) = &viewer.session {
        state.store.delete_session(hash).await?;
    }
    let secure = is_secure(&headers, state.secure_cookies);
    let cookies = [set_cookie(SESSION_COOKIE, "", Some(0), "Lax", secure)];
    // An account that signs in with an e-tjänstekort: the provider's session ends too, when it offers that.
    let via_sso = match (&state.oidc, &viewer.own) {
        (Some(_), Some(a)) => state.store.user_by_id(a.id).await?.is_some_and(|u| u.sso_id.is_some()),
        _ => false,
    };
    let back = match (&state.oidc, via_sso) {
        (Some(oidc), true) => oidc.logout_url().unwrap_or_else(|| "/".to_owned()),
        _ => "/".to_owned(),
    };
    Ok(redirect_with_cookies(&back, cookies.into_iter().flatten().collect()))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_after_login() {
        assert_eq!(safe_next(Some("/planer/x")), "/planer/x");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "\\\\x",
            "planer",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/\\evil.example",
            "/planer/å",
            "/\u{7f}x",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
    }
}
