//! The start page, the plan overview and the area pages.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use uppfolj_domain::ids::swedish_date;

use uppfolj_domain::{Category, Classification, Dataset, PlanStatus, Role, Round, RoundStatus, Slug};
use uppfolj_store::{IndicatorsRead, Shape};

use super::{RoundAt, load_outline, readable, round_in};
use crate::auth::Viewer;
use crate::views::{Block, COUNT_CATEGORIES, Crumb, LevelView, Nav, blocks, crumb, level_view, paragraphs};
use crate::{AppError, AppState};

pub struct PlanItem {
    pub href: String,
    pub title: String,
    pub healthcare_region: String,
    pub years: String,
    /// "Utkast" or "Avslutad"; empty for an adopted plan.
    pub status: String,
}

/// Something the signed-in user has to do.
pub struct Task {
    pub href: String,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "index.html")]
pub struct IndexPage {
    nav: Nav,
    plans: Vec<PlanItem>,
    tasks: Vec<Task>,
    may_write_plans: bool,
}

pub async fn index(State(state): State<AppState>, viewer: Viewer) -> Result<IndexPage, AppError> {
    let mut plans = Vec::new();
    let mut tasks = Vec::new();
    let may_write_plans = viewer.account.as_ref().is_some_and(|a| a.is_rcc());
    for p in state.store.plans().await? {
        // Each plan as the account may act on it: at home in its healthcare region, a reader elsewhere.
        let account = viewer.account.as_ref().map(|a| a.within(&p.healthcare_region_code));
        let rcc = account.as_ref().is_some_and(|a| a.is_rcc());
        if p.status == PlanStatus::Draft && !rcc {
            continue;
        }
        let years: Vec<String> = p
            .years
            .iter()
            .filter(|(_, s)| *s == RoundStatus::Published || rcc)
            .map(|(y, s)| if *s == RoundStatus::Open { format!("{y} (pågår)") } else { y.to_string() })
            .collect();
        if let Some(a) = &account {
            for (year, _) in p.years.iter().filter(|(_, s)| *s == RoundStatus::Open) {
                match (a.role, &a.region, &a.process) {
                    (Role::Region, Some(r), _) => tasks.push(Task {
                        href: format!("/planer/{}/{year}/regioner/{r}", p.slug),
                        label: format!("Fyll i {r}s uppföljning {year} av {}", p.title),
                    }),
                    (Role::Process, _, Some(pr)) => tasks.push(Task {
                        href: format!("/planer/{}/{year}/processer/{pr}/redigera", p.slug),
                        label: format!("Följ upp vårdprocessen {pr} för {year}"),
                    }),
                    (Role::Admin | Role::Rcc, _, _) => tasks.push(Task {
                        href: format!("/planer/{}/{year}/granskning", p.slug),
                        label: format!("Granska uppföljningen {year} av {}", p.title),
                    }),
                    _ => {}
                }
            }
            if let (Role::Region, Some(r)) = (a.role, &a.region) {
                tasks.push(Task {
                    href: format!("/planer/{}/handlingsplaner/{r}", p.slug),
                    label: format!("{r}s lokala handlingsplan för {}", p.title),
                });
            }
        }
        plans.push(PlanItem {
            href: format!("/planer/{}", p.slug),
            title: p.title,
            healthcare_region: p.healthcare_region,
            years: years.join(", "),
            status: if p.status == PlanStatus::Adopted { String::new() } else { p.status.label().to_owned() },
        });
    }
    Ok(IndexPage { nav: Nav::of(&viewer), plans, tasks, may_write_plans })
}

/// `/planer/{plan}` shows the latest round the visitor may read.
pub async fn overview_latest(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
) -> Result<Response, AppError> {
    let missing = || AppError::NotFound(format!("Det finns ingen plan med kortnamnet \"{plan}\"."));
    let slug = Slug::parse(&plan).map_err(|_| missing())?;
    let rounds = state.store.rounds_of(&slug).await.map_err(|_| missing())?;
    match readable(&viewer, &rounds).last() {
        Some(year) => Ok(Redirect::to(&format!("/planer/{slug}/{year}")).into_response()),
        None => {
            let data = load_outline(&state, &plan, &viewer).await?;
            Ok(OverviewPage::build(&data, None, &viewer, None, &[]).into_response())
        }
    }
}

