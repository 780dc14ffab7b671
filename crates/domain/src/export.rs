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
