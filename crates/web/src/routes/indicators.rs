//! The indicator values of a plan: the figures behind the goals, with targets and national references.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::extract::Path;
use uppfolj_domain::Scope;
use uppfolj_domain::ids::swedish_date;

use super::RoundAt;
use uppfolj_store::{IndicatorsRead, Shape};

/// What the indicator pages read: the definitions (for forms and checks), or with every value —
/// as they are now, also beside a published round (whose edition keeps what it showed).
fn definitions() -> Shape {
    Shape { indicators: IndicatorsRead::Definitions, live: true, ..Shape::default() }
}

fn values() -> Shape {
    Shape { indicators: IndicatorsRead::Values, live: true, ..Shape::default() }
}
use crate::auth::Viewer;
use crate::views::{Crumb, Nav, crumb};
use crate::{AppError, AppState};

pub struct ValueRow {
    pub scope: String,
    /// The scope and period as a form sends them back.
    pub scope_key: String,
    pub period_key: String,
    pub period: String,
    pub value: String,
    pub national: String,
    pub extracted: String,
    pub note: String,
}

pub struct IndicatorView {
    pub anchor: String,
    pub edit: String,
    pub remove_value: String,
    pub name: String,
    pub unit: String,
    pub description: String,
    pub target: Option<String>,
    pub direction: &'static str,
    pub source: String,
    pub goals: Vec<(String, String)>,
    pub rows: Vec<ValueRow>,
    /// Older periods not shown: the link that shows them, and how many values they hold.
    pub more: Option<MoreValues>,
}

pub struct MoreValues {
    pub href: String,
    pub hidden: usize,
}

