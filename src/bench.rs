//! A made-up installation at national scale for the benchmarks (`uppfolj bench generate`): plans of
//! one healthcare region with many regions, many rounds, comments on most cells and indicators. The
//! texts are filler; only the shape matters. Deterministic: the same arguments give the same files.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use uppfolj_domain::ids::{GoalRef, Period, RegionCode, Slug};
use uppfolj_domain::{
    Area, Classification, Dataset, Goal, GoalFollowUp, HealthcareRegion, Indicator, IndicatorValue, Level, Person,
    Plan, Process, ProcessFollowUp, ProcessGoal, Region, RegionState, Round, RoundStatus, Scope, SummarySection,
};

/// How large an installation to make.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub plans: usize,
    pub rounds: usize,
    pub regions: usize,
    pub areas: usize,
    pub goals_per_area: usize,
}

/// A small deterministic generator (a linear congruential one is enough for filler).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: [&str; 24] = [
    "arbetet",
    "fortsätter",
    "enligt",
    "plan",
    "regionen",
    "har",
    "infört",
    "rutiner",
    "för",
    "uppföljning",
    "och",
    "samverkan",
    "med",
    "primärvården",
    "utbildning",
    "genomförd",
    "under",
    "året",
    "målet",
    "nås",
    "delvis",
    "kvar",
    "återstår",
    "resurser",
];

