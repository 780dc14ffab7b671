pub mod accounts;
pub mod actionplan;
pub mod dashboard;
pub mod drafts;
pub mod figures;
pub mod forgot;
pub mod history;
pub mod indicators;
pub mod lineage;
pub mod login;
pub mod mailing;
pub mod own;
pub mod plans;
pub mod process;
pub mod region;
pub mod report;
pub mod review;
pub mod sso;
pub mod summary;
pub mod wording;

use std::sync::Arc;

use uppfolj_domain::{Dataset, GoalRef, PlanStatus, RegionCode, Round, RoundStatus, RoundView, Slug};
use uppfolj_store::{RoundMeta, RoundWork, Shape};

use crate::auth::Viewer;
use crate::{AppError, AppState};

fn no_plan(slug: &str) -> AppError {
    AppError::NotFound(format!("Det finns ingen plan med kortnamnet \"{slug}\"."))
}

/// A plan's frame (regions, areas, goals; no rounds) or 404 naming it: for the pages of a plan that
/// are not of one round. A draft is RCC staff's and admins' only: for everyone else it does not exist.
pub(crate) async fn load_outline(state: &AppState, slug: &str, viewer: &Viewer) -> Result<Dataset, AppError> {
    let plan = Slug::parse(slug).map_err(|_| no_plan(slug))?;
    let data = state.store.outline(&plan).await?.ok_or_else(|| no_plan(slug))?;
    if !plan_visible(viewer, data.plan.status) {
        return Err(no_plan(slug));
    }
    Ok(data)
}

/// Whether `viewer` may see a plan of `status`: a draft only RCC staff of its healthcare region and
/// admins (on a plan's pages the viewer's account is already the one it has on that plan).
pub(crate) fn plan_visible(viewer: &Viewer, status: PlanStatus) -> bool {
    status != PlanStatus::Draft || viewer.account.as_ref().is_some_and(|a| a.is_rcc())
}

/// A short name from the address (an indicator's, a process's), or 404 naming `what`.
pub(crate) fn parse_slug(s: &str, what: &str) -> Result<Slug, AppError> {
    Slug::parse(s).map_err(|_| AppError::NotFound(format!("Det finns {what} \"{s}\".")))
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

/// What `viewer` may see of a round in `status` (the one rule, `RoundView::of`).
pub(crate) fn round_view(viewer: &Viewer, status: RoundStatus) -> RoundView {
    RoundView::of(viewer.account.as_ref(), status)
}

/// The round a read was made for (it is always in it).
pub(crate) fn round_in(data: &Dataset, year: i32) -> Result<&Round, AppError> {
    data.round(year).ok_or_else(|| AppError::NotFound(format!("Planen har ingen uppföljning för {year}.")))
}

/// The round an address names (`/planer/{plan}/{year}/…`): its status and revision (one small
/// read), who asks and what they may see of it. Nothing more is read until the handler has decided
/// the viewer may see it and asks for what its page shows ([`RoundAt::read`]). Every handler of a
/// round starts from here, so that the rule of who sees a round in progress is the same everywhere
/// (the JSON API included).
pub(crate) struct RoundAt {
    pub meta: RoundMeta,
    pub year: i32,
    pub viewer: Viewer,
    pub view: RoundView,
}

impl RoundAt {
    pub fn slug(&self) -> &Slug {
        &self.meta.plan
    }

    pub fn status(&self) -> RoundStatus {
        self.meta.status
    }

    /// For a page that shows the whole round: anonymous visitors are sent to log in, others refused.
    pub fn require_whole(&self) -> Result<(), AppError> {
        if self.view == RoundView::Whole {
            return Ok(());
        }
        self.viewer.require(|_| false, "se en uppföljning som ännu inte är publicerad")?;
        Ok(())
    }

    /// The round as `shape` says: what the page shows and nothing more, from memory while the
    /// round is published and was read before under the same revision.
    pub async fn read(&self, state: &AppState, shape: Shape) -> Result<Arc<Dataset>, AppError> {
        let store = &state.store;
        let started = std::time::Instant::now();
        let read = async { store.round_data(&self.meta.plan, self.year, &shape).await.map_err(AppError::from) };
        let data = state.cache.read(&self.meta, &shape, read).await;
        tracing::debug!(plan = %self.meta.plan, year = self.year, ms = started.elapsed().as_secs_f64() * 1000.0, "read");
        data
    }

    /// The round's states and cells with their versions (of one region, or all), read once per revision.
    pub async fn work(&self, state: &AppState, region: Option<&RegionCode>) -> Result<Arc<RoundWork>, AppError> {
        let read = async { state.store.round_work(&self.meta.plan, self.year, region).await.map_err(AppError::from) };
        state.cache.work(&self.meta, region, read).await
    }

    /// The years of the plan's rounds that the viewer may read, oldest first.
    pub fn readable_years(&self) -> Vec<i32> {
        readable(&self.viewer, &self.meta.rounds)
    }
}

/// The years of `rounds` that `viewer` may read, oldest first.
pub(crate) fn readable(viewer: &Viewer, rounds: &[(i32, RoundStatus)]) -> Vec<i32> {
    rounds.iter().filter(|(_, s)| round_view(viewer, *s) == RoundView::Whole).map(|(y, _)| *y).collect()
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
        let slug = Slug::parse(&plan).map_err(|_| refuse(no_plan(&plan)))?;
        let no_year =
            || refuse(AppError::NotFound(format!("Planen \"{slug}\" har ingen uppföljning för år \"{year}\".")));
        let y: i32 = year.parse().map_err(|_| no_year())?;
        let meta = match crate::cache::round_meta(parts, state, &slug, y).await {
            Ok(meta) => meta,
            Err(uppfolj_store::StoreError::NotFound(_)) => {
                // Which is missing, the plan or the round, decides the message.
                return Err(match state.store.rounds_of(&slug).await {
                    Ok(_) => no_year(),
                    Err(_) => refuse(no_plan(&plan)),
                });
            }
            Err(e) => return Err(refuse(e.into())),
        };
        let view = round_view(&viewer, meta.status);
        Ok(RoundAt { meta, year: y, viewer, view })
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
