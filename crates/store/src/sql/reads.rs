//! Reads shaped to a page. A plan's outline (healthcare region, regions, areas, goals) takes three
//! statements; of its rounds a read takes only the ones a page shows, and of those only the parts it
//! shows (`Shape`), each part in one statement for all of them: the number of statements is fixed
//! and the rows are what the page shows, however many rounds and indicators the plan has. A read
//! runs in one read transaction, so its parts are of the same moment.
//!
//! A whole plan (exports, the command line) is the same reads with every round in full.

use std::collections::{BTreeMap, HashMap};

use sqlx::Row as _;
use uppfolj_domain::{
    Area, Category, Classification, Dataset, Goal, GoalFollowUp, GoalRef, HealthcareRegion, Indicator, IndicatorValue,
    Level, LevelCounts, Lineage, Period, Person, Plan, Process, ProcessFollowUp, ProcessGoal, Region, RegionCode,
    RegionState, Round, RoundStatus, Scope, Slug, SummarySection, Tally,
};

use super::{Conn, Db, corrupt, date_of, from_json_list, goal_of, u32_of};
use crate::{CellsRead, IndicatorsRead, Previous, RoundMeta, Shape, StoreError};

/// A plan's frame, and how its rows' ids map to what the domain calls them.
pub(super) struct Outline {
    plan_id: i64,
    data: Dataset,
    goals: HashMap<i64, GoalRef>,
    regions: HashMap<i64, RegionCode>,
    region_ids: HashMap<RegionCode, i64>,
    area_ids: BTreeMap<u32, i64>,
}

impl Outline {
    fn goal(&self, id: i64) -> Result<GoalRef, StoreError> {
        self.goals.get(&id).copied().ok_or_else(|| corrupt(format!("mål-id {id}")))
    }

    fn region(&self, id: i64) -> Result<RegionCode, StoreError> {
        self.regions.get(&id).cloned().ok_or_else(|| corrupt(format!("region-id {id}")))
    }
}

/// A round's own row, without its texts.
#[derive(Clone)]
struct RoundRow {
    id: i64,
    year: i32,
    conducted: Period,
    is_final: bool,
    status: RoundStatus,
    deadline: Option<time::Date>,
}

/// Which parts of the rounds read are taken.
struct Parts {
    cells: CellsRead,
    narrative: bool,
    area_id: Option<i64>,
    region_id: Option<i64>,
    /// A round whose cells are not read (its frame is).
    skip_cells_of: Option<i64>,
}

/// Everything stored under a plan, or `None` when there is no such plan.
pub(super) async fn whole_plan(conn: &mut Conn, plan: &Slug) -> Result<Option<Dataset>, StoreError> {
    let Some(outline) = outline(conn, plan).await? else { return Ok(None) };
    let rows = round_rows(conn, outline.plan_id).await?;
    let all: Vec<&RoundRow> = rows.iter().collect();
    let parts = Parts { cells: CellsRead::Full, narrative: true, area_id: None, region_id: None, skip_cells_of: None };
    let rounds = read_rounds(conn, &outline, &all, &parts).await?;
    let indicators = read_indicators(conn, &outline, IndicatorsRead::Values).await?;
    let (processes, process_followups) = read_processes(conn, &outline, None).await?;
    let mut data = Dataset { rounds, indicators, processes, process_followups, ..outline.data };
    // A round has no entry for a goal retired by its year.
    let retired: Vec<(GoalRef, i32)> = data.goals().filter_map(|(r, g)| g.retired_from.map(|from| (r, from))).collect();
    for round in &mut data.rounds {
        round.goals.retain(|f| !retired.iter().any(|(g, from)| *g == f.goal && round.year >= *from));
    }
    Ok(Some(data))
}

/// One round as `shape` says, or `NotFound` naming the plan or the year.
pub(super) async fn round(conn: &mut Conn, plan: &Slug, year: i32, shape: &Shape) -> Result<Dataset, StoreError> {
    round_from(conn, plan, year, shape, Source::Editions).await
}

