//! JSON API v1, on the same store and rules as the pages. Authenticate with a bearer token
//! (`uppfolj token create NAME`) or a session cookie.
//!
//! - `GET  /api/v1/rounds/{plan}/{year}/levels` — every goal × region the caller may see.
//! - `PUT  /api/v1/rounds/{plan}/{year}/goals/{area}.{goal}/regions/{code}` with
//!   `{"level": "P", "comment": "…", "version": N}` → 200 with the new version; 403 not allowed,
//!   409 stale version, 422 invalid level, 423 published round or submitted answers.
//! - `GET  /api/v1/rounds/{plan}/{year}/goals/{area}.{goal}/regions/{code}/history` — the audit events.

use axum::Json;
use axum::extract::State;

use crate::extract::{Path, Rejection};
use serde::{Deserialize, Serialize};
use uppfolj_domain::input::{TextKind, clean};
use uppfolj_domain::{AuditEvent, Level, RoundView};
use uppfolj_store::{Actor, CellEdit};

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
    let work = state.store.round_work(at.slug(), at.year).await?;
    let cells = work
        .cells
        .into_iter()
        .filter(|c| at.view.includes(&c.region))
        .map(|c| CellJson {
            area: c.goal.area,
            goal: c.goal.goal,
            region: c.region.to_string(),
            level: if c.level.is_blank() { None } else { Some(c.level.to_string()) },
            comment: c.comment,
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
    let RoundAt { data, year, viewer, .. } = at;
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

pub(crate) async fn history(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, goal, region)): Path<(String, String, String, String)>,
) -> Result<Json<Vec<AuditEvent>>, ApiError> {
    let RoundAt { data, year, viewer, .. } = at;
    let goal = parse_goal(&data, &goal)?;
    let code = parse_region(&data, &region)?;
    viewer.require(|a| a.may_see_open_answers(&code), &format!("se historiken för {code}s svar"))?;
    Ok(Json(state.store.cell_history(&data.plan.slug, year, goal, &code).await?))
}
