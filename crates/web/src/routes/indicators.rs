//! The indicator values of a plan: the figures behind the goals, with targets and national references.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use uppfolj_domain::Scope;
use uppfolj_domain::ids::swedish_date;

use super::{check_readable, load_plan, parse_year};
use crate::auth::Viewer;
use crate::views::{Crumb, Nav, crumb};
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
    rcc: bool,
    base: String,
    message: Option<String>,
    choices: Vec<(String, String)>,
    regions: Vec<(String, String)>,
    plan_title: String,
    year: i32,
    indicators: Vec<IndicatorView>,
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, year)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
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
            let with_unit = |v: f64| uppfolj_domain::ids::with_unit(v, &i.unit);
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
    let mut regions: Vec<(String, String)> = data
        .healthcare_region
        .regions
        .iter()
        .map(|r| (r.code.to_string(), format!("{} ({})", r.name, r.code)))
        .collect();
    regions.push((String::new(), data.healthcare_region.name.clone()));
    regions.push(("riket".to_owned(), "Riket".to_owned()));
    let message = match (q.get("sparat"), q.get("nya"), q.get("andrade")) {
        (Some(_), _, _) => Some("Värdet är sparat.".to_owned()),
        (_, Some(n), Some(c)) => Some(format!("Filen är inläst: {n} nya och {c} ändrade värden.")),
        _ => None,
    };
    Ok(IndicatorsPage {
        nav: Nav::of(&viewer),
        rcc: viewer.account.as_ref().is_some_and(|a| a.is_rcc()),
        base: format!("/planer/{slug}/{year}/indikatorer"),
        message,
        choices: data.indicators.iter().map(|i| (i.slug.to_string(), format!("{} ({})", i.name, i.unit))).collect(),
        regions,
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

/// Writes checked rows of indicator values, or answers 422 naming each problem by row and column.
async fn write_rows(
    state: &AppState,
    account: &uppfolj_domain::Account,
    data: &uppfolj_domain::Dataset,
    rows: &[Vec<String>],
    name: &str,
) -> Result<(usize, usize), AppError> {
    let inputs = uppfolj_domain::indicator_import::parse_rows(rows, data).map_err(|errs| {
        AppError::Unprocessable(format!("Ingenting sparades. {}", errs.with_file(name).replace('\n', " · ")))
    })?;
    Ok(state
        .store
        .import_indicator_values(
            data.plan.slug.as_str(),
            &inputs,
            &uppfolj_store::Actor::user(account, crate::auth::now()),
        )
        .await?)
}

#[derive(serde::Deserialize)]
pub struct ValueForm {
    indicator: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    extracted: String,
}

/// Adds or changes one value, through the same checks as a file.
pub async fn save_value(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, year)): Path<(String, String)>,
    axum::Form(f): axum::Form<ValueForm>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let data = load_plan(&state, &plan).await?;
    let year = parse_year(&data, &year)?;
    let account = viewer.require(|a| a.is_rcc(), "ändra indikatorvärden")?;
    let unit =
        data.indicators.iter().find(|i| i.slug.as_str() == f.indicator).map(|i| i.unit.clone()).unwrap_or_default();
    let header = ["indicator", "unit", "region", "period", "value", "extracted"].map(str::to_owned).to_vec();
    let row = vec![f.indicator, unit, f.region, f.period, f.value, f.extracted];
    write_rows(&state, account, &data, &[header, row], "formuläret").await?;
    Ok(axum::response::Redirect::to(&format!("/planer/{}/{year}/indikatorer?sparat=1", data.plan.slug)).into_response())
}

/// A CSV or Excel file with the columns of `export indicators`.
pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, year)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Result<axum::response::Response, AppError> {
    use axum::extract::FromRequest;
    use axum::response::IntoResponse;
    let data = load_plan(&state, &plan).await?;
    let year = parse_year(&data, &year)?;
    // Who may, before reading what was sent.
    let account = viewer.require(|a| a.is_rcc(), "läsa in indikatorvärden")?;
    let mut form = axum::extract::Multipart::from_request(req, &state)
        .await
        .map_err(|_| AppError::BadRequest("Skicka filen med formuläret på indikatorsidan.".to_owned()))?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) =
        form.next_field().await.map_err(|e| AppError::BadRequest(format!("Filen kom inte fram: {e}")))?
    {
        if field.name() == Some("fil") {
            let name = field.file_name().unwrap_or("fil.csv").to_owned();
            let bytes = field.bytes().await.map_err(|e| AppError::BadRequest(format!("Filen kom inte fram: {e}")))?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let (name, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| AppError::Unprocessable("Välj en fil att läsa in.".to_owned()))?;
    let rows =
        crate::tables::rows(&name, &bytes).map_err(|e| AppError::Unprocessable(format!("Ingenting sparades. {e}")))?;
    let (added, changed) = write_rows(&state, account, &data, &rows, &name).await?;
    Ok(axum::response::Redirect::to(&format!(
        "/planer/{}/{year}/indikatorer?nya={added}&andrade={changed}",
        data.plan.slug
    ))
    .into_response())
}
