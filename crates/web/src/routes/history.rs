//! What changed, who changed it and why: per cell, and for a whole round.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::extract::{Path, Query};
use uppfolj_domain::ids::swedish_time;
use uppfolj_domain::{AuditEvent, AuditField};
use uppfolj_store::Shape;

use super::{RoundAt, parse_goal, parse_region};
use crate::views::{Crumb, HISTORY_PAGE, Nav, Pager, crumb, page_of};
use crate::{AppError, AppState};

pub struct EventRow {
    pub at: String,
    pub actor: String,
    pub what: String,
    pub subject: String,
    pub old: String,
    pub new: String,
    pub reason: String,
}

/// The rows of a page of changes, newest first as read.
pub(crate) fn rows(events: Vec<AuditEvent>) -> Vec<EventRow> {
    events
        .into_iter()
        .map(|e| EventRow {
            at: swedish_time(e.at),
            actor: e.actor,
            what: AuditField::label(&e.field).to_owned(),
            subject: e.subject,
            old: e.old.unwrap_or_default(),
            new: e.new.unwrap_or_default(),
            reason: e.reason.unwrap_or_default(),
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "history.html")]
pub struct HistoryPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    title: String,
    events: Vec<EventRow>,
    pager: Pager,
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    pub(crate) sida: Option<String>,
}

pub async fn cell(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, goal, region)): Path<(String, String, String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<HistoryPage, AppError> {
    let page = page_of(q.sida.as_deref(), HISTORY_PAGE)?;
    let data = at.read(&state, Shape::default()).await?;
    let (year, viewer) = (at.year, &at.viewer);
    let goal = parse_goal(&data, &goal)?;
    let region = parse_region(&data, &region)?;
    viewer.require(|a| a.may_see_open_answers(&region), &format!("se historiken för {region}s svar"))?;
    let slug = &data.plan.slug;
    let events = state.store.cell_history(slug, year, goal, &region, page).await?;
    let base = format!("/planer/{slug}/{year}/mal/{goal}/{region}/historik");
    Ok(HistoryPage {
        nav: Nav::of(viewer),
        pager: Pager::of(&events, &base, ("ändring", "ändringar")),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}/omraden/{}", goal.area), format!("Område {} – {year}", goal.area)),
            crumb(
                format!("/planer/{slug}/{year}/mal/{goal}/{region}/historik"),
                format!("Historik mål {goal}, {region}"),
            ),
        ],
        title: format!("Historik för mål {goal}, {region}, uppföljning {year}"),
        events: rows(events.items),
    })
}

pub async fn round(
    State(state): State<AppState>,
    at: RoundAt,
    Query(q): Query<PageQuery>,
) -> Result<HistoryPage, AppError> {
    let page = page_of(q.sida.as_deref(), HISTORY_PAGE)?;
    at.viewer.require(|a| a.is_rcc(), "se historiken för hela uppföljningen")?;
    let data = at.read(&state, Shape::default()).await?;
    let (year, viewer) = (at.year, &at.viewer);
    let slug = &data.plan.slug;
    let events = state.store.round_history(slug, year, page).await?;
    Ok(HistoryPage {
        nav: Nav::of(viewer),
        pager: Pager::of(&events, &format!("/planer/{slug}/{year}/historik"), ("ändring", "ändringar")),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}"), format!("{} – uppföljning {year}", data.plan.title)),
            crumb(format!("/planer/{slug}/{year}/historik"), "Historik"),
        ],
        title: format!("Ändringshistorik för uppföljningen {year}"),
        events: rows(events.items),
    })
}
