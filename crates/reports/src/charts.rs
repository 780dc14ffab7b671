//! Charts as SVG, drawn on the server: no JavaScript, the same picture in the web pages and the reports.
//! Every chart has `role="img"`, a `<title>` and a `<desc>` that says what it shows in words, and its
//! numbers are also offered as a table by the pages that show it. Colours only ever repeat what a letter
//! or a label already says.

use std::fmt::Write;

use uppfolj_domain::analysis;
use uppfolj_domain::{Category, Dataset, GoalRef, Grade, Indicator, RegionCode, Round, Scope};

use crate::model::colours;

/// Escapes text for SVG/XML, leaving out the control characters XML cannot carry.
fn esc(s: &str) -> String {
    uppfolj_domain::input::printable(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A drawn chart: the SVG, what it shows in words (its `<desc>`, the text alternative), and the width
/// to print it at.
#[derive(Clone, Debug, PartialEq)]
pub struct Svg {
    pub svg: String,
    pub desc: String,
    /// 0.03 cm per drawn pixel (about its size on screen), at most the 16 cm of the report's text
    /// width, so that a chart of one bar is not blown up to a page.
    pub width_cm: f64,
}

/// What `open` was told, to make the [`Svg`] from when the drawing is done.
struct Started {
    desc: String,
    width: u32,
}

impl Started {
    fn finish(self, mut out: String) -> Svg {
        out.push_str("</svg>");
        Svg { svg: out, desc: self.desc, width_cm: (f64::from(self.width) * 0.03).min(16.0) }
    }
}

fn open(out: &mut String, id: &str, width: u32, height: u32, title: &str, desc: &str) -> Started {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="system-ui, Arial, sans-serif" font-size="12"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        esc(title),
        esc(desc)
    );
    Started { desc: desc.to_owned(), width }
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
pub fn heatmap(data: &Dataset, round: &Round) -> Svg {
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
    let started = open(
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
    started.finish(out)
}

/// The categories in stacking order.
pub const STACK: [Category; 5] =
    [Category::Achieved, Category::InProgress, Category::NotStarted, Category::TwoPart, Category::Blank];

/// The legend of the stacked charts: each category's colour with its letters, not colour alone.
fn stack_legend(out: &mut String, x0: u32) {
    let mut x = x0;
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
}

/// One bar of [`STACK`] segments, each as wide as its share of `total`, with its count written on it
/// when there is room. `attrs` go on every segment; `title` (already escaped) starts each tooltip.
fn stacked_bar(
    out: &mut String,
    (x0, y): (u32, u32),
    (bar_w, bar_h): (u32, u32),
    total: usize,
    counts: &uppfolj_domain::LevelCounts,
    attrs: &str,
    title: &str,
) {
    let mut x = x0 as f64;
    for c in STACK {
        let n = counts.get(c);
        if n == 0 {
            continue;
        }
        let w = bar_w as f64 * n as f64 / total.max(1) as f64;
        let (fill, fg) = category_colour(c);
        let _ = write!(
            out,
            r#"<rect class="segment" data-category="{}"{attrs} x="{x:.1}" y="{y}" width="{w:.1}" height="{bar_h}" fill="{fill}" stroke="gray"><title>{title}: {} {n}</title></rect>"#,
            c.key(),
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
}

/// Level distribution per area and region: one stacked bar per area × region, U / P / E / two-part /
/// blank, each segment labelled with its count when there is room.
pub fn distribution(data: &Dataset, round: &Round) -> Svg {
    let regions: Vec<&RegionCode> = data.region_codes().collect();
    let (label_w, bar_w, bar_h, gap, top) = (250u32, 360u32, 16u32, 4u32, 40u32);
    let rows = (data.plan.areas.len() * regions.len()) as u32;
    let width = label_w + bar_w + 20;
    let height = top + rows * (bar_h + gap) + data.plan.areas.len() as u32 * 8 + 10;
    let mut out = String::new();
    let started = open(
        &mut out,
        "fordelning",
        width,
        height,
        &format!("Nivåernas fördelning per område och region, uppföljning {}", round.year),
        "En stapel per område och region, uppdelad i antal mål med U, P, E, tvådelad nivå och blank (ingen nivå). Siffrorna finns också i tabellen under diagrammet.",
    );
    stack_legend(&mut out, label_w);
    let mut y = top;
    for a in &data.plan.areas {
        for r in &regions {
            let counts = round.counts(data, r, Some(a.number));
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" text-anchor="end">{}. {} – {}</text>"#,
                label_w - 6,
                y + 12,
                a.number,
                esc(&short(&a.title, 24)),
                esc(r.as_str())
            );
            let title = format!("{}. {}, {r}", a.number, esc(&a.title));
            stacked_bar(&mut out, (label_w, y), (bar_w, bar_h), a.goals.len(), &counts, "", &title);
            y += bar_h + gap;
        }
        y += 8;
    }
    started.finish(out)
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_owned() } else { s.chars().take(max - 1).collect::<String>() + "…" }
}

/// One bar per region for the indicator's latest period, with the national reference and the target
/// as labelled lines and the target date in the caption.
pub fn indicator_bars(data: &Dataset, ind: &Indicator) -> Option<Svg> {
    let period = analysis::latest_period(ind)?;
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
    // A unit other than % is written once above the plot, so the plot starts lower.
    let top = if ind.unit == "%" { 30u32 } else { 44u32 };
    let (left, plot_h, bar_w, gap) = (60u32, 180u32, 56u32, 28u32);
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
    let started = open(&mut out, &id, width, height, &format!("{} per region, {}", ind.name, period.swedish()), &desc);
    let _ = write!(
        out,
        r#"<line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="black"/>"#,
        top + plot_h,
        width - 150,
        top + plot_h
    );
    // A long unit does not fit above a bar: the bars then carry the number and the unit is said once.
    let on_bar = |v: f64| if ind.unit == "%" { unit(v) } else { uppfolj_domain::ids::number(v) };
    if ind.unit != "%" {
        let _ = write!(out, r#"<text x="{left}" y="14" fill="black">{}</text>"#, esc(&ind.unit));
    }
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
            esc(&on_bar(*v)),
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
    Some(started.finish(out))
}

/// The distribution of levels over the years: for each region one stacked bar per round (U / P / E /
/// two-part / blank), so that the shift from E and P towards U shows. `None` with fewer than two rounds.
pub fn trend(data: &Dataset, upto: &Round) -> Option<Svg> {
    let rounds = analysis::trend(data, upto);
    if rounds.len() < 2 {
        return None;
    }
    let regions: Vec<&RegionCode> = data.region_codes().collect();
    let goals = data.goals().count();
    let (label_w, bar_w, bar_h, gap, top, group_gap) = (110u32, 400u32, 16u32, 4u32, 40u32, 22u32);
    let width = label_w + bar_w + 20;
    let height = top + regions.len() as u32 * (group_gap + rounds.len() as u32 * (bar_h + gap)) + 10;
    let years = rounds.iter().map(|r| r.year.to_string()).collect::<Vec<_>>().join(", ");
    let desc = regions
        .iter()
        .map(|r| {
            let per_year = rounds
                .iter()
                .map(|round| {
                    let c = round.region(r, goals);
                    let parts = STACK.iter().map(|k| format!("{} {}", k.label(), c.get(*k))).collect::<Vec<_>>();
                    format!("{} {}", round.year, parts.join(", "))
                })
                .collect::<Vec<_>>();
            format!("{r}: {}", per_year.join("; "))
        })
        .collect::<Vec<_>>()
        .join(". ");
    let mut out = String::new();
    let started = open(
        &mut out,
        "trend",
        width,
        height,
        &format!("Nivåernas fördelning per region och år ({years})"),
        &format!("En stapel per region och år med antal mål per nivå av {} mål. {desc}.", data.goals().count()),
    );
    stack_legend(&mut out, label_w);
    let mut y = top;
    for r in &regions {
        let _ = write!(out, r#"<text x="2" y="{}" font-weight="bold">{}</text>"#, y + 14, esc(r.as_str()));
        y += group_gap;
        for round in &rounds {
            let counts = round.region(r, goals);
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" text-anchor="end" fill="black">{}</text>"#,
                label_w - 6,
                y + 12,
                round.year
            );
            let attrs = format!(r#" data-region="{r}" data-year="{}""#, round.year);
            let title = format!("{r} {}", round.year);
            stacked_bar(&mut out, (label_w, y), (bar_w, bar_h), goals, &counts, &attrs, &title);
            y += bar_h + gap;
        }
    }
    Some(started.finish(out))
}

/// The goals that moved between two rounds, counted by kind of move (P → U, U → P, blank → E, …), one
/// bar per kind with the regions' share of it; most common first. `None` when nothing moved.
pub fn moved_chart(data: &Dataset, from: &Round, to: &Round) -> Option<Svg> {
    type Cells = Vec<(GoalRef, RegionCode)>;
    let mut kinds: Vec<((Category, Category), Cells)> = Vec::new();
    for analysis::Move { goal: g, region: r, from: a, to: b } in analysis::moved(data, from, to) {
        let key = (a.category(), b.category());
        match kinds.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push((g, r)),
            None => kinds.push((key, vec![(g, r)])),
        }
    }
    if kinds.is_empty() {
        return None;
    }
    // Most common first; ties in a fixed order.
    kinds.sort_by(|a, b| {
        b.1.len().cmp(&a.1.len()).then_with(|| (a.0.0.key(), a.0.1.key()).cmp(&(b.0.0.key(), b.0.1.key())))
    });
    let most = kinds.iter().map(|(_, v)| v.len()).max().unwrap_or(1) as f64;
    let (label_w, bar_w, bar_h, gap, top) = (140u32, 260u32, 18u32, 6u32, 10u32);
    let width = label_w + bar_w + 260;
    let height = top + kinds.len() as u32 * (bar_h + gap) + 10;
    let regions_of = |v: &[(GoalRef, RegionCode)]| {
        data.region_codes()
            .filter_map(|r| {
                let n = v.iter().filter(|(_, x)| x == r).count();
                (n > 0).then(|| format!("{r} {n}"))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let name = |(a, b): (Category, Category)| format!("{} → {}", a.label(), b.label());
    let total: usize = kinds.iter().map(|(_, v)| v.len()).sum();
    let desc = kinds
        .iter()
        .map(|(k, v)| format!("{}: {} ({})", name(*k), v.len(), regions_of(v)))
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = String::new();
    let started = open(
        &mut out,
        "flyttade",
        width,
        height,
        &format!("Mål som bytt nivå från {} till {}", from.year, to.year),
        &format!("{total} gånger bytte en region nivå på ett mål. {desc}."),
    );
    let mut y = top;
    for (k, v) in &kinds {
        let (fill, _) = category_colour(k.1);
        let w = (bar_w as f64 * v.len() as f64 / most).max(2.0);
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="end" fill="black">{}</text>"#,
            label_w - 8,
            y + 13,
            esc(&name(*k))
        );
        let _ = write!(
            out,
            r#"<rect class="move" data-from="{}" data-to="{}" x="{label_w}" y="{y}" width="{w:.1}" height="{bar_h}" fill="{fill}" stroke="gray"><title>{}: {}</title></rect>"#,
            k.0.key(),
            k.1.key(),
            esc(&name(*k)),
            v.len()
        );
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{}">{} ({})</text>"#,
            label_w as f64 + w + 6.0,
            y + 13,
            v.len(),
            esc(&regions_of(v))
        );
        y += bar_h + gap;
    }
    Some(started.finish(out))
}

#[cfg(test)]
mod tests {
    use uppfolj_domain::Level;

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
        let svg = heatmap(&d, round).svg;
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
    fn a_chart_says_what_it_shows_and_how_wide_to_print_it() {
        let d = demo();
        let drawn = heatmap(&d, d.round(2024).expect("2024"));
        let doc = parse(&drawn.svg);
        let desc = doc.descendants().find(|n| n.has_tag_name("desc")).and_then(|n| n.text()).expect("desc");
        assert_eq!(drawn.desc, desc, "the text alternative is the one drawn");
        let px: f64 = doc.root_element().attribute("width").and_then(|w| w.parse().ok()).expect("width");
        assert_eq!(drawn.width_cm, (px * 0.03).min(16.0));
    }

    #[test]
    fn the_distribution_stacks_every_category() {
        let d = demo();
        let round = d.round(2024).expect("2024");
        let doc_text = distribution(&d, round).svg;
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
        let svf = indicator_bars(&d, by("svf-ledtid")).expect("chart").svg;
        let doc = parse(&svf);
        assert_eq!(count(&doc, "rect", "bar"), 4);
        assert_eq!(count(&doc, "line", "reference"), 1, "the national reference; no target");
        assert!(svf.contains("Riket 44 %") && svf.contains("RVN 46 %"));
        let hpv = indicator_bars(&d, by("hpv-vaccination")).expect("chart").svg;
        let doc = parse(&hpv);
        assert_eq!(count(&doc, "rect", "bar"), 4);
        assert!(hpv.contains("Mål 70 % (2025-06-30)"), "target and target date");
        let incl = indicator_bars(&d, by("svf-inklusion")).expect("chart").svg;
        assert_eq!(count(&parse(&incl), "rect", "bar"), 2, "only RV and RVN give figures");
        for i in &d.indicators {
            parse(&indicator_bars(&d, i).expect("every demo indicator has regional values").svg);
        }
        let far = analysis::furthest_from_target(&d);
        assert_eq!(
            (far[0].region.as_str(), far[0].value, far[0].target),
            ("RV", 46.0, 1000.0),
            "lung screening: 46 of 1000"
        );
        assert!(far.iter().any(|f| f.region.as_str() == "RN" && f.value == 60.0 && f.target == 70.0));
        assert!(
            !far.iter().any(|f| f.region.as_str() == "RVN" && f.target == 70.0 && f.value == 71.0),
            "71 % is above the 70 % target"
        );
    }

    #[test]
    fn a_trend_stacks_every_published_round_and_moves_are_counted_by_kind() {
        let mut d = demo();
        let y2024 = d.round(2024).expect("2024").clone();
        assert!(trend(&d, &y2024).is_none(), "one round has no trend");
        let mut next = y2024.clone();
        next.year = 2025;
        next.status = uppfolj_domain::RoundStatus::Open;
        let rn = RegionCode::parse("RN").expect("RN");
        let rjh = RegionCode::parse("RJH").expect("RJH");
        for (goal, region, level) in [((4, 4), &rn, "U"), ((1, 1), &rjh, "U"), ((3, 6), &rjh, "P")] {
            if let Some(f) = next.goals.iter_mut().find(|f| f.goal == GoalRef::new(goal.0, goal.1)) {
                f.levels.insert(region.clone(), Level::parse(level).expect("level"));
            }
        }
        d.rounds.push(next.clone());
        // Seen from 2024, the open 2025 round does not exist.
        assert!(trend(&d, &y2024).is_none(), "a later round never shows in an earlier one");
        let svg = trend(&d, &next).expect("two rounds").svg;
        let doc = parse(&svg);
        let expected: usize = [&y2024, &next]
            .iter()
            .map(|round| {
                d.region_codes()
                    .map(|r| STACK.iter().filter(|c| round.counts(&d, r, None).get(**c) > 0).count())
                    .sum::<usize>()
            })
            .sum();
        assert_eq!(count(&doc, "rect", "segment"), expected);
        let rn_blank_2025 = doc
            .descendants()
            .find(|n| {
                n.attribute("data-region") == Some("RN")
                    && n.attribute("data-year") == Some("2025")
                    && n.attribute("data-category") == Some("blank")
            })
            .expect("RN blank 2025");
        assert!(rn_blank_2025.children().any(|c| c.text() == Some("RN 2025: Blank 9")), "RN had 10 blanks, 4.4 got U");
        assert!(
            svg.contains("RN: 2024 U 15, P 16, E 1, Tvådelad 1, Blank 10; 2025 U 16, P 16, E 1, Tvådelad 1, Blank 9")
        );
        let (a, b) = (d.round(2024).expect("2024"), d.round(2025).expect("2025"));
        assert_eq!(analysis::moved(&d, a, b).len(), 3);
        let moves = moved_chart(&d, a, b).expect("moves").svg;
        let doc = parse(&moves);
        assert_eq!(count(&doc, "rect", "move"), 3, "blank → U, P → U (1.1 RJH), U → P (3.6 RJH)");
        assert!(moves.contains("Blank → U: 1 (RN 1)") && moves.contains("P → U: 1 (RJH 1)"));
        // A round reopened for changes is not published, so it drops out of later trends.
        d.rounds[0].status = uppfolj_domain::RoundStatus::Open;
        assert!(trend(&d, &next).is_none());
    }
}
