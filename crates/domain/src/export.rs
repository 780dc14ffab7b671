//! The level table as CSV and JSON (`uppfolj export levels`).

use serde::Serialize;

use crate::model::{Dataset, Round};

/// The level table in CSV: header `area,goal,<region codes in plan order>`, one row per goal in report
/// order, each cell the level in the report's notation or empty for blank.
pub fn levels_csv(data: &Dataset, round: &Round) -> Result<String, csv::Error> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let mut header = vec!["area".to_owned(), "goal".to_owned()];
    header.extend(data.region_codes().map(ToString::to_string));
    w.write_record(&header)?;
    for (goal, _) in data.goals() {
        let mut row = vec![goal.area.to_string(), goal.goal.to_string()];
        row.extend(data.region_codes().map(|c| round.level(goal, c).to_string()));
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// One indicator value as exported: the columns of `export indicators`.
#[derive(Debug, Serialize)]
pub struct IndicatorRow {
    pub indicator: String,
    pub unit: String,
    /// Region code, empty for the whole healthcare region, `riket` for the national reference.
    pub region: String,
    pub period: String,
    pub value: f64,
    pub target: Option<f64>,
    pub target_date: Option<String>,
    /// The national reference for the same period, where the data has one.
    pub national: Option<f64>,
    pub source: String,
    pub extracted: Option<String>,
    /// The goals the indicator measures, as `area.goal`, separated by spaces.
    pub goal: String,
}

/// Every indicator value of the plan, indicator by indicator in the order of the data.
pub fn indicator_rows(data: &Dataset) -> Vec<IndicatorRow> {
    let mut rows = Vec::new();
    for i in &data.indicators {
        for v in &i.values {
            rows.push(IndicatorRow {
                indicator: i.slug.to_string(),
                unit: i.unit.clone(),
                region: v.scope.notation().to_owned(),
                period: v.period.to_string(),
                value: v.value,
                target: i.target,
                target_date: i.target_date.map(crate::ids::format_date),
                national: match v.scope {
                    crate::model::Scope::National => None,
                    _ => i.national(&v.period),
                },
                source: i.source.clone(),
                extracted: v.extracted.map(crate::ids::format_date),
                goal: i.goals.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "),
            });
        }
    }
    rows
}

/// The indicator values as CSV, numbers with a dot as decimal separator. Texts that a spreadsheet
/// would take for a formula (`=…`, `+…`, `@…`) start with `'` (OWASP's advice against CSV injection).
pub fn indicators_csv(data: &Dataset) -> Result<String, csv::Error> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    w.write_record([
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
    ])?;
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for r in indicator_rows(data) {
        // Free text is written so that a spreadsheet never runs it as a formula; the import reads
        // it back (`input::from_csv_cell`).
        w.write_record([
            r.indicator,
            crate::input::csv_cell(&r.unit).into_owned(),
            r.region,
            r.period,
            r.value.to_string(),
            num(r.target),
            r.target_date.unwrap_or_default(),
            num(r.national),
            crate::input::csv_cell(&r.source).into_owned(),
            r.extracted.unwrap_or_default(),
            r.goal,
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[derive(Debug, Serialize)]
pub struct LevelTable {
    pub plan: String,
    pub year: i32,
    pub regions: Vec<String>,
    pub goals: Vec<LevelRow>,
}

#[derive(Debug, Serialize)]
pub struct LevelRow {
    pub area: u32,
    pub goal: u32,
    /// `area.goal`, e.g. `3.3`.
    pub id: String,
    /// Region code → level in the report's notation, `null` for blank. In plan order.
    pub levels: indexmap::IndexMap<String, Option<String>>,
}

/// The level table as a serialisable structure (the JSON of `export levels --format json`).
pub fn level_table(data: &Dataset, round: &Round) -> LevelTable {
    LevelTable {
        plan: data.plan.slug.to_string(),
        year: round.year,
        regions: data.region_codes().map(ToString::to_string).collect(),
        goals: data
            .goals()
            .map(|(g, _)| LevelRow {
                area: g.area,
                goal: g.goal,
                id: g.to_string(),
                levels: data
                    .region_codes()
                    .map(|c| {
                        let l = round.level(g, c);
                        (c.to_string(), if l.is_blank() { None } else { Some(l.to_string()) })
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// One row of a goal's history across plan periods: a round × a region (`uppfolj export goal-history`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GoalHistoryRow {
    pub plan: String,
    pub year: i32,
    /// The goal as that plan numbered it.
    pub goal: String,
    pub region: String,
    /// The report's notation; empty for blank.
    pub level: String,
    pub comment: String,
}

/// The rows as CSV with the columns `plan,year,goal,region,level,comment`, comments safe for a spreadsheet.
pub fn goal_history_csv(rows: &[GoalHistoryRow]) -> Result<String, csv::Error> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    w.write_record(["plan", "year", "goal", "region", "level", "comment"])?;
    for r in rows {
        w.write_record([
            r.plan.as_str(),
            &r.year.to_string(),
            &r.goal,
            &r.region,
            &r.level,
            &crate::input::csv_cell(&r.comment),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
