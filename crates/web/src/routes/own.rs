//! One's own account (`/konto`, everyone signed in): its sessions, each of which can be ended, and
//! its API tokens — made with a name and a life (shown once), listed, revoked. And the page a link
//! to choose a password opens (`/losenord/{token}`), for the person the link was given to.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uppfolj_store::{Actor, StoreError, UserRecord};

use super::accounts::{TokenRow, administrator, scope, token_rows, when};
use crate::auth::{Viewer, now};
use crate::error::capitalise;
use crate::extract::{Form, Path};
use crate::views::{Crumb, Nav, crumb};
use crate::{AppError, AppState};

/// How long a token made in the app is valid unless its owner says otherwise.
const TOKEN_DAYS: i64 = 90;

#[derive(Template, WebTemplate)]
#[template(path = "my_account.html")]
pub struct MyAccountPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    title: String,
    facts: Vec<(&'static str, String)>,
    tokens: Vec<TokenRow>,
    /// A token just made: shown this once.
    new_token: Option<String>,
    name: String,
    days: String,
    error: Option<String>,
    may_administer: bool,
    /// The account's sessions: short name, began, ends, whether it is this one.
    sessions: Vec<(String, String, String, bool)>,
    /// The kinds of mail: key, what, whether they come.
    mail: Vec<(&'static str, &'static str, bool)>,
}

/// The kinds of mail a person can turn off (an invitation or a new password always comes).
const MAIL_KINDS: [(&str, &str); 9] = [
    ("round_opened", "En uppföljning öppnas"),
    ("deadline", "Sista dagen ändras"),
    ("process_waiting", "En processuppföljning väntar på mig"),
    ("reminder", "Påminnelser före sista dagen"),
    ("overdue", "Svaren är försenade"),
    ("returned", "RCC skickar tillbaka svar"),
    ("submitted", "En region skickar in (till RCC)"),
    ("accepted", "RCC godkänner svar"),
    ("published", "En uppföljning publiceras"),
];

async fn my_page(
    state: &AppState,
    viewer: &Viewer,
    new_token: Option<String>,
    typed: Option<(&TokenForm, String)>,
) -> Result<MyAccountPage, AppError> {
    let me = viewer.own.as_ref().ok_or_else(|| AppError::LoginRequired { next: "/konto".to_owned() })?;
    let u =
        state.store.user_by_id(me.id).await?.ok_or_else(|| AppError::LoginRequired { next: "/konto".to_owned() })?;
    Ok(MyAccountPage {
        nav: Nav::of(viewer),
        crumbs: vec![crumb("/", "Start"), crumb("/konto", "Mitt konto")],
        title: format!("Mitt konto: {}", me.display_name),
        facts: vec![
            ("Användarnamn", me.username.clone()),
            (
                "Roll",
                format!(
                    "{}{}",
                    me.role.label(),
                    Some(scope(me)).filter(|s| !s.is_empty()).map(|s| format!(", {s}")).unwrap_or_default()
                ),
            ),
            ("Sjukvårdsregion", me.healthcare_region.as_ref().map_or("nationell".to_owned(), ToString::to_string)),
            ("E-post", u.email.clone().unwrap_or_else(|| "–".to_owned())),
            ("Senast inloggad", when(u.last_login_at)),
        ],
        tokens: token_rows(state.store.tokens(me.id).await?),
        new_token,
        name: typed.as_ref().map(|(f, _)| f.namn.clone()).unwrap_or_default(),
        days: typed.as_ref().map_or(TOKEN_DAYS.to_string(), |(f, _)| f.dagar.clone()),
        error: typed.map(|(_, e)| e),
        may_administer: administrator(viewer).is_ok(),
        mail: {
            let off = state.store.optouts(me.id).await?;
            MAIL_KINDS.iter().map(|(k, label)| (*k, *label, !off.iter().any(|o| o == k))).collect()
        },
        sessions: state
            .store
            .sessions_of(me.id, now())
            .await?
            .into_iter()
            .map(|s| {
                let this = viewer.session.as_deref().is_some_and(|h| h.starts_with(&s.id));
                let when = uppfolj_domain::ids::swedish_time;
                (s.id, when(s.created_at), when(s.expires_at), this)
            })
            .collect(),
    })
}

