//! The data file: the TOML format of the demo data, of `import` and of `export data`
//! (described for people in `docs/dataformat.md`).
//!
//! Reading is two steps: TOML → the `File*` structs below (syntax, field names and types), then
//! validation into a [`Dataset`] (meaning: levels, dates, references). Both steps report every problem
//! with its line where the file has one and a path of fields, so a person can find it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::ids::{GoalRef, Period, RegionCode, Slug, format_date, parse_date};
use crate::input::{MAX_DATA_FILE_BYTES, TextKind, megabytes};
use crate::level::Level;
use crate::model::*;
use crate::workflow::{RegionState, RoundStatus};

/// The version of the format this code reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// One problem in a data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// Where in the data, in Swedish: `omgång 2024 › mål 3.3 › nivå för RN`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "rad {line}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found in a data file; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataErrors(pub Vec<DataError>);

impl fmt::Display for DataErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DataErrors {}

impl DataErrors {
    /// The first `max` errors as [`with_file`](Self::with_file) gives them, and how many more there are.
    pub fn summary(&self, file: &str, max: usize) -> String {
        let shown = DataErrors(self.0.iter().take(max).cloned().collect()).with_file(file);
        match self.0.len().saturating_sub(max) {
            0 => shown,
            more => format!("{shown}\n… och {} fel till", crate::input::grouped(more)),
        }
    }

    /// The same errors, each prefixed `FILE:LINE:` (or `FILE:`) the way compilers do.
    pub fn with_file(&self, file: &str) -> String {
        self.0
            .iter()
            .map(|e| {
                let loc = e.line.map(|l| format!("{file}:{l}")).unwrap_or_else(|| file.to_owned());
                let path = if e.path.is_empty() { String::new() } else { format!("{}: ", e.path) };
                format!("{loc}: {path}{}", e.message)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

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
struct Checker<'a> {
    src: &'a str,
    /// Where each line starts, found at the first problem: every later line number is a binary search,
    /// so a file with many problems is still checked in linear time.
    line_starts: std::cell::OnceCell<Vec<usize>>,
    errors: Vec<DataError>,
}

impl Checker<'_> {
    fn line_of(&self, offset: usize) -> Option<usize> {
        if (offset == 0 && self.src.is_empty()) || offset > self.src.len() {
            return None;
        }
        let starts = self
            .line_starts
            .get_or_init(|| std::iter::once(0).chain(self.src.match_indices('\n').map(|(i, _)| i + 1)).collect());
        Some(starts.partition_point(|s| *s <= offset))
    }

    /// A text cleaned by the rules of [`crate::input`]; a text that cannot be stored is a problem at
    /// the line of `near` (the closest value the file gives a position for).
    fn text(&mut self, kind: TextKind, raw: &str, path: &str, near: usize) -> String {
        match crate::input::clean(kind, raw) {
            Ok(t) => t,
            Err(e) => {
                let line = self.line_of(near);
                self.errors.push(DataError { line, path: path.to_owned(), message: e.to_string() });
                raw.trim().to_owned()
            }
        }
    }

    fn texts(&mut self, kind: TextKind, raw: &[String], path: &str, near: usize) -> Vec<String> {
        raw.iter().map(|t| self.text(kind, t, path, near)).collect()
    }

    fn err<T>(&mut self, at: &S<T>, path: impl Into<String>, message: impl Into<String>) {
        let line = self.line_of(at.span().start);
        self.errors.push(DataError { line, path: path.into(), message: message.into() });
    }

    fn err_nowhere(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(DataError { line: None, path: path.into(), message: message.into() });
    }

    fn date(&mut self, v: &S<String>, path: &str) -> Option<time::Date> {
        match parse_date(v.get_ref()) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(v, path, e.to_string());
                None
            }
        }
    }

    fn goal_ref(&mut self, v: &S<String>, path: &str, known: &BTreeSet<GoalRef>) -> Option<GoalRef> {
        match GoalRef::parse(v.get_ref()) {
            Ok(g) if known.contains(&g) => Some(g),
            Ok(g) => {
                self.err(v, path, format!("planen har inget mål {g}"));
                None
            }
            Err(e) => {
                self.err(v, path, e.to_string());
                None
            }
        }
    }
}

