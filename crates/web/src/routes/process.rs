//! A care process's follow-up of its own goals, laid out like the process follow-up documents.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uppfolj_domain::ids::swedish_date;
use uppfolj_domain::{Classification, Dataset, ProcessFollowUp, ProcessGoal, RoundStatus};
use uppfolj_store::{Actor, Shape};

use super::RoundAt;
use crate::auth::{Viewer, now};
use crate::views::{Crumb, FormMap, Nav, crumb, form_value};
use crate::{AppError, AppState};

/// The follow-up, if this viewer may read it: in a published round for everyone (restricted ones only
/// for those allowed to read restricted documents); in a round in progress for RCC staff and the
/// process's leader.
fn readable<'a>(viewer: &Viewer, data: &'a Dataset, year: i32, process: &str) -> Result<&'a ProcessFollowUp, AppError> {
    // Read for the page of this round, so its round is in it.
    let p = data
        .process(process)
        .ok_or_else(|| AppError::NotFound(format!("Planen har ingen vårdprocess \"{process}\".")))?;
    let f =
        data.process_followups.iter().find(|f| f.process == p.slug && f.year == year).ok_or_else(|| {
            AppError::NotFound(format!("Vårdprocessen \"{}\" har ingen uppföljning för {year}.", p.name))
        })?;
    let published = data.round(year).is_some_and(|r| r.status == RoundStatus::Published);
    if !published {
        viewer.require(|a| a.may_edit_process(&p.slug), "se en processuppföljning som inte är publicerad")?;
    }
    if f.classification == Classification::Restricted {
        viewer.require(|a| a.may_read_restricted(), "läsa dokument med begränsad delning")?;
    }
    Ok(f)
}

/// The page shows the same model as the process follow-up document (`uppfolj_reports::process`).
#[derive(Template, WebTemplate)]
#[template(path = "process.html")]
pub struct ProcessPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    edit_href: Option<String>,
    slug: String,
    process_slug: String,
    plan_goals: Vec<(String, String)>,
    r: uppfolj_reports::process::ProcessReport,
}

/// What a process's pages read: the processes and their follow-ups of the round's year.
fn processes() -> Shape {
    Shape { processes: true, ..Shape::default() }
}

/// Before anything is read: a round in progress is for RCC staff and the process's leader only.
fn may_try(at: &RoundAt, process: &str) -> Result<(), AppError> {
    if at.status() != RoundStatus::Published {
        let slug = super::parse_slug(process, "ingen vårdprocess")?;
        at.viewer.require(|a| a.may_edit_process(&slug), "se en processuppföljning som inte är publicerad")?;
    }
    Ok(())
}

pub async fn followup(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, process)): Path<(String, String, String)>,
) -> Result<ProcessPage, AppError> {
    may_try(&at, &process)?;
    let data = at.read(&state, processes()).await?;
    let (year, viewer) = (at.year, &at.viewer);
    let slug = &data.plan.slug;
    let f = readable(viewer, &data, year, &process)?;
    let p = data.process(&process).ok_or_else(|| AppError::NotFound(process.clone()))?;
    let r = uppfolj_reports::process::build(&data, year, &process).map_err(|e| AppError::NotFound(e.to_string()))?;
    Ok(ProcessPage {
        nav: Nav::of(viewer),
        slug: slug.to_string(),
        process_slug: p.slug.to_string(),
        edit_href: viewer
            .account
            .as_ref()
            .filter(|a| a.may_edit_process(&p.slug))
            .map(|_| format!("/planer/{slug}/{year}/processer/{}/redigera", p.slug)),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}"), format!("{} – uppföljning {year}", data.plan.title)),
            crumb(format!("/planer/{slug}/{year}/processer/{}", p.slug), p.name.clone()),
        ],
        plan_goals: f
            .plan_goals
            .iter()
            .map(|g| (format!("/planer/{slug}/{year}/omraden/{}#mal-{}-{}", g.area, g.area, g.goal), g.to_string()))
            .collect(),
        r,
    })
}

