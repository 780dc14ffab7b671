//! Plans that follow plans: a goal's history back through the goals it carries on. Each plan period
//! is read in a fixed number of set-based statements for the goals of the history in it (never the
//! plans' other goals), so the read costs what the page shows; the periods are walked one by one
//! from the newest (a chain of plans is a handful long, and each step needs the one before it).

use std::collections::BTreeMap;

use sqlx::Row as _;
use uppfolj_domain::{GoalRef, Level, Lineage, RegionCode, RoundStatus, Slug};

use super::reads::push_in;
use super::{Conn, Db, StoreImpl, begin_read, corrupt, goal_db_id, goal_of, plan_ids, plan_status, region_of};
use crate::{
    EarlierAnswers, GoalHistory, HistoryCell, HistoryGoal, HistoryPeriod, HistoryRound, PlanAfter, StoreError,
};

/// More plans than this in one chain means the links loop: the walk stops.
const MOST_PERIODS: usize = 64;

/// The plans that follow plan `plan_id`, each with the goals of it that carry goal `goal_id` on.
async fn plans_after(conn: &mut Conn, plan_id: i64, goal_id: i64) -> Result<Vec<PlanAfter>, StoreError> {
    let mut after = Vec::new();
    for p in
        sqlx::query("SELECT id, slug, title, status FROM plans WHERE predecessor_id = $1 ORDER BY start_year, slug")
            .bind(plan_id)
            .fetch_all(&mut *conn)
            .await?
    {
        after.push((
            p.try_get::<i64, _>("id")?,
            PlanAfter {
                plan: Slug::parse(&p.try_get::<String, _>("slug")?).map_err(corrupt)?,
                title: p.try_get("title")?,
                status: plan_status(&p.try_get::<String, _>("status")?)?,
                goals: Vec::new(),
            },
        ));
    }
    for l in sqlx::query(
        "SELECT a.plan_id, a.number AS area_no, g.number AS goal_no, gl.link FROM goal_links gl \
         JOIN goals g ON g.id = gl.goal_id JOIN areas a ON a.id = g.area_id \
         WHERE gl.predecessor_goal_id = $1 ORDER BY a.number, g.number",
    )
    .bind(goal_id)
    .fetch_all(&mut *conn)
    .await?
    {
        let link = super::link_of(&l)?;
        let id: i64 = l.try_get("plan_id")?;
        if let Some((_, p)) = after.iter_mut().find(|(pid, _)| *pid == id) {
            p.goals.push((goal_of(&l)?, link));
        }
    }
    Ok(after.into_iter().map(|(_, p)| p).collect())
}

