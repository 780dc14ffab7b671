//! The report as PDF, typeset by Typst used as a library: the template `templates/report.typ` reads the
//! report model as JSON. Fonts are Typst's embedded ones (no system fonts, no network). The PDF is
//! tagged, so screen readers get headings and table structure.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::ReportError;
use crate::model::Report;

pub(crate) const TEMPLATE: &str = include_str!("../templates/report.typ");

struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// Parsing the embedded fonts takes a while; do it once per process.
fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = typst_kit::fonts::embedded().map(|(font, _)| font).collect();
        Shared { library: LazyHash::new(Library::default()), book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts }
    })
}

fn file_id(path: &str) -> Result<FileId, ReportError> {
    let vpath = VirtualPath::new(path).map_err(|e| ReportError::Render(format!("PDF: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

struct ReportWorld {
    shared: &'static Shared,
    main: Source,
    json_id: FileId,
    json: Bytes,
    today: Option<Datetime>,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.shared.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::AccessDenied) }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.json_id { Ok(self.json.clone()) } else { Err(FileError::AccessDenied) }
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}

/// Every text of the model without the control characters a document cannot show, whatever is stored.
fn printable_strings(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => {
            if let std::borrow::Cow::Owned(clean) = uppfolj_domain::input::printable(s) {
                *s = clean;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(printable_strings),
        serde_json::Value::Object(map) => map.values_mut().for_each(printable_strings),
        _ => {}
    }
}

/// The PDF's standards — PDF/A-2a (archival, tagged) and PDF/UA-1 (accessible) at once: Typst
/// refuses to write a document that breaks either (no title, no language, an image without alt
/// text) — and its date, `day`: the document's date in its metadata.
fn archival(day: time::Date) -> Result<typst_pdf::PdfOptions, ReportError> {
    use typst_pdf::{PdfStandard, PdfStandards, Timestamp};
    let standards = PdfStandards::new(&[PdfStandard::A_2a, PdfStandard::Ua_1])
        .map_err(|e| ReportError::Render(format!("PDF: {}", e.message())))?;
    let date = Datetime::from_ymd_hms(day.year(), u8::from(day.month()), day.day(), 0, 0, 0)
        .ok_or_else(|| ReportError::Render(format!("PDF: datumet {day}")))?;
    Ok(typst_pdf::PdfOptions { standards, timestamp: Some(Timestamp::new_utc(date)), ..Default::default() })
}

/// Typesets the report. `today` is the date printed where the template asks for it, and the PDF's date.
pub fn render(r: &Report, today: time::Date) -> Result<Vec<u8>, ReportError> {
    typeset(TEMPLATE, r, today)
}

/// Typesets `template`, which reads `data` as `report.json`.
pub fn typeset(template: &str, data: &impl serde::Serialize, today: time::Date) -> Result<Vec<u8>, ReportError> {
    let mut value = serde_json::to_value(data).map_err(|e| ReportError::Render(format!("PDF: {e}")))?;
    printable_strings(&mut value);
    let json = serde_json::to_vec(&value).map_err(|e| ReportError::Render(format!("PDF: {e}")))?;
    let world = ReportWorld {
        shared: shared(),
        main: Source::new(file_id("/main.typ")?, template.to_owned()),
        json_id: file_id("/report.json")?,
        json: Bytes::new(json),
        today: Datetime::from_ymd(today.year(), u8::from(today.month()), today.day()),
    };
    let messages = |errors: &[typst::diag::SourceDiagnostic]| {
        format!("PDF: {}", errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; "))
    };
    let started = std::time::Instant::now();
    let document: PagedDocument =
        typst::compile(&world).output.map_err(|errors| ReportError::Render(messages(&errors)))?;
    let laid_out = started.elapsed();
    let pdf = typst_pdf::pdf(&document, &archival(today)?).map_err(|errors| ReportError::Render(messages(&errors)));
    tracing::debug!(
        pages = document.pages().len(),
        layout_ms = laid_out.as_millis(),
        pdf_ms = (started.elapsed() - laid_out).as_millis(),
        "PDF typeset"
    );
    drop(document);
    // Typst remembers what it laid out, for the next compilation of the same document; a server
    // typesets many different ones, so nothing is kept (its memory is given back at once).
    typst::comemo::evict(0);
    pdf
}
