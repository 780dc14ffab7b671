//! The report as an Excel workbook: the level matrix (one row per goal, one column per region,
//! coloured by conditional formats so that edits keep their colour), the comments and the indicator
//! values, each sheet filterable. Everything comes from the report model, numbers as numbers.

use rust_xlsxwriter::{
    Color, ConditionalFormatCell, ConditionalFormatCellRule, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
    XlsxError,
};
use uppfolj_domain::Grade;

use crate::ReportError;
use crate::model::{Report, colours};

fn err(e: XlsxError) -> ReportError {
    ReportError::Render(format!("XLSX: {e}"))
}

fn header(ws: &mut Worksheet, titles: &[&str], widths: &[f64]) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold().set_background_color(Color::RGB(0xEEF2F6)).set_border(FormatBorder::Thin);
    for (c, (t, w)) in titles.iter().zip(widths).enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, c, *t, &bold)?;
        ws.set_column_width(c, *w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The most characters an Excel cell holds.
const CELL_MAX_CHARS: usize = 32_767;

/// Text as an Excel cell can hold it, whatever is stored: without the control characters XML cannot
/// carry, and cut (saying so) at Excel's limit of 32 767 characters instead of failing the workbook.
fn cell<S: AsRef<str>>(s: S) -> String {
    let s = uppfolj_domain::input::printable(s.as_ref()).into_owned();
    if s.chars().count() <= CELL_MAX_CHARS {
        return s;
    }
    const NOTE: &str = " … [avkortad: hela texten finns i Uppfölj]";
    let keep = CELL_MAX_CHARS - NOTE.chars().count();
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(NOTE);
    out
}

fn row(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn col(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

pub fn render(r: &Report) -> Result<Vec<u8>, ReportError> {
    build(r).map_err(err)
}

fn build(r: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let centre = Format::new().set_align(FormatAlign::Center).set_align(FormatAlign::Top);

    // Levels.
    let ws = wb.add_worksheet();
    ws.set_name("Nivåer")?;
    let mut titles = vec!["Område", "Mål", "Målets text"];
    let codes: Vec<&str> = r.regions.iter().map(|g| g.code.as_str()).collect();
    titles.extend(&codes);
    let mut widths = vec![9.0, 7.0, 70.0];
    widths.extend(codes.iter().map(|_| 8.0));
    header(ws, &titles, &widths)?;
    let mut n = 1;
    for a in &r.areas {
        for g in &a.rows {
            ws.write_number(row(n), 0, a.number)?;
            ws.write_string(row(n), 1, cell(&g.id))?;
            ws.write_string_with_format(row(n), 2, cell(&g.text), &wrap)?;
            for (i, l) in g.levels.iter().enumerate() {
                ws.write_string_with_format(row(n), col(3 + i), cell(&l.notation), &centre)?;
            }
            n += 1;
        }
    }
    let last = row(n.saturating_sub(1));
    let last_col = col(2 + codes.len());
    for grade in Grade::ALL {
        let (bg, fg) = colours(grade);
        let parse = |hex: &str| u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
        let format = Format::new().set_background_color(Color::RGB(parse(bg))).set_font_color(Color::RGB(parse(fg)));
        let letter = grade.letter().to_string();
        let cf = ConditionalFormatCell::new()
            .set_rule(ConditionalFormatCellRule::EqualTo(letter.as_str()))
            .set_format(format);
        ws.add_conditional_format(1, 3, last, last_col, &cf)?;
    }
    ws.autofilter(0, 0, last, last_col)?;

    // Comments.
    let ws = wb.add_worksheet();
    ws.set_name("Kommentarer")?;
    header(
        ws,
        &["Område", "Mål", "Från", "Nivå", "Kommentar i rapporten", "Kondenserad av RCC"],
        &[9.0, 7.0, 12.0, 8.0, 90.0, 12.0],
    )?;
    let mut n = 1;
    for a in &r.areas {
        for g in &a.rows {
            for c in &g.comments {
                let level = r
                    .regions
                    .iter()
                    .position(|reg| reg.code == c.author)
                    .and_then(|i| g.levels.get(i))
                    .map(|l| l.notation.clone())
                    .unwrap_or_default();
                ws.write_number(row(n), 0, a.number)?;
                ws.write_string(row(n), 1, cell(&g.id))?;
                ws.write_string(row(n), 2, cell(&c.author))?;
                ws.write_string(row(n), 3, cell(&level))?;
                ws.write_string_with_format(row(n), 4, cell(&c.text), &wrap)?;
                ws.write_string(row(n), 5, cell(if c.condensed { "ja" } else { "" }))?;
                n += 1;
            }
        }
    }
    ws.autofilter(0, 0, row(n.saturating_sub(1)), 5)?;

    // Indicator values, with numbers as numbers.
    let ws = wb.add_worksheet();
    ws.set_name("Indikatorer")?;
    header(
        ws,
        &[
            "Indikator",
            "Enhet",
            "Region",
            "Period",
            "Värde",
            "Målvärde",
            "Måldatum",
            "Riket",
            "Källa",
            "Datauttag",
            "Mål i planen",
        ],
        &[45.0, 12.0, 10.0, 12.0, 9.0, 9.0, 12.0, 9.0, 40.0, 12.0, 12.0],
    )?;
    let mut n = 1;
    for v in &r.values {
        ws.write_string(row(n), 0, cell(&v.indicator))?;
        ws.write_string(row(n), 1, cell(&v.unit))?;
        ws.write_string(row(n), 2, cell(&v.scope))?;
        ws.write_string(row(n), 3, cell(&v.period))?;
        ws.write_number(row(n), 4, v.value)?;
        if let Some(t) = v.target {
            ws.write_number(row(n), 5, t)?;
        }
        if let Some(d) = &v.target_date {
            ws.write_string(row(n), 6, cell(d))?;
        }
        if let Some(nat) = v.national {
            ws.write_number(row(n), 7, nat)?;
        }
        ws.write_string(row(n), 8, cell(&v.source))?;
        if let Some(d) = &v.extracted {
            ws.write_string(row(n), 9, cell(d))?;
        }
        ws.write_string(row(n), 10, cell(&v.goals))?;
        n += 1;
    }
    ws.autofilter(0, 0, row(n.saturating_sub(1)), 10)?;
    wb.save_to_buffer()
}