fn text(d: &mut Dice, words: usize) -> String {
    let mut out: Vec<&str> = Vec::with_capacity(words);
    for _ in 0..words {
        out.push(WORDS[usize::try_from(d.below(WORDS.len() as u64)).unwrap_or(0)]);
    }
    let mut s = out.join(" ");
    if let Some(first) = s.get(..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s.push('.');
    s
}

fn slug(s: &str) -> anyhow::Result<Slug> {
    Slug::parse(s).map_err(|e| anyhow::anyhow!("{e}"))
}

/// One plan of the installation.
fn plan(size: Size, n: usize) -> anyhow::Result<Dataset> {
    let mut d = Dice(0x5eed + n as u64);
    let regions: Vec<Region> = (1..=size.regions)
        .map(|i| {
            Ok(Region {
                code: RegionCode::parse(&format!("R{i:02}")).map_err(|e| anyhow::anyhow!("{e}"))?,
                name: format!("Region {i:02}"),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let first_year = 2026 - size.rounds as i32;
    let areas: Vec<Area> = (1..=size.areas)
        .map(|a| Area {
            number: a as u32,
            title: format!("Område {a}"),
            goals: (1..=size.goals_per_area)
                .map(|g| Goal {
                    number: g as u32,
                    text: text(&mut d, 22),
                    targets: Vec::new(),
                    part_names: None,
                    lineage: None,
                    retired_from: None,
                })
                .collect(),
        })
        .collect();
    let goals: Vec<GoalRef> =
        areas.iter().flat_map(|a| a.goals.iter().map(move |g| GoalRef::new(a.number, g.number))).collect();
    // Levels move slowly, as in the real follow-ups: a cell keeps last round's level six times in
    // seven, and otherwise mostly moves one step towards U.
    let levels = ["", "E", "P", "P/U", "U"];
    let parse = |s: &str| Level::parse(s).map_err(|e| anyhow::anyhow!("{e}"));
    let mut current: BTreeMap<(GoalRef, usize), usize> = BTreeMap::new();
    let mut rounds = Vec::new();
    for r in 0..size.rounds {
        let year = first_year + r as i32;
        let open = r + 1 == size.rounds;
        let mut followups = Vec::new();
        for g in &goals {
            let mut f = GoalFollowUp::empty(*g);
            for (ri, region) in regions.iter().enumerate() {
                let step = match current.get(&(*g, ri)) {
                    None => usize::try_from(d.below(levels.len() as u64)).unwrap_or(0),
                    Some(&l) => match d.below(14) {
                        0 => l.saturating_sub(1),
                        1 => (l + 1).min(levels.len() - 1),
                        _ => l,
                    },
                };
                current.insert((*g, ri), step);
                let l = parse(levels[step])?;
                if !l.is_blank() {
                    f.levels.insert(region.code.clone(), l);
                }
                if d.below(100) < 85 {
                    f.comments.insert(region.code.clone(), text(&mut d, 30));
                }
            }
            followups.push(f);
        }
        let states: BTreeMap<RegionCode, RegionState> = regions
            .iter()
            .map(|reg| {
                let s = if !open {
                    RegionState::Accepted
                } else if d.below(2) == 0 {
                    RegionState::Draft
                } else {
                    RegionState::Submitted
                };
                (reg.code.clone(), s)
            })
            .collect();
        rounds.push(Round {
            year,
            conducted: Period::Month(year + 1, 4),
            is_final: open,
            status: if open { RoundStatus::Open } else { RoundStatus::Published },
            deadline: time::Date::from_calendar_date(year + 1, time::Month::March, 31).ok(),
            states,
            introduction: format!("{}\n\n{}", text(&mut d, 60), text(&mut d, 60)),
            summary: (0..4)
                .map(|i| SummarySection {
                    heading: format!("Avsnitt {}", i + 1),
                    text: text(&mut d, 80),
                    claims: Default::default(),
                })
                .collect(),
            goals: followups,
        });
    }
    let indicators: Vec<Indicator> = (1..=6)
        .map(|i| -> anyhow::Result<Indicator> {
            Ok(Indicator {
                slug: slug(&format!("indikator-{i}"))?,
                name: format!("Indikator {i}"),
                unit: "%".to_owned(),
                higher_is_better: true,
                target: Some(70.0),
                target_date: None,
                source: "Benchmark".to_owned(),
                description: String::new(),
                goals: vec![goals[(i * 7) % goals.len()]],
                values: rounds
                    .iter()
                    .flat_map(|r| {
                        regions.iter().map(move |reg| IndicatorValue {
                            scope: Scope::Region(reg.code.clone()),
                            period: Period::Year(r.year),
                            value: 40.0 + ((r.year as usize * 7 + reg.name.len() * 3 + i) % 50) as f64,
                            extracted: None,
                            note: String::new(),
                        })
                    })
                    .collect(),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let process = slug("process-1")?;
    Ok(Dataset {
        healthcare_region: HealthcareRegion {
            code: slug("riket")?,
            name: "Hela landet (benchmark)".to_owned(),
            federation: "Benchmark".to_owned(),
            rcc: "RCC Benchmark".to_owned(),
            rcc_location: "Stockholm".to_owned(),
            regions,
        },
        plan: Plan {
            slug: slug(&format!("plan-{n:02}"))?,
            title: format!("Cancerplan {n:02} (benchmark)"),
            start_year: first_year,
            end_year: 2025,
            adopted_by: "Benchmark".to_owned(),
            adopted_on: time::Date::from_calendar_date(first_year, time::Month::June, 1)?,
            areas,
            predecessor: None,
            status: uppfolj_domain::PlanStatus::Adopted,
        },
        process_followups: rounds
            .iter()
            .map(|r| ProcessFollowUp {
                process: process.clone(),
                year: r.year,
                title: format!("Processuppföljning {}", r.year),
                classification: Classification::Open,
                plan_goals: vec![goals[0]],
                signed_by: None,
                signed_on: None,
                goals: vec![ProcessGoal {
                    text: "Ett processmål.".to_owned(),
                    current_state: String::new(),
                    target_levels: Vec::new(),
                    target_date: String::new(),
                    followup: String::new(),
                }],
                comments: String::new(),
                long_term: Vec::new(),
                level_structuring: String::new(),
                patient_involvement: String::new(),
                other: String::new(),
            })
            .collect(),
        processes: vec![Process {
            slug: process,
            name: "En vårdprocess".to_owned(),
            leader: Person { name: "Processledare".to_owned(), title: String::new(), organisation: String::new() },
        }],
        rounds,
        tallies: Vec::new(),
        indicators,
    })
}

/// Writes `size.plans` data files `plan-NN.toml` into `dir`, numbered from `first`.
pub fn generate(size: Size, first: usize, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("kunde inte skapa {}", dir.display()))?;
    for n in first..first + size.plans {
        let data = plan(size, n)?;
        let file = dir.join(format!("plan-{n:02}.toml"));
        let text = uppfolj_domain::datafile::to_toml(&data).map_err(|e| anyhow::anyhow!("{e}"))?;
        std::fs::write(&file, text).with_context(|| format!("kunde inte skriva {}", file.display()))?;
    }
    let levels = size.plans * size.rounds * size.regions * size.areas * size.goals_per_area;
    eprintln!("{} planer skrivna till {} ({levels} nivåer).", size.plans, dir.display());
    Ok(())
}
