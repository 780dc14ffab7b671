//! Downloads of the compiled report, for everyone allowed to read the round. A round's downloads
//! are made once per revision and kept (see `crate::cache`); a round just published has its PDF
//! typeset in the background at once ([`prepare_pdf`]), so that its first reader does not wait
//! for Typst.

use crate::extract::{Path, Query};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use uppfolj_domain::RoundStatus;
use uppfolj_domain::Slug;
use uppfolj_reports::{Format, ReportError};
use uppfolj_store::{EditionInfo, RoundMeta, Shape};

use super::RoundAt;
use crate::auth::now;
use crate::cache::Kept;
use crate::{AppError, AppState};

#[derive(serde::Deserialize)]
pub struct EditionQuery {
    utgava: Option<String>,
}

pub async fn download(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, format)): Path<(String, String, String)>,
    Query(q): Query<EditionQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    at.require_whole()?;
    let format = Format::parse(&format).ok_or_else(|| {
        AppError::NotFound(format!("Rapporten finns som html, pdf, docx och xlsx, inte som \"{format}\"."))
    })?;
    let edition = match q.utgava.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => Some(n.parse::<u32>().map_err(|_| AppError::NotFound(format!("Det finns ingen utgåva \"{n}\".")))?),
        None => None,
    };
    compiled(&state, &at.meta, format, &headers, edition).await
}

/// The compiled report of the round `meta` in `format`: of a published round its edition (the
/// newest, or `edition`), the PDF as it was typeset and kept at publication; of an open round from
/// memory when it was made under the same revision today.
async fn compiled(
    state: &AppState,
    meta: &RoundMeta,
    format: Format,
    headers: &HeaderMap,
    edition: Option<u32>,
) -> Result<Response, AppError> {
    let year = meta.year;
    if meta.status == RoundStatus::Published {
        let editions = state.store.editions(&meta.plan, year).await?;
        let chosen = match edition {
            Some(n) => Some(
                editions
                    .iter()
                    .find(|e| e.number == n)
                    .ok_or_else(|| AppError::NotFound(format!("Uppföljningen {year} har ingen utgåva {n}.")))?,
            ),
            None => editions.last(),
        };
        if let Some(e) = chosen {
            return published(state, meta, format, headers, e, edition.is_some()).await;
        }
    }
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

/// An edition's report: made from the edition (dated the day it was published), the PDF typeset
/// once and then always the bytes kept with their SHA-256.
async fn published(
    state: &AppState,
    meta: &RoundMeta,
    format: Format,
    headers: &HeaderMap,
    e: &EditionInfo,
    named: bool,
) -> Result<Response, AppError> {
    let (year, number) = (meta.year, e.number);
    // The newest edition's file is named as the round's report; one asked for by number says so.
    let edition = if named { format!("-utgava-{number}") } else { String::new() };
    let filename = format!("uppfoljning-{}-{year}{edition}.{}", meta.plan, format.extension());
    let day = e.published_at.date();
    let key = state.cache.download_key(meta, &filename, day);
    let make = async {
        if format == Format::Pdf
            && let Some(pdf) = state.store.edition_pdf(&meta.plan, year, number).await?
        {
            return Ok(Kept::new(&download_headers(format, &filename), pdf.into()));
        }
        let (_, data) = state
            .store
            .edition(&meta.plan, year, number)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("Uppföljningen {year} har ingen utgåva {number}.")))?;
        let data = std::sync::Arc::new(data);
        let kept = render(format, filename.clone(), day, move |day| {
            uppfolj_reports::render_with(&data, year, format, day, uppfolj_reports::Typesetter::Child)
        })
        .await?;
        if format != Format::Pdf {
            return Ok(kept);
        }
        let pdf = state.store.keep_edition_pdf(&meta.plan, year, number, kept.body()).await?;
        Ok(Kept::new(&download_headers(format, &filename), pdf.into()))
    };
    state.cache.download(key, headers, false, make).await
}

/// Typesets the PDF of a round just published and keeps it with its edition, in the background:
/// Typst takes about a second for a nation's round, and the first reader should not wait for it.
/// Whoever asks meanwhile waits for the same typesetting, not a second one. A failure is logged;
/// the download typesets it then.
pub fn prepare_pdf(state: AppState, plan: Slug, year: i32) {
    tokio::spawn(async move {
        let prepared = async {
            let meta = state.store.round_meta(&plan, year).await?;
            compiled(&state, &meta, Format::Pdf, &HeaderMap::new(), None).await.map(|_| ())
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
    Ok(Kept::new(&download_headers(format, &filename), bytes.into()))
}

/// The headers that describe a download of the report in `format`.
fn download_headers(format: Format, filename: &str) -> HeaderMap {
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
    h
}
