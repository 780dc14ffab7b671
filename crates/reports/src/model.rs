//! The compiled report as data: what every output format shows, in the order the report shows it.
//! Built once from a [`Dataset`] and a round; HTML, PDF, DOCX and XLSX all render this.

use serde::Serialize;
use uppfolj_domain::analysis;
use uppfolj_domain::ids::{format_date, swedish_date, with_unit};
use uppfolj_domain::summary::{DerivedSummary, derive};
use uppfolj_domain::text::{Block, blocks, paragraphs};
use uppfolj_domain::{Dataset, GoalRef, Grade, Level, RoundStatus, Scope};

use crate::ReportError;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub title: String,
    pub plan_title: String,
    pub plan_slug: String,
    pub healthcare_region: String,
    pub rcc: String,
    pub year: i32,
    /// When the follow-up was made, in Swedish ("april 2025").
    pub conducted: String,
    pub is_final: bool,
    pub published: bool,
    pub classification: String,
    pub adopted: String,
    pub regions: Vec<RegionHead>,
    /// More regions than a comments column beside the levels can hold on a page (the report of a
    /// healthcare region has 4; the nation's 21): the paged formats put each goal's comments below
    /// the table of levels instead of in a column of it.
    pub comments_below: bool,
    pub introduction: Vec<String>,
    pub legend: Vec<LegendItem>,
    pub summary: Vec<SummarySection>,
    pub areas: Vec<ReportArea>,
    /// The derived overview: per area the share of U.
    pub overview: Vec<AreaOverview>,
    /// The charts, as SVG, with their text alternatives.
    pub charts: Vec<Chart>,
    /// Every indicator value of the plan, with its numbers as numbers (for the spreadsheet).
    pub values: Vec<ValueRow>,
    #[serde(skip)]
    pub derived: DerivedSummary,
}

/// The most regions whose comments still fit in a column beside their levels.
const COMMENTS_BESIDE_AT_MOST: usize = 6;

