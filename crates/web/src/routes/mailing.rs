//! A round's e-mail, as the RCC steers it (`/planer/{plan}/{year}/utskick`): every mail of the round
//! — to whom, when, its state and why it failed — with "skicka igen"; the days before the deadline
//! that reminders go out; and the next reminders, who would get them.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uppfolj_domain::RegionState;
use uppfolj_domain::ids::{swedish_date, swedish_time};
use uppfolj_store::{Actor, OutboxEntry, Shape, StoreError};

use super::{RoundAt, round_in};
use crate::auth::now;
use crate::error::capitalise;
use crate::extract::{Form, Path};
use crate::views::{Crumb, Nav, crumb};
use crate::{AppError, AppState};

pub struct MailRow {
    pub id: i64,
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub created: String,
    pub state: String,
    pub error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "mailing.html")]
pub struct MailingPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    base: String,
    year: i32,
    rows: Vec<MailRow>,
    days: String,
    error: Option<String>,
    /// The deadline as the form shows it (`YYYY-MM-DD`), and a refusal of it.
    deadline: String,
    deadline_error: Option<String>,
    /// The next reminders: day, what, to which regions.
    next: Vec<(String, String, String)>,
    open: bool,
    smtp: bool,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "round_opened" => "Inbjudan",
        "process_waiting" => "Processuppföljning",
        "reminder" => "Påminnelse",
        "overdue" => "Försenad",
        "returned" => "Tillbakaskickad",
        "submitted" => "Inskickad",
        "accepted" => "Godkänd",
        "published" => "Publicerad",
        "deadline" => "Ny sista dag",
        "invitation" => "Inbjudan till kontot",
        "reset" => "Nytt lösenord",
        _ => "Meddelande",
    }
}

/// Mail as the pages list it: what, to whom, when, its state and why it failed.
pub(crate) fn mail_rows(entries: Vec<OutboxEntry>) -> Vec<MailRow> {
    entries
        .into_iter()
        .map(|m| MailRow {
            id: m.id,
            kind: kind_label(&m.kind),
            to: m.to,
            subject: m.subject,
            created: swedish_time(m.created_at),
            state: match m.state.as_str() {
                "sent" => format!("skickat {}", m.sent_at.map(swedish_time).unwrap_or_default()),
                "failed" => format!("misslyckades ({} försök)", m.attempts),
                _ if m.attempts > 0 => format!("väntar på nytt försök ({} försök)", m.attempts),
                _ => "väntar".to_owned(),
            },
            error: m.last_error.unwrap_or_default(),
        })
        .collect()
}

/// What was typed into one of the page's two forms, and why it was refused.
enum Typed {
    Days(String, String),
    Deadline(String, String),
}

async fn page(state: &AppState, at: &RoundAt, typed: Option<Typed>) -> Result<MailingPage, AppError> {
    at.viewer.require(|a| a.is_rcc(), "se uppföljningens utskick")?;
    let (slug, year) = (at.slug(), at.year);
    let data = at.read(state, Shape::default()).await?;
    let round = round_in(&data, year)?;
    let rows = mail_rows(state.store.round_outbox(slug, year).await?);
    let days = state.store.reminder_days(slug, year).await?;
    // The reminders still to come, to the regions not yet submitted.
    let today = now().date();
    let waiting: Vec<String> = state
        .store
        .region_progress(slug, year)
        .await?
        .into_iter()
        .filter(|p| !matches!(p.work.state, RegionState::Submitted | RegionState::Accepted))
        .map(|p| p.work.region.to_string())
        .collect();
    let mut next = Vec::new();
    if let Some(deadline) = round.deadline {
        for d in &days {
            let day = deadline - time::Duration::days(*d);
            if day >= today {
                let what = match d {
                    d if *d < 0 => "försenad (regionen och RCC)".to_owned(),
                    0 => "påminnelse, sista dagen".to_owned(),
                    d => format!("påminnelse, {d} dagar före"),
                };
                let who = if waiting.is_empty() { "ingen: alla har skickat in".to_owned() } else { waiting.join(", ") };
                next.push((swedish_date(day), what, who));
            }
        }
    }
    let mut days_text = days.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    let mut deadline = round.deadline.map(uppfolj_domain::ids::format_date).unwrap_or_default();
    let (mut error, mut deadline_error) = (None, None);
    match typed {
        Some(Typed::Days(t, e)) => (days_text, error) = (t, Some(e)),
        Some(Typed::Deadline(t, e)) => (deadline, deadline_error) = (t, Some(e)),
        None => {}
    }
    Ok(MailingPage {
        nav: Nav::of(&at.viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}"), format!("{} – uppföljning {year}", data.plan.title)),
            crumb(format!("/planer/{slug}/{year}/utskick"), "Utskick"),
        ],
        base: format!("/planer/{slug}/{year}/utskick"),
        year,
        rows,
        days: days_text,
        error,
        deadline,
        deadline_error,
        next,
        open: at.status() == uppfolj_domain::RoundStatus::Open,
        smtp: std::env::var_os("UPPFOLJ_SMTP_URL").is_some(),
    })
}