pub async fn mine(State(state): State<AppState>, viewer: Viewer) -> Result<MyAccountPage, AppError> {
    viewer.account()?;
    my_page(&state, &viewer, None, None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    namn: String,
    #[serde(default)]
    dagar: String,
}

/// A new token for the signed-in account, shown on the page this once.
pub async fn create_my_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<TokenForm>,
) -> Result<Response, AppError> {
    let me = viewer.account()?.clone();
    let days = match f.dagar.trim().parse::<i64>() {
        Ok(d) if (1..=365).contains(&d) => d,
        _ => {
            let page = my_page(
                &state,
                &viewer,
                None,
                Some((&f, "Skriv hur många dagar nyckeln ska gälla: 1–365.".to_owned())),
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let (token, hash) = uppfolj_store::credentials::new_api_token().map_err(|e| AppError::Internal(e.to_string()))?;
    let at = now();
    match state.store.create_token(me.id, &f.namn, &hash, at + time::Duration::days(days), &Actor::user(&me, at)).await
    {
        Ok(_) => Ok(my_page(&state, &viewer, Some(token), None).await?.into_response()),
        Err(StoreError::Invalid(m)) => {
            let page = my_page(&state, &viewer, None, Some((&f, capitalise(&m)))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_my_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let me = viewer.account()?.clone();
    let token: i64 = token.parse().map_err(|_| AppError::NotFound("Det finns ingen sådan API-nyckel.".to_owned()))?;
    state.store.revoke_token(me.id, token, &Actor::user(&me, now())).await?;
    Ok(Redirect::to("/konto#nycklar").into_response())
}

/// Ends one of the signed-in account's own sessions (this one too, if chosen).
pub async fn end_my_session(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let me = viewer.account()?.clone();
    state.store.end_session_of(me.id, &id).await?;
    Ok(Redirect::to("/konto#inloggningar").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "password_choose.html")]
pub struct ChoosePage {
    nav: Nav,
    heading: &'static str,
    username: String,
    action: String,
    error: Option<String>,
    done: bool,
}

fn choose_page(viewer: &Viewer, u: &UserRecord, purpose: uppfolj_store::LinkPurpose, token: &str) -> ChoosePage {
    ChoosePage {
        nav: Nav::of(viewer),
        heading: match purpose {
            uppfolj_store::LinkPurpose::Invitation => "Välkommen: välj ditt lösenord",
            uppfolj_store::LinkPurpose::Reset => "Välj ett nytt lösenord",
        },
        username: u.account.username.clone(),
        action: format!("/losenord/{token}"),
        error: None,
        done: false,
    }
}

fn link_gone() -> AppError {
    AppError::NotFound(
        "Länken gäller inte längre: den är redan använd, för gammal eller ersatt av en nyare. Be RCC eller \
         administratören om en ny."
            .to_owned(),
    )
}

pub async fn choose_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> Result<ChoosePage, AppError> {
    let (u, purpose) =
        state.store.account_link(&crate::auth::sha256_hex(&token), now()).await?.ok_or_else(link_gone)?;
    Ok(choose_page(&viewer, &u, purpose, &token))
}

#[derive(Deserialize)]
pub struct ChooseForm {
    #[serde(default)]
    losenord: String,
    #[serde(default)]
    igen: String,
}

pub async fn choose(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
    Form(f): Form<ChooseForm>,
) -> Result<Response, AppError> {
    let hash = crate::auth::sha256_hex(&token);
    let (u, purpose) = state.store.account_link(&hash, now()).await?.ok_or_else(link_gone)?;
    let problem = if f.losenord != f.igen {
        Some("Lösenorden är inte lika: skriv samma lösenord två gånger.".to_owned())
    } else {
        uppfolj_store::credentials::password_problem(&f.losenord, &u.account.username)
    };
    if let Some(problem) = problem {
        let mut page = choose_page(&viewer, &u, purpose, &token);
        page.error = Some(problem);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let password_hash = crate::auth::hash_password(&f.losenord)?;
    match state.store.use_account_link(&hash, &password_hash, now()).await {
        Ok(u) => {
            let mut page = choose_page(&viewer, &u, purpose, &token);
            page.done = true;
            Ok(page.into_response())
        }
        Err(StoreError::NotFound(_)) => Err(link_gone()),
        Err(e) => Err(e.into()),
    }
}

/// The kinds of mail the person wants: every kind not ticked is turned off.
pub async fn set_mail(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let me = viewer.account()?.clone();
    let wanted: Vec<&str> = fields.iter().filter(|(k, _)| k == "vill").map(|(_, v)| v.as_str()).collect();
    let off: Vec<String> =
        MAIL_KINDS.iter().filter(|(k, _)| !wanted.contains(k)).map(|(k, _)| (*k).to_owned()).collect();
    state.store.set_optouts(me.id, &off).await?;
    Ok(Redirect::to("/konto#utskick").into_response())
}
