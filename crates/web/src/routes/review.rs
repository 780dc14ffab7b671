//! The RCC's work on a round: opening it, the completeness overview, reviewing a region (condense,
//! return with a reason, accept), RCC comments per goal, publishing and reopening.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uppfolj_domain::ids::{parse_date, swedish_date, swedish_time};
use uppfolj_domain::{Dataset, GoalRef, RegionCode, RoundStatus, StateAction};
use uppfolj_store::{Actor, CondensedEdit, RccCommentEdit, RoundWork, Shape, StoreError};

use super::{RoundAt, days_to, load_outline, parse_region};
use crate::auth::{Viewer, now};
use crate::error::capitalise;
use crate::views::{Crumb, FormMap, LevelView, Nav, crumb, field, form_value, level_view, paragraphs};
use crate::{AppError, AppState};

/// A round for RCC staff's work: who else asks is refused before the round's work is read. With
/// `region`, only that region's work is read (a region's name in the address that is not one of
/// the healthcare region's is 404).
async fn rcc_context(
    state: &AppState,
    at: RoundAt,
    what: &str,
    region: Option<&str>,
) -> Result<(Arc<Dataset>, i32, Arc<RoundWork>, Viewer), AppError> {
    at.viewer.require(|a| a.is_rcc(), what)?;
    let data = at.read(state, Shape::default()).await?;
    let code = region.map(|r| parse_region(&data, r)).transpose()?;
    let work = at.work(state, code.as_ref()).await?;
    let RoundAt { year, viewer, .. } = at;
    Ok((data, year, work, viewer))
}

#[derive(Deserialize)]
pub struct OpenRound {
    year: String,
    deadline: String,
}

pub async fn open_round(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
    crate::extract::Form(f): crate::extract::Form<OpenRound>,
) -> Result<Response, AppError> {
    let account = viewer.require(|a| a.is_rcc(), "öppna en uppföljning")?;
    let data = load_outline(&state, &plan, &viewer).await?;
    let year: i32 = f
        .year
        .trim()
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| AppError::Unprocessable(format!("\"{}\" är inget årtal mellan 2000 och 2100.", f.year)))?;
    let deadline = parse_date(&f.deadline).map_err(|e| AppError::Unprocessable(capitalise(&e.to_string())))?;
    let slug = &data.plan.slug;
    state.store.open_round(slug, year, deadline, &Actor::user(account, now())).await?;
    Ok(Redirect::to(&format!("/planer/{slug}/{year}/granskning")).into_response())
}

/// Adopts a draft plan: from now on everyone sees it and rounds can be opened.
pub async fn adopt_plan(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
) -> Result<Response, AppError> {
    plan_status(&state, &viewer, &plan, uppfolj_domain::PlanStatus::Adopted, "fastställa planen").await
}

/// Closes an adopted plan whose final round is published.
pub async fn close_plan(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
) -> Result<Response, AppError> {
    plan_status(&state, &viewer, &plan, uppfolj_domain::PlanStatus::Closed, "avsluta planen").await
}

async fn plan_status(
    state: &AppState,
    viewer: &Viewer,
    plan: &str,
    status: uppfolj_domain::PlanStatus,
    what: &str,
) -> Result<Response, AppError> {
    let account = viewer.require(|a| a.is_rcc(), what)?;
    let data = load_outline(state, plan, viewer).await?;
    let slug = &data.plan.slug;
    state.store.set_plan_status(slug, status, &Actor::user(account, now())).await?;
    Ok(Redirect::to(&format!("/planer/{slug}")).into_response())
}

pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub state: String,
    pub reason: Option<String>,
    pub with_level: usize,
    pub with_comment: usize,
    pub goals: usize,
    pub updated: String,
    pub href: String,
    pub form_href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "review_overview.html")]
pub struct ReviewOverviewPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    slug: String,
    plan_title: String,
    year: i32,
    published: bool,
    deadline: Option<String>,
    /// [`ReviewOverviewContent`], rendered.
    content: Arc<String>,
    all_accepted: bool,
    areas: Vec<(u32, String)>,
}

/// The regions' progress and the summary's check: the same for every RCC viewer, counted by the
/// database and derived once per revision of the round.
#[derive(Template)]
#[template(path = "review_overview_content.html")]
pub struct ReviewOverviewContent {
    slug: String,
    year: i32,
    rows: Vec<RegionRow>,
    warnings: usize,
}

