//! The follow-up round as a workflow: roles, who may do what, the state of each region's answers, and
//! the round's own status. Pure rules; the store applies them inside its transactions.

use std::fmt;

use crate::ids::{RegionCode, Slug};

/// What a user is. Stored as the lower-case English key; shown with the Swedish label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Runs the installation: everything RCC staff can do, and accounts.
    Admin,
    /// RCC staff: all regions, RCC comments, condensing, review, publishing.
    Rcc,
    /// A region's cancer coordinator: that region's levels, comments and action plan.
    Region,
    /// A care-process leader: that process's follow-up.
    Process,
    /// Reads published rounds (and restricted documents when granted).
    Reader,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Rcc, Role::Region, Role::Process, Role::Reader];

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim() {
            "admin" => Some(Role::Admin),
            "rcc" => Some(Role::Rcc),
            "region" => Some(Role::Region),
            "process" => Some(Role::Process),
            "reader" => Some(Role::Reader),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Rcc => "rcc",
            Role::Region => "region",
            Role::Process => "process",
            Role::Reader => "reader",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administratör",
            Role::Rcc => "RCC",
            Role::Region => "Regionens rapportör",
            Role::Process => "Processledare",
            Role::Reader => "Läsare",
        }
    }
}

/// A signed-in user as the rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Set for [`Role::Region`]: the one region the user reports for.
    pub region: Option<RegionCode>,
    /// Set for [`Role::Process`]: the care process the user leads.
    pub process: Option<Slug>,
    /// A reader granted access to documents with restricted sharing.
    pub restricted_access: bool,
    /// The healthcare region the account works in; `None`: national (an admin, or a reader of every
    /// healthcare region). RCC staff, reporters and process leaders always have one.
    pub healthcare_region: Option<Slug>,
}

impl Account {
    /// The account as it may act on a plan of healthcare region `hr`: itself within its own
    /// healthcare region, an admin and a national reader everywhere, and anyone else — RCC staff,
    /// a reporter or a process leader of another healthcare region, whose region codes and process
    /// short names may be the same as this one's — a reader without access to restricted documents.
    /// An account that should have a healthcare region and has none is an outsider everywhere.
    pub fn within(&self, hr: &Slug) -> Account {
        let at_home = match (self.role, &self.healthcare_region) {
            (Role::Admin, _) | (Role::Reader, None) => true,
            (_, Some(own)) => own == hr,
            (_, None) => false,
        };
        if at_home {
            return self.clone();
        }
        Account { role: Role::Reader, region: None, process: None, restricted_access: false, ..self.clone() }
    }

    /// Whether this role works in one healthcare region (RCC staff, reporters, process leaders).
    pub fn needs_healthcare_region(role: Role) -> bool {
        matches!(role, Role::Rcc | Role::Region | Role::Process)
    }

    /// RCC staff and administrators.
    pub fn is_rcc(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Rcc)
    }

    /// May change the levels, comments and action plan of `region`.
    pub fn may_edit_region(&self, region: &RegionCode) -> bool {
        self.is_rcc() || (self.role == Role::Region && self.region.as_ref() == Some(region))
    }

    /// May edit the follow-up of a care process.
    pub fn may_edit_process(&self, process: &Slug) -> bool {
        self.is_rcc() || (self.role == Role::Process && self.process.as_ref() == Some(process))
    }

    /// May see `region`'s answers in a round that is not yet published.
    pub fn may_see_open_answers(&self, region: &RegionCode) -> bool {
        self.is_rcc() || (self.role == Role::Region && self.region.as_ref() == Some(region))
    }

    /// May read documents classified as restricted sharing (begränsad delning).
    pub fn may_read_restricted(&self) -> bool {
        match self.role {
            Role::Admin | Role::Rcc | Role::Region | Role::Process => true,
            Role::Reader => self.restricted_access,
        }
    }
}

/// What a visitor may see of a follow-up round: the one rule for pages and the API alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoundView {
    /// All of it: the round is published, or the viewer is RCC staff.
    Whole,
    /// One region's answers: a region's reporter, while the round is open.
    Region(RegionCode),
    /// Nothing: the round is open and the viewer is neither.
    Nothing,
}

