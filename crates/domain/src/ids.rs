//! Small validated identifiers: region codes, slugs, goal references, periods.

use std::fmt;

use time::{Date, Month};

/// Why an identifier or date is invalid. Messages are Swedish and go to users as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

fn invalid(msg: impl Into<String>) -> InvalidValue {
    InvalidValue(msg.into())
}

/// A region's code as the report uses it in column headings: `RJH`, `RN`, `RV`, `RVN`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<RegionCode, InvalidValue> {
        let ok = !s.is_empty() && s.chars().count() <= 10 && s.chars().all(|c| c.is_uppercase() || c.is_ascii_digit());
        if ok {
            Ok(RegionCode(s.to_owned()))
        } else {
            Err(invalid(format!(
                "\"{s}\" är ingen giltig regionkod: använd 1–10 versaler eller siffror, till exempel RJH"
            )))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A short name used in addresses and on the command line: `norr-2022-2024`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    pub fn parse(s: &str) -> Result<Slug, InvalidValue> {
        let ok = !s.is_empty()
            && s.len() <= 80
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(Slug(s.to_owned()))
        } else {
            Err(invalid(format!(
                "\"{s}\" är inget giltigt kortnamn: använd gemener a–z, siffror och bindestreck, till exempel norr-2022-2024"
            )))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A short name made from a title: lower case, å/ä → a, ö → o, every other run of signs a hyphen
    /// ("Cancerplan 2025–2028" → `cancerplan-2025-2028`); `None` when nothing of it is left.
    pub fn from_title(title: &str) -> Option<Slug> {
        let mut out = String::new();
        for c in title.to_lowercase().chars() {
            let c = match c {
                'å' | 'ä' | 'á' | 'à' => 'a',
                'ö' | 'ø' | 'ó' => 'o',
                'é' | 'è' | 'ë' => 'e',
                'ü' | 'ú' => 'u',
                c => c,
            };
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                out.push(c);
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        let trimmed: String = out.trim_end_matches('-').chars().take(80).collect();
        Slug::parse(trimmed.trim_end_matches('-')).ok()
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A goal as the report numbers it: area number and goal number within the area, both from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GoalRef {
    pub area: u32,
    pub goal: u32,
}

impl GoalRef {
    pub fn new(area: u32, goal: u32) -> GoalRef {
        GoalRef { area, goal }
    }

    pub fn parse(s: &str) -> Result<GoalRef, InvalidValue> {
        let err = || invalid(format!("\"{s}\" är ingen giltig målbeteckning: skriv område.mål, till exempel 1.2"));
        let (a, g) = s.trim().split_once('.').ok_or_else(err)?;
        let area: u32 = a.parse().map_err(|_| err())?;
        let goal: u32 = g.parse().map_err(|_| err())?;
        if area == 0 || goal == 0 {
            return Err(err());
        }
        Ok(GoalRef { area, goal })
    }
}

impl fmt::Display for GoalRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.area, self.goal)
    }
}

const MONTHS_SV: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

/// The years a date or period may name: anything else is a typing mistake (`0000-01-01`, `20255`).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

fn year_in_range(year: i32, s: &str) -> Result<i32, InvalidValue> {
    if YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(invalid(format!("\"{s}\" ligger utanför de år Uppfölj tar emot ({}–{})", YEARS.start(), YEARS.end())))
    }
}

/// Parses `YYYY-MM-DD`, a year within [`YEARS`].
pub fn parse_date(s: &str) -> Result<Date, InvalidValue> {
    let err = || invalid(format!("\"{s}\" är inget giltigt datum: skriv ÅÅÅÅ-MM-DD, till exempel 2025-04-11"));
    let parts: Vec<&str> = s.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else { return Err(err()) };
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if y.len() != 4 || m.len() != 2 || d.len() != 2 || !digits(y) || !digits(m) || !digits(d) {
        return Err(err());
    }
    let year: i32 = y.parse().map_err(|_| err())?;
    let month: u8 = m.parse().map_err(|_| err())?;
    let day: u8 = d.parse().map_err(|_| err())?;
    let month = Month::try_from(month).map_err(|_| err())?;
    let date = Date::from_calendar_date(year, month, day).map_err(|_| err())?;
    year_in_range(year, s.trim())?;
    Ok(date)
}

/// A moment a person names to see something as it was: a day (meaning the end of that day) or a day
/// and a time of day in UTC, `2025-05-01T14:30` or `2025-05-01T14:30:15`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moment {
    /// The last instant the moment covers.
    pub at: time::OffsetDateTime,
    /// Whether a time of day was given.
    pub with_time: bool,
}

