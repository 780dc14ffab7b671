//! Levels, goal references, periods, dates, moments, numbers as people type them, and the text rules:
//! what parses prints back to itself; cleaning is idempotent; a CSV cell is never a formula.
#![no_main]

use uppfolj_domain::ids::{GoalRef, Moment, Period, parse_date, parse_number};
use uppfolj_domain::input::{TextKind, clean, csv_cell, from_csv_cell, printable};

libfuzzer_sys::fuzz_target!(|s: &str| {
    if let Ok(l) = uppfolj_domain::Level::parse(s) {
        assert_eq!(uppfolj_domain::Level::parse(&l.to_string()), Ok(l));
    }
    if let Ok(g) = GoalRef::parse(s) {
        assert_eq!(GoalRef::parse(&g.to_string()), Ok(g));
    }
    if let Ok(p) = Period::parse(s) {
        assert_eq!(Period::parse(&p.to_string()), Ok(p));
    }
    let _ = parse_date(s);
    let _ = Moment::parse(s);
    if let Some(v) = parse_number(s) {
        assert!(v.is_finite());
    }
    for kind in TextKind::ALL {
        if let Ok(t) = clean(kind, s) {
            assert!(t.chars().count() <= kind.max_chars());
            assert_eq!(clean(kind, &t).as_deref(), Ok(t.as_str()));
        }
    }
    let cell = csv_cell(s);
    assert!(cell.trim().parse::<f64>().is_ok() || !cell.starts_with(['=', '+', '-', '@', '\t', '\r']));
    assert_eq!(from_csv_cell(&cell), printable(s).as_ref());
});