#[async_trait::async_trait]
impl crate::Lineages for StoreImpl {
    #[tracing::instrument(skip_all, fields(plan = %plan, goal = %goal))]
    async fn goal_history(&self, plan: &Slug, goal: GoalRef) -> Result<GoalHistory, StoreError> {
        let mut tx = begin_read(&self.pool).await?;
        let (mut plan_id, _) = plan_ids(&mut tx, plan).await?;
        let mut goal_ids = vec![goal_db_id(&mut tx, plan_id, goal).await?];
        let after = plans_after(&mut tx, plan_id, goal_ids[0]).await?;
        let mut periods = Vec::new();
        while periods.len() < MOST_PERIODS {
            let row = sqlx::query(
                "SELECT slug, title, start_year, end_year, status, predecessor_id, healthcare_region_id FROM plans \
                 WHERE id = $1",
            )
            .bind(plan_id)
            .fetch_one(&mut *tx)
            .await?;
            let regions = sqlx::query("SELECT code FROM regions WHERE healthcare_region_id = $1 ORDER BY position")
                .bind(row.try_get::<i64, _>("healthcare_region_id")?)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| region_of(r, "code"))
                .collect::<Result<Vec<_>, _>>()?;

            // The goals, and which goals of the period before they carry on.
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT g.id, a.number AS area_no, g.number AS goal_no, g.text FROM goals g \
                 JOIN areas a ON a.id = g.area_id WHERE ",
            );
            push_in(&mut q, "g.id", &goal_ids);
            q.push(" ORDER BY a.number, g.number");
            let mut goals: Vec<(i64, HistoryGoal)> = Vec::new();
            for g in q.build().fetch_all(&mut *tx).await? {
                goals.push((
                    g.try_get("id")?,
                    HistoryGoal { goal: goal_of(&g)?, text: g.try_get("text")?, lineage: None },
                ));
            }
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT gl.goal_id, gl.predecessor_goal_id, gl.link, pa.number AS area_no, pg.number AS goal_no \
                 FROM goal_links gl JOIN goals pg ON pg.id = gl.predecessor_goal_id \
                 JOIN areas pa ON pa.id = pg.area_id WHERE ",
            );
            push_in(&mut q, "gl.goal_id", &goal_ids);
            q.push(" ORDER BY gl.goal_id, gl.position");
            let mut before: Vec<i64> = Vec::new();
            for l in q.build().fetch_all(&mut *tx).await? {
                let link = super::link_of(&l)?;
                let id: i64 = l.try_get("goal_id")?;
                if let Some((_, g)) = goals.iter_mut().find(|(gid, _)| *gid == id) {
                    g.lineage.get_or_insert(Lineage { link, goals: Vec::new() }).goals.push(goal_of(&l)?);
                }
                let old: i64 = l.try_get("predecessor_goal_id")?;
                if !before.contains(&old) {
                    before.push(old);
                }
            }

            // Every round of the plan, with these goals' cells (each comment as the report shows it:
            // condensed where the RCC condensed it) and the RCC's comments on them.
            let mut rounds: Vec<(i64, HistoryRound)> = Vec::new();
            for r in sqlx::query("SELECT id, year, status FROM rounds WHERE plan_id = $1 ORDER BY year")
                .bind(plan_id)
                .fetch_all(&mut *tx)
                .await?
            {
                let status: String = r.try_get("status")?;
                rounds.push((
                    r.try_get("id")?,
                    HistoryRound {
                        year: r.try_get("year")?,
                        status: RoundStatus::parse(&status).ok_or_else(|| corrupt(format!("status \"{status}\"")))?,
                        cells: Vec::new(),
                        rcc_comments: BTreeMap::new(),
                    },
                ));
            }
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT s.round_id, a.number AS area_no, g.number AS goal_no, r.code, s.level, \
                 CASE WHEN s.condensed IS NOT NULL AND s.condensed <> '' THEN s.condensed ELSE s.comment END \
                 AS comment FROM assessments s JOIN goals g ON g.id = s.goal_id JOIN areas a ON a.id = g.area_id \
                 JOIN regions r ON r.id = s.region_id WHERE ",
            );
            push_in(&mut q, "s.goal_id", &goal_ids);
            q.push(" ORDER BY s.round_id, a.number, g.number, r.position");
            for c in q.build().fetch_all(&mut *tx).await? {
                let round: i64 = c.try_get("round_id")?;
                let level: String = c.try_get("level")?;
                if let Some((_, r)) = rounds.iter_mut().find(|(id, _)| *id == round) {
                    r.cells.push(HistoryCell {
                        goal: goal_of(&c)?,
                        region: region_of(&c, "code")?,
                        level: Level::parse(&level).map_err(corrupt)?,
                        comment: c.try_get("comment")?,
                    });
                }
            }
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT c.round_id, a.number AS area_no, g.number AS goal_no, c.body FROM rcc_comments c \
                 JOIN goals g ON g.id = c.goal_id JOIN areas a ON a.id = g.area_id WHERE ",
            );
            push_in(&mut q, "c.goal_id", &goal_ids);
            for c in q.build().fetch_all(&mut *tx).await? {
                let round: i64 = c.try_get("round_id")?;
                if let Some((_, r)) = rounds.iter_mut().find(|(id, _)| *id == round) {
                    r.rcc_comments.insert(goal_of(&c)?, c.try_get("body")?);
                }
            }

            periods.push(HistoryPeriod {
                plan: Slug::parse(&row.try_get::<String, _>("slug")?).map_err(corrupt)?,
                title: row.try_get("title")?,
                start_year: row.try_get("start_year")?,
                end_year: row.try_get("end_year")?,
                status: plan_status(&row.try_get::<String, _>("status")?)?,
                regions,
                goals: goals.into_iter().map(|(_, g)| g).collect(),
                rounds: rounds.into_iter().map(|(_, r)| r).collect(),
            });
            match row.try_get::<Option<i64>, _>("predecessor_id")? {
                Some(p) if !before.is_empty() => {
                    plan_id = p;
                    goal_ids = before;
                }
                _ => break,
            }
        }
        tx.commit().await?;
        periods.reverse();
        Ok(GoalHistory { periods, after })
    }

    #[tracing::instrument(skip_all, fields(plan = %plan, region = %region))]
    async fn predecessor_answers(
        &self,
        plan: &Slug,
        region: &RegionCode,
    ) -> Result<Option<EarlierAnswers>, StoreError> {
        let mut tx = begin_read(&self.pool).await?;
        let Some(round) = sqlx::query(
            "SELECT before.slug, r.id, r.year FROM plans p JOIN plans before ON before.id = p.predecessor_id \
             JOIN rounds r ON r.plan_id = before.id WHERE p.slug = $1 AND r.status = $2 ORDER BY r.year DESC LIMIT 1",
        )
        .bind(plan.as_str())
        .bind(RoundStatus::Published.as_str())
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let mut answers = BTreeMap::new();
        for c in sqlx::query(
            "SELECT a.number AS area_no, g.number AS goal_no, s.level, s.comment FROM assessments s \
             JOIN goals g ON g.id = s.goal_id JOIN areas a ON a.id = g.area_id \
             JOIN regions rg ON rg.id = s.region_id WHERE s.round_id = $1 AND rg.code = $2",
        )
        .bind(round.try_get::<i64, _>("id")?)
        .bind(region.as_str())
        .fetch_all(&mut *tx)
        .await?
        {
            let level: String = c.try_get("level")?;
            answers.insert(goal_of(&c)?, (Level::parse(&level).map_err(corrupt)?, c.try_get("comment")?));
        }
        tx.commit().await?;
        Ok(Some(EarlierAnswers {
            plan: Slug::parse(&round.try_get::<String, _>("slug")?).map_err(corrupt)?,
            year: round.try_get("year")?,
            answers,
        }))
    }
}

