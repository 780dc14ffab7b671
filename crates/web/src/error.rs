//! Error policy
//!
//! - Every handler returns `Result<_, AppError>`; nothing else turns into an error response.
//! - User errors (`NotFound`, `BadRequest`) carry a plain Swedish message that says what is wrong; it is
//!   shown as it is, with the matching status code.
//! - Internal errors (the database, a bug) are logged at `error` level with the request id. The user sees
//!   a plain Swedish message with the request id to quote, never the internal detail.
//! - No handler panics on bad input: `unwrap`/`expect` are denied outside tests.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use uppfolj_store::StoreError;

use crate::request_id::current_request_id;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("internt fel: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        AppError::Internal(e.to_string())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    message: String,
    request_id: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let request_id = current_request_id();
        let (status, title, message) = match self {
            AppError::NotFound(m) => (StatusCode::NOT_FOUND, "Sidan finns inte", m),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "Felaktig begäran", m),
            AppError::Internal(detail) => {
                tracing::error!(request_id = %request_id, error = %detail, "internt fel");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Något gick fel",
                    "Något gick fel hos oss. Försök igen om en stund. Kvarstår felet, kontakta förvaltningen och ange felkoden nedan."
                        .to_owned(),
                )
            }
        };
        let page = ErrorPage { title: title.to_owned(), message, request_id };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "felsidan kunde inte visas");
                (status, title).into_response()
            }
        }
    }
}
