//! Tables from uploaded or local files: CSV text or the first sheet of an Excel workbook, as rows of
//! cells. Used by the web upload and the command line, with the same limits
//! ([`uppfolj_domain::input::TABLE_LIMITS`]). A crate of its own so that the command line and the
//! fuzz targets (`fuzz/`) read files without the web stack.
//!
//! A file is never trusted to be what it says. Before anything is allocated by its own account:
//! - the file's size is checked;
//! - an Excel file (a zip archive) has every part unpacked once into nothing, counting bytes, so that a
//!   small file that expands to gigabytes is refused after the limit, whatever its headers claim;
//! - the sheet is read as a stream of cells, and a cell beyond the last allowed row or column stops
//!   the reading — the sheet's declared dimension (`A1:XFD1048576`) is never used to allocate;
//! - reading runs off the async workers ([`read_off_thread`]), a few files at a time, and gives up
//!   after a time budget.
//!
//! Every refusal is a Swedish sentence naming the file, the place and the limit.

use std::io::{Cursor, Read};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use calamine::{Data, DataRef, Reader, Xlsx};
use uppfolj_domain::input::{FileLimits, TABLE_LIMITS, grouped, megabytes};

/// Why a file could not be read as a table; the message goes to the user as it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// The file is not a readable table, or breaks a limit.
    #[error("{0}")]
    Invalid(String),
    /// Too many files are being read at once.
    #[error("{0}")]
    Busy(String),
}

/// Reads `bytes` (named `name`, which decides the format) into rows of cells, within `limits` and
/// before `deadline`.
pub fn rows_within(
    name: &str,
    bytes: &[u8],
    limits: &FileLimits,
    deadline: Instant,
) -> Result<Vec<Vec<String>>, TableError> {
    if bytes.len() > limits.max_bytes {
        return Err(invalid(format!(
            "{name} är {} stor; högst {} läses in åt gången. Dela upp filen.",
            size(bytes.len() as u64),
            megabytes(limits.max_bytes as u64)
        )));
    }
    if name.to_lowercase().ends_with(".xlsx") {
        xlsx_rows(name, bytes, limits, deadline)
    } else {
        csv_rows(name, bytes, limits, deadline)
    }
}

/// [`rows_within`] with the table limits and their time budget.
pub fn rows(name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, TableError> {
    rows_within(name, bytes, &TABLE_LIMITS, Instant::now() + Duration::from_secs(TABLE_LIMITS.max_seconds))
}

/// How many files are read at the same time; others wait for their turn (up to [`QUEUE_WAIT`]).
const PARALLEL_READS: usize = 2;
const QUEUE_WAIT: Duration = Duration::from_secs(30);

fn readers() -> &'static tokio::sync::Semaphore {
    static SEM: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SEM.get_or_init(|| tokio::sync::Semaphore::new(PARALLEL_READS))
}

/// [`rows`] on a blocking thread, at most [`PARALLEL_READS`] at once, so that however large or
/// hostile a file is, the server keeps answering everyone else.
pub async fn read_off_thread(name: String, bytes: Vec<u8>) -> Result<Vec<Vec<String>>, TableError> {
    let busy = || TableError::Busy("Servern läser redan in andra filer. Försök igen om en stund.".to_owned());
    let permit =
        tokio::time::timeout(QUEUE_WAIT, readers().acquire()).await.map_err(|_| busy())?.map_err(|_| busy())?;
    let result = tokio::task::spawn_blocking(move || rows(&name, &bytes))
        .await
        .map_err(|e| invalid(format!("filen kunde inte läsas: {e}")))?;
    drop(permit);
    result
}

fn invalid(msg: String) -> TableError {
    TableError::Invalid(msg)
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 { megabytes(bytes) } else { format!("{} kB", bytes.div_ceil(1024)) }
}

fn too_slow(name: &str, limits: &FileLimits) -> TableError {
    invalid(format!(
        "{name} tog längre tid än {} sekunder att läsa och lästes inte in. Dela upp filen eller spara den som CSV.",
        limits.max_seconds
    ))
}

/// The column's letters as a spreadsheet shows them: 0 → A, 25 → Z, 26 → AA, 16383 → XFD.
pub fn column_name(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(char::from(b'A' + u8::try_from(col % 26).unwrap_or(0)));
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.iter().rev().collect()
}

fn too_many_rows(name: &str, limits: &FileLimits) -> TableError {
    invalid(format!(
        "{name} har fler än {} rader; dela upp den i flera filer och läs in dem var för sig.",
        grouped(limits.max_rows)
    ))
}

