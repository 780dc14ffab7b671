//! The store's interface, one trait per aggregate; [`Store`] is all of them. Each trait is
//! implemented once, in `sql/<aggregate>.rs`, for both backends.
//!
//! Every write records its audit events in the same transaction as the change. Every versioned
//! write names the version it was based on and is refused (`StoreError::Stale`) when someone else
//! changed the thing first — checked by the row the write changes, never by comparing beforehand.
//! Callers hold an `Arc<dyn Store>`; a trait object's supertraits' methods need no import.

// Write methods name everything they touch plus the version and the actor; a struct per call would
// only move the list elsewhere.
#![allow(clippy::too_many_arguments)]

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use uppfolj_domain::{
    AuditEvent, Dataset, GoalRef, Period, PlanStatus, ProcessFollowUp, RegionCode, RegionState, RoundStatus, Scope,
    Slug, StateAction, SummarySection,
};

use crate::{
    AccountChange, ActionPlanEntry, ActivityInput, Actor, AttemptLimit, Backend, BackupSummary, CellEdit,
    CondensedEdit, EarlierAnswers, EditionInfo, FigureDecision, FigureInput, GoalDraft, GoalHistory,
    GoalWordingHistory, IndicatorVersion, LinkPurpose, NewPlan, NewUser, OutboxEntry, OutgoingMail, Page, Paged,
    PlanListing, Progress, RccCommentEdit, RegionProgress, RoundMeta, RoundWork, SessionInfo, SessionRecord, Shape,
    SsoFlow, StoreError, TokenRecord, UserFilter, UserRecord,
};

/// The whole store: every aggregate, and the database itself.
#[async_trait]
pub trait Store:
    DataFiles
    + Rounds
    + Narrative
    + Cells
    + Indicators
    + History
    + ActionPlans
    + ProcessFollowUps
    + Accounts
    + Sessions
    + Notifications
    + Lineages
    + PlanDrafts
    + GoalWordings
    + Editions
    + Backups
{
    fn backend(&self) -> Backend;
    /// Brings the schema up to date. Safe to run again.
    async fn migrate(&self) -> Result<(), StoreError>;
    /// Whether the database answers a read.
    async fn check_read(&self) -> Result<(), StoreError>;
    /// Whether the database takes a write: one row is updated and committed, so a read-only database
    /// or a full disk shows.
    async fn check_write(&self, now: OffsetDateTime) -> Result<(), StoreError>;
    /// Closes the connections.
    async fn close(&self);
}

/// The whole database as one file and back (see `sql::backup` for the format).
#[async_trait]
pub trait Backups: Send + Sync {
    /// Writes every table to `out` from one consistent snapshot while others go on writing;
    /// answers what it holds.
    async fn backup(
        &self,
        out: &mut (dyn std::io::Write + Send),
        now: OffsetDateTime,
    ) -> Result<BackupSummary, StoreError>;
    /// Checks `file`'s sum, then writes all of it into this database — which must be empty and of
    /// the backup's schema — in one transaction.
    async fn restore(&self, file: &std::path::Path) -> Result<BackupSummary, StoreError>;
}

/// A published round's editions: what it showed when it was published, every time it was.
#[async_trait]
pub trait Editions: Send + Sync {
    /// The round's editions, oldest first (none for a round never published).
    async fn editions(&self, plan: &Slug, year: i32) -> Result<Vec<EditionInfo>, StoreError>;
    /// One edition, with everything its compiled report shows.
    async fn edition(&self, plan: &Slug, year: i32, number: u32) -> Result<Option<(EditionInfo, Dataset)>, StoreError>;
    /// The edition's PDF, once it has been typeset.
    async fn edition_pdf(&self, plan: &Slug, year: i32, number: u32) -> Result<Option<Vec<u8>>, StoreError>;
    /// Keeps the edition's PDF and its SHA-256, unless one is kept already; answers the one kept.
    async fn keep_edition_pdf(&self, plan: &Slug, year: i32, number: u32, pdf: &[u8]) -> Result<Vec<u8>, StoreError>;
    /// Makes edition 1 of every published round that has none (published before editions existed),
    /// as its pages showed it; answers how many. Run after migrating.
    async fn freeze_unfrozen(&self, now: OffsetDateTime) -> Result<usize, StoreError>;
}