/// The follow-up as its own document: `rapport/html` or `rapport/pdf`.
pub async fn report(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, process, format)): Path<(String, String, String, String)>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    may_try(&at, &process)?;
    let data = at.read(&state, processes()).await?;
    let year = at.year;
    let restricted = readable(&at.viewer, &data, year, &process)?.classification == Classification::Restricted;
    let format = match uppfolj_reports::Format::parse(&format) {
        Some(f @ (uppfolj_reports::Format::Html | uppfolj_reports::Format::Pdf)) => f,
        _ => {
            return Err(AppError::NotFound(format!(
                "Processuppföljningen finns som html och pdf, inte som \"{format}\"."
            )));
        }
    };
    let filename = format!("processuppfoljning-{process}-{year}.{}", format.extension());
    let today = now().date();
    // Kept only after the viewer was found to be allowed to read it.
    let key = state.cache.download_key(&at.meta, &filename, today);
    let make = crate::routes::report::render(format, filename.clone(), today, move |today| {
        uppfolj_reports::process::render_with(&data, year, &process, format, today, uppfolj_reports::Typesetter::Child)
    });
    state.cache.download(key, &headers, restricted, make).await
}

pub struct GoalEdit {
    pub n: usize,
    pub text: String,
    pub current_state: String,
    pub target_levels: String,
    pub target_date: String,
    pub followup: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "process_edit.html")]
pub struct ProcessEditPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    base: String,
    process_name: String,
    year: i32,
    version: i32,
    signed: Option<String>,
    rcc: bool,
    signer: String,
    title: String,
    goals: Vec<GoalEdit>,
    comments: String,
    long_term: String,
    level_structuring: String,
    patient_involvement: String,
    other: String,
}

async fn editable(
    state: &AppState,
    at: RoundAt,
    process: &str,
) -> Result<(Arc<Dataset>, i32, ProcessFollowUp, Viewer), AppError> {
    let slug = super::parse_slug(process, "ingen vårdprocess")?;
    at.viewer.require(|a| a.may_edit_process(&slug), "ändra en processuppföljning")?;
    let data = at.read(state, processes()).await?;
    let RoundAt { year, viewer, .. } = at;
    let p = data
        .process(process)
        .ok_or_else(|| AppError::NotFound(format!("Planen har ingen vårdprocess \"{process}\".")))?;
    viewer.require(|a| a.may_edit_process(&p.slug), &format!("ändra uppföljningen av {}", p.name))?;
    let f = readable(&viewer, &data, year, process)?.clone();
    Ok((data, year, f, viewer))
}

pub async fn edit_form(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, process)): Path<(String, String, String)>,
) -> Result<ProcessEditPage, AppError> {
    let (data, year, f, viewer) = editable(&state, at, &process).await?;
    let slug = &data.plan.slug;
    let version = state.store.process_followup_version(slug, year, &f.process).await?;
    let name = data.process(&process).map(|p| p.name.clone()).unwrap_or_default();
    let account = viewer.account()?;
    Ok(ProcessEditPage {
        nav: Nav::of(&viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}/processer/{process}"), name.clone()),
            crumb(format!("/planer/{slug}/{year}/processer/{process}/redigera"), "Redigera"),
        ],
        base: format!("/planer/{slug}/{year}/processer/{process}"),
        process_name: name,
        year,
        version,
        signed: match (&f.signed_by, f.signed_on) {
            (Some(by), Some(on)) => Some(format!("{by} den {}", swedish_date(on))),
            _ => None,
        },
        rcc: account.is_rcc(),
        signer: account.display_name.clone(),
        title: f.title.clone(),
        goals: f
            .goals
            .iter()
            .enumerate()
            .map(|(i, g)| GoalEdit {
                n: i + 1,
                text: g.text.clone(),
                current_state: g.current_state.clone(),
                target_levels: g.target_levels.join("\n"),
                target_date: g.target_date.clone(),
                followup: g.followup.clone(),
            })
            .collect(),
        comments: f.comments.clone(),
        long_term: f.long_term.join("\n"),
        level_structuring: f.level_structuring.clone(),
        patient_involvement: f.patient_involvement.clone(),
        other: f.other.clone(),
    })
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

