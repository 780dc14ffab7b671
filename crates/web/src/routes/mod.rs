pub mod indicators;
pub mod plans;
pub mod process;

use uppfolj_domain::Dataset;

use crate::{AppError, AppState};

/// Loads a plan or answers 404 with a message naming it.
pub(crate) async fn load_plan(state: &AppState, slug: &str) -> Result<Dataset, AppError> {
    state
        .store
        .dataset(slug)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Det finns ingen plan med kortnamnet \"{slug}\".")))
}

/// Parses a year from the address or answers 404.
pub(crate) fn parse_year(data: &Dataset, year: &str) -> Result<i32, AppError> {
    let missing =
        || AppError::NotFound(format!("Planen \"{}\" har ingen uppföljning för år \"{year}\".", data.plan.slug));
    let y: i32 = year.parse().map_err(|_| missing())?;
    data.round(y).map(|r| r.year).ok_or_else(missing)
}
