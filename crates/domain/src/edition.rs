//! A published round's *edition*: everything its compiled report shows, frozen when it was
//! published, kept as a data file (the round, the round it is compared with, the indicators and
//! the processes: [`crate::datafile`] reads it back to an equal dataset) and the trend's tallies of
//! the rounds before. And what changed from one edition of a round to the next, in plain Swedish.

use std::collections::BTreeMap;

use crate::{Category, Dataset, InvalidValue, LevelCounts, RegionCode, Tally};

/// The stored form: the data file and the tallies as JSON.
pub fn to_stored(data: &Dataset) -> Result<(String, String), InvalidValue> {
    let file = crate::datafile::to_toml(data).map_err(|e| InvalidValue(format!("utgåvan kan inte skrivas: {e}")))?;
    let tallies: Vec<serde_json::Value> = data
        .tallies
        .iter()
        .map(|t| {
            let counts: serde_json::Map<String, serde_json::Value> = t
                .counts
                .iter()
                .map(|(region, c)| {
                    let by: serde_json::Map<String, serde_json::Value> =
                        c.0.iter().map(|(cat, n)| (cat.key().to_owned(), serde_json::Value::from(*n))).collect();
                    (region.to_string(), serde_json::Value::Object(by))
                })
                .collect();
            serde_json::json!({ "year": t.year, "counts": counts })
        })
        .collect();
    Ok((file, serde_json::Value::Array(tallies).to_string()))
}

/// Reads a stored edition back.
pub fn from_stored(file: &str, tallies: &str) -> Result<Dataset, InvalidValue> {
    let mut data =
        crate::datafile::parse_stored(file).map_err(|e| InvalidValue(format!("utgåvan kan inte läsas: {e}")))?;
    let bad = |what: &str| InvalidValue(format!("utgåvans trend kan inte läsas: {what}"));
    let list: Vec<serde_json::Value> = serde_json::from_str(tallies).map_err(|e| bad(&e.to_string()))?;
    data.tallies = list
        .iter()
        .map(|t| {
            let year = t.get("year").and_then(serde_json::Value::as_i64).ok_or_else(|| bad("år saknas"))?;
            let mut counts = BTreeMap::new();
            for (region, by) in t.get("counts").and_then(serde_json::Value::as_object).ok_or_else(|| bad("antal"))? {
                let mut c = LevelCounts::default();
                for (key, n) in by.as_object().ok_or_else(|| bad("antal"))? {
                    let cat = Category::ALL.into_iter().find(|c| c.key() == key).ok_or_else(|| bad(key))?;
                    let n = n.as_u64().and_then(|n| usize::try_from(n).ok()).ok_or_else(|| bad(key))?;
                    c.0.insert(cat, n);
                }
                counts.insert(RegionCode::parse(region)?, c);
            }
            Ok(Tally { year: i32::try_from(year).map_err(|_| bad("år"))?, counts })
        })
        .collect::<Result<_, InvalidValue>>()?;
    Ok(data)
}

/// What differs between two editions of the round of `year`, one line per change, in report
/// order: a goal's wording, a region's level or comment as the report shows it, the RCC's comment,
/// the introduction and summary, an indicator's definition or values.
pub fn changes(before: &Dataset, after: &Dataset, year: i32) -> Vec<String> {
    let mut out = Vec::new();
    for (g, goal) in after.goals() {
        match before.goal(g) {
            Some(old) if old.text != goal.text || old.targets != goal.targets => {
                out.push(format!("mål {g}: målets lydelse"));
            }
            None => out.push(format!("mål {g}: nytt i utgåvan")),
            _ => {}
        }
    }
    let (Some(old), Some(new)) = (before.round(year), after.round(year)) else { return out };
    if old.introduction != new.introduction {
        out.push("inledningen".to_owned());
    }
    if old.summary != new.summary {
        out.push("sammanfattningen".to_owned());
    }
    for (g, _) in after.goals() {
        let (a, b) = (old.followup(g), new.followup(g));
        for r in after.region_codes() {
            let level = |f: Option<&crate::GoalFollowUp>| f.map(|f| f.level(r)).unwrap_or(crate::Level::Blank);
            if level(a) != level(b) {
                let shown = |l: crate::Level| if l == crate::Level::Blank { "blank".to_owned() } else { l.to_string() };
                out.push(format!("mål {g}, {r}: nivån {} → {}", shown(level(a)), shown(level(b))));
            }
            let said = |f: Option<&crate::GoalFollowUp>| f.and_then(|f| f.report_comment(r)).unwrap_or("").to_owned();
            if said(a) != said(b) {
                out.push(format!("mål {g}, {r}: kommentaren"));
            }
        }
        if a.and_then(|f| f.rcc_comment.as_ref()) != b.and_then(|f| f.rcc_comment.as_ref()) {
            out.push(format!("mål {g}: RCC:s kommentar"));
        }
    }
    for i in &after.indicators {
        match before.indicators.iter().find(|o| o.slug == i.slug) {
            None => out.push(format!("indikatorn {}: ny", i.name)),
            Some(o) if o.values != i.values => out.push(format!("indikatorn {}: värdena", i.name)),
            Some(o) if o != i => out.push(format!("indikatorn {}: definitionen", i.name)),
            Some(_) => {}
        }
    }
    for o in &before.indicators {
        if !after.indicators.iter().any(|i| i.slug == o.slug) {
            out.push(format!("indikatorn {}: borttagen", o.name));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edition_reads_back_equal_and_says_what_changed() {
        let src = include_str!("../../../demo/norr-2022-2024.toml");
        let mut data = crate::datafile::parse(src).expect("the demo");
        data.rounds.retain(|r| r.year >= 2023);
        data.tallies = vec![Tally {
            year: 2022,
            counts: [(RegionCode::parse("RN").unwrap(), LevelCounts([(Category::Achieved, 3)].into()))].into(),
        }];
        let (file, tallies) = to_stored(&data).expect("stored");
        let back = from_stored(&file, &tallies).expect("read back");
        assert_eq!(back, data);
        assert!(changes(&data, &back, 2024).is_empty());
        let mut later = back.clone();
        let g = later.goals().next().map(|(g, _)| g).expect("a goal");
        let round = later.rounds.iter_mut().find(|r| r.year == 2024).expect("2024");
        let f = round.goals.iter_mut().find(|f| f.goal == g).expect("its follow-up");
        f.levels.insert(RegionCode::parse("RN").unwrap(), crate::Level::parse("E").unwrap());
        f.rcc_comment = Some("Ny kommentar".to_owned());
        later.indicators.first_mut().expect("the demo has indicators").target = Some(99.0);
        let said = changes(&data, &later, 2024);
        assert!(said.iter().any(|l| l.starts_with(&format!("mål {g}, RN: nivån ")) && l.ends_with("→ E")), "{said:?}");
        assert!(said.contains(&format!("mål {g}: RCC:s kommentar")), "{said:?}");
        assert!(said.iter().any(|l| l.ends_with(": definitionen")), "{said:?}");
        assert!(from_stored(&file, "[{\"year\": 2022, \"counts\": {\"RN\": {\"x\": 1}}}]").is_err());
    }
}