pub async fn edit_save(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, process)): Path<(String, String, String)>,
    crate::extract::Form(form): crate::extract::Form<FormMap>,
) -> Result<Response, AppError> {
    let (data, year, old, viewer) = editable(&state, at, &process).await?;
    let account = viewer.account()?;
    let version = crate::views::version_field(&form, "version")?;
    let slug = &data.plan.slug;
    let mut goals = Vec::new();
    for n in 1..=old.goals.len() + 1 {
        let text = form_value(&form, &format!("text_{n}")).trim().to_owned();
        if n > old.goals.len() && text.is_empty() {
            break;
        }
        if text.is_empty() {
            return Err(AppError::Unprocessable(format!("Mål {n} saknar text; mål kan inte tas bort.")));
        }
        goals.push(ProcessGoal {
            text,
            current_state: form_value(&form, &format!("current_{n}")).trim().to_owned(),
            target_levels: lines(form_value(&form, &format!("targets_{n}"))),
            target_date: form_value(&form, &format!("date_{n}")).trim().to_owned(),
            followup: form_value(&form, &format!("followup_{n}")).trim().to_owned(),
        });
    }
    let new = ProcessFollowUp {
        title: form_value(&form, "title").trim().to_owned(),
        goals,
        comments: form_value(&form, "comments").trim().to_owned(),
        long_term: lines(form_value(&form, "long_term")),
        level_structuring: form_value(&form, "level_structuring").trim().to_owned(),
        patient_involvement: form_value(&form, "patient_involvement").trim().to_owned(),
        other: form_value(&form, "other").trim().to_owned(),
        ..old
    };
    if new.title.is_empty() {
        return Err(AppError::Unprocessable("Uppföljningen måste ha en rubrik.".to_owned()));
    }
    state.store.save_process_followup(slug, &new, version, &Actor::user(account, now())).await?;
    Ok(Redirect::to(&format!("/planer/{slug}/{year}/processer/{process}")).into_response())
}

#[derive(Deserialize)]
pub struct SignForm {
    name: String,
    version: i32,
}

pub async fn sign(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, process)): Path<(String, String, String)>,
    crate::extract::Form(f): crate::extract::Form<SignForm>,
) -> Result<Response, AppError> {
    let (data, year, current, viewer) = editable(&state, at, &process).await?;
    let account = viewer.account()?;
    let slug = &data.plan.slug;
    let at = now();
    state
        .store
        .sign_process_followup(slug, year, &current.process, &f.name, at.date(), f.version, &Actor::user(account, at))
        .await?;
    Ok(Redirect::to(&format!("/planer/{slug}/{year}/processer/{process}")).into_response())
}

#[derive(Deserialize)]
pub struct ReopenForm {
    #[serde(default)]
    skal: String,
}

pub async fn reopen(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, process)): Path<(String, String, String)>,
    crate::extract::Form(f): crate::extract::Form<ReopenForm>,
) -> Result<Response, AppError> {
    let RoundAt { year, viewer, .. } = &at;
    let year = *year;
    let account = viewer.require(|a| a.is_rcc(), "öppna en signerad processuppföljning igen")?;
    let slug = at.slug();
    let process = super::parse_slug(&process, "ingen vårdprocess")?;
    state.store.reopen_process_followup(slug, year, &process, &f.skal, &Actor::user(account, now())).await?;
    Ok(Redirect::to(&format!("/planer/{slug}/{year}/processer/{process}/redigera")).into_response())
}
