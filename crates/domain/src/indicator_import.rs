//! Indicator values from a table (CSV or a spreadsheet): the columns of `export indicators`, so that
//! an export can be edited and read back. Everything is checked before anything is written, and every
//! problem is reported with its row and column.
//!
//! The `national` column is derived (the national reference of the same period) and not read; national
//! references are rows with region `riket`. The indicator, its unit and the goals must already exist.

use std::collections::HashMap;

use crate::datafile::{DataError, DataErrors};
use crate::ids::{GoalRef, Period, Slug, parse_date, parse_number};
use crate::model::{Dataset, Scope};

/// The columns, in the order `export indicators` writes them.
pub const COLUMNS: [&str; 11] = [
    "indicator",
    "unit",
    "region",
    "period",
    "value",
    "target",
    "target_date",
    "national",
    "source",
    "extracted",
    "goal",
];

/// One value to add or change.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueInput {
    /// The row in the file, 1-based, the header being row 1.
    pub row: usize,
    pub indicator: Slug,
    pub scope: Scope,
    pub period: Period,
    pub value: f64,
    pub extracted: Option<time::Date>,
}

/// Reads rows of cells (the first row the header) against the plan's indicators.
pub fn parse_rows(rows: &[Vec<String>], data: &Dataset) -> Result<Vec<ValueInput>, DataErrors> {
    let mut errors = Vec::new();
    let err = |errors: &mut Vec<DataError>, row: usize, col: &str, message: String| {
        errors.push(DataError { line: Some(row), path: format!("kolumn {col}"), message });
    };
    let Some(header) = rows.first() else {
        return Err(DataErrors(vec![DataError {
            line: None,
            path: String::new(),
            message: "filen är tom".to_owned(),
        }]));
    };
    let index: HashMap<&str, usize> = header.iter().enumerate().map(|(i, h)| (h.trim(), i)).collect();
    let missing: Vec<&str> =
        ["indicator", "unit", "region", "period", "value"].into_iter().filter(|c| !index.contains_key(c)).collect();
    if !missing.is_empty() {
        return Err(DataErrors(vec![DataError {
            line: Some(1),
            path: String::new(),
            message: format!(
                "rubrikraden saknar kolumnerna {}; kolumnerna är {}",
                missing.join(", "),
                COLUMNS.join(",")
            ),
        }]));
    }
    // Looked up once: every row is then checked in constant time.
    let indicators: HashMap<&str, &crate::model::Indicator> =
        data.indicators.iter().map(|i| (i.slug.as_str(), i)).collect();
    let region_codes: std::collections::HashSet<&crate::ids::RegionCode> = data.region_codes().collect();
    let mut out = Vec::new();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    for (i, cells) in rows.iter().enumerate().skip(1) {
        let row = i + 1;
        let cell = |c: &str| {
            index.get(c).and_then(|i| cells.get(*i)).map(|s| crate::input::from_csv_cell(s.trim())).unwrap_or("")
        };
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let before = errors.len();
        let indicator = indicators.get(cell("indicator")).copied();
        if indicator.is_none() {
            err(&mut errors, row, "indicator", format!("planen har ingen indikator \"{}\"", cell("indicator")));
        }
        if let Some(ind) = indicator
            && cell("unit") != ind.unit
        {
            err(&mut errors, row, "unit", format!("\"{}\" är inte indikatorns enhet (\"{}\")", cell("unit"), ind.unit));
        }
        let scope = match Scope::parse(cell("region")) {
            Ok(Scope::Region(r)) if !region_codes.contains(&r) => {
                err(
                    &mut errors,
                    row,
                    "region",
                    format!(
                        "\"{r}\" är ingen av sjukvårdsregionens regioner (eller riket, eller tomt för hela sjukvårdsregionen)"
                    ),
                );
                None
            }
            Ok(s) => Some(s),
            Err(e) => {
                err(&mut errors, row, "region", e.to_string());
                None
            }
        };
        let period = Period::parse(cell("period")).map_err(|e| err(&mut errors, row, "period", e.to_string())).ok();
        let value = parse_number(cell("value"));
        if value.is_none() {
            err(&mut errors, row, "value", format!("\"{}\" är inget tal", cell("value")));
        }
        let extracted = match cell("extracted") {
            "" => None,
            d => parse_date(d).map_err(|e| err(&mut errors, row, "extracted", e.to_string())).ok(),
        };
        if let Some(ind) = indicator {
            if let Some(t) = Some(cell("target")).filter(|t| !t.is_empty()) {
                match parse_number(t) {
                    Some(v) if Some(v) == ind.target => {}
                    Some(_) | None => err(
                        &mut errors,
                        row,
                        "target",
                        format!(
                            "\"{t}\" är inte indikatorns mål ({}); målet ändras i datafilen",
                            ind.target.map(|t| t.to_string()).unwrap_or_else(|| "inget".to_owned())
                        ),
                    ),
                }
            }
            for g in cell("goal").split_whitespace() {
                match GoalRef::parse(g) {
                    Ok(r) if ind.goals.contains(&r) => {}
                    Ok(r) => err(&mut errors, row, "goal", format!("indikatorn \"{}\" mäter inte mål {r}", ind.slug)),
                    Err(e) => err(&mut errors, row, "goal", e.to_string()),
                }
            }
        }
        if errors.len() > before {
            continue;
        }
        let (Some(ind), Some(scope), Some(period), Some(value)) = (indicator, scope, period, value) else { continue };
        let key = (ind.slug.to_string(), scope.notation().to_owned(), period.to_string());
        if let Some(first) = seen.insert(key, row) {
            err(&mut errors, row, "region", format!("samma indikator, region och period står redan på rad {first}"));
            continue;
        }
        out.push(ValueInput { row, indicator: ind.slug.clone(), scope, period, value, extracted });
    }
    if errors.is_empty() { Ok(out) } else { Err(DataErrors(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CSV text as rows of cells (files are read, with their limits, by the web crate's table reader).
    fn csv_rows(text: &str) -> Result<Vec<Vec<String>>, csv::Error> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.map(|r| r.iter().map(str::to_owned).collect()))
            .collect()
    }

    fn demo() -> Dataset {
        crate::datafile::parse(include_str!("../../../demo/norr-2022-2024.toml")).expect("the demo parses")
    }

    #[test]
    fn the_export_reads_back() {
        let d = demo();
        let csv = crate::export::indicators_csv(&d).expect("csv");
        let inputs = parse_rows(&csv_rows(&csv).expect("rows"), &d).expect("valid");
        assert_eq!(inputs.len(), d.indicators.iter().map(|i| i.values.len()).sum::<usize>());
    }

    #[test]
    fn every_problem_is_named_by_row_and_column() {
        let d = demo();
        let text = "indicator,unit,region,period,value,extracted\n\
                    svf-ledtid,%,RVN,2024,47,\n\
                    svf-ledtid,%,RXX,2024,40,\n\
                    svf-ledtid,%,RJH,2024,4x,\n\
                    okand,%,RJH,2024,1,\n\
                    hpv-vaccination,personer,RN,2025-05-26,61,2025-13-01\n\
                    svf-ledtid,%,RVN,2024,48,\n";
        let errs = parse_rows(&csv_rows(text).expect("rows"), &d).expect_err("invalid");
        let got: Vec<(Option<usize>, String)> = errs.0.iter().map(|e| (e.line, e.path.clone())).collect();
        assert_eq!(
            got,
            [
                (Some(3), "kolumn region".to_owned()),
                (Some(4), "kolumn value".to_owned()),
                (Some(5), "kolumn indicator".to_owned()),
                (Some(6), "kolumn unit".to_owned()),
                (Some(6), "kolumn extracted".to_owned()),
                (Some(7), "kolumn region".to_owned()),
            ]
        );
        assert!(errs.to_string().contains("rad 4: kolumn value: \"4x\" är inget tal"), "{errs}");
        let errs = parse_rows(&csv_rows("indicator,region\n").expect("rows"), &d).expect_err("header");
        assert!(errs.to_string().contains("saknar kolumnerna unit, period, value"), "{errs}");
    }
}
