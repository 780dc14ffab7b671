//! A goal of an adopted plan after adoption (RCC staff and admins): its wording corrected with a
//! reason — rounds published before keep showing the wording they were followed up with — and the
//! goal retired from a year (*utgått*) or followed up again. Both forms are on the goal's page; a
//! refused form comes back there with what was typed and the problem.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uppfolj_domain::{Goal, GoalRef, Slug};
use uppfolj_store::{GoalWordingHistory, StoreError};

use crate::auth::{Viewer, now};
use crate::error::capitalise;
use crate::extract::{Form, Path};
use crate::{AppError, AppState};

/// The two forms on the goal's page, filled in.
pub struct WordingForms {
    pub correct: String,
    pub retire: String,
    pub version: i32,
    pub text: String,
    pub targets: String,
    pub reason: String,
    pub error: Option<String>,
    pub retired_from: Option<i32>,
    pub year: String,
    pub retire_reason: String,
    pub retire_error: Option<String>,
}

/// A refused form: which one, what was typed, and why.
pub enum Typed {
    Correct { form: CorrectForm, error: String },
    Retire { form: RetireForm, error: String },
}

pub(crate) fn forms(
    plan: &Slug,
    goal: GoalRef,
    g: &Goal,
    w: &GoalWordingHistory,
    typed: Option<Typed>,
) -> WordingForms {
    let mut f = WordingForms {
        correct: format!("/planer/{plan}/mal/{goal}/lydelse"),
        retire: format!("/planer/{plan}/mal/{goal}/utgar"),
        version: w.version,
        text: g.text.clone(),
        targets: g.targets.join("\n"),
        reason: String::new(),
        error: None,
        retired_from: w.retired_from,
        year: w.retired_from.map(|y| y.to_string()).unwrap_or_default(),
        retire_reason: String::new(),
        retire_error: None,
    };
    match typed {
        Some(Typed::Correct { form, error }) => {
            (f.text, f.targets, f.reason, f.error) = (form.text, form.malnivaer, form.skal, Some(error));
        }
        Some(Typed::Retire { form, error }) => {
            (f.year, f.retire_reason, f.retire_error) = (form.fran, form.skal, Some(error));
        }
        None => {}
    }
    f
}

#[derive(Deserialize)]
pub struct CorrectForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    malnivaer: String,
    #[serde(default)]
    skal: String,
    version: Option<i32>,
}

/// The plan and goal of the address, and who corrects: RCC staff or an admin.
fn target(viewer: &Viewer, plan: &str, goal: &str) -> Result<(Slug, GoalRef, uppfolj_store::Actor), AppError> {
    let account = viewer.require(|a| a.is_rcc(), "ändra ett fastställt mål")?;
    let slug = super::parse_slug(plan, "ingen plan med kortnamnet")?;
    let goal = GoalRef::parse(goal).map_err(|_| AppError::NotFound(format!("Planen har inget mål \"{goal}\".")))?;
    Ok((slug, goal, uppfolj_store::Actor::user(account, now())))
}

/// Refuses a draft: its goals are written in the draft's editor, with no reason asked.
async fn adopted(state: &AppState, viewer: &Viewer, plan: &str) -> Result<(), AppError> {
    let data = super::load_outline(state, plan, viewer).await?;
    if data.plan.status == uppfolj_domain::PlanStatus::Draft {
        return Err(AppError::Conflict(
            "Planen är ett utkast: skriv om målet i utkastet i stället (Skriv planen).".to_owned(),
        ));
    }
    Ok(())
}

/// A refusal that belongs at a form: the goal's page again, with it; anything else as it is.
async fn refused(
    state: &AppState,
    viewer: &Viewer,
    (plan, goal): (&str, &str),
    e: StoreError,
    typed: impl FnOnce(String) -> Typed,
) -> Result<Response, AppError> {
    let status = match &e {
        StoreError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        StoreError::Stale(_) | StoreError::Conflict(_) => StatusCode::CONFLICT,
        _ => return Err(e.into()),
    };
    let message = match e {
        StoreError::Stale(_) => {
            "Någon annan har ändrat målet sedan du öppnade sidan. Formuläret visar nu den senaste lydelsen under \
             din text; jämför och spara igen."
                .to_owned()
        }
        StoreError::Invalid(m) | StoreError::Conflict(m) => capitalise(&m),
        _ => String::new(),
    };
    let page = super::lineage::render(state, viewer, plan, goal, Some(typed(message))).await?;
    Ok((status, page).into_response())
}

pub async fn correct(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, goal)): Path<(String, String)>,
    Form(f): Form<CorrectForm>,
) -> Result<Response, AppError> {
    let (slug, g, actor) = target(&viewer, &plan, &goal)?;
    adopted(&state, &viewer, &plan).await?;
    let expected = crate::views::required_version(f.version)?;
    let targets: Vec<String> =
        f.malnivaer.lines().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect();
    match state.store.correct_goal(&slug, g, &f.text, &targets, &f.skal, expected, &actor).await {
        Ok(_) => Ok(Redirect::to(&format!("/planer/{slug}/mal/{g}#lydelse")).into_response()),
        Err(e) => refused(&state, &viewer, (&plan, &goal), e, |error| Typed::Correct { form: f, error }).await,
    }
}

#[derive(Deserialize)]
pub struct RetireForm {
    /// The year it no longer is followed up; empty: followed up again.
    #[serde(default)]
    fran: String,
    #[serde(default)]
    skal: String,
}

pub async fn retire(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, goal)): Path<(String, String)>,
    Form(f): Form<RetireForm>,
) -> Result<Response, AppError> {
    let (slug, g, actor) = target(&viewer, &plan, &goal)?;
    adopted(&state, &viewer, &plan).await?;
    let from = match f.fran.trim() {
        "" => None,
        y => match y.parse::<i32>() {
            Ok(y) => Some(y),
            Err(_) => {
                let error = format!("\"{y}\" är inget år: skriv till exempel 2026, eller lämna fältet tomt.");
                let e = StoreError::Invalid(error);
                return refused(&state, &viewer, (&plan, &goal), e, |error| Typed::Retire { form: f, error }).await;
            }
        },
    };
    match state.store.retire_goal(&slug, g, from, &f.skal, &actor).await {
        Ok(()) => Ok(Redirect::to(&format!("/planer/{slug}/mal/{g}#utgar")).into_response()),
        Err(e) => refused(&state, &viewer, (&plan, &goal), e, |error| Typed::Retire { form: f, error }).await,
    }
}
