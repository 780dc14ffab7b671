//! Figures found in comments: candidates for indicator values, to be confirmed or rejected by a person.
//! Nothing here becomes data by itself.
//!
//! What counts as a per-region figure:
//! - a region code (or "riket") followed by a number: "RJH 66 %", "RVN 49,2 %", "(riket 44 %)";
//! - a number followed by "i" and a region code (or "riket"), with an optional unit between:
//!   "86 % i RJH", "124 personer i RJH", "95 i RN";
//! - in a region's own comment, a percentage not tied to another region: "Täckningsgraden är 65 %".
//!
//! Years, dates, counts of things ("3 nyblivna", "12/5 2023") and differences in percentage points are
//! not figures of a region and are never proposed.

use crate::ids::{GoalRef, RegionCode};
use crate::model::{Dataset, Round, Scope};

/// A figure found in a comment.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    pub goal: GoalRef,
    /// Whose comment: a region's, or `None` for the RCC's.
    pub author: Option<RegionCode>,
    /// Whom the figure is about.
    pub scope: Scope,
    pub value: f64,
    /// "%" or the word after the number ("personer"), or empty.
    pub unit: String,
    /// The words around the figure, to show the person who decides.
    pub context: String,
}

#[derive(Clone, Debug)]
struct Token {
    text: String,
    start: usize,
    end: usize,
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let part_of_word = !c.is_whitespace() && !matches!(c, '(' | ')' | ',' | ';' | ':' | '”' | '“' | '"');
        // A decimal comma between digits is part of the number.
        let decimal_comma = c == ',' && {
            let before = text[..i].chars().last().is_some_and(|p| p.is_ascii_digit());
            let after = text[i + 1..].chars().next().is_some_and(|n| n.is_ascii_digit());
            before && after
        };
        if part_of_word || decimal_comma {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push(Token { text: text[s..i].to_owned(), start: s, end: i });
        }
    }
    if let Some(s) = start {
        out.push(Token { text: text[s..].to_owned(), start: s, end: text.len() });
    }
    // A full stop ends a word, not a number's decimals.
    for t in &mut out {
        while t.text.ends_with('.') {
            t.text.pop();
            t.end -= 1;
        }
    }
    out
}

/// A number and whether it carried its own percent sign ("46%").
fn number(t: &str) -> Option<(f64, bool)> {
    let (digits, percent) = match t.strip_suffix('%') {
        Some(d) => (d, true),
        None => (t, false),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == ',') || digits.starts_with(',') {
        return None;
    }
    digits.replace(',', ".").parse().ok().map(|v| (v, percent))
}

fn is_year(v: f64) -> bool {
    v.fract() == 0.0 && (1900.0..=2100.0).contains(&v)
}

fn scope_of(t: &str, regions: &[RegionCode]) -> Option<Scope> {
    if t.eq_ignore_ascii_case("riket") {
        return Some(Scope::National);
    }
    regions.iter().find(|r| r.as_str() == t).map(|r| Scope::Region(r.clone()))
}

/// Figures in one comment, by `author` (a region, or `None` for the RCC).
pub fn extract(text: &str, author: Option<&RegionCode>, regions: &[RegionCode], goal: GoalRef) -> Vec<Proposal> {
    let t = tokens(text);
    let mut used = vec![false; t.len()];
    let mut out = Vec::new();
    let context = |from: usize, to: usize| {
        let a = t[from.saturating_sub(3)].start;
        let b = t[(to + 3).min(t.len() - 1)].end;
        text[a..b].to_owned()
    };
    let unit_at = |i: usize, percent: bool| -> String {
        if percent || t.get(i).is_some_and(|x| x.text == "%") { "%".to_owned() } else { String::new() }
    };
    for i in 0..t.len() {
        // A token already read as part of a figure ("… i RJH") never starts another.
        if used[i] {
            continue;
        }
        // "RJH 66 %", "riket 44 %", "RJH 124".
        if let (Some(scope), Some((v, pct))) =
            (scope_of(&t[i].text, regions), t.get(i + 1).and_then(|x| number(&x.text)))
        {
            let unit = unit_at(i + 2, pct);
            if unit == "%" || !is_year(v) {
                let last = if unit == "%" && !pct { i + 2 } else { i + 1 };
                (i..=last.min(t.len() - 1)).for_each(|k| used[k] = true);
                out.push(Proposal { goal, author: author.cloned(), scope, value: v, unit, context: context(i, last) });
                continue;
            }
        }
        let Some((v, pct)) = number(&t[i].text) else { continue };
        // "86 % i RJH", "124 personer i RJH", "95 i RN".
        let (unit, after_unit) = if pct {
            ("%".to_owned(), i + 1)
        } else if t.get(i + 1).is_some_and(|x| x.text == "%") {
            ("%".to_owned(), i + 2)
        } else if t.get(i + 1).is_some_and(|x| x.text != "i" && x.text.chars().all(char::is_alphabetic))
            && t.get(i + 2).is_some_and(|x| x.text == "i")
        {
            (t[i + 1].text.clone(), i + 2)
        } else {
            (String::new(), i + 1)
        };
        if t.get(after_unit).is_some_and(|x| x.text == "i")
            && let Some(scope) = t.get(after_unit + 1).and_then(|x| scope_of(&x.text, regions))
            && (unit == "%" || !is_year(v))
        {
            (i..=after_unit + 1).for_each(|k| used[k] = true);
            out.push(Proposal {
                goal,
                author: author.cloned(),
                scope,
                value: v,
                unit,
                context: context(i, after_unit + 1),
            });
            continue;
        }
        // A percentage in a region's own comment is about that region.
        if unit == "%"
            && let Some(a) = author
        {
            (i..after_unit).for_each(|k| used[k] = true);
            out.push(Proposal {
                goal,
                author: Some(a.clone()),
                scope: Scope::Region(a.clone()),
                value: v,
                unit,
                context: context(i, after_unit - 1),
            });
        }
    }
    out
}

