//! Tables from uploaded or local files: CSV text or the first sheet of an Excel workbook, as rows of
//! cells. Used by the web upload and the command line.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

/// Reads `bytes` (named `name`, which decides the format) into rows of cells, or says why not.
pub fn rows(name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    if name.to_lowercase().ends_with(".xlsx") {
        let mut wb: Xlsx<_> =
            Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("{name} kan inte läsas som Excel-fil: {e}"))?;
        let sheet = wb.sheet_names().first().cloned().ok_or_else(|| format!("{name} har inget blad"))?;
        let range = wb.worksheet_range(&sheet).map_err(|e| format!("bladet {sheet} i {name} kan inte läsas: {e}"))?;
        return Ok(range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::Empty => String::new(),
                        Data::String(s) => s.clone(),
                        Data::Float(f) => f.to_string(),
                        Data::Int(i) => i.to_string(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect());
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| format!("{name} är inte text i UTF-8 (spara CSV-filen som UTF-8)"))?;
    uppfolj_domain::indicator_import::csv_rows(text).map_err(|e| e.with_file(name))
}