/// Where a read of a round takes a published round from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// Its edition (the live tables when it has none).
    Editions,
    /// The live tables, its goals worded as when it was last published: what its pages showed
    /// before editions existed.
    AsPublished,
    /// The live tables as they are now: what it is frozen as when it is published.
    Now,
}

/// A round as a page shows it: a published round from its edition (with [`Source::Editions`]),
/// the rest from the live tables; with another `source`, the live tables even of a published round
/// (what its edition is made of).
pub(super) async fn round_from(
    conn: &mut Conn,
    plan: &Slug,
    year: i32,
    shape: &Shape,
    source: Source,
) -> Result<Dataset, StoreError> {
    let outline =
        outline(conn, plan).await?.ok_or_else(|| StoreError::NotFound(format!("det finns ingen plan \"{plan}\"")))?;
    let rows = round_rows(conn, outline.plan_id).await?;
    let this = rows
        .iter()
        .find(|r| r.year == year)
        .ok_or_else(|| StoreError::NotFound(format!("planen \"{plan}\" har ingen uppföljning för {year}")))?;
    let before = rows.iter().filter(|r| r.year < year);
    let previous = match shape.previous {
        Previous::None => None,
        Previous::Published => before.clone().rfind(|r| r.status == RoundStatus::Published),
        Previous::Any => before.clone().next_back(),
    };
    let read: Vec<&RoundRow> = previous.into_iter().chain([this]).collect();
    let area_id = match shape.area {
        Some(n) => Some(
            *outline.area_ids.get(&n).ok_or_else(|| StoreError::NotFound(format!("planen har inget område {n}")))?,
        ),
        None => None,
    };
    let region_id = match &shape.region {
        Some(code) => Some(
            *outline
                .region_ids
                .get(code)
                .ok_or_else(|| StoreError::NotFound(format!("sjukvårdsregionen har ingen region {code}")))?,
        ),
        None => None,
    };
    if source == Source::Editions
        && !shape.live
        && this.status == RoundStatus::Published
        && let Some(frozen) = super::editions::read(conn, this.id, shape.edition).await?
    {
        let mut data = super::editions::shaped(frozen, year, shape);
        // What the plan is now (not report content): its status and the plan before.
        data.plan.status = outline.data.plan.status;
        data.plan.predecessor = outline.data.plan.predecessor.clone();
        let (mut rounds, mut tallies) = (std::mem::take(&mut data.rounds), std::mem::take(&mut data.tallies));
        bridge(conn, &outline, &rows, year, shape, &mut rounds, &mut tallies).await?;
        return Ok(Dataset { rounds, tallies, ..data }.as_followed_in(year));
    }
    let skip_cells_of = shape.previous_cells_only.then_some(this.id);
    let parts = Parts { cells: shape.cells, narrative: shape.narrative, area_id, region_id, skip_cells_of };
    let rounds = read_rounds(conn, &outline, &read, &parts).await?;
    let mut tallies = if shape.trend {
        let published: Vec<&RoundRow> = before.filter(|r| r.status == RoundStatus::Published).collect();
        read_tallies(conn, &outline, &published).await?
    } else {
        Vec::new()
    };
    let mut rounds = rounds;
    bridge(conn, &outline, &rows, year, shape, &mut rounds, &mut tallies).await?;
    let indicators = read_indicators(conn, &outline, shape.indicators).await?;
    let (processes, process_followups) =
        if shape.processes { read_processes(conn, &outline, Some(year)).await? } else { (Vec::new(), Vec::new()) };
    let plan_id = outline.plan_id;
    let mut data = Dataset { rounds, tallies, indicators, processes, process_followups, ..outline.data };
    // The goals as they read when the round was published (an open round: as they read now).
    if this.status == RoundStatus::Published && source != Source::Now {
        let at = super::wordings::published_at(conn, this.id).await?;
        super::wordings::apply(conn, plan_id, &mut data, &at).await?;
    }
    Ok(data.as_followed_in(year))
}

