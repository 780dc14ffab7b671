//! A region's follow-up form: level and comment per goal, with last round's answer beside each field,
//! saved as a draft or submitted to the RCC. A save based on stale versions is refused as a whole, and
//! the form comes back with both texts so the user can choose.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uppfolj_domain::ids::{swedish_date, swedish_time};
use uppfolj_domain::input::{TextKind, clean};
use uppfolj_domain::{Dataset, GoalRef, Level, RegionCode, RoundStatus, StateAction};
use uppfolj_store::{Actor, CellEdit, EarlierAnswers, Previous, RoundWork, Shape, StoreError};

use super::{RoundAt, days_to};
use crate::auth::{Viewer, now};
use crate::views::{Crumb, FormMap, LevelOption, LevelView, Nav, crumb, field, form_value, level_options, level_view};
use crate::{AppError, AppState};

pub struct GoalField {
    pub id: String,
    pub text: String,
    pub level_name: String,
    pub comment_name: String,
    pub version_name: String,
    pub orig_level_name: String,
    pub orig_comment_name: String,
    pub choice_name: String,
    pub options: Vec<LevelOption>,
    pub level: LevelView,
    pub comment: String,
    pub version: i32,
    pub orig_level: String,
    pub orig_comment: String,
    pub previous: Option<(LevelView, String)>,
    /// Someone else saved this goal in between: their level, comment, who and when.
    pub conflict: Option<(LevelView, String, String)>,
    pub history_href: String,
}

pub struct AreaFields {
    pub number: u32,
    pub title: String,
    pub goals: Vec<GoalField>,
}

#[derive(Template, WebTemplate)]
#[template(path = "region_form.html")]
pub struct RegionFormPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    action: String,
    plan_title: String,
    year: i32,
    region: String,
    region_name: String,
    state: String,
    reason: Option<String>,
    deadline: Option<String>,
    editable: bool,
    locked_note: Option<String>,
    /// Whose answers stand beside the fields: last round's ("2024"), or the predecessor's ("2024 i planen före").
    previous_year: Option<String>,
    prefilled: bool,
    message: Option<String>,
    error: Option<String>,
    areas: Vec<AreaFields>,
}

#[derive(Deserialize)]
pub struct FormQuery {
    /// `?forra=1`: start from last round's answers (nothing is saved until the user saves).
    forra: Option<String>,
    /// `?sparat=1` / `?inskickat=1`: what just happened.
    sparat: Option<String>,
    inskickat: Option<String>,
}

struct Ctx {
    data: Arc<Dataset>,
    year: i32,
    region: RegionCode,
    work: Arc<RoundWork>,
    /// The first round of a plan that follows another: the region's answers in the predecessor's
    /// last published round, the starting point for the goals that carry on old ones.
    earlier: Option<EarlierAnswers>,
}

/// The region's part of the round, and last round's answers beside it: nothing of other regions.
async fn context(state: &AppState, at: RoundAt, region: &str) -> Result<(Ctx, Viewer), AppError> {
    let no_region = || AppError::NotFound(format!("Sjukvårdsregionen har ingen region \"{region}\"."));
    let code = RegionCode::parse(region).map_err(|_| no_region())?;
    // Who may, before anything is read.
    at.viewer.require(|a| a.may_see_open_answers(&code), &format!("se {code}s svar"))?;
    // This round's cells come with their versions in `RoundWork`; the read takes last round's only.
    let shape = Shape { previous: Previous::Any, previous_cells_only: true, ..Shape::cells().region(&code) };
    let data = match at.read(state, shape).await {
        Err(AppError::NotFound(_)) => return Err(no_region()),
        other => other?,
    };
    let work = at.work(state, Some(&code)).await?;
    let first_round = !data.rounds.iter().any(|r| r.year < at.year);
    let earlier = match &data.plan.predecessor {
        Some(_) if first_round => state.store.predecessor_answers(at.slug(), &code).await?,
        _ => None,
    };
    let RoundAt { year, viewer, .. } = at;
    Ok((Ctx { data, year, region: code, work, earlier }, viewer))
}

/// The answer a goal of a plan's first round starts from: the predecessor's answer to the one old
/// goal it continues or was split from. A merged goal has no one answer to start from.
fn carried_on(earlier: Option<&EarlierAnswers>, goal: &uppfolj_domain::Goal) -> Option<(Level, String)> {
    let lineage = goal.lineage.as_ref().filter(|l| l.link != uppfolj_domain::Link::Merge)?;
    earlier?.answers.get(lineage.goals.first()?).cloned()
}

