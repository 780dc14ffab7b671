//! Uppfölj's web interface: the axum router, its pages (askama templates) and the JSON API.
//!
//! Architecture invariant: this is the only crate that knows about HTTP. Handlers check who may do
//! what with the rules in `uppfolj_domain::workflow`, then read and write through the
//! [`uppfolj_store::Store`] trait, whose write methods record the audit events.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use tower_http::trace::TraceLayer;
use uppfolj_store::Store;

pub mod api;
pub mod auth;
pub mod cache;
pub mod error;
pub mod extract;
pub mod mail;
pub mod oidc;
pub mod request_id;
mod routes;
pub mod security;
mod views;

pub use error::{ApiError, AppError};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Mark cookies `Secure` even when the request did not say it came over TLS.
    pub secure_cookies: bool,
    /// What is already known about published rounds.
    pub cache: Arc<cache::Caches>,
    /// Single sign-on, when configured.
    pub oidc: Option<Arc<oidc::Oidc>>,
    /// Whether local passwords sign in (`UPPFOLJ_LOCAL_LOGIN=false` switches them off).
    pub local_login: bool,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, secure_cookies: bool) -> AppState {
        AppState { store, secure_cookies, cache: Arc::new(cache::Caches::new()), oidc: None, local_login: true }
    }

    /// With single sign-on through `oidc`.
    pub fn with_oidc(mut self, oidc: Option<oidc::Oidc>) -> AppState {
        self.oidc = oidc.map(Arc::new);
        self
    }

    /// With local passwords on or off.
    pub fn with_local_login(mut self, on: bool) -> AppState {
        self.local_login = on;
        self
    }
}

const CSS: &str = include_str!("../static/uppfolj.css");
const JS: &str = include_str!("../static/uppfolj.js");

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        CSS,
    )
}

/// The live character counts of the forms (the forms work without it).
async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        JS,
    )
}

/// Alive: the process answers (no database is touched, so a load balancer can ask often).
async fn health() -> impl IntoResponse {
    (StatusCode::OK, "ok")
}

/// Ready: the database answers a read and takes a write. 200 with `läsa: ok` / `skriva: ok`, or 503
/// naming what fails (a read-only database, a full disk, a lock held too long).
async fn ready(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    let read = state.store.check_read().await;
    let write = match &read {
        Ok(()) => state.store.check_write(auth::now()).await,
        Err(_) => Err(uppfolj_store::StoreError::Invalid("läsningen misslyckades".to_owned())),
    };
    let line = |what: &str, r: &Result<(), uppfolj_store::StoreError>| match r {
        Ok(()) => format!("{what}: ok"),
        Err(e) => {
            tracing::error!(error = %e, "hälsokontroll: databasen kan inte {what}");
            format!("{what}: fel ({e})")
        }
    };
    let status = if read.is_ok() && write.is_ok() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, format!("{}\n{}\n", line("läsa", &read), line("skriva", &write)))
}

async fn not_found() -> AppError {
    AppError::NotFound("Det finns ingen sida på den adressen. Börja om från startsidan.".to_owned())
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed(
        "Adressen finns, men inte för det du försökte göra (fel metod). Använd knapparna och länkarna i Uppfölj."
            .to_owned(),
    )
}

/// The most of a request body that is read at all. Each kind of body has a lower limit of its own
/// (a form [`auth::MAX_FORM_BYTES`], JSON [`extract::MAX_JSON_BYTES`], an uploaded table
/// `TABLE_LIMITS.max_bytes`); what lies between that and this is read and thrown away, so that the
/// sender receives the 413 instead of a connection closed in the middle of sending.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Declares routes once: the router is built from these lists, and [`ROUTES`] exposes them so that
/// the authorization test can insist on an entry for each. Two groups, so that neither list grows
/// past a screen: the routes of a round (`/planer/{plan}/{year}/…` and the API), and the rest.
macro_rules! route_group {
    ($list:ident, $add:ident, { $( $method:ident $path:literal => $handler:path ),* $(,)? }) => {
        const $list: &[(&str, &str)] = &[ $( (stringify!($method), $path) ),* ];

        fn $add(r: Router<AppState>) -> Router<AppState> {
            $( let r = r.route($path, axum::routing::$method($handler)); )*
            r
        }
    };
}

