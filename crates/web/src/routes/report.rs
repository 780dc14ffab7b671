//! Downloads of the compiled report, for everyone allowed to read the round. A published round's
//! downloads are made once and kept (see `crate::cache`).

use crate::extract::Path;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use uppfolj_reports::{Format, ReportError};
use uppfolj_store::Shape;

use super::RoundAt;
use crate::auth::now;
use crate::cache::Kept;
use crate::{AppError, AppState};

pub async fn download(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, format)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    at.require_whole()?;
    let format = Format::parse(&format).ok_or_else(|| {
        AppError::NotFound(format!("Rapporten finns som html, pdf, docx och xlsx, inte som \"{format}\"."))
    })?;
    let year = at.year;
    let filename = format!("uppfoljning-{}-{year}.{}", at.slug(), format.extension());
    let today = now().date();
    let key = state.cache.download_key(&at.meta, &filename, today);
    let make = async {
        let data = at.read(&state, Shape::report()).await?;
        render(format, filename.clone(), today, move |today| {
            uppfolj_reports::render_with(&data, year, format, today, uppfolj_reports::Typesetter::Child)
        })
        .await
    };
    state.cache.download(key, &headers, false, make).await
}

/// Renders off the async workers (typesetting is CPU work), with the headers that describe it.
pub async fn render(
    format: Format,
    filename: String,
    today: time::Date,
    render: impl FnOnce(time::Date) -> Result<Vec<u8>, ReportError> + Send + 'static,
) -> Result<Kept, AppError> {
    let bytes = tokio::task::spawn_blocking(move || render(today))
        .await
        .map_err(|e| AppError::Internal(format!("rapporten: {e}")))?
        .map_err(|e| match e {
            ReportError::NotFound(m) => AppError::NotFound(crate::error::capitalise(&m)),
            other => AppError::Internal(other.to_string()),
        })?;
    let mut h = HeaderMap::new();
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
    Ok(Kept::new(&h, bytes.into()))
}