/// Why the form is read-only for this viewer, if it is.
fn locked_note(ctx: &Ctx, viewer: &Viewer) -> Option<String> {
    if ctx.work.status == RoundStatus::Published {
        return Some("Uppföljningen är publicerad och låst.".to_owned());
    }
    let state = ctx.work.region(&ctx.region).map(|r| r.state).unwrap_or(uppfolj_domain::RegionState::NotStarted);
    let is_rcc = viewer.account.as_ref().is_some_and(|a| a.is_rcc());
    if !viewer.account.as_ref().is_some_and(|a| a.may_edit_region(&ctx.region)) {
        return Some("Du kan läsa men inte ändra svaren.".to_owned());
    }
    if !state.open_for_region() && !is_rcc {
        return Some(format!(
            "Svaren är {} och kan inte ändras. RCC kan skicka tillbaka dem om något behöver ändras.",
            state.label().to_lowercase()
        ));
    }
    None
}

fn build(
    ctx: &Ctx,
    viewer: &Viewer,
    submitted: Option<&FormMap>,
    conflicts: &[GoalRef],
    prefill: bool,
) -> RegionFormPage {
    let slug = &ctx.data.plan.slug;
    let code = &ctx.region;
    let previous = ctx.data.rounds.iter().rev().find(|r| r.year < ctx.year);
    let locked = locked_note(ctx, viewer);
    let areas = ctx
        .data
        .plan
        .areas
        .iter()
        .map(|a| AreaFields {
            number: a.number,
            title: a.title.clone(),
            goals: a
                .goals
                .iter()
                .map(|g| {
                    let r = GoalRef::new(a.number, g.number);
                    let cell = ctx.work.cell(r, code);
                    let stored_level = cell.map(|c| c.level.to_string()).unwrap_or_default();
                    let stored_comment = cell.map(|c| c.comment.clone()).unwrap_or_default();
                    let prev = match previous {
                        Some(p) => {
                            let f = p.followup(r);
                            Some((p.level(r, code), f.and_then(|f| f.comment(code)).unwrap_or("").to_owned()))
                        }
                        None => carried_on(ctx.earlier.as_ref(), g),
                    };
                    let (level, comment) = match submitted {
                        Some(form) => (
                            form_value(form, &field("niva", r)).to_owned(),
                            form_value(form, &field("kommentar", r)).to_owned(),
                        ),
                        None => match (&prev, prefill) {
                            (Some((pl, pc)), true) if stored_level.is_empty() && stored_comment.is_empty() => {
                                (pl.to_string(), pc.clone())
                            }
                            _ => (stored_level.clone(), stored_comment.clone()),
                        },
                    };
                    let conflict = if conflicts.contains(&r) {
                        cell.map(|c| {
                            (
                                level_view(c.level, g.part_names.as_ref()),
                                c.comment.clone(),
                                format!(
                                    "{}{}",
                                    c.updated_by.clone().unwrap_or_else(|| "okänd".to_owned()),
                                    c.updated_at.map(|t| format!(", {}", swedish_time(t))).unwrap_or_default()
                                ),
                            )
                        })
                    } else {
                        None
                    };
                    let parsed = Level::parse(&level).unwrap_or_default();
                    GoalField {
                        id: r.to_string(),
                        text: g.text.clone(),
                        level_name: field("niva", r),
                        comment_name: field("kommentar", r),
                        version_name: field("version", r),
                        orig_level_name: field("orig_niva", r),
                        orig_comment_name: field("orig_kommentar", r),
                        choice_name: field("val", r),
                        options: level_options(&level),
                        level: level_view(parsed, g.part_names.as_ref()),
                        comment,
                        version: cell.map(|c| c.version).unwrap_or(0),
                        orig_level: stored_level,
                        orig_comment: stored_comment,
                        previous: prev
                            .filter(|(l, c)| !l.is_blank() || !c.is_empty())
                            .map(|(l, c)| (level_view(l, g.part_names.as_ref()), c)),
                        conflict,
                        history_href: format!("/planer/{slug}/{}/mal/{r}/{code}/historik", ctx.year),
                    }
                })
                .collect(),
        })
        .collect();
    let rw = ctx.work.region(code);
    let region_name =
        ctx.data.healthcare_region.regions.iter().find(|r| &r.code == code).map(|r| r.name.clone()).unwrap_or_default();
    RegionFormPage {
        nav: Nav::of(viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(
                format!("/planer/{slug}/{}/regioner/{code}", ctx.year),
                format!("{region_name} – uppföljning {}", ctx.year),
            ),
        ],
        action: format!("/planer/{slug}/{}/regioner/{code}", ctx.year),
        plan_title: ctx.data.plan.title.clone(),
        year: ctx.year,
        region: code.to_string(),
        region_name,
        state: rw.map(|r| r.state.label().to_owned()).unwrap_or_default(),
        reason: rw
            .and_then(|r| r.reason.clone())
            .filter(|_| rw.is_some_and(|r| r.state == uppfolj_domain::RegionState::Returned)),
        deadline: ctx.work.deadline.map(|d| format!("{} ({})", swedish_date(d), days_to(d, now().date()))),
        editable: locked.is_none(),
        locked_note: locked,
        previous_year: match (previous, &ctx.earlier) {
            (Some(p), _) => Some(p.year.to_string()),
            (None, Some(e)) => Some(format!("{} i planen före", e.year)),
            (None, None) => None,
        },
        prefilled: prefill,
        message: None,
        error: None,
        areas,
    }
}

