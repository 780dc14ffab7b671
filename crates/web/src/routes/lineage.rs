//! A goal's whole history: the goal followed back through the plans before it (the goals it
//! continues, was split from or merged from), every round of every period with each region's level
//! and comment and the RCC's comment. Rounds the viewer may not read are left out and counted.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use uppfolj_domain::{GoalRef, Link, RoundView, Slug};
use uppfolj_store::{GoalHistory, HistoryPeriod, StoreError};

use super::round_view;
use crate::auth::Viewer;
use crate::extract::Path;
use crate::views::{Crumb, LevelView, Nav, crumb, level_view};
use crate::{AppError, AppState};

pub struct GoalLine {
    pub id: String,
    pub text: String,
    /// How it carries on the period before, in words; empty for a goal new in its plan.
    pub lineage: String,
}

pub struct LevelRow {
    pub goal: String,
    pub levels: Vec<LevelView>,
}

pub struct RoundBlock {
    pub year: i32,
    pub href: String,
    pub open: bool,
    pub regions: Vec<String>,
    pub rows: Vec<LevelRow>,
    /// Region, goal (when the period has several), comment.
    pub comments: Vec<(String, String, String)>,
    /// Goal (when the period has several), the RCC's comment.
    pub rcc: Vec<(String, String)>,
}

/// A plan after the goal's own: where it goes on, or that it ends there.
pub struct AfterLine {
    pub title: String,
    pub href: String,
    /// The goals of that plan that carry this one on: address, number, how.
    pub goals: Vec<(String, String, &'static str)>,
}

pub struct PeriodBlock {
    pub title: String,
    pub href: String,
    pub years: String,
    pub goals: Vec<GoalLine>,
    pub rounds: Vec<RoundBlock>,
}

#[derive(Template, WebTemplate)]
#[template(path = "goal_history.html")]
pub struct GoalHistoryPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    title: String,
    periods: Vec<PeriodBlock>,
    hidden: usize,
    after: Vec<AfterLine>,
    csv: String,
    /// "Utgått från 2026", when it is.
    retired: Option<String>,
    /// The wordings the goal had before its corrections: when replaced, text, why.
    earlier: Vec<(String, String, String)>,
    /// The correction and retirement forms (RCC staff, an adopted or closed plan).
    forms: Option<super::wording::WordingForms>,
}

pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, goal)): Path<(String, String)>,
) -> Result<GoalHistoryPage, AppError> {
    render(&state, &viewer, &plan, &goal, None).await
}

/// The goal's page; `typed` is a refused form, shown with what was typed and the problem.
pub(crate) async fn render(
    state: &AppState,
    viewer: &Viewer,
    plan: &str,
    goal: &str,
    typed: Option<super::wording::Typed>,
) -> Result<GoalHistoryPage, AppError> {
    let plan = plan.to_owned();
    let missing = || AppError::NotFound(format!("Det finns ingen plan med kortnamnet \"{plan}\"."));
    let slug = Slug::parse(&plan).map_err(|_| missing())?;
    let goal = GoalRef::parse(goal)
        .map_err(|_| AppError::NotFound(format!("\"{goal}\" är inget mål: skriv till exempel 3.3.")))?;
    let mut history = match state.store.goal_history(&slug, goal).await {
        Err(StoreError::NotFound(m)) => return Err(AppError::NotFound(crate::error::capitalise(&m))),
        other => other?,
    };
    // A draft is RCC staff's only: for everyone else the plan does not exist.
    let Some(own) = history.periods.last() else { return Err(missing()) };
    if !super::plan_visible(viewer, own.status) {
        return Err(missing());
    }
    let own_status = own.status;
    let wordings = state.store.goal_wordings(&slug, goal).await?;
    let earlier = wordings
        .earlier
        .iter()
        .map(|w| {
            let text = if w.targets.is_empty() {
                w.text.clone()
            } else {
                format!("{} (Målnivåer: {})", w.text, w.targets.join("; "))
            };
            (uppfolj_domain::ids::swedish_time(w.replaced_at), text, w.reason.clone())
        })
        .collect();
    let forms =
        if own_status != uppfolj_domain::PlanStatus::Draft && viewer.account.as_ref().is_some_and(|a| a.is_rcc()) {
            let current = state.store.outline(&slug).await?.and_then(|d| d.goal(goal).cloned());
            current.map(|g| super::wording::forms(&slug, goal, &g, &wordings, typed))
        } else {
            None
        };
    history.periods.retain(|p| super::plan_visible(viewer, p.status));
    let (periods, hidden) = blocks(&history, viewer);
    let after = history
        .after
        .iter()
        .filter(|p| super::plan_visible(viewer, p.status))
        .map(|p| AfterLine {
            title: p.title.clone(),
            href: format!("/planer/{}", p.plan),
            goals: p
                .goals
                .iter()
                .map(|(g, link)| (format!("/planer/{}/mal/{g}", p.plan), g.to_string(), link.label()))
                .collect(),
        })
        .collect();
    Ok(GoalHistoryPage {
        nav: Nav::of(viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}"), history.periods.last().map_or(plan.clone(), |p| p.title.clone())),
            crumb(format!("/planer/{slug}/mal/{goal}"), format!("Mål {goal} genom åren")),
        ],
        title: format!("Mål {goal} genom åren"),
        periods,
        hidden,
        after,
        csv: format!("uppfolj export goal-history --plan {slug} --goal {goal} --format csv"),
        retired: wordings.retired_from.map(|y| format!("Målet har utgått: det följs inte upp från {y}.")),
        earlier,
        forms,
    })
}