fn too_many_columns(name: &str, limits: &FileLimits, row: usize, col: u32) -> TableError {
    invalid(format!(
        "{name} har något i cell {}{row}, men högst {} kolumner (A–{}) läses; ta bort det som står till höger om tabellen.",
        column_name(col),
        limits.max_columns,
        column_name(u32::try_from(limits.max_columns.saturating_sub(1)).unwrap_or(0))
    ))
}

fn check_cell(name: &str, limits: &FileLimits, row: usize, col: u32, text: &str) -> Result<(), TableError> {
    let chars = text.chars().count();
    if chars > limits.max_cell_chars {
        return Err(invalid(format!(
            "{name}: cell {}{row} har {} tecken; högst {} tecken läses i en cell.",
            column_name(col),
            grouped(chars),
            grouped(limits.max_cell_chars)
        )));
    }
    Ok(())
}

/// A text file of comma- (or, as Swedish Excel saves it, semicolon-) separated values, in UTF-8.
fn csv_rows(name: &str, bytes: &[u8], limits: &FileLimits, deadline: Instant) -> Result<Vec<Vec<String>>, TableError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| invalid(format!("{name} är inte text i UTF-8 (spara CSV-filen som UTF-8)")))?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() { b';' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let row = i + 1;
        if row > limits.max_rows {
            return Err(too_many_rows(name, limits));
        }
        if row.is_multiple_of(4096) && Instant::now() > deadline {
            return Err(too_slow(name, limits));
        }
        let rec = rec.map_err(|e| invalid(format!("{name}: rad {row} kan inte läsas som CSV: {e}")))?;
        if let Some((col, _)) = rec.iter().enumerate().skip(limits.max_columns).find(|(_, c)| !c.trim().is_empty()) {
            return Err(too_many_columns(name, limits, row, u32::try_from(col).unwrap_or(u32::MAX)));
        }
        let mut cells = Vec::with_capacity(rec.len().min(limits.max_columns));
        for (col, c) in rec.iter().take(limits.max_columns).enumerate() {
            check_cell(name, limits, row, u32::try_from(col).unwrap_or(u32::MAX), c)?;
            cells.push(c.to_owned());
        }
        rows.push(cells);
    }
    Ok(rows)
}

/// Unpacks every part of the archive into nothing, counting, so that nothing later reads more than
/// the limits allow.
fn check_archive(name: &str, bytes: &[u8], limits: &FileLimits, deadline: Instant) -> Result<(), TableError> {
    let unreadable = |e: &dyn std::fmt::Display| invalid(format!("{name} kan inte läsas som Excel-fil: {e}"));
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    if zip.len() > limits.max_entries {
        return Err(invalid(format!(
            "{name} består av {} delar; en Excel-fil med en tabell har långt färre (högst {} läses).",
            grouped(zip.len()),
            grouped(limits.max_entries)
        )));
    }
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| unreadable(&e))?;
        let part_name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        let limit =
            if part_name.starts_with("xl/worksheets/") { limits.max_sheet_bytes } else { limits.max_part_bytes };
        let mut n: u64 = 0;
        loop {
            let read = part.read(&mut buf).map_err(|e| unreadable(&e))?;
            if read == 0 {
                break;
            }
            n += read as u64;
            total += read as u64;
            if n > limit || total > limits.max_expanded_bytes {
                return Err(invalid(format!(
                    "{name} packas upp till mer än {} ({part_name}); så stora Excel-filer läses inte in. Dela upp filen eller spara den som CSV.",
                    megabytes(if n > limit { limit } else { limits.max_expanded_bytes })
                )));
            }
            if Instant::now() > deadline {
                return Err(too_slow(name, limits));
            }
        }
    }
    Ok(())
}

fn cell_text(value: DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s,
        DataRef::SharedString(s) => s.to_owned(),
        DataRef::Float(f) => f.to_string(),
        DataRef::Int(i) => i.to_string(),
        // A date typed into Excel becomes a date cell: read it back as the date that was typed.
        DataRef::DateTime(d) if d.is_datetime() => {
            let (y, m, day, h, min, s, ms) = d.to_ymd_hms_milli();
            if (h, min, s, ms) == (0, 0, 0, 0) {
                format!("{y:04}-{m:02}-{day:02}")
            } else {
                format!("{y:04}-{m:02}-{day:02}T{h:02}:{min:02}")
            }
        }
        other => Data::from(other).to_string(),
    }
}