impl RoundView {
    pub fn of(account: Option<&Account>, status: RoundStatus) -> RoundView {
        match account {
            _ if status == RoundStatus::Published => RoundView::Whole,
            Some(a) if a.is_rcc() => RoundView::Whole,
            Some(Account { role: Role::Region, region: Some(r), .. }) => RoundView::Region(r.clone()),
            _ => RoundView::Nothing,
        }
    }

    /// May see `region`'s answers.
    pub fn includes(&self, region: &RegionCode) -> bool {
        match self {
            RoundView::Whole => true,
            RoundView::Region(r) => r == region,
            RoundView::Nothing => false,
        }
    }
}

/// Where a round is as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundStatus {
    /// Regions are reporting; the RCC reviews.
    Open,
    /// Locked and visible to everyone allowed to read; changes need a reopening with a reason.
    Published,
}

impl RoundStatus {
    pub fn parse(s: &str) -> Option<RoundStatus> {
        match s {
            "open" => Some(RoundStatus::Open),
            "published" => Some(RoundStatus::Published),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            RoundStatus::Open => "open",
            RoundStatus::Published => "published",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            RoundStatus::Open => "Pågår",
            RoundStatus::Published => "Publicerad",
        }
    }
}

/// Where a plan is in its life: written, in force, done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PlanStatus {
    /// Being written: only RCC staff and admins see it, and no round can be opened.
    Draft,
    /// Adopted: visible like every plan, rounds can be opened.
    #[default]
    Adopted,
    /// Its final round is published: it is read, no more rounds are opened.
    Closed,
}

impl PlanStatus {
    pub fn parse(s: &str) -> Option<PlanStatus> {
        [PlanStatus::Draft, PlanStatus::Adopted, PlanStatus::Closed].into_iter().find(|p| p.as_str() == s)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Adopted => "adopted",
            PlanStatus::Closed => "closed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            PlanStatus::Draft => "Utkast",
            PlanStatus::Adopted => "Fastställd",
            PlanStatus::Closed => "Avslutad",
        }
    }
    /// Whether `to` is the next step of a plan's life from here (draft → adopted → closed), and if
    /// not, why, in words for the user.
    pub fn may_become(self, to: PlanStatus) -> Result<(), String> {
        match (self, to) {
            (PlanStatus::Draft, PlanStatus::Adopted) | (PlanStatus::Adopted, PlanStatus::Closed) => Ok(()),
            (from, to) if from == to => Err(format!("planen är redan {}", to.label().to_lowercase())),
            (PlanStatus::Closed, _) => Err("planen är avslutad".to_owned()),
            (PlanStatus::Adopted, PlanStatus::Draft) => Err("en fastställd plan blir inte ett utkast igen".to_owned()),
            (PlanStatus::Draft, _) => Err("ett utkast fastställs först".to_owned()),
            _ => Err("den ändringen finns inte".to_owned()),
        }
    }
}

/// Where one region's answers in a round are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegionState {
    NotStarted,
    Draft,
    Submitted,
    /// Sent back by the RCC with a reason; the region edits and submits again.
    Returned,
    Accepted,
}

impl RegionState {
    pub const ALL: [RegionState; 5] = [
        RegionState::NotStarted,
        RegionState::Draft,
        RegionState::Submitted,
        RegionState::Returned,
        RegionState::Accepted,
    ];

    pub fn parse(s: &str) -> Option<RegionState> {
        RegionState::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            RegionState::NotStarted => "not_started",
            RegionState::Draft => "draft",
            RegionState::Submitted => "submitted",
            RegionState::Returned => "returned",
            RegionState::Accepted => "accepted",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            RegionState::NotStarted => "Ej påbörjad",
            RegionState::Draft => "Utkast",
            RegionState::Submitted => "Inskickad",
            RegionState::Returned => "Återsänd",
            RegionState::Accepted => "Godkänd",
        }
    }

    /// Whether the region itself may still change its answers.
    pub fn open_for_region(self) -> bool {
        matches!(self, RegionState::NotStarted | RegionState::Draft | RegionState::Returned)
    }
}

/// Where an activity of a local action plan stands. Activities are never removed: a dropped one is
/// `Struck`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActivityStatus {
    Planned,
    InProgress,
    Done,
    Struck,
}

impl ActivityStatus {
    pub const ALL: [ActivityStatus; 4] =
        [ActivityStatus::Planned, ActivityStatus::InProgress, ActivityStatus::Done, ActivityStatus::Struck];