/// Reads and validates a data file.
pub fn parse(src: &str) -> Result<Dataset, DataErrors> {
    if src.len() > MAX_DATA_FILE_BYTES {
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
    let mut c = Checker { src, line_starts: std::cell::OnceCell::new(), errors: Vec::new() };
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
    if *f.format.get_ref() != FORMAT_VERSION {
        c.err(
            &f.format,
            "format",
            format!(
                "formatversion {} stöds inte; den här versionen läser format = {FORMAT_VERSION}",
                f.format.get_ref()
            ),
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
    let mut areas = Vec::new();
    let mut known_goals = BTreeSet::new();
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
            known_goals.insert(GoalRef::new(n, gn));
            goals.push(Goal { number: gn, text, targets, part_names });
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
        for g in &known_goals {
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
            areas,
        },
        rounds,
        tallies: Vec::new(),
        processes,
        process_followups,
        indicators,
    })
}

#[allow(clippy::too_many_arguments)]
fn claims(
    c: &mut Checker<'_>,
    f: &FileClaims,
    path: &str,
    known_goals: &BTreeSet<GoalRef>,
    regions: &BTreeSet<RegionCode>,
    indicators: &BTreeSet<String>,
    areas: usize,
) -> crate::summary::Claims {
    let goals = |c: &mut Checker<'_>, list: &[S<String>], what: &str| -> Vec<GoalRef> {
        list.iter().filter_map(|g| c.goal_ref(g, &format!("{path} › {what}"), known_goals)).collect()
    };
    let achieved_everywhere = goals(c, &f.achieved_everywhere, "achieved_everywhere");
    let achieved_all_but_one = goals(c, &f.achieved_all_but_one, "achieved_all_but_one");
    let furthest_area = f.furthest_area.as_ref().and_then(|a| {
        let n = *a.get_ref();
        if n >= 1 && usize::try_from(n).is_ok_and(|n| n <= areas) {
            Some(n)
        } else {
            c.err(a, format!("{path} › furthest_area"), format!("planen har inget område {n}"));
            None
        }
    });
    let mut figures = Vec::new();
    for fig in &f.figures {
        let fpath = format!("{path} › figures");
        if !indicators.contains(fig.indicator.get_ref()) {
            c.err(&fig.indicator, &fpath, format!("det finns ingen indikator \"{}\" i filen", fig.indicator.get_ref()));
            continue;
        }
        let scope = match Scope::parse(fig.region.get_ref()) {
            Ok(Scope::Region(r)) if !regions.contains(&r) => {
                c.err(&fig.region, &fpath, format!("\"{r}\" är ingen av sjukvårdsregionens regioner"));
                continue;
            }
            Ok(s) => s,
            Err(e) => {
                c.err(&fig.region, &fpath, e.to_string());
                continue;
            }
        };
        let period = match Period::parse(fig.period.get_ref()) {
            Ok(p) => p,
            Err(e) => {
                c.err(&fig.period, &fpath, e.to_string());
                continue;
            }
        };
        let Ok(indicator) = Slug::parse(fig.indicator.get_ref()) else { continue };
        figures.push(crate::summary::FigureClaim { indicator, scope, period, value: fig.value });
    }
    crate::summary::Claims { achieved_everywhere, achieved_all_but_one, furthest_area, figures }
}

fn region_texts(
    c: &mut Checker<'_>,
    known: &BTreeSet<RegionCode>,
    texts: &IndexMap<String, S<String>>,
    path: &str,
) -> BTreeMap<RegionCode, String> {
    let mut out = BTreeMap::new();
    for (code, text) in texts {
        let path = format!("{path} {code}");
        let Some(code) = known_region(c, known, code, text, &path) else { continue };
        let t = c.text(TextKind::Comment, text.get_ref(), &path, text.span().start);
        if !t.is_empty() {
            out.insert(code, t);
        }
    }
    out
}

fn known_region(
    c: &mut Checker<'_>,
    known: &BTreeSet<RegionCode>,
    code: &str,
    at: &S<String>,
    path: &str,
) -> Option<RegionCode> {
    match RegionCode::parse(code) {
        Ok(rc) if known.contains(&rc) => Some(rc),
        _ => {
            let list = known.iter().map(RegionCode::as_str).collect::<Vec<_>>().join(", ");
            c.err(at, path, format!("\"{code}\" är ingen av sjukvårdsregionens regioner ({list})"));
            None
        }
    }
}

