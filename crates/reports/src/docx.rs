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
    linked(Paragraph::new(), t)
}

/// `t` added to `p`: its web addresses as hyperlinks showing the address.
fn linked(p: Paragraph, t: &str) -> Paragraph {
    uppfolj_domain::text::pieces(t).into_iter().fold(p, |p, piece| match piece {
        uppfolj_domain::text::Piece::Text(t) => p.add_run(run(t)),
        uppfolj_domain::text::Piece::Link(url) => p.add_hyperlink(
            docx_rs::Hyperlink::new(url, docx_rs::HyperlinkType::External)
                .add_run(run(url).color("1F4E8C").underline("single")),
        ),
    })
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
                .map(|c| linked(Paragraph::new().add_run(run(format!("{}: ", c.author)).bold()), &c.text))
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
    repeat_header_rows(&buf.into_inner())
}

/// Marks the first row of every table as its header row (`<w:tblHeader/>`), which Word repeats at
/// the top of every page the table continues on. docx-rs has no such property: this is the one
/// place it is added, to the packed document.
pub fn repeat_header_rows(docx: &[u8]) -> Result<Vec<u8>, ReportError> {
    use std::io::{Read as _, Write as _};
    let fail = |e: &dyn std::fmt::Display| ReportError::Render(format!("DOCX: rubrikraderna: {e}"));
    let mut zip = zip::ZipArchive::new(Cursor::new(docx)).map_err(|e| fail(&e))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| fail(&e))?;
        let name = part.name().map_err(|e| fail(&e))?.into_owned();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).map_err(|e| fail(&e))?;
        if name == "word/document.xml" {
            let xml = String::from_utf8(bytes).map_err(|e| fail(&e))?;
            bytes = header_rows(&xml).into_bytes();
        }
        out.start_file(name, options).map_err(|e| fail(&e))?;
        out.write_all(&bytes).map_err(|e| fail(&e))?;
    }
    Ok(out.finish().map_err(|e| fail(&e))?.into_inner())
}

/// The document's XML with the first row of each table marked as a header row.
fn header_rows(xml: &str) -> String {
    const HEADER: &str = "<w:tblHeader />";
    let mut out = String::with_capacity(xml.len() + 64);
    let mut rest = xml;
    while let Some(t) = rest.find("<w:tbl>") {
        let (before, table) = rest.split_at(t);
        out.push_str(before);
        let Some(r) = table.find("<w:tr>") else {
            rest = table;
            break;
        };
        let after_tr = r + "<w:tr>".len();
        out.push_str(&table[..after_tr]);
        let row = &table[after_tr..];
        rest = if let Some(tail) = row.strip_prefix("<w:trPr />") {
            out.push_str(&format!("<w:trPr>{HEADER}</w:trPr>"));
            tail
        } else if let Some(tail) = row.strip_prefix("<w:trPr>") {
            out.push_str(&format!("<w:trPr>{HEADER}"));
            tail
        } else {
            out.push_str(&format!("<w:trPr>{HEADER}</w:trPr>"));
            row
        };
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod header_tests {
    use super::*;

    #[test]
    fn the_first_row_of_every_table_is_its_header_row() {
        let xml = "<w:body><w:tbl><w:tblPr /><w:tr><w:trPr /><w:tc>a</w:tc></w:tr><w:tr><w:trPr /><w:tc>b</w:tc></w:tr></w:tbl>\
                   <w:p /><w:tbl><w:tr><w:trPr><w:cantSplit /></w:trPr></w:tr></w:tbl><w:tbl><w:tr><w:tc /></w:tr></w:tbl></w:body>";
        let marked = header_rows(xml);
        assert_eq!(marked.matches("<w:tblHeader />").count(), 3, "{marked}");
        assert!(marked.contains("<w:tr><w:trPr><w:tblHeader /></w:trPr><w:tc>a</w:tc></w:tr><w:tr><w:trPr /><w:tc>b"));
        assert!(marked.contains("<w:trPr><w:tblHeader /><w:cantSplit /></w:trPr>"));
        assert!(marked.contains("<w:tr><w:trPr><w:tblHeader /></w:trPr><w:tc /></w:tr>"));
        assert_eq!(header_rows("<w:body><w:p /></w:body>"), "<w:body><w:p /></w:body>");
    }
}
