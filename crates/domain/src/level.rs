//! The level a region gives a goal in a follow-up round, in the report's notation.
//!
//! | notation | meaning |
//! |---|---|
//! | `U` / `P` / `E` | uppnått mål / pågående arbete / ej påbörjat arbete |
//! | empty | blank: the region gave no level (not the same as `E`) |
//! | `P/U`, `U/E`, `E/P`, … | a two-part judgement, e.g. inclusion target met, lead-time target not |
//! | `P?` | an uncertain judgement; the question mark is kept |
//! | `-` | not applicable to the region (`–` is read as the same) |
//!
//! [`Level::parse`] and [`Level`]'s `Display` round-trip: printing a parsed canonical notation gives back
//! the same text. Letters are read case-insensitively and surrounding spaces are ignored.

use std::fmt;

/// One of the report's three grades.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grade {
    /// U — uppnått mål.
    Achieved,
    /// P — pågående arbete.
    InProgress,
    /// E — ej påbörjat arbete.
    NotStarted,
}

impl Grade {
    pub const ALL: [Grade; 3] = [Grade::Achieved, Grade::InProgress, Grade::NotStarted];

    pub fn letter(self) -> char {
        match self {
            Grade::Achieved => 'U',
            Grade::InProgress => 'P',
            Grade::NotStarted => 'E',
        }
    }

    /// The Swedish name used in the report's legend.
    pub fn label(self) -> &'static str {
        match self {
            Grade::Achieved => "Uppnått mål",
            Grade::InProgress => "Pågående arbete",
            Grade::NotStarted => "Ej påbörjat arbete",
        }
    }

    fn from_letter(c: char) -> Option<Grade> {
        match c.to_ascii_uppercase() {
            'U' => Some(Grade::Achieved),
            'P' => Some(Grade::InProgress),
            'E' => Some(Grade::NotStarted),
            _ => None,
        }
    }
}

/// A grade, possibly marked as uncertain (`P?`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Mark {
    pub grade: Grade,
    pub uncertain: bool,
}

impl Mark {
    pub fn certain(grade: Grade) -> Mark {
        Mark { grade, uncertain: false }
    }

    fn parse(part: &str, whole: &str) -> Result<Mark, LevelError> {
        let part = part.trim();
        let mut chars = part.chars();
        let Some(first) = chars.next() else {
            return Err(LevelError::EmptyPart { input: whole.to_owned() });
        };
        let Some(grade) = Grade::from_letter(first) else {
            return Err(LevelError::UnknownGrade { input: whole.to_owned(), found: part.to_owned() });
        };
        match chars.as_str() {
            "" => Ok(Mark { grade, uncertain: false }),
            "?" => Ok(Mark { grade, uncertain: true }),
            _ => Err(LevelError::UnknownGrade { input: whole.to_owned(), found: part.to_owned() }),
        }
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.grade.letter())?;
        if self.uncertain {
            write!(f, "?")?;
        }
        Ok(())
    }
}

/// A region's level for one goal in one round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Level {
    /// No level given: the report leaves the cell blank. Not the same as [`Grade::NotStarted`].
    #[default]
    Blank,
    /// The goal does not apply to the region.
    NotApplicable,
    Single(Mark),
    /// A two-part judgement such as `U/E`; the goal may name the parts (e.g. inclusion / lead time).
    Split(Mark, Mark),
}

/// How levels are counted in overviews.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Achieved,
    InProgress,
    NotStarted,
    TwoPart,
    Blank,
    NotApplicable,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Achieved,
        Category::InProgress,
        Category::NotStarted,
        Category::TwoPart,
        Category::Blank,
        Category::NotApplicable,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Category::Achieved => "U",
            Category::InProgress => "P",
            Category::NotStarted => "E",
            Category::TwoPart => "Tvådelad",
            Category::Blank => "Blank",
            Category::NotApplicable => "Ej aktuellt",
        }
    }

    /// A stable identifier for CSS classes and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Category::Achieved => "u",
            Category::InProgress => "p",
            Category::NotStarted => "e",
            Category::TwoPart => "tvadelad",
            Category::Blank => "blank",
            Category::NotApplicable => "ej-aktuellt",
        }
    }
}

