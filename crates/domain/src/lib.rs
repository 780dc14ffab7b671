//! Uppfölj's domain: the plan, its goals, follow-up rounds and levels, process follow-ups and
//! indicators, and the rules that hold between them.
//!
//! Architecture invariant: this crate does no IO — no files, no network, no database, no clock. Time
//! comes in as a parameter.

pub mod analysis;
pub mod datafile;
pub mod edition;
pub mod export;
pub mod figures;
pub mod ids;
pub mod indicator_def;
pub mod indicator_import;
pub mod input;
pub mod level;
pub mod model;
pub mod notify;
#[cfg(test)]
mod properties;
pub mod summary;
pub mod text;
pub mod workflow;

pub use ids::{GoalRef, InvalidValue, Period, RegionCode, Slug};
pub use level::{Category, Grade, Level, LevelError, Mark};
pub use model::*;
pub use workflow::{
    Account, ActivityStatus, AuditEvent, AuditField, PlanStatus, RegionState, Role, RoundStatus, RoundView,
    StateAction, WorkflowError, transition,
};