    /// As stored and sent by forms.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityStatus::Planned => "planerad",
            ActivityStatus::InProgress => "pagar",
            ActivityStatus::Done => "klar",
            ActivityStatus::Struck => "struken",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActivityStatus::Planned => "Planerad",
            ActivityStatus::InProgress => "Pågår",
            ActivityStatus::Done => "Klar",
            ActivityStatus::Struck => "Struken",
        }
    }

    pub fn parse(s: &str) -> Option<ActivityStatus> {
        ActivityStatus::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// Something that moves a region's answers to another state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateAction {
    /// The region saved answers (a draft).
    Save,
    /// The region sends its answers to the RCC.
    Submit,
    /// The RCC sends the answers back; the reason is mandatory.
    Return { reason: String },
    /// The RCC accepts the answers.
    Accept,
}

impl StateAction {
    pub fn key(&self) -> &'static str {
        match self {
            StateAction::Save => "save",
            StateAction::Submit => "submit",
            StateAction::Return { .. } => "return",
            StateAction::Accept => "accept",
        }
    }

    /// Only the RCC returns and accepts; the region (or the RCC on its behalf) saves and submits.
    pub fn needs_rcc(&self) -> bool {
        matches!(self, StateAction::Return { .. } | StateAction::Accept)
    }
}

/// Why an action is not possible. Swedish messages, shown to users as they are.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("det går inte att {action} när regionens svar är {state}")]
    NotFrom { action: &'static str, state: &'static str },
    #[error("ange ett skäl när svaren skickas tillbaka till regionen")]
    ReasonRequired,
    #[error("uppföljningen är publicerad och låst; RCC kan öppna den igen med ett skäl")]
    RoundLocked,
}

fn verb(a: &StateAction) -> &'static str {
    match a {
        StateAction::Save => "spara",
        StateAction::Submit => "skicka in",
        StateAction::Return { .. } => "skicka tillbaka",
        StateAction::Accept => "godkänna",
    }
}

/// A message from a lower layer as a sentence of its own: capital first letter, full stop.
pub fn sentence(s: &str) -> String {
    let mut c = s.trim().chars();
    let mut out = match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// A round's deadline must fall between the start of the year followed up and the end of the second
/// year after it: the 2024 follow-up is due in 2025, and a date in year 0 or 9999 is a typing mistake.
pub fn check_deadline(year: i32, deadline: time::Date) -> Result<(), crate::InvalidValue> {
    let first = year;
    let last = year.saturating_add(2);
    if (first..=last).contains(&deadline.year()) {
        Ok(())
    } else {
        Err(crate::InvalidValue(format!(
            "sista dagen {} passar inte uppföljningen av {year}: välj ett datum mellan 1 januari {first} och 31 december {last}",
            crate::ids::format_date(deadline)
        )))
    }
}

/// The next state of a region's answers, or why the action is not possible from here.
///
/// ```text
/// not started ─save→ draft ─submit→ submitted ─accept→ accepted
///      │                ↑             │   ↑               │
///      └────submit──────┼─────────────┘   │            return
///                       │          return │               │
///                       └──save── returned ←──────────────┘
///                                    └─submit→ submitted
/// ```
pub fn transition(from: RegionState, action: &StateAction) -> Result<RegionState, WorkflowError> {
    use RegionState::*;
    let not_from = || WorkflowError::NotFrom { action: verb(action), state: from_label(from) };
    match action {
        StateAction::Save => match from {
            NotStarted | Draft | Returned => Ok(if from == Returned { Returned } else { Draft }),
            Submitted | Accepted => Err(not_from()),
        },
        StateAction::Submit => match from {
            NotStarted | Draft | Returned => Ok(Submitted),
            Submitted | Accepted => Err(not_from()),
        },
        StateAction::Return { reason } => {
            if reason.trim().is_empty() {
                return Err(WorkflowError::ReasonRequired);
            }
            match from {
                Submitted | Accepted => Ok(Returned),
                NotStarted | Draft | Returned => Err(not_from()),
            }
        }
        StateAction::Accept => match from {
            Submitted => Ok(Accepted),
            _ => Err(not_from()),
        },
    }
}

fn from_label(s: RegionState) -> &'static str {
    match s {
        RegionState::NotStarted => "ej påbörjade",
        RegionState::Draft => "ett utkast",
        RegionState::Submitted => "inskickade",
        RegionState::Returned => "återsända",
        RegionState::Accepted => "godkända",
    }
}