impl Level {
    /// Parses the report's notation. An empty string is [`Level::Blank`].
    pub fn parse(input: &str) -> Result<Level, LevelError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Ok(Level::Blank);
        }
        if trimmed == "-" || trimmed == "–" {
            return Ok(Level::NotApplicable);
        }
        let parts: Vec<&str> = trimmed.split('/').collect();
        match parts.as_slice() {
            [one] => Ok(Level::Single(Mark::parse(one, input)?)),
            [a, b] => Ok(Level::Split(Mark::parse(a, input)?, Mark::parse(b, input)?)),
            _ => Err(LevelError::TooManyParts { input: input.to_owned() }),
        }
    }

    pub fn is_blank(self) -> bool {
        self == Level::Blank
    }

    pub fn category(self) -> Category {
        match self {
            Level::Blank => Category::Blank,
            Level::NotApplicable => Category::NotApplicable,
            Level::Single(m) => match m.grade {
                Grade::Achieved => Category::Achieved,
                Grade::InProgress => Category::InProgress,
                Grade::NotStarted => Category::NotStarted,
            },
            Level::Split(..) => Category::TwoPart,
        }
    }

    /// True when the region judged the goal achieved without reservation (`U`).
    pub fn is_fully_achieved(self) -> bool {
        matches!(self, Level::Single(Mark { grade: Grade::Achieved, uncertain: false }))
    }

    /// A plain-language Swedish description, for screen readers and tooltips.
    pub fn describe(self, part_names: Option<&[String; 2]>) -> String {
        fn mark(m: Mark) -> String {
            let label = m.grade.label().to_lowercase();
            if m.uncertain { format!("{label} (osäker bedömning)") } else { label }
        }
        match self {
            Level::Blank => "Ingen nivå angiven".to_owned(),
            Level::NotApplicable => "Ej aktuellt för regionen".to_owned(),
            Level::Single(m) => {
                let mut s = mark(m);
                if let Some(first) = s.get(..1) {
                    s = first.to_uppercase() + s.get(1..).unwrap_or_default();
                }
                s
            }
            Level::Split(a, b) => match part_names {
                Some([na, nb]) => format!("{na}: {}; {nb}: {}", mark(a), mark(b)),
                None => format!("Delvis: {} / {}", mark(a), mark(b)),
            },
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Level::Blank => Ok(()),
            Level::NotApplicable => write!(f, "-"),
            Level::Single(m) => write!(f, "{m}"),
            Level::Split(a, b) => write!(f, "{a}/{b}"),
        }
    }
}

impl std::str::FromStr for Level {
    type Err = LevelError;
    fn from_str(s: &str) -> Result<Level, LevelError> {
        Level::parse(s)
    }
}

/// Why a text is not a level. The messages are in Swedish: they reach users as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LevelError {
    #[error("\"{input}\" är ingen giltig nivå: \"{found}\" ska vara U, P eller E, eventuellt med frågetecken (P?)")]
    UnknownGrade { input: String, found: String },
    #[error("\"{input}\" är ingen giltig nivå: en tvådelad nivå skrivs med två delar, till exempel U/E")]
    TooManyParts { input: String },
    #[error("\"{input}\" är ingen giltig nivå: en del av den tvådelade nivån är tom")]
    EmptyPart { input: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notation_in_the_seed_round_trips() {
        for text in ["U", "P", "E", "", "P/U", "U/E", "E/P", "P?", "-"] {
            let level = Level::parse(text).unwrap();
            assert_eq!(level.to_string(), text, "round trip of {text:?}");
        }
    }

    #[test]
    fn parsed_values_are_what_the_report_means() {
        assert_eq!(Level::parse("").unwrap(), Level::Blank);
        assert_eq!(Level::parse("   ").unwrap(), Level::Blank);
        assert_ne!(Level::parse("").unwrap(), Level::parse("E").unwrap(), "blank is not E");
        assert_eq!(Level::parse("U").unwrap(), Level::Single(Mark::certain(Grade::Achieved)));
        assert_eq!(
            Level::parse("U/E").unwrap(),
            Level::Split(Mark::certain(Grade::Achieved), Mark::certain(Grade::NotStarted))
        );
        assert_eq!(Level::parse("P?").unwrap(), Level::Single(Mark { grade: Grade::InProgress, uncertain: true }));
        assert_eq!(Level::parse("–").unwrap(), Level::NotApplicable);
        assert_eq!(Level::parse(" p/u ").unwrap().to_string(), "P/U");
    }

    #[test]
    fn categories() {
        assert_eq!(Level::parse("U").unwrap().category(), Category::Achieved);
        assert_eq!(Level::parse("P?").unwrap().category(), Category::InProgress);
        assert_eq!(Level::parse("E/P").unwrap().category(), Category::TwoPart);
        assert_eq!(Level::parse("").unwrap().category(), Category::Blank);
        assert!(Level::parse("U").unwrap().is_fully_achieved());
        assert!(!Level::parse("U?").unwrap().is_fully_achieved());
        assert!(!Level::parse("U/E").unwrap().is_fully_achieved());
        assert!(!Level::parse("").unwrap().is_fully_achieved());
    }

    #[test]
    fn invalid_notation_is_a_typed_error() {
        assert!(matches!(Level::parse("X"), Err(LevelError::UnknownGrade { .. })));
        assert!(matches!(Level::parse("UU"), Err(LevelError::UnknownGrade { .. })));
        assert!(matches!(Level::parse("U??"), Err(LevelError::UnknownGrade { .. })));
        assert!(matches!(Level::parse("?"), Err(LevelError::UnknownGrade { .. })));
        assert!(matches!(Level::parse("U/E/P"), Err(LevelError::TooManyParts { .. })));
        assert!(matches!(Level::parse("U/"), Err(LevelError::EmptyPart { .. })));
        assert!(matches!(Level::parse("/E"), Err(LevelError::EmptyPart { .. })));
        let message = Level::parse("X").unwrap_err().to_string();
        assert!(message.contains("\"X\""), "{message}");
        assert!(message.contains("U, P eller E"), "{message}");
    }

    #[test]
    fn descriptions_name_the_parts() {
        let names = ["inklusion".to_owned(), "ledtid".to_owned()];
        assert_eq!(
            Level::parse("U/E").unwrap().describe(Some(&names)),
            "inklusion: uppnått mål; ledtid: ej påbörjat arbete"
        );
        assert_eq!(Level::parse("P?").unwrap().describe(None), "Pågående arbete (osäker bedömning)");
        assert_eq!(Level::parse("").unwrap().describe(None), "Ingen nivå angiven");
    }
}
