//! What a stored text may be, and how large a file a person may hand in: the one place these limits
//! are decided. Forms, the JSON API, data files, table imports and the command line all apply them,
//! with the same messages.
//!
//! A text is **cleaned**, then checked:
//! - line breaks become `\n` (`\r\n`, `\r`, Word's manual line break `\v`, page break `\f`, and the
//!   Unicode line and paragraph separators); in a one-line field every line break and tab becomes a space;
//! - every other control character (C0 except tab and newline, DEL, C1) and every Unicode noncharacter
//!   is removed: they cannot be written in XML (Word, Excel, SVG) and copy-paste from Word brings them;
//!   NUL is never stored;
//! - bidi override and isolate characters (U+202A–U+202E, U+2066–U+2069) are **refused**: they make
//!   text read differently from how it is stored ("Trojan Source"), and removing them silently would
//!   change what the writer meant;
//! - the text may be at most [`TextKind::max_chars`] characters long (after cleaning), counted as
//!   Unicode scalar values.
//!
//! Cleaning is idempotent: a cleaned text cleans to itself.

use std::fmt;

/// The kinds of free text Uppfölj stores, each with its own maximum length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TextKind {
    /// One line: a name, title, heading, unit, source, person, status word. At most 300 characters.
    Line,
    /// A region's or the RCC's comment on a goal, a condensed comment, an action-plan text, the
    /// texts of a process follow-up's goals. At most 10 000 characters.
    Comment,
    /// Why something was returned, reopened or changed. At most 2 000 characters.
    Reason,
    /// Running text: the report's introduction, a summary section, an indicator's description, a
    /// process follow-up's sections, a goal's text. At most 50 000 characters.
    Long,
}

impl TextKind {
    pub const ALL: [TextKind; 4] = [TextKind::Line, TextKind::Comment, TextKind::Reason, TextKind::Long];

    /// The maximum length in characters (Unicode scalar values), after cleaning.
    pub const fn max_chars(self) -> usize {
        match self {
            TextKind::Line => 300,
            TextKind::Comment => 10_000,
            TextKind::Reason => 2_000,
            TextKind::Long => 50_000,
        }
    }

    /// Whether line breaks are kept.
    pub const fn multiline(self) -> bool {
        !matches!(self, TextKind::Line)
    }

    /// "Högst 10 000 tecken." for forms.
    pub fn hint(self) -> String {
        format!("Högst {} tecken.", grouped(self.max_chars()))
    }
}

/// Why a text cannot be stored; the message is Swedish and says what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("texten är {} tecken lång; högst {} tecken får plats. Korta texten eller dela upp den.", grouped(*.chars), grouped(*.max))]
    TooLong { chars: usize, max: usize },
    #[error(
        "texten innehåller ett osynligt tecken som vänder skrivriktningen ({0}); ta bort det (det följer ofta med när text kopieras)"
    )]
    BidiControl(String),
}

/// A number with a space between thousands, as Swedish text writes it: `10 000`.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn is_noncharacter(c: char) -> bool {
    let n = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&n) || (n & 0xFFFE) == 0xFFFE
}

/// Cleans `raw` for storing as `kind` (see the module documentation), or says why it cannot be stored.
/// Surrounding whitespace is trimmed.
pub fn clean(kind: TextKind, raw: &str) -> Result<String, TextError> {
    if let Some(c) = raw.chars().find(|c| is_bidi_control(*c)) {
        return Err(TextError::BidiControl(format!("U+{:04X}", u32::from(c))));
    }
    let mut out = String::with_capacity(raw.len().min(4 * kind.max_chars() + 4));
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        let c = match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                '\n'
            }
            '\n' | '\u{0B}' | '\u{0C}' | '\u{2028}' | '\u{2029}' => '\n',
            '\t' => '\t',
            c if c.is_control() || is_noncharacter(c) => continue,
            c => c,
        };
        if !kind.multiline() && (c == '\n' || c == '\t') {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    let trimmed = out.trim();
    let chars = trimmed.chars().count();
    if chars > kind.max_chars() {
        return Err(TextError::TooLong { chars, max: kind.max_chars() });
    }
    Ok(if trimmed.len() == out.len() { out } else { trimmed.to_owned() })
}

/// Text for places that cannot carry what [`clean`] removes, whatever is stored (text stored before
/// these rules, or read from elsewhere): XML documents (Word, Excel, SVG) and CSV. Control characters
/// other than tab and newline, and noncharacters, are dropped; nothing is refused.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| (c.is_control() && c != '\n' && c != '\t') || is_noncharacter(c);
    if s.chars().any(bad) {
        std::borrow::Cow::Owned(s.chars().filter(|c| !bad(*c)).collect())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Text for a terminal: every control character except newline and tab, and every bidi control, is
/// shown as its code (`\u{1b}`), so that nothing stored can move the cursor, change colours or
/// reorder what the RCC reads.
pub fn for_terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c) || is_noncharacter(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a spreadsheet could take the cell for a formula: it starts with `=`, `+`, `-`, `@`, tab or
/// carriage return and is not a number, or it is such a text already quoted (so that quoting can be
/// undone exactly).
fn needs_quote(s: &str) -> bool {
    match s.strip_prefix('\'') {
        Some(rest) => needs_quote(rest),
        None => s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.trim().parse::<f64>().is_err(),
    }
}

/// A CSV cell that a spreadsheet will not run as a formula (OWASP's advice): a text starting with
/// `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`. Numbers ("-3.5") are left alone, so
/// that exports stay readable as data; [`from_csv_cell`] undoes the quote exactly.
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    let s = printable(s);
    if needs_quote(&s) { std::borrow::Cow::Owned(format!("'{s}")) } else { s }
}