/// Writes a dataset in the data file format. [`parse`] reads the result back to an equal dataset.
pub fn to_toml(d: &Dataset) -> Result<String, toml::ser::Error> {
    let codes: Vec<&RegionCode> = d.region_codes().collect();
    let file = FileData {
        format: sp(FORMAT_VERSION),
        healthcare_region: FileHealthcareRegion {
            code: sp(d.healthcare_region.code.to_string()),
            name: d.healthcare_region.name.clone(),
            federation: d.healthcare_region.federation.clone(),
            rcc: d.healthcare_region.rcc.clone(),
            rcc_location: d.healthcare_region.rcc_location.clone(),
        },
        region: d
            .healthcare_region
            .regions
            .iter()
            .map(|r| FileRegion { code: sp(r.code.to_string()), name: r.name.clone() })
            .collect(),
        plan: FilePlan {
            slug: sp(d.plan.slug.to_string()),
            title: d.plan.title.clone(),
            start_year: sp(d.plan.start_year),
            end_year: d.plan.end_year,
            adopted_by: d.plan.adopted_by.clone(),
            adopted_on: sp(format_date(d.plan.adopted_on)),
        },
        area: d
            .plan
            .areas
            .iter()
            .map(|a| FileArea {
                number: sp(a.number),
                title: a.title.clone(),
                goal: a
                    .goals
                    .iter()
                    .map(|g| FileGoal {
                        number: sp(g.number),
                        text: g.text.clone(),
                        targets: g.targets.clone(),
                        part_names: g.part_names.clone().map(|p| sp(p.to_vec())),
                    })
                    .collect(),
            })
            .collect(),
        round: d
            .rounds
            .iter()
            .map(|r| FileRound {
                year: sp(r.year),
                conducted: sp(r.conducted.to_string()),
                r#final: r.is_final,
                status: Some(sp(r.status.as_str().to_owned())),
                deadline: r.deadline.map(|d| sp(format_date(d))),
                states: codes.iter().map(|c| (c.to_string(), sp(r.state(c).as_str().to_owned()))).collect(),
                introduction: r.introduction.clone(),
                summary: r
                    .summary
                    .iter()
                    .map(|s| FileSummary {
                        heading: s.heading.clone(),
                        text: s.text.clone(),
                        claims: if s.claims.is_empty() {
                            None
                        } else {
                            Some(FileClaims {
                                achieved_everywhere: s
                                    .claims
                                    .achieved_everywhere
                                    .iter()
                                    .map(|g| sp(g.to_string()))
                                    .collect(),
                                achieved_all_but_one: s
                                    .claims
                                    .achieved_all_but_one
                                    .iter()
                                    .map(|g| sp(g.to_string()))
                                    .collect(),
                                furthest_area: s.claims.furthest_area.map(sp),
                                figures: s
                                    .claims
                                    .figures
                                    .iter()
                                    .map(|f| FileFigure {
                                        indicator: sp(f.indicator.to_string()),
                                        region: sp(f.scope.notation().to_owned()),
                                        period: sp(f.period.to_string()),
                                        value: f.value,
                                    })
                                    .collect(),
                            })
                        },
                    })
                    .collect(),
                goal: r
                    .goals
                    .iter()
                    .map(|g| FileGoalFollowUp {
                        goal: sp(g.goal.to_string()),
                        levels: codes.iter().map(|c| (c.to_string(), sp(g.level(c).to_string()))).collect(),
                        rcc_comment: g.rcc_comment.clone(),
                        comments: codes
                            .iter()
                            .filter_map(|c| g.comment(c).map(|t| (c.to_string(), sp(t.to_owned()))))
                            .collect(),
                        condensed: codes
                            .iter()
                            .filter_map(|c| g.condensed.get(*c).map(|t| (c.to_string(), sp(t.clone()))))
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
        process: d
            .processes
            .iter()
            .map(|p| FileProcess {
                slug: sp(p.slug.to_string()),
                name: p.name.clone(),
                leader: FilePerson {
                    name: p.leader.name.clone(),
                    title: p.leader.title.clone(),
                    organisation: p.leader.organisation.clone(),
                },
            })
            .collect(),
        process_followup: d
            .process_followups
            .iter()
            .map(|p| FileProcessFollowUp {
                process: sp(p.process.to_string()),
                year: sp(p.year),
                title: p.title.clone(),
                classification: sp(p.classification.as_str().to_owned()),
                plan_goals: p.plan_goals.iter().map(|g| sp(g.to_string())).collect(),
                signed_by: p.signed_by.clone(),
                signed_on: p.signed_on.map(|d| sp(format_date(d))),
                comments: p.comments.clone(),
                long_term: p.long_term.clone(),
                level_structuring: p.level_structuring.clone(),
                patient_involvement: p.patient_involvement.clone(),
                other: p.other.clone(),
                goal: p
                    .goals
                    .iter()
                    .map(|g| FileProcessGoal {
                        text: g.text.clone(),
                        current_state: g.current_state.clone(),
                        target_levels: g.target_levels.clone(),
                        target_date: g.target_date.clone(),
                        followup: g.followup.clone(),
                    })
                    .collect(),
            })
            .collect(),
        indicator: d
            .indicators
            .iter()
            .map(|i| FileIndicator {
                slug: sp(i.slug.to_string()),
                name: i.name.clone(),
                unit: i.unit.clone(),
                higher_is_better: i.higher_is_better,
                target: i.target,
                target_date: i.target_date.map(|d| sp(format_date(d))),
                source: i.source.clone(),
                description: i.description.clone(),
                goals: i.goals.iter().map(|g| sp(g.to_string())).collect(),
                value: i
                    .values
                    .iter()
                    .map(|v| FileIndicatorValue {
                        region: sp(v.scope.notation().to_owned()),
                        period: sp(v.period.to_string()),
                        value: sp(v.value),
                        extracted: v.extracted.map(|d| sp(format_date(d))),
                        note: v.note.clone(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let body = toml::to_string(&file)?;
    Ok(format!(
        "# Uppfölj-data, format {FORMAT_VERSION}: planen {} med uppföljningar. Formatet beskrivs i docs/dataformat.md.\n\n{body}",
        d.plan.slug
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
format = 1

[healthcare_region]
code = "test"
name = "Testregionen"
federation = "Testförbundet"
rcc = "RCC Test"
rcc_location = "Umeå"

[[region]]
code = "A"
name = "Region A"

[[region]]
code = "B"
name = "Region B"

[plan]
slug = "test-2022-2024"
title = "Testplan"
start_year = 2022
end_year = 2024
adopted_by = "Styrelsen"
adopted_on = "2022-06-06"

[[area]]
number = 1
title = "Område ett"

[[area.goal]]
number = 1
text = "Ett mål"

[[area.goal]]
number = 2
text = "Ett tvådelat mål"
part_names = ["inklusion", "ledtid"]

[[round]]
year = 2024
conducted = "2025-04"
final = true

[[round.goal]]
goal = "1.2"
levels = { A = "U/E", B = "" }
rcc_comment = "RCC säger något."

[round.goal.comments]
A = "A säger något."
"#;

    #[test]
    fn reads_a_small_file() {
        let d = parse(SMALL).unwrap();
        assert_eq!(d.healthcare_region.regions.len(), 2);
        let round = d.round(2024).unwrap();
        let a = RegionCode::parse("A").unwrap();
        let b = RegionCode::parse("B").unwrap();
        assert_eq!(round.level(GoalRef::new(1, 2), &a).to_string(), "U/E");
        assert_eq!(round.level(GoalRef::new(1, 2), &b), Level::Blank);
        assert_eq!(round.level(GoalRef::new(1, 1), &a), Level::Blank);
        assert_eq!(round.conducted, Period::Month(2025, 4));
    }

    #[test]
    fn writes_what_it_reads() {
        let d = parse(SMALL).unwrap();
        let text = to_toml(&d).unwrap();
        assert_eq!(parse(&text).unwrap(), d, "{text}");
    }

    #[test]
    fn a_bad_level_is_reported_with_line_and_path() {
        let bad = SMALL.replace("A = \"U/E\"", "A = \"X\"");
        let errs = parse(&bad).unwrap_err();
        assert_eq!(errs.0.len(), 1, "{errs}");
        let e = &errs.0[0];
        let line = bad.lines().position(|l| l.contains("\"X\"")).unwrap() + 1;
        assert_eq!(e.line, Some(line));
        assert_eq!(e.path, "omgång 2024 › mål 1.2 › nivå för A");
        assert!(e.message.contains("\"X\" är ingen giltig nivå"), "{}", e.message);
        assert!(errs.with_file("f.toml").starts_with(&format!("f.toml:{line}: omgång 2024")));
    }

    #[test]
    fn every_problem_is_reported() {
        let bad = SMALL
            .replace("goal = \"1.2\"", "goal = \"1.9\"")
            .replace("number = 2\ntext", "number = 3\ntext")
            .replace("adopted_on = \"2022-06-06\"", "adopted_on = \"6 juni 2022\"");
        let errs = parse(&bad).unwrap_err();
        let text = errs.to_string();
        assert!(text.contains("planen har inget mål 1.9"), "{text}");
        assert!(text.contains("här väntades 2"), "{text}");
        assert!(text.contains("\"6 juni 2022\" är inget giltigt datum"), "{text}");
    }

    #[test]
    fn unknown_region_and_unknown_field() {
        let bad = SMALL.replace("B = \"\"", "C = \"U\"");
        let text = parse(&bad).unwrap_err().to_string();
        assert!(text.contains("\"C\" är ingen av sjukvårdsregionens regioner (A, B)"), "{text}");
        let bad = SMALL.replace("rcc_location = \"Umeå\"", "rcc_location = \"Umeå\"\nrcc_town = \"x\"");
        let errs = parse(&bad).unwrap_err();
        assert!(errs.to_string().contains("okänt fält `rcc_town`"), "{errs}");
        assert_eq!(errs.0[0].line, Some(10));
        let errs = parse("format = 1\n[plan\n").unwrap_err();
        assert_eq!(errs.0[0].line, Some(2), "{errs}");
    }
}
