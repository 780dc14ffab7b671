//! Downloads of the compiled report, for everyone allowed to read the round. A round's downloads
//! are made once per revision and kept (see `crate::cache`); a round just published has its PDF
//! typeset in the background at once ([`prepare_pdf`]), so that its first reader does not wait
//! for Typst.

use crate::extract::Path;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use uppfolj_domain::Slug;
use uppfolj_reports::{Format, ReportError};
use uppfolj_store::{RoundMeta, Shape};

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
    compiled(&state, &at.meta, format, &headers).await
}

/// The compiled report of the round `meta` in `format`, from memory when it was made under the
/// same revision today.
async fn compiled(
    state: &AppState,
    meta: &RoundMeta,
    format: Format,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let year = meta.year;
    let filename = format!("uppfoljning-{}-{year}.{}", meta.plan, format.extension());
    let today = now().date();
    let key = state.cache.download_key(meta, &filename, today);
    let make = async {
        let read = async { state.store.round_data(&meta.plan, year, &Shape::report()).await.map_err(AppError::from) };
        let data = state.cache.read(meta, &Shape::report(), read).await?;
        render(format, filename.clone(), today, move |today| {
            uppfolj_reports::render_with(&data, year, format, today, uppfolj_reports::Typesetter::Child)
        })
        .await
    };
    state.cache.download(key, headers, false, make).await
}

/// Typesets the PDF of a round just published, in the background: Typst takes about a second for a
/// nation's round, and the first reader should not wait for it. Whoever asks meanwhile waits for
/// the same typesetting, not a second one. A failure is logged; the download typesets again.
pub fn prepare_pdf(state: AppState, plan: Slug, year: i32) {
    tokio::spawn(async move {
        let prepared = async {
            let meta = state.store.round_meta(&plan, year).await?;
            compiled(&state, &meta, Format::Pdf, &HeaderMap::new()).await.map(|_| ())
        };
        if let Err(e) = prepared.await {
            tracing::warn!(plan = %plan, year, error = %e, "the published round's PDF was not prepared");
        }
    });
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
