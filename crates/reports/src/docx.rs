//! The report as a Word document the RCC can keep editing: real heading styles (so Word's navigation
//! pane and table of contents work), real tables, levels as letters on coloured cells.

use std::io::Cursor;

use docx_rs::{
    Docx, Paragraph, Run, RunFonts, Shading, ShdType, Style, StyleType, Table, TableCell, TableLayoutType, TableRow,
    WidthType,
};
use uppfolj_domain::text::Block;

use crate::ReportError;
use crate::model::Report;

/// A run of text. Word's XML cannot hold most control characters: whatever is stored, they are left out.
fn run(t: impl AsRef<str>) -> Run {
    Run::new().add_text(uppfolj_domain::input::printable(t.as_ref()).into_owned())
}

fn text(t: &str) -> Paragraph {
    Paragraph::new().add_run(run(t))
}

fn heading(level: usize, t: &str) -> Paragraph {
    Paragraph::new().add_run(run(t)).style(&format!("Heading{level}"))
}

fn bold_cell(t: &str) -> TableCell {
    TableCell::new()
        .add_paragraph(Paragraph::new().add_run(run(t).bold()))
        .shading(Shading::new().fill("EEF2F6").shd_type(ShdType::Clear))
}

fn cell(paragraphs: Vec<Paragraph>) -> TableCell {
    paragraphs.into_iter().fold(TableCell::new(), TableCell::add_paragraph)
}

/// A table with fixed column widths (twentieths of a point), applied to every cell.
fn fixed_table(rows: Vec<Vec<TableCell>>, widths: &[usize]) -> Table {
    let rows = rows
        .into_iter()
        .map(|cells| TableRow::new(cells.into_iter().zip(widths).map(|(c, w)| c.width(*w, WidthType::Dxa)).collect()))
        .collect();
    Table::new(rows).set_grid(widths.to_vec()).layout(TableLayoutType::Fixed)
}

/// The text width of an A4 page with Word's default margins, in twentieths of a point.
const TEXT_WIDTH: usize = 9000;

fn hex(c: &str) -> String {
    c.trim_start_matches('#').to_uppercase()
}

/// A single level: the letter on its colour. A two-part level: each letter in its colour on white
/// (amber text is darkened to stay readable on white).
fn level_cell(l: &crate::model::LevelCell) -> TableCell {
    if let [part] = l.parts.as_slice() {
        let p = Paragraph::new().add_run(run(&part.letter).bold().color(hex(&part.text_colour)));
        return TableCell::new()
            .add_paragraph(p)
            .shading(Shading::new().fill(hex(&part.colour)).shd_type(ShdType::Clear));
    }
    let mut p = Paragraph::new();
    for (i, part) in l.parts.iter().enumerate() {
        if i > 0 {
            p = p.add_run(run("/"));
        }
        let colour = if part.letter.starts_with('P') { "7A5A00".to_owned() } else { hex(&part.colour) };
        p = p.add_run(run(&part.letter).bold().color(colour));
    }
    TableCell::new().add_paragraph(p)
}

