//! Property tests of every parser a person's input reaches: nothing panics on any input, and what is
//! printed parses back to the same value. They run with the unit tests; `fuzz/` holds fuzz targets
//! for the same parsers, to run for longer (see `docs/fuzzing.md`).

use proptest::prelude::*;

use crate::ids::{GoalRef, Moment, Period, number, parse_date, parse_number};
use crate::input::{TextKind, clean, csv_cell, from_csv_cell, printable};
use crate::level::Level;

/// Level notation as people type it: letters in either case, parts, question marks, dashes, spaces.
fn notation() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[ uUpPeEx?/–\\-]{0,7}").expect("regex")
}

fn any_kind() -> impl Strategy<Value = TextKind> {
    prop_oneof![Just(TextKind::Line), Just(TextKind::Comment), Just(TextKind::Reason), Just(TextKind::Long)]
}

// Identifiers and numbers: parsed, printed and parsed again.
proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn levels_parse_print_parse(s in notation()) {
        if let Ok(level) = Level::parse(&s) {
            let printed = level.to_string();
            prop_assert_eq!(Level::parse(&printed), Ok(level), "{:?} → {:?}", s, printed);
        }
    }

    #[test]
    fn levels_never_panic(s in any::<String>()) {
        let _ = Level::parse(&s);
    }

    #[test]
    fn goal_refs_round_trip(area in 1u32..100_000, goal in 1u32..100_000, junk in any::<String>()) {
        let g = GoalRef::new(area, goal);
        prop_assert_eq!(GoalRef::parse(&g.to_string()), Ok(g));
        let _ = GoalRef::parse(&junk);
    }

    #[test]
    fn periods_round_trip(y in 1900i32..2199, span in 1i32..5, m in 1u8..=12, d in 0i64..365, junk in any::<String>()) {
        let day = time::Date::from_calendar_date(y, time::Month::January, 1).expect("date") + time::Duration::days(d);
        for p in [Period::Year(y), Period::Years(y, (y + span).min(2199)), Period::Month(y, m), Period::Day(day)] {
            if let Period::Years(a, b) = p && a >= b {
                continue;
            }
            prop_assert_eq!(Period::parse(&p.to_string()), Ok(p));
        }
        let _ = Period::parse(&junk);
        let _ = parse_date(&junk);
        let _ = Moment::parse(&junk);
    }

    #[test]
    fn numbers_as_people_type_them(n in -1_000_000_000i64..1_000_000_000, decimals in 0u32..5, junk in any::<String>()) {
        // What Uppfölj prints (decimal comma, real minus sign) reads back as the same number.
        let v = n as f64 / 10f64.powi(decimals as i32);
        prop_assert_eq!(parse_number(&number(v)), Some(v), "{}", number(v));
        prop_assert!(parse_number(&junk).is_none_or(f64::is_finite));
    }
}

// Texts: what is stored, written to CSV and searched for figures.
proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn cleaned_text_is_storable_and_stable(kind in any_kind(), s in any::<String>()) {
        if let Ok(t) = clean(kind, &s) {
            prop_assert!(t.chars().count() <= kind.max_chars());
            prop_assert!(t.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'), "{:?}", t);
            prop_assert!(kind.multiline() || !t.contains(['\n', '\t']));
            prop_assert_eq!(clean(kind, &t), Ok(t.clone()), "cleaning is idempotent");
            let shown = printable(&t).into_owned();
            prop_assert_eq!(shown, t, "a cleaned text needs nothing removed for XML");
        }
    }

    #[test]
    fn csv_cells_are_never_formulas_and_read_back(s in any::<String>()) {
        let cell = csv_cell(&s);
        let is_number = cell.trim().parse::<f64>().is_ok();
        prop_assert!(is_number || !cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{:?}", cell);
        let shown = printable(&s).into_owned();
        prop_assert_eq!(from_csv_cell(&cell), shown.as_str());
    }

    #[test]
    fn figures_in_any_comment_never_panic(s in any::<String>()) {
        let regions: Vec<crate::RegionCode> =
            ["RJH", "RN", "RV", "RVN"].iter().filter_map(|c| crate::RegionCode::parse(c).ok()).collect();
        let _ = crate::figures::extract(&s, regions.first(), &regions, GoalRef::new(1, 1));
    }
}

fn demo() -> crate::Dataset {
    crate::datafile::parse(include_str!("../../../demo/norr-2022-2024.toml")).expect("the demo parses")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any comment that may be stored is written to a data file and read back unchanged.
    #[test]
    fn data_files_carry_any_text(s in any::<String>(), goal in 0usize..43, region in 0usize..4) {
        let mut d = demo();
        let Ok(text) = clean(TextKind::Comment, &s) else { return Ok(()) };
        let code = d.healthcare_region.regions[region].code.clone();
        let f = &mut d.rounds[0].goals[goal];
        if text.is_empty() {
            f.comments.remove(&code);
        } else {
            f.comments.insert(code, text);
        }
        let file = crate::datafile::to_toml(&d).expect("written");
        prop_assert_eq!(crate::datafile::parse(&file).expect("read back"), d);
    }

    /// A data file damaged anywhere is refused with errors, never a panic.
    #[test]
    fn damaged_data_files_never_panic(at in 0usize..60_000, cut in 0usize..400, insert in any::<String>()) {
        let src = include_str!("../../../demo/norr-2022-2024.toml");
        let mut chars: Vec<char> = src.chars().collect();
        let at = at.min(chars.len());
        let end = (at + cut).min(chars.len());
        chars.splice(at..end, insert.chars());
        let damaged: String = chars.into_iter().collect();
        if let Err(errs) = crate::datafile::parse(&damaged) {
            prop_assert!(!errs.0.is_empty());
        }
    }
}

#[test]
fn deeply_nested_toml_is_an_error_not_a_crash() {
    let deep = format!("format = 1\nx = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(crate::datafile::parse(&deep).is_err());
}