/// With `shape.across_plans`, the published rounds of the plan before, by this plan's goals that
/// carry one of its goals on: all in the trend, as tallies; the last compared with when the plan has
/// no round of its own before `year`.
async fn bridge(
    conn: &mut Conn,
    outline: &Outline,
    rows: &[RoundRow],
    year: i32,
    shape: &Shape,
    rounds: &mut Vec<Round>,
    tallies: &mut Vec<Tally>,
) -> Result<(), StoreError> {
    if !shape.across_plans || outline.data.plan.predecessor.is_none() {
        return Ok(());
    }
    let own: Vec<i32> = rows.iter().map(|r| r.year).collect();
    let codes: Vec<RegionCode> = outline.data.region_codes().cloned().collect();
    let (last, earlier) = super::lineage::bridged(conn, outline.plan_id, &outline.goals, &codes, &own).await?;
    tallies.extend(earlier);
    tallies.sort_by_key(|t| t.year);
    if shape.previous != Previous::None && !rounds.iter().any(|r| r.year < year) {
        rounds.extend(last);
        rounds.sort_by_key(|r| r.year);
    }
    Ok(())
}

/// A plan's frame, or `None` when there is no such plan.
pub(super) async fn frame(conn: &mut Conn, plan: &Slug) -> Result<Option<Dataset>, StoreError> {
    Ok(outline(conn, plan).await?.map(|o| o.data))
}