/// What kind of change an audit event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditField {
    Level,
    Comment,
    Condensed,
    RccComment,
    RegionState,
    RoundStatus,
    ActionPlan,
    Activity,
    ProcessFollowUp,
    Narrative,
    Indicator,
    Role,
    Password,
    Token,
    PlanStatus,
    PlanContent,
    /// A goal of an adopted plan: its wording corrected, or retired from a year.
    GoalWording,
    /// An account's name, e-mail, single-sign-on identity or whether it is active.
    Account,
}

impl AuditField {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditField::Level => "level",
            AuditField::Comment => "comment",
            AuditField::Condensed => "condensed",
            AuditField::RccComment => "rcc_comment",
            AuditField::RegionState => "region_state",
            AuditField::RoundStatus => "round_status",
            AuditField::ActionPlan => "action_plan",
            AuditField::Activity => "activity",
            AuditField::ProcessFollowUp => "process_followup",
            AuditField::Narrative => "narrative",
            AuditField::Indicator => "indicator",
            AuditField::Role => "role",
            AuditField::Password => "password",
            AuditField::Token => "token",
            AuditField::PlanStatus => "plan_status",
            AuditField::PlanContent => "plan_content",
            AuditField::GoalWording => "goal_wording",
            AuditField::Account => "account",
        }
    }
    pub fn label(s: &str) -> &'static str {
        match s {
            "level" => "Nivå",
            "comment" => "Kommentar",
            "condensed" => "Kondenserad kommentar",
            "rcc_comment" => "RCC:s kommentar",
            "region_state" => "Status",
            "round_status" => "Uppföljningens status",
            "action_plan" => "Handlingsplan",
            "activity" => "Aktivitet",
            "process_followup" => "Processuppföljning",
            "narrative" => "Inledning och sammanfattning",
            "indicator" => "Indikatorvärde",
            "role" => "Roll",
            "password" => "Lösenord",
            "token" => "API-nyckel",
            "plan_status" => "Planens status",
            "plan_content" => "Planens innehåll",
            "goal_wording" => "Målets lydelse",
            "account" => "Konto",
            _ => "Ändring",
        }
    }
}

