//! A care process's follow-up of its own goals as a document of its own, laid out like the process
//! follow-ups: classification on top, the goal table (mål · nuläge · målnivå · tidpunkt · uppföljning),
//! the sections, and the process leader's signature.

use askama::Template;
use serde::Serialize;
use uppfolj_domain::ids::swedish_date;
use uppfolj_domain::text::paragraphs;
use uppfolj_domain::{Classification, Dataset};

use crate::{Format, ReportError};

#[derive(Clone, Debug, Serialize)]
pub struct ProcessReport {
    pub title: String,
    pub process_name: String,
    pub year: i32,
    pub classification: String,
    pub restricted: bool,
    pub plan_goals: String,
    pub goals: Vec<ProcessGoalRow>,
    pub comments: Vec<String>,
    pub long_term: Vec<String>,
    pub level_structuring: Vec<String>,
    pub patient_involvement: Vec<String>,
    pub other: Vec<String>,
    pub leader_name: String,
    pub leader_title: String,
    pub leader_organisation: String,
    pub signed: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProcessGoalRow {
    pub text: Vec<String>,
    pub current_state: Vec<String>,
    pub target_levels: Vec<String>,
    pub target_date: String,
    pub followup: Vec<String>,
}

pub fn build(data: &Dataset, year: i32, process: &str) -> Result<ProcessReport, ReportError> {
    let p = data
        .process(process)
        .ok_or_else(|| ReportError::NotFound(format!("planen har ingen vårdprocess \"{process}\"")))?;
    let f = data.process_followups.iter().find(|f| f.process == p.slug && f.year == year).ok_or_else(|| {
        ReportError::NotFound(format!("vårdprocessen \"{}\" har ingen uppföljning för {year}", p.name))
    })?;
    Ok(ProcessReport {
        title: f.title.clone(),
        process_name: p.name.clone(),
        year,
        classification: f.classification.label().to_owned(),
        restricted: f.classification == Classification::Restricted,
        plan_goals: f.plan_goals.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        goals: f
            .goals
            .iter()
            .map(|g| ProcessGoalRow {
                text: paragraphs(&g.text),
                current_state: paragraphs(&g.current_state),
                target_levels: g.target_levels.clone(),
                target_date: g.target_date.clone(),
                followup: paragraphs(&g.followup),
            })
            .collect(),
        comments: paragraphs(&f.comments),
        long_term: f.long_term.clone(),
        level_structuring: paragraphs(&f.level_structuring),
        patient_involvement: paragraphs(&f.patient_involvement),
        other: paragraphs(&f.other),
        leader_name: p.leader.name.clone(),
        leader_title: p.leader.title.clone(),
        leader_organisation: p.leader.organisation.clone(),
        signed: match (&f.signed_by, f.signed_on) {
            (Some(by), Some(on)) => format!("Signerad av {by} den {}", swedish_date(on)),
            (Some(by), None) => format!("Signerad av {by}"),
            (None, Some(on)) => format!("Signerad den {}", swedish_date(on)),
            (None, None) => "Ännu inte signerad.".to_owned(),
        },
    })
}

#[derive(Template)]
#[template(path = "process.html")]
struct ProcessHtml<'a> {
    r: &'a ProcessReport,
}

pub(crate) const PDF_TEMPLATE: &str = include_str!("../templates/process.typ");

/// The follow-up as HTML or PDF.
pub fn render(
    data: &Dataset,
    year: i32,
    process: &str,
    format: Format,
    today: time::Date,
) -> Result<Vec<u8>, ReportError> {
    render_with(data, year, process, format, today, crate::Typesetter::InProcess)
}

/// [`render`], with the PDF typeset as `typesetter` says.
pub fn render_with(
    data: &Dataset,
    year: i32,
    process: &str,
    format: Format,
    today: time::Date,
    typesetter: crate::Typesetter,
) -> Result<Vec<u8>, ReportError> {
    let r = build(data, year, process)?;
    match format {
        Format::Html => ProcessHtml { r: &r }
            .render()
            .map(String::into_bytes)
            .map_err(|e| ReportError::Render(format!("HTML: {e}"))),
        Format::Pdf => match typesetter {
            crate::Typesetter::InProcess => crate::pdf::typeset(PDF_TEMPLATE, &r, today),
            crate::Typesetter::Child => crate::child::typeset(crate::child::Template::Process, &r, today),
        },
        Format::Docx | Format::Xlsx => {
            Err(ReportError::NotFound("processuppföljningen finns som html och pdf".to_owned()))
        }
    }
}