/// The plan's and rounds' revisions and the rounds' years, in one statement; for `year` (or, without
/// one, for the latest round, and a plan without rounds has status open and no year). The plan before
/// counts in: a successor's pages show its published rounds (the dashboard across plan periods) and
/// the series of its indicators.
pub(super) async fn round_meta(conn: &mut Conn, plan: &Slug, year: Option<i32>) -> Result<RoundMeta, StoreError> {
    let rows = sqlx::query(
        "SELECT p.revision + COALESCE(before.revision, 0) AS plan_revision, r.year, r.status, r.revision \
         FROM plans p LEFT JOIN plans before ON before.id = p.predecessor_id \
         LEFT JOIN rounds r ON r.plan_id = p.id WHERE p.slug = $1 ORDER BY r.year",
    )
    .bind(plan.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let first = rows.first().ok_or_else(|| StoreError::NotFound(format!("det finns ingen plan \"{plan}\"")))?;
    let mut revision: i64 = first.try_get("plan_revision")?;
    let mut rounds = Vec::new();
    for r in &rows {
        let Some(y) = r.try_get::<Option<i32>, _>("year")? else { continue };
        let text: String = r.try_get("status")?;
        let status = RoundStatus::parse(&text).ok_or_else(|| corrupt(format!("status \"{text}\"")))?;
        if year.is_none_or(|year| y <= year) {
            revision = revision.saturating_add(r.try_get::<i64, _>("revision")?);
        }
        rounds.push((y, status));
    }
    let (year, status) = match year {
        Some(year) => rounds
            .iter()
            .find(|(y, _)| *y == year)
            .copied()
            .ok_or_else(|| StoreError::NotFound(format!("planen \"{plan}\" har ingen uppföljning för {year}")))?,
        None => rounds.last().copied().unwrap_or((0, RoundStatus::Open)),
    };
    Ok(RoundMeta { plan: plan.clone(), year, status, rounds, revision })
}

async fn outline(conn: &mut Conn, plan: &Slug) -> Result<Option<Outline>, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT p.id, p.slug, p.title, p.start_year, p.end_year, p.adopted_by, p.adopted_on, \
         h.id AS hr_id, h.code AS hr_code, h.name AS hr_name, h.federation, h.rcc, h.rcc_location, \
         before.slug AS predecessor, p.status AS plan_status FROM plans p JOIN healthcare_regions h ON h.id = p.healthcare_region_id \
         LEFT JOIN plans before ON before.id = p.predecessor_id WHERE p.slug = $1",
    )
    .bind(plan.as_str())
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let plan_id: i64 = row.try_get("id")?;
    let hr_id: i64 = row.try_get("hr_id")?;

    let mut regions = Vec::new();
    let (mut region_codes, mut region_ids) = (HashMap::new(), HashMap::new());
    for r in sqlx::query("SELECT id, code, name FROM regions WHERE healthcare_region_id = $1 ORDER BY position")
        .bind(hr_id)
        .fetch_all(&mut *conn)
        .await?
    {
        let code = RegionCode::parse(&r.try_get::<String, _>("code")?).map_err(corrupt)?;
        let id: i64 = r.try_get("id")?;
        region_codes.insert(id, code.clone());
        region_ids.insert(code.clone(), id);
        regions.push(Region { code, name: r.try_get("name")? });
    }

    // Which goals of the predecessor each goal carries on, in the file's order.
    let mut lineages: HashMap<i64, Lineage> = HashMap::new();
    for l in sqlx::query(
        "SELECT gl.goal_id, gl.link, pa.number AS area_no, pg.number AS goal_no FROM goal_links gl \
         JOIN goals g ON g.id = gl.goal_id JOIN areas a ON a.id = g.area_id \
         JOIN goals pg ON pg.id = gl.predecessor_goal_id JOIN areas pa ON pa.id = pg.area_id \
         WHERE a.plan_id = $1 ORDER BY gl.goal_id, gl.position",
    )
    .bind(plan_id)
    .fetch_all(&mut *conn)
    .await?
    {
        let link = super::link_of(&l)?;
        let lineage = lineages.entry(l.try_get("goal_id")?).or_insert(Lineage { link, goals: Vec::new() });
        lineage.goals.push(goal_of(&l)?);
    }

    let mut areas: Vec<Area> = Vec::new();
    let (mut goals, mut area_ids) = (HashMap::new(), BTreeMap::new());
    for g in sqlx::query(
        "SELECT a.id AS area_id, a.number AS area_no, a.title AS area_title, g.id AS goal_id, g.number AS goal_no, \
         g.text, g.targets, g.part_names, g.retired_from FROM areas a LEFT JOIN goals g ON g.area_id = a.id \
         WHERE a.plan_id = $1 ORDER BY a.number, g.number",
    )
    .bind(plan_id)
    .fetch_all(&mut *conn)
    .await?
    {
        let area_no = u32_of(g.try_get("area_no")?)?;
        if areas.last().is_none_or(|a| a.number != area_no) {
            area_ids.insert(area_no, g.try_get::<i64, _>("area_id")?);
            areas.push(Area { number: area_no, title: g.try_get("area_title")?, goals: Vec::new() });
        }
        let Some(goal_id) = g.try_get::<Option<i64>, _>("goal_id")? else { continue };
        let number = u32_of(g.try_get("goal_no")?)?;
        goals.insert(goal_id, GoalRef::new(area_no, number));
        let part_names = match g.try_get::<Option<String>, _>("part_names")? {
            None => None,
            Some(s) => match from_json_list(&s)?.as_slice() {
                [a, b] => Some([a.clone(), b.clone()]),
                _ => return Err(corrupt(format!("part_names \"{s}\""))),
            },
        };
        let goal = Goal {
            number,
            text: g.try_get("text")?,
            targets: from_json_list(&g.try_get::<String, _>("targets")?)?,
            part_names,
            lineage: lineages.remove(&goal_id),
            retired_from: g.try_get("retired_from")?,
        };
        if let Some(area) = areas.last_mut() {
            area.goals.push(goal);
        }
    }

    let adopted_on: String = row.try_get("adopted_on")?;
    let data = Dataset {
        healthcare_region: HealthcareRegion {
            code: Slug::parse(&row.try_get::<String, _>("hr_code")?).map_err(corrupt)?,
            name: row.try_get("hr_name")?,
            federation: row.try_get("federation")?,
            rcc: row.try_get("rcc")?,
            rcc_location: row.try_get("rcc_location")?,
            regions,
        },
        plan: Plan {
            slug: Slug::parse(&row.try_get::<String, _>("slug")?).map_err(corrupt)?,
            title: row.try_get("title")?,
            start_year: row.try_get("start_year")?,
            end_year: row.try_get("end_year")?,
            adopted_by: row.try_get("adopted_by")?,
            adopted_on: date_of(&adopted_on)?,
            areas,
            predecessor: row
                .try_get::<Option<String>, _>("predecessor")?
                .map(|s| Slug::parse(&s).map_err(corrupt))
                .transpose()?,
            status: super::plan_status(&row.try_get::<String, _>("plan_status")?)?,
        },
        rounds: Vec::new(),
        tallies: Vec::new(),
        processes: Vec::new(),
        process_followups: Vec::new(),
        indicators: Vec::new(),
    };
    Ok(Some(Outline { plan_id, data, goals, regions: region_codes, region_ids, area_ids }))
}