/// Plans written in the app: a draft and its areas and goals. Every write refuses (`Conflict`) a
/// plan that is no longer a draft, and records an audit event.
#[async_trait]
pub trait PlanDrafts: Send + Sync {
    /// A draft that follows `of` (adopted or closed) with a copy of its areas and goals, each goal
    /// continuing the one it was copied from.
    async fn create_successor(&self, of: &Slug, new: &NewPlan, actor: &Actor) -> Result<(), StoreError>;
    /// An empty draft of the healthcare region `region` (its areas and goals are added after).
    async fn create_plan(&self, region: &Slug, new: &NewPlan, actor: &Actor) -> Result<(), StoreError>;
    /// The installation's healthcare regions (code, name), for a new plan to belong to.
    async fn healthcare_regions(&self) -> Result<Vec<(Slug, String)>, StoreError>;
    /// A new title for an area of the draft.
    async fn rename_area(&self, plan: &Slug, area: u32, title: &str, actor: &Actor) -> Result<(), StoreError>;
    /// Swaps a goal of the draft with the one before it in its area.
    async fn move_goal_up(&self, plan: &Slug, goal: GoalRef, actor: &Actor) -> Result<(), StoreError>;
    /// Removes a goal of the draft; the goals after it in its area move up one number.
    async fn remove_goal(&self, plan: &Slug, goal: GoalRef, actor: &Actor) -> Result<(), StoreError>;
    /// Swaps an area of the draft (with its goals) with the one before it.
    async fn move_area_up(&self, plan: &Slug, area: u32, actor: &Actor) -> Result<(), StoreError>;
    /// Removes an area of the draft with its goals (refused, `Conflict`, when something points at
    /// one of them); the areas after it move up one number.
    async fn remove_area(&self, plan: &Slug, area: u32, actor: &Actor) -> Result<(), StoreError>;
    /// The draft's title, short name, period and adoption (`PlanExists` when the short name is taken).
    async fn edit_draft(&self, plan: &Slug, new: &NewPlan, actor: &Actor) -> Result<(), StoreError>;
    /// A new area last in the draft; answers its number.
    async fn add_area(&self, plan: &Slug, title: &str, actor: &Actor) -> Result<u32, StoreError>;
    /// A new goal last in the area; answers its reference.
    async fn add_goal(&self, plan: &Slug, area: u32, text: &str, actor: &Actor) -> Result<GoalRef, StoreError>;
    /// A goal's text, targets and the goals of the plan before it carries on (each must exist there).
    async fn edit_goal(&self, plan: &Slug, goal: GoalRef, edit: &GoalDraft, actor: &Actor) -> Result<(), StoreError>;
}

