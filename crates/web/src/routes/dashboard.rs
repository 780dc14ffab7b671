//! The dashboard of a round: the level heatmap, the distribution of levels per area and region, the
//! indicators furthest from their targets, a chart per indicator and, with more than one round, the
//! trend and the goals that moved. Every chart is SVG drawn on the server, with its numbers as a table.

use askama::Template;
use askama_web::WebTemplate;

use uppfolj_domain::analysis;
use uppfolj_reports::charts;

use axum::extract::State;
use uppfolj_store::{IndicatorsRead, Previous, Shape};

use super::{RoundAt, round_in};
use crate::views::{COUNT_CATEGORIES, Crumb, LevelView, Nav, crumb, level_view};
use crate::{AppError, AppState};
use std::sync::Arc;

pub struct IndicatorChart {
    pub name: String,
    pub svg: String,
    pub rows: Vec<(String, String)>,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    year: i32,
    /// [`DashboardContent`], rendered.
    content: Arc<String>,
}

/// Everything of the dashboard but who is looking: rendered once per revision of the round.
#[derive(Template)]
#[template(path = "dashboard_content.html")]
pub struct DashboardContent {
    year: i32,
    regions: Vec<String>,
    heatmap: String,
    matrix: Vec<(String, Vec<LevelView>)>,
    distribution: String,
    categories: Vec<&'static str>,
    counts: Vec<(String, String, Vec<usize>)>,
    furthest: Vec<(String, String, String, String, String)>,
    indicators: Vec<IndicatorChart>,
    trend: Option<String>,
    /// The trend's numbers: (region, year, count per category).
    trend_counts: Vec<(String, i32, Vec<usize>)>,
    moved_chart: Option<String>,
    moved: Vec<(String, String, LevelView, LevelView)>,
    previous_year: Option<i32>,
    /// Which years come from the plan before, and what of them is counted.
    across: Option<String>,
}

pub async fn page(State(state): State<AppState>, at: RoundAt) -> Result<DashboardPage, AppError> {
    at.require_whole()?;
    let render = async {
        let shape = Shape {
            previous: Previous::Published,
            trend: true,
            across_plans: true,
            indicators: IndicatorsRead::Values,
            ..Shape::levels()
        };
        let data = at.read(&state, shape).await?;
        let content = build(&data, at.year)?;
        let html = content.render().map_err(|e| AppError::Internal(format!("diagramsidan: {e}")))?;
        Ok((data.plan.title.clone(), html))
    };
    let (title, content) = state.cache.fragment(&at.meta, "diagram", render).await?;
    let (slug, year) = (at.slug(), at.year);
    Ok(DashboardPage {
        nav: Nav::of(&at.viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}"), format!("{title} – uppföljning {year}")),
            crumb(format!("/planer/{slug}/{year}/diagram"), "Diagram"),
        ],
        year,
        content,
    })
}

/// The dashboard's content from a read of the round.
fn build(data: &uppfolj_domain::Dataset, year: i32) -> Result<DashboardContent, AppError> {
    let round = round_in(data, year)?;
    let slug = &data.plan.slug;
    let shown = analysis::trend(data, round);
    let goal_count = data.goals().count();
    let previous = analysis::previous_round(data, round);
    let unit = uppfolj_domain::ids::with_unit;
    Ok(DashboardContent {
        year,
        regions: data.region_codes().map(ToString::to_string).collect(),
        heatmap: charts::heatmap(data, round).svg,
        matrix: data
            .goals()
            .map(|(g, goal)| {
                (
                    g.to_string(),
                    data.region_codes().map(|r| level_view(round.level(g, r), goal.part_names.as_ref())).collect(),
                )
            })
            .collect(),
        distribution: charts::distribution(data, round).svg,
        categories: COUNT_CATEGORIES.iter().map(|c| c.label()).collect(),
        counts: data
            .plan
            .areas
            .iter()
            .flat_map(|a| {
                let data = &data;
                data.region_codes().map(move |r| {
                    let c = round.counts(data, r, Some(a.number));
                    (
                        format!("{}. {}", a.number, a.title),
                        r.to_string(),
                        COUNT_CATEGORIES.iter().map(|k| c.get(*k)).collect(),
                    )
                })
            })
            .collect(),
        furthest: analysis::furthest_from_target(data)
            .into_iter()
            .take(8)
            .map(|g| {
                let (value, target) = (unit(g.value, &g.unit), unit(g.target, &g.unit));
                (g.indicator, g.region.to_string(), value, target, format!("{} %", (g.gap * 100.0).round()))
            })
            .collect(),
        indicators: data
            .indicators
            .iter()
            .filter_map(|i| {
                let svg = charts::indicator_bars(data, i)?.svg;
                let period = analysis::latest_period(i)?;
                let mut rows: Vec<(String, String)> = i
                    .values
                    .iter()
                    .filter(|v| v.period == period)
                    .map(|v| {
                        let who = match &v.scope {
                            uppfolj_domain::Scope::Region(r) => r.to_string(),
                            uppfolj_domain::Scope::HealthcareRegion => data.healthcare_region.name.clone(),
                            uppfolj_domain::Scope::National => "Riket".to_owned(),
                        };
                        (who, unit(v.value, &i.unit))
                    })
                    .collect();
                if let Some(t) = i.target {
                    rows.push(("Mål".to_owned(), unit(t, &i.unit)));
                }
                Some(IndicatorChart {
                    name: format!("{} ({})", i.name, period.swedish()),
                    svg,
                    rows,
                    href: format!("/planer/{slug}/{year}/indikatorer#indikator-{}", i.slug),
                })
            })
            .collect(),
        trend: charts::trend(data, round).map(|c| c.svg),
        trend_counts: if shown.len() < 2 {
            Vec::new()
        } else {
            let data = &data;
            let shown = &shown;
            data.region_codes()
                .flat_map(|r| {
                    shown.iter().map(move |round| {
                        let c = round.region(r, goal_count);
                        (r.to_string(), round.year, COUNT_CATEGORIES.iter().map(|k| c.get(*k)).collect())
                    })
                })
                .collect()
        },
        moved_chart: previous.and_then(|p| charts::moved_chart(data, p, round)).map(|c| c.svg),
        moved: previous
            .map(|p| {
                analysis::moved(data, p, round)
                    .into_iter()
                    .map(|analysis::Move { goal: g, region: r, from: a, to: b }| {
                        let names = data.goal(g).and_then(|x| x.part_names.clone());
                        (g.to_string(), r.to_string(), level_view(a, names.as_ref()), level_view(b, names.as_ref()))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        previous_year: previous.map(|p| p.year),
        across: data.plan.predecessor.as_ref().and_then(|before| {
            let start = data.plan.start_year;
            let years: Vec<String> = shown.iter().filter(|t| t.year < start).map(|t| t.year.to_string()).collect();
            (!years.is_empty()).then(|| {
                format!(
                    "{} kommer från planen före ({before}) och räknar bara de mål som fortsätter i den här planen \
                     (fortsätter eller delas; ett mål som slogs ihop av flera har ingen nivå före). Nya mål \
                     räknas från {start}.",
                    years.join(", ")
                )
            })
        }),
    })
}