/// The review's overview: each region's state and how much it has filled in (counted by the
/// database), and the warnings of the derived summary.
pub async fn overview(State(state): State<AppState>, at: RoundAt) -> Result<ReviewOverviewPage, AppError> {
    at.viewer.require(|a| a.is_rcc(), "se granskningen")?;
    // The summary's warnings compare the RCC's text and figures with the levels and the indicators.
    let shape = Shape { narrative: true, indicators: uppfolj_store::IndicatorsRead::Values, ..Shape::levels() };
    let data = at.read(&state, shape).await?;
    let (year, viewer) = (at.year, &at.viewer);
    let round = super::round_in(&data, year)?;
    let slug = data.plan.slug.clone();
    let render = async {
        let progress = state.store.region_progress(at.slug(), year).await?;
        let goals = data.goals().count();
        let rows: Vec<RegionRow> = data
            .healthcare_region
            .regions
            .iter()
            .map(|r| {
                let p = progress.iter().find(|p| p.work.region == r.code);
                let rw = p.map(|p| &p.work);
                RegionRow {
                    code: r.code.to_string(),
                    name: r.name.clone(),
                    state: rw.map(|w| w.state.label().to_owned()).unwrap_or_default(),
                    reason: rw.and_then(|w| w.reason.clone()),
                    with_level: p.map_or(0, |p| p.with_level),
                    with_comment: p.map_or(0, |p| p.with_comment),
                    goals,
                    updated: rw.and_then(|w| w.updated_at.map(swedish_time)).unwrap_or_default(),
                    href: format!("/planer/{slug}/{year}/granskning/{}", r.code),
                    form_href: format!("/planer/{slug}/{year}/regioner/{}", r.code),
                }
            })
            .collect();
        let warnings = uppfolj_domain::summary::derive(&data, round).warnings.len();
        let content = ReviewOverviewContent { slug: slug.to_string(), year, rows, warnings };
        let html = content.render().map_err(|e| AppError::Internal(format!("granskningens översikt: {e}")))?;
        Ok((String::new(), html))
    };
    let (_, content) = state.cache.fragment(&at.meta, "granskning", render).await?;
    let all_accepted = data
        .healthcare_region
        .regions
        .iter()
        .all(|r| round.states.get(&r.code) == Some(&uppfolj_domain::RegionState::Accepted));
    Ok(ReviewOverviewPage {
        nav: Nav::of(viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}"), format!("{} – uppföljning {year}", data.plan.title)),
            crumb(format!("/planer/{slug}/{year}/granskning"), "Granskning"),
        ],
        plan_title: data.plan.title.clone(),
        year,
        published: round.status == RoundStatus::Published,
        deadline: round.deadline.map(|d| format!("{} ({})", swedish_date(d), days_to(d, now().date()))),
        all_accepted,
        content,
        areas: data.plan.areas.iter().map(|a| (a.number, a.title.clone())).collect(),
        slug: slug.to_string(),
    })
}

pub struct ReviewGoal {
    pub id: String,
    pub text: String,
    pub level: LevelView,
    pub comment: Vec<String>,
    pub condensed: String,
    pub condensed_name: String,
    pub condensed_version_name: String,
    pub condensed_orig_name: String,
    pub condensed_version: i32,
    pub history_href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "review_region.html")]
pub struct ReviewRegionPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    base: String,
    year: i32,
    region: String,
    region_name: String,
    state: String,
    /// The version of the region's state the decision buttons are based on.
    state_version: i32,
    reason: Option<String>,
    open: bool,
    can_return: bool,
    can_accept: bool,
    message: Option<String>,
    goals: Vec<ReviewGoal>,
}

#[derive(Deserialize)]
pub struct ReviewQuery {
    klart: Option<String>,
}

pub async fn region(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, region)): Path<(String, String, String)>,
    crate::extract::Query(q): crate::extract::Query<ReviewQuery>,
) -> Result<ReviewRegionPage, AppError> {
    let (data, year, work, viewer) = rcc_context(&state, at, "granska regionernas svar", Some(&region)).await?;
    let code = parse_region(&data, &region)?;
    let slug = data.plan.slug.clone();
    let rw = work.region(&code);
    let st = rw.map(|r| r.state).unwrap_or(uppfolj_domain::RegionState::NotStarted);
    let goals = data
        .goals()
        .map(|(r, g)| {
            let c = work.cell(r, &code);
            ReviewGoal {
                id: r.to_string(),
                text: g.text.clone(),
                level: level_view(c.map(|c| c.level).unwrap_or_default(), g.part_names.as_ref()),
                comment: c.map(|c| paragraphs(&c.comment)).unwrap_or_default(),
                condensed: c.and_then(|c| c.condensed.clone()).unwrap_or_default(),
                condensed_name: field("kond", r),
                condensed_version_name: field("kversion", r),
                condensed_orig_name: field("korig", r),
                condensed_version: c.map(|c| c.condensed_version).unwrap_or(0),
                history_href: format!("/planer/{slug}/{year}/mal/{r}/{code}/historik"),
            }
        })
        .collect();
    let open = work.status == RoundStatus::Open;
    Ok(ReviewRegionPage {
        nav: Nav::of(&viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}/granskning"), format!("Granskning {year}")),
            crumb(format!("/planer/{slug}/{year}/granskning/{code}"), code.to_string()),
        ],
        base: format!("/planer/{slug}/{year}/granskning/{code}"),
        year,
        region: code.to_string(),
        region_name: data
            .healthcare_region
            .regions
            .iter()
            .find(|r| r.code == code)
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        state: st.label().to_owned(),
        state_version: rw.map(|r| r.version).unwrap_or_default(),
        reason: rw.and_then(|r| r.reason.clone()),
        open,
        can_return: open
            && matches!(st, uppfolj_domain::RegionState::Submitted | uppfolj_domain::RegionState::Accepted),
        can_accept: open && st == uppfolj_domain::RegionState::Submitted,
        message: q.klart.map(|_| "Sparat.".to_owned()),
        goals,
    })
}

