//! View models shared by the pages: levels as letter + colour + words, paragraphs, breadcrumbs.

use std::collections::HashMap;

use uppfolj_domain::{Category, GoalRef, Grade, Level, Mark};

use crate::auth::Viewer;

/// The signed-in user in the page header, and the CSRF token every form on the page carries.
pub struct Nav {
    pub show: bool,
    pub user: Option<String>,
    pub role: String,
    pub csrf: String,
}

impl Nav {
    pub fn of(v: &Viewer) -> Nav {
        Nav {
            show: true,
            user: v.own.as_ref().map(|a| a.display_name.clone()),
            role: v
                .own
                .as_ref()
                .map(|a| match (&a.region, &a.process) {
                    (Some(r), _) => format!("{}, {r}", a.role.label()),
                    (None, Some(p)) => format!("{}, {p}", a.role.label()),
                    _ => a.role.label().to_owned(),
                })
                .unwrap_or_default(),
            csrf: v.csrf.clone(),
        }
    }
    /// For pages shown when something went wrong: no user area.
    pub fn hidden() -> Nav {
        Nav { show: false, user: None, role: String::new(), csrf: String::new() }
    }
}

/// The level choices of a form, with the current value selected (and kept even when unusual).
pub struct LevelOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

const LEVEL_CHOICES: [(&str, &str); 14] = [
    ("", "Ingen nivå"),
    ("U", "U – uppnått mål"),
    ("P", "P – pågående arbete"),
    ("E", "E – ej påbörjat arbete"),
    ("U?", "U? – osäker"),
    ("P?", "P? – osäker"),
    ("E?", "E? – osäker"),
    ("U/E", "U/E – tvådelad"),
    ("U/P", "U/P – tvådelad"),
    ("P/U", "P/U – tvådelad"),
    ("P/E", "P/E – tvådelad"),
    ("E/P", "E/P – tvådelad"),
    ("E/U", "E/U – tvådelad"),
    ("-", "– ej aktuellt"),
];

pub fn level_options(current: &str) -> Vec<LevelOption> {
    let mut out: Vec<LevelOption> = LEVEL_CHOICES
        .iter()
        .map(|(v, l)| LevelOption { value: (*v).to_owned(), label: (*l).to_owned(), selected: *v == current })
        .collect();
    if !out.iter().any(|o| o.selected) {
        out.push(LevelOption { value: current.to_owned(), label: current.to_owned(), selected: true });
    }
    out
}

/// The name of a form field for a goal: `niva_3_3`.
pub fn field(prefix: &str, g: GoalRef) -> String {
    format!("{prefix}_{}_{}", g.area, g.goal)
}

/// A submitted form: field name → value.
pub type FormMap = HashMap<String, String>;

pub fn form_value<'a>(form: &'a FormMap, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or("")
}

/// One link of the breadcrumb trail; the last one is the current page.
pub struct Crumb {
    pub href: String,
    pub label: String,
}

pub fn crumb(href: impl Into<String>, label: impl Into<String>) -> Crumb {
    Crumb { href: href.into(), label: label.into() }
}

/// One letter of a level, with its colour class.
pub struct PartView {
    pub letter: char,
    pub class: &'static str,
    pub uncertain: bool,
}

/// A level as the pages show it: the report's letters, each coloured, and the meaning in words for
/// screen readers and as a tooltip. Never colour alone.
pub struct LevelView {
    pub notation: String,
    pub parts: Vec<PartView>,
    pub description: String,
    pub blank: bool,
    pub not_applicable: bool,
}

fn part(m: Mark) -> PartView {
    PartView {
        letter: m.grade.letter(),
        class: match m.grade {
            Grade::Achieved => "niva-u",
            Grade::InProgress => "niva-p",
            Grade::NotStarted => "niva-e",
        },
        uncertain: m.uncertain,
    }
}

pub fn level_view(level: Level, part_names: Option<&[String; 2]>) -> LevelView {
    let parts = match level {
        Level::Single(m) => vec![part(m)],
        Level::Split(a, b) => vec![part(a), part(b)],
        Level::Blank | Level::NotApplicable => Vec::new(),
    };
    LevelView {
        notation: level.to_string(),
        parts,
        description: level.describe(part_names),
        blank: level.is_blank(),
        not_applicable: level == Level::NotApplicable,
    }
}

pub use uppfolj_domain::text::{Block, blocks, paragraphs};

