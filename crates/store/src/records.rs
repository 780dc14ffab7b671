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
    pub healthcare_region_code: Slug,
    pub status: uppfolj_domain::PlanStatus,
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
    /// An argon2 hash; empty for an account that signs in only through single sign-on or has not
    /// chosen its password yet (an invitation).
    pub password_hash: String,
    /// The healthcare region (its code) of RCC staff, process leaders and readers of one; a
    /// reporter's is its region's. `None` for RCC staff or a process leader: the installation's
    /// only one.
    pub healthcare_region: Option<Slug>,
    pub email: Option<String>,
    /// The identity single sign-on gives the person (the configured claim, e.g. an HSA-id).
    pub sso_id: Option<String>,
}

#[derive(Clone, Debug)]
pub struct UserRecord {
    pub account: Account,
    pub password_hash: String,
    pub created_at: OffsetDateTime,
    pub email: Option<String>,
    pub sso_id: Option<String>,
    /// A deactivated account signs in no way, and its sessions and tokens have ended.
    pub active: bool,
    pub last_login_at: Option<OffsetDateTime>,
}

/// What an administrator changes of an account: all of it but its user name, password and whether
/// it is active (each of those has its own way).
#[derive(Clone, Debug, PartialEq)]
pub struct AccountChange {
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub region: Option<RegionCode>,
    pub process: Option<Slug>,
    pub restricted_access: bool,
    pub healthcare_region: Option<Slug>,
    pub sso_id: Option<String>,
}

impl AccountChange {
    /// The account as it is, to change a part of.
    pub fn of(u: &UserRecord) -> AccountChange {
        AccountChange {
            display_name: u.account.display_name.clone(),
            email: u.email.clone(),
            role: u.account.role,
            region: u.account.region.clone(),
            process: u.account.process.clone(),
            restricted_access: u.account.restricted_access,
            healthcare_region: u.account.healthcare_region.clone(),
            sso_id: u.sso_id.clone(),
        }
    }
}

/// Which accounts a list shows (every `None`: all).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub healthcare_region: Option<Slug>,
    pub region: Option<RegionCode>,
    pub active: Option<bool>,
    /// Only accounts not signed in since then (or never).
    pub not_signed_in_since: Option<OffsetDateTime>,
}

/// How sign-in attempts of one key (a client address, an account) are limited: `free` failures
/// within `window` cost nothing; after them each attempt waits twice as long as the one before,
/// from a second up to `max_wait` — an account is slowed down, never locked out for long; with
/// `block_after`, that many failures block the key until the window has passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptLimit {
    pub window: time::Duration,
    pub free: u32,
    pub max_wait: time::Duration,
    pub block_after: Option<u32>,
}

impl AttemptLimit {
    /// How long after the last attempt the next may be made, after `failures` within the window.
    pub fn wait(&self, failures: u32) -> time::Duration {
        if self.block_after.is_some_and(|b| failures >= b) {
            return self.window;
        }
        if failures < self.free {
            return time::Duration::ZERO;
        }
        let doubled = 1i64.checked_shl(failures - self.free).unwrap_or(i64::MAX);
        time::Duration::seconds(doubled).min(self.max_wait)
    }
}

/// One of an account's sessions, as its owner sees it: a short name for it (never the token or
/// its whole hash), when it began and when it ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A mail of the outbox, to send (see [`crate::Notifications::due_mail`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// The page it is about, as a path of the app (the sender adds the installation's address).
    pub link: String,
    /// Kept from the moment it was written: a mail sent again is the same message.
    pub message_id: String,
    pub created_at: OffsetDateTime,
    pub attempts: i32,
}

/// A mail of a round's outbox, as the RCC sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub created_at: OffsetDateTime,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub sent_at: Option<OffsetDateTime>,
}

/// What a backup holds: the schema it was taken at, how many tables and rows, its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupSummary {
    pub schema: i64,
    pub tables: usize,
    pub rows: u64,
    pub sha256: String,
}

/// One edition of a published round: when and by whom it was published, its PDF's SHA-256 once
/// typeset, and when and why it was replaced (the round reopened).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditionInfo {
    pub number: u32,
    pub published_at: OffsetDateTime,
    pub published_by: String,
    pub pdf_sha256: Option<String>,
    pub replaced_at: Option<OffsetDateTime>,
    pub replaced_because: Option<String>,
}

/// A single-sign-on flow under way (see [`crate::Sessions::take_sso_flow`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoFlow {
    pub verifier: String,
    pub nonce: String,
    /// Where to go after signing in (an address of this app).
    pub next: String,
}

/// What a single-use link to choose a password is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkPurpose {
    /// A new account's first password.
    Invitation,
    /// A new password for a forgotten one.
    Reset,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::Reset => "reset",
        }
    }
    pub fn parse(s: &str) -> Option<LinkPurpose> {
        match s {
            "invitation" => Some(LinkPurpose::Invitation),
            "reset" => Some(LinkPurpose::Reset),
            _ => None,
        }
    }
    /// How long a link is valid: an invitation a week, a new password a day.
    pub fn valid_for(self) -> time::Duration {
        match self {
            LinkPurpose::Invitation => time::Duration::days(7),
            LinkPurpose::Reset => time::Duration::hours(24),
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "inbjudningslänk",
            LinkPurpose::Reset => "länk för nytt lösenord",
        }
    }
}

