//! The indicator values of a plan: the figures behind the goals, with targets and national references.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use uppfolj_domain::Scope;
use uppfolj_domain::ids::swedish_date;

use super::{check_readable, load_plan, parse_year};
use crate::auth::Viewer;
use crate::views::{Crumb, Nav, crumb, number};
use crate::{AppError, AppState};

pub struct ValueRow {
    pub scope: String,
    pub period: String,
    pub value: String,
    pub national: String,
    pub extracted: String,
    pub note: String,
}

pub struct IndicatorView {
    pub anchor: String,
    pub name: String,
    pub unit: String,
    pub description: String,
    pub target: Option<String>,
    pub direction: &'static str,
    pub source: String,
    pub goals: Vec<(String, String)>,
    pub rows: Vec<ValueRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "indicators.html")]
pub struct IndicatorsPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    plan_title: String,
    year: i32,
    indicators: Vec<IndicatorView>,
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, year)): Path<(String, String)>,
) -> Result<IndicatorsPage, AppError> {
    let data = load_plan(&state, &plan).await?;
    let year = parse_year(&data, &year)?;
    if let Some(r) = data.round(year) {
        check_readable(&viewer, r)?;
    }
    let slug = data.plan.slug.as_str();
    let region_name = |s: &Scope| match s {
        Scope::Region(c) => data
            .healthcare_region
            .regions
            .iter()
            .find(|r| &r.code == c)
            .map(|r| format!("{} ({c})", r.name))
            .unwrap_or_else(|| c.to_string()),
        Scope::HealthcareRegion => data.healthcare_region.name.clone(),
        Scope::National => "Riket".to_owned(),
    };
    let indicators = data
        .indicators
        .iter()
        .map(|i| {
            let with_unit =
                |v: f64| if i.unit == "%" { format!("{} %", number(v)) } else { format!("{} {}", number(v), i.unit) };
            let target = match (i.target, i.target_date) {
                (Some(t), Some(d)) => Some(format!("{} senast {}", with_unit(t), swedish_date(d))),
                (Some(t), None) => Some(with_unit(t)),
                (None, Some(d)) => Some(format!("senast {}", swedish_date(d))),
                (None, None) => None,
            };
            IndicatorView {
                anchor: format!("indikator-{}", i.slug),
                name: i.name.clone(),
                unit: i.unit.clone(),
                description: i.description.clone(),
                target,
                direction: if i.higher_is_better { "Högre värde är bättre" } else { "Lägre värde är bättre" },
                source: i.source.clone(),
                goals: i
                    .goals
                    .iter()
                    .map(|g| {
                        (format!("/planer/{slug}/{year}/omraden/{}#mal-{}-{}", g.area, g.area, g.goal), g.to_string())
                    })
                    .collect(),
                rows: i
                    .values
                    .iter()
                    .map(|v| ValueRow {
                        scope: region_name(&v.scope),
                        period: v.period.swedish(),
                        value: with_unit(v.value),
                        national: match v.scope {
                            Scope::National => String::new(),
                            _ => i.national(&v.period).map(with_unit).unwrap_or_default(),
                        },
                        extracted: v.extracted.map(swedish_date).unwrap_or_default(),
                        note: v.note.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(IndicatorsPage {
        nav: Nav::of(&viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}"), format!("{} – uppföljning {year}", data.plan.title)),
            crumb(format!("/planer/{slug}/{year}/indikatorer"), "Indikatorer"),
        ],
        plan_title: data.plan.title.clone(),
        year,
        indicators,
    })
}
