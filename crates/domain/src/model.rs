//! The plan and everything followed up under it.
//!
//! [`Dataset`] is one plan with its healthcare region, rounds, process follow-ups and indicators. The
//! constructors in [`crate::datafile`] validate it, so code that holds a `Dataset` can rely on: region
//! codes are unique, areas and goals are numbered 1, 2, 3 … in order, every goal reference points at a
//! goal of the plan, every region code used is one of the healthcare region's.

use std::collections::BTreeMap;

use time::Date;

use crate::ids::{GoalRef, Period, RegionCode, Slug};
use crate::level::{Category, Level};
use crate::workflow::{PlanStatus, RegionState, RoundStatus};

#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub healthcare_region: HealthcareRegion,
    pub plan: Plan,
    /// The rounds read in full, oldest first: every round of the plan in a data file or a whole-plan
    /// read; a page of one round reads that round and, where it shows it, the round before.
    pub rounds: Vec<Round>,
    /// The level counts of published rounds that were not read in full (what a trend shows of them),
    /// oldest first. Empty when every round is in `rounds`.
    pub tallies: Vec<Tally>,
    pub processes: Vec<Process>,
    pub process_followups: Vec<ProcessFollowUp>,
    pub indicators: Vec<Indicator>,
}

/// How many of the plan's goals each region had in each category in one round.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub year: i32,
    pub counts: BTreeMap<RegionCode, LevelCounts>,
}

impl Tally {
    /// A region's counts; a region without any is all blank.
    pub fn region(&self, region: &RegionCode, goals: usize) -> LevelCounts {
        self.counts.get(region).cloned().unwrap_or_else(|| {
            let mut blank = LevelCounts::default();
            blank.0.insert(Category::Blank, goals);
            blank
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthcareRegion {
    pub code: Slug,
    pub name: String,
    pub federation: String,
    pub rcc: String,
    pub rcc_location: String,
    /// In plan order: the order of the report's columns.
    pub regions: Vec<Region>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub slug: Slug,
    pub title: String,
    pub start_year: i32,
    pub end_year: i32,
    pub adopted_by: String,
    pub adopted_on: Date,
    pub areas: Vec<Area>,
    /// The plan of the period before, whose goals this plan's goals may continue ([`Lineage`]).
    pub predecessor: Option<Slug>,
    pub status: PlanStatus,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Area {
    pub number: u32,
    pub title: String,
    pub goals: Vec<Goal>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Goal {
    pub number: u32,
    pub text: String,
    /// Measurable targets stated with the goal.
    pub targets: Vec<String>,
    /// What the two parts of a two-part level mean for this goal, e.g. inclusion / lead time.
    pub part_names: Option<[String; 2]>,
    /// The goals of the predecessor plan this goal carries on, and how; `None`: a new goal.
    pub lineage: Option<Lineage>,
    /// *Utgått*: the first year whose round no longer follows the goal up (it keeps its number and
    /// its answers of the years before).
    pub retired_from: Option<i32>,
}

impl Goal {
    /// Whether the round of `year` follows the goal up.
    pub fn followed_in(&self, year: i32) -> bool {
        self.retired_from.is_none_or(|from| year < from)
    }
}

/// How a goal carries on goals of the plan before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lineage {
    pub link: Link,
    /// Goal references of the predecessor plan (as that plan numbered them), in the file's order.
    pub goals: Vec<GoalRef>,
}

impl Lineage {
    /// Whether the link names as many old goals as it says (continues and split one, merge at least
    /// two, none twice); `Err` says what is wrong, in the words the data file and the form use.
    pub fn check(&self) -> Result<(), String> {
        if let Some(twice) = self.goals.iter().enumerate().find(|(i, g)| self.goals[..*i].contains(g)) {
            return Err(format!("mål {} står två gånger", twice.1));
        }
        let n = self.goals.len();
        let wrong = match self.link {
            Link::Continues if n != 1 => {
                "ett mål som fortsätter (link = \"continues\") fortsätter ett enda mål; slås flera ihop, skriv link = \"merge\""
            }
            Link::Split if n != 1 => "en del av ett delat mål (link = \"split\") fortsätter ett enda mål",
            Link::Merge if n < 2 => "ett sammanslaget mål (link = \"merge\") fortsätter minst två mål",
            _ => return Ok(()),
        };
        Err(wrong.to_owned())
    }
}

/// What only all of a plan's goals together show: each old goal is continued by one goal, split into
/// at least two (each saying so), or merged into one. Per problem: the new goal it is found at,
/// whether it is that goal's link (`true`) or its list of old goals that is wrong, and why.
pub fn lineage_problems<'a>(goals: impl IntoIterator<Item = (GoalRef, &'a Lineage)>) -> Vec<(GoalRef, bool, String)> {
    let mut by_old: BTreeMap<GoalRef, Vec<(GoalRef, Link)>> = BTreeMap::new();
    for (new, l) in goals {
        for old in &l.goals {
            by_old.entry(*old).or_default().push((new, l.link));
        }
    }
    let mut problems = Vec::new();
    for (old, users) in by_old {
        match users.as_slice() {
            [(new, Link::Split)] => problems.push((
                *new,
                true,
                format!(
                    "mål {old} delas, men bara {new} fortsätter det: ett delat mål fortsätter i minst två mål (annars link = \"continues\")"
                ),
            )),
            [_] => {}
            several if several.iter().all(|u| u.1 == Link::Split) => {}
            several => {
                let names = several.iter().map(|u| u.0.to_string()).collect::<Vec<_>>().join(", ");
                let (new, _) = several.iter().find(|u| u.1 != Link::Split).copied().unwrap_or(several[0]);
                problems.push((
                    new,
                    false,
                    format!(
                        "mål {old} i planen före fortsätts av flera mål ({names}): delas det, skriv link = \"split\" på vart och ett"
                    ),
                ));
            }
        }
    }
    problems
}

/// The kind of link between a goal and the goals of the plan before it continues.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Link {
    /// One old goal continues, possibly reworded.
    #[default]
    Continues,
    /// One old goal was split into several new ones; this is one of them.
    Split,
    /// Several old goals were merged into this one.
    Merge,
}

impl Link {
    /// The data file's and the database's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Link::Continues => "continues",
            Link::Split => "split",
            Link::Merge => "merge",
        }
    }