/// An API token as its owner sees it (never the token itself).
#[derive(Clone, Debug, PartialEq)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

impl TokenRecord {
    /// Where the token stands at `now`, in the words the app and the CLI show.
    pub fn state(&self, now: OffsetDateTime) -> &'static str {
        match (self.revoked_at, self.expires_at) {
            (Some(_), _) => "återkallad",
            (None, Some(e)) if e <= now => "har gått ut",
            _ => "gäller",
        }
    }
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

/// How far a region has come with a round: its state, and how many goals have a level and a comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionProgress {
    pub work: RegionWork,
    pub with_level: usize,
    pub with_comment: usize,
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
        // The cells are in report order: the goal's are found by halving, then the region among them.
        let start = self.cells.partition_point(|c| c.goal < goal);
        self.cells[start..].iter().take_while(|c| c.goal == goal).find(|c| &c.region == region)
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

/// What a page of one round reads besides the plan's outline (regions, areas, goals, the rounds'
/// years): only what it shows, in a few set-based statements whatever the plan's history.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Shape {
    /// The round's cells.
    pub cells: CellsRead,
    /// Only the cells of this area (`None`: every area's).
    pub area: Option<u32>,
    /// Only the cells and state of this region (`None`: every region's).
    pub region: Option<RegionCode>,
    /// The introduction and the summary.
    pub narrative: bool,
    /// The round before, read like this one.
    pub previous: Previous,
    /// Cells of the round before only, not of this one: for a form that reads this round's cells
    /// with their versions as `RoundWork`, so it reads them once.
    pub previous_cells_only: bool,
    /// The tallies of the published rounds before (what a trend shows of them).
    pub trend: bool,
    pub indicators: IndicatorsRead,
    /// The care processes and their follow-ups of this year.
    pub processes: bool,
    /// With `previous` and `trend`: the published rounds of the plan before as well, by this plan's
    /// goals that carry one of its goals on (a trend and what moved across plan periods). Its last
    /// round is in `rounds`, the others' tallies (of those goals only) in `tallies`; their years come
    /// before the plan's own.
    pub across_plans: bool,
    /// Of a published round, that edition (`None`: the newest).
    pub edition: Option<u32>,
    /// The live tables even of a published round: the plan's indicators where they are managed
    /// (series go on after a round is published; its edition keeps what it showed).
    pub live: bool,
}

/// How much of a round's cells a read takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CellsRead {
    /// None: the page shows the round's frame only.
    #[default]
    None,
    /// Levels only (counts, heatmaps, the trend).
    Levels,
    /// Levels, the regions' comments, the RCC's condensed versions and comments.
    Full,
}

/// Which round before a read takes with it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Previous {
    #[default]
    None,
    /// The last published round before: what a report compares with.
    Published,
    /// The round before, whatever its state: last year's answers beside this year's fields.
    Any,
}

/// How much of the plan's indicators a read takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum IndicatorsRead {
    #[default]
    None,
    /// The definitions and their goals, without values.
    Definitions,
    /// The definitions with every value.
    Values,
}

impl Shape {
    /// Levels only: counts and overviews.
    pub fn levels() -> Shape {
        Shape { cells: CellsRead::Levels, ..Shape::default() }
    }

    /// Every cell with its comments.
    pub fn cells() -> Shape {
        Shape { cells: CellsRead::Full, ..Shape::default() }
    }

    /// What the compiled report shows: everything of the round, the round it is compared with, the
    /// trend, the indicators and the processes' follow-ups.
    pub fn report() -> Shape {
        Shape {
            cells: CellsRead::Full,
            narrative: true,
            previous: Previous::Published,
            trend: true,
            indicators: IndicatorsRead::Values,
            processes: true,
            ..Shape::default()
        }
    }

    pub fn area(mut self, area: u32) -> Shape {
        self.area = Some(area);
        self
    }

    pub fn region(mut self, region: &RegionCode) -> Shape {
        self.region = Some(region.clone());
        self
    }
}

/// A round as an address names it, read before anything else so that who may see it is decided
/// first, and with the revision a cached page of it is kept under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundMeta {
    pub plan: Slug,
    pub year: i32,
    pub status: RoundStatus,
    /// Every round of the plan, oldest first.
    pub rounds: Vec<(i32, RoundStatus)>,
    /// Moves on with every change the round's pages can show: of the plan itself, of this round and
    /// of the rounds before it (never with a later round's).
    pub revision: i64,
}

/// One page of a long list: `number` counts from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub number: u32,
    pub size: u32,
}

impl Page {
    pub fn first(size: u32) -> Page {
        Page { number: 1, size }
    }

    /// The rows to skip before this page.
    pub fn offset(self) -> i64 {
        i64::from(self.number.saturating_sub(1)) * i64::from(self.size)
    }
}

/// A page of a long list, with how many there are in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: Page,
}

