//! The summary as the data supports it, beside the RCC's own narrative, with the places where they
//! disagree. Every derived statement links to the cells it rests on.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use uppfolj_domain::summary::{DerivedSummary, derive};
use uppfolj_domain::{Dataset, GoalRef, Level};

use super::{load_plan, parse_year};
use crate::auth::Viewer;
use crate::views::{Block, Crumb, LevelView, Nav, blocks, crumb, level_view};
use crate::{AppError, AppState};

pub struct GoalLink {
    pub id: String,
    pub href: String,
    pub text: String,
    pub note: Option<LevelView>,
    pub region: String,
}

pub struct WarningView {
    pub message: String,
    pub href: Option<String>,
    pub label: String,
}

pub struct NarrativeView {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Template, WebTemplate)]
#[template(path = "summary.html")]
pub struct SummaryPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    year: i32,
    warnings: Vec<WarningView>,
    everywhere: Vec<GoalLink>,
    all_but_one: Vec<GoalLink>,
    not_started: Vec<GoalLink>,
    missing: Vec<GoalLink>,
    areas: Vec<(String, usize, usize, String, bool)>,
    previous_year: Option<i32>,
    changes: Vec<(GoalLink, LevelView, LevelView)>,
    narrative: Vec<NarrativeView>,
}

fn link(data: &Dataset, slug: &str, year: i32, g: GoalRef) -> GoalLink {
    GoalLink {
        id: g.to_string(),
        href: format!("/planer/{slug}/{year}/omraden/{}#mal-{}-{}", g.area, g.area, g.goal),
        text: data.goal(g).map(|x| x.text.clone()).unwrap_or_default(),
        note: None,
        region: String::new(),
    }
}

pub fn build(data: &Dataset, year: i32, viewer: &Viewer, s: &DerivedSummary) -> SummaryPage {
    let slug = data.plan.slug.as_str();
    let part_names = |g: GoalRef| data.goal(g).and_then(|x| x.part_names.clone());
    let with_level = |g: GoalRef, region: String, level: Level| GoalLink {
        note: Some(level_view(level, part_names(g).as_ref())),
        region,
        ..link(data, slug, year, g)
    };
    SummaryPage {
        nav: Nav::of(viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}/granskning"), format!("Granskning {year}")),
            crumb(format!("/planer/{slug}/{year}/sammanfattning"), "Sammanfattning"),
        ],
        year,
        warnings: s
            .warnings
            .iter()
            .map(|w| WarningView {
                message: w.message.clone(),
                href: w.goal.map(|g| format!("/planer/{slug}/{year}/omraden/{}#mal-{}-{}", g.area, g.area, g.goal)),
                label: w.goal.map(|g| format!("Visa mål {g}")).unwrap_or_default(),
            })
            .collect(),
        everywhere: s.achieved_everywhere.iter().map(|g| link(data, slug, year, *g)).collect(),
        all_but_one: s.achieved_all_but_one.iter().map(|a| with_level(a.goal, a.region.to_string(), a.level)).collect(),
        not_started: s.not_started_anywhere.iter().map(|g| link(data, slug, year, *g)).collect(),
        missing: s
            .missing_levels
            .iter()
            .map(|m| GoalLink {
                region: m.regions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                ..link(data, slug, year, m.goal)
            })
            .collect(),
        areas: s
            .areas
            .iter()
            .map(|a| {
                (
                    format!("{}. {}", a.area, a.title),
                    a.achieved,
                    a.cells,
                    format!("{} %", (a.share * 100.0).round()),
                    s.furthest_area == Some(a.area),
                )
            })
            .collect(),
        previous_year: s.previous_year,
        changes: s
            .changes
            .iter()
            .map(|c| {
                (
                    GoalLink { region: c.region.to_string(), ..link(data, slug, year, c.goal) },
                    level_view(c.from, part_names(c.goal).as_ref()),
                    level_view(c.to, part_names(c.goal).as_ref()),
                )
            })
            .collect(),
        narrative: data
            .round(year)
            .map(|r| {
                r.summary
                    .iter()
                    .map(|x| NarrativeView { heading: x.heading.clone(), blocks: blocks(&x.text) })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, year)): Path<(String, String)>,
) -> Result<SummaryPage, AppError> {
    let data = load_plan(&state, &plan).await?;
    let year = parse_year(&data, &year)?;
    viewer.require(|a| a.is_rcc(), "se den härledda sammanfattningen och kontrollerna")?;
    let round = data.round(year).ok_or_else(|| AppError::NotFound(format!("Ingen uppföljning för {year}.")))?;
    let s = derive(&data, round);
    Ok(build(&data, year, &viewer, &s))
}
