//! JSON API v1, on the same store and rules as the pages. Authenticate with a bearer token
//! (`uppfolj token create NAME`) or a session cookie.
//!
//! - `GET  /api/v1/rounds/{plan}/{year}/levels` — every goal × region the caller may see.
//! - `PUT  /api/v1/rounds/{plan}/{year}/goals/{area}.{goal}/regions/{code}` with
//!   `{"level": "P", "comment": "…", "version": N}` → 200 with the new version; 403 not allowed,
//!   409 stale version, 422 invalid level, 423 published round or submitted answers.
//! - `GET  /api/v1/rounds/{plan}/{year}/goals/{area}.{goal}/regions/{code}/history[?page=N]` — the
//!   audit events, 500 a page (newest page first, oldest first within it), `X-Total-Count` and
//!   `Link: <…>; rel="next"`.

use axum::Json;
use axum::extract::State;

use crate::extract::{Path, Rejection};
use serde::{Deserialize, Serialize};
use uppfolj_domain::input::{TextKind, clean};
use uppfolj_domain::{AuditEvent, Level, RoundView};
use uppfolj_store::{Actor, CellEdit, Shape};

use crate::auth::now;
use crate::error::capitalise;
use crate::routes::{RoundAt, parse_goal, parse_region};
use crate::{ApiError, AppError, AppState};

#[derive(Serialize)]
pub struct CellJson {
    pub area: u32,
    pub goal: u32,
    pub region: String,
    /// The report's notation; `null` for blank.
    pub level: Option<String>,
    pub comment: String,
    pub version: i32,
}

pub(crate) async fn levels(State(state): State<AppState>, at: RoundAt) -> Result<Json<Vec<CellJson>>, ApiError> {
    if at.view == RoundView::Nothing {
        at.viewer.require(|_| false, "se en uppföljning som ännu inte är publicerad")?;
    }
    // A region's reporter reads only their region's cells.
    let only = match &at.view {
        RoundView::Region(code) => Some(code),
        _ => None,
    };
    let work = at.work(&state, only).await?;
    let cells = work
        .cells
        .iter()
        .filter(|c| at.view.includes(&c.region))
        .map(|c| CellJson {
            area: c.goal.area,
            goal: c.goal.goal,
            region: c.region.to_string(),
            level: if c.level.is_blank() { None } else { Some(c.level.to_string()) },
            comment: c.comment.clone(),
            version: c.version,
        })
        .collect();
    Ok(Json(cells))
}

#[derive(Deserialize)]
pub struct PutCell {
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    comment: String,
    version: i32,
}

#[derive(Serialize)]
pub struct PutResult {
    pub area: u32,
    pub goal: u32,
    pub region: String,
    pub level: Option<String>,
    pub comment: String,
    pub version: i32,
}

pub(crate) async fn put_cell(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, goal, region)): Path<(String, String, String, String)>,
    body: Result<crate::extract::Json<PutCell>, Rejection>,
) -> Result<Json<PutResult>, ApiError> {
    let data = at.read(&state, Shape::default()).await?;
    let RoundAt { year, viewer, .. } = at;
    let goal = parse_goal(&data, &goal)?;
    let code = parse_region(&data, &region)?;
    let account = viewer.require(|a| a.may_edit_region(&code), &format!("ändra {code}s svar"))?;
    // Who may, before reading what was sent.
    let crate::extract::Json(body) = body.map_err(Rejection::into_error)?;
    let level = Level::parse(body.level.as_deref().unwrap_or(""))
        .map_err(|e| AppError::Unprocessable(capitalise(&e.to_string())))?;
    let comment =
        clean(TextKind::Comment, &body.comment).map_err(|e| AppError::Unprocessable(format!("Kommentaren: {e}")))?;
    let edit = CellEdit { goal, level, comment: comment.clone(), expected_version: body.version };
    let versions = state
        .store
        .save_cells(&data.plan.slug, year, &code, &[edit], !account.is_rcc(), &Actor::user(account, now()))
        .await?;
    Ok(Json(PutResult {
        area: goal.area,
        goal: goal.goal,
        region: code.to_string(),
        level: if level.is_blank() { None } else { Some(level.to_string()) },
        comment,
        version: versions.first().copied().unwrap_or(body.version),
    }))
}

/// How many events a page of the API's history holds.
const HISTORY_PAGE: u32 = 500;

#[derive(Deserialize)]
pub struct HistoryQuery {
    page: Option<String>,
}

/// One page of a cell's history (`?page=N`, 500 events each; the first page holds the newest), the
/// events of the page oldest first. `X-Total-Count` says how many there are; `Link` names the next
/// page (`rel="next"`, older events) while there is one.
pub(crate) async fn history(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, goal, region)): Path<(String, String, String, String)>,
    crate::extract::Query(q): crate::extract::Query<HistoryQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let page = crate::views::page_of(q.page.as_deref(), HISTORY_PAGE)?;
    let data = at.read(&state, Shape::default()).await?;
    let RoundAt { year, viewer, .. } = at;
    let goal = parse_goal(&data, &goal)?;
    let code = parse_region(&data, &region)?;
    viewer.require(|a| a.may_see_open_answers(&code), &format!("se historiken för {code}s svar"))?;
    let slug = &data.plan.slug;
    let paged = state.store.cell_history(slug, year, goal, &code, page).await?;
    let pages = paged.pages();
    let total = paged.total;
    let mut events: Vec<AuditEvent> = paged.items;
    events.reverse();
    let mut res = Json(events).into_response();
    let h = res.headers_mut();
    h.insert("x-total-count", axum::http::HeaderValue::from(total));
    if page.number < pages {
        let next = format!(
            "</api/v1/rounds/{slug}/{year}/goals/{goal}/regions/{code}/history?page={}>; rel=\"next\"",
            page.number + 1
        );
        if let Ok(v) = axum::http::HeaderValue::from_str(&next) {
            h.insert(axum::http::header::LINK, v);
        }
    }
    Ok(res)
}
