//! The report as one self-contained HTML document (styles inline, print CSS for paper).

use askama::Template;

use crate::ReportError;
use crate::model::Report;

#[derive(Template)]
#[template(path = "report.html")]
struct ReportHtml<'a> {
    r: &'a Report,
}

pub fn render(r: &Report) -> Result<String, ReportError> {
    ReportHtml { r }.render().map_err(|e| ReportError::Render(format!("HTML: {e}")))
}