async fn round_rows(conn: &mut Conn, plan_id: i64) -> Result<Vec<RoundRow>, StoreError> {
    sqlx::query("SELECT id, year, conducted, is_final, status, deadline FROM rounds WHERE plan_id = $1 ORDER BY year")
        .bind(plan_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let conducted: String = r.try_get("conducted")?;
            let status: String = r.try_get("status")?;
            Ok(RoundRow {
                id: r.try_get("id")?,
                year: r.try_get("year")?,
                conducted: Period::parse(&conducted).map_err(corrupt)?,
                is_final: r.try_get("is_final")?,
                status: RoundStatus::parse(&status).ok_or_else(|| corrupt(format!("status \"{status}\"")))?,
                deadline: r.try_get::<Option<String>, _>("deadline")?.as_deref().map(date_of).transpose()?,
            })
        })
        .collect()
}

/// `<column> IN ($n, $m, …)`; `column IN (NULL)` for no ids, which matches nothing.
pub(super) fn push_in(q: &mut sqlx::QueryBuilder<'_, Db>, column: &str, ids: &[i64]) {
    q.push(column).push(" IN (");
    if ids.is_empty() {
        q.push("NULL");
    }
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    q.push(")");
}

/// The filters of a cell read: one area's goals, one region.
fn push_cell_filters(q: &mut sqlx::QueryBuilder<'_, Db>, parts: &Parts, regions: bool) {
    if let Some(area) = parts.area_id {
        q.push(" AND goal_id IN (SELECT id FROM goals WHERE area_id = ").push_bind(area).push(")");
    }
    if let (true, Some(region)) = (regions, parts.region_id) {
        q.push(" AND region_id = ").push_bind(region);
    }
}