pub async fn condense(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, region)): Path<(String, String, String)>,
    crate::extract::Form(form): crate::extract::Form<FormMap>,
) -> Result<Response, AppError> {
    let (data, year, _, viewer) = rcc_context(&state, at, "kondensera kommentarer", Some(&region)).await?;
    let account = viewer.require(|a| a.is_rcc(), "kondensera kommentarer")?;
    let code = parse_region(&data, &region)?;
    let slug = data.plan.slug.clone();
    // The condensed texts this person changed, each with the version it was based on.
    let mut edits = Vec::new();
    for (r, _) in data.goals() {
        let text = form_value(&form, &field("kond", r)).trim().to_owned();
        let orig = form_value(&form, &field("korig", r)).trim();
        if text == orig {
            continue;
        }
        let expected_version = crate::views::version_field(&form, &field("kversion", r))?;
        edits.push(CondensedEdit { goal: r, text: Some(text).filter(|t| !t.is_empty()), expected_version });
    }
    let actor = Actor::user(account, now());
    match state.store.save_condensed(&slug, year, &code, &edits, &actor).await {
        Ok(_) => {}
        Err(e @ StoreError::Stale(_)) => {
            return Err(AppError::Conflict(format!(
                "Ingenting sparades: någon annan har ändrat den kondenserade texten för mål {} sedan du öppnade sidan. Ladda om sidan och gör om ändringen.",
                goal_list(&e)
            )));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/planer/{slug}/{year}/granskning/{code}?klart=1")).into_response())
}

#[derive(Deserialize)]
pub struct StateForm {
    atgard: String,
    #[serde(default)]
    skal: String,
    /// The version of the region's state the decision was made on.
    version: i32,
}

pub async fn change_state(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, region)): Path<(String, String, String)>,
    crate::extract::Form(f): crate::extract::Form<StateForm>,
) -> Result<Response, AppError> {
    let RoundAt { year, viewer, .. } = &at;
    let year = *year;
    let account = viewer.require(|a| a.is_rcc(), "skicka tillbaka eller godkänna svar")?;
    let data = at.read(&state, Shape::default()).await?;
    let code: RegionCode = parse_region(&data, &region)?;
    let action = match f.atgard.as_str() {
        "skicka-tillbaka" => StateAction::Return { reason: f.skal.clone() },
        "godkann" => StateAction::Accept,
        other => return Err(AppError::BadRequest(format!("Okänd åtgärd \"{other}\"."))),
    };
    let slug = data.plan.slug.clone();
    state.store.change_region_state(&slug, year, &code, &action, Some(f.version), &Actor::user(account, now())).await?;
    Ok(Redirect::to(&format!("/planer/{slug}/{year}/granskning")).into_response())
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    anda: Option<String>,
}

pub async fn publish(
    State(state): State<AppState>,
    at: RoundAt,
    crate::extract::Form(f): crate::extract::Form<PublishForm>,
) -> Result<Response, AppError> {
    let RoundAt { year, viewer, .. } = &at;
    let year = *year;
    let account = viewer.require(|a| a.is_rcc(), "publicera uppföljningen")?;
    let slug = at.slug().clone();
    state
        .store
        .set_round_status(&slug, year, RoundStatus::Published, None, f.anda.is_some(), &Actor::user(account, now()))
        .await?;
    super::report::prepare_pdf(state.clone(), slug.clone(), year);
    Ok(Redirect::to(&format!("/planer/{slug}/{year}")).into_response())
}

#[derive(Deserialize)]
pub struct ReopenForm {
    #[serde(default)]
    skal: String,
}