route_group!(PLAN_ROUTES, plan_routes, {
    get "/" => routes::plans::index,
    get "/logga-in" => routes::login::form,
    post "/logga-in" => routes::login::submit,
    get "/logga-in/oidc" => routes::sso::start,
    get "/logga-in/oidc/callback" => routes::sso::callback,
    post "/logga-ut" => routes::login::logout,
    get "/planer/{plan}" => routes::plans::overview_latest,
    post "/planer/{plan}/uppfoljningar" => routes::review::open_round,
    post "/planer/{plan}/faststall" => routes::review::adopt_plan,
    get "/planer/{plan}/efterfoljare" => routes::drafts::successor_form,
    post "/planer/{plan}/efterfoljare" => routes::drafts::successor_create,
    get "/ny-plan" => routes::drafts::new_form,
    post "/ny-plan" => routes::drafts::new_create,
    get "/planer/{plan}/utkast" => routes::drafts::editor,
    post "/planer/{plan}/utkast/omraden/{area}" => routes::drafts::rename_area,
    post "/planer/{plan}/utkast/omraden/{area}/upp" => routes::drafts::move_area_up,
    post "/planer/{plan}/utkast/omraden/{area}/ta-bort" => routes::drafts::remove_area,
    get "/planer/{plan}/utkast/uppgifter" => routes::drafts::details_form,
    post "/planer/{plan}/utkast/uppgifter" => routes::drafts::details_save,
    post "/planer/{plan}/utkast/mal/{goal}/ta-bort" => routes::drafts::remove_goal,
    post "/planer/{plan}/utkast/mal/{goal}/upp" => routes::drafts::move_goal_up,
    post "/planer/{plan}/utkast/omraden" => routes::drafts::add_area,
    post "/planer/{plan}/utkast/omraden/{area}/mal" => routes::drafts::add_goal,
    post "/planer/{plan}/utkast/mal/{goal}" => routes::drafts::edit_goal,
    post "/planer/{plan}/avsluta" => routes::review::close_plan,
    get "/konton" => routes::accounts::list,
    get "/konton/ny" => routes::accounts::new_form,
    post "/konton/ny" => routes::accounts::create,
    get "/konton/{id}" => routes::accounts::show,
    post "/konton/{id}" => routes::accounts::save,
    post "/konton/{id}/inaktivera" => routes::accounts::deactivate,
    post "/konton/{id}/aktivera" => routes::accounts::activate,
    post "/konton/{id}/nycklar/{token}/aterkalla" => routes::accounts::revoke_token,
    post "/konton/{id}/lank" => routes::accounts::make_link,
    get "/glomt-losenord" => routes::forgot::form,
    post "/glomt-losenord" => routes::forgot::submit,
    get "/losenord/{token}" => routes::own::choose_form,
    post "/losenord/{token}" => routes::own::choose,
    get "/konto" => routes::own::mine,
    post "/konto/nycklar" => routes::own::create_my_token,
    post "/konto/utskick" => routes::own::set_mail,
    post "/konto/inloggningar/{id}/avsluta" => routes::own::end_my_session,
    post "/konto/nycklar/{token}/aterkalla" => routes::own::revoke_my_token,
    get "/planer/{plan}/mal/{goal}" => routes::lineage::page,
    post "/planer/{plan}/mal/{goal}/lydelse" => routes::wording::correct,
    post "/planer/{plan}/mal/{goal}/utgar" => routes::wording::retire,
    get "/planer/{plan}/handlingsplaner/{region}" => routes::actionplan::view,
    post "/planer/{plan}/handlingsplaner/{region}/mal/{goal}" => routes::actionplan::save_entry,
    post "/planer/{plan}/handlingsplaner/{region}/mal/{goal}/aktiviteter" => routes::actionplan::add_activity,
    post "/planer/{plan}/handlingsplaner/{region}/mal/{goal}/fran-planen-fore" => routes::actionplan::start_from_predecessor,
    post "/planer/{plan}/handlingsplaner/{region}/aktiviteter/{id}" => routes::actionplan::update_activity,
    get "/static/uppfolj.css" => stylesheet,
    get "/static/uppfolj.js" => script,
    get "/healthz" => health,
    get "/healthz/ready" => ready,
});

