//! Charts as SVG, drawn on the server: no JavaScript, the same picture in the web pages and the reports.
//! Every chart has `role="img"`, a `<title>` and a `<desc>` that says what it shows in words, and its
//! numbers are also offered as a table by the pages that show it. Colours only ever repeat what a letter
//! or a label already says.

use std::fmt::Write;

use uppfolj_domain::{Category, Dataset, GoalRef, Grade, Indicator, Level, Period, RegionCode, Round, Scope};

use crate::model::colours;

/// Escapes text for SVG/XML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn open(out: &mut String, id: &str, width: u32, height: u32, title: &str, desc: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="system-ui, Arial, sans-serif" font-size="12"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        esc(title),
        esc(desc)
    );
}

fn category_colour(c: Category) -> (&'static str, &'static str) {
    match c {
        Category::Achieved => colours(Grade::Achieved),
        Category::InProgress => colours(Grade::InProgress),
        Category::NotStarted => colours(Grade::NotStarted),
        Category::TwoPart => ("#5b6f86", "#ffffff"),
        Category::Blank | Category::NotApplicable => ("#ffffff", "#1b1b1b"),
    }
}

/// The level heatmap: one row per goal, grouped by area, one column per region; each cell the level's
/// letters on its colour, blanks as empty dashed boxes.
pub fn heatmap(data: &Dataset, round: &Round) -> String {
    let regions: Vec<&RegionCode> = data.region_codes().collect();
    let (cell_w, cell_h, label_w, top) = (56u32, 20u32, 70u32, 28u32);
    let rows = data.goals().count() as u32 + data.plan.areas.len() as u32;
    // Area titles run across the cells of the row they head; leave room for the longest.
    let title_w = data.plan.areas.iter().map(|a| a.title.chars().count() as u32 * 7 + 30).max().unwrap_or(0);
    let width = (label_w + cell_w * regions.len() as u32 + 10).max(title_w);
    let height = top + rows * cell_h + 10;
    let mut out = String::new();
    let blanks =
        data.goals().map(|(g, _)| regions.iter().filter(|r| round.level(g, r).is_blank()).count()).sum::<usize>();
    open(
        &mut out,
        "heatmap",
        width,
        height,
        &format!("Nivåer per mål och region, uppföljning {}", round.year),
        &format!(
            "{} mål i {} områden, en kolumn per region ({}). Varje ruta visar regionens nivå med bokstav: U uppnått, P pågående, E ej påbörjat; tvådelade nivåer med båda bokstäverna. {blanks} rutor är tomma: regionen har inte angett någon nivå.",
            data.goals().count(),
            data.plan.areas.len(),
            regions.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
        ),
    );
    for (i, r) in regions.iter().enumerate() {
        let x = label_w + i as u32 * cell_w + cell_w / 2;
        let _ = write!(
            out,
            r#"<text x="{x}" y="18" text-anchor="middle" font-weight="bold" fill="black">{}</text>"#,
            esc(r.as_str())
        );
    }
    let mut y = top;
    for a in &data.plan.areas {
        let _ = write!(out, r#"<text x="2" y="{}" font-weight="bold">{}. {}</text>"#, y + 14, a.number, esc(&a.title));
        y += cell_h;
        for g in &a.goals {
            let goal = GoalRef::new(a.number, g.number);
            let _ = write!(out, r#"<text x="8" y="{}">{goal}</text>"#, y + 14);
            for (i, r) in regions.iter().enumerate() {
                let level = round.level(goal, r);
                let x = label_w + i as u32 * cell_w;
                let (fill, fg) = category_colour(level.category());
                let dash = if level.is_blank() { r#" stroke-dasharray="3 2""# } else { "" };
                let _ = write!(
                    out,
                    r#"<rect class="cell" data-goal="{goal}" data-region="{r}" x="{}" y="{}" width="{}" height="{}" rx="3" fill="{fill}" stroke="gray"{dash}><title>Mål {goal}, {r}: {}</title></rect>"#,
                    x + 2,
                    y + 2,
                    cell_w - 4,
                    cell_h - 4,
                    esc(&level.describe(g.part_names.as_ref()))
                );
                if !level.is_blank() {
                    let _ = write!(
                        out,
                        r#"<text x="{}" y="{}" text-anchor="middle" fill="{fg}" font-weight="bold" aria-hidden="true">{}</text>"#,
                        x + cell_w / 2,
                        y + 14,
                        esc(&level.to_string())
                    );
                }
            }
            y += cell_h;
        }
    }
    out.push_str("</svg>");
    out
}

/// The categories in stacking order.
pub const STACK: [Category; 5] =
    [Category::Achieved, Category::InProgress, Category::NotStarted, Category::TwoPart, Category::Blank];

/// Level distribution per area and region: one stacked bar per area × region, U / P / E / two-part /
/// blank, each segment labelled with its count when there is room.
pub fn distribution(data: &Dataset, round: &Round) -> String {
    let regions: Vec<&RegionCode> = data.region_codes().collect();
    let (label_w, bar_w, bar_h, gap, top) = (250u32, 360u32, 16u32, 4u32, 40u32);
    let rows = (data.plan.areas.len() * regions.len()) as u32;
    let width = label_w + bar_w + 20;
    let height = top + rows * (bar_h + gap) + data.plan.areas.len() as u32 * 8 + 10;
    let mut out = String::new();
    open(
        &mut out,
        "fordelning",
        width,
        height,
        &format!("Nivåernas fördelning per område och region, uppföljning {}", round.year),
        "En stapel per område och region, uppdelad i antal mål med U, P, E, tvådelad nivå och blank (ingen nivå). Siffrorna finns också i tabellen under diagrammet.",
    );
    // Legend: letters, not only colours.
    let mut x = label_w;
    for c in STACK {
        let (fill, _) = category_colour(c);
        let _ = write!(
            out,
            r#"<rect x="{x}" y="8" width="14" height="14" fill="{fill}" stroke="gray"/><text x="{}" y="19">{}</text>"#,
            x + 18,
            esc(c.label())
        );
        x += 78;
    }
    let mut y = top;
    for a in &data.plan.areas {
        for r in &regions {
            let counts = round.counts(data, r, Some(a.number));
            let total = a.goals.len().max(1) as f64;
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" text-anchor="end">{}. {} – {}</text>"#,
                label_w - 6,
                y + 12,
                a.number,
                esc(&short(&a.title, 24)),
                esc(r.as_str())
            );
            let mut x = label_w as f64;
            for c in STACK {
                let n = counts.get(c);
                if n == 0 {
                    continue;
                }
                let w = bar_w as f64 * n as f64 / total;
                let (fill, fg) = category_colour(c);
                let _ = write!(
                    out,
                    r#"<rect class="segment" data-category="{}" x="{x:.1}" y="{y}" width="{w:.1}" height="{bar_h}" fill="{fill}" stroke="gray"><title>{}. {}, {}: {} {n}</title></rect>"#,
                    c.key(),
                    a.number,
                    esc(&a.title),
                    r,
                    esc(c.label())
                );
                if w >= 14.0 {
                    let _ = write!(
                        out,
                        r#"<text x="{:.1}" y="{}" text-anchor="middle" fill="{fg}" font-size="11" aria-hidden="true">{n}</text>"#,
                        x + w / 2.0,
                        y + 12
                    );
                }
                x += w;
            }
            y += bar_h + gap;
        }
        y += 8;
    }
    out.push_str("</svg>");
    out
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_owned() } else { s.chars().take(max - 1).collect::<String>() + "…" }
}

/// The period an indicator chart shows: the latest period with values for regions.
pub fn chart_period(ind: &Indicator) -> Option<Period> {
    ind.values.iter().filter(|v| matches!(v.scope, Scope::Region(_))).map(|v| v.period).max()
}

/// One bar per region for the indicator's latest period, with the national reference and the target
/// as labelled lines and the target date in the caption.
pub fn indicator_bars(data: &Dataset, ind: &Indicator) -> Option<String> {
    let period = chart_period(ind)?;
    let values: Vec<(String, f64)> = data
        .region_codes()
        .filter_map(|r| {
            ind.values
                .iter()
                .find(|v| v.period == period && v.scope == Scope::Region(r.clone()))
                .map(|v| (r.to_string(), v.value))
        })
        .collect();
    let national = ind.national(&period);
    let max = values
        .iter()
        .map(|(_, v)| *v)
        .chain(national)
        .chain(ind.target)
        .fold(0.0_f64, f64::max)
        .max(if ind.unit == "%" { 100.0 } else { 1.0 });
    let (left, top, plot_h, bar_w, gap) = (60u32, 30u32, 180u32, 56u32, 28u32);
    let width = left + values.len() as u32 * (bar_w + gap) + 160;
    let height = top + plot_h + 40;
    let y_of = |v: f64| top as f64 + plot_h as f64 * (1.0 - v / max);
    let unit = |v: f64| uppfolj_domain::ids::with_unit(v, &ind.unit);
    let mut desc = format!("{}, {}: ", ind.name, period.swedish());
    desc.push_str(&values.iter().map(|(r, v)| format!("{r} {}", unit(*v))).collect::<Vec<_>>().join(", "));
    if let Some(n) = national {
        desc.push_str(&format!("; riket {}", unit(n)));
    }
    if let Some(t) = ind.target {
        desc.push_str(&format!("; mål {}", unit(t)));
        if let Some(d) = ind.target_date {
            desc.push_str(&format!(" senast {}", uppfolj_domain::ids::swedish_date(d)));
        }
    }
    desc.push('.');
    let mut out = String::new();
    let id = format!("indikator-{}", ind.slug);
    open(&mut out, &id, width, height, &format!("{} per region, {}", ind.name, period.swedish()), &desc);
    let _ = write!(
        out,
        r#"<line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="black"/>"#,
        top + plot_h,
        width - 150,
        top + plot_h
    );
    for (i, (r, v)) in values.iter().enumerate() {
        let x = left + i as u32 * (bar_w + gap) + gap / 2;
        let y = y_of(*v);
        let _ = write!(
            out,
            r##"<rect class="bar" data-region="{r}" x="{x}" y="{y:.1}" width="{bar_w}" height="{:.1}" fill="#0b4f8a"><title>{r}: {}</title></rect><text x="{}" y="{:.1}" text-anchor="middle">{}</text><text x="{}" y="{}" text-anchor="middle" font-weight="bold">{r}</text>"##,
            (top + plot_h) as f64 - y,
            esc(&unit(*v)),
            x + bar_w / 2,
            y - 4.0,
            esc(&unit(*v)),
            x + bar_w / 2,
            top + plot_h + 16
        );
    }
    let mut line = |v: f64, label: String, dash: &str, colour: &str| {
        let y = y_of(v);
        let _ = write!(
            out,
            r#"<line class="reference" x1="{left}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="{colour}" stroke-width="2"{dash}/><text x="{}" y="{:.1}" fill="{colour}">{}</text>"#,
            width - 150,
            width - 146,
            y + 4.0,
            esc(&label)
        );
    };
    if let Some(n) = national {
        line(n, format!("Riket {}", unit(n)), r#" stroke-dasharray="6 4""#, "#4a4a4a");
    }
    if let Some(t) = ind.target {
        let label = match ind.target_date {
            Some(d) => format!("Mål {} ({})", unit(t), uppfolj_domain::ids::format_date(d)),
            None => format!("Mål {}", unit(t)),
        };
        line(t, label, "", "#a8201a");
    }
    out.push_str("</svg>");
    Some(out)
}

/// The share of U per region over the rounds, when there is more than one round.
pub fn trend(data: &Dataset) -> Option<String> {
    if data.rounds.len() < 2 {
        return None;
    }
    let regions: Vec<&RegionCode> = data.region_codes().collect();
    let goals = data.goals().count().max(1) as f64;
    let (left, top, plot_w, plot_h) = (50u32, 30u32, 420u32, 180u32);
    let width = left + plot_w + 120;
    let height = top + plot_h + 40;
    let years: Vec<i32> = data.rounds.iter().map(|r| r.year).collect();
    let x_of = |i: usize| left as f64 + plot_w as f64 * i as f64 / (years.len() - 1).max(1) as f64;
    let y_of = |share: f64| top as f64 + plot_h as f64 * (1.0 - share);
    let share = |round: &Round, r: &RegionCode| round.counts(data, r, None).get(Category::Achieved) as f64 / goals;
    let desc = regions
        .iter()
        .map(|r| {
            let points = data
                .rounds
                .iter()
                .map(|round| format!("{} {} %", round.year, (share(round, r) * 100.0).round()))
                .collect::<Vec<_>>();
            format!("{r}: {}", points.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = String::new();
    open(&mut out, "trend", width, height, "Andel mål med U per region och år", &desc);
    let dashes = ["", " stroke-dasharray=\"6 3\"", " stroke-dasharray=\"2 3\"", " stroke-dasharray=\"8 3 2 3\""];
    for (i, y) in years.iter().enumerate() {
        let _ = write!(out, r#"<text x="{:.1}" y="{}" text-anchor="middle">{y}</text>"#, x_of(i), top + plot_h + 18);
    }
    for (k, r) in regions.iter().enumerate() {
        let pts: Vec<String> = data
            .rounds
            .iter()
            .enumerate()
            .map(|(i, round)| format!("{:.1},{:.1}", x_of(i), y_of(share(round, r))))
            .collect();
        let dash = dashes[k % dashes.len()];
        let _ = write!(
            out,
            r##"<polyline class="line" data-region="{r}" points="{}" fill="none" stroke="#0b4f8a" stroke-width="2"{dash}/>"##,
            pts.join(" ")
        );
        if let Some(last) = data.rounds.last() {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}">{r} {} %</text>"#,
                x_of(years.len() - 1) + 6.0,
                y_of(share(last, r)) + 4.0,
                (share(last, r) * 100.0).round()
            );
        }
    }
    out.push_str("</svg>");
    Some(out)
}

/// Indicators furthest from their targets: (indicator, region, value, target, gap as a share of the
/// target), worst first. Only regions' values in each indicator's chart period count.
pub fn furthest_from_target(data: &Dataset) -> Vec<(String, String, f64, f64, f64)> {
    let mut out = Vec::new();
    for ind in &data.indicators {
        let (Some(target), Some(period)) = (ind.target, chart_period(ind)) else { continue };
        if target == 0.0 {
            continue;
        }
        for v in ind.values.iter().filter(|v| v.period == period) {
            if let Scope::Region(r) = &v.scope {
                let gap = if ind.higher_is_better { (target - v.value) / target } else { (v.value - target) / target };
                if gap > 0.0 {
                    out.push((ind.name.clone(), r.to_string(), v.value, target, gap));
                }
            }
        }
    }
    out.sort_by(|a, b| b.4.total_cmp(&a.4));
    out
}

/// Which goals moved between two levels from one round to the next.
pub fn moved(data: &Dataset, from: &Round, to: &Round) -> Vec<(GoalRef, RegionCode, Level, Level)> {
    let mut out = Vec::new();
    for (g, _) in data.goals() {
        for r in data.region_codes() {
            let (a, b) = (from.level(g, r), to.level(g, r));
            if a != b {
                out.push((g, r.clone(), a, b));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Dataset {
        uppfolj_domain::datafile::parse(include_str!("../../../demo/norr-2022-2024.toml")).expect("the demo parses")
    }

    /// Parses the SVG as XML (it must be well-formed) and checks its accessible name and description.
    fn parse(svg: &str) -> roxmltree::Document<'_> {
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("well-formed XML: {e}\n{svg}"));
        let root = doc.root_element();
        assert_eq!(root.attribute("role"), Some("img"));
        assert!(root.children().any(|n| n.has_tag_name("title") && n.text().is_some_and(|t| !t.is_empty())));
        assert!(root.children().any(|n| n.has_tag_name("desc") && n.text().is_some_and(|t| t.len() > 20)));
        doc
    }

    fn count(doc: &roxmltree::Document<'_>, tag: &str, class: &str) -> usize {
        doc.descendants().filter(|n| n.has_tag_name(tag) && n.attribute("class") == Some(class)).count()
    }

    #[test]
    fn the_heatmap_has_a_cell_per_goal_and_region_and_blanks_stay_blank() {
        let d = demo();
        let round = d.round(2024).expect("2024");
        let svg = heatmap(&d, round);
        let doc = parse(&svg);
        assert_eq!(count(&doc, "rect", "cell"), 43 * 4);
        let blanks =
            d.goals().map(|(g, _)| d.region_codes().filter(|r| round.level(g, r).is_blank()).count()).sum::<usize>();
        assert_eq!(blanks, 24, "blank cells in the report's tables: RJH 3, RN 10, RV 1, RVN 10");
        let dashed = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("cell") && n.attribute("stroke-dasharray").is_some())
            .count();
        assert_eq!(dashed, blanks);
        let letters =
            doc.descendants().filter(|n| n.has_tag_name("text") && n.attribute("aria-hidden") == Some("true")).count();
        assert_eq!(letters, 43 * 4 - blanks, "every level is written as letters, not colour alone");
        let cell_33 = doc
            .descendants()
            .find(|n| n.attribute("data-goal") == Some("3.3") && n.attribute("data-region") == Some("RN"))
            .expect("3.3 RN");
        assert!(cell_33.children().any(|c| c.text().is_some_and(|t| t.contains("inklusionsmål: uppnått mål"))));
    }

    #[test]
    fn the_distribution_stacks_every_category() {
        let d = demo();
        let round = d.round(2024).expect("2024");
        let doc_text = distribution(&d, round);
        let doc = parse(&doc_text);
        let expected: usize = d
            .plan
            .areas
            .iter()
            .map(|a| {
                d.region_codes()
                    .map(|r| STACK.iter().filter(|c| round.counts(&d, r, Some(a.number)).get(**c) > 0).count())
                    .sum::<usize>()
            })
            .sum();
        assert_eq!(count(&doc, "rect", "segment"), expected);
        let blank_segments = doc.descendants().filter(|n| n.attribute("data-category") == Some("blank")).count();
        assert_eq!(blank_segments, 15, "area × region bars with at least one blank goal");
    }

    #[test]
    fn indicator_charts_show_regions_references_and_targets() {
        let d = demo();
        let by = |slug: &str| d.indicators.iter().find(|i| i.slug.as_str() == slug).expect(slug);
        let svf = indicator_bars(&d, by("svf-ledtid")).expect("chart");
        let doc = parse(&svf);
        assert_eq!(count(&doc, "rect", "bar"), 4);
        assert_eq!(count(&doc, "line", "reference"), 1, "the national reference; no target");
        assert!(svf.contains("Riket 44 %") && svf.contains("RVN 46 %"));
        let hpv = indicator_bars(&d, by("hpv-vaccination")).expect("chart");
        let doc = parse(&hpv);
        assert_eq!(count(&doc, "rect", "bar"), 4);
        assert!(hpv.contains("Mål 70 % (2025-06-30)"), "target and target date");
        let incl = indicator_bars(&d, by("svf-inklusion")).expect("chart");
        assert_eq!(count(&parse(&incl), "rect", "bar"), 2, "only RV and RVN give figures");
        for i in &d.indicators {
            parse(&indicator_bars(&d, i).expect("every demo indicator has regional values"));
        }
        let far = furthest_from_target(&d);
        assert_eq!((far[0].1.as_str(), far[0].2, far[0].3), ("RV", 46.0, 1000.0), "lung screening: 46 of 1000");
        assert!(far.iter().any(|f| f.1 == "RN" && f.2 == 60.0 && f.3 == 70.0));
        assert!(!far.iter().any(|f| f.1 == "RVN" && f.3 == 70.0 && f.2 == 71.0), "71 % is above the 70 % target");
    }

    #[test]
    fn a_trend_needs_two_rounds() {
        let mut d = demo();
        assert!(trend(&d).is_none());
        let mut next = d.round(2024).expect("2024").clone();
        next.year = 2025;
        let rn = RegionCode::parse("RN").expect("RN");
        if let Some(f) = next.goals.iter_mut().find(|f| f.goal == GoalRef::new(4, 4)) {
            f.levels.insert(rn.clone(), Level::parse("U").expect("U"));
        }
        d.rounds.push(next);
        let svg = trend(&d).expect("two rounds");
        assert_eq!(count(&parse(&svg), "polyline", "line"), 4);
        let (a, b) = (d.round(2024).expect("2024"), d.round(2025).expect("2025"));
        assert_eq!(moved(&d, a, b), [(GoalRef::new(4, 4), rn, Level::Blank, Level::parse("U").expect("U"))]);
    }
}
