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

use uppfolj_domain::{Dataset, GoalRef, RegionCode, Round, RoundView, Slug};

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

/// What `viewer` may see of `round` (the one rule, `RoundView::of`).
pub(crate) fn round_view(viewer: &Viewer, round: &Round) -> RoundView {
    RoundView::of(viewer.account.as_ref(), round.status)
}

/// Whether `viewer` may see all of `round`: a page that shows the whole round asks this.
pub(crate) fn may_read(viewer: &Viewer, round: &Round) -> bool {
    round_view(viewer, round) == RoundView::Whole
}

/// The round an address names (`/planer/{plan}/{year}/…`), loaded with its plan, with who asks and
/// what they may see of it. Every handler of a round starts from here, so that a handler is its own
/// logic and the rule of who sees a round in progress is the same everywhere (the JSON API included).
pub(crate) struct RoundAt {
    pub data: Dataset,
    pub year: i32,
    pub viewer: Viewer,
    pub view: RoundView,
    /// Where the round is in `data.rounds`.
    index: usize,
}

impl RoundAt {
    pub fn round(&self) -> &Round {
        &self.data.rounds[self.index]
    }

    pub fn slug(&self) -> &Slug {
        &self.data.plan.slug
    }

    /// For a page that shows the whole round: anonymous visitors are sent to log in, others refused.
    pub fn require_whole(&self) -> Result<(), AppError> {
        if self.view == RoundView::Whole {
            return Ok(());
        }
        self.viewer.require(|_| false, "se en uppföljning som ännu inte är publicerad")?;
        Ok(())
    }
}

impl axum::extract::FromRequestParts<AppState> for RoundAt {
    type Rejection = crate::extract::Rejection;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::extract::RawPathParams;
        let api = parts.uri.path().starts_with("/api/");
        let refuse = |error: AppError| crate::extract::Rejection::new(error, api);
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| refuse(AppError::BadRequest("Adressen innehåller tecken som inte kan läsas.".to_owned())))?;
        let param = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_owned()).unwrap_or_default();
        let (plan, year) = (param("plan"), param("year"));
        let viewer = Viewer::from_request_parts(parts, state).await.map_err(|r| refuse(r.error))?;
        let data = load_plan(state, &plan).await.map_err(refuse)?;
        let year = parse_year(&data, &year).map_err(refuse)?;
        let missing = || refuse(AppError::NotFound(format!("Planen har ingen uppföljning för {year}.")));
        let index = data.rounds.iter().position(|r| r.year == year).ok_or_else(missing)?;
        let view = round_view(&viewer, &data.rounds[index]);
        Ok(RoundAt { data, year, viewer, view, index })
    }
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
