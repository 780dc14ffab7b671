pub mod actionplan;
pub mod dashboard;
pub mod figures;
pub mod history;
pub mod indicators;
pub mod login;
pub mod plans;
pub mod process;
pub mod region;
pub mod report;
pub mod review;
pub mod summary;

use uppfolj_domain::{Dataset, GoalRef, RegionCode, Round, RoundStatus, Slug};

use crate::auth::Viewer;
use crate::{AppError, AppState};

/// Loads a plan or answers 404 with a message naming it.
pub(crate) async fn load_plan(state: &AppState, slug: &str) -> Result<Dataset, AppError> {
    let missing = || AppError::NotFound(format!("Det finns ingen plan med kortnamnet \"{slug}\"."));
    let plan = Slug::parse(slug).map_err(|_| missing())?;
    state.store.dataset(&plan).await?.ok_or_else(missing)
}

/// A short name from the address (an indicator's, a process's), or 404 naming `what`.
pub(crate) fn parse_slug(s: &str, what: &str) -> Result<Slug, AppError> {
    Slug::parse(s).map_err(|_| AppError::NotFound(format!("Det finns {what} \"{s}\".")))
}

/// Parses a year from the address or answers 404.
pub(crate) fn parse_year(data: &Dataset, year: &str) -> Result<i32, AppError> {
    let missing =
        || AppError::NotFound(format!("Planen \"{}\" har ingen uppföljning för år \"{year}\".", data.plan.slug));
    let y: i32 = year.parse().map_err(|_| missing())?;
    data.round(y).map(|r| r.year).ok_or_else(missing)
}

pub(crate) fn parse_goal(data: &Dataset, goal: &str) -> Result<GoalRef, AppError> {
    GoalRef::parse(goal)
        .ok()
        .filter(|g| data.goal(*g).is_some())
        .ok_or_else(|| AppError::NotFound(format!("Planen har inget mål \"{goal}\".")))
}

pub(crate) fn parse_region(data: &Dataset, region: &str) -> Result<RegionCode, AppError> {
    RegionCode::parse(region)
        .ok()
        .filter(|r| data.region_codes().any(|c| c == r))
        .ok_or_else(|| AppError::NotFound(format!("Sjukvårdsregionen har ingen region \"{region}\".")))
}

/// Published rounds are for everyone; a round in progress only for RCC staff.
pub(crate) fn may_read(viewer: &Viewer, round: &Round) -> bool {
    round.status == RoundStatus::Published || viewer.account.as_ref().is_some_and(|a| a.is_rcc())
}

pub(crate) fn check_readable(viewer: &Viewer, round: &Round) -> Result<(), AppError> {
    if may_read(viewer, round) {
        return Ok(());
    }
    viewer.require(|a| a.is_rcc(), "se en uppföljning som ännu inte är publicerad")?;
    Ok(())
}

/// "12 dagar kvar", "i dag", "3 dagar sedan".
pub(crate) fn days_to(deadline: time::Date, today: time::Date) -> String {
    let d = (deadline - today).whole_days();
    match d {
        0 => "sista dagen i dag".to_owned(),
        1 => "1 dag kvar".to_owned(),
        n if n > 1 => format!("{n} dagar kvar"),
        -1 => "passerades för 1 dag sedan".to_owned(),
        n => format!("passerades för {} dagar sedan", -n),
    }
}