pub async fn show(State(state): State<AppState>, at: RoundAt) -> Result<MailingPage, AppError> {
    page(&state, &at, None).await
}

#[derive(Deserialize)]
pub struct DaysForm {
    #[serde(default)]
    dagar: String,
}

pub async fn set_days(
    State(state): State<AppState>,
    at: RoundAt,
    Form(f): Form<DaysForm>,
) -> Result<Response, AppError> {
    let account = at.viewer.require(|a| a.is_rcc(), "ändra påminnelserna")?.clone();
    let parsed: Result<Vec<i64>, _> =
        f.dagar.split([',', ' ', ';']).map(str::trim).filter(|d| !d.is_empty()).map(str::parse::<i64>).collect();
    let refused = async |e: String| -> Result<Response, AppError> {
        let page = page(&state, &at, Some(Typed::Days(f.dagar.clone(), e))).await?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let days = match parsed {
        Ok(d) => d,
        Err(_) => {
            return refused("Skriv dagarna som heltal med komma emellan, till exempel 14, 3, 0, -1.".to_owned()).await;
        }
    };
    match state.store.set_reminder_days(at.slug(), at.year, &days, &Actor::user(&account, now())).await {
        Ok(()) => Ok(Redirect::to(&format!("/planer/{}/{}/utskick", at.slug(), at.year)).into_response()),
        Err(StoreError::Invalid(m)) => refused(capitalise(&m)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct DeadlineForm {
    #[serde(default)]
    sista: String,
}

/// Moves the deadline; the regions not yet submitted are told the new day by mail.
pub async fn set_deadline(
    State(state): State<AppState>,
    at: RoundAt,
    Form(f): Form<DeadlineForm>,
) -> Result<Response, AppError> {
    let account = at.viewer.require(|a| a.is_rcc(), "ändra sista dagen")?.clone();
    let refused = async |e: String| -> Result<Response, AppError> {
        let page = page(&state, &at, Some(Typed::Deadline(f.sista.clone(), e))).await?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let Ok(deadline) = uppfolj_domain::ids::parse_date(f.sista.trim()) else {
        return refused("Skriv sista dagen som ett datum, till exempel 2026-04-15.".to_owned()).await;
    };
    match state.store.set_deadline(at.slug(), at.year, deadline, &Actor::user(&account, now())).await {
        Ok(()) => Ok(Redirect::to(&format!("/planer/{}/{}/utskick", at.slug(), at.year)).into_response()),
        Err(StoreError::Invalid(m)) => refused(capitalise(&m)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn resend(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_plan, _year, id)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    at.viewer.require(|a| a.is_rcc(), "skicka ett utskick igen")?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound("Det finns inget sådant utskick.".to_owned()))?;
    state.store.resend(at.slug(), at.year, id, now()).await?;
    Ok(Redirect::to(&format!("/planer/{}/{}/utskick", at.slug(), at.year)).into_response())
}
