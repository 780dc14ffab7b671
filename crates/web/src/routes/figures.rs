//! Figures found in the comments of a round, for the RCC to confirm as indicator values or reject.
//! Nothing becomes data until someone confirms it.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uppfolj_domain::figures::{Proposal, propose};
use uppfolj_domain::ids::number;
use uppfolj_domain::{Dataset, GoalRef, Period, Scope, Slug};
use uppfolj_store::{Actor, FigureDecision, FigureInput};

use super::RoundAt;
use crate::auth::now;
use crate::views::{Crumb, Nav, crumb};
use crate::{AppError, AppState};
use uppfolj_store::{IndicatorsRead, Shape};

pub struct Row {
    pub anchor: String,
    pub goal: String,
    pub author: String,
    pub about: String,
    pub value: String,
    pub raw_value: String,
    pub unit: String,
    pub context: String,
    pub status: Option<String>,
    pub options: Vec<(String, String, bool)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "figures.html")]
pub struct FiguresPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    action: String,
    year: i32,
    rows: Vec<Row>,
    open: usize,
}

fn author_key(p: &Proposal) -> String {
    p.author.as_ref().map(ToString::to_string).unwrap_or_else(|| "RCC".to_owned())
}

fn status(data: &Dataset, p: &Proposal, decisions: &[FigureDecision]) -> Option<String> {
    if let Some(d) = decisions.iter().find(|d| {
        d.goal == p.goal
            && d.author == author_key(p)
            && d.scope == p.scope.notation()
            && (d.value - p.value).abs() < 1e-9
    }) {
        return Some(match (&d.indicator, &d.period) {
            (Some(i), Some(per)) if d.confirmed => format!("Bekräftad som {i} {per} av {}", d.decided_by),
            _ => format!("Avvisad av {}", d.decided_by),
        });
    }
    data.indicators
        .iter()
        .filter(|i| i.goals.contains(&p.goal))
        .flat_map(|i| i.values.iter().map(move |v| (i, v)))
        .find(|(_, v)| v.scope == p.scope && (v.value - p.value).abs() < 1e-9)
        .map(|(i, v)| format!("Finns redan som indikatorvärde: {} {}", i.slug, v.period))
}

pub async fn page(State(state): State<AppState>, at: RoundAt) -> Result<FiguresPage, AppError> {
    let RoundAt { year, viewer, .. } = &at;
    let year = *year;
    viewer.require(|a| a.is_rcc(), "bedöma siffror i kommentarerna")?;
    let data = at.read(&state, Shape { indicators: IndicatorsRead::Values, ..Shape::cells() }).await?;
    let round = data.round(year).ok_or_else(|| AppError::NotFound(format!("Ingen uppföljning för {year}.")))?;
    let slug = &data.plan.slug;
    let decisions = state.store.figure_decisions(slug, year).await?;
    let rows: Vec<Row> = propose(&data, round)
        .iter()
        .enumerate()
        .map(|(n, p)| {
            let linked = |i: &&uppfolj_domain::Indicator| i.goals.contains(&p.goal);
            let mut options: Vec<(String, String, bool)> = data
                .indicators
                .iter()
                .filter(linked)
                .map(|i| (i.slug.to_string(), format!("{} ({})", i.name, i.unit), true))
                .collect();
            options.extend(
                data.indicators
                    .iter()
                    .filter(|i| !linked(i))
                    .map(|i| (i.slug.to_string(), format!("{} ({})", i.name, i.unit), false)),
            );
            Row {
                anchor: format!("siffra-{}", n + 1),
                goal: p.goal.to_string(),
                author: author_key(p),
                about: match &p.scope {
                    Scope::Region(r) => r.to_string(),
                    Scope::HealthcareRegion => data.healthcare_region.name.clone(),
                    Scope::National => "Riket".to_owned(),
                },
                value: number(p.value),
                raw_value: p.value.to_string(),
                unit: p.unit.clone(),
                context: p.context.clone(),
                status: status(&data, p, &decisions),
                options,
            }
        })
        .collect();
    Ok(FiguresPage {
        nav: Nav::of(viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}/indikatorer"), format!("Indikatorer {year}")),
            crumb(format!("/planer/{slug}/{year}/siffror"), "Siffror i kommentarerna"),
        ],
        action: format!("/planer/{slug}/{year}/siffror"),
        year,
        open: rows.iter().filter(|r| r.status.is_none()).count(),
        rows,
    })
}

#[derive(Deserialize)]
pub struct Decision {
    goal: String,
    author: String,
    region: String,
    value: String,
    atgard: String,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    anchor: String,
}

pub async fn decide(
    State(state): State<AppState>,
    at: RoundAt,
    crate::extract::Form(f): crate::extract::Form<Decision>,
) -> Result<Response, AppError> {
    let RoundAt { year, viewer, .. } = &at;
    let year = *year;
    let account = viewer.require(|a| a.is_rcc(), "bedöma siffror i kommentarerna")?;
    let data = at.read(&state, Shape { indicators: IndicatorsRead::Values, ..Shape::cells() }).await?;
    let round = data.round(year).ok_or_else(|| AppError::NotFound(format!("Ingen uppföljning för {year}.")))?;
    let goal = GoalRef::parse(&f.goal).map_err(|e| AppError::Unprocessable(e.to_string()))?;
    let scope = Scope::parse(&f.region).map_err(|e| AppError::Unprocessable(e.to_string()))?;
    let value: f64 = f.value.parse().map_err(|_| AppError::Unprocessable(format!("\"{}\" är inget tal.", f.value)))?;
    // Only what the comments actually say can be decided on.
    let proposal = propose(&data, round)
        .into_iter()
        .find(|p| p.goal == goal && author_key(p) == f.author && p.scope == scope && (p.value - value).abs() < 1e-9)
        .ok_or_else(|| AppError::NotFound("Den siffran finns inte i uppföljningens kommentarer.".to_owned()))?;
    let confirm = match f.atgard.as_str() {
        "avvisa" => None,
        "bekrafta" => {
            let slug =
                Slug::parse(&f.indicator).map_err(|_| AppError::Unprocessable("Välj en indikator.".to_owned()))?;
            let period = Period::parse(&f.period)
                .map_err(|e| AppError::Unprocessable(crate::error::capitalise(&e.to_string())))?;
            Some((slug, period))
        }
        other => return Err(AppError::BadRequest(format!("Okänd åtgärd \"{other}\"."))),
    };
    let input = FigureInput { goal, author: author_key(&proposal), scope, value, confirm };
    let slug = data.plan.slug.clone();
    state.store.decide_figure(&slug, year, &input, &Actor::user(account, now())).await?;
    let anchor = if f.anchor.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') { f.anchor } else { String::new() };
    Ok(Redirect::to(&format!("/planer/{slug}/{year}/siffror#{anchor}")).into_response())
}
