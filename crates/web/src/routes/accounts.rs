//! Accounts in the app. An admin administers every account; RCC staff the accounts of their own
//! healthcare region, admins excepted. Accounts are listed with a filter, created, changed (name,
//! e-mail, role and where it works, restricted-sharing access, single-sign-on identity) and
//! deactivated or reactivated, each with a reason that the account's history shows; a link for the
//! person to choose a password. One's own account is in `own.rs`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uppfolj_domain::{Account, RegionCode, Role, Slug};
use uppfolj_store::{AccountChange, Actor, NewUser, StoreError, TokenRecord, UserFilter, UserRecord};

use super::history::{EventRow, PageQuery, rows};
use crate::auth::{Viewer, now};
use crate::error::capitalise;
use crate::extract::{Form, Path, Query};
use crate::views::{Crumb, HISTORY_PAGE, Nav, Pager, crumb, page_of};
use crate::{AppError, AppState};

/// Whom `me` administers: an admin everyone; RCC staff of a healthcare region its accounts that are
/// not admins. Everyone else no one.
fn administers(me: &Account, hr: Option<&Slug>, role: Role) -> bool {
    match me.role {
        Role::Admin => true,
        Role::Rcc => me.healthcare_region.is_some() && me.healthcare_region.as_ref() == hr && role != Role::Admin,
        _ => false,
    }
}

/// The signed-in account if it administers accounts at all.
pub(crate) fn administrator(viewer: &Viewer) -> Result<&Account, AppError> {
    viewer.require(
        |a| a.role == Role::Admin || (a.role == Role::Rcc && a.healthcare_region.is_some()),
        "administrera konton",
    )
}

/// An account `me` administers, or 404 (whether it exists elsewhere is not told).
async fn target(state: &AppState, me: &Account, id: &str) -> Result<UserRecord, AppError> {
    let missing = || AppError::NotFound(format!("Det finns inget konto nummer \"{id}\" som du administrerar."));
    let id: i64 = id.parse().map_err(|_| missing())?;
    let u = state.store.user_by_id(id).await?.ok_or_else(missing)?;
    if !administers(me, u.account.healthcare_region.as_ref(), u.account.role) {
        return Err(missing());
    }
    Ok(u)
}

pub(crate) fn scope(a: &Account) -> String {
    match (&a.region, &a.process) {
        (Some(r), _) => r.to_string(),
        (None, Some(p)) => p.to_string(),
        _ => String::new(),
    }
}

pub(crate) fn when(t: Option<time::OffsetDateTime>) -> String {
    t.map(uppfolj_domain::ids::swedish_time).unwrap_or_else(|| "aldrig".to_owned())
}

pub struct AccountRow {
    pub href: String,
    pub username: String,
    pub name: String,
    pub role: String,
    pub scope: String,
    pub healthcare_region: String,
    pub active: bool,
    pub last_login: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts.html")]
pub struct AccountsPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    rows: Vec<AccountRow>,
    /// The filter's choices: (value, label, chosen).
    roles: Vec<(String, String, bool)>,
    regions: Vec<(String, String, bool)>,
    states: Vec<(String, String, bool)>,
    region: String,
    /// Whose accounts these are: "alla", or a healthcare region's.
    whose: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    roll: String,
    #[serde(default)]
    sjukvardsregion: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    status: String,
}