/// The column headings of the level counts, in display order.
pub const COUNT_CATEGORIES: [Category; 5] =
    [Category::Achieved, Category::InProgress, Category::NotStarted, Category::TwoPart, Category::Blank];

/// The limit of a kind of text for a form (`kind`: `line`, `comment`, `reason` or `long`): the
/// number for `maxlength`, so that a browser stops there without JavaScript.
pub fn max_chars(kind: &str) -> usize {
    text_kind(kind).max_chars()
}

/// "Högst 10 000 tecken." under a field; `uppfolj.js` turns it into a live count.
pub fn limit_hint(kind: &str) -> String {
    text_kind(kind).hint()
}

fn text_kind(kind: &str) -> uppfolj_domain::input::TextKind {
    use uppfolj_domain::input::TextKind;
    match kind {
        "comment" => TextKind::Comment,
        "reason" => TextKind::Reason,
        "long" => TextKind::Long,
        _ => TextKind::Line,
    }
}

/// The version a form's change is based on. A form always sends it; one without it was not made by
/// Uppfölj's page (or comes from a page too old), and is refused rather than read as some version.
pub fn required_version(v: Option<i32>) -> Result<i32, crate::AppError> {
    v.ok_or_else(|| {
        crate::AppError::BadRequest(
            "Formuläret saknar den version ändringen bygger på. Ladda om sidan och gör ändringen igen.".to_owned(),
        )
    })
}

/// A form's version field as text: a number, or refused (see [`required_version`]).
pub fn version_field(form: &FormMap, name: &str) -> Result<i32, crate::AppError> {
    required_version(form.get(name).and_then(|v| v.trim().parse().ok()))
}

/// How many changes a page of a history shows.
pub const HISTORY_PAGE: u32 = 100;

/// The page a list's `?sida=` asks for (the first without one), or 400 saying what is wrong.
pub fn page_of(sida: Option<&str>, size: u32) -> Result<uppfolj_store::Page, crate::AppError> {
    match sida.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(uppfolj_store::Page::first(size)),
        Some(s) => match s.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(uppfolj_store::Page { number: n, size }),
            _ => Err(crate::AppError::BadRequest(format!(
                "Sidnumret \"{}\" i adressen (sida=) ska vara ett heltal från 1.",
                s.chars().take(20).collect::<String>()
            ))),
        },
    }
}

/// The links between the pages of a long list, and what this page shows of it.
pub struct Pager {
    /// "Ändring 101–200 av 1 234".
    pub summary: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// "Sida 2 av 13".
    pub position: String,
    pub several: bool,
    /// A page past the end of a list that has items: what to say instead of "nothing here".
    pub past_end: Option<String>,
    /// The first page.
    pub first: String,
}

impl Pager {
    /// No pages: a list that is not there.
    pub fn none() -> Pager {
        Pager {
            summary: String::new(),
            prev: None,
            next: None,
            position: String::new(),
            several: false,
            past_end: None,
            first: String::new(),
        }
    }

    /// For `paged`, whose pages are at `base` (an address without `sida`) with `?sida=N` added;
    /// `(one, many)` name the items ("ändring", "ändringar").
    pub fn of<T>(paged: &uppfolj_store::Paged<T>, base: &str, (what, many): (&str, &str)) -> Pager {
        let (page, pages) = (paged.page.number, paged.pages());
        let first = usize::try_from(paged.page.offset()).unwrap_or(0) + 1;
        let last = first - 1 + paged.items.len();
        let sep = if base.contains('?') { '&' } else { '?' };
        let link = |n: u32| if n == 1 { base.to_owned() } else { format!("{base}{sep}sida={n}") };
        let total = uppfolj_domain::input::grouped(usize::try_from(paged.total).unwrap_or(usize::MAX));
        Pager {
            summary: if paged.items.is_empty() {
                String::new()
            } else {
                format!(
                    "{} {}–{} av {total}.",
                    crate::error::capitalise(what),
                    uppfolj_domain::input::grouped(first),
                    uppfolj_domain::input::grouped(last)
                )
            },
            prev: (page > 1).then(|| link((page - 1).min(pages))),
            next: (page < pages).then(|| link(page + 1)),
            position: format!("Sida {page} av {pages}"),
            several: pages > 1,
            past_end: (paged.items.is_empty() && paged.total > 0)
                .then(|| format!("Sidan finns inte: listan har {total} {many} på {pages} sidor.")),
            first: base.to_owned(),
        }
    }
}