/// One indicator value, as the spreadsheet's indicator sheet lists it.
#[derive(Clone, Debug, Serialize)]
pub struct ValueRow {
    pub indicator: String,
    pub unit: String,
    /// A region code, empty for the whole healthcare region, `riket` for the national reference.
    pub scope: String,
    pub period: String,
    pub value: f64,
    pub target: Option<f64>,
    pub target_date: Option<String>,
    /// The national reference for the same period, where there is one (not for the reference itself).
    pub national: Option<f64>,
    pub source: String,
    pub extracted: Option<String>,
    /// The goals the indicator measures: "1.1, 3.3".
    pub goals: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Chart {
    pub title: String,
    /// What the chart shows, in words: the alternative text.
    pub alt: String,
    pub svg: String,
    /// The width to print it at, in centimetres: its drawn size, so that a chart of one bar is not
    /// blown up to a page (at most the text width).
    pub width_cm: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RegionHead {
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LegendItem {
    pub letter: String,
    pub label: String,
    pub colour: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SummarySection {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AreaOverview {
    pub area: u32,
    pub title: String,
    pub achieved: usize,
    pub cells: usize,
    pub percent: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReportArea {
    pub number: u32,
    pub title: String,
    pub rows: Vec<ReportRow>,
    pub indicators: Vec<ReportIndicator>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReportRow {
    pub id: String,
    pub text: String,
    pub targets: Vec<String>,
    /// One per region, in plan order.
    pub levels: Vec<LevelCell>,
    pub comments: Vec<ReportComment>,
}

/// A level as letters with colours, and in words.
#[derive(Clone, Debug, Serialize)]
pub struct LevelCell {
    pub notation: String,
    pub parts: Vec<LevelPart>,
    pub description: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LevelPart {
    pub letter: String,
    pub colour: String,
    pub text_colour: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReportComment {
    /// "RJH" … or the RCC's name.
    pub author: String,
    pub text: String,
    pub rcc: bool,
    /// The RCC condensed the region's own comment.
    pub condensed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReportIndicator {
    pub name: String,
    pub unit: String,
    pub target: String,
    pub source: String,
    pub goals: String,
    pub values: Vec<ReportValue>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReportValue {
    pub scope: String,
    pub period: String,
    pub value: String,
    pub national: String,
    pub extracted: String,
}

/// The colours of the levels: background and text, both meeting WCAG AA contrast.
pub fn colours(g: Grade) -> (&'static str, &'static str) {
    match g {
        Grade::Achieved => ("#1d6b36", "#ffffff"),
        Grade::InProgress => ("#f6c344", "#1b1b1b"),
        Grade::NotStarted => ("#a8201a", "#ffffff"),
    }
}

pub fn level_cell(level: Level, part_names: Option<&[String; 2]>) -> LevelCell {
    let part = |m: uppfolj_domain::Mark| {
        let (bg, fg) = colours(m.grade);
        LevelPart { letter: m.to_string(), colour: bg.to_owned(), text_colour: fg.to_owned() }
    };
    let parts = match level {
        Level::Single(m) => vec![part(m)],
        Level::Split(a, b) => vec![part(a), part(b)],
        Level::Blank => Vec::new(),
        Level::NotApplicable => {
            vec![LevelPart {
                letter: "–".to_owned(), colour: "#ffffff".to_owned(), text_colour: "#4a4a4a".to_owned()
            }]
        }
    };
    LevelCell { notation: level.to_string(), parts, description: level.describe(part_names) }
}

/// Builds the report of one round.
pub fn build(data: &Dataset, year: i32) -> Result<Report, ReportError> {
    let round = data
        .round(year)
        .ok_or_else(|| ReportError::NotFound(format!("planen {} har ingen uppföljning för {year}", data.plan.slug)))?;
    let hr = &data.healthcare_region;
    let regions: Vec<RegionHead> =
        hr.regions.iter().map(|r| RegionHead { code: r.code.to_string(), name: r.name.clone() }).collect();
    let region_name = |s: &Scope| match s {
        Scope::Region(c) => c.to_string(),
        Scope::HealthcareRegion => hr.name.clone(),
        Scope::National => "Riket".to_owned(),
    };
    let areas = data
        .plan
        .areas
        .iter()
        .map(|a| {
            let rows = a
                .goals
                .iter()
                .map(|g| {
                    let r = GoalRef::new(a.number, g.number);
                    let f = round.followup(r);
                    let mut comments: Vec<ReportComment> = hr
                        .regions
                        .iter()
                        .filter_map(|reg| {
                            let f = f?;
                            f.report_comment(&reg.code).map(|t| ReportComment {
                                author: reg.code.to_string(),
                                text: paragraphs(t).join("\n"),
                                rcc: false,
                                condensed: f.condensed.contains_key(&reg.code),
                            })
                        })
                        .collect();
                    if let Some(t) = f.and_then(|f| f.rcc_comment.as_deref()) {
                        comments.push(ReportComment {
                            author: hr.rcc.clone(),
                            text: paragraphs(t).join("\n"),
                            rcc: true,
                            condensed: false,
                        });
                    }
                    ReportRow {
                        id: r.to_string(),
                        text: g.text.clone(),
                        targets: g.targets.clone(),
                        levels: hr
                            .regions
                            .iter()
                            .map(|reg| level_cell(round.level(r, &reg.code), g.part_names.as_ref()))
                            .collect(),
                        comments,
                    }
                })
                .collect();
            let indicators = data
                .indicators
                .iter()
                .filter(|i| i.goals.iter().any(|g| g.area == a.number))
                .map(|i| ReportIndicator {
                    name: i.name.clone(),
                    unit: i.unit.clone(),
                    target: match (i.target, i.target_date) {
                        (Some(t), Some(d)) => format!("{} senast {}", with_unit(t, &i.unit), swedish_date(d)),
                        (Some(t), None) => with_unit(t, &i.unit),
                        (None, Some(d)) => format!("senast {}", swedish_date(d)),
                        (None, None) => String::new(),
                    },
                    source: i.source.clone(),
                    goals: i.goals.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                    values: i
                        .values
                        .iter()
                        .map(|v| ReportValue {
                            scope: region_name(&v.scope),
                            period: v.period.swedish(),
                            value: with_unit(v.value, &i.unit),
                            national: match v.scope {
                                Scope::National => String::new(),
                                _ => i.national(&v.period).map(|n| with_unit(n, &i.unit)).unwrap_or_default(),
                            },
                            extracted: v.extracted.map(format_date).unwrap_or_default(),
                        })
                        .collect(),
                })
                .collect();
            ReportArea { number: a.number, title: a.title.clone(), rows, indicators }
        })
        .collect();
    let derived = derive(data, round);
    let mut charts = Vec::new();
    let mut chart = |title: String, drawn: crate::charts::Svg| {
        charts.push(Chart { alt: drawn.desc, width_cm: drawn.width_cm, title, svg: drawn.svg });
    };
    chart("Nivåer per mål och region".to_owned(), crate::charts::heatmap(data, round));
    chart("Nivåernas fördelning per område och region".to_owned(), crate::charts::distribution(data, round));
    for i in &data.indicators {
        if let (Some(drawn), Some(p)) = (crate::charts::indicator_bars(data, i), analysis::latest_period(i)) {
            chart(format!("{} ({})", i.name, p.swedish()), drawn);
        }
    }
    if let Some(drawn) = crate::charts::trend(data, round) {
        chart("Nivåernas fördelning per region och år".to_owned(), drawn);
    }
    if let Some(previous) = analysis::previous_round(data, round)
        && let Some(drawn) = crate::charts::moved_chart(data, previous, round)
    {
        chart(format!("Mål som bytt nivå sedan {}", previous.year), drawn);
    }
    let overview = derived
        .areas
        .iter()
        .map(|a| AreaOverview {
            area: a.area,
            title: a.title.clone(),
            achieved: a.achieved,
            cells: a.cells,
            percent: format!("{} %", (a.share * 100.0).round()),
        })
        .collect();
    Ok(Report {
        title: format!("Uppföljning {year} av {}", data.plan.title),
        plan_title: data.plan.title.clone(),
        plan_slug: data.plan.slug.to_string(),
        healthcare_region: hr.name.clone(),
        rcc: format!("{}, {}", hr.rcc, hr.rcc_location),
        year,
        conducted: round.conducted.swedish(),
        is_final: round.is_final,
        published: round.status == RoundStatus::Published,
        classification: "Öppen".to_owned(),
        adopted: format!("Fastställd av {} den {}", data.plan.adopted_by, swedish_date(data.plan.adopted_on)),
        comments_below: regions.len() > COMMENTS_BESIDE_AT_MOST,
        regions,
        introduction: paragraphs(&round.introduction),
        legend: Grade::ALL
            .iter()
            .map(|g| {
                let (bg, _) = colours(*g);
                LegendItem { letter: g.letter().to_string(), label: g.label().to_owned(), colour: bg.to_owned() }
            })
            .collect(),
        summary: round
            .summary
            .iter()
            .map(|s| SummarySection { heading: s.heading.clone(), blocks: blocks(&s.text) })
            .collect(),
        areas,
        overview,
        charts,
        values: value_rows(data),
        derived,
    })
}

fn value_rows(data: &Dataset) -> Vec<ValueRow> {
    let mut out = Vec::new();
    for i in &data.indicators {
        for v in &i.values {
            out.push(ValueRow {
                indicator: i.name.clone(),
                unit: i.unit.clone(),
                scope: v.scope.notation().to_owned(),
                period: v.period.to_string(),
                value: v.value,
                target: i.target,
                target_date: i.target_date.map(format_date),
                national: match v.scope {
                    Scope::National => None,
                    _ => i.national(&v.period),
                },
                source: i.source.clone(),
                extracted: v.extracted.map(format_date),
                goals: i.goals.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            });
        }
    }
    out
}