    pub fn parse(s: &str) -> Option<Link> {
        [Link::Continues, Link::Split, Link::Merge].into_iter().find(|l| l.as_str() == s)
    }

    /// What the app calls it.
    pub fn label(self) -> &'static str {
        match self {
            Link::Continues => "fortsätter",
            Link::Split => "delas",
            Link::Merge => "slås ihop",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Round {
    pub year: i32,
    /// When the follow-up was made.
    pub conducted: Period,
    /// The last follow-up of the plan.
    pub is_final: bool,
    pub status: RoundStatus,
    /// The date by which regions should have submitted.
    pub deadline: Option<Date>,
    /// Where each region's answers are; regions missing here have not started.
    pub states: BTreeMap<RegionCode, RegionState>,
    pub introduction: String,
    pub summary: Vec<SummarySection>,
    /// One entry per goal of the plan, in report order.
    pub goals: Vec<GoalFollowUp>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SummarySection {
    pub heading: String,
    pub text: String,
    /// What the section claims, in a form the consistency checks can compare with the data.
    pub claims: crate::summary::Claims,
}

/// The regions' levels and comments, and the RCC's comment, on one goal in one round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoalFollowUp {
    pub goal: GoalRef,
    pub levels: BTreeMap<RegionCode, Level>,
    /// Each region's own comment, as the region wrote it.
    pub comments: BTreeMap<RegionCode, String>,
    /// The RCC's condensed version of a region's comment; the report uses it instead of the original.
    pub condensed: BTreeMap<RegionCode, String>,
    pub rcc_comment: Option<String>,
}

impl GoalFollowUp {
    pub fn level(&self, region: &RegionCode) -> Level {
        self.levels.get(region).copied().unwrap_or(Level::Blank)
    }
    pub fn comment(&self, region: &RegionCode) -> Option<&str> {
        self.comments.get(region).map(String::as_str)
    }
    /// The comment the report shows: the RCC's condensed text where there is one, else the original.
    pub fn report_comment(&self, region: &RegionCode) -> Option<&str> {
        self.condensed.get(region).or_else(|| self.comments.get(region)).map(String::as_str)
    }
    pub fn empty(goal: GoalRef) -> GoalFollowUp {
        GoalFollowUp {
            goal,
            levels: BTreeMap::new(),
            comments: BTreeMap::new(),
            condensed: BTreeMap::new(),
            rcc_comment: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub title: String,
    pub organisation: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    pub slug: Slug,
    pub name: String,
    pub leader: Person,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Classification {
    Open,
    /// Begränsad delning: not for everyone who can read published reports.
    Restricted,
}

impl Classification {
    pub fn parse(s: &str) -> Option<Classification> {
        match s.trim().to_lowercase().as_str() {
            "öppen" | "oppen" => Some(Classification::Open),
            "begränsad delning" | "begransad delning" => Some(Classification::Restricted),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Open => "öppen",
            Classification::Restricted => "begränsad delning",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Classification::Open => "Öppen",
            Classification::Restricted => "Begränsad delning",
        }
    }
}

/// A care process's follow-up of its own goals (the layout of the process follow-up documents).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessFollowUp {
    pub process: Slug,
    pub year: i32,
    pub title: String,
    pub classification: Classification,
    pub plan_goals: Vec<GoalRef>,
    pub signed_by: Option<String>,
    pub signed_on: Option<Date>,
    pub goals: Vec<ProcessGoal>,
    pub comments: String,
    pub long_term: Vec<String>,
    pub level_structuring: String,
    pub patient_involvement: String,
    pub other: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessGoal {
    pub text: String,
    pub current_state: String,
    pub target_levels: Vec<String>,
    pub target_date: String,
    pub followup: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Indicator {
    pub slug: Slug,
    pub name: String,
    pub unit: String,
    pub higher_is_better: bool,
    pub target: Option<f64>,
    pub target_date: Option<Date>,
    pub source: String,
    pub description: String,
    pub goals: Vec<GoalRef>,
    pub values: Vec<IndicatorValue>,
}

/// Whom a figure is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Region(RegionCode),
    /// The whole healthcare region.
    HealthcareRegion,
    /// The national reference ("riket").
    National,
}

impl Scope {
    /// Reads the notation of [`Scope::notation`].
    pub fn parse(s: &str) -> Result<Scope, crate::ids::InvalidValue> {
        match s {
            "" => Ok(Scope::HealthcareRegion),
            "riket" => Ok(Scope::National),
            code => RegionCode::parse(code).map(Scope::Region),
        }
    }

    /// The notation of the data file and exports: a region code, `""` or `riket`.
    pub fn notation(&self) -> &str {
        match self {
            Scope::Region(c) => c.as_str(),
            Scope::HealthcareRegion => "",
            Scope::National => "riket",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorValue {
    pub scope: Scope,
    pub period: Period,
    pub value: f64,
    pub extracted: Option<Date>,
    pub note: String,
}

impl Indicator {
    /// The national reference for a period, when the data holds one.
    pub fn national(&self, period: &Period) -> Option<f64> {
        self.values.iter().find(|v| v.scope == Scope::National && &v.period == period).map(|v| v.value)
    }
}

/// How many goals a region has in each [`Category`] in one round.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LevelCounts(pub BTreeMap<Category, usize>);

impl LevelCounts {
    pub fn get(&self, c: Category) -> usize {
        self.0.get(&c).copied().unwrap_or(0)
    }
}

impl Dataset {
    pub fn region_codes(&self) -> impl Iterator<Item = &RegionCode> {
        self.healthcare_region.regions.iter().map(|r| &r.code)
    }

    pub fn round(&self, year: i32) -> Option<&Round> {
        self.rounds.iter().find(|r| r.year == year)
    }

    pub fn goal(&self, r: GoalRef) -> Option<&Goal> {
        self.plan.areas.iter().find(|a| a.number == r.area)?.goals.iter().find(|g| g.number == r.goal)
    }

    /// Every goal in report order with its reference.
    pub fn goals(&self) -> impl Iterator<Item = (GoalRef, &Goal)> {
        self.plan.areas.iter().flat_map(|a| a.goals.iter().map(move |g| (GoalRef::new(a.number, g.number), g)))
    }

    pub fn process(&self, slug: &str) -> Option<&Process> {
        self.processes.iter().find(|p| p.slug.as_str() == slug)
    }

    /// The plan as the round of `year` follows it up: without the goals retired by then, in the
    /// plan and in every round read with it. The others keep their numbers.
    pub fn as_followed_in(mut self, year: i32) -> Dataset {
        let gone: Vec<GoalRef> = self.goals().filter(|(_, g)| !g.followed_in(year)).map(|(r, _)| r).collect();
        if gone.is_empty() {
            return self;
        }
        for a in &mut self.plan.areas {
            a.goals.retain(|g| g.followed_in(year));
        }
        for r in &mut self.rounds {
            r.goals.retain(|f| !gone.contains(&f.goal));
        }
        self
    }
}

impl Round {
    pub fn followup(&self, goal: GoalRef) -> Option<&GoalFollowUp> {
        // In report order, so found by halving; a list built out of order is still searched.
        match self.goals.binary_search_by_key(&goal, |g| g.goal) {
            Ok(i) => self.goals.get(i),
            Err(_) => self.goals.iter().find(|g| g.goal == goal),
        }
    }

    pub fn level(&self, goal: GoalRef, region: &RegionCode) -> Level {
        self.followup(goal).map(|f| f.level(region)).unwrap_or(Level::Blank)
    }

    pub fn state(&self, region: &RegionCode) -> RegionState {
        self.states.get(region).copied().unwrap_or(RegionState::NotStarted)
    }

    /// Per region, how many of the plan's goals fall in each category. Goals without an entry count
    /// as blank.
    pub fn counts(&self, data: &Dataset, region: &RegionCode, area: Option<u32>) -> LevelCounts {
        let mut counts = LevelCounts::default();
        let counted = data.goals().filter(|(r, g)| area.is_none_or(|a| r.area == a) && g.followed_in(self.year));
        for (goal, _) in counted {
            *counts.0.entry(self.level(goal, region).category()).or_default() += 1;
        }
        counts
    }

    /// Every region's counts over the whole plan.
    pub fn tally(&self, data: &Dataset) -> Tally {
        Tally {
            year: self.year,
            counts: data.region_codes().map(|r| (r.clone(), self.counts(data, r, None))).collect(),
        }
    }
}