pub async fn reopen(
    State(state): State<AppState>,
    at: RoundAt,
    crate::extract::Form(f): crate::extract::Form<ReopenForm>,
) -> Result<Response, AppError> {
    let RoundAt { year, viewer, .. } = &at;
    let year = *year;
    let account = viewer.require(|a| a.is_rcc(), "öppna uppföljningen igen")?;
    let slug = at.slug().clone();
    state
        .store
        .set_round_status(&slug, year, RoundStatus::Open, Some(&f.skal), false, &Actor::user(account, now()))
        .await?;
    Ok(Redirect::to(&format!("/planer/{slug}/{year}/granskning")).into_response())
}

pub struct RccGoal {
    pub id: String,
    pub text: String,
    pub comments: Vec<(String, String)>,
    pub rcc: String,
    pub name: String,
    pub version_name: String,
    pub version: i32,
}

#[derive(Template, WebTemplate)]
#[template(path = "rcc_comments.html")]
pub struct RccCommentsPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    action: String,
    year: i32,
    number: u32,
    title: String,
    open: bool,
    rcc_name: String,
    goals: Vec<RccGoal>,
}

fn area_goals(data: &Dataset, area: &str) -> Result<(u32, String, Vec<GoalRef>), AppError> {
    let a = area
        .parse::<u32>()
        .ok()
        .and_then(|n| data.plan.areas.iter().find(|a| a.number == n))
        .ok_or_else(|| AppError::NotFound(format!("Planen har inget område \"{area}\".")))?;
    Ok((a.number, a.title.clone(), a.goals.iter().map(|g| GoalRef::new(a.number, g.number)).collect()))
}

pub async fn rcc_comments_form(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, area)): Path<(String, String, String)>,
) -> Result<RccCommentsPage, AppError> {
    let (data, year, work, viewer) = rcc_context(&state, at, "skriva RCC:s kommentarer", None).await?;
    let (number, title, refs) = area_goals(&data, &area)?;
    let slug = data.plan.slug.clone();
    let goals = refs
        .iter()
        .map(|r| {
            let uppfolj_store::RccComment { text: rcc, version } =
                work.rcc_comments.get(r).cloned().unwrap_or_default();
            RccGoal {
                id: r.to_string(),
                text: data.goal(*r).map(|g| g.text.clone()).unwrap_or_default(),
                comments: work
                    .cells
                    .iter()
                    .filter(|c| c.goal == *r)
                    .filter_map(|c| {
                        let t = c.condensed.clone().unwrap_or_else(|| c.comment.clone());
                        if t.is_empty() { None } else { Some((c.region.to_string(), t)) }
                    })
                    .collect(),
                rcc,
                name: field("rcc", *r),
                version_name: field("version", *r),
                version,
            }
        })
        .collect();
    Ok(RccCommentsPage {
        nav: Nav::of(&viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}/omraden/{number}"), format!("{number}. {title}")),
            crumb(format!("/planer/{slug}/{year}/omraden/{number}/rcc-kommentarer"), "RCC:s kommentarer"),
        ],
        action: format!("/planer/{slug}/{year}/omraden/{number}/rcc-kommentarer"),
        year,
        number,
        title,
        open: work.status == RoundStatus::Open,
        rcc_name: data.healthcare_region.rcc.clone(),
        goals,
    })
}

pub async fn rcc_comments_save(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, area)): Path<(String, String, String)>,
    crate::extract::Form(form): crate::extract::Form<FormMap>,
) -> Result<Response, AppError> {
    let (data, year, work, viewer) = rcc_context(&state, at, "skriva RCC:s kommentarer", None).await?;
    let account = viewer.require(|a| a.is_rcc(), "skriva RCC:s kommentarer")?;
    let (number, _, refs) = area_goals(&data, &area)?;
    let slug = data.plan.slug.clone();
    let mut edits = Vec::new();
    for r in refs {
        let text = form_value(&form, &field("rcc", r)).trim().to_owned();
        let current = work.rcc_comments.get(&r).map(|c| c.text.trim()).unwrap_or("");
        if text == current {
            continue;
        }
        let expected_version = crate::views::version_field(&form, &field("version", r))?;
        edits.push(RccCommentEdit { goal: r, text, expected_version });
    }
    let actor = Actor::user(account, now());
    match state.store.save_rcc_comments(&slug, year, &edits, &actor).await {
        Ok(_) => {}
        Err(e @ StoreError::Stale(_)) => {
            return Err(AppError::Conflict(format!(
                "Ingenting sparades: någon annan har ändrat RCC:s kommentar till mål {} sedan du öppnade sidan. Ladda om sidan och gör om ändringen.",
                goal_list(&e)
            )));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/planer/{slug}/{year}/omraden/{number}")).into_response())
}

/// "1.1, 2.3": the goals a refused write names.
fn goal_list(e: &StoreError) -> String {
    e.stale_goals().iter().map(|(g, _)| g.to_string()).collect::<Vec<_>>().join(", ")
}
