//! The data file: the TOML format of the demo data, of `import` and of `export data`
//! (described for people in `docs/dataformat.md`).
//!
//! Reading is two steps: TOML → the `File*` structs below (syntax, field names and types), then
//! validation into a [`Dataset`] (meaning: levels, dates, references). Both steps report every problem
//! with its line where the file has one and a path of fields, so a person can find it.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::ids::{GoalRef, Period, RegionCode, Slug, format_date, parse_date};
use crate::input::{MAX_DATA_FILE_BYTES, TextKind, megabytes};
use crate::level::Level;
use crate::model::*;
use crate::workflow::{PlanStatus, RegionState, RoundStatus};

mod checker;
mod errors;
mod lineage;
mod write;

use checker::*;
pub use errors::{DataError, DataErrors};
pub use lineage::check_lineage;
pub use write::to_toml;

/// The newest version of the format: this code reads 1 and 2, and writes 2 only for a plan whose
/// goals continue a predecessor's (`predecessor`, `continues`, `link`: version 2's additions).
pub const FORMAT_VERSION: u32 = 2;

type S<T> = Spanned<T>;

fn sp<T>(v: T) -> S<T> {
    Spanned::new(0..0, v)
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileData {
    format: S<u32>,
    healthcare_region: FileHealthcareRegion,
    region: Vec<FileRegion>,
    plan: FilePlan,
    #[serde(default)]
    area: Vec<FileArea>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    round: Vec<FileRound>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    process: Vec<FileProcess>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    process_followup: Vec<FileProcessFollowUp>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    indicator: Vec<FileIndicator>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileHealthcareRegion {
    code: S<String>,
    name: String,
    federation: String,
    rcc: String,
    rcc_location: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileRegion {
    code: S<String>,
    name: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FilePlan {
    slug: S<String>,
    title: String,
    start_year: S<i32>,
    end_year: i32,
    adopted_by: String,
    adopted_on: S<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    predecessor: Option<S<String>>,
    /// `draft`, `adopted` (the default) or `closed`; from format 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<S<String>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileArea {
    number: S<u32>,
    title: String,
    #[serde(default)]
    goal: Vec<FileGoal>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileGoal {
    number: S<u32>,
    text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    targets: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    part_names: Option<S<Vec<String>>>,
    /// Goal references of the predecessor plan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    continues: Vec<S<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    link: Option<S<String>>,
    /// The first year the goal is no longer followed up (*utgått*).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retired: Option<S<i32>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileRound {
    year: S<i32>,
    conducted: S<String>,
    #[serde(default)]
    r#final: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<S<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deadline: Option<S<String>>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    states: IndexMap<String, S<String>>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    introduction: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    summary: Vec<FileSummary>,
    #[serde(default)]
    goal: Vec<FileGoalFollowUp>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileSummary {
    heading: String,
    text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claims: Option<FileClaims>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileClaims {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    achieved_everywhere: Vec<S<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    achieved_all_but_one: Vec<S<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    far_along: Vec<S<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    furthest_area: Option<S<u32>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    figures: Vec<FileFigure>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileFigure {
    indicator: S<String>,
    region: S<String>,
    period: S<String>,
    value: f64,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileGoalFollowUp {
    goal: S<String>,
    #[serde(default)]
    levels: IndexMap<String, S<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rcc_comment: Option<String>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    comments: IndexMap<String, S<String>>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    condensed: IndexMap<String, S<String>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FilePerson {
    name: String,
    title: String,
    organisation: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileProcess {
    slug: S<String>,
    name: String,
    leader: FilePerson,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileProcessFollowUp {
    process: S<String>,
    year: S<i32>,
    title: String,
    classification: S<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    plan_goals: Vec<S<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signed_on: Option<S<String>>,
    #[serde(default)]
    comments: String,
    #[serde(default)]
    long_term: Vec<String>,
    #[serde(default)]
    level_structuring: String,
    #[serde(default)]
    patient_involvement: String,
    #[serde(default)]
    other: String,
    #[serde(default)]
    goal: Vec<FileProcessGoal>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileProcessGoal {
    text: String,
    #[serde(default)]
    current_state: String,
    #[serde(default)]
    target_levels: Vec<String>,
    #[serde(default)]
    target_date: String,
    #[serde(default)]
    followup: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileIndicator {
    slug: S<String>,
    name: String,
    unit: String,
    #[serde(default = "yes")]
    higher_is_better: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target_date: Option<S<String>>,
    #[serde(default)]
    source: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(default)]
    goals: Vec<S<String>>,
    #[serde(default)]
    value: Vec<FileIndicatorValue>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileIndicatorValue {
    region: S<String>,
    period: S<String>,
    value: S<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    extracted: Option<S<String>>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    note: String,
}

/// Collects problems with their lines while validating.
/// Reads and validates a data file.
pub fn parse(src: &str) -> Result<Dataset, DataErrors> {
    parse_as(src, false)
}

/// Reads back a file Uppfölj wrote from what it stores (an edition): as [`parse`], but every text
/// is taken as written and there is no limit on the file's size.
pub fn parse_stored(src: &str) -> Result<Dataset, DataErrors> {
    parse_as(src, true)
}

fn parse_as(src: &str, stored: bool) -> Result<Dataset, DataErrors> {
    if !stored && src.len() > MAX_DATA_FILE_BYTES {
        return Err(DataErrors(vec![DataError {
            line: None,
            path: String::new(),
            message: format!(
                "filen är {} stor; en datafil får vara högst {}: dela upp den, en plan per fil",
                megabytes(src.len() as u64),
                megabytes(MAX_DATA_FILE_BYTES as u64)
            ),
        }]));
    }
    let file: FileData = toml::from_str(src).map_err(|e| {
        let line = e.span().and_then(|s| src.get(..s.start)).map(|p| p.matches('\n').count() + 1);
        DataErrors(vec![DataError { line, path: String::new(), message: swedish_toml_error(e.message()) }])
    })?;
    let mut c = Checker { src, line_starts: std::cell::OnceCell::new(), errors: Vec::new(), stored };
    let data = validate(file, &mut c);
    match data {
        Some(d) if c.errors.is_empty() => Ok(d),
        _ => {
            if c.errors.is_empty() {
                c.err_nowhere("", "filen kunde inte läsas");
            }
            Err(DataErrors(c.errors))
        }
    }
}

fn swedish_toml_error(msg: &str) -> String {
    let msg = msg.trim();
    if let Some(rest) = msg.strip_prefix("missing field ") {
        return format!("fältet {rest} saknas");
    }
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let field = rest.split(',').next().unwrap_or(rest);
        return format!("okänt fält {field} (se docs/dataformat.md för de fält som finns)");
    }
    format!("filen är inte giltig TOML: {msg}")
}

fn validate(f: FileData, c: &mut Checker<'_>) -> Option<Dataset> {
    let version = *f.format.get_ref();
    if !(1..=FORMAT_VERSION).contains(&version) {
        c.err(
            &f.format,
            "format",
            format!("formatversion {version} stöds inte; den här versionen läser format = 1 och 2"),
        );
    }

    // Healthcare region and regions.
    let hr_code = Slug::parse(f.healthcare_region.code.get_ref())
        .map_err(|e| c.err(&f.healthcare_region.code, "sjukvårdsregion › code", e.to_string()))
        .ok();
    let hr_at = f.healthcare_region.code.span().start;
    let hr_name = c.text(TextKind::Line, &f.healthcare_region.name, "sjukvårdsregion › name", hr_at);
    let hr_federation = c.text(TextKind::Line, &f.healthcare_region.federation, "sjukvårdsregion › federation", hr_at);
    let hr_rcc = c.text(TextKind::Line, &f.healthcare_region.rcc, "sjukvårdsregion › rcc", hr_at);
    let hr_location =
        c.text(TextKind::Line, &f.healthcare_region.rcc_location, "sjukvårdsregion › rcc_location", hr_at);
    let mut regions = Vec::new();
    let mut seen = BTreeSet::new();
    for r in &f.region {
        match RegionCode::parse(r.code.get_ref()) {
            Ok(code) => {
                if !seen.insert(code.clone()) {
                    c.err(&r.code, format!("region {code}"), "regionkoden finns redan tidigare i filen");
                }
                let name = c.text(TextKind::Line, &r.name, &format!("region {code} › name"), r.code.span().start);
                regions.push(Region { code, name });
            }
            Err(e) => c.err(&r.code, "region › code", e.to_string()),
        }
    }
    if f.region.is_empty() {
        c.err_nowhere("region", "filen måste ange minst en region ([[region]])");
    }

    // Plan, areas, goals.
    let slug = Slug::parse(f.plan.slug.get_ref()).map_err(|e| c.err(&f.plan.slug, "plan › slug", e.to_string())).ok();
    let adopted_on = c.date(&f.plan.adopted_on, "plan › adopted_on");
    let plan_at = f.plan.slug.span().start;
    let plan_title = c.text(TextKind::Line, &f.plan.title, "plan › title", plan_at);
    let adopted_by = c.text(TextKind::Line, &f.plan.adopted_by, "plan › adopted_by", plan_at);
    if *f.plan.start_year.get_ref() > f.plan.end_year {
        c.err(&f.plan.start_year, "plan", "start_year är senare än end_year");
    }
    let predecessor = lineage::predecessor(c, &f.plan, slug.as_ref(), version);
    let plan_status = lineage::status(c, &f.plan, version, !f.round.is_empty());
    let mut areas = Vec::new();
    let mut known_goals = BTreeSet::new();
    // The last year a goal can be retired from: the period's, or a last round's after it.
    let last_year = f.round.iter().map(|r| *r.year.get_ref()).fold(f.plan.end_year, i32::max);
    let mut retired: BTreeMap<GoalRef, i32> = BTreeMap::new();
    for (i, a) in f.area.iter().enumerate() {
        let want = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let n = *a.number.get_ref();
        if n != want {
            c.err(&a.number, format!("område {n}"), format!("områdena ska numreras i ordning: här väntades {want}"));
        }
        let mut goals = Vec::new();
        for (j, g) in a.goal.iter().enumerate() {
            let want_goal = u32::try_from(j + 1).unwrap_or(u32::MAX);
            let gn = *g.number.get_ref();
            let path = format!("område {n} › mål {n}.{gn}");
            if gn != want_goal {
                c.err(&g.number, &path, format!("målen ska numreras i ordning inom området: här väntades {want_goal}"));
            }
            if g.text.trim().is_empty() {
                c.err(&g.number, &path, "målet saknar text");
            }
            let at = g.number.span().start;
            let text = c.text(TextKind::Comment, &g.text, &format!("{path} › text"), at);
            let targets = c.texts(TextKind::Comment, &g.targets, &format!("{path} › targets"), at);
            let part_names = match &g.part_names {
                None => None,
                Some(p) => match p.get_ref().as_slice() {
                    [a, b] => {
                        let names_path = format!("{path} › part_names");
                        Some([c.text(TextKind::Line, a, &names_path, at), c.text(TextKind::Line, b, &names_path, at)])
                    }
                    _ => {
                        c.err(p, format!("{path} › part_names"), "part_names ska ha exakt två namn");
                        None
                    }
                },
            };
            let lineage = lineage::of_goal(c, g, &path, version);
            let retired_from = lineage::retired(c, g, &path, version, (*f.plan.start_year.get_ref(), last_year));
            known_goals.insert(GoalRef::new(n, gn));
            if let Some(y) = retired_from {
                retired.insert(GoalRef::new(n, gn), y);
            }
            goals.push(Goal { number: gn, text, targets, part_names, lineage, retired_from });
        }
        let title = c.text(TextKind::Line, &a.title, &format!("område {n} › title"), a.number.span().start);
        areas.push(Area { number: n, title, goals });
    }

    // Rounds.
    let indicator_slugs: BTreeSet<String> = f.indicator.iter().map(|i| i.slug.get_ref().clone()).collect();
    let mut rounds = Vec::new();
    let mut years = BTreeSet::new();
    for r in &f.round {
        let year = *r.year.get_ref();
        let rpath = format!("omgång {year}");
        if !years.insert(year) {
            c.err(&r.year, &rpath, "det finns redan en omgång för det året");
        }
        let conducted =
            match Period::parse(r.conducted.get_ref()) {
                Ok(p @ (Period::Month(..) | Period::Day(_))) => Some(p),
                Ok(_) | Err(_) => {
                    c.err(&r.conducted, format!("{rpath} › conducted"), format!(
                    "\"{}\" är inget giltigt datum för när uppföljningen gjordes: skriv ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD",
                    r.conducted.get_ref()
                ));
                    None
                }
            };
        let mut goals: BTreeMap<GoalRef, GoalFollowUp> = BTreeMap::new();
        for g in &r.goal {
            let gpath = format!("{rpath} › mål {}", g.goal.get_ref());
            let Some(goal) = c.goal_ref(&g.goal, &gpath, &known_goals) else { continue };
            if goals.contains_key(&goal) {
                c.err(&g.goal, &gpath, "målet finns redan tidigare i omgången");
                continue;
            }
            if let Some(from) = retired.get(&goal).filter(|from| year >= **from) {
                c.err(&g.goal, &gpath, format!("målet har utgått från {from} och följs inte upp {year}"));
                continue;
            }
            let mut levels = BTreeMap::new();
            for (code, text) in &g.levels {
                let path = format!("{gpath} › nivå för {code}");
                let Some(code) = known_region(c, &seen, code, text, &path) else { continue };
                match Level::parse(text.get_ref()) {
                    Ok(Level::Blank) => {}
                    Ok(level) => {
                        levels.insert(code, level);
                    }
                    Err(e) => c.err(text, &path, e.to_string()),
                }
            }
            let comments = region_texts(c, &seen, &g.comments, &format!("{gpath} › kommentar från"));
            let condensed = region_texts(c, &seen, &g.condensed, &format!("{gpath} › kondenserad kommentar från"));
            let rcc_comment = g
                .rcc_comment
                .as_deref()
                .map(|t| c.text(TextKind::Comment, t, &format!("{gpath} › rcc_comment"), g.goal.span().start))
                .filter(|t| !t.is_empty());
            goals.insert(goal, GoalFollowUp { goal, levels, comments, condensed, rcc_comment });
        }
        // Every goal has an entry, so that code reading a round never has to ask whether one exists.
        for g in known_goals.iter().filter(|g| retired.get(g).is_none_or(|from| year < *from)) {
            goals.entry(*g).or_insert_with(|| GoalFollowUp::empty(*g));
        }
        let goals: Vec<GoalFollowUp> = goals.into_values().collect();
        let status = match &r.status {
            None => RoundStatus::Published,
            Some(s) => RoundStatus::parse(s.get_ref()).unwrap_or_else(|| {
                c.err(
                    s,
                    format!("{rpath} › status"),
                    format!("\"{}\" är ingen status: skriv \"open\" eller \"published\"", s.get_ref()),
                );
                RoundStatus::Published
            }),
        };
        let deadline = r.deadline.as_ref().and_then(|d| {
            let date = c.date(d, &format!("{rpath} › deadline"))?;
            match crate::workflow::check_deadline(year, date) {
                Ok(()) => Some(date),
                Err(e) => {
                    c.err(d, format!("{rpath} › deadline"), e.to_string());
                    None
                }
            }
        });
        let round_at = r.year.span().start;
        let mut states = BTreeMap::new();
        for (code, text) in &r.states {
            let path = format!("{rpath} › status för {code}");
            let Some(code) = known_region(c, &seen, code, text, &path) else { continue };
            match RegionState::parse(text.get_ref()) {
                Some(RegionState::NotStarted) => {}
                Some(st) => {
                    states.insert(code, st);
                }
                None => c.err(
                    text,
                    &path,
                    format!(
                        "\"{}\" är ingen status: skriv not_started, draft, submitted, returned eller accepted",
                        text.get_ref()
                    ),
                ),
            }
        }
        if r.status.is_none() && r.states.is_empty() {
            // A finished report: every region's answers were accepted.
            for code in &seen {
                states.insert(code.clone(), RegionState::Accepted);
            }
        }
        rounds.push(Round {
            year,
            conducted: conducted.unwrap_or(Period::Year(year)),
            is_final: r.r#final,
            status,
            deadline,
            states,
            introduction: c.text(TextKind::Long, &r.introduction, &format!("{rpath} › introduction"), round_at),
            summary: r
                .summary
                .iter()
                .map(|s| SummarySection {
                    heading: c.text(
                        TextKind::Line,
                        &s.heading,
                        &format!("{rpath} › sammanfattning › heading"),
                        round_at,
                    ),
                    text: c.text(
                        TextKind::Long,
                        &s.text,
                        &format!("{rpath} › sammanfattning \"{}\" › text", s.heading.trim()),
                        round_at,
                    ),
                    claims: s
                        .claims
                        .as_ref()
                        .map(|cl| {
                            claims(
                                c,
                                cl,
                                &format!("{rpath} › sammanfattning \"{}\"", s.heading.trim()),
                                &known_goals,
                                &seen,
                                &indicator_slugs,
                                f.area.len(),
                            )
                        })
                        .unwrap_or_default(),
                })
                .collect(),
            goals,
        });
    }
    rounds.sort_by_key(|r| r.year);

    // Processes.
    let mut processes = Vec::new();
    let mut process_slugs = BTreeSet::new();
    for p in &f.process {
        match Slug::parse(p.slug.get_ref()) {
            Ok(slug) => {
                if !process_slugs.insert(slug.clone()) {
                    c.err(&p.slug, format!("process {slug}"), "processen finns redan tidigare i filen");
                }
                let at = p.slug.span().start;
                let path = format!("process {slug}");
                processes.push(Process {
                    name: c.text(TextKind::Line, &p.name, &format!("{path} › name"), at),
                    leader: Person {
                        name: c.text(TextKind::Line, &p.leader.name, &format!("{path} › leader › name"), at),
                        title: c.text(TextKind::Line, &p.leader.title, &format!("{path} › leader › title"), at),
                        organisation: c.text(
                            TextKind::Line,
                            &p.leader.organisation,
                            &format!("{path} › leader › organisation"),
                            at,
                        ),
                    },
                    slug,
                })
            }
            Err(e) => c.err(&p.slug, "process › slug", e.to_string()),
        }
    }
    let mut process_followups = Vec::new();
    let mut followup_keys = BTreeSet::new();
    for pf in &f.process_followup {
        let year = *pf.year.get_ref();
        let path = format!("processuppföljning {} {year}", pf.process.get_ref());
        let Some(process) = processes.iter().find(|p| p.slug.as_str() == pf.process.get_ref()) else {
            c.err(
                &pf.process,
                &path,
                format!("det finns ingen process \"{}\" i filen ([[process]])", pf.process.get_ref()),
            );
            continue;
        };
        let classification = Classification::parse(pf.classification.get_ref()).unwrap_or_else(|| {
            c.err(
                &pf.classification,
                format!("{path} › classification"),
                format!(
                    "\"{}\" är ingen klassning: skriv \"öppen\" eller \"begränsad delning\"",
                    pf.classification.get_ref()
                ),
            );
            Classification::Restricted
        });
        let plan_goals =
            pf.plan_goals.iter().filter_map(|g| c.goal_ref(g, &format!("{path} › plan_goals"), &known_goals)).collect();
        let signed_on = pf.signed_on.as_ref().and_then(|d| c.date(d, &format!("{path} › signed_on")));
        if !followup_keys.insert((process.slug.clone(), year)) {
            c.err(&pf.year, &path, "det finns redan en uppföljning för processen det året");
        }
        let at = pf.process.span().start;
        let field = |name: &str| format!("{path} › {name}");
        let goals = pf
            .goal
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let gpath = format!("{path} › mål {}", i + 1);
                ProcessGoal {
                    text: c.text(TextKind::Comment, &g.text, &format!("{gpath} › text"), at),
                    current_state: c.text(TextKind::Comment, &g.current_state, &format!("{gpath} › current_state"), at),
                    target_levels: c.texts(
                        TextKind::Comment,
                        &g.target_levels,
                        &format!("{gpath} › target_levels"),
                        at,
                    ),
                    target_date: c.text(TextKind::Line, &g.target_date, &format!("{gpath} › target_date"), at),
                    followup: c.text(TextKind::Comment, &g.followup, &format!("{gpath} › followup"), at),
                }
            })
            .collect();
        process_followups.push(ProcessFollowUp {
            process: process.slug.clone(),
            year,
            title: c.text(TextKind::Line, &pf.title, &field("title"), at),
            classification,
            plan_goals,
            signed_by: pf
                .signed_by
                .as_deref()
                .map(|s| c.text(TextKind::Line, s, &field("signed_by"), at))
                .filter(|s| !s.is_empty()),
            signed_on,
            goals,
            comments: c.text(TextKind::Long, &pf.comments, &field("comments"), at),
            long_term: c.texts(TextKind::Comment, &pf.long_term, &field("long_term"), at),
            level_structuring: c.text(TextKind::Long, &pf.level_structuring, &field("level_structuring"), at),
            patient_involvement: c.text(TextKind::Long, &pf.patient_involvement, &field("patient_involvement"), at),
            other: c.text(TextKind::Long, &pf.other, &field("other"), at),
        });
    }

    // Indicators.
    let mut indicators: Vec<Indicator> = Vec::new();
    let mut indicator_seen = BTreeSet::new();
    for ind in &f.indicator {
        let path = format!("indikator {}", ind.slug.get_ref());
        let slug = match Slug::parse(ind.slug.get_ref()) {
            Ok(s) => s,
            Err(e) => {
                c.err(&ind.slug, "indikator › slug", e.to_string());
                continue;
            }
        };
        if !indicator_seen.insert(slug.clone()) {
            c.err(&ind.slug, &path, "indikatorn finns redan tidigare i filen");
        }
        let target_date = ind.target_date.as_ref().and_then(|d| c.date(d, &format!("{path} › target_date")));
        let goals = ind.goals.iter().filter_map(|g| c.goal_ref(g, &format!("{path} › goals"), &known_goals)).collect();
        let mut values: Vec<IndicatorValue> = Vec::new();
        let mut value_keys: std::collections::HashSet<(Scope, Period)> = std::collections::HashSet::new();
        for v in &ind.value {
            let vpath = format!("{path} › värde för \"{}\" {}", v.region.get_ref(), v.period.get_ref());
            let scope = match v.region.get_ref().as_str() {
                "" => Some(Scope::HealthcareRegion),
                "riket" => Some(Scope::National),
                code => match RegionCode::parse(code) {
                    Ok(rc) if seen.contains(&rc) => Some(Scope::Region(rc)),
                    _ => {
                        c.err(&v.region, &vpath, format!(
                            "\"{code}\" är ingen av sjukvårdsregionens regioner: skriv en regionkod, \"\" för hela sjukvårdsregionen eller \"riket\""
                        ));
                        None
                    }
                },
            };
            let period = Period::parse(v.period.get_ref()).map_err(|e| c.err(&v.period, &vpath, e.to_string())).ok();
            let value = *v.value.get_ref();
            if !value.is_finite() {
                c.err(&v.value, &vpath, "värdet måste vara ett tal");
            }
            let extracted = v.extracted.as_ref().and_then(|d| c.date(d, &format!("{vpath} › extracted")));
            let note = c.text(TextKind::Comment, &v.note, &format!("{vpath} › note"), v.region.span().start);
            if let (Some(scope), Some(period)) = (scope, period) {
                if !value_keys.insert((scope.clone(), period)) {
                    c.err(&v.region, &vpath, "det finns redan ett värde för samma region och period");
                }
                values.push(IndicatorValue { scope, period, value, extracted, note });
            }
        }
        let at = ind.slug.span().start;
        indicators.push(Indicator {
            slug,
            name: c.text(TextKind::Line, &ind.name, &format!("{path} › name"), at),
            unit: c.text(TextKind::Line, &ind.unit, &format!("{path} › unit"), at),
            higher_is_better: ind.higher_is_better,
            target: ind.target,
            target_date,
            source: c.text(TextKind::Line, &ind.source, &format!("{path} › source"), at),
            description: c.text(TextKind::Long, &ind.description, &format!("{path} › description"), at),
            goals,
            values,
        });
    }

    lineage::across_goals(c, &f, predecessor.as_ref(), &areas);
    Some(Dataset {
        healthcare_region: HealthcareRegion {
            code: hr_code?,
            name: hr_name,
            federation: hr_federation,
            rcc: hr_rcc,
            rcc_location: hr_location,
            regions,
        },
        plan: Plan {
            slug: slug?,
            title: plan_title,
            start_year: *f.plan.start_year.get_ref(),
            end_year: f.plan.end_year,
            adopted_by,
            adopted_on: adopted_on?,
            predecessor,
            status: plan_status,
            areas,
        },
        rounds,
        tallies: Vec::new(),
        processes,
        process_followups,
        indicators,
    })
}

#[cfg(test)]
mod tests;
