//! The compiled follow-up report: one [`model::Report`] built from the data, rendered as HTML, PDF
//! (Typst), DOCX (docx-rs) and XLSX (rust_xlsxwriter).
//!
//! Architecture invariant: no HTTP here, and no IO beyond returning bytes (and, for the server's
//! PDFs, the pipes to the child process that typesets them); the caller writes files or responses.
//! The clock is a parameter.

pub mod charts;
pub mod child;
pub mod docx;
pub mod html;
pub mod model;
pub mod pdf;
pub mod process;
pub mod xlsx;

pub use model::{Report, build};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    NotFound(String),
    #[error("rapporten kunde inte skapas: {0}")]
    Render(String),
}

/// The formats the report comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
    Docx,
    Xlsx,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "html" => Some(Format::Html),
            "pdf" => Some(Format::Pdf),
            "docx" => Some(Format::Docx),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// Where a PDF is typeset: in this process (the command line, which ends anyway), or in a child
/// process that gives its memory back when it exits (the server; see [`child`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Typesetter {
    InProcess,
    Child,
}

/// Renders the report of `year` in `format`. `today` dates the PDF.
pub fn render(
    data: &uppfolj_domain::Dataset,
    year: i32,
    format: Format,
    today: time::Date,
) -> Result<Vec<u8>, ReportError> {
    render_with(data, year, format, today, Typesetter::InProcess)
}

/// [`render`], with the PDF typeset as `typesetter` says.
pub fn render_with(
    data: &uppfolj_domain::Dataset,
    year: i32,
    format: Format,
    today: time::Date,
    typesetter: Typesetter,
) -> Result<Vec<u8>, ReportError> {
    let r = build(data, year)?;
    match format {
        Format::Html => html::render(&r).map(String::into_bytes),
        Format::Pdf => match typesetter {
            Typesetter::InProcess => pdf::render(&r, today),
            Typesetter::Child => child::typeset(child::Template::Report, &r, today),
        },
        Format::Docx => docx::render(&r),
        Format::Xlsx => xlsx::render(&r),
    }
}