impl<T> Paged<T> {
    /// How many pages the whole list takes (at least one).
    pub fn pages(&self) -> u32 {
        let size = u64::from(self.page.size.max(1));
        u32::try_from(self.total.div_ceil(size).max(1)).unwrap_or(u32::MAX)
    }
}

/// A new plan as the RCC names it (its areas and goals come after, or from the plan before).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPlan {
    pub slug: Slug,
    pub title: String,
    pub start_year: i32,
    pub end_year: i32,
    pub adopted_by: String,
    pub adopted_on: Date,
}

/// A goal of a draft as its form gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoalDraft {
    pub text: String,
    pub targets: Vec<String>,
    /// What the two parts of a two-part level mean for the goal (both, or none).
    pub part_names: Option<[String; 2]>,
    pub lineage: Option<uppfolj_domain::Lineage>,
}

/// A region's answers in the last published round of a plan's predecessor, by the old plan's goals.
#[derive(Clone, Debug, PartialEq)]
pub struct EarlierAnswers {
    pub plan: Slug,
    pub year: i32,
    pub answers: BTreeMap<GoalRef, (Level, String)>,
}

/// A goal's wordings after adoption (see [`crate::GoalWordings::goal_wordings`]).
#[derive(Clone, Debug, PartialEq)]
pub struct GoalWordingHistory {
    /// The version a correction is based on.
    pub version: i32,
    pub retired_from: Option<i32>,
    /// The wordings it had before, oldest first.
    pub earlier: Vec<EarlierWording>,
}

/// A wording a goal had until a correction replaced it.
#[derive(Clone, Debug, PartialEq)]
pub struct EarlierWording {
    pub version: i32,
    pub text: String,
    pub targets: Vec<String>,
    pub replaced_at: time::OffsetDateTime,
    /// Why it was replaced.
    pub reason: String,
}

/// A goal through the plan periods (see [`crate::Lineages::goal_history`]), oldest period first.
#[derive(Clone, Debug, PartialEq)]
pub struct GoalHistory {
    pub periods: Vec<HistoryPeriod>,
    /// The plans that follow the goal's own plan, and the goals of theirs that carry this goal on
    /// (none: the goal ends with its plan).
    pub after: Vec<PlanAfter>,
}

/// A plan that follows another, and the goals of it that carry one goal of the other on.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanAfter {
    pub plan: Slug,
    pub title: String,
    pub status: uppfolj_domain::PlanStatus,
    pub goals: Vec<(GoalRef, uppfolj_domain::Link)>,
}

/// One plan's part of a goal's history.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryPeriod {
    pub plan: Slug,
    pub title: String,
    pub start_year: i32,
    pub end_year: i32,
    pub status: uppfolj_domain::PlanStatus,
    /// The plan's regions, in report order.
    pub regions: Vec<RegionCode>,
    /// The goal, or (before a merge) the goals, of this plan in the history.
    pub goals: Vec<HistoryGoal>,
    /// The plan's rounds, oldest first, with the cells of those goals.
    pub rounds: Vec<HistoryRound>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HistoryGoal {
    pub goal: GoalRef,
    pub text: String,
    /// How it carries on goals of the period before, and which (as that plan numbered them).
    pub lineage: Option<uppfolj_domain::Lineage>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HistoryRound {
    pub year: i32,
    pub status: RoundStatus,
    /// Goal by goal in the period's order, region by region in report order; blank cells included.
    pub cells: Vec<HistoryCell>,
    /// The RCC's comment per goal, where it wrote one.
    pub rcc_comments: BTreeMap<GoalRef, String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HistoryCell {
    pub goal: GoalRef,
    pub region: RegionCode,
    pub level: Level,
    /// As the report shows it: condensed where the RCC condensed it.
    pub comment: String,
}

impl GoalHistory {
    /// One row per round × goal × region, oldest first (the export's rows).
    pub fn rows(&self) -> Vec<uppfolj_domain::export::GoalHistoryRow> {
        let mut out = Vec::new();
        for p in &self.periods {
            for r in &p.rounds {
                for c in &r.cells {
                    out.push(uppfolj_domain::export::GoalHistoryRow {
                        plan: p.plan.to_string(),
                        year: r.year,
                        goal: c.goal.to_string(),
                        region: c.region.to_string(),
                        level: if c.level.is_blank() { String::new() } else { c.level.to_string() },
                        comment: c.comment.clone(),
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::AttemptLimit;
    use time::Duration;

    #[test]
    fn attempts_wait_longer_and_longer_up_to_a_limit() {
        let account =
            AttemptLimit { window: Duration::minutes(15), free: 5, max_wait: Duration::minutes(1), block_after: None };
        assert_eq!(account.wait(4), Duration::ZERO);
        assert_eq!(account.wait(5), Duration::seconds(1));
        assert_eq!(account.wait(7), Duration::seconds(4));
        assert_eq!(account.wait(40), Duration::minutes(1), "never longer than a minute: no lock-out");
        let client = AttemptLimit { block_after: Some(30), free: 30, ..account };
        assert_eq!(client.wait(29), Duration::ZERO);
        assert_eq!(client.wait(30), Duration::minutes(15), "blocked for the window");
    }
}