async fn read_rounds(
    conn: &mut Conn,
    o: &Outline,
    rows: &[&RoundRow],
    parts: &Parts,
) -> Result<Vec<Round>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let cell_ids: Vec<i64> = ids.iter().copied().filter(|id| parts.skip_cells_of != Some(*id)).collect();
    let mut rounds: BTreeMap<i64, Round> = rows
        .iter()
        .map(|r| {
            let goals = o.data.goals().map(|(g, _)| GoalFollowUp::empty(g)).collect();
            (
                r.id,
                Round {
                    year: r.year,
                    conducted: r.conducted,
                    is_final: r.is_final,
                    status: r.status,
                    deadline: r.deadline,
                    states: BTreeMap::new(),
                    introduction: String::new(),
                    summary: Vec::new(),
                    goals,
                },
            )
        })
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    if parts.narrative {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT id, introduction FROM rounds WHERE ");
        push_in(&mut q, "id", &ids);
        for r in q.build().fetch_all(&mut *conn).await? {
            if let Some(round) = rounds.get_mut(&r.try_get::<i64, _>("id")?) {
                round.introduction = r.try_get("introduction")?;
            }
        }
        let mut q =
            sqlx::QueryBuilder::<Db>::new("SELECT round_id, heading, body, claims FROM round_summary_sections WHERE ");
        push_in(&mut q, "round_id", &ids);
        q.push(" ORDER BY round_id, position");
        for s in q.build().fetch_all(&mut *conn).await? {
            let claims: String = s.try_get("claims")?;
            let json: serde_json::Value =
                serde_json::from_str(&claims).map_err(|e| corrupt(format!("påståenden: {e}")))?;
            let section = SummarySection {
                heading: s.try_get("heading")?,
                text: s.try_get("body")?,
                claims: uppfolj_domain::summary::Claims::from_json(&json).map_err(corrupt)?,
            };
            if let Some(round) = rounds.get_mut(&s.try_get::<i64, _>("round_id")?) {
                round.summary.push(section);
            }
        }
    }

    let mut q = sqlx::QueryBuilder::<Db>::new("SELECT round_id, region_id, state FROM region_rounds WHERE ");
    push_in(&mut q, "round_id", &ids);
    if let Some(region) = parts.region_id {
        q.push(" AND region_id = ").push_bind(region);
    }
    for st in q.build().fetch_all(&mut *conn).await? {
        let text: String = st.try_get("state")?;
        let state = RegionState::parse(&text).ok_or_else(|| corrupt(format!("status \"{text}\"")))?;
        let region = o.region(st.try_get("region_id")?)?;
        if let Some(round) = rounds.get_mut(&st.try_get::<i64, _>("round_id")?)
            && state != RegionState::NotStarted
        {
            round.states.insert(region, state);
        }
    }

    if parts.cells != CellsRead::None && !cell_ids.is_empty() {
        let full = parts.cells == CellsRead::Full;
        let columns = if full { ", comment, condensed" } else { "" };
        let mut q = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT round_id, goal_id, region_id, level{columns} FROM assessments WHERE "
        ));
        push_in(&mut q, "round_id", &cell_ids);
        if !full {
            q.push(" AND level <> ''");
        }
        push_cell_filters(&mut q, parts, true);
        for c in q.build().fetch_all(&mut *conn).await? {
            let goal = o.goal(c.try_get("goal_id")?)?;
            let region = o.region(c.try_get("region_id")?)?;
            let level = Level::parse(&c.try_get::<String, _>("level")?).map_err(corrupt)?;
            let Some(round) = rounds.get_mut(&c.try_get::<i64, _>("round_id")?) else { continue };
            let Some(f) = followup(round, goal) else { continue };
            if full {
                let comment: String = c.try_get("comment")?;
                if let Some(text) = c.try_get::<Option<String>, _>("condensed")? {
                    f.condensed.insert(region.clone(), text);
                }
                if !comment.is_empty() {
                    f.comments.insert(region.clone(), comment);
                }
            }
            if !level.is_blank() {
                f.levels.insert(region, level);
            }
        }
    }

    if parts.cells == CellsRead::Full && !cell_ids.is_empty() {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT round_id, goal_id, body FROM rcc_comments WHERE ");
        push_in(&mut q, "round_id", &cell_ids);
        q.push(" AND body <> ''");
        push_cell_filters(&mut q, parts, false);
        for c in q.build().fetch_all(&mut *conn).await? {
            let goal = o.goal(c.try_get("goal_id")?)?;
            if let Some(round) = rounds.get_mut(&c.try_get::<i64, _>("round_id")?)
                && let Some(f) = followup(round, goal)
            {
                f.rcc_comment = Some(c.try_get("body")?);
            }
        }
    }
    let mut out: Vec<Round> = rounds.into_values().collect();
    out.sort_by_key(|r| r.year);
    Ok(out)
}

fn followup(round: &mut Round, goal: GoalRef) -> Option<&mut GoalFollowUp> {
    match round.goals.binary_search_by_key(&goal, |g| g.goal) {
        Ok(i) => round.goals.get_mut(i),
        Err(_) => None,
    }
}

/// The stored tallies of published rounds: per region the goals in each category, the goals
/// without a level counted as blank.
async fn read_tallies(conn: &mut Conn, o: &Outline, rows: &[&RoundRow]) -> Result<Vec<Tally>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut q = sqlx::QueryBuilder::<Db>::new("SELECT round_id, region_id, level, goals FROM round_tallies WHERE ");
    push_in(&mut q, "round_id", &ids);
    let mut tallies: BTreeMap<i64, Tally> = rows
        .iter()
        .map(|r| {
            let counts = o.data.region_codes().map(|c| (c.clone(), LevelCounts::default())).collect();
            (r.id, Tally { year: r.year, counts })
        })
        .collect();
    for t in q.build().fetch_all(&mut *conn).await? {
        let region = o.region(t.try_get("region_id")?)?;
        let level = Level::parse(&t.try_get::<String, _>("level")?).map_err(corrupt)?;
        let n = usize::try_from(t.try_get::<i32, _>("goals")?).map_err(corrupt)?;
        if let Some(tally) = tallies.get_mut(&t.try_get::<i64, _>("round_id")?) {
            *tally.counts.entry(region).or_default().0.entry(level.category()).or_default() += n;
        }
    }
    let mut out: Vec<Tally> = tallies.into_values().collect();
    for tally in &mut out {
        // The goals that round followed up (not those retired by then).
        let total = o.data.goals().filter(|(_, g)| g.followed_in(tally.year)).count();
        for counts in tally.counts.values_mut() {
            let counted: usize = counts.0.values().sum();
            *counts.0.entry(Category::Blank).or_default() += total.saturating_sub(counted);
        }
    }
    out.sort_by_key(|t| t.year);
    Ok(out)
}