pub struct CountRow {
    pub code: String,
    pub name: String,
    pub counts: Vec<usize>,
    pub total: usize,
}

pub struct AreaItem {
    pub number: u32,
    pub title: String,
    pub href: String,
    pub goals: usize,
    pub achieved: usize,
    pub cells: usize,
}

pub struct YearLink {
    pub year: i32,
    pub href: String,
    pub current: bool,
}

pub struct ProcessItem {
    pub href: String,
    pub name: String,
    pub restricted: bool,
}

pub struct SummaryView {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Template, WebTemplate)]
#[template(path = "overview.html")]
pub struct OverviewPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    slug: String,
    rcc_tools: bool,
    /// The plan's status in words, and what the RCC may do with it now.
    plan_status: String,
    may_adopt: bool,
    may_open_rounds: bool,
    may_close: bool,
    as_of: Option<String>,
    title: String,
    healthcare_region: String,
    rcc: String,
    adopted: String,
    period: String,
    years: Vec<YearLink>,
    round: Option<RoundInfo>,
    categories: Vec<&'static str>,
    counts: Vec<CountRow>,
    goal_total: usize,
    areas: Vec<AreaItem>,
    processes: Vec<ProcessItem>,
    indicators_href: String,
    indicator_count: usize,
    introduction: Vec<String>,
    summary: Vec<SummaryView>,
    /// A published round's editions, newest first.
    editions: Vec<EditionView>,
}

/// One edition of a published round as its page lists it.
pub struct EditionView {
    pub number: u32,
    pub published: String,
    pub by: String,
    /// The PDF's SHA-256, once typeset.
    pub sha256: Option<String>,
    /// When it was replaced, and why (the round reopened).
    pub replaced: Option<String>,
    /// What the next edition changed (for every edition but the newest).
    pub changes: Vec<String>,
    pub current: bool,
}

pub struct RoundInfo {
    pub year: i32,
    pub conducted: String,
    pub is_final: bool,
    pub open: bool,
    pub deadline: String,
}

impl OverviewPage {
    fn build(
        data: &Dataset,
        round: Option<&Round>,
        viewer: &Viewer,
        as_of: Option<String>,
        years: &[i32],
    ) -> OverviewPage {
        let slug = &data.plan.slug;
        let goal_total = data.goals().count();
        let counts = match round {
            Some(r) => data
                .healthcare_region
                .regions
                .iter()
                .map(|reg| {
                    let c = r.counts(data, &reg.code, None);
                    CountRow {
                        code: reg.code.to_string(),
                        name: reg.name.clone(),
                        counts: COUNT_CATEGORIES.iter().map(|cat| c.get(*cat)).collect(),
                        total: goal_total,
                    }
                })
                .collect(),
            None => Vec::new(),
        };
        let areas = data
            .plan
            .areas
            .iter()
            .map(|a| {
                let (achieved, cells) = match round {
                    Some(r) => data.region_codes().fold((0, 0), |(u, n), code| {
                        let c = r.counts(data, code, Some(a.number));
                        (u + c.get(Category::Achieved), n + a.goals.len())
                    }),
                    None => (0, 0),
                };
                AreaItem {
                    number: a.number,
                    title: a.title.clone(),
                    href: round.map(|r| format!("/planer/{slug}/{}/omraden/{}", r.year, a.number)).unwrap_or_default(),
                    goals: a.goals.len(),
                    achieved,
                    cells,
                }
            })
            .collect();
        let processes = match round {
            Some(r) => data
                .process_followups
                .iter()
                .filter(|f| f.year == r.year)
                .map(|f| ProcessItem {
                    href: format!("/planer/{slug}/{}/processer/{}", r.year, f.process),
                    name: data.process(f.process.as_str()).map(|p| p.name.clone()).unwrap_or_else(|| f.title.clone()),
                    restricted: f.classification == Classification::Restricted,
                })
                .collect(),
            None => Vec::new(),
        };
        let mut crumbs = vec![crumb("/", "Start")];
        crumbs.push(crumb(format!("/planer/{slug}"), data.plan.title.clone()));
        OverviewPage {
            nav: Nav::of(viewer),
            crumbs,
            slug: slug.to_string(),
            rcc_tools: viewer.account.as_ref().is_some_and(|a| a.is_rcc()),
            plan_status: data.plan.status.label().to_owned(),
            may_adopt: data.plan.status == PlanStatus::Draft,
            may_open_rounds: data.plan.status == PlanStatus::Adopted,
            // Offered on the final round's overview once it is published; the store checks the rest.
            may_close: data.plan.status == PlanStatus::Adopted
                && round.is_some_and(|r| r.is_final && r.status == RoundStatus::Published),
            as_of,
            title: data.plan.title.clone(),
            healthcare_region: data.healthcare_region.name.clone(),
            rcc: format!("{}, {}", data.healthcare_region.rcc, data.healthcare_region.rcc_location),
            adopted: format!(
                "{} den {}",
                data.plan.adopted_by,
                uppfolj_domain::ids::swedish_date(data.plan.adopted_on)
            ),
            period: format!("{}–{}", data.plan.start_year, data.plan.end_year),
            years: years
                .iter()
                .map(|y| YearLink {
                    year: *y,
                    href: format!("/planer/{slug}/{y}"),
                    current: round.is_some_and(|x| x.year == *y),
                })
                .collect(),
            round: round.map(|r| RoundInfo {
                year: r.year,
                conducted: r.conducted.swedish(),
                is_final: r.is_final,
                open: r.status == RoundStatus::Open,
                deadline: r.deadline.map(swedish_date).unwrap_or_default(),
            }),
            categories: COUNT_CATEGORIES.iter().map(|c| c.label()).collect(),
            counts,
            goal_total,
            areas,
            processes,
            indicators_href: round.map(|r| format!("/planer/{slug}/{}/indikatorer", r.year)).unwrap_or_default(),
            indicator_count: data.indicators.len(),
            introduction: round.map(|r| paragraphs(&r.introduction)).unwrap_or_default(),
            summary: round
                .map(|r| {
                    r.summary
                        .iter()
                        .map(|s| SummaryView { heading: s.heading.clone(), blocks: blocks(&s.text) })
                        .collect()
                })
                .unwrap_or_default(),
            editions: Vec::new(),
        }
    }
}