/// One recorded change: who, when, what, old → new, why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditEvent {
    /// In JSON as stored: RFC 3339, UTC, microseconds.
    #[serde(serialize_with = "crate::ids::serialize_timestamp")]
    pub at: time::OffsetDateTime,
    pub actor: String,
    pub field: String,
    pub subject: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reason: Option<String>,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RegionState::*;

    fn ret() -> StateAction {
        StateAction::Return { reason: "Komplettera mål 3.3".to_owned() }
    }

    #[test]
    fn what_a_round_shows_to_whom() {
        let account = |role, region: Option<&str>| Account {
            id: 1,
            username: "u".to_owned(),
            display_name: "U".to_owned(),
            role,
            region: region.map(|r| RegionCode::parse(r).unwrap()),
            process: None,
            restricted_access: false,
            healthcare_region: Some(Slug::parse("norr").unwrap()),
        };
        let rn = RegionCode::parse("RN").unwrap();
        let rv = RegionCode::parse("RV").unwrap();
        assert_eq!(RoundView::of(None, RoundStatus::Published), RoundView::Whole);
        assert_eq!(RoundView::of(None, RoundStatus::Open), RoundView::Nothing);
        assert_eq!(RoundView::of(Some(&account(Role::Rcc, None)), RoundStatus::Open), RoundView::Whole);
        let reporter = RoundView::of(Some(&account(Role::Region, Some("RN"))), RoundStatus::Open);
        assert!(reporter.includes(&rn) && !reporter.includes(&rv));
        assert_eq!(RoundView::of(Some(&account(Role::Reader, None)), RoundStatus::Open), RoundView::Nothing);
        assert_eq!(RoundView::of(Some(&account(Role::Process, None)), RoundStatus::Open), RoundView::Nothing);
    }

    #[test]
    fn deadlines_fit_the_year() {
        let d = |s: &str| crate::ids::parse_date(s).unwrap();
        assert!(check_deadline(2024, d("2025-03-31")).is_ok());
        assert!(check_deadline(2024, d("2024-01-01")).is_ok());
        assert!(check_deadline(2024, d("2026-12-31")).is_ok());
        assert!(check_deadline(2024, d("2023-12-31")).is_err());
        let e = check_deadline(2025, d("2031-01-01")).unwrap_err();
        assert!(e.to_string().contains("mellan 1 januari 2025 och 31 december 2027"), "{e}");
    }

    #[test]
    fn the_happy_path() {
        let s = transition(NotStarted, &StateAction::Save).unwrap();
        assert_eq!(s, Draft);
        let s = transition(s, &StateAction::Submit).unwrap();
        assert_eq!(s, Submitted);
        let s = transition(s, &ret()).unwrap();
        assert_eq!(s, Returned);
        assert_eq!(
            transition(s, &StateAction::Save).unwrap(),
            Returned,
            "editing a returned answer keeps the reason visible"
        );
        let s = transition(s, &StateAction::Submit).unwrap();
        assert_eq!(transition(s, &StateAction::Accept).unwrap(), Accepted);
    }

    #[test]
    fn what_is_refused() {
        assert_eq!(
            transition(Submitted, &StateAction::Save).unwrap_err().to_string(),
            "det går inte att spara när regionens svar är inskickade"
        );
        assert!(transition(Accepted, &StateAction::Submit).is_err());
        assert!(transition(Draft, &StateAction::Accept).is_err());
        assert!(transition(Draft, &ret()).is_err());
        assert_eq!(
            transition(Submitted, &StateAction::Return { reason: "  ".to_owned() }),
            Err(WorkflowError::ReasonRequired)
        );
        assert_eq!(transition(Accepted, &ret()).unwrap(), Returned, "the RCC can take back an acceptance");
    }

    #[test]
    fn permissions() {
        let rn = RegionCode::parse("RN").unwrap();
        let rv = RegionCode::parse("RV").unwrap();
        let mut a = Account {
            id: 1,
            username: "rn".into(),
            display_name: "RN".into(),
            role: Role::Region,
            region: Some(rn.clone()),
            process: None,
            restricted_access: false,
            healthcare_region: Some(Slug::parse("norr").unwrap()),
        };
        assert!(a.may_edit_region(&rn));
        assert!(!a.may_edit_region(&rv));
        assert!(a.may_see_open_answers(&rn) && !a.may_see_open_answers(&rv));
        a.role = Role::Reader;
        assert!(!a.may_edit_region(&rn));
        assert!(!a.may_read_restricted());
        a.restricted_access = true;
        assert!(a.may_read_restricted());
        a.role = Role::Rcc;
        assert!(a.may_edit_region(&rv));
        let p = Slug::parse("vagen-in").unwrap();
        assert!(a.may_edit_process(&p));
        a.role = Role::Process;
        assert!(!a.may_edit_process(&p));
        a.process = Some(p.clone());
        assert!(a.may_edit_process(&p));
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        // Another healthcare region that reuses the codes: an outsider there, whatever the role.
        let (norr, syd) = (Slug::parse("norr").unwrap(), Slug::parse("syd").unwrap());
        a.role = Role::Rcc;
        assert_eq!(a.within(&norr), a);
        let outside = a.within(&syd);
        assert_eq!((outside.role, outside.restricted_access), (Role::Reader, false));
        assert!(!outside.may_edit_region(&rn) && !outside.may_read_restricted() && !outside.is_rcc());
        a.role = Role::Process;
        assert!(!a.within(&syd).may_edit_process(&p), "the same process short name in another region");
        a.role = Role::Region;
        assert!(!a.within(&syd).may_edit_region(&rn), "the same region code in another healthcare region");
        a.role = Role::Admin;
        a.healthcare_region = None;
        assert!(a.within(&syd).is_rcc(), "an admin is national");
        a.role = Role::Reader;
        a.restricted_access = true;
        assert!(a.within(&syd).may_read_restricted(), "a national reader");
        a.healthcare_region = Some(norr.clone());
        assert!(!a.within(&syd).may_read_restricted(), "a reader of Norr, in another healthcare region");
        a.role = Role::Rcc;
        a.healthcare_region = None;
        assert!(!a.within(&norr).is_rcc(), "RCC staff without a healthcare region are nowhere at home");
        for s in RegionState::ALL {
            assert_eq!(RegionState::parse(s.as_str()), Some(s));
        }
    }
}