/// The periods as the viewer may see them, and how many rounds were left out.
fn blocks(history: &GoalHistory, viewer: &Viewer) -> (Vec<PeriodBlock>, usize) {
    let mut hidden = 0;
    let periods = history
        .periods
        .iter()
        .map(|p| {
            let several = p.goals.len() > 1;
            let rounds = p
                .rounds
                .iter()
                .filter_map(|r| {
                    let view = round_view(viewer, r.status);
                    if view == RoundView::Nothing {
                        hidden += 1;
                        return None;
                    }
                    Some(round_block(p, r, &view, several))
                })
                .collect();
            PeriodBlock {
                title: p.title.clone(),
                href: format!("/planer/{}", p.plan),
                years: format!("{}–{}", p.start_year, p.end_year),
                goals: p
                    .goals
                    .iter()
                    .map(|g| GoalLine { id: g.goal.to_string(), text: g.text.clone(), lineage: lineage_words(g) })
                    .collect(),
                rounds,
            }
        })
        .collect();
    (periods, hidden)
}

fn round_block(p: &HistoryPeriod, r: &uppfolj_store::HistoryRound, view: &RoundView, several: bool) -> RoundBlock {
    let regions: Vec<_> = p.regions.iter().filter(|c| view.includes(c)).collect();
    let rows = p
        .goals
        .iter()
        .map(|g| LevelRow {
            goal: g.goal.to_string(),
            levels: regions
                .iter()
                .map(|code| {
                    let level = r.cells.iter().find(|c| c.goal == g.goal && &c.region == *code).map(|c| c.level);
                    level_view(level.unwrap_or_default(), None)
                })
                .collect(),
        })
        .collect();
    let label = |g: GoalRef| if several { format!("mål {g}") } else { String::new() };
    RoundBlock {
        year: r.year,
        href: format!("/planer/{}/{}", p.plan, r.year),
        open: r.status != uppfolj_domain::RoundStatus::Published,
        regions: regions.iter().map(ToString::to_string).collect(),
        rows,
        comments: r
            .cells
            .iter()
            .filter(|c| view.includes(&c.region) && !c.comment.trim().is_empty())
            .map(|c| (c.region.to_string(), label(c.goal), c.comment.clone()))
            .collect(),
        rcc: if *view == RoundView::Whole {
            r.rcc_comments.iter().map(|(g, t)| (label(*g), t.clone())).collect()
        } else {
            Vec::new()
        },
    }
}

fn lineage_words(g: &uppfolj_store::HistoryGoal) -> String {
    let Some(l) = &g.lineage else { return String::new() };
    let list = l.goals.iter().map(|r| format!("mål {r}")).collect::<Vec<_>>().join(" och ");
    match l.link {
        Link::Continues => format!("Fortsätter {list} i planen före."),
        Link::Split => format!("En del av {list} i planen före, som delades."),
        Link::Merge => crate::error::capitalise(&format!("{list} i planen före slogs ihop till det här målet.")),
    }
}