/// Every figure in the comments of a round, goal by goal, regions' comments before the RCC's.
pub fn propose(data: &Dataset, round: &Round) -> Vec<Proposal> {
    let regions: Vec<RegionCode> = data.region_codes().cloned().collect();
    let mut out = Vec::new();
    for f in &round.goals {
        for r in &regions {
            if let Some(c) = f.comment(r) {
                out.extend(extract(c, Some(r), &regions, f.goal));
            }
        }
        if let Some(c) = &f.rcc_comment {
            out.extend(extract(c, None, &regions, f.goal));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Dataset {
        crate::datafile::parse(include_str!("../../../demo/norr-2022-2024.toml")).expect("the demo parses")
    }

    #[test]
    fn every_figure_the_report_quotes_per_region_is_proposed_and_nothing_else() {
        let d = demo();
        let found: Vec<(String, String, String, f64, String)> = propose(&d, d.round(2024).expect("2024"))
            .into_iter()
            .map(|p| {
                (
                    p.goal.to_string(),
                    p.author.map(|a| a.to_string()).unwrap_or_else(|| "RCC".to_owned()),
                    p.scope.notation().to_owned(),
                    p.value,
                    p.unit,
                )
            })
            .collect();
        // Read off the seed report: every per-region figure in the comments (goal, whose comment, about
        // whom, value, unit). 2.2 RJH "not reaching 50 %" is a bound, but a figure all the same: the
        // RCC rejects such proposals.
        let expected: Vec<(&str, &str, &str, f64, &str)> = vec![
            ("1.1", "RCC", "RJH", 124.0, "personer"),
            ("1.1", "RCC", "RN", 95.0, ""),
            ("1.1", "RCC", "RV", 133.0, ""),
            ("1.1", "RCC", "RVN", 115.0, ""),
            ("1.2", "RJH", "RJH", 65.0, "%"),
            ("1.2", "RVN", "RVN", 64.0, "%"),
            ("1.2", "RVN", "riket", 65.0, "%"),
            ("1.3", "RJH", "RJH", 85.2, "%"),
            ("1.3", "RCC", "RJH", 66.0, "%"),
            ("1.3", "RCC", "RN", 60.0, "%"),
            ("1.3", "RCC", "RV", 70.0, "%"),
            ("1.3", "RCC", "RVN", 71.0, "%"),
            ("1.4", "RVN", "RVN", 49.2, "%"),
            ("2.2", "RJH", "RJH", 50.0, "%"),
            ("3.3", "RV", "RV", 77.0, "%"),
            ("3.3", "RV", "RV", 41.0, "%"),
            ("3.3", "RVN", "RVN", 83.0, "%"),
            ("3.3", "RVN", "RVN", 46.0, "%"),
            ("3.3", "RVN", "riket", 44.0, "%"),
            ("3.4", "RCC", "RJH", 86.0, "%"),
            ("3.4", "RCC", "RN", 76.0, "%"),
            ("3.4", "RCC", "RV", 88.0, "%"),
            ("3.4", "RCC", "RVN", 84.0, "%"),
        ];
        let expected: Vec<(String, String, String, f64, String)> = expected
            .into_iter()
            .map(|(g, a, s, v, u)| (g.to_owned(), a.to_owned(), s.to_owned(), v, u.to_owned()))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn text_without_figures_proposes_nothing() {
        let regions: Vec<RegionCode> =
            ["RJH", "RN", "RV", "RVN"].iter().map(|c| RegionCode::parse(c).expect("code")).collect();
        let g = GoalRef::new(1, 1);
        let rn = &regions[1];
        for text in [
            "Målet är nått.",
            "Infört i full drift för män som är 50 och 56 år.",
            "Under 2025 får sju årskullar erbjudande; den åttonde tillkommer 2026.",
            "Den 12/5 2023 tog kssk fram ett dokument.",
            "RN ligger cirka 1 procentenhet över rikssnittet.",
            "Vecka 9 2025 infördes Cambio Cosmic i RN.",
            "År 2025 finns 3 nyblivna onkologspecialister i RN.",
            "",
        ] {
            assert!(extract(text, Some(rn), &regions, g).is_empty(), "{text}");
            assert!(extract(text, None, &regions, g).is_empty(), "{text}");
        }
        let p = extract("Ledtiden ligger på 46% (Riket 44%).", Some(&regions[3]), &regions, g);
        let got: Vec<(&str, f64)> = p.iter().map(|p| (p.scope.notation(), p.value)).collect();
        assert_eq!(got, [("RVN", 46.0), ("riket", 44.0)]);
        assert!(p[1].context.contains("Riket 44%"));
    }
}