/// Reads back a cell written by [`csv_cell`]: the `'` it added is dropped.
pub fn from_csv_cell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => s,
    }
}

/// How large a file a person may hand in, and how much of it is read. The web upload, the command
/// line and the data-file import share these; each refusal names the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileLimits {
    /// The file as sent (an XLSX is compressed).
    pub max_bytes: usize,
    /// Rows of a table, the header included.
    pub max_rows: usize,
    /// Columns of a table.
    pub max_columns: usize,
    /// Characters in one cell.
    pub max_cell_chars: usize,
    /// What the parts of an XLSX file may expand to, each (the sheet is read as a stream, the rest
    /// is held in memory) and all together.
    pub max_part_bytes: u64,
    pub max_sheet_bytes: u64,
    pub max_expanded_bytes: u64,
    /// Entries in an XLSX (zip) file.
    pub max_entries: usize,
    /// How long reading one file may take before it is given up.
    pub max_seconds: u64,
}

/// The limits for indicator tables (CSV, XLSX).
pub const TABLE_LIMITS: FileLimits = FileLimits {
    max_bytes: 20 * 1024 * 1024,
    max_rows: 200_000,
    max_columns: 26,
    max_cell_chars: 2_000,
    max_part_bytes: 32 * 1024 * 1024,
    max_sheet_bytes: 160 * 1024 * 1024,
    max_expanded_bytes: 200 * 1024 * 1024,
    max_entries: 1_000,
    max_seconds: 20,
};

/// The largest data file (TOML) that is read.
pub const MAX_DATA_FILE_BYTES: usize = 64 * 1024 * 1024;

/// "20 MB" for messages.
pub fn megabytes(bytes: u64) -> String {
    format!("{} MB", bytes / (1024 * 1024))
}

impl fmt::Display for TextKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hint())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_and_control_characters() {
        let raw = "Rad ett\r\nrad två\rrad tre\u{0B}rad fyra\u{8}\u{0}\u{1b}[31m röd\u{7f}\u{85}\u{FFFF}";
        assert_eq!(clean(TextKind::Comment, raw).unwrap(), "Rad ett\nrad två\nrad tre\nrad fyra[31m röd");
        assert_eq!(clean(TextKind::Line, " Namn\tmed\nbrytning ").unwrap(), "Namn med brytning");
        assert_eq!(clean(TextKind::Comment, "  kant  ").unwrap(), "kant");
        assert_eq!(clean(TextKind::Comment, "å ä ö – “citat” 😀").unwrap(), "å ä ö – “citat” 😀");
    }

    #[test]
    fn bidi_overrides_are_refused() {
        let e = clean(TextKind::Comment, "abc\u{202E}def").unwrap_err();
        assert!(e.to_string().contains("U+202E"), "{e}");
        assert!(clean(TextKind::Line, "\u{2067}x").is_err());
        assert!(clean(TextKind::Line, "\u{200F}x").is_ok(), "a right-to-left mark is harmless");
    }

    #[test]
    fn lengths_are_counted_in_characters_after_cleaning() {
        let max = TextKind::Reason.max_chars();
        assert!(clean(TextKind::Reason, &"ö".repeat(max)).is_ok());
        assert!(clean(TextKind::Reason, &format!("{}\r\n", "a".repeat(max))).is_ok());
        let e = clean(TextKind::Comment, &"x".repeat(32_768)).unwrap_err();
        assert_eq!(e, TextError::TooLong { chars: 32_768, max: 10_000 });
        assert!(e.to_string().starts_with("texten är 32 768 tecken lång; högst 10 000 tecken"), "{e}");
    }

    #[test]
    fn cleaning_is_idempotent() {
        for raw in ["a\r\n\r\nb", " x\u{0C}y ", "\u{0}", "a\u{2028}b\u{2029}c"] {
            for kind in TextKind::ALL {
                let once = clean(kind, raw).unwrap();
                assert_eq!(clean(kind, &once).unwrap(), once, "{kind:?} {raw:?}");
            }
        }
    }

    #[test]
    fn outputs() {
        assert_eq!(printable("a\u{8}b\nc"), "ab\nc");
        assert_eq!(for_terminal("ok\u{1b}[2Jx\u{202E}"), "ok\\u{1b}[2Jx\\u{202e}");
        assert_eq!(csv_cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("-3.5"), "-3.5");
        assert_eq!(csv_cell("+46 70"), "'+46 70");
        assert_eq!(csv_cell("%"), "%");
        assert_eq!(from_csv_cell("'=cmd"), "=cmd");
        assert_eq!(from_csv_cell("'citat'"), "'citat'");
        assert_eq!(csv_cell("'=redan citerad"), "''=redan citerad");
        assert_eq!(from_csv_cell(&csv_cell("'=redan citerad")), "'=redan citerad");
        assert_eq!(grouped(200_000), "200 000");
        assert_eq!(grouped(999), "999");
    }
}
