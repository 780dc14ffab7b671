//! Logging in and out.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::Duration;
use uppfolj_store::SessionRecord;

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
}

#[derive(Deserialize)]
pub struct NextQuery {
    nasta: Option<String>,
}

/// Only a path on this site, as a relative reference: it starts with one `/` (not `//host`), and holds
/// only printable ASCII without spaces or backslashes — browsers drop tabs and newlines from an
/// address and read `\` as `/`, so `/\t/evil.example` or `/\\evil` would leave the site.
/// Anything else sends the user to the start page.
fn safe_next(next: Option<&str>) -> String {
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

pub async fn form(viewer: Viewer, Query(q): Query<NextQuery>) -> LoginPage {
    LoginPage { nav: Nav::of(&viewer), next: safe_next(q.nasta.as_deref()), username: String::new(), error: None }
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: Viewer,
    crate::extract::Form(f): crate::extract::Form<LoginForm>,
) -> Result<Response, AppError> {
    let username = f.username.trim().to_owned();
    let client = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| format!("ip:{}", v.trim()));
    let mut keys = vec![format!("user:{}", username.to_lowercase())];
    keys.extend(client);
    if let Some(wait) = state.limiter.blocked(&keys) {
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
        state.limiter.fail(&keys);
        tracing::info!(user = %username, "misslyckad inloggning");
        let page = LoginPage {
            nav: Nav::of(&viewer),
            next: safe_next(Some(&f.next)),
            username,
            error: Some("Fel användarnamn eller lösenord.".to_owned()),
        };
        return Ok((StatusCode::UNAUTHORIZED, page).into_response());
    };
    state.limiter.succeed(&keys);
    if !user.active {
        tracing::info!(user = %username, "inloggning på ett inaktiverat konto");
        let page = LoginPage {
            nav: Nav::of(&viewer),
            next: safe_next(Some(&f.next)),
            username,
            error: Some("Kontot är inaktiverat. Fråga RCC eller administratören om du behöver det igen.".to_owned()),
        };
        return Ok((StatusCode::FORBIDDEN, page).into_response());
    }
    let token = random_token()?;
    let at = now();
    let session = SessionRecord {
        user_id: user.account.id,
        auth_hash: auth_hash(&user.password_hash),
        expires_at: at + Duration::hours(SESSION_HOURS),
    };
    state.store.create_session(&sha256_hex(&token), &session, at).await?;
    tracing::info!(user = %username, "inloggad");
    let secure = is_secure(&headers, state.secure_cookies);
    // A new CSRF token with the new login, so a token known before login is worth nothing after it.
    let cookies = [
        set_cookie(SESSION_COOKIE, &token, Some(SESSION_HOURS * 3600), "Lax", secure),
        set_cookie(CSRF_COOKIE, &random_token()?, None, "Strict", secure),
    ];
    Ok(redirect_with_cookies(&safe_next(Some(&f.next)), cookies.into_iter().flatten().collect()))
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap, viewer: Viewer) -> Result<Response, AppError> {
    if let Some(hash) = &viewer.session {
        state.store.delete_session(hash).await?;
    }
    let secure = is_secure(&headers, state.secure_cookies);
    let cookies = [set_cookie(SESSION_COOKIE, "", Some(0), "Lax", secure)];
    Ok(redirect_with_cookies("/", cookies.into_iter().flatten().collect()))
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
