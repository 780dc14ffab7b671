//! What the pictures of a round say, before anything is drawn: which rounds a trend shows, which
//! round a round is compared with, which goals moved, which indicators are furthest from their
//! targets. The dashboard and the report draw from these (`uppfolj_reports::charts`).

use crate::ids::{GoalRef, Period, RegionCode};
use crate::level::Level;
use crate::model::{Dataset, Indicator, Round, Scope, Tally};
use crate::workflow::RoundStatus;

/// The period an indicator's chart shows: the latest period with values for regions.
pub fn latest_period(ind: &Indicator) -> Option<Period> {
    ind.values.iter().filter(|v| matches!(v.scope, Scope::Region(_))).map(|v| v.period).max()
}

/// The rounds a trend up to `upto` may show: the published rounds before it, and `upto` itself. A
/// round still being worked on never shows up in another round's pictures.
pub fn trend_rounds<'a>(data: &'a Dataset, upto: &'a Round) -> Vec<&'a Round> {
    let mut rounds: Vec<&Round> =
        data.rounds.iter().filter(|r| r.year < upto.year && r.status == RoundStatus::Published).collect();
    rounds.sort_by_key(|r| r.year);
    rounds.push(upto);
    rounds
}

/// The round `round` is compared with: the last published one before it, when it was read in full.
pub fn previous_round<'a>(data: &'a Dataset, round: &'a Round) -> Option<&'a Round> {
    trend_rounds(data, round).into_iter().rev().nth(1)
}

/// What a trend up to `upto` shows: the level counts of the published rounds before it (from the
/// rounds read in full, or their tallies) and of `upto` itself, oldest first.
pub fn trend(data: &Dataset, upto: &Round) -> Vec<Tally> {
    // A round of the plan before (read across plan periods) is counted by its tally, which counts
    // only the goals carried on.
    let own = |r: &&Round| r.year >= data.plan.start_year || r.year == upto.year;
    let mut tallies: Vec<Tally> = trend_rounds(data, upto).into_iter().filter(own).map(|r| r.tally(data)).collect();
    for t in data.tallies.iter().filter(|t| t.year < upto.year) {
        if !tallies.iter().any(|x| x.year == t.year) {
            tallies.push(t.clone());
        }
    }
    tallies.sort_by_key(|t| t.year);
    tallies
}

/// A region's value short of its indicator's target.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetGap {
    pub indicator: String,
    pub unit: String,
    pub region: RegionCode,
    pub value: f64,
    pub target: f64,
    /// How far from the target, as a share of it (0.25: a quarter short).
    pub gap: f64,
}

/// Indicators' values furthest from their targets, worst first. Only regions' values in each
/// indicator's latest period count.
pub fn furthest_from_target(data: &Dataset) -> Vec<TargetGap> {
    let mut out = Vec::new();
    for ind in &data.indicators {
        let (Some(target), Some(period)) = (ind.target, latest_period(ind)) else { continue };
        if target == 0.0 {
            continue;
        }
        for v in ind.values.iter().filter(|v| v.period == period) {
            if let Scope::Region(r) = &v.scope {
                let gap = if ind.higher_is_better { (target - v.value) / target } else { (v.value - target) / target };
                if gap > 0.0 {
                    out.push(TargetGap {
                        indicator: ind.name.clone(),
                        unit: ind.unit.clone(),
                        region: r.clone(),
                        value: v.value,
                        target,
                        gap,
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| b.gap.total_cmp(&a.gap));
    out
}

/// A goal whose level in a region changed from one round to the next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    pub goal: GoalRef,
    pub region: RegionCode,
    pub from: Level,
    pub to: Level,
}

/// Which goals moved between two levels from one round to the next, in report order.
pub fn moved(data: &Dataset, from: &Round, to: &Round) -> Vec<Move> {
    let mut out = Vec::new();
    // A goal the earlier round did not follow up (new in the plan, or merged from several) did not move.
    for (g, _) in data.goals().filter(|(g, _)| from.followup(*g).is_some()) {
        for r in data.region_codes() {
            let (a, b) = (from.level(g, r), to.level(g, r));
            if a != b {
                out.push(Move { goal: g, region: r.clone(), from: a, to: b });
            }
        }
    }
    out
}
