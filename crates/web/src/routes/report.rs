//! Downloads of the compiled report, for everyone allowed to read the round.

use crate::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use uppfolj_reports::{Format, ReportError};

use super::RoundAt;
use crate::AppError;
use crate::auth::now;

pub async fn download(at: RoundAt, Path((_, _, format)): Path<(String, String, String)>) -> Result<Response, AppError> {
    at.require_whole()?;
    let RoundAt { data, year, .. } = at;
    let format = Format::parse(&format).ok_or_else(|| {
        AppError::NotFound(format!("Rapporten finns som html, pdf, docx och xlsx, inte som \"{format}\"."))
    })?;
    let filename = format!("uppfoljning-{}-{year}.{}", data.plan.slug, format.extension());
    respond(format, filename, move |today| uppfolj_reports::render(&data, year, format, today)).await
}

/// Renders off the async workers (typesetting is CPU work) and answers with the right headers.
pub async fn respond(
    format: Format,
    filename: String,
    render: impl FnOnce(time::Date) -> Result<Vec<u8>, ReportError> + Send + 'static,
) -> Result<Response, AppError> {
    let today = now().date();
    let bytes = tokio::task::spawn_blocking(move || render(today))
        .await
        .map_err(|e| AppError::Internal(format!("rapporten: {e}")))?
        .map_err(|e| match e {
            ReportError::NotFound(m) => AppError::NotFound(crate::error::capitalise(&m)),
            other => AppError::Internal(other.to_string()),
        })?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    let disposition = if format == Format::Html { "inline" } else { "attachment" };
    if let Ok(v) = HeaderValue::from_str(&format!("{disposition}; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if format == Format::Html {
        // The report is a self-contained document with its own styles and no scripts.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
    }
    Ok(res)
}