impl Moment {
    pub fn parse(s: &str) -> Result<Moment, InvalidValue> {
        let s = s.trim();
        let err = || {
            invalid(format!(
                "\"{s}\" är ingen tidpunkt: skriv ett datum (2025-05-01) eller datum och klockslag i UTC (2025-05-01T14:30)"
            ))
        };
        let (day, time_of_day) = match s.split_once('T') {
            Some((d, t)) => (d, Some(t)),
            None => (s, None),
        };
        let date = parse_date(day).map_err(|_| err())?;
        let (h, m, sec, with_time) = match time_of_day {
            None => (23, 59, 59, false),
            Some(t) => {
                let parts: Vec<&str> = t.split(':').collect();
                let num = |p: &str, max: u8| -> Result<u8, InvalidValue> {
                    if p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(err());
                    }
                    p.parse::<u8>().ok().filter(|v| *v <= max).ok_or_else(err)
                };
                match parts.as_slice() {
                    [h, m] => (num(h, 23)?, num(m, 59)?, 59, true),
                    [h, m, sec] => (num(h, 23)?, num(m, 59)?, num(sec, 59)?, true),
                    _ => return Err(err()),
                }
            }
        };
        let t = time::Time::from_hms_micro(h, m, sec, 999_999).map_err(|_| err())?;
        Ok(Moment { at: time::PrimitiveDateTime::new(date, t).assume_utc(), with_time })
    }

    /// "vid slutet av 1 maj 2025", "den 1 maj 2025 kl. 14:30 UTC".
    pub fn label(&self) -> String {
        let d = swedish_date(self.at.date());
        if self.with_time {
            format!("den {d} kl. {:02}:{:02} UTC", self.at.hour(), self.at.minute())
        } else {
            format!("vid slutet av {d}")
        }
    }
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A number as people type it: decimal comma or point, a real minus sign, spaces between thousands
/// ("12 000", "−3,5"). `None` unless it is a finite number.
pub fn parse_number(s: &str) -> Option<f64> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    t.replace(',', ".").replace('−', "-").parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A number the Swedish way: decimal comma, no needless decimals, a real minus sign.
pub fn number(v: f64) -> String {
    let s = if (v - v.round()).abs() < 1e-9 { format!("{}", v.round()) } else { format!("{v}") };
    s.replace('.', ",").replace('-', "−")
}

/// A value with its unit for people: "46 %", "124 per 100 000 invånare".
pub fn with_unit(v: f64, unit: &str) -> String {
    if unit == "%" { format!("{} %", number(v)) } else { format!("{} {unit}", number(v)) }
}

/// A point in time as stored and compared: UTC, fixed width, so that text order is time order
/// (`2025-04-11T09:30:00.000000Z`).
pub fn timestamp(at: time::OffsetDateTime) -> String {
    let u = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        u.year(),
        u8::from(u.month()),
        u.day(),
        u.hour(),
        u.minute(),
        u.second(),
        u.microsecond()
    )
}

/// Reads a point in time as [`timestamp`] writes it (or any RFC 3339 time).
pub fn parse_timestamp(s: &str) -> Result<time::OffsetDateTime, InvalidValue> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|_| invalid(format!("\"{s}\" är ingen tidpunkt")))
}

/// A point in time shown to people: `11 april 2025 09:30 UTC`.
pub fn swedish_time(at: time::OffsetDateTime) -> String {
    let u = at.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", swedish_date(u.date()), u.hour(), u.minute())
}

/// Serialises a point in time as [`timestamp`] writes it, so JSON keeps the stored form.
pub fn serialize_timestamp<S: serde::Serializer>(at: &time::OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&timestamp(*at))
}

/// Formats a date the Swedish way: `11 april 2025`.
pub fn swedish_date(d: Date) -> String {
    format!("{} {} {}", d.day(), MONTHS_SV[usize::from(u8::from(d.month())) - 1], d.year())
}

/// When something happened or what a figure covers: a year, a span of years, a month or a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    Years(i32, i32),
    Month(i32, u8),
    Day(Date),
}

impl Period {
    /// Parses `2024`, `2023-2024` (also with an en dash), `2025-04` or `2025-05-26`.
    pub fn parse(s: &str) -> Result<Period, InvalidValue> {
        let t = s.trim().replace('–', "-");
        let err = || {
            invalid(format!(
                "\"{s}\" är ingen giltig period: skriv ett år (2024), två år (2023-2024), en månad (2025-04) eller ett datum (2025-05-26)"
            ))
        };
        let year = |y: &str| -> Result<i32, InvalidValue> {
            if y.len() == 4 && y.chars().all(|c| c.is_ascii_digit()) {
                year_in_range(y.parse().map_err(|_| err())?, s.trim())
            } else {
                Err(err())
            }
        };
        let parts: Vec<&str> = t.split('-').collect();
        match parts.as_slice() {
            [y] => Ok(Period::Year(year(y)?)),
            [a, b] if b.len() == 4 => {
                let (a, b) = (year(a)?, year(b)?);
                if a < b { Ok(Period::Years(a, b)) } else { Err(err()) }
            }
            [y, m] if m.len() == 2 => {
                let m: u8 = m.parse().map_err(|_| err())?;
                if (1..=12).contains(&m) { Ok(Period::Month(year(y)?, m)) } else { Err(err()) }
            }
            [_, _, _] => parse_date(&t).map(Period::Day).map_err(|_| err()),
            _ => Err(err()),
        }
    }

