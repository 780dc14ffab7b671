//! "Glömt lösenordet?" (`/glomt-losenord`): a person who has a password and an e-mail address asks
//! for a link to choose a new one, by username or address. The answer is the same whether or not
//! an account matches, so the page tells no stranger who has an account; the requests are limited
//! per client address and per what was typed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::Duration;
use uppfolj_store::{Actor, AttemptLimit, LinkPurpose, UserRecord};

use super::accounts::{issue_link, public_base};
use crate::auth::{ClientAddress, Viewer, now, too_many};
use crate::views::Nav;
use crate::{AppError, AppState};

#[derive(Template, WebTemplate)]
#[template(path = "forgot.html")]
pub struct ForgotPage {
    nav: Nav,
    who: String,
    error: Option<String>,
    /// The request was taken: the page says what happens now.
    done: bool,
}

/// A client address asks at most 10 times an hour, then waits until the hour has passed.
const CLIENT_LIMIT: AttemptLimit =
    AttemptLimit { window: Duration::hours(1), free: 10, max_wait: Duration::hours(1), block_after: Some(10) };

/// What was typed (a username or an address) gets at most 3 links an hour; further requests are
/// answered as usual but mail nothing, so nobody fills a person's inbox.
const ACCOUNT_LIMIT: AttemptLimit =
    AttemptLimit { window: Duration::hours(1), free: 3, max_wait: Duration::hours(1), block_after: Some(3) };

fn local_only(state: &AppState) -> Result<(), AppError> {
    if state.local_login {
        Ok(())
    } else {
        Err(AppError::Forbidden("Inloggning med lösenord är avstängd här: logga in med e-tjänstekort.".to_owned()))
    }
}

pub async fn form(State(state): State<AppState>, viewer: Viewer) -> Result<ForgotPage, AppError> {
    local_only(&state)?;
    Ok(ForgotPage { nav: Nav::of(&viewer), who: String::new(), error: None, done: false })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    vem: String,
}

/// The accounts a request is for: by username, or every account with that address. Only active
/// accounts with a password and an e-mail address: an account without a password is invited by
/// the RCC or signs in with an e-tjänstekort.
async fn accounts_for(state: &AppState, who: &str) -> Result<Vec<UserRecord>, AppError> {
    let found = if who.contains('@') {
        state.store.users_by_email(who).await?
    } else {
        state.store.user_by_username(who).await?.into_iter().collect()
    };
    Ok(found.into_iter().filter(|u| u.active && !u.password_hash.is_empty() && u.email.is_some()).collect())
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientAddress,
    viewer: Viewer,
    crate::extract::Form(f): crate::extract::Form<ForgotForm>,
) -> Result<Response, AppError> {
    local_only(&state)?;
    let who = f.vem.trim().to_owned();
    if who.is_empty() || who.chars().count() > 200 {
        let page = ForgotPage {
            nav: Nav::of(&viewer),
            error: Some("Skriv ditt användarnamn eller din e-postadress (högst 200 tecken).".to_owned()),
            who,
            done: false,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let at = now();
    if let Some(wait) = state.store.reserve_attempt(&format!("reset-ip:{}", client.0), &CLIENT_LIMIT, at).await? {
        tracing::warn!(client = %client.0, "för många begäranden om nytt lösenord från adressen");
        return Err(too_many(wait));
    }
    let key = format!("reset:{}", who.to_lowercase());
    if state.store.reserve_attempt(&key, &ACCOUNT_LIMIT, at).await?.is_none() {
        let actor = Actor::system(&format!("Glömt lösenordet? (från {})", client.0), at);
        let base = public_base(&headers, &state);
        for u in accounts_for(&state, &who).await? {
            issue_link(&state, &actor, &u, LinkPurpose::Reset, &base).await?;
            tracing::info!(user = %u.account.username, "länk för nytt lösenord skickad");
        }
    }
    Ok(ForgotPage { nav: Nav::of(&viewer), who: String::new(), error: None, done: true }.into_response())
}