/// How many of an indicator's latest periods its table shows unless all are asked for.
const PERIODS_SHOWN: usize = 3;

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
    at: RoundAt,
    crate::extract::Query(q): crate::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<IndicatorsPage, AppError> {
    at.require_whole()?;
    let data = at.read(&state, values()).await?;
    let RoundAt { year, viewer, .. } = at;
    let slug = &data.plan.slug;
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
    let all = q.get("alla").map(String::as_str);
    let indicators = data
        .indicators
        .iter()
        .map(|i| {
            let with_unit = |v: f64| uppfolj_domain::ids::with_unit(v, &i.unit);
            let national: std::collections::HashMap<_, _> =
                i.values.iter().filter(|v| v.scope == Scope::National).map(|v| (v.period, v.value)).collect();
            // The latest periods, unless this indicator's every value was asked for.
            let mut periods: Vec<_> = i.values.iter().map(|v| v.period).collect();
            periods.sort_unstable_by(|a, b| b.cmp(a));
            periods.dedup();
            let shown: Vec<_> = if all == Some(i.slug.as_str()) {
                periods.clone()
            } else {
                periods.iter().take(PERIODS_SHOWN).copied().collect()
            };
            let hidden = i.values.iter().filter(|v| !shown.contains(&v.period)).count();
            let target = match (i.target, i.target_date) {
                (Some(t), Some(d)) => Some(format!("{} senast {}", with_unit(t), swedish_date(d))),
                (Some(t), None) => Some(with_unit(t)),
                (None, Some(d)) => Some(format!("senast {}", swedish_date(d))),
                (None, None) => None,
            };
            IndicatorView {
                anchor: format!("indikator-{}", i.slug),
                edit: format!("/planer/{slug}/{year}/indikatorer/{}/andra", i.slug),
                remove_value: format!("/planer/{slug}/{year}/indikatorer/{}/varden/ta-bort", i.slug),
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
                more: (hidden > 0).then(|| MoreValues {
                    href: format!("/planer/{slug}/{year}/indikatorer?alla={}#indikator-{}", i.slug, i.slug),
                    hidden,
                }),
                rows: i
                    .values
                    .iter()
                    .filter(|v| shown.contains(&v.period))
                    .map(|v| ValueRow {
                        scope: region_name(&v.scope),
                        scope_key: v.scope.notation().to_owned(),
                        period_key: v.period.to_string(),
                        period: v.period.swedish(),
                        value: with_unit(v.value),
                        national: match v.scope {
                            Scope::National => String::new(),
                            _ => national.get(&v.period).copied().map(with_unit).unwrap_or_default(),
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
    let named = |key: &str| {
        q.get(key).and_then(|s| data.indicators.iter().find(|i| i.slug.as_str() == s)).map(|i| i.name.clone())
    };
    let message = match (q.get("sparat"), q.get("nya"), q.get("andrade")) {
        (Some(_), _, _) => Some("Värdet är sparat.".to_owned()),
        (_, Some(n), Some(c)) => Some(format!("Filen är inläst: {n} nya och {c} ändrade värden.")),
        _ => match (named("ny-indikator"), named("andrad"), q.get("borttagen")) {
            (Some(n), _, _) => Some(format!("Indikatorn \"{n}\" är tillagd. Lägg till dess värden nedan.")),
            (_, Some(n), _) => Some(format!("Ändringarna av indikatorn \"{n}\" är sparade.")),
            (_, _, Some(_)) => Some("Indikatorn är borttagen.".to_owned()),
            _ if q.contains_key("vardet-borttaget") => {
                Some("Värdet är borttaget; historiken på indikatorns sida visar vad det var.".to_owned())
            }
            _ => None,
        },
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
/// Checking is CPU work proportional to the file: it runs off the async workers.
async fn write_rows(
    state: &AppState,
    account: &uppfolj_domain::Account,
    data: &uppfolj_domain::Dataset,
    rows: Vec<Vec<String>>,
    name: &str,
) -> Result<(usize, usize), AppError> {
    let plan = data.plan.slug.clone();
    let data = data.clone();
    let checked = tokio::task::spawn_blocking(move || uppfolj_domain::indicator_import::parse_rows(&rows, &data))
        .await
        .map_err(|e| AppError::Internal(format!("kontrollen av raderna avbröts: {e}")))?;
    let inputs = checked.map_err(|errs| {
        AppError::Unprocessable(format!(
            "Ingenting sparades. {}",
            errs.summary(name, MAX_ERRORS_SHOWN).replace('\n', " · ")
        ))
    })?;
    Ok(state
        .store
        .import_indicator_values(&plan, &inputs, &uppfolj_store::Actor::user(account, crate::auth::now()))
        .await?)
}

/// How many of a file's problems a page lists; the rest are counted.
const MAX_ERRORS_SHOWN: usize = 50;

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
    at: RoundAt,
    crate::extract::Form(f): crate::extract::Form<ValueForm>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let RoundAt { year, viewer, .. } = &at;
    let year = *year;
    let account = viewer.require(|a| a.is_rcc(), "ändra indikatorvärden")?;
    let data = at.read(&state, definitions()).await?;
    let unit =
        data.indicators.iter().find(|i| i.slug.as_str() == f.indicator).map(|i| i.unit.clone()).unwrap_or_default();
    let header = ["indicator", "unit", "region", "period", "value", "extracted"].map(str::to_owned).to_vec();
    let row = vec![f.indicator, unit, f.region, f.period, f.value, f.extracted];
    write_rows(&state, account, &data, vec![header, row], "formuläret").await?;
    Ok(axum::response::Redirect::to(&format!("/planer/{}/{year}/indikatorer?sparat=1", data.plan.slug)).into_response())
}

/// A CSV or Excel file with the columns of `export indicators`.
pub async fn upload(
    State(state): State<AppState>,
    at: RoundAt,
    req: axum::extract::Request,
) -> Result<axum::response::Response, AppError> {
    use axum::extract::FromRequest;
    use axum::response::IntoResponse;
    let RoundAt { year, viewer, .. } = &at;
    let year = *year;
    // Who may, before reading what was sent.
    let account = viewer.require(|a| a.is_rcc(), "läsa in indikatorvärden")?;
    let data = at.read(&state, definitions()).await?;
    let mut form = axum::extract::Multipart::from_request(req, &state)
        .await
        .map_err(|_| AppError::BadRequest("Skicka filen med formuläret på indikatorsidan.".to_owned()))?;
    let max = uppfolj_domain::input::TABLE_LIMITS.max_bytes;
    let too_large = || {
        AppError::PayloadTooLarge(format!(
            "Filen är större än {}. Ingenting sparades; dela upp filen och läs in delarna var för sig.",
            uppfolj_domain::input::megabytes(max as u64)
        ))
    };
    let not_received = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            AppError::BadRequest("Filen kom inte fram. Försök igen.".to_owned())
        }
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut too_big = false;
    while let Some(mut field) = form.next_field().await.map_err(not_received)? {
        if field.name() == Some("fil") {
            let name = field.file_name().unwrap_or("fil.csv").to_owned();
            let mut bytes = Vec::new();
            // Past the limit the rest is read and thrown away, so that the browser gets the answer.
            while let Some(chunk) = field.chunk().await.map_err(not_received)? {
                if too_big || bytes.len() + chunk.len() > max {
                    too_big = true;
                    bytes = Vec::new();
                } else {
                    bytes.extend_from_slice(&chunk);
                }
            }
            file = Some((name, bytes));
        }
    }
    if too_big {
        return Err(too_large());
    }
    let (name, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| AppError::Unprocessable("Välj en fil att läsa in.".to_owned()))?;
    let rows = uppfolj_tables::read_off_thread(name.clone(), bytes).await.map_err(|e| match e {
        uppfolj_tables::TableError::Busy(m) => AppError::Unavailable(m),
        uppfolj_tables::TableError::Invalid(m) => AppError::Unprocessable(format!("Ingenting sparades. {m}")),
    })?;
    let (added, changed) = write_rows(&state, account, &data, rows, &name).await?;
    Ok(axum::response::Redirect::to(&format!(
        "/planer/{}/{year}/indikatorer?nya={added}&andrade={changed}",
        data.plan.slug
    ))
    .into_response())
}

/// One goal the indicator may measure, as a tick box.
pub struct GoalChoice {
    pub value: String,
    pub id: String,
    pub label: String,
    pub checked: bool,
}

/// The goals of one area, a fieldset of tick boxes.
pub struct AreaChoice {
    pub heading: String,
    /// Some goal of the area is ticked: the area starts open.
    pub open: bool,
    pub goals: Vec<GoalChoice>,
}

/// The form for an indicator's definition, new or changed, with the problems of the last try.
#[derive(Template, WebTemplate)]
#[template(path = "indicator_edit.html")]
pub struct DefinitionPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    title: String,
    action: String,
    delete_action: String,
    back: String,
    /// `None` for a new indicator.
    version: Option<i32>,
    form: uppfolj_domain::indicator_def::DefinitionForm,
    areas: Vec<AreaChoice>,
    errors: Vec<uppfolj_domain::indicator_def::FieldError>,
    /// Someone else saved in between: what is saved now.
    conflict: Option<String>,
    /// The indicator has no values and no decided figures, so it may be removed.
    removable: bool,
    history: Vec<super::history::EventRow>,
    pager: crate::views::Pager,
}

/// A page of an indicator's changes, with the links to the others.
async fn history_page(
    state: &AppState,
    plan: &uppfolj_domain::Slug,
    year: i32,
    indicator: &uppfolj_domain::Slug,
    page: uppfolj_store::Page,
) -> Result<(Vec<super::history::EventRow>, crate::views::Pager), AppError> {
    let paged = state.store.indicator_history(plan, indicator, page).await?;
    let base = format!("/planer/{plan}/{year}/indikatorer/{indicator}/andra");
    let pager = crate::views::Pager::of(&paged, &base, ("ändring", "ändringar"));
    Ok((super::history::rows(paged.items), pager))
}

impl DefinitionPage {
    /// The problem with a field, if any, for the template.
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

#[allow(clippy::too_many_arguments)]
fn definition_page(
    data: &uppfolj_domain::Dataset,
    year: i32,
    viewer: &Viewer,
    editing: Option<(&uppfolj_domain::Indicator, i32)>,
    form: uppfolj_domain::indicator_def::DefinitionForm,
    errors: Vec<uppfolj_domain::indicator_def::FieldError>,
    conflict: Option<String>,
    (history, pager): (Vec<super::history::EventRow>, crate::views::Pager),
) -> DefinitionPage {
    let slug = &data.plan.slug;
    let base = format!("/planer/{slug}/{year}/indikatorer");
    let areas = data
        .plan
        .areas
        .iter()
        .map(|a| AreaChoice {
            heading: format!("Område {} – {}", a.number, a.title),
            open: a.goals.iter().any(|g| form.goals.contains(&format!("{}.{}", a.number, g.number))),
            goals: a
                .goals
                .iter()
                .map(|g| {
                    let value = format!("{}.{}", a.number, g.number);
                    GoalChoice {
                        id: format!("mal-{}-{}", a.number, g.number),
                        label: format!("{value} {}", uppfolj_domain::text::first_words(&g.text, 12)),
                        checked: form.goals.contains(&value),
                        value,
                    }
                })
                .collect(),
        })
        .collect();
    let (title, action, version, removable) = match editing {
        Some((i, v)) => {
            (format!("Ändra indikatorn {}", i.name), format!("{base}/{}/andra", i.slug), Some(v), i.values.is_empty())
        }
        None => ("Ny indikator".to_owned(), format!("{base}/ny"), None, false),
    };
    DefinitionPage {
        nav: Nav::of(viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}"), format!("{} – uppföljning {year}", data.plan.title)),
            crumb(base.clone(), "Indikatorer"),
            crumb(action.clone(), title.clone()),
        ],
        back: match editing {
            Some((i, _)) => format!("{base}#indikator-{}", i.slug),
            None => base,
        },
        delete_action: action.replace("/andra", "/ta-bort"),
        title,
        action,
        version,
        form,
        areas,
        errors,
        conflict,
        removable,
        history,
        pager,
    }
}

/// The form for a new indicator: nothing to edit, no history yet.
fn new_definition_page(
    data: &uppfolj_domain::Dataset,
    year: i32,
    viewer: &Viewer,
    form: uppfolj_domain::indicator_def::DefinitionForm,
    errors: Vec<uppfolj_domain::indicator_def::FieldError>,
) -> DefinitionPage {
    definition_page(data, year, viewer, None, form, errors, None, (Vec::new(), crate::views::Pager::none()))
}

fn read_definition(form: &crate::views::FormMap) -> uppfolj_domain::indicator_def::DefinitionForm {
    use crate::views::form_value;
    let mut goals: Vec<String> = form.keys().filter_map(|k| k.strip_prefix("mal_")).map(str::to_owned).collect();
    goals.sort_by_key(|g| uppfolj_domain::GoalRef::parse(g).map(|r| (r.area, r.goal)).unwrap_or((u32::MAX, 0)));
    uppfolj_domain::indicator_def::DefinitionForm {
        slug: form_value(form, "slug").to_owned(),
        name: form_value(form, "name").to_owned(),
        unit: form_value(form, "unit").to_owned(),
        direction: form_value(form, "direction").to_owned(),
        target: form_value(form, "target").to_owned(),
        target_date: form_value(form, "target_date").to_owned(),
        source: form_value(form, "source").to_owned(),
        description: form_value(form, "description").to_owned(),
        goals,
    }
}

/// The indicator and the version of its definition.
async fn find_indicator<'a>(
    state: &AppState,
    data: &'a uppfolj_domain::Dataset,
    slug: &str,
) -> Result<(&'a uppfolj_domain::Indicator, i32), AppError> {
    let indicator = data
        .indicators
        .iter()
        .find(|i| i.slug.as_str() == slug)
        .ok_or_else(|| AppError::NotFound(format!("Planen har ingen indikator \"{slug}\".")))?;
    let version = state
        .store
        .indicator_versions(&data.plan.slug)
        .await?
        .into_iter()
        .find(|v| v.slug == indicator.slug)
        .map(|v| v.version)
        .ok_or_else(|| AppError::NotFound(format!("Planen har ingen indikator \"{slug}\".")))?;
    Ok((indicator, version))
}

pub async fn new_form(State(state): State<AppState>, at: RoundAt) -> Result<DefinitionPage, AppError> {
    let RoundAt { year, viewer, .. } = &at;
    let year = *year;
    viewer.require(|a| a.is_rcc(), "lägga till indikatorer")?;
    let data = at.read(&state, definitions()).await?;
    let form = uppfolj_domain::indicator_def::DefinitionForm { direction: "hogre".to_owned(), ..Default::default() };
    Ok(new_definition_page(&data, year, viewer, form, Vec::new()))
}

pub async fn create(
    State(state): State<AppState>,
    at: RoundAt,
    crate::extract::Form(posted): crate::extract::Form<crate::views::FormMap>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let RoundAt { year, viewer, .. } = &at;
    let year = *year;
    let account = viewer.require(|a| a.is_rcc(), "lägga till indikatorer")?;
    let data = at.read(&state, definitions()).await?;
    let form = read_definition(&posted);
    let def = match uppfolj_domain::indicator_def::check(&form, &data, None) {
        Ok(d) => d,
        Err(errors) => {
            let page = new_definition_page(&data, year, viewer, form, errors);
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let actor = uppfolj_store::Actor::user(account, crate::auth::now());
    match state.store.save_indicator(&data.plan.slug, &def, None, &actor).await {
        Ok(_) => Ok(axum::response::Redirect::to(&format!(
            "/planer/{}/{year}/indikatorer?ny-indikator={}#indikator-{}",
            data.plan.slug, def.slug, def.slug
        ))
        .into_response()),
        // Someone added the same short name in between: say so at the field.
        Err(uppfolj_store::StoreError::Conflict(m)) => {
            let errors = vec![uppfolj_domain::indicator_def::FieldError {
                field: "slug",
                label: "Kortnamn",
                message: format!("{}.", crate::error::capitalise(&m)),
            }];
            let page = new_definition_page(&data, year, viewer, form, errors);
            Ok((axum::http::StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, indicator)): Path<(String, String, String)>,
    crate::extract::Query(q): crate::extract::Query<super::history::PageQuery>,
) -> Result<DefinitionPage, AppError> {
    let page = crate::views::page_of(q.sida.as_deref(), crate::views::HISTORY_PAGE)?;
    let RoundAt { year, viewer, .. } = &at;
    let year = *year;
    viewer.require(|a| a.is_rcc(), "ändra indikatorer")?;
    let data = at.read(&state, values()).await?;
    let (i, version) = find_indicator(&state, &data, &indicator).await?;
    let history = history_page(&state, &data.plan.slug, year, &i.slug, page).await?;
    let form = uppfolj_domain::indicator_def::DefinitionForm::of(i);
    Ok(definition_page(&data, year, viewer, Some((i, version)), form, Vec::new(), None, history))
}

pub async fn edit_save(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, indicator)): Path<(String, String, String)>,
    crate::extract::Form(posted): crate::extract::Form<crate::views::FormMap>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let RoundAt { year, viewer, .. } = &at;
    let year = *year;
    let account = viewer.require(|a| a.is_rcc(), "ändra indikatorer")?;
    let data = at.read(&state, values()).await?;
    let (i, _) = find_indicator(&state, &data, &indicator).await?;
    // The version the form was read at: kept through a second try, so that a change made meanwhile
    // is still noticed.
    let expected = crate::views::version_field(&posted, "version")?;
    let slug = &data.plan.slug;
    let first = uppfolj_store::Page::first(crate::views::HISTORY_PAGE);
    let history = || history_page(&state, slug, year, &i.slug, first);
    let form = read_definition(&posted);
    let def = match uppfolj_domain::indicator_def::check(&form, &data, Some(i)) {
        Ok(d) => d,
        Err(errors) => {
            let page = definition_page(&data, year, viewer, Some((i, expected)), form, errors, None, history().await?);
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let actor = uppfolj_store::Actor::user(account, crate::auth::now());
    match state.store.save_indicator(slug, &def, Some(expected), &actor).await {
        Ok(_) => Ok(axum::response::Redirect::to(&format!(
            "/planer/{slug}/{year}/indikatorer?andrad={indicator}#indikator-{indicator}"
        ))
        .into_response()),
        Err(e @ uppfolj_store::StoreError::Stale(_)) => {
            let current = match &e {
                uppfolj_store::StoreError::Stale(c) => c.first().map(|c| c.current).unwrap_or(expected),
                _ => expected,
            };
            // Show what is saved now beside what this person wrote; saving again replaces it knowingly.
            // `i` was read in this request, so it is what is saved now.
            let saved = uppfolj_domain::indicator_def::changes(i, &def)
                .into_iter()
                .map(|(what, now, _)| format!("{what}: {}", if now.is_empty() { "(tomt)".to_owned() } else { now }))
                .collect::<Vec<_>>()
                .join("; ");
            let message = format!(
                "Någon annan ändrade indikatorn medan du skrev. Det som är sparat nu, där det skiljer sig från ditt: {}. \
                 Dina ändringar står kvar i formuläret; spara igen för att ersätta det sparade, eller gå tillbaka utan att spara.",
                if saved.is_empty() { "inget".to_owned() } else { saved }
            );
            let page = definition_page(
                &data,
                year,
                viewer,
                Some((i, current)),
                form,
                Vec::new(),
                Some(message),
                history().await?,
            );
            Ok((axum::http::StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, indicator)): Path<(String, String, String)>,
    crate::extract::Form(posted): crate::extract::Form<crate::views::FormMap>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let RoundAt { year, viewer, .. } = &at;
    let year = *year;
    let account = viewer.require(|a| a.is_rcc(), "ta bort indikatorer")?;
    let data = at.read(&state, definitions()).await?;
    let (i, _) = find_indicator(&state, &data, &indicator).await?;
    let expected = crate::views::version_field(&posted, "version")?;
    let actor = uppfolj_store::Actor::user(account, crate::auth::now());
    state.store.delete_indicator(&data.plan.slug, &i.slug, expected, &actor).await?;
    Ok(axum::response::Redirect::to(&format!("/planer/{}/{year}/indikatorer?borttagen=1", data.plan.slug))
        .into_response())
}

/// Removes one value recorded by mistake; the history keeps what it was.
pub async fn remove_value(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, indicator)): Path<(String, String, String)>,
    crate::extract::Form(posted): crate::extract::Form<crate::views::FormMap>,
) -> Result<axum::response::Response, AppError> {
    use crate::views::form_value;
    use axum::response::IntoResponse;
    let RoundAt { year, viewer, .. } = &at;
    let year = *year;
    let account = viewer.require(|a| a.is_rcc(), "ta bort indikatorvärden")?;
    let data = at.read(&state, definitions()).await?;
    let (i, _) = find_indicator(&state, &data, &indicator).await?;
    let scope = uppfolj_domain::Scope::parse(form_value(&posted, "region"))
        .map_err(|e| AppError::Unprocessable(format!("Region: {e}.")))?;
    let period = uppfolj_domain::Period::parse(form_value(&posted, "period"))
        .map_err(|e| AppError::Unprocessable(format!("Period: {e}.")))?;
    let actor = uppfolj_store::Actor::user(account, crate::auth::now());
    state.store.delete_indicator_value(&data.plan.slug, &i.slug, &scope, &period, &actor).await?;
    Ok(axum::response::Redirect::to(&format!(
        "/planer/{}/{year}/indikatorer?vardet-borttaget=1#indikator-{indicator}",
        data.plan.slug
    ))
    .into_response())
}