async fn read_indicators(conn: &mut Conn, o: &Outline, read: IndicatorsRead) -> Result<Vec<Indicator>, StoreError> {
    if read == IndicatorsRead::None {
        return Ok(Vec::new());
    }
    let mut order = Vec::new();
    let mut indicators: HashMap<i64, Indicator> = HashMap::new();
    let seen = super::series::SEEN_BY_PLAN;
    let order_by = super::series::SERIES_ORDER;
    for i in sqlx::query(&format!(
        "SELECT i.id, i.slug, i.name, i.unit, i.higher_is_better, i.target, i.target_date, i.source, i.description \
         FROM indicators i WHERE {seen} {order_by}"
    ))
    .bind(o.plan_id)
    .fetch_all(&mut *conn)
    .await?
    {
        let id: i64 = i.try_get("id")?;
        order.push(id);
        indicators.insert(
            id,
            Indicator {
                slug: Slug::parse(&i.try_get::<String, _>("slug")?).map_err(corrupt)?,
                name: i.try_get("name")?,
                unit: i.try_get("unit")?,
                higher_is_better: i.try_get("higher_is_better")?,
                target: i.try_get("target")?,
                target_date: i.try_get::<Option<String>, _>("target_date")?.as_deref().map(date_of).transpose()?,
                source: i.try_get("source")?,
                description: i.try_get("description")?,
                goals: Vec::new(),
                values: Vec::new(),
            },
        );
    }
    // By the ids just read: an index lookup per indicator, whatever the other plans hold.
    let mut q = sqlx::QueryBuilder::<Db>::new("SELECT indicator_id, goal_id FROM indicator_goals WHERE ");
    push_in(&mut q, "indicator_id", &order);
    q.push(" ORDER BY indicator_id, position");
    for g in q.build().fetch_all(&mut *conn).await? {
        // A series is also linked to the goals of the other plans that see it: not this plan's.
        let Some(goal) = o.goals.get(&g.try_get::<i64, _>("goal_id")?).copied() else { continue };
        if let Some(i) = indicators.get_mut(&g.try_get::<i64, _>("indicator_id")?) {
            i.goals.push(goal);
        }
    }
    if read == IndicatorsRead::Values {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT indicator_id, scope, region_id, period, value, extracted, note FROM indicator_values WHERE ",
        );
        push_in(&mut q, "indicator_id", &order);
        q.push(" ORDER BY indicator_id, position");
        for v in q.build().fetch_all(&mut *conn).await? {
            let scope_text: String = v.try_get("scope")?;
            let scope = match (scope_text.as_str(), v.try_get::<Option<i64>, _>("region_id")?) {
                ("region", Some(rid)) => Scope::Region(o.region(rid)?),
                ("healthcare_region", None) => Scope::HealthcareRegion,
                ("national", None) => Scope::National,
                (other, _) => return Err(corrupt(format!("omfattning \"{other}\""))),
            };
            let period: String = v.try_get("period")?;
            let value = IndicatorValue {
                scope,
                period: Period::parse(&period).map_err(corrupt)?,
                value: v.try_get("value")?,
                extracted: v.try_get::<Option<String>, _>("extracted")?.as_deref().map(date_of).transpose()?,
                note: v.try_get("note")?,
            };
            if let Some(i) = indicators.get_mut(&v.try_get::<i64, _>("indicator_id")?) {
                i.values.push(value);
            }
        }
    }
    Ok(order.into_iter().filter_map(|id| indicators.remove(&id)).collect())
}

