//! Uppfölj's web interface: the axum router, its pages (askama templates) and, later, the JSON API.
//!
//! Architecture invariant: this is the only crate that knows about HTTP. Handlers read through the
//! [`uppfolj_store::Store`] trait and turn domain values into view models; templates only display.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::trace::TraceLayer;
use uppfolj_store::Store;

pub mod error;
pub mod request_id;
mod routes;
pub mod security;
mod views;

pub use error::AppError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
}

const CSS: &str = include_str!("../static/uppfolj.css");

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        CSS,
    )
}

async fn health() -> impl IntoResponse {
    (StatusCode::OK, "ok")
}

async fn not_found() -> AppError {
    AppError::NotFound("Det finns ingen sida på den adressen. Börja om från startsidan.".to_owned())
}

/// The whole application as an axum router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(routes::plans::index))
        .route("/planer/{plan}", get(routes::plans::overview_latest))
        .route("/planer/{plan}/{year}", get(routes::plans::overview))
        .route("/planer/{plan}/{year}/omraden/{area}", get(routes::plans::area))
        .route("/planer/{plan}/{year}/processer/{process}", get(routes::process::followup))
        .route("/planer/{plan}/{year}/indikatorer", get(routes::indicators::list))
        .route("/static/uppfolj.css", get(stylesheet))
        .route("/healthz", get(health))
        .fallback(not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn(security::headers))
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(request_id::middleware))
}