#[derive(Deserialize)]
pub struct AsOf {
    /// `?per=2025-05-01` (end of that day) or `?per=2025-05-01T14:30` (UTC): the round as it stood then.
    per: Option<String>,
}

/// The round as `shape` says, as it was at the end of the day named by `?per=` (for RCC staff),
/// otherwise as it is now.
async fn read_as_of(
    state: &AppState,
    at: &RoundAt,
    shape: Shape,
    q: &AsOf,
) -> Result<(Arc<Dataset>, Option<String>), AppError> {
    let Some(per) = q.per.as_deref().map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok((at.read(state, shape).await?, None));
    };
    at.viewer.require(|a| a.is_rcc(), "se en uppföljning som den var vid ett tidigare datum")?;
    let moment = uppfolj_domain::ids::Moment::parse(per)
        .map_err(|e| AppError::BadRequest(crate::error::capitalise(&e.to_string())))?;
    let past = state.store.dataset_as_of(at.slug(), at.year, moment.at, &shape).await?;
    Ok((Arc::new(past), Some(moment.label())))
}

pub async fn overview(
    State(state): State<AppState>,
    at: RoundAt,
    Query(q): Query<AsOf>,
) -> Result<OverviewPage, AppError> {
    at.require_whole()?;
    let shape = Shape { narrative: true, processes: true, indicators: IndicatorsRead::Definitions, ..Shape::levels() };
    let (data, as_of) = read_as_of(&state, &at, shape, &q).await?;
    let mut page = OverviewPage::build(&data, Some(round_in(&data, at.year)?), &at.viewer, as_of, &at.readable_years());
    if at.status() == uppfolj_domain::RoundStatus::Published {
        page.editions = editions(&state, at.slug(), at.year).await?;
    }
    Ok(page)
}

