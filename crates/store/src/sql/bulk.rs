//! Many rows into one table in one go: an import's assessments and audit events, indicator values,
//! staged rows. Rows are collected as plain values ([`Rows`]) and written by the backend's fastest
//! way ([`insert`]): multi-row `INSERT` statements of [`BATCH_ROWS`] rows, and on PostgreSQL, from
//! [`COPY_FROM`] rows on, one `COPY … FROM STDIN` (a national import writes its 117 600 assessments
//! and their events about twice as fast that way: no statement to parse and no parameters to bind
//! per row). The SQL of each way is here; the backend only says which it has.

use super::versioned::BATCH_ROWS;
use super::{BACKEND, Conn, Db};
use crate::StoreError;

/// From how many rows PostgreSQL is sent `COPY` instead of `INSERT`: below it the extra round trip
/// of `COPY` costs more than the statement it saves.
const COPY_FROM: usize = 64;

/// One value of a row. Integers keep their width: the same statement text may be prepared by
/// another write too, and PostgreSQL's prepared statement has the parameter types of its first use.
#[derive(Clone, Copy, Debug)]
pub(super) enum Val<'a> {
    Int(Option<i64>),
    Int32(Option<i32>),
    Float(Option<f64>),
    Text(Option<&'a str>),
}

impl From<i64> for Val<'_> {
    fn from(v: i64) -> Self {
        Val::Int(Some(v))
    }
}
impl From<i32> for Val<'_> {
    fn from(v: i32) -> Self {
        Val::Int32(Some(v))
    }
}
impl From<Option<i64>> for Val<'_> {
    fn from(v: Option<i64>) -> Self {
        Val::Int(v)
    }
}
impl From<f64> for Val<'_> {
    fn from(v: f64) -> Self {
        Val::Float(Some(v))
    }
}
impl From<Option<f64>> for Val<'_> {
    fn from(v: Option<f64>) -> Self {
        Val::Float(v)
    }
}
impl<'a> From<&'a str> for Val<'a> {
    fn from(v: &'a str) -> Self {
        Val::Text(Some(v))
    }
}
impl<'a> From<Option<&'a str>> for Val<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Val::Text(v)
    }
}

/// Rows for `table`, each with a value per column in `columns`' order.
pub(super) struct Rows<'a> {
    table: &'static str,
    columns: &'static [&'static str],
    values: Vec<Val<'a>>,
}

impl<'a> Rows<'a> {
    pub(super) fn new(table: &'static str, columns: &'static [&'static str]) -> Rows<'a> {
        Rows { table, columns, values: Vec::new() }
    }

    /// Adds a row. Panics in tests (and is refused in [`insert`]) when it has the wrong number of values.
    pub(super) fn push<const N: usize>(&mut self, row: [Val<'a>; N]) {
        debug_assert_eq!(N, self.columns.len(), "a row of {} has {} columns", self.table, self.columns.len());
        self.values.extend(row);
    }

    pub(super) fn len(&self) -> usize {
        self.values.len() / self.columns.len().max(1)
    }

    fn rows(&self) -> impl Iterator<Item = &[Val<'a>]> {
        self.values.chunks(self.columns.len().max(1))
    }
}

/// Writes `rows` on `conn` (in the caller's transaction): all of them, or an error.
pub(super) async fn insert(conn: &mut Conn, rows: &Rows<'_>) -> Result<(), StoreError> {
    if rows.columns.is_empty() || !rows.values.len().is_multiple_of(rows.columns.len()) {
        return Err(StoreError::Corrupt(format!("rader till {} med fel antal värden", rows.table)));
    }
    if rows.values.is_empty() {
        return Ok(());
    }
    if BACKEND == crate::Backend::Postgres && rows.len() >= COPY_FROM {
        let written = super::super::copy_in(conn, &copy_statement(rows), &copy_text(rows)).await?;
        if usize::try_from(written).ok() != Some(rows.len()) {
            return Err(StoreError::Corrupt(format!("{} rader till {} blev {written}", rows.len(), rows.table)));
        }
        return Ok(());
    }
    let per_statement = BATCH_ROWS.min(30_000 / rows.columns.len()).max(1);
    let all: Vec<&[Val<'_>]> = rows.rows().collect();
    for chunk in all.chunks(per_statement) {
        let mut q = sqlx::QueryBuilder::<Db>::new(format!("INSERT INTO {} ({}) ", rows.table, rows.columns.join(", ")));
        q.push_values(chunk, |mut b, row| {
            for v in *row {
                match *v {
                    Val::Int(i) => b.push_bind(i),
                    Val::Int32(i) => b.push_bind(i),
                    Val::Float(f) => b.push_bind(f),
                    Val::Text(t) => b.push_bind(t),
                };
            }
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

fn copy_statement(rows: &Rows<'_>) -> String {
    format!("COPY {} ({}) FROM STDIN", rows.table, rows.columns.join(", "))
}

/// The rows in `COPY`'s text format: tab between values, newline after each row, `\N` for null,
/// and backslash, tab, newline and carriage return escaped inside a text.
fn copy_text(rows: &Rows<'_>) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(rows.values.len() * 16);
    for row in rows.rows() {
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                out.push('\t');
            }
            match *v {
                Val::Int(Some(n)) => {
                    let _ = write!(out, "{n}");
                }
                Val::Int32(Some(n)) => {
                    let _ = write!(out, "{n}");
                }
                Val::Float(Some(f)) => {
                    let _ = write!(out, "{f:?}");
                }
                Val::Text(Some(t)) => escape_into(&mut out, t),
                Val::Int(None) | Val::Int32(None) | Val::Float(None) | Val::Text(None) => out.push_str("\\N"),
            }
        }
        out.push('\n');
    }
    out.into_bytes()
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_copy_reads_as_syntax() {
        let mut rows = Rows::new("t", &["a", "b", "c"]);
        rows.push([Val::from(7i64), Val::from("tab\there\\ and\r\nnew line"), Val::Text(None)]);
        rows.push([Val::Int32(None), Val::from(""), Val::from(0.1f64)]);
        rows.push([Val::from(-3i32), Val::from("ö"), Val::Float(None)]);
        let text = String::from_utf8(copy_text(&rows)).unwrap();
        assert_eq!(text, "7\ttab\\there\\\\ and\\r\\nnew line\t\\N\n\\N\t\t0.1\n-3\tö\t\\N\n");
        assert_eq!(rows.len(), 3);
        assert_eq!(copy_statement(&rows), "COPY t (a, b, c) FROM STDIN");
    }
}