route_group!(ROUND_ROUTES, round_routes, {
    get "/planer/{plan}/{year}" => routes::plans::overview,
    get "/planer/{plan}/{year}/omraden/{area}" => routes::plans::area,
    get "/planer/{plan}/{year}/omraden/{area}/rcc-kommentarer" => routes::review::rcc_comments_form,
    post "/planer/{plan}/{year}/omraden/{area}/rcc-kommentarer" => routes::review::rcc_comments_save,
    get "/planer/{plan}/{year}/regioner/{region}" => routes::region::form,
    post "/planer/{plan}/{year}/regioner/{region}" => routes::region::save,
    get "/planer/{plan}/{year}/granskning" => routes::review::overview,
    get "/planer/{plan}/{year}/granskning/{region}" => routes::review::region,
    post "/planer/{plan}/{year}/granskning/{region}/kondensera" => routes::review::condense,
    post "/planer/{plan}/{year}/granskning/{region}/status" => routes::review::change_state,
    post "/planer/{plan}/{year}/publicera" => routes::review::publish,
    post "/planer/{plan}/{year}/oppna-igen" => routes::review::reopen,
    get "/planer/{plan}/{year}/historik" => routes::history::round,
    get "/planer/{plan}/{year}/utskick" => routes::mailing::show,
    post "/planer/{plan}/{year}/utskick/paminnelser" => routes::mailing::set_days,
    post "/planer/{plan}/{year}/utskick/sista-dag" => routes::mailing::set_deadline,
    post "/planer/{plan}/{year}/utskick/{id}/skicka-igen" => routes::mailing::resend,
    get "/planer/{plan}/{year}/sammanfattning" => routes::summary::page,
    get "/planer/{plan}/{year}/sammanfattning/redigera" => routes::summary::edit_form,
    post "/planer/{plan}/{year}/sammanfattning/redigera" => routes::summary::edit_save,
    get "/planer/{plan}/{year}/mal/{goal}/{region}/historik" => routes::history::cell,
    get "/planer/{plan}/{year}/processer/{process}" => routes::process::followup,
    get "/planer/{plan}/{year}/processer/{process}/redigera" => routes::process::edit_form,
    post "/planer/{plan}/{year}/processer/{process}/redigera" => routes::process::edit_save,
    post "/planer/{plan}/{year}/processer/{process}/signera" => routes::process::sign,
    post "/planer/{plan}/{year}/processer/{process}/oppna-igen" => routes::process::reopen,
    get "/planer/{plan}/{year}/processer/{process}/rapport/{format}" => routes::process::report,
    get "/planer/{plan}/{year}/indikatorer" => routes::indicators::list,
    post "/planer/{plan}/{year}/indikatorer/varden" => routes::indicators::save_value,
    post "/planer/{plan}/{year}/indikatorer/import" => routes::indicators::upload,
    get "/planer/{plan}/{year}/indikatorer/ny" => routes::indicators::new_form,
    post "/planer/{plan}/{year}/indikatorer/ny" => routes::indicators::create,
    get "/planer/{plan}/{year}/indikatorer/{indicator}/andra" => routes::indicators::edit_form,
    post "/planer/{plan}/{year}/indikatorer/{indicator}/andra" => routes::indicators::edit_save,
    post "/planer/{plan}/{year}/indikatorer/{indicator}/ta-bort" => routes::indicators::delete,
    post "/planer/{plan}/{year}/indikatorer/{indicator}/varden/ta-bort" => routes::indicators::remove_value,
    get "/planer/{plan}/{year}/diagram" => routes::dashboard::page,
    get "/planer/{plan}/{year}/siffror" => routes::figures::page,
    post "/planer/{plan}/{year}/siffror" => routes::figures::decide,
    get "/planer/{plan}/{year}/rapport/{format}" => routes::report::download,
    get "/api/v1/rounds/{plan}/{year}/levels" => api::levels,
    put "/api/v1/rounds/{plan}/{year}/goals/{goal}/regions/{region}" => api::put_cell,
    get "/api/v1/rounds/{plan}/{year}/goals/{goal}/regions/{region}/history" => api::history,
});

/// Every route as (method, path).
pub static ROUTES: std::sync::LazyLock<Vec<(&'static str, &'static str)>> =
    std::sync::LazyLock::new(|| [PLAN_ROUTES, ROUND_ROUTES].concat());

fn app_routes() -> Router<AppState> {
    round_routes(plan_routes(Router::new()))
}

/// The whole application as an axum router.
pub fn router(state: AppState) -> Router {
    app_routes()
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), cache::published_pages))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::csrf_middleware))
        .with_state(state)
        .layer(axum::middleware::from_fn(security::headers))
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(request_id::middleware))
}