/// A published round's editions, newest first, each with what the next one changed.
async fn editions(state: &AppState, plan: &Slug, year: i32) -> Result<Vec<EditionView>, AppError> {
    let list = state.store.editions(plan, year).await?;
    let mut views = Vec::with_capacity(list.len());
    let mut later: Option<uppfolj_domain::Dataset> = None;
    for e in list.iter().rev() {
        // What changed needs the editions themselves: read only when there is more than one.
        let data = if list.len() > 1 { state.store.edition(plan, year, e.number).await?.map(|(_, d)| d) } else { None };
        let changes = match (&data, &later) {
            (Some(this), Some(next)) => uppfolj_domain::edition::changes(this, next, year),
            _ => Vec::new(),
        };
        views.push(EditionView {
            number: e.number,
            published: uppfolj_domain::ids::swedish_time(e.published_at),
            by: e.published_by.clone(),
            sha256: e.pdf_sha256.clone(),
            replaced: e.replaced_at.map(|at| {
                let why = e.replaced_because.as_deref().filter(|w| !w.is_empty()).unwrap_or("inget skäl angivet");
                format!("{}: {why}", uppfolj_domain::ids::swedish_time(at))
            }),
            changes,
            current: views.is_empty(),
        });
        later = data;
    }
    Ok(views)
}

pub struct CommentView {
    pub author: String,
    pub paragraphs: Vec<String>,
    pub rcc: bool,
}

pub struct GoalRow {
    pub id: String,
    pub anchor: String,
    pub text: String,
    pub targets: Vec<String>,
    pub levels: Vec<LevelView>,
    pub comments: Vec<CommentView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "area.html")]
pub struct AreaPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    slug: String,
    rcc_tools: bool,
    as_of: Option<String>,
    plan_title: String,
    year: i32,
    number: u32,
    title: String,
    regions: Vec<(String, String)>,
    rows: Vec<GoalRow>,
    prev: Option<(String, String)>,
    next: Option<(String, String)>,
}

pub async fn area(
    State(state): State<AppState>,
    at: RoundAt,
    Path((_, _, area)): Path<(String, String, String)>,
    Query(q): Query<AsOf>,
) -> Result<AreaPage, AppError> {
    at.require_whole()?;
    let no_area = || AppError::NotFound(format!("Planen har inget område \"{area}\"."));
    let number = area.parse::<u32>().map_err(|_| no_area())?;
    let (data, as_of) = match read_as_of(&state, &at, Shape::cells().area(number), &q).await {
        Err(AppError::NotFound(_)) => return Err(no_area()),
        other => other?,
    };
    let (year, viewer) = (at.year, &at.viewer);
    let round = round_in(&data, year)?;
    let slug = &data.plan.slug;
    let a = data.plan.areas.iter().find(|a| a.number == number).ok_or_else(no_area)?;
    let rcc = data.healthcare_region.rcc.clone();
    let rows = a
        .goals
        .iter()
        .map(|g| {
            let r = uppfolj_domain::GoalRef::new(a.number, g.number);
            let f = round.followup(r);
            let mut comments: Vec<CommentView> = data
                .healthcare_region
                .regions
                .iter()
                .filter_map(|reg| {
                    f.and_then(|f| f.report_comment(&reg.code)).map(|c| CommentView {
                        author: reg.code.to_string(),
                        paragraphs: paragraphs(c),
                        rcc: false,
                    })
                })
                .collect();
            if let Some(c) = f.and_then(|f| f.rcc_comment.as_deref()) {
                comments.push(CommentView { author: rcc.clone(), paragraphs: paragraphs(c), rcc: true });
            }
            GoalRow {
                id: r.to_string(),
                anchor: format!("mal-{}-{}", r.area, r.goal),
                text: g.text.clone(),
                targets: g.targets.clone(),
                levels: data
                    .region_codes()
                    .map(|code| level_view(round.level(r, code), g.part_names.as_ref()))
                    .collect(),
                comments,
            }
        })
        .collect();
    let link = |n: u32| {
        data.plan
            .areas
            .iter()
            .find(|x| x.number == n)
            .map(|x| (format!("/planer/{slug}/{year}/omraden/{n}"), format!("{n}. {}", x.title)))
    };
    Ok(AreaPage {
        nav: Nav::of(viewer),
        slug: slug.to_string(),
        rcc_tools: viewer.account.as_ref().is_some_and(|a| a.is_rcc()),
        as_of,
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}"), format!("{} – uppföljning {year}", data.plan.title)),
            crumb(format!("/planer/{slug}/{year}/omraden/{}", a.number), format!("{}. {}", a.number, a.title)),
        ],
        plan_title: data.plan.title.clone(),
        year,
        number: a.number,
        title: a.title.clone(),
        regions: data.healthcare_region.regions.iter().map(|r| (r.code.to_string(), r.name.clone())).collect(),
        rows,
        prev: a.number.checked_sub(1).and_then(link),
        next: link(a.number + 1),
    })
}