/// An adopted (or closed) plan's goals after adoption. A draft's goals are edited as a draft
/// ([`PlanDrafts`]); these refuse one (`Conflict`).
#[async_trait]
pub trait GoalWordings: Send + Sync {
    /// The goal's version (what a correction is based on), the year it is retired from, and the
    /// wordings it had before its corrections, oldest first.
    async fn goal_wordings(&self, plan: &Slug, goal: GoalRef) -> Result<GoalWordingHistory, StoreError>;
    /// Corrects a goal's text and targets, with the reason, if the goal is still at `expected`
    /// (`Stale` otherwise); answers the new version. The wording it had is kept: rounds published
    /// before show it.
    async fn correct_goal(
        &self,
        plan: &Slug,
        goal: GoalRef,
        text: &str,
        targets: &[String],
        reason: &str,
        expected: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
    /// Retires a goal from the round of `from` on (`None`: followed up again). Refused (`Conflict`)
    /// when a round of that year or later has answers to it; the year must lie in the plan's period
    /// after its first year.
    async fn retire_goal(
        &self,
        plan: &Slug,
        goal: GoalRef,
        from: Option<i32>,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), StoreError>;
}

/// Plans that follow plans, and goals that carry on goals of the plan before.
#[async_trait]
pub trait Lineages: Send + Sync {
    /// A goal followed back through the plans before it, oldest period first: in each period the
    /// goal or goals it carries on there, and every round of that plan with their levels and
    /// comments (whatever the round's status: the caller decides who may see which). `NotFound`
    /// names a missing plan or goal.
    async fn goal_history(&self, plan: &Slug, goal: GoalRef) -> Result<GoalHistory, StoreError>;
    /// One region's answers in the last published round of the plan before `plan` (levels and the
    /// region's own comments, by the old plan's goals): where a plan's first round starts from.
    /// `None` when the plan has no predecessor or it no published round.
    async fn predecessor_answers(&self, plan: &Slug, region: &RegionCode)
    -> Result<Option<EarlierAnswers>, StoreError>;
}

/// Whole plans in and out: the data file's content, and a plan's life.
#[async_trait]
pub trait DataFiles: Send + Sync {
    /// Moves a plan on in its life (draft → adopted → closed), on the condition that it is still
    /// where it was read: adopting needs at least one goal, closing every round published and the
    /// final one among them. `Conflict` says why not.
    async fn set_plan_status(&self, plan: &Slug, status: PlanStatus, actor: &Actor) -> Result<(), StoreError>;
    /// True when the database holds no plan.
    async fn is_empty(&self) -> Result<bool, StoreError>;
    /// Writes a whole plan in one transaction: all of it, or nothing. Every non-empty value is
    /// recorded as an audit event by `actor`, so that history and "as of" views start from it.
    async fn import(&self, data: &Dataset, actor: &Actor, progress: Progress<'_>) -> Result<(), StoreError>;
    async fn plans(&self) -> Result<Vec<PlanListing>, StoreError>;
    /// The code of the healthcare region a plan belongs to, and the plan's status (`None`: no such
    /// plan): where its accounts are at home.
    async fn plan_healthcare_region(&self, plan: &Slug) -> Result<Option<(Slug, PlanStatus)>, StoreError>;
    /// Everything stored under a plan, or `None` when there is no such plan.
    async fn dataset(&self, plan: &Slug) -> Result<Option<Dataset>, StoreError>;
    /// A plan's frame only: healthcare region, regions, areas and goals (no rounds, indicators or
    /// processes), or `None` when there is no such plan.
    async fn outline(&self, plan: &Slug) -> Result<Option<Dataset>, StoreError>;
}

/// Follow-up rounds: opening, publishing, the working view, each region's state.
#[async_trait]
pub trait Rounds: Send + Sync {
    async fn open_round(&self, plan: &Slug, year: i32, deadline: Date, actor: &Actor) -> Result<(), StoreError>;
    /// Publishes (locks) or reopens a round. Publishing needs every region accepted unless
    /// `allow_incomplete`; reopening needs a reason.
    async fn set_round_status(
        &self,
        plan: &Slug,
        year: i32,
        status: RoundStatus,
        reason: Option<&str>,
        allow_incomplete: bool,
        actor: &Actor,
    ) -> Result<(), StoreError>;
    /// A round's status, the plan's rounds and the revision its pages are kept under, in one
    /// statement: what a request reads first, before deciding who may see what.
    async fn round_meta(&self, plan: &Slug, year: i32) -> Result<RoundMeta, StoreError>;
    /// The years of a plan's rounds with their status, oldest first; `NotFound` for no such plan.
    async fn rounds_of(&self, plan: &Slug) -> Result<Vec<(i32, RoundStatus)>, StoreError>;
    /// One round as a page shows it (see [`Shape`]), in one read transaction of a fixed number of
    /// statements whatever the plan's history. `NotFound` names a missing plan, year, area or region.
    async fn round_data(&self, plan: &Slug, year: i32, shape: &Shape) -> Result<Dataset, StoreError>;
    /// The round as it is being worked on, every version included; with `region`, only that
    /// region's state and cells.
    async fn round_work(&self, plan: &Slug, year: i32, region: Option<&RegionCode>) -> Result<RoundWork, StoreError>;
    /// Every region's state and counts of goals with a level and with a comment, counted by the
    /// database (the review's overview).
    async fn region_progress(&self, plan: &Slug, year: i32) -> Result<Vec<RegionProgress>, StoreError>;
    /// Moves a region's answers on (save, submit, return, accept), from the state at `expected`
    /// (`None`: from the state as it is read now, still refused if it changes before the write).
    async fn change_region_state(
        &self,
        plan: &Slug,
        year: i32,
        region: &RegionCode,
        action: &StateAction,
        expected: Option<i32>,
        actor: &Actor,
    ) -> Result<RegionState, StoreError>;
}

/// The RCC's introduction and summary of a round.
#[async_trait]
pub trait Narrative: Send + Sync {
    /// The version of a round's introduction and summary, which a change must be based on.
    async fn narrative_version(&self, plan: &Slug, year: i32) -> Result<i32, StoreError>;
    /// Replaces the introduction and the summary sections (with their claims) of an open round.
    async fn save_narrative(
        &self,
        plan: &Slug,
        year: i32,
        introduction: &str,
        sections: &[SummarySection],
        expected: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
}

/// The cells of a round: levels and comments, condensed comments, the RCC's comments.
#[async_trait]
pub trait Cells: Send + Sync {
    /// Changes a region's levels and comments for one or more goals, all or nothing. `by_region`:
    /// the region itself is editing, which is only possible while its answers are not submitted,
    /// and moves them to draft. Returns the new version of each cell, in the order given.
    async fn save_cells(
        &self,
        plan: &Slug,
        year: i32,
        region: &RegionCode,
        edits: &[CellEdit],
        by_region: bool,
        actor: &Actor,
    ) -> Result<Vec<i32>, StoreError>;
    /// The RCC's condensed versions of a region's comments, all or nothing; the originals are never
    /// changed. Returns the new version of each, in the order given.
    async fn save_condensed(
        &self,
        plan: &Slug,
        year: i32,
        region: &RegionCode,
        edits: &[CondensedEdit],
        actor: &Actor,
    ) -> Result<Vec<i32>, StoreError>;
    /// The RCC's comments on goals, all or nothing. Returns the new version of each.
    async fn save_rcc_comments(
        &self,
        plan: &Slug,
        year: i32,
        edits: &[RccCommentEdit],
        actor: &Actor,
    ) -> Result<Vec<i32>, StoreError>;
}

/// Indicator definitions and values, and the RCC's decisions on figures found in comments.
#[async_trait]
pub trait Indicators: Send + Sync {
    /// Adds or changes indicator values, all or nothing; each change is an audit event. Returns
    /// (added, changed).
    async fn import_indicator_values(
        &self,
        plan: &Slug,
        inputs: &[uppfolj_domain::indicator_import::ValueInput],
        actor: &Actor,
    ) -> Result<(usize, usize), StoreError>;
    /// Each indicator's slug and the version of its definition, in the plan's order.
    async fn indicator_versions(&self, plan: &Slug) -> Result<Vec<IndicatorVersion>, StoreError>;
    /// Adds an indicator (`expected` `None`; a taken slug is a conflict) or changes the definition
    /// of one still at `expected`. Each changed field is an audit event. Returns the new version.
    async fn save_indicator(
        &self,
        plan: &Slug,
        def: &uppfolj_domain::indicator_def::Definition,
        expected: Option<i32>,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
    /// Removes an indicator still at `expected` that has no values and no decided figures; audited.
    async fn delete_indicator(&self, plan: &Slug, slug: &Slug, expected: i32, actor: &Actor) -> Result<(), StoreError>;
    /// Removes one value of an indicator; the audit event keeps the value.
    async fn delete_indicator_value(
        &self,
        plan: &Slug,
        slug: &Slug,
        scope: &Scope,
        period: &Period,
        actor: &Actor,
    ) -> Result<(), StoreError>;
    /// One page of the recorded changes of one indicator, its definition and its values, newest first.
    async fn indicator_history(&self, plan: &Slug, slug: &Slug, page: Page) -> Result<Paged<AuditEvent>, StoreError>;
    /// The RCC's decisions on figures found in the comments of a round.
    async fn figure_decisions(&self, plan: &Slug, year: i32) -> Result<Vec<FigureDecision>, StoreError>;
    /// Confirms (adding the indicator value) or rejects a figure found in a comment. Each proposal is
    /// decided once.
    async fn decide_figure(&self, plan: &Slug, year: i32, input: &FigureInput, actor: &Actor)
    -> Result<(), StoreError>;
}

/// What changed, and the round as it was.
#[async_trait]
pub trait History: Send + Sync {
    /// One page of the audit events of one cell (level, comment, condensed), newest first.
    async fn cell_history(
        &self,
        plan: &Slug,
        year: i32,
        goal: GoalRef,
        region: &RegionCode,
        page: Page,
    ) -> Result<Paged<AuditEvent>, StoreError>;
    /// One page of the audit events of a round, newest first.
    async fn round_history(&self, plan: &Slug, year: i32, page: Page) -> Result<Paged<AuditEvent>, StoreError>;
    /// One round read as `shape` says, with its levels, comments, condensed comments, RCC comments
    /// and region states as they were at `at`, rebuilt from the audit log.
    async fn dataset_as_of(
        &self,
        plan: &Slug,
        year: i32,
        at: OffsetDateTime,
        shape: &Shape,
    ) -> Result<Dataset, StoreError>;
}

/// Each region's local action plan.
#[async_trait]
pub trait ActionPlans: Send + Sync {
    async fn action_plan(&self, plan: &Slug, region: &RegionCode) -> Result<Vec<ActionPlanEntry>, StoreError>;
    async fn save_action_plan_entry(
        &self,
        plan: &Slug,
        region: &RegionCode,
        goal: GoalRef,
        own_goal: &str,
        current_state: &str,
        expected: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
    async fn add_activity(
        &self,
        plan: &Slug,
        region: &RegionCode,
        goal: GoalRef,
        input: &ActivityInput,
        actor: &Actor,
    ) -> Result<i64, StoreError>;
    /// Starts `region`'s entry for `goal` from its entry in the plan before, for the one old goal
    /// `goal` continues or was split from: its own goal, its current state and the activities not
    /// done or struck, all in one transaction. Refused (`Conflict`) when the entry already has
    /// content; `NotFound` when there is nothing to start from. Answers how many activities came.
    async fn start_action_plan_from_predecessor(
        &self,
        plan: &Slug,
        region: &RegionCode,
        goal: GoalRef,
        actor: &Actor,
    ) -> Result<usize, StoreError>;
    /// Changes an activity of `region`'s plan; an activity of another region is "not found".
    async fn update_activity(
        &self,
        plan: &Slug,
        region: &RegionCode,
        id: i64,
        input: &ActivityInput,
        expected: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
}

/// Care processes' own follow-ups, edited and signed by their leaders.
#[async_trait]
pub trait ProcessFollowUps: Send + Sync {
    async fn process_followup_version(&self, plan: &Slug, year: i32, process: &Slug) -> Result<i32, StoreError>;
    /// Replaces the content of a process follow-up (not its signature). Refused when signed.
    async fn save_process_followup(
        &self,
        plan: &Slug,
        followup: &ProcessFollowUp,
        expected: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
    async fn sign_process_followup(
        &self,
        plan: &Slug,
        year: i32,
        process: &Slug,
        name: &str,
        on: Date,
        expected: i32,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
    async fn reopen_process_followup(
        &self,
        plan: &Slug,
        year: i32,
        process: &Slug,
        reason: &str,
        actor: &Actor,
    ) -> Result<i32, StoreError>;
}

/// Accounts, login sessions and API tokens. Accounts are never deleted: a deactivated one keeps its
/// history, and its sessions and tokens end in the transaction that deactivates it. Every change is
/// an audit event about the account (its page lists them). The last active admin stays one.
#[async_trait]
pub trait Accounts: Send + Sync {
    async fn create_user(&self, user: &NewUser, actor: &Actor) -> Result<i64, StoreError>;
    async fn users(&self) -> Result<Vec<UserRecord>, StoreError>;
    /// The accounts `filter` picks, by user name.
    async fn users_where(&self, filter: &UserFilter) -> Result<Vec<UserRecord>, StoreError>;
    /// Changes an account as `change` says, recording each changed part with `reason`.
    async fn update_user(
        &self,
        user_id: i64,
        change: &AccountChange,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), StoreError>;
    /// Deactivates (ending its sessions and tokens at once) or reactivates an account.
    async fn set_active(&self, user_id: i64, active: bool, reason: &str, actor: &Actor) -> Result<(), StoreError>;
    /// The audit events about an account, newest first, a page at a time.
    async fn account_events(&self, user_id: i64, page: Page) -> Result<Paged<AuditEvent>, StoreError>;
    async fn user_by_sso_id(&self, sso_id: &str) -> Result<Option<UserRecord>, StoreError>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError>;
    /// The accounts with the e-mail address `email` (compared without regard to case).
    async fn users_by_email(&self, email: &str) -> Result<Vec<UserRecord>, StoreError>;
    async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>, StoreError>;
}

/// Signing in: passwords, login sessions and API tokens (only their hashes are stored). A new
/// password ends the account's sessions and tokens.
#[async_trait]
pub trait Sessions: Send + Sync {
    async fn set_password(&self, user_id: i64, password_hash: &str, actor: &Actor) -> Result<(), StoreError>;
    async fn create_session(
        &self,
        token_hash: &str,
        session: &SessionRecord,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// A session that has not expired at `now`.
    async fn session(&self, token_hash: &str, now: OffsetDateTime) -> Result<Option<SessionRecord>, StoreError>;
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;
    /// A new API token, valid until `expires_at`; answers its id.
    async fn create_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        expires_at: OffsetDateTime,
        actor: &Actor,
    ) -> Result<i64, StoreError>;
    /// The active account of a token that is neither revoked nor expired at `now` (its last use is
    /// recorded, at most once a minute).
    async fn user_by_token(&self, token_hash: &str, now: OffsetDateTime) -> Result<Option<UserRecord>, StoreError>;
    /// An account's API tokens, newest first.
    async fn tokens(&self, user_id: i64) -> Result<Vec<TokenRecord>, StoreError>;
    /// Ends one of an account's tokens.
    async fn revoke_token(&self, user_id: i64, token_id: i64, actor: &Actor) -> Result<(), StoreError>;
    /// A single-use link (by its token's hash) for an active account to choose its password,
    /// valid until `expires_at`; the account's earlier unused links end, and so does their mail
    /// not yet sent. With `mail` (the link's page, token included), the link is written to the
    /// outbox for the account's e-mail address in the same transaction; the outbox keeps the
    /// token only until the mail is sent or given up. Answers the address it is mailed to.
    async fn create_account_link(
        &self,
        user_id: i64,
        purpose: LinkPurpose,
        token_hash: &str,
        expires_at: OffsetDateTime,
        mail: Option<&str>,
        actor: &Actor,
    ) -> Result<Option<String>, StoreError>;
    /// The account's own mail (invitations and new passwords), newest first: at most `limit`.
    async fn account_mail(&self, user_id: i64, limit: i64) -> Result<Vec<OutboxEntry>, StoreError>;
    /// The account and purpose of a link that is unused and valid at `now`.
    async fn account_link(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(UserRecord, LinkPurpose)>, StoreError>;
    /// An account's sessions that have not expired at `now`, newest first.
    async fn sessions_of(&self, user_id: i64, now: OffsetDateTime) -> Result<Vec<SessionInfo>, StoreError>;
    /// Ends one of an account's sessions, by its short name (`NotFound` when it has none such).
    async fn end_session_of(&self, user_id: i64, id: &str) -> Result<(), StoreError>;
    /// Takes a sign-in attempt for `key` before the password is checked, counted as a failure until
    /// [`Sessions::forgive_attempt`] says otherwise; `Some(wait)` when the key must wait first
    /// (nothing is taken then). Atomic across processes: parallel attempts each see the others.
    async fn reserve_attempt(
        &self,
        key: &str,
        limit: &AttemptLimit,
        now: OffsetDateTime,
    ) -> Result<Option<time::Duration>, StoreError>;
    /// The attempt succeeded: `clear` forgets the key's failures (an account's), otherwise the one
    /// reserved is taken back (a client address's).
    async fn forgive_attempt(&self, key: &str, clear: bool) -> Result<(), StoreError>;
    /// Keeps a single-sign-on flow (by the hash of its state) until `expires_at`; flows past their
    /// time are removed.
    async fn save_sso_flow(
        &self,
        state_hash: &str,
        flow: &SsoFlow,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// Takes a flow once: the callback gets it, a second callback with the same state nothing.
    async fn take_sso_flow(&self, state_hash: &str, now: OffsetDateTime) -> Result<Option<SsoFlow>, StoreError>;
    /// Uses a link: the account's new password, its sessions and tokens ended, the link spent — all
    /// or nothing; `NotFound` when the link is used, expired or unknown.
    async fn use_account_link(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> Result<UserRecord, StoreError>;
}

/// E-mail: the outbox the changes write to, the reminders of the day, and the sending's bookkeeping.
#[async_trait]
pub trait Notifications: Send + Sync {
    /// Writes the reminders of `today` for every open round with a deadline (the regions not yet
    /// submitted, what each is missing; the day after the deadline also to the RCC): once per
    /// round, region, day and recipient, however often it runs. Answers how many were written.
    async fn run_reminders(&self, today: Date, now: OffsetDateTime) -> Result<usize, StoreError>;
    /// Mail due to be sent at `now`, oldest first, at most `limit`.
    async fn due_mail(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<OutgoingMail>, StoreError>;
    async fn mark_sent(&self, id: i64, now: OffsetDateTime) -> Result<(), StoreError>;
    /// A failed attempt: tried again at `retry_at`, or (`None`) given up, with the reason.
    async fn mark_failed(&self, id: i64, error: &str, retry_at: Option<OffsetDateTime>) -> Result<(), StoreError>;
    /// Every mail of a round, newest first.
    async fn round_outbox(&self, plan: &Slug, year: i32) -> Result<Vec<OutboxEntry>, StoreError>;
    /// Sends a mail of the round again (a failed one, or one that was sent).
    async fn resend(&self, plan: &Slug, year: i32, id: i64, now: OffsetDateTime) -> Result<(), StoreError>;
    /// Moves an open round's deadline (audited; not to a day before `actor.at`), and tells each
    /// region not yet submitted the new day, in the same transaction. Reminders follow the new day.
    async fn set_deadline(&self, plan: &Slug, year: i32, deadline: Date, actor: &Actor) -> Result<(), StoreError>;
    /// The days before a round's deadline its reminders go out (0: the day; -1: the day after).
    async fn reminder_days(&self, plan: &Slug, year: i32) -> Result<Vec<i64>, StoreError>;
    /// Changes them, on an open round; audited.
    async fn set_reminder_days(&self, plan: &Slug, year: i32, days: &[i64], actor: &Actor) -> Result<(), StoreError>;
    /// The kinds of mail an account has turned off.
    async fn optouts(&self, user_id: i64) -> Result<Vec<String>, StoreError>;
    async fn set_optouts(&self, user_id: i64, kinds: &[String]) -> Result<(), StoreError>;
}