pub fn render(r: &Report) -> Result<Vec<u8>, ReportError> {
    let mut doc = Docx::new()
        .default_fonts(RunFonts::new().ascii("Calibri").hi_ansi("Calibri"))
        .default_size(20)
        .add_style(Style::new("Title", StyleType::Paragraph).name("Title").size(44).bold())
        .add_style(Style::new("Heading1", StyleType::Paragraph).name("heading 1").size(32).bold().outline_lvl(0))
        .add_style(Style::new("Heading2", StyleType::Paragraph).name("heading 2").size(26).bold().outline_lvl(1));

    doc = doc
        .add_paragraph(Paragraph::new().add_run(run(&r.title)).style("Title"))
        .add_paragraph(text(&format!("{} · {}", r.healthcare_region, r.rcc)))
        .add_paragraph(text(&format!(
            "Uppföljningen gjordes i {}.{}",
            r.conducted,
            if r.is_final { " Det är den sista uppföljningen av planen." } else { "" }
        )))
        .add_paragraph(text(&r.adopted))
        .add_paragraph(text(&format!("Klassning: {}", r.classification)));

    if !r.introduction.is_empty() {
        doc = doc.add_paragraph(heading(1, "Inledning"));
        for p in &r.introduction {
            doc = doc.add_paragraph(text(p));
        }
    }
    doc = doc.add_paragraph(text("Nivåerna i rapporten:"));
    for l in &r.legend {
        doc = doc.add_paragraph(text(&format!("{} – {}", l.letter, l.label)));
    }
    doc = doc.add_paragraph(text("Blank – regionen har inte angett någon nivå."));

    if !r.summary.is_empty() {
        doc = doc.add_paragraph(heading(1, "Sammanfattning"));
        for s in &r.summary {
            doc = doc.add_paragraph(heading(2, &s.heading));
            for b in &s.blocks {
                match b {
                    Block::Para(p) => doc = doc.add_paragraph(text(p)),
                    Block::List(items) => {
                        for i in items {
                            doc = doc.add_paragraph(text(&format!("• {i}")));
                        }
                    }
                }
            }
        }
    }

    doc = doc.add_paragraph(heading(1, "Översikt: andel uppnådda mål per område"));
    let mut rows =
        vec![TableRow::new(vec![bold_cell("Område"), bold_cell("U"), bold_cell("Bedömningar"), bold_cell("Andel")])];
    for o in &r.overview {
        rows.push(TableRow::new(vec![
            cell(vec![text(&format!("{}. {}", o.area, o.title))]),
            cell(vec![text(&o.achieved.to_string())]),
            cell(vec![text(&o.cells.to_string())]),
            cell(vec![text(&o.percent)]),
        ]));
    }
    doc = doc.add_table(Table::new(rows).width(5000, WidthType::Pct));

    for a in &r.areas {
        doc = doc.add_paragraph(heading(1, &format!("{}. {}", a.number, a.title)));
        let mut head = vec![bold_cell("Mål")];
        head.extend(r.regions.iter().map(|g| bold_cell(&g.code)));
        head.push(bold_cell("Kommentarer"));
        let mut rows = vec![head];
        for g in &a.rows {
            let mut goal = vec![Paragraph::new().add_run(run(&g.id).bold()).add_run(run(format!(" {}", g.text)))];
            goal.extend(g.targets.iter().map(|t| text(&format!("• {t}"))));
            let mut cells = vec![cell(goal)];
            for l in &g.levels {
                cells.push(level_cell(l));
            }
            let comments: Vec<Paragraph> = g
                .comments
                .iter()
                .map(|c| Paragraph::new().add_run(run(format!("{}: ", c.author)).bold()).add_run(run(&c.text)))
                .collect();
            cells.push(cell(if comments.is_empty() { vec![text("")] } else { comments }));
            rows.push(cells);
        }
        let level_width = 620;
        let goal_width = 2900;
        let mut widths = vec![goal_width];
        widths.extend(r.regions.iter().map(|_| level_width));
        widths.push(TEXT_WIDTH.saturating_sub(goal_width + level_width * r.regions.len()).max(2000));
        doc = doc.add_table(fixed_table(rows, &widths));
        for i in &a.indicators {
            doc = doc.add_paragraph(text(&format!(
                "{} ({}){} – mäter mål {}",
                i.name,
                i.unit,
                if i.target.is_empty() { String::new() } else { format!(", mål: {}", i.target) },
                i.goals
            )));
            let mut rows = vec![TableRow::new(vec![
                bold_cell("Region"),
                bold_cell("Period"),
                bold_cell("Värde"),
                bold_cell("Riket"),
                bold_cell("Datauttag"),
            ])];
            for v in &i.values {
                rows.push(TableRow::new(vec![
                    cell(vec![text(&v.scope)]),
                    cell(vec![text(&v.period)]),
                    cell(vec![text(&v.value)]),
                    cell(vec![text(&v.national)]),
                    cell(vec![text(&v.extracted)]),
                ]));
            }
            doc = doc.add_table(Table::new(rows).width(5000, WidthType::Pct));
            doc = doc.add_paragraph(text(&format!("Källa: {}", i.source)));
        }
    }

    let mut buf = Cursor::new(Vec::new());
    doc.build().pack(&mut buf).map_err(|e| ReportError::Render(format!("DOCX: {e}")))?;
    Ok(buf.into_inner())
}
