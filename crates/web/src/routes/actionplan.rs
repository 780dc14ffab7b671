//! A region's local action plan: per goal the region's own goal, its current state when planned, and
//! activities (text, responsible, due date, status). Activities are never deleted: they are "struken".

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uppfolj_domain::ids::{format_date, parse_date, swedish_date};
use uppfolj_domain::{ActivityStatus, GoalRef, Link};
use uppfolj_store::{ActionPlanEntry, ActivityInput, Actor};

use super::{load_outline, parse_goal, parse_region};
use crate::auth::{Viewer, now};
use crate::error::capitalise;
use crate::views::{Crumb, Nav, crumb};
use crate::{AppError, AppState};

pub struct ActivityView {
    pub id: i64,
    pub text: String,
    pub responsible: String,
    pub due: String,
    pub due_text: String,
    pub status: String,
    pub status_label: String,
    pub version: i32,
}

pub struct EntryView {
    pub id: String,
    pub anchor: String,
    pub text: String,
    pub own_goal: String,
    pub current_state: String,
    pub version: i32,
    pub activities: Vec<ActivityView>,
    /// Nothing written yet, and the region's entry in the plan before for the goal this one carries
    /// on has something: the old goal, own goal, current state and how many activities are open.
    pub earlier: Option<(String, String, String, usize)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "actionplan.html")]
pub struct ActionPlanPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    base: String,
    plan_title: String,
    region: String,
    region_name: String,
    editable: bool,
    statuses: Vec<(&'static str, &'static str)>,
    entries: Vec<EntryView>,
}

pub async fn view(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, region)): Path<(String, String)>,
) -> Result<ActionPlanPage, AppError> {
    let data = load_outline(&state, &plan, &viewer).await?;
    let code = parse_region(&data, &region)?;
    let account = viewer.require(|a| a.may_see_open_answers(&code), &format!("se {code}s handlingsplan"))?;
    let slug = &data.plan.slug;
    // The plan before: what the region's action plan said for the goals this plan's goals carry on.
    let before: std::collections::BTreeMap<GoalRef, ActionPlanEntry> = match &data.plan.predecessor {
        Some(p) => state.store.action_plan(p, &code).await?.into_iter().map(|e| (e.goal, e)).collect(),
        None => Default::default(),
    };
    let earlier = |e: &ActionPlanEntry| -> Option<(String, String, String, usize)> {
        let blank = e.own_goal.is_empty() && e.current_state.is_empty() && e.activities.is_empty();
        let lineage = data.goal(e.goal)?.lineage.as_ref().filter(|l| l.link != Link::Merge && blank)?;
        let old = before.get(lineage.goals.first()?)?;
        let open = old.activities.iter().filter(|a| !matches!(a.status, ActivityStatus::Done | ActivityStatus::Struck));
        let open = open.count();
        (!old.own_goal.is_empty() || !old.current_state.is_empty() || open > 0)
            .then(|| (old.goal.to_string(), old.own_goal.clone(), old.current_state.clone(), open))
    };
    let entries = state
        .store
        .action_plan(slug, &code)
        .await?
        .into_iter()
        .map(|e| EntryView {
            earlier: earlier(&e),
            id: e.goal.to_string(),
            anchor: format!("mal-{}-{}", e.goal.area, e.goal.goal),
            text: data.goal(e.goal).map(|g| g.text.clone()).unwrap_or_default(),
            own_goal: e.own_goal,
            current_state: e.current_state,
            version: e.version,
            activities: e
                .activities
                .into_iter()
                .map(|a| ActivityView {
                    id: a.id,
                    text: a.text,
                    responsible: a.responsible,
                    due: a.due.map(format_date).unwrap_or_default(),
                    due_text: a.due.map(swedish_date).unwrap_or_default(),
                    status_label: a.status.label().to_owned(),
                    status: a.status.as_str().to_owned(),
                    version: a.version,
                })
                .collect(),
        })
        .collect();
    Ok(ActionPlanPage {
        nav: Nav::of(&viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/handlingsplaner/{code}"), format!("{code}s lokala handlingsplan")),
        ],
        base: format!("/planer/{slug}/handlingsplaner/{code}"),
        plan_title: data.plan.title.clone(),
        region_name: data
            .healthcare_region
            .regions
            .iter()
            .find(|r| r.code == code)
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        editable: account.may_edit_region(&code),
        region: code.to_string(),
        statuses: ActivityStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        entries,
    })
}