/// The healthcare regions `me` may put an account in: (code, name); an admin all, RCC staff their own.
async fn regions_for(state: &AppState, me: &Account) -> Result<Vec<(Slug, String)>, AppError> {
    Ok(state
        .store
        .healthcare_regions()
        .await?
        .into_iter()
        .filter(|(code, _)| me.role == Role::Admin || me.healthcare_region.as_ref() == Some(code))
        .collect())
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<AccountsPage, AppError> {
    let me = administrator(&viewer)?;
    let bad = |what: &str, v: &str| AppError::BadRequest(format!("\"{v}\" är {what} att filtrera på."));
    let role = match q.roll.trim() {
        "" => None,
        r => Some(Role::parse(r).ok_or_else(|| bad("ingen roll", r))?),
    };
    let region = match q.region.trim() {
        "" => None,
        r => Some(RegionCode::parse(r).map_err(|_| bad("ingen regionkod", r))?),
    };
    let (active, idle) = match q.status.trim() {
        "" => (None, None),
        "aktiva" => (Some(true), None),
        "inaktiverade" => (Some(false), None),
        // Active accounts nobody has signed in to for 90 days: to deactivate, perhaps.
        "ej-inloggade" => (Some(true), Some(now() - time::Duration::days(90))),
        s => return Err(bad("ingen status", s)),
    };
    let hr = match (me.role, q.sjukvardsregion.trim()) {
        (Role::Admin, "") => None,
        (Role::Admin, h) => Some(Slug::parse(h).map_err(|_| bad("ingen sjukvårdsregion", h))?),
        _ => me.healthcare_region.clone(),
    };
    let filter = UserFilter { role, healthcare_region: hr.clone(), region, active, not_signed_in_since: idle };
    let rows = state
        .store
        .users_where(&filter)
        .await?
        .into_iter()
        .filter(|u| administers(me, u.account.healthcare_region.as_ref(), u.account.role))
        .map(|u| AccountRow {
            href: format!("/konton/{}", u.account.id),
            username: u.account.username.clone(),
            name: u.account.display_name.clone(),
            role: u.account.role.label().to_owned(),
            scope: scope(&u.account),
            healthcare_region: u.account.healthcare_region.as_ref().map_or("nationell".to_owned(), ToString::to_string),
            active: u.active,
            last_login: when(u.last_login_at),
        })
        .collect();
    let chosen = |v: &str, want: &str| v == want;
    let mut roles = vec![(String::new(), "Alla roller".to_owned(), q.roll.is_empty())];
    roles.extend(Role::ALL.iter().map(|r| (r.as_str().to_owned(), r.label().to_owned(), chosen(&q.roll, r.as_str()))));
    let mut regions = vec![(String::new(), "Alla".to_owned(), q.sjukvardsregion.is_empty())];
    if me.role == Role::Admin {
        for (code, name) in regions_for(&state, me).await? {
            regions.push((code.to_string(), name, chosen(&q.sjukvardsregion, code.as_str())));
        }
    }
    let states = [
        ("", "Alla"),
        ("aktiva", "Aktiva"),
        ("inaktiverade", "Inaktiverade"),
        ("ej-inloggade", "Aktiva, inte inloggade på 90 dagar"),
    ]
    .iter()
    .map(|(v, l)| ((*v).to_owned(), (*l).to_owned(), chosen(&q.status, v)))
    .collect();
    Ok(AccountsPage {
        nav: Nav::of(&viewer),
        crumbs: vec![crumb("/", "Start"), crumb("/konton", "Konton")],
        rows,
        roles,
        regions: if me.role == Role::Admin { regions } else { Vec::new() },
        states,
        region: q.region.clone(),
        whose: match (&hr, me.role) {
            (None, Role::Admin) => "alla sjukvårdsregioners och de nationella".to_owned(),
            (Some(h), _) => format!("sjukvårdsregionen {h}s"),
            (None, _) => String::new(),
        },
    })
}

/// The account form as typed (or as the account is).
#[derive(Deserialize, Default, Clone)]
pub struct AccountForm {
    #[serde(default)]
    anvandarnamn: String,
    #[serde(default)]
    namn: String,
    #[serde(default)]
    epost: String,
    #[serde(default)]
    roll: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    process: String,
    #[serde(default)]
    sjukvardsregion: String,
    #[serde(default)]
    begransad: Option<String>,
    #[serde(default)]
    e_tjanstekort: String,
    #[serde(default)]
    skal: String,
}

impl AccountForm {
    fn of(u: &UserRecord) -> AccountForm {
        let a = &u.account;
        AccountForm {
            anvandarnamn: a.username.clone(),
            namn: a.display_name.clone(),
            epost: u.email.clone().unwrap_or_default(),
            roll: a.role.as_str().to_owned(),
            region: a.region.as_ref().map(ToString::to_string).unwrap_or_default(),
            process: a.process.as_ref().map(ToString::to_string).unwrap_or_default(),
            sjukvardsregion: a.healthcare_region.as_ref().map(ToString::to_string).unwrap_or_default(),
            begransad: a.restricted_access.then(|| "ja".to_owned()),
            e_tjanstekort: u.sso_id.clone().unwrap_or_default(),
            skal: String::new(),
        }
    }

    /// The change the form asks for, as `me` may make it; `Err` names the field and the problem.
    fn change(&self, me: &Account) -> Result<AccountChange, (&'static str, String)> {
        let role = Role::parse(&self.roll).ok_or(("roll", "Välj en roll.".to_owned()))?;
        if role == Role::Admin && me.role != Role::Admin {
            return Err(("roll", "Bara en administratör kan göra någon till administratör.".to_owned()));
        }
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let region = match (role, opt(&self.region)) {
            (Role::Region, Some(r)) => Some(RegionCode::parse(&r).map_err(|e| ("region", capitalise(&e.to_string())))?),
            (Role::Region, None) => {
                return Err(("region", "En regions rapportör behöver en region, till exempel RN.".to_owned()));
            }
            _ => None,
        };
        let process = match (role, opt(&self.process)) {
            (Role::Process, Some(p)) => Some(Slug::parse(&p).map_err(|e| ("process", capitalise(&e.to_string())))?),
            (Role::Process, None) => {
                return Err(("process", "En processledare behöver en vårdprocess, till exempel vagen-in.".to_owned()));
            }
            _ => None,
        };
        let healthcare_region = match (me.role, role, opt(&self.sjukvardsregion)) {
            (_, Role::Admin, _) => None,
            (Role::Admin, _, h) => {
                h.map(|h| Slug::parse(&h).map_err(|e| ("sjukvardsregion", capitalise(&e.to_string())))).transpose()?
            }
            _ => me.healthcare_region.clone(),
        };
        Ok(AccountChange {
            display_name: self.namn.clone(),
            email: opt(&self.epost),
            role,
            region,
            process,
            restricted_access: self.begransad.is_some(),
            healthcare_region,
            sso_id: opt(&self.e_tjanstekort),
        })
    }
}

/// The form's fields, choices and problem, for the template.
pub struct FormView {
    pub f: AccountForm,
    pub roles: Vec<(String, String, bool)>,
    /// Empty when the account's healthcare region is not the administrator's to choose.
    pub regions: Vec<(String, String, bool)>,
    pub error: Option<(&'static str, String)>,
    pub is_new: bool,
}

impl FormView {
    pub fn error_at(&self, field: &str) -> String {
        self.error.as_ref().filter(|(f, _)| *f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
}

async fn form_view(
    state: &AppState,
    me: &Account,
    f: AccountForm,
    error: Option<(&'static str, String)>,
    is_new: bool,
) -> Result<FormView, AppError> {
    let roles = Role::ALL
        .iter()
        .filter(|r| me.role == Role::Admin || **r != Role::Admin)
        .map(|r| (r.as_str().to_owned(), r.label().to_owned(), f.roll == r.as_str()))
        .collect();
    let regions = if me.role == Role::Admin {
        let mut v = vec![(
            String::new(),
            "Ingen (nationell läsare eller administratör)".to_owned(),
            f.sjukvardsregion.is_empty(),
        )];
        for (code, name) in regions_for(state, me).await? {
            let chosen = f.sjukvardsregion == code.as_str();
            v.push((code.to_string(), name, chosen));
        }
        v
    } else {
        Vec::new()
    };
    Ok(FormView { f, roles, regions, error, is_new })
}

#[derive(Template, WebTemplate)]
#[template(path = "account_new.html")]
pub struct NewAccountPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    form: FormView,
}

pub async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Result<NewAccountPage, AppError> {
    let me = administrator(&viewer)?;
    let f = AccountForm { roll: Role::Region.as_str().to_owned(), ..AccountForm::default() };
    new_page(&state, &viewer, me, f, None).await
}

async fn new_page(
    state: &AppState,
    viewer: &Viewer,
    me: &Account,
    f: AccountForm,
    error: Option<(&'static str, String)>,
) -> Result<NewAccountPage, AppError> {
    Ok(NewAccountPage {
        nav: Nav::of(viewer),
        crumbs: vec![crumb("/", "Start"), crumb("/konton", "Konton"), crumb("/konton/ny", "Nytt konto")],
        form: form_view(state, me, f, error, true).await?,
    })
}

/// Which field a refusal from the store belongs at.
fn field_of(message: &str) -> &'static str {
    let m = message.to_lowercase();
    if m.contains("e-post") {
        "epost"
    } else if m.contains("e-tjänstekort") {
        "e_tjanstekort"
    } else if m.contains("vårdprocess") {
        "process"
    } else if m.contains("sjukvårdsregion") {
        "sjukvardsregion"
    } else if m.contains("region") {
        "region"
    } else if m.contains("användare") {
        "anvandarnamn"
    } else {
        ""
    }
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<AccountForm>,
) -> Result<Response, AppError> {
    let me = administrator(&viewer)?;
    let username = f.anvandarnamn.trim().to_owned();
    let refused = async |f: AccountForm, field: &'static str, m: String| -> Result<Response, AppError> {
        let page = new_page(&state, &viewer, me, f, Some((field, m))).await?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    if username.is_empty() || username.chars().any(|c| c.is_whitespace() || c.is_control()) || username.len() > 64 {
        return refused(f, "anvandarnamn", "Skriv ett användarnamn utan mellanslag, högst 64 tecken.".to_owned()).await;
    }
    let c = match f.change(me) {
        Ok(c) => c,
        Err((field, m)) => return refused(f, field, m).await,
    };
    if !administers(me, c.healthcare_region.as_ref(), c.role) {
        return Err(AppError::Forbidden("Du har inte behörighet att skapa ett sådant konto.".to_owned()));
    }
    let new = NewUser {
        username: username.clone(),
        display_name: if c.display_name.trim().is_empty() { username.clone() } else { c.display_name.clone() },
        role: c.role,
        region: c.region,
        process: c.process,
        restricted_access: c.restricted_access,
        // No password yet: the person signs in with an e-tjänstekort, or chooses one (invitation).
        password_hash: String::new(),
        healthcare_region: c.healthcare_region,
        email: c.email,
        sso_id: c.sso_id,
    };
    match state.store.create_user(&new, &Actor::user(me, now())).await {
        Ok(id) => Ok(Redirect::to(&format!("/konton/{id}")).into_response()),
        Err(StoreError::Invalid(m) | StoreError::Conflict(m) | StoreError::NotFound(m)) => {
            refused(f, field_of(&m), capitalise(&m)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub state: String,
    pub expires: String,
    pub last_used: String,
    pub valid: bool,
}

pub(crate) fn token_rows(tokens: Vec<TokenRecord>) -> Vec<TokenRow> {
    let at = now();
    let day = |t: Option<time::OffsetDateTime>| t.map(|t| uppfolj_domain::ids::format_date(t.date()));
    tokens
        .into_iter()
        .map(|t| {
            let state = match t.revoked_at {
                Some(r) => format!("{} {}", t.state(at), uppfolj_domain::ids::format_date(r.date())),
                None => t.state(at).to_owned(),
            };
            TokenRow {
                id: t.id,
                name: t.name,
                valid: state == "gäller",
                state,
                expires: day(t.expires_at).unwrap_or_else(|| "–".to_owned()),
                last_used: day(t.last_used_at).unwrap_or_else(|| "aldrig".to_owned()),
            }
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    id: i64,
    title: String,
    active: bool,
    facts: Vec<(&'static str, String)>,
    form: FormView,
    /// A refusal of the activation form.
    state_error: Option<String>,
    tokens: Vec<TokenRow>,
    events: Vec<EventRow>,
    pager: Pager,
    /// A link just made to choose a password: what it is, and its address (shown this once).
    link: Option<(String, String)>,
    /// Whether the account has a password yet (an invitation, or a new password).
    has_password: bool,
    /// Whether the account has an e-mail address (links are mailed to it).
    has_email: bool,
    /// The links mailed to the account, newest first.
    mail: Vec<super::mailing::MailRow>,
}

async fn account_page(
    state: &AppState,
    viewer: &Viewer,
    me: &Account,
    u: &UserRecord,
    form: Option<(AccountForm, (&'static str, String))>,
    state_error: Option<String>,
    sida: Option<&str>,
) -> Result<AccountPage, AppError> {
    let id = u.account.id;
    let events = state.store.account_events(id, page_of(sida, HISTORY_PAGE)?).await?;
    let (f, error) = match form {
        Some((f, e)) => (f, Some(e)),
        None => (AccountForm::of(u), None),
    };
    let a = &u.account;
    Ok(AccountPage {
        nav: Nav::of(viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb("/konton", "Konton"),
            crumb(format!("/konton/{id}"), a.display_name.clone()),
        ],
        id,
        title: format!("{} ({})", a.display_name, a.username),
        active: u.active,
        facts: vec![
            (
                "Roll",
                format!(
                    "{}{}",
                    a.role.label(),
                    Some(scope(a)).filter(|s| !s.is_empty()).map(|s| format!(", {s}")).unwrap_or_default()
                ),
            ),
            ("Sjukvårdsregion", a.healthcare_region.as_ref().map_or("nationell".to_owned(), ToString::to_string)),
            ("Status", if u.active { "aktivt".to_owned() } else { "inaktiverat".to_owned() }),
            ("Senast inloggad", when(u.last_login_at)),
            ("Lokalt lösenord", if u.password_hash.is_empty() { "inget".to_owned() } else { "finns".to_owned() }),
            ("Skapat", uppfolj_domain::ids::swedish_time(u.created_at)),
        ],
        form: form_view(state, me, f, error, false).await?,
        state_error,
        tokens: token_rows(state.store.tokens(id).await?),
        pager: Pager::of(&events, &format!("/konton/{id}"), ("ändring", "ändringar")),
        events: rows(events.items),
        link: None,
        has_password: !u.password_hash.is_empty(),
        has_email: u.email.is_some(),
        mail: super::mailing::mail_rows(state.store.account_mail(id, 10).await?),
    })
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<AccountPage, AppError> {
    let me = administrator(&viewer)?;
    let u = target(&state, me, &id).await?;
    account_page(&state, &viewer, me, &u, None, None, q.sida.as_deref()).await
}

pub async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<AccountForm>,
) -> Result<Response, AppError> {
    let me = administrator(&viewer)?;
    let u = target(&state, me, &id).await?;
    let refused = async |f: AccountForm, field: &'static str, m: String, status: StatusCode| {
        let page = account_page(&state, &viewer, me, &u, Some((f, (field, m))), None, None).await?;
        Ok::<_, AppError>((status, page).into_response())
    };
    let c = match f.change(me) {
        Ok(c) => c,
        Err((field, m)) => return refused(f, field, m, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    if !administers(me, c.healthcare_region.as_ref(), c.role) {
        return Err(AppError::Forbidden("Du har inte behörighet att ge kontot den rollen.".to_owned()));
    }
    match state.store.update_user(u.account.id, &c, &f.skal, &Actor::user(me, now())).await {
        Ok(()) => Ok(Redirect::to(&format!("/konton/{}", u.account.id)).into_response()),
        Err(StoreError::Invalid(m) | StoreError::NotFound(m)) => {
            refused(f, field_of(&m), capitalise(&m), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(StoreError::Conflict(m)) => refused(f, field_of(&m), capitalise(&m), StatusCode::CONFLICT).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    skal: String,
}

async fn set_active(
    state: AppState,
    viewer: Viewer,
    id: String,
    reason: String,
    active: bool,
) -> Result<Response, AppError> {
    let me = administrator(&viewer)?;
    let u = target(&state, me, &id).await?;
    if u.account.id == me.id && !active {
        let page = account_page(
            &state,
            &viewer,
            me,
            &u,
            None,
            Some("Du kan inte inaktivera ditt eget konto.".to_owned()),
            None,
        )
        .await?;
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    match state.store.set_active(u.account.id, active, &reason, &Actor::user(me, now())).await {
        Ok(()) => Ok(Redirect::to(&format!("/konton/{}", u.account.id)).into_response()),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict(_))) => {
            let status = if matches!(e, StoreError::Invalid(_)) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::CONFLICT
            };
            let m = match e {
                StoreError::Invalid(m) | StoreError::Conflict(m) => capitalise(&m),
                _ => String::new(),
            };
            let page = account_page(&state, &viewer, me, &u, None, Some(m), None).await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn deactivate(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    set_active(state, viewer, id, f.skal, false).await
}

pub async fn activate(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    set_active(state, viewer, id, f.skal, true).await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, token)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let me = administrator(&viewer)?;
    let u = target(&state, me, &id).await?;
    let token: i64 = token.parse().map_err(|_| AppError::NotFound("Det finns ingen sådan API-nyckel.".to_owned()))?;
    state.store.revoke_token(u.account.id, token, &Actor::user(me, now())).await?;
    Ok(Redirect::to(&format!("/konton/{}#nycklar", u.account.id)).into_response())
}

/// The address people reach the app at: `UPPFOLJ_PUBLIC_URL` when set, else as this request came.
pub(crate) fn public_base(headers: &axum::http::HeaderMap, state: &AppState) -> String {
    if let Ok(url) = std::env::var("UPPFOLJ_PUBLIC_URL") {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if crate::auth::is_secure(headers, state.secure_cookies) { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// Makes a single-use link for `user` to choose a password, and mails it when the account has an
/// e-mail address; answers its address, and the address it is mailed to. Only the token's hash is
/// kept with the account (the outbox holds the token until the mail is sent). The one call the
/// administrator's button and "Glömt lösenordet?" both make.
pub(crate) async fn issue_link(
    state: &AppState,
    actor: &Actor,
    user: &UserRecord,
    purpose: uppfolj_store::LinkPurpose,
    base: &str,
) -> Result<(String, Option<String>), AppError> {
    let token = crate::auth::random_token()?;
    let expires = actor.at + purpose.valid_for();
    let page = format!("/losenord/{token}");
    let hash = crate::auth::sha256_hex(&token);
    let mailed = state.store.create_account_link(user.account.id, purpose, &hash, expires, Some(&page), actor).await?;
    Ok((format!("{base}{page}"), mailed))
}

/// A link for the account to choose its password, shown to the administrator to pass on.
pub async fn make_link(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let me = administrator(&viewer)?;
    let u = target(&state, me, &id).await?;
    let purpose = if u.password_hash.is_empty() {
        uppfolj_store::LinkPurpose::Invitation
    } else {
        uppfolj_store::LinkPurpose::Reset
    };
    let actor = Actor::user(me, now());
    let (url, mailed) = match issue_link(&state, &actor, &u, purpose, &public_base(&headers, &state)).await {
        Ok(made) => made,
        Err(AppError::Conflict(m)) => {
            let page = account_page(&state, &viewer, me, &u, None, Some(m), None).await?;
            return Ok((StatusCode::CONFLICT, page).into_response());
        }
        Err(e) => return Err(e),
    };
    let until = uppfolj_domain::ids::swedish_time(actor.at + purpose.valid_for());
    let mut page = account_page(&state, &viewer, me, &u, None, None, None).await?;
    let what = crate::error::capitalise(purpose.label());
    let sent = match mailed {
        Some(address) => format!(" Den skickas också med e-post till {address}."),
        None => " Kontot har ingen e-postadress: ge personen länken själv.".to_owned(),
    };
    page.link = Some((format!("{what} (gäller en gång, till {until}).{sent}"), url));
    Ok(page.into_response())
}