/// The plan's care processes and their follow-ups (of `year`, or of every year).
async fn read_processes(
    conn: &mut Conn,
    o: &Outline,
    year: Option<i32>,
) -> Result<(Vec<Process>, Vec<ProcessFollowUp>), StoreError> {
    let mut processes = Vec::new();
    let mut slugs: HashMap<i64, Slug> = HashMap::new();
    for p in sqlx::query(
        "SELECT id, slug, name, leader_name, leader_title, leader_organisation FROM processes WHERE plan_id = $1 \
         ORDER BY id",
    )
    .bind(o.plan_id)
    .fetch_all(&mut *conn)
    .await?
    {
        let slug = Slug::parse(&p.try_get::<String, _>("slug")?).map_err(corrupt)?;
        slugs.insert(p.try_get("id")?, slug.clone());
        processes.push(Process {
            slug,
            name: p.try_get("name")?,
            leader: Person {
                name: p.try_get("leader_name")?,
                title: p.try_get("leader_title")?,
                organisation: p.try_get("leader_organisation")?,
            },
        });
    }
    let of_year = |q: &mut sqlx::QueryBuilder<'_, Db>| {
        if let Some(y) = year {
            q.push(" AND f.year = ").push_bind(y);
        }
    };
    let mut goals: HashMap<i64, Vec<ProcessGoal>> = HashMap::new();
    let mut q = sqlx::QueryBuilder::<Db>::new(
        "SELECT g.followup_id, g.text, g.current_state, g.target_levels, g.target_date, g.followup \
         FROM process_goals g JOIN process_followups f ON f.id = g.followup_id \
         JOIN processes p ON p.id = f.process_id WHERE p.plan_id = ",
    );
    q.push_bind(o.plan_id);
    of_year(&mut q);
    q.push(" ORDER BY g.followup_id, g.position");
    for g in q.build().fetch_all(&mut *conn).await? {
        goals.entry(g.try_get("followup_id")?).or_default().push(ProcessGoal {
            text: g.try_get("text")?,
            current_state: g.try_get("current_state")?,
            target_levels: from_json_list(&g.try_get::<String, _>("target_levels")?)?,
            target_date: g.try_get("target_date")?,
            followup: g.try_get("followup")?,
        });
    }
    let mut followups = Vec::new();
    let mut q = sqlx::QueryBuilder::<Db>::new(
        "SELECT f.id, f.process_id, f.year, f.title, f.classification, f.plan_goals, f.signed_by, f.signed_on, \
         f.comments, f.long_term, f.level_structuring, f.patient_involvement, f.other \
         FROM process_followups f JOIN processes p ON p.id = f.process_id WHERE p.plan_id = ",
    );
    q.push_bind(o.plan_id);
    of_year(&mut q);
    q.push(" ORDER BY f.process_id, f.year");
    for f in q.build().fetch_all(&mut *conn).await? {
        let id: i64 = f.try_get("id")?;
        let process_id: i64 = f.try_get("process_id")?;
        let classification: String = f.try_get("classification")?;
        let plan_goals = from_json_list(&f.try_get::<String, _>("plan_goals")?)?
            .iter()
            .map(|g| GoalRef::parse(g).map_err(corrupt))
            .collect::<Result<Vec<_>, _>>()?;
        followups.push(ProcessFollowUp {
            process: slugs.get(&process_id).cloned().ok_or_else(|| corrupt(format!("process-id {process_id}")))?,
            year: f.try_get("year")?,
            title: f.try_get("title")?,
            classification: Classification::parse(&classification)
                .ok_or_else(|| corrupt(format!("klassning \"{classification}\"")))?,
            plan_goals,
            signed_by: f.try_get("signed_by")?,
            signed_on: f.try_get::<Option<String>, _>("signed_on")?.as_deref().map(date_of).transpose()?,
            goals: goals.remove(&id).unwrap_or_default(),
            comments: f.try_get("comments")?,
            long_term: from_json_list(&f.try_get::<String, _>("long_term")?)?,
            level_structuring: f.try_get("level_structuring")?,
            patient_involvement: f.try_get("patient_involvement")?,
            other: f.try_get("other")?,
        });
    }
    Ok((processes, followups))
}