#[derive(Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    own_goal: String,
    #[serde(default)]
    current_state: String,
    version: i32,
}

pub async fn save_entry(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, region, goal)): Path<(String, String, String)>,
    crate::extract::Form(f): crate::extract::Form<EntryForm>,
) -> Result<Response, AppError> {
    let data = load_outline(&state, &plan, &viewer).await?;
    let code = parse_region(&data, &region)?;
    let goal = parse_goal(&data, &goal)?;
    let account = viewer.require(|a| a.may_edit_region(&code), &format!("ändra {code}s handlingsplan"))?;
    let slug = &data.plan.slug;
    state
        .store
        .save_action_plan_entry(
            slug,
            &code,
            goal,
            &f.own_goal,
            &f.current_state,
            f.version,
            &Actor::user(account, now()),
        )
        .await?;
    Ok(Redirect::to(&format!("/planer/{slug}/handlingsplaner/{code}#mal-{}-{}", goal.area, goal.goal)).into_response())
}

#[derive(Deserialize)]
pub struct ActivityForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    responsible: String,
    #[serde(default)]
    due: String,
    #[serde(default = "planned")]
    status: String,
    /// The version the change is based on; only a change of an activity has (and needs) one.
    version: Option<i32>,
}

fn planned() -> String {
    ActivityStatus::Planned.as_str().to_owned()
}

fn input(f: &ActivityForm) -> Result<ActivityInput, AppError> {
    let due = match f.due.trim() {
        "" => None,
        d => Some(parse_date(d).map_err(|e| AppError::Unprocessable(capitalise(&e.to_string())))?),
    };
    let status = ActivityStatus::parse(&f.status)
        .ok_or_else(|| AppError::Unprocessable(format!("\"{}\" är ingen status för en aktivitet.", f.status)))?;
    Ok(ActivityInput { text: f.text.clone(), responsible: f.responsible.clone(), due, status })
}

pub async fn add_activity(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, region, goal)): Path<(String, String, String)>,
    crate::extract::Form(f): crate::extract::Form<ActivityForm>,
) -> Result<Response, AppError> {
    let data = load_outline(&state, &plan, &viewer).await?;
    let code = parse_region(&data, &region)?;
    let goal = parse_goal(&data, &goal)?;
    let account = viewer.require(|a| a.may_edit_region(&code), &format!("ändra {code}s handlingsplan"))?;
    let slug = &data.plan.slug;
    state.store.add_activity(slug, &code, goal, &input(&f)?, &Actor::user(account, now())).await?;
    Ok(Redirect::to(&format!("/planer/{slug}/handlingsplaner/{code}#mal-{}-{}", goal.area, goal.goal)).into_response())
}

pub async fn update_activity(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, region, id)): Path<(String, String, String)>,
    crate::extract::Form(f): crate::extract::Form<ActivityForm>,
) -> Result<Response, AppError> {
    let data = load_outline(&state, &plan, &viewer).await?;
    let code = parse_region(&data, &region)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound(format!("Det finns ingen aktivitet \"{id}\".")))?;
    let account = viewer.require(|a| a.may_edit_region(&code), &format!("ändra {code}s handlingsplan"))?;
    let slug = &data.plan.slug;
    let version = crate::views::required_version(f.version)?;
    state.store.update_activity(slug, &code, id, &input(&f)?, version, &Actor::user(account, now())).await?;
    Ok(Redirect::to(&format!("/planer/{slug}/handlingsplaner/{code}")).into_response())
}

/// Starts the region's entry for a goal from the plan before (see
/// `ActionPlans::start_action_plan_from_predecessor`).
pub async fn start_from_predecessor(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, region, goal)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let data = load_outline(&state, &plan, &viewer).await?;
    let code = parse_region(&data, &region)?;
    let account = viewer.require(|a| a.may_edit_region(&code), &format!("ändra {code}s handlingsplan"))?;
    let goal = parse_goal(&data, &goal)?;
    let slug = &data.plan.slug;
    state.store.start_action_plan_from_predecessor(slug, &code, goal, &Actor::user(account, now())).await?;
    Ok(Redirect::to(&format!("/planer/{slug}/handlingsplaner/{code}#mal-{}-{}", goal.area, goal.goal)).into_response())
}