/// The first sheet of an Excel workbook, streamed cell by cell.
fn xlsx_rows(name: &str, bytes: &[u8], limits: &FileLimits, deadline: Instant) -> Result<Vec<Vec<String>>, TableError> {
    check_archive(name, bytes, limits, deadline)?;
    let mut wb: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| invalid(format!("{name} kan inte läsas som Excel-fil: {e}")))?;
    let sheet = wb.sheet_names().first().cloned().ok_or_else(|| invalid(format!("{name} har inget blad")))?;
    let unreadable = |e: calamine::XlsxError| invalid(format!("bladet {sheet} i {name} kan inte läsas: {e}"));
    let mut cells = wb.worksheet_cells_reader(&sheet).map_err(unreadable)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut n: usize = 0;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        n += 1;
        if n.is_multiple_of(4096) && Instant::now() > deadline {
            return Err(too_slow(name, limits));
        }
        let (r, c) = cell.get_position();
        let value = cell_text(cell.get_value().clone());
        if value.trim().is_empty() {
            continue;
        }
        let (row, col) = (usize::try_from(r).unwrap_or(usize::MAX), usize::try_from(c).unwrap_or(usize::MAX));
        if row >= limits.max_rows {
            return Err(too_many_rows(name, limits));
        }
        if col >= limits.max_columns {
            return Err(too_many_columns(name, limits, row.saturating_add(1), c));
        }
        check_cell(name, limits, row + 1, c, &value)?;
        if rows.len() <= row {
            rows.resize_with(row + 1, Vec::new);
        }
        let cells_of_row = &mut rows[row];
        if cells_of_row.len() <= col {
            cells_of_row.resize(col + 1, String::new());
        }
        cells_of_row[col] = value;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16383), "XFD");
    }

    #[test]
    fn csv_limits_and_delimiters() {
        let far = Instant::now() + Duration::from_secs(60);
        let rows = rows_within("a.csv", "\u{FEFF}indicator;value\nx;46,5\n".as_bytes(), &TABLE_LIMITS, far).unwrap();
        assert_eq!(rows, [vec!["indicator", "value"], vec!["x", "46,5"]]);
        let small = FileLimits { max_rows: 2, max_columns: 2, max_cell_chars: 3, ..TABLE_LIMITS };
        let e = rows_within("a.csv", b"a,b\nc,d\ne,f\n", &small, far).unwrap_err();
        assert!(e.to_string().contains("fler än 2 rader"), "{e}");
        let e = rows_within("a.csv", b"a,b,c\n", &small, far).unwrap_err();
        assert!(e.to_string().contains("cell C1"), "{e}");
        assert!(rows_within("a.csv", b"a,b,\n", &small, far).is_ok(), "an empty cell beyond the limit is no problem");
        let e = rows_within("a.csv", b"abcd\n", &small, far).unwrap_err();
        assert!(e.to_string().contains("cell A1 har 4 tecken"), "{e}");
        let e = rows_within("a.csv", &[0xff, 0xfe], &small, far).unwrap_err();
        assert!(e.to_string().contains("UTF-8"), "{e}");
        let big = vec![b'a'; TABLE_LIMITS.max_bytes + 1];
        let e = rows_within("a.csv", &big, &TABLE_LIMITS, far).unwrap_err();
        assert!(e.to_string().contains("högst 20 MB"), "{e}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

        /// Any bytes, named as either format, are read or refused: never a panic.
        #[test]
        fn any_file_is_read_or_refused(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096)) {
            let far = Instant::now() + Duration::from_secs(60);
            let _ = rows_within("a.csv", &bytes, &TABLE_LIMITS, far);
            let _ = rows_within("a.xlsx", &bytes, &TABLE_LIMITS, far);
            let mut zipped = b"PK\x03\x04".to_vec();
            zipped.extend_from_slice(&bytes);
            let _ = rows_within("a.xlsx", &zipped, &TABLE_LIMITS, far);
        }

        /// A table written as CSV reads back cell for cell.
        #[test]
        fn csv_tables_read_back(cells in proptest::collection::vec(proptest::collection::vec("[^\u{0}\u{feff}]{0,12}", 3), 1..20)) {
            let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
            w.write_record(["a", "b", "c"]).unwrap();
            for row in &cells {
                w.write_record(row).unwrap();
            }
            let bytes = w.into_inner().unwrap();
            let rows = rows_within("t.csv", &bytes, &TABLE_LIMITS, Instant::now() + Duration::from_secs(60)).unwrap();
            proptest::prop_assert_eq!(&rows[1..], &cells[..]);
        }
    }
}
