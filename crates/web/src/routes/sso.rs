//! Signing in with an e-tjänstekort: single sign-on through the configured OpenID provider
//! (`crate::oidc`). `GET /logga-in/oidc` begins a flow — its state, nonce and PKCE verifier kept in
//! the database for ten minutes and the state also in a cookie of this browser — and sends the
//! visitor to the provider; the provider sends them back to `/logga-in/oidc/callback`, which takes
//! the flow once, checks the state against the cookie, has the code exchanged and the ID token
//! checked, and signs in the one active account with that identity. Anything else is refused with
//! a page that says whom to ask, and logged.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uppfolj_store::SsoFlow;

use super::login::{safe_next, sign_in};
use crate::auth::{Viewer, cookie, is_secure, now, set_cookie, sha256_hex};
use crate::extract::Query;
use crate::views::Nav;
use crate::{AppError, AppState};

/// The cookie that binds a flow to the browser that began it.
const STATE_COOKIE: &str = "uppfolj_sso";
/// How long a sign-in at the provider may take.
const FLOW_MINUTES: i64 = 10;

#[derive(Template, WebTemplate)]
#[template(path = "sso_refused.html")]
pub struct RefusedPage {
    nav: Nav,
    heading: &'static str,
    message: String,
}

fn refused(viewer: &Viewer, status: StatusCode, heading: &'static str, message: &str) -> Response {
    let page = RefusedPage { nav: Nav::of(viewer), heading, message: message.to_owned() };
    (status, page).into_response()
}

#[derive(Deserialize)]
pub struct StartQuery {
    nasta: Option<String>,
}

pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<StartQuery>,
) -> Result<Response, AppError> {
    let oidc = state
        .oidc
        .as_ref()
        .ok_or_else(|| AppError::NotFound("Inloggning med e-tjänstekort är inte inställd här.".to_owned()))?;
    let started = oidc.start();
    let at = now();
    let flow = SsoFlow { verifier: started.verifier, nonce: started.nonce, next: safe_next(q.nasta.as_deref()) };
    let expires = at + time::Duration::minutes(FLOW_MINUTES);
    state.store.save_sso_flow(&sha256_hex(&started.state), &flow, expires, at).await?;
    let secure = is_secure(&headers, state.secure_cookies);
    let mut res = Redirect::to(&started.url).into_response();
    if let Some(c) = set_cookie(STATE_COOKIE, &started.state, Some(FLOW_MINUTES * 60), "Lax", secure) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

const ASK: &str = "Be RCC eller administratören att lägga in din identitet för e-tjänstekort på ditt konto, \
                   eller att skapa ett konto åt dig.";

pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: Viewer,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, AppError> {
    let oidc = state
        .oidc
        .as_ref()
        .ok_or_else(|| AppError::NotFound("Inloggning med e-tjänstekort är inte inställd här.".to_owned()))?;
    let failed = |why: &str| {
        tracing::warn!(reason = why, "inloggning med e-tjänstekort avbröts");
        let m = "Inloggningen kunde inte slutföras. Börja om från inloggningssidan; om det händer igen, kontakta \
                 förvaltningen.";
        Ok(refused(&viewer, StatusCode::BAD_REQUEST, "Inloggningen avbröts", m))
    };
    if let Some(e) = &q.error {
        return failed(&format!("leverantören svarade {e}"));
    }
    let (Some(code), Some(sent)) = (&q.code, &q.state) else { return failed("svaret saknar kod eller state") };
    // The state must be the one this browser began with, and the flow is taken once.
    if cookie(&headers, STATE_COOKIE).as_deref() != Some(sent.as_str()) {
        return failed("state stämmer inte med webbläsarens");
    }
    let Some(flow) = state.store.take_sso_flow(&sha256_hex(sent), now()).await? else {
        return failed("ingen pågående inloggning med det state (använd eller för gammal)");
    };
    let identity = match oidc.finish(code, &flow.verifier, &flow.nonce).await {
        Ok(id) => id,
        Err(e) => return failed(&e),
    };
    let user = state.store.user_by_sso_id(&identity).await?;
    let Some(user) = user.filter(|u| u.active) else {
        tracing::warn!(identity = %identity, "inloggning med e-tjänstekort: okänd eller inaktiverad identitet");
        let m = format!("Det finns inget aktivt konto i Uppfölj för din identitet ({identity}). {ASK}");
        return Ok(refused(&viewer, StatusCode::FORBIDDEN, "Inget konto för din identitet", &m));
    };
    tracing::info!(user = %user.account.username, "inloggad med e-tjänstekort");
    let mut res = sign_in(&state, &headers, &user, &flow.next).await?;
    let secure = is_secure(&headers, state.secure_cookies);
    if let Some(c) = set_cookie(STATE_COOKIE, "", Some(0), "Lax", secure) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}