    /// The first year the period touches, used for ordering and matching rounds.
    pub fn year(&self) -> i32 {
        match *self {
            Period::Year(y) | Period::Years(_, y) | Period::Month(y, _) => y,
            Period::Day(d) => d.year(),
        }
    }

    /// Swedish text for people: `2023–2024`, `april 2025`, `26 maj 2025`.
    pub fn swedish(&self) -> String {
        match *self {
            Period::Year(y) => y.to_string(),
            Period::Years(a, b) => format!("{a}–{b}"),
            Period::Month(y, m) => format!("{} {y}", MONTHS_SV[usize::from(m.clamp(1, 12)) - 1]),
            Period::Day(d) => swedish_date(d),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Years(a, b) => write!(f, "{a}-{b}"),
            Period::Month(y, m) => write!(f, "{y:04}-{m:02}"),
            Period::Day(d) => f.write_str(&format_date(d)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes() {
        assert_eq!(RegionCode::parse("RJH").unwrap().as_str(), "RJH");
        assert!(RegionCode::parse("rjh").is_err());
        assert!(RegionCode::parse("").is_err());
        assert!(RegionCode::parse("R J").is_err());
    }

    #[test]
    fn slugs() {
        assert!(Slug::parse("norr-2022-2024").is_ok());
        assert!(Slug::parse("Norr").is_err());
        assert!(Slug::parse("-x").is_err());
        assert!(Slug::parse("å").is_err());
    }

    #[test]
    fn goal_refs() {
        assert_eq!(GoalRef::parse("3.3").unwrap(), GoalRef::new(3, 3));
        assert_eq!(GoalRef::new(7, 5).to_string(), "7.5");
        for bad in ["3", "3.", ".3", "0.1", "a.b", "1.2.3"] {
            assert!(GoalRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn periods_round_trip() {
        for s in ["2024", "2023-2024", "2025-04", "2025-05-26"] {
            assert_eq!(Period::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Period::parse("2023–2024").unwrap(), Period::Years(2023, 2024));
        assert_eq!(Period::parse("2025-04").unwrap().swedish(), "april 2025");
        assert_eq!(Period::parse("2025-05-26").unwrap().swedish(), "26 maj 2025");
        for bad in ["24", "2024-13", "2025-02-30", "2024-2023", "x"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(number(34.0), "34");
        assert_eq!(number(49.2), "49,2");
        assert_eq!(number(12000.0), "12000");
        assert_eq!(parse_number(" 12 000 "), Some(12000.0));
        assert_eq!(parse_number("−3,5"), Some(-3.5));
        assert_eq!(parse_number("inf"), None);
        assert_eq!(with_unit(46.0, "%"), "46 %");
        assert_eq!(with_unit(124.0, "per 100 000 invånare"), "124 per 100 000 invånare");
    }

    #[test]
    fn timestamps_sort_as_text() {
        let a = time::macros::datetime!(2025-04-11 09:30:00.5 UTC);
        let b = time::macros::datetime!(2025-04-11 09:30:00.123 UTC);
        assert_eq!(timestamp(a), "2025-04-11T09:30:00.500000Z");
        assert!(timestamp(b) < timestamp(a));
        assert_eq!(swedish_time(a), "11 april 2025 09:30 UTC");
        assert_eq!(parse_timestamp(&timestamp(a)), Ok(a));
    }

    #[test]
    fn dates() {
        let d = parse_date("2022-06-06").unwrap();
        assert_eq!(format_date(d), "2022-06-06");
        assert_eq!(swedish_date(d), "6 juni 2022");
        assert!(parse_date("2022-6-6").is_err());
        for bad in ["0000-01-01", "9999-12-31", "+202-01-01", "2025-0a-01"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert!(Period::parse("0000").is_err());
    }

    #[test]
    fn moments() {
        let m = Moment::parse("2025-05-01").unwrap();
        assert_eq!(timestamp(m.at), "2025-05-01T23:59:59.999999Z");
        assert_eq!(m.label(), "vid slutet av 1 maj 2025");
        let m = Moment::parse("2025-05-01T14:30").unwrap();
        assert_eq!(timestamp(m.at), "2025-05-01T14:30:59.999999Z");
        assert_eq!(m.label(), "den 1 maj 2025 kl. 14:30 UTC");
        assert_eq!(timestamp(Moment::parse("2025-05-01T14:30:15").unwrap().at), "2025-05-01T14:30:15.999999Z");
        for bad in
            ["2025-05-01T25:99", "2025-05-01T24:00", "2025-05-01T1:30", "2025-05-01T", "x", "2025-05-01T14:30:60"]
        {
            assert!(Moment::parse(bad).is_err(), "{bad}");
        }
    }
}
