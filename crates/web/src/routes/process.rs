//! A care process's follow-up of its own goals, laid out like the process follow-up documents.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use uppfolj_domain::Classification;
use uppfolj_domain::ids::swedish_date;

use super::{load_plan, parse_year};
use crate::views::{Crumb, crumb, paragraphs};
use crate::{AppError, AppState};

pub struct ProcessGoalView {
    pub text: Vec<String>,
    pub current_state: Vec<String>,
    pub target_levels: Vec<String>,
    pub target_date: String,
    pub followup: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "process.html")]
pub struct ProcessPage {
    crumbs: Vec<Crumb>,
    title: String,
    process_name: String,
    year: i32,
    restricted: bool,
    classification: String,
    plan_goals: Vec<(String, String)>,
    goals: Vec<ProcessGoalView>,
    comments: Vec<String>,
    long_term: Vec<String>,
    level_structuring: Vec<String>,
    patient_involvement: Vec<String>,
    other: Vec<String>,
    leader_name: String,
    leader_title: String,
    leader_organisation: String,
    signed: Option<String>,
}

pub async fn followup(
    State(state): State<AppState>,
    Path((plan, year, process)): Path<(String, String, String)>,
) -> Result<ProcessPage, AppError> {
    let data = load_plan(&state, &plan).await?;
    let year = parse_year(&data, &year)?;
    let slug = data.plan.slug.as_str();
    let p = data
        .process(&process)
        .ok_or_else(|| AppError::NotFound(format!("Planen har ingen vårdprocess \"{process}\".")))?;
    let f =
        data.process_followups.iter().find(|f| f.process == p.slug && f.year == year).ok_or_else(|| {
            AppError::NotFound(format!("Vårdprocessen \"{}\" har ingen uppföljning för {year}.", p.name))
        })?;
    let signed = match (&f.signed_by, f.signed_on) {
        (Some(by), Some(on)) => Some(format!("Signerad av {by} den {}", swedish_date(on))),
        (Some(by), None) => Some(format!("Signerad av {by}")),
        (None, Some(on)) => Some(format!("Signerad den {}", swedish_date(on))),
        (None, None) => None,
    };
    Ok(ProcessPage {
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}"), format!("{} – uppföljning {year}", data.plan.title)),
            crumb(format!("/planer/{slug}/{year}/processer/{}", p.slug), p.name.clone()),
        ],
        title: f.title.clone(),
        process_name: p.name.clone(),
        year,
        restricted: f.classification == Classification::Restricted,
        classification: f.classification.label().to_owned(),
        plan_goals: f
            .plan_goals
            .iter()
            .map(|g| (format!("/planer/{slug}/{year}/omraden/{}#mal-{}-{}", g.area, g.area, g.goal), g.to_string()))
            .collect(),
        goals: f
            .goals
            .iter()
            .map(|g| ProcessGoalView {
                text: paragraphs(&g.text),
                current_state: paragraphs(&g.current_state),
                target_levels: g.target_levels.clone(),
                target_date: g.target_date.clone(),
                followup: paragraphs(&g.followup),
            })
            .collect(),
        comments: paragraphs(&f.comments),
        long_term: f.long_term.clone(),
        level_structuring: paragraphs(&f.level_structuring),
        patient_involvement: paragraphs(&f.patient_involvement),
        other: paragraphs(&f.other),
        leader_name: p.leader.name.clone(),
        leader_title: p.leader.title.clone(),
        leader_organisation: p.leader.organisation.clone(),
        signed,
    })
}
