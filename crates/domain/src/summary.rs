//! The part of the report's summary that follows from the level matrix, and the checks of the RCC's
//! own narrative against the data.
//!
//! Every derived statement names the cells it rests on, so that pages can link to them. The checks
//! compare the narrative's structured claims ([`Claims`]) — the goals it says are achieved everywhere or
//! in all but one region, the area it says is furthest from its goals, the figures it quotes — with the
//! level table and the indicator values. They report; they never change anything.

use serde::Serialize;

use crate::ids::{GoalRef, Period, RegionCode, Slug};
use crate::level::{Category, Level};
use crate::model::{Dataset, Round, Scope};

/// What a section of the RCC's narrative claims, in a form that can be checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Claims {
    pub achieved_everywhere: Vec<GoalRef>,
    pub achieved_all_but_one: Vec<GoalRef>,
    /// Goals the RCC judges to have come far in the whole healthcare region: a judgement the
    /// levels can neither prove nor refute, shown beside them, never checked as a slip.
    pub far_along: Vec<GoalRef>,
    pub furthest_area: Option<u32>,
    pub figures: Vec<FigureClaim>,
}

impl Claims {
    /// The claims as JSON, in the data file's notation (goals "3.3", regions "RN"/""/"riket").
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "achieved_everywhere": self.achieved_everywhere.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "achieved_all_but_one": self.achieved_all_but_one.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "far_along": self.far_along.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "furthest_area": self.furthest_area,
            "figures": self.figures.iter().map(|f| serde_json::json!({
                "indicator": f.indicator.as_str(), "region": f.scope.notation(),
                "period": f.period.to_string(), "value": f.value,
            })).collect::<Vec<_>>(),
        })
    }

    /// Reads [`Claims::to_json`] back.
    pub fn from_json(v: &serde_json::Value) -> Result<Claims, crate::ids::InvalidValue> {
        let bad = || crate::ids::InvalidValue(format!("ogiltiga påståenden: {v}"));
        let goals = |key: &str| -> Result<Vec<GoalRef>, crate::ids::InvalidValue> {
            v.get(key)
                .and_then(|x| x.as_array())
                .map(|a| a.iter().map(|g| GoalRef::parse(g.as_str().unwrap_or(""))).collect())
                .unwrap_or(Ok(Vec::new()))
        };
        let mut figures = Vec::new();
        for f in v.get("figures").and_then(|x| x.as_array()).cloned().unwrap_or_default() {
            let text = |k: &str| f.get(k).and_then(|x| x.as_str()).unwrap_or("").to_owned();
            figures.push(FigureClaim {
                indicator: Slug::parse(&text("indicator"))?,
                scope: Scope::parse(&text("region"))?,
                period: Period::parse(&text("period"))?,
                value: f.get("value").and_then(serde_json::Value::as_f64).ok_or_else(bad)?,
            });
        }
        Ok(Claims {
            achieved_everywhere: goals("achieved_everywhere")?,
            achieved_all_but_one: goals("achieved_all_but_one")?,
            far_along: goals("far_along")?,
            furthest_area: v
                .get("furthest_area")
                .and_then(serde_json::Value::as_u64)
                .and_then(|a| u32::try_from(a).ok()),
            figures,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.achieved_everywhere.is_empty()
            && self.achieved_all_but_one.is_empty()
            && self.far_along.is_empty()
            && self.furthest_area.is_none()
            && self.figures.is_empty()
    }
}

/// A figure the narrative quotes: "RVN 45 %" for an indicator, a region and a period.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureClaim {
    pub indicator: Slug,
    pub scope: Scope,
    pub period: Period,
    pub value: f64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AllButOne {
    #[serde(serialize_with = "as_text")]
    pub goal: GoalRef,
    #[serde(serialize_with = "as_text")]
    pub region: RegionCode,
    /// The one region's level in the report's notation ("" for blank).
    #[serde(serialize_with = "as_text")]
    pub level: Level,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MissingLevels {
    #[serde(serialize_with = "as_text")]
    pub goal: GoalRef,
    #[serde(serialize_with = "all_as_text")]
    pub regions: Vec<RegionCode>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AreaShare {
    pub area: u32,
    pub title: String,
    /// Cells at U (certain, single).
    pub achieved: usize,
    /// Goals × regions.
    pub cells: usize,
    /// Cells with any level.
    pub given: usize,
    /// achieved / cells.
    pub share: f64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LevelChange {
    #[serde(serialize_with = "as_text")]
    pub goal: GoalRef,
    #[serde(serialize_with = "as_text")]
    pub region: RegionCode,
    #[serde(serialize_with = "as_text")]
    pub from: Level,
    #[serde(serialize_with = "as_text")]
    pub to: Level,
}

/// A judgement of the narrative that the levels neither prove nor refute, shown beside them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Judgement {
    #[serde(serialize_with = "as_text")]
    pub goal: GoalRef,
    /// The heading of the section that makes it.
    pub heading: String,
    /// How many regions are at U, of how many.
    pub achieved: usize,
    pub regions: usize,
    pub message: String,
}

/// Where the narrative and the data disagree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    #[serde(serialize_with = "opt_as_text")]
    pub goal: Option<GoalRef>,
    #[serde(serialize_with = "opt_as_text")]
    pub region: Option<RegionCode>,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DerivedSummary {
    pub plan: String,
    pub year: i32,
    #[serde(serialize_with = "all_as_text")]
    pub achieved_everywhere: Vec<GoalRef>,
    pub achieved_all_but_one: Vec<AllButOne>,
    /// Goals where no region has started: every level E or blank, at least one E.
    #[serde(serialize_with = "all_as_text")]
    pub not_started_anywhere: Vec<GoalRef>,
    pub missing_levels: Vec<MissingLevels>,
    pub areas: Vec<AreaShare>,
    /// The area with the lowest share of U.
    pub furthest_area: Option<u32>,
    pub previous_year: Option<i32>,
    pub changes: Vec<LevelChange>,
    /// The narrative's judgements, each beside the levels.
    pub judgements: Vec<Judgement>,
    pub warnings: Vec<Warning>,
}

fn as_text<T: std::fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn opt_as_text<T: std::fmt::Display, S: serde::Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

fn all_as_text<T: std::fmt::Display, S: serde::Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(ToString::to_string))
}

/// "blank" or the notation, for messages.
fn shown(l: Level) -> String {
    if l.is_blank() { "ingen nivå (blank)".to_owned() } else { l.to_string() }
}

fn percent(x: f64) -> String {
    format!("{} %", (x * 100.0).round())
}

/// Derives the summary of `round` and checks the narrative's claims against it.
pub fn derive(data: &Dataset, round: &Round) -> DerivedSummary {
    let regions: Vec<&RegionCode> = data.region_codes().collect();
    let n = regions.len();
    let mut achieved_everywhere = Vec::new();
    let mut achieved_all_but_one = Vec::new();
    let mut not_started_anywhere = Vec::new();
    let mut missing_levels = Vec::new();
    for (g, _) in data.goals() {
        let levels: Vec<(&RegionCode, Level)> = regions.iter().map(|r| (*r, round.level(g, r))).collect();
        let achieved = levels.iter().filter(|(_, l)| l.is_fully_achieved()).count();
        if n > 0 && achieved == n {
            achieved_everywhere.push(g);
        }
        if n > 1
            && achieved == n - 1
            && let Some((r, l)) = levels.iter().find(|(_, l)| !l.is_fully_achieved())
        {
            achieved_all_but_one.push(AllButOne { goal: g, region: (*r).clone(), level: *l });
        }
        let started = levels.iter().any(|(_, l)| !matches!(l.category(), Category::NotStarted | Category::Blank));
        if !started && levels.iter().any(|(_, l)| l.category() == Category::NotStarted) {
            not_started_anywhere.push(g);
        }
        let blank: Vec<RegionCode> = levels.iter().filter(|(_, l)| l.is_blank()).map(|(r, _)| (*r).clone()).collect();
        if !blank.is_empty() {
            missing_levels.push(MissingLevels { goal: g, regions: blank });
        }
    }
    let areas: Vec<AreaShare> = data
        .plan
        .areas
        .iter()
        .map(|a| {
            let mut achieved = 0;
            let mut given = 0;
            for g in &a.goals {
                for r in &regions {
                    let l = round.level(GoalRef::new(a.number, g.number), r);
                    achieved += usize::from(l.is_fully_achieved());
                    given += usize::from(!l.is_blank());
                }
            }
            let cells = a.goals.len() * n;
            let share = if cells == 0 { 0.0 } else { achieved as f64 / cells as f64 };
            AreaShare { area: a.number, title: a.title.clone(), achieved, cells, given, share }
        })
        .collect();
    let furthest_area = areas
        .iter()
        .filter(|a| a.cells > 0)
        .min_by(|a, b| a.share.partial_cmp(&b.share).unwrap_or(std::cmp::Ordering::Equal))
        .map(|a| a.area);
    let previous = data.rounds.iter().rev().find(|r| r.year < round.year);
    let mut changes = Vec::new();
    if let Some(p) = previous {
        for (g, _) in data.goals() {
            for r in &regions {
                let (from, to) = (p.level(g, r), round.level(g, r));
                if from != to {
                    changes.push(LevelChange { goal: g, region: (*r).clone(), from, to });
                }
            }
        }
    }
    let mut summary = DerivedSummary {
        plan: data.plan.slug.to_string(),
        year: round.year,
        achieved_everywhere,
        achieved_all_but_one,
        not_started_anywhere,
        missing_levels,
        areas,
        furthest_area,
        previous_year: previous.map(|p| p.year),
        changes,
        judgements: judgements(data, round),
        warnings: Vec::new(),
    };
    summary.warnings = check(data, round, &summary);
    summary
}

/// The goals the narrative judges far along, each with what the levels say (no warning: a
/// judgement is the RCC's to make).
fn judgements(data: &Dataset, round: &Round) -> Vec<Judgement> {
    let regions: Vec<&RegionCode> = data.region_codes().collect();
    let mut out = Vec::new();
    for section in &round.summary {
        for g in &section.claims.far_along {
            let achieved = regions.iter().filter(|r| round.level(*g, r).is_fully_achieved()).count();
            let levels = regions
                .iter()
                .map(|r| {
                    format!(
                        "{r} {}",
                        if round.level(*g, r).is_blank() { "blank".to_owned() } else { round.level(*g, r).to_string() }
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Judgement {
                goal: *g,
                heading: section.heading.clone(),
                achieved,
                regions: regions.len(),
                message: format!(
                    "RCC bedömer att arbetet med mål {g} har kommit långt i hela sjukvårdsregionen; nivåerna: U i {achieved} av {} ({levels}).",
                    regions.len()
                ),
            });
        }
    }
    out
}

/// The narrative's claims against the data.
fn check(data: &Dataset, round: &Round, derived: &DerivedSummary) -> Vec<Warning> {
    let regions: Vec<&RegionCode> = data.region_codes().collect();
    let n = regions.len();
    let mut out = Vec::new();
    for section in &round.summary {
        let c = &section.claims;
        for g in &c.achieved_everywhere {
            for r in &regions {
                let l = round.level(*g, r);
                if !l.is_fully_achieved() {
                    out.push(Warning {
                        goal: Some(*g),
                        region: Some((*r).clone()),
                        message: format!(
                            "Sammanfattningen (\"{}\") räknar mål {g} som uppnått i alla regioner, men {r} har {}.",
                            section.heading,
                            shown(l)
                        ),
                    });
                }
            }
        }
        for g in &c.achieved_all_but_one {
            let achieved: Vec<&&RegionCode> =
                regions.iter().filter(|r| round.level(*g, r).is_fully_achieved()).collect();
            if achieved.len() + 1 != n {
                let others = regions
                    .iter()
                    .filter(|r| !round.level(*g, r).is_fully_achieved())
                    .map(|r| format!("{r} {}", shown(round.level(*g, r))))
                    .collect::<Vec<_>>()
                    .join(", ");
                out.push(Warning {
                    goal: Some(*g),
                    region: None,
                    message: format!(
                        "Sammanfattningen (\"{}\") räknar mål {g} som uppnått i alla regioner utom en, men tabellen visar U i {} av {n} ({others}).",
                        section.heading,
                        achieved.len()
                    ),
                });
            }
        }
        if let (Some(claimed), Some(found)) = (c.furthest_area, derived.furthest_area)
            && claimed != found
        {
            let share = |a: u32| derived.areas.iter().find(|x| x.area == a).map(|x| x.share).unwrap_or(0.0);
            out.push(Warning {
                goal: None,
                region: None,
                message: format!(
                    "Sammanfattningen (\"{}\") anger område {claimed} som längst från målen, men räknat som andel U är område {found} längst ifrån ({} mot {}).",
                    section.heading,
                    percent(share(found)),
                    percent(share(claimed))
                ),
            });
        }
        for f in &c.figures {
            let who = match &f.scope {
                Scope::Region(r) => r.to_string(),
                Scope::HealthcareRegion => data.healthcare_region.name.clone(),
                Scope::National => "riket".to_owned(),
            };
            let region = match &f.scope {
                Scope::Region(r) => Some(r.clone()),
                _ => None,
            };
            let Some(ind) = data.indicators.iter().find(|i| i.slug == f.indicator) else {
                out.push(Warning {
                    goal: None,
                    region,
                    message: format!(
                        "Sammanfattningen (\"{}\") citerar indikatorn \"{}\", som inte finns.",
                        section.heading, f.indicator
                    ),
                });
                continue;
            };
            let goal = ind.goals.first().copied();
            match ind.values.iter().find(|v| v.scope == f.scope && v.period == f.period) {
                None => out.push(Warning {
                    goal,
                    region,
                    message: format!(
                        "Sammanfattningen (\"{}\") anger {} {} för {who} {} ({}), men det finns inget indikatorvärde för den regionen och perioden.",
                        section.heading,
                        crate::ids::number(f.value),
                        ind.unit,
                        f.period.swedish(),
                        ind.name
                    ),
                }),
                Some(v) if (v.value - f.value).abs() > 1e-9 => out.push(Warning {
                    goal,
                    region,
                    message: format!(
                        "Sammanfattningen (\"{}\") anger {} {} för {who} {} ({}), men indikatorvärdet är {} {}{}.",
                        section.heading,
                        crate::ids::number(f.value),
                        ind.unit,
                        f.period.swedish(),
                        ind.name,
                        crate::ids::number(v.value),
                        ind.unit,
                        if v.note.is_empty() { String::new() } else { format!(" ({})", v.note) }
                    ),
                }),
                Some(_) => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Dataset {
        crate::datafile::parse(include_str!("../../../demo/norr-2022-2024.toml")).expect("the demo parses")
    }

    fn refs(v: &[GoalRef]) -> Vec<String> {
        v.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_demo_round_derives_what_its_table_supports() {
        let d = demo();
        let s = derive(&d, d.round(2024).expect("2024"));
        // U in all four regions, read off the report's tables (4.4 is not: RN is blank).
        assert_eq!(refs(&s.achieved_everywhere), ["1.2", "1.4", "1.8", "2.4", "4.5", "6.5", "6.6"]);
        let abo: Vec<String> =
            s.achieved_all_but_one.iter().map(|a| format!("{} {} {}", a.goal, a.region, a.level)).collect();
        assert_eq!(abo, ["1.1 RJH P", "3.6 RVN P", "4.1 RJH P", "4.4 RN "]);
        assert!(s.not_started_anywhere.is_empty());
        assert_eq!(s.missing_levels.iter().find(|m| m.goal == GoalRef::new(3, 7)).map(|m| m.regions.len()), Some(4));
        assert_eq!(s.furthest_area, Some(5), "area 5: 4 of 24 at U; area 7: 5 of 20");
        assert_eq!(
            s.areas.iter().map(|a| (a.achieved, a.cells)).collect::<Vec<_>>(),
            [(19, 32), (8, 24), (6, 28), (12, 20), (4, 24), (15, 24), (5, 20)]
        );
        assert_eq!(s.previous_year, None);
    }

    #[test]
    fn the_checks_find_the_slips_of_the_original_summary() {
        let d = demo();
        let s = derive(&d, d.round(2024).expect("2024"));
        let w: Vec<(Option<String>, Option<String>)> = s
            .warnings
            .iter()
            .map(|w| (w.goal.map(|g| g.to_string()), w.region.as_ref().map(ToString::to_string)))
            .collect();
        let has = |g: Option<&str>, r: Option<&str>| w.iter().any(|(wg, wr)| wg.as_deref() == g && wr.as_deref() == r);
        assert!(has(Some("4.4"), Some("RN")), "4.4 is listed as achieved everywhere, RN is blank: {w:?}");
        assert!(has(Some("3.3"), Some("RVN")), "the summary says 45 % for RVN, the indicator 46 %");
        assert!(has(None, None), "area 7 named furthest; area 5 has the lowest share of U");
        assert_eq!(s.warnings.len(), 3, "{:#?}", s.warnings);
        // 1.3 and 2.1 are the RCC's judgement that the work has come far: beside the levels, no slip.
        let judged: Vec<(String, usize)> = s.judgements.iter().map(|j| (j.goal.to_string(), j.achieved)).collect();
        assert_eq!(judged, [("1.3".to_owned(), 1), ("2.1".to_owned(), 2)]);
        let same_as_all_but_one = Claims { achieved_all_but_one: vec![GoalRef::new(1, 3)], ..Claims::default() };
        let mut claimed = d.clone();
        if let Some(r) = claimed.rounds.iter_mut().find(|r| r.year == 2024) {
            r.summary[0].claims = same_as_all_but_one;
        }
        let as_slip = derive(&claimed, claimed.round(2024).expect("2024"));
        assert!(
            as_slip.warnings.iter().any(|w| w.goal == Some(GoalRef::new(1, 3))),
            "claimed as achieved in all but one, 1.3 is a slip"
        );
        let rvn = s.warnings.iter().find(|x| x.region.as_ref().is_some_and(|r| r.as_str() == "RVN")).expect("RVN");
        assert!(rvn.message.contains("45 %") && rvn.message.contains("46 %"), "{}", rvn.message);
    }

    #[test]
    fn changes_between_rounds_and_a_clean_narrative() {
        let mut d = demo();
        let mut next = d.round(2024).expect("2024").clone();
        next.year = 2025;
        next.summary.clear();
        let rn = RegionCode::parse("RN").expect("RN");
        if let Some(f) = next.goals.iter_mut().find(|f| f.goal == GoalRef::new(4, 4)) {
            f.levels.insert(rn.clone(), Level::parse("U").expect("U"));
        }
        d.rounds.push(next);
        let s = derive(&d, d.round(2025).expect("2025"));
        assert!(s.warnings.is_empty(), "no narrative, nothing to check");
        assert_eq!(s.previous_year, Some(2024));
        assert_eq!(
            s.changes,
            [LevelChange {
                goal: GoalRef::new(4, 4),
                region: rn,
                from: Level::Blank,
                to: Level::parse("U").expect("U")
            }]
        );
        assert!(s.achieved_everywhere.contains(&GoalRef::new(4, 4)));
        let json = serde_json::to_value(&s).expect("json");
        assert_eq!(json["achieved_all_but_one"][0], serde_json::json!({"goal": "1.1", "region": "RJH", "level": "P"}));
    }
}
