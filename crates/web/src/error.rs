//! Error policy
//!
//! - Every handler returns `Result<_, AppError>` (pages) or `Result<_, ApiError>` (the JSON API);
//!   nothing else turns into an error response.
//! - User errors carry a plain Swedish message that says what is wrong and is shown as it is, with the
//!   matching status: 400 bad request, 401/303 login needed, 403 not allowed, 404 not found, 409 changed
//!   by someone else, 405 wrong method, 413 too large, 415 wrong content type, 422 invalid value, 423
//!   locked (published round, submitted answers, signed follow-up), 429 too many login attempts, 503
//!   busy (the database or the file reader is busy: "försök igen om en stund", with `Retry-After`).
//! - What the framework refuses before a handler runs (a missing form field, a body too large, a wrong
//!   content type, an address that is not UTF-8, a wrong method) goes through the same policy: the
//!   extractors in `extract.rs` and the router's fallbacks turn it into an `AppError`, never into the
//!   framework's English text.
//! - Internal errors (the database, a bug) are logged at `error` level with the request id. The user sees
//!   a plain Swedish message with the request id to quote, never the internal detail.
//! - No handler panics on bad input: `unwrap`/`expect` are denied outside tests.

use askama::Template;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;
use uppfolj_store::StoreError;

use crate::request_id::current_request_id;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    /// Not signed in; pages send the visitor to the login page and back to `next` afterwards.
    #[error("logga in för att fortsätta")]
    LoginRequired { next: String },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Busy for a moment: the database is locked by another write, or too many files are being read.
    #[error("{0}")]
    Unavailable(String),
    #[error("internt fel: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound(m) => AppError::NotFound(capitalise(&m)),
            StoreError::Stale(_) | StoreError::Conflict(_) | StoreError::PlanExists(_) => {
                AppError::Conflict(capitalise(&e.to_string()))
            }
            StoreError::Locked(m) => AppError::Locked(capitalise(&m)),
            StoreError::Invalid(m) => AppError::Unprocessable(capitalise(&m)),
            StoreError::Busy(detail) => {
                tracing::warn!(error = %detail, "databasen är upptagen");
                AppError::Unavailable(BUSY.to_owned())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// What a user sees when the database is busy.
pub const BUSY: &str = "Databasen är upptagen just nu. Försök igen om en stund; ingenting har sparats.";

/// Messages from the lower layers start in lower case (they are also used inside sentences).
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::LoginRequired { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Locked(_) => StatusCode::LOCKED,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "Sidan finns inte",
            AppError::BadRequest(_) => "Felaktig begäran",
            AppError::LoginRequired { .. } => "Logga in",
            AppError::Forbidden(_) => "Du har inte behörighet",
            AppError::Conflict(_) => "Någon annan har ändrat",
            AppError::Unprocessable(_) => "Det gick inte att spara",
            AppError::Locked(_) => "Låst",
            AppError::TooManyRequests(_) => "För många försök",
            AppError::MethodNotAllowed(_) => "Det går inte att göra så här",
            AppError::PayloadTooLarge(_) => "För stort",
            AppError::UnsupportedMediaType(_) => "Fel slags innehåll",
            AppError::Unavailable(_) => "Försök igen om en stund",
            AppError::Internal(_) => "Något gick fel",
        }
    }

    /// The message a user sees; internal details are logged instead.
    fn public_message(&self, request_id: &str) -> String {
        match self {
            AppError::Internal(detail) => {
                tracing::error!(request_id = %request_id, error = %detail, "internt fel");
                "Något gick fel hos oss. Försök igen om en stund. Kvarstår felet, kontakta förvaltningen och ange felkoden nedan."
                    .to_owned()
            }
            other => other.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: crate::views::Nav,
    title: String,
    message: String,
    request_id: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::LoginRequired { next } = &self {
            return Redirect::to(&format!("/logga-in?nasta={}", crate::auth::encode_query(next))).into_response();
        }
        let request_id = current_request_id();
        let status = self.status();
        let page = ErrorPage {
            nav: crate::views::Nav::hidden(),
            title: self.title().to_owned(),
            message: self.public_message(&request_id),
            request_id,
        };
        let mut res = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "felsidan kunde inte visas");
                (status, page.title).into_response()
            }
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        res
    }
}

/// The JSON API's error: the same cases as [`AppError`], as `{"error": {"status", "message", "request_id"}}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

#[derive(Serialize)]
struct ApiErrorBody {
    error: ApiErrorDetail,
}

#[derive(Serialize)]
struct ApiErrorDetail {
    status: u16,
    message: String,
    request_id: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = current_request_id();
        let status = self.0.status();
        let message = match &self.0 {
            AppError::LoginRequired { .. } => {
                "Inloggning krävs: skicka en API-nyckel som \"Authorization: Bearer …\" eller logga in.".to_owned()
            }
            other => capitalise(&other.public_message(&request_id)),
        };
        let mut res =
            (status, Json(ApiErrorBody { error: ApiErrorDetail { status: status.as_u16(), message, request_id } }))
                .into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_is_503_with_a_time_to_retry() {
        let res = AppError::from(StoreError::Busy("database is locked".to_owned())).into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()[header::RETRY_AFTER], "5");
        let res = ApiError(AppError::from(StoreError::Busy("pool timed out".to_owned()))).into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(AppError::Unavailable(BUSY.to_owned()).to_string().contains("Försök igen om en stund"));
    }
}