pub async fn form(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, region)): Path<(String, String, String)>,
    Query(q): Query<FormQuery>,
) -> Result<RegionFormPage, AppError> {
    let (ctx, viewer) = context(&state, at, &region).await?;
    let mut page = build(&ctx, &viewer, None, &[], q.forra.is_some());
    if q.sparat.is_some() {
        page.message = Some("Utkastet är sparat. Du kan fortsätta senare.".to_owned());
    }
    if q.inskickat.is_some() {
        page.message = Some("Svaren är inskickade till RCC. Tack!".to_owned());
    }
    Ok(page)
}

pub async fn save(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, region)): Path<(String, String, String)>,
    crate::extract::Form(form): crate::extract::Form<FormMap>,
) -> Result<Response, AppError> {
    let (ctx, viewer) = context(&state, at, &region).await?;
    let account = viewer.require(|a| a.may_edit_region(&ctx.region), &format!("ändra {}s svar", ctx.region))?;
    let by_region = !account.is_rcc();
    let submit = form_value(&form, "atgard") == "skicka";
    let actor = Actor::user(account, now());
    let slug = ctx.data.plan.slug.clone();

    // Validate every field first; collect the cells the user actually changed.
    let mut edits = Vec::new();
    let mut errors = Vec::new();
    for (r, _) in ctx.data.goals() {
        let level_text = form_value(&form, &field("niva", r));
        let comment = match clean(TextKind::Comment, form_value(&form, &field("kommentar", r))) {
            Ok(c) => c,
            Err(e) => {
                errors.push(format!("Mål {r}: kommentaren: {e}"));
                continue;
            }
        };
        let level = match Level::parse(level_text) {
            Ok(l) => l,
            Err(e) => {
                errors.push(format!("Mål {r}: {e}"));
                continue;
            }
        };
        let orig_level = form_value(&form, &field("orig_niva", r));
        let orig_comment = clean(TextKind::Comment, form_value(&form, &field("orig_kommentar", r))).unwrap_or_default();
        let changed =
            level.to_string() != Level::parse(orig_level).unwrap_or_default().to_string() || comment != orig_comment;
        let theirs = form_value(&form, &field("val", r)) == "deras";
        if changed && !theirs {
            let expected_version = crate::views::version_field(&form, &field("version", r))?;
            edits.push(CellEdit { goal: r, level, comment, expected_version });
        }
    }
    if !errors.is_empty() {
        let mut page = build(&ctx, &viewer, Some(&form), &[], false);
        page.error = Some(format!("Ingenting sparades. {}", errors.join(" ")));
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    if !edits.is_empty() {
        match state.store.save_cells(&slug, ctx.year, &ctx.region, &edits, by_region, &actor).await {
            Ok(_) => {}
            Err(e @ StoreError::Stale(_)) => return conflict_page(&state, &viewer, ctx, form, &e.stale_goals()).await,
            Err(e) => return Err(e.into()),
        }
    }
    let base = format!("/planer/{slug}/{}/regioner/{}", ctx.year, ctx.region);
    if submit {
        state.store.change_region_state(&slug, ctx.year, &ctx.region, &StateAction::Submit, None, &actor).await?;
        return Ok(Redirect::to(&format!("{base}?inskickat=1")).into_response());
    }
    Ok(Redirect::to(&format!("{base}?sparat=1")).into_response())
}

/// The form again, with what the user wrote, and for each goal someone else changed: their text and a
/// choice. The versions in the form are now the current ones, so saving again applies the choice.
async fn conflict_page(
    state: &AppState,
    viewer: &Viewer,
    ctx: Ctx,
    mut form: FormMap,
    stale: &[(GoalRef, i32)],
) -> Result<Response, AppError> {
    // Read anew, not from memory: the versions must be those that refused the save.
    let work = Arc::new(state.store.round_work(&ctx.data.plan.slug, ctx.year, Some(&ctx.region)).await?);
    let ctx = Ctx { work, ..ctx };
    let goals: Vec<GoalRef> = stale.iter().map(|(g, _)| *g).collect();
    // The hidden originals and versions become the stored ones; the visible fields keep the user's text.
    for g in &goals {
        if let Some(c) = ctx.work.cell(*g, &ctx.region) {
            form.insert(field("orig_niva", *g), c.level.to_string());
            form.insert(field("orig_kommentar", *g), c.comment.clone());
        }
    }
    let mut page = build(&ctx, viewer, Some(&form), &goals, false);
    let list = goals.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    page.error = Some(format!(
        "Ingenting sparades: någon annan har ändrat mål {list} medan du arbetade. Jämför texterna nedan, välj vilken version som ska gälla och spara igen."
    ));
    Ok((axum::http::StatusCode::CONFLICT, page).into_response())
}
