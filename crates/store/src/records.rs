//! What the store hands out and takes in, besides the domain's own types: the working view of a round
//! with every version an edit must be based on, accounts and sessions, action plans, decisions on
//! figures. Times are `OffsetDateTime`/`Date`; the store alone knows how they are written down.

use std::collections::BTreeMap;

use time::{Date, OffsetDateTime};
use uppfolj_domain::{
    Account, ActivityStatus, GoalRef, Level, Period, RegionCode, RegionState, Role, RoundStatus, Slug,
};

/// A plan as listed on the start page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanListing {
    pub slug: Slug,
    pub title: String,
    pub healthcare_region: String,
    pub years: Vec<(i32, RoundStatus)>,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: Option<RegionCode>,
    pub process: Option<Slug>,
    pub restricted_access: bool,
    pub password_hash: String,
}

#[derive(Clone, Debug)]
pub struct UserRecord {
    pub account: Account,
    pub password_hash: String,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub user_id: i64,
    pub auth_hash: String,
    pub expires_at: OffsetDateTime,
}

/// A change to one cell: the new level and comment, and the version the change was based on.
#[derive(Clone, Debug)]
pub struct CellEdit {
    pub goal: GoalRef,
    pub level: Level,
    pub comment: String,
    pub expected_version: i32,
}

/// The RCC's condensed version of one of a region's comments (`None` removes the condensing: the
/// report uses the original again), and the version it was based on.
#[derive(Clone, Debug)]
pub struct CondensedEdit {
    pub goal: GoalRef,
    pub text: Option<String>,
    pub expected_version: i32,
}

/// The RCC's comment on a goal, and the version it was based on (0 for a goal without one).
#[derive(Clone, Debug)]
pub struct RccCommentEdit {
    pub goal: GoalRef,
    pub text: String,
    pub expected_version: i32,
}

/// One goal × region cell of a round, with the versions edits must be based on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub goal: GoalRef,
    pub region: RegionCode,
    pub level: Level,
    pub comment: String,
    pub condensed: Option<String>,
    pub version: i32,
    pub condensed_version: i32,
    pub updated_at: Option<OffsetDateTime>,
    pub updated_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionWork {
    pub region: RegionCode,
    pub state: RegionState,
    pub reason: Option<String>,
    pub version: i32,
    pub updated_at: Option<OffsetDateTime>,
}

/// The RCC's comment on a goal, with the version an edit must be based on (0: never written).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RccComment {
    pub text: String,
    pub version: i32,
}

/// A round as it is being worked on: status, every region's state, every cell with its version.
#[derive(Clone, Debug)]
pub struct RoundWork {
    pub year: i32,
    pub status: RoundStatus,
    pub deadline: Option<Date>,
    /// The version of the introduction and summary text.
    pub narrative_version: i32,
    pub regions: Vec<RegionWork>,
    pub cells: Vec<Cell>,
    /// The RCC's comment per goal; a goal without one has none here.
    pub rcc_comments: BTreeMap<GoalRef, RccComment>,
}

impl RoundWork {
    pub fn cell(&self, goal: GoalRef, region: &RegionCode) -> Option<&Cell> {
        self.cells.iter().find(|c| c.goal == goal && &c.region == region)
    }
    pub fn region(&self, region: &RegionCode) -> Option<&RegionWork> {
        self.regions.iter().find(|r| &r.region == region)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    pub id: i64,
    pub text: String,
    pub responsible: String,
    pub due: Option<Date>,
    pub status: ActivityStatus,
    pub version: i32,
}

/// A region's local action plan for one goal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionPlanEntry {
    pub goal: GoalRef,
    pub own_goal: String,
    pub current_state: String,
    /// 0 when nothing has been written yet.
    pub version: i32,
    pub activities: Vec<Activity>,
}

#[derive(Clone, Debug)]
pub struct ActivityInput {
    pub text: String,
    pub responsible: String,
    pub due: Option<Date>,
    pub status: ActivityStatus,
}

/// An indicator's short name and the version of its definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorVersion {
    pub slug: Slug,
    pub version: i32,
}

/// A figure found in a comment, and the RCC's decision: `confirm` names the indicator and period
/// the value is for; `None` rejects it.
#[derive(Clone, Debug)]
pub struct FigureInput {
    pub goal: GoalRef,
    /// Whose comment: a region code, or "RCC".
    pub author: String,
    pub scope: uppfolj_domain::Scope,
    pub value: f64,
    pub confirm: Option<(Slug, Period)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FigureDecision {
    pub goal: GoalRef,
    pub author: String,
    /// Whom the figure is about, in the data file's notation.
    pub scope: String,
    pub value: f64,
    pub confirmed: bool,
    pub indicator: Option<String>,
    pub period: Option<String>,
    pub decided_by: String,
}

/// Something a write was based on that someone else changed first: for a cell its goal, and the
/// version it has now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    pub goal: Option<GoalRef>,
    pub current: i32,
}