/// The published rounds of the plan before plan `plan_id`, by the goals of this plan that carry one
/// old goal on (continued or split from it; a merged goal has no one level before): the last of
/// them as a round of levels (what moved since), and every one of them as a tally of those goals
/// (what the trend shows). Years this plan follows up itself are left out. One statement, by the
/// links of this plan's goals.
pub(super) async fn bridged(
    conn: &mut Conn,
    plan_id: i64,
    goals: &std::collections::HashMap<i64, GoalRef>,
    regions: &[RegionCode],
    own_years: &[i32],
) -> Result<(Option<uppfolj_domain::Round>, Vec<uppfolj_domain::Tally>), StoreError> {
    use uppfolj_domain::{GoalFollowUp, LevelCounts, Period, Round, Tally};
    let rows = sqlx::query(
        "SELECT l.goal_id, r.year, r.conducted, s.level, rg.code FROM goal_links l \
         JOIN goals g ON g.id = l.goal_id JOIN areas a ON a.id = g.area_id \
         JOIN assessments s ON s.goal_id = l.predecessor_goal_id JOIN rounds r ON r.id = s.round_id \
         JOIN regions rg ON rg.id = s.region_id \
         WHERE a.plan_id = $1 AND l.link <> 'merge' AND r.status = 'published' ORDER BY r.year, l.goal_id",
    )
    .bind(plan_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut rounds: BTreeMap<i32, (String, BTreeMap<GoalRef, GoalFollowUp>)> = BTreeMap::new();
    for r in &rows {
        let year: i32 = r.try_get("year")?;
        if own_years.contains(&year) {
            continue;
        }
        let Some(goal) = goals.get(&r.try_get::<i64, _>("goal_id")?).copied() else { continue };
        let level = Level::parse(&r.try_get::<String, _>("level")?).map_err(corrupt)?;
        let conducted: String = r.try_get("conducted")?;
        let (_, cells) = rounds.entry(year).or_insert_with(|| (conducted, BTreeMap::new()));
        let f = cells.entry(goal).or_insert_with(|| GoalFollowUp::empty(goal));
        if !level.is_blank() {
            f.levels.insert(region_of(r, "code")?, level);
        }
    }
    // Each region's counts over the goals carried on (a level not given counts as blank).
    let tallies = rounds
        .iter()
        .map(|(year, (_, cells))| {
            let counts = regions
                .iter()
                .map(|code| {
                    let mut c = LevelCounts::default();
                    for f in cells.values() {
                        *c.0.entry(f.level(code).category()).or_default() += 1;
                    }
                    (code.clone(), c)
                })
                .collect();
            Tally { year: *year, counts }
        })
        .collect();
    let last = rounds.into_iter().next_back().map(|(year, (conducted, cells))| Round {
        year,
        conducted: Period::parse(&conducted).unwrap_or(Period::Year(year)),
        is_final: true,
        status: RoundStatus::Published,
        deadline: None,
        states: BTreeMap::new(),
        introduction: String::new(),
        summary: Vec::new(),
        goals: cells.into_values().collect(),
    });
    Ok((last, tallies))
}
