//! Backup, restore and a complete move between databases: every table, in one read transaction
//! (a consistent online snapshot — writers go on meanwhile, and every write committed before it
//! began is in it), written as JSON lines that either backend reads back, with a SHA-256 over all
//! of it. A restore checks the sum first, then writes everything in one transaction into an empty
//! database of the same schema: it is all there, or nothing is.
//!
//! The format: a first line `{"uppfolj_backup": 1, "schema": N, "backend": …, "taken_at": …}`;
//! per table a line `{"table": …, "columns": […], "rows": N}` and its rows as JSON arrays, parents
//! before the tables that point to them; a last line `{"end": true, "tables": T, "rows": R,
//! "sha256": …}` whose sum covers every byte before it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};

use sha2::Digest as _;
use sqlx::Row as _;
use time::OffsetDateTime;
use uppfolj_domain::ids::timestamp;

use super::{BACKEND, Conn, Db, StoreImpl, begin_write};
use crate::{Backend, BackupSummary, StoreError};

/// The backup format's version.
const FORMAT: i64 = 1;

/// Tables a backup leaves out: the migrations' own bookkeeping (the schema version is in the
/// first line instead).
const NOT_BACKED_UP: &[&str] = &["_sqlx_migrations"];

/// How a column's values are read and written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int32,
    Int64,
    Bool,
    Real,
    Bytes,
    Text,
}

fn kind_of(declared: &str) -> Kind {
    let t = declared.to_ascii_lowercase();
    match BACKEND {
        Backend::Sqlite => match t.as_str() {
            "integer" | "bigint" => Kind::Int64,
            "boolean" => Kind::Bool,
            "double precision" | "real" => Kind::Real,
            "blob" => Kind::Bytes,
            _ => Kind::Text,
        },
        Backend::Postgres => match t.as_str() {
            "integer" | "smallint" => Kind::Int32,
            "bigint" => Kind::Int64,
            "boolean" => Kind::Bool,
            "double precision" | "real" => Kind::Real,
            "bytea" => Kind::Bytes,
            _ => Kind::Text,
        },
    }
}

struct Table {
    name: String,
    columns: Vec<(String, Kind)>,
}

/// Every table of the schema with its columns, parents before the tables that point to them (ties
/// in name order), and the schema's version.
async fn schema(conn: &mut Conn) -> Result<(i64, Vec<Table>), StoreError> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(&mut *conn).await?;
    let (tables_sql, columns_sql, links_sql) = match BACKEND {
        Backend::Sqlite => (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
            "SELECT m.name AS child, f.\"table\" AS parent FROM sqlite_master m \
             JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
        ),
        Backend::Postgres => (
            "SELECT table_name::TEXT AS name FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' ORDER BY table_name",
            "SELECT column_name::TEXT AS name, data_type::TEXT AS type FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            "SELECT tc.table_name::TEXT AS child, ccu.table_name::TEXT AS parent \
             FROM information_schema.table_constraints tc JOIN information_schema.constraint_column_usage ccu \
             ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema \
             WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()",
        ),
    };
    let names: Vec<String> = sqlx::query_scalar(tables_sql).fetch_all(&mut *conn).await?;
    let names: Vec<String> = names.into_iter().filter(|n| !NOT_BACKED_UP.contains(&n.as_str())).collect();
    let mut parents: BTreeMap<String, BTreeSet<String>> = names.iter().map(|n| (n.clone(), BTreeSet::new())).collect();
    for r in sqlx::query(links_sql).fetch_all(&mut *conn).await? {
        let (child, parent): (String, String) = (r.try_get("child")?, r.try_get("parent")?);
        if child != parent
            && let Some(p) = parents.get_mut(&child)
        {
            p.insert(parent);
        }
    }
    // Parents first: each round takes, in name order, every table whose parents are all placed.
    let mut order: Vec<String> = Vec::new();
    while order.len() < names.len() {
        let ready: Vec<String> = parents
            .iter()
            .filter(|(n, ps)| !order.contains(n) && ps.iter().all(|p| order.contains(p) || !names.contains(p)))
            .map(|(n, _)| n.clone())
            .collect();
        if ready.is_empty() {
            return Err(StoreError::Corrupt("tabellernas främmande nycklar går i cirkel".to_owned()));
        }
        order.extend(ready);
    }
    let mut tables = Vec::with_capacity(order.len());
    for name in order {
        let columns = sqlx::query(columns_sql)
            .bind(&name)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get::<String, _>("name")?, kind_of(&r.try_get::<String, _>("type")?))))
            .collect::<Result<Vec<_>, StoreError>>()?;
        tables.push(Table { name, columns });
    }
    Ok((version.unwrap_or(0), tables))
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

/// One stored value as JSON.
fn value(r: &<Db as sqlx::Database>::Row, i: usize, kind: Kind) -> Result<serde_json::Value, StoreError> {
    use serde_json::Value as J;
    Ok(match kind {
        Kind::Int32 => r.try_get::<Option<i32>, _>(i)?.map_or(J::Null, J::from),
        Kind::Int64 => r.try_get::<Option<i64>, _>(i)?.map_or(J::Null, J::from),
        Kind::Bool => r.try_get::<Option<bool>, _>(i)?.map_or(J::Null, J::from),
        Kind::Real => r.try_get::<Option<f64>, _>(i)?.map_or(J::Null, J::from),
        Kind::Bytes => r.try_get::<Option<Vec<u8>>, _>(i)?.map_or(J::Null, |b| serde_json::json!({ "hex": hex(&b) })),
        Kind::Text => r.try_get::<Option<String>, _>(i)?.map_or(J::Null, J::from),
    })
}

/// Writes lines and keeps the sum of everything written.
struct Summed<'a> {
    out: &'a mut (dyn Write + Send),
    sum: sha2::Sha256,
}

impl Summed<'_> {
    fn line(&mut self, v: &serde_json::Value) -> Result<(), StoreError> {
        let mut text = v.to_string();
        text.push('\n');
        self.sum.update(text.as_bytes());
        self.out
            .write_all(text.as_bytes())
            .map_err(|e| StoreError::Invalid(format!("säkerhetskopian kunde inte skrivas: {e}")))
    }
}

/// Stops here when `UPPFOLJ_CRASH_AT` names `point` (tests kill the process there with SIGKILL):
/// says so on standard error and waits for ever.
pub(crate) async fn crash_point(point: &str) {
    if std::env::var("UPPFOLJ_CRASH_AT").is_ok_and(|p| p == point) {
        eprintln!("UPPFOLJ_CRASH_AT {point}");
        std::future::pending::<()>().await;
    }
}

#[async_trait::async_trait]
impl crate::Backups for StoreImpl {
    async fn backup(&self, out: &mut (dyn Write + Send), now: OffsetDateTime) -> Result<BackupSummary, StoreError> {
        let mut tx = super::begin_read(&self.pool).await?;
        // The snapshot begins with the first read (SQLite) or statement (PostgreSQL): this one.
        let (version, tables) = schema(&mut tx).await?;
        let mut w = Summed { out, sum: sha2::Sha256::new() };
        let backend = match BACKEND {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        w.line(&serde_json::json!({ "uppfolj_backup": FORMAT, "schema": version, "backend": backend, "taken_at": timestamp(now) }))?;
        let mut rows_total = 0u64;
        for (n, t) in tables.iter().enumerate() {
            if n == tables.len() / 2 {
                crash_point("backup").await;
            }
            let names: Vec<String> = t.columns.iter().map(|(c, _)| quoted(c)).collect();
            let order: Vec<String> = (1..=t.columns.len()).map(|i| i.to_string()).collect();
            let sql = format!("SELECT {} FROM {} ORDER BY {}", names.join(", "), quoted(&t.name), order.join(", "));
            let rows = sqlx::query(&sql).fetch_all(&mut *tx).await?;
            let columns: Vec<&str> = t.columns.iter().map(|(c, _)| c.as_str()).collect();
            w.line(&serde_json::json!({ "table": t.name, "columns": columns, "rows": rows.len() }))?;
            for r in &rows {
                let values = t.columns.iter().enumerate().map(|(i, (_, kind))| value(r, i, *kind)).collect::<Result<
                    Vec<_>,
                    StoreError,
                >>(
                )?;
                w.line(&serde_json::Value::Array(values))?;
            }
            rows_total += rows.len() as u64;
        }
        tx.commit().await?;
        let sum = hex(&w.sum.clone().finalize());
        let end = serde_json::json!({ "end": true, "tables": tables.len(), "rows": rows_total, "sha256": sum });
        let mut text = end.to_string();
        text.push('\n');
        w.out
            .write_all(text.as_bytes())
            .map_err(|e| StoreError::Invalid(format!("säkerhetskopian kunde inte skrivas: {e}")))?;
        Ok(BackupSummary { schema: version, tables: tables.len(), rows: rows_total, sha256: sum })
    }

    async fn restore(&self, file: &std::path::Path) -> Result<BackupSummary, StoreError> {
        let summary = verify(file)?;
        let mut tx = begin_write(&self.pool).await?;
        let (version, tables) = schema(&mut tx).await?;
        if version != summary.schema {
            return Err(StoreError::Invalid(format!(
                "säkerhetskopian är gjord med databasschema {}, den här databasen har schema {version}: \
                 återställ med den version av Uppfölj som gjorde kopian och uppgradera sedan",
                summary.schema
            )));
        }
        for t in &tables {
            if t.name == "health_checks" {
                continue;
            }
            let n: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quoted(&t.name))).fetch_one(&mut *tx).await?;
            if n > 0 {
                return Err(StoreError::Conflict(format!(
                    "databasen är inte tom (tabellen {} har {n} rader): återställ till en ny, tom databas",
                    t.name
                )));
            }
        }
        // The migrations' own row goes; the backup's comes instead.
        sqlx::query("DELETE FROM health_checks").execute(&mut *tx).await?;
        let by_name: BTreeMap<&str, &Table> = tables.iter().map(|t| (t.name.as_str(), t)).collect();
        let reader = std::io::BufReader::new(open(file)?);
        let mut lines = reader.lines().skip(1);
        let mut done = 0usize;
        loop {
            let Some(head) = lines.next().transpose().map_err(read_error)? else { break };
            let head: serde_json::Value = serde_json::from_str(&head).map_err(|e| bad(&e.to_string()))?;
            if head.get("end").is_some() {
                break;
            }
            let name =
                head.get("table").and_then(serde_json::Value::as_str).ok_or_else(|| bad("en tabell saknar namn"))?;
            let table =
                by_name.get(name).ok_or_else(|| bad(&format!("tabellen {name} finns inte i den här databasen")))?;
            let columns: Vec<String> = head
                .get("columns")
                .and_then(serde_json::Value::as_array)
                .ok_or_else(|| bad(name))?
                .iter()
                .map(|c| c.as_str().map(str::to_owned).ok_or_else(|| bad(name)))
                .collect::<Result<_, _>>()?;
            let kinds: Vec<Kind> = columns
                .iter()
                .map(|c| {
                    table
                        .columns
                        .iter()
                        .find(|(n, _)| n == c)
                        .map(|(_, k)| *k)
                        .ok_or_else(|| bad(&format!("kolumnen {name}.{c} finns inte i den här databasen")))
                })
                .collect::<Result<_, _>>()?;
            let count = head.get("rows").and_then(serde_json::Value::as_u64).ok_or_else(|| bad(name))?;
            let per_batch = (900 / columns.len().max(1)).max(1);
            let mut batch: Vec<Vec<serde_json::Value>> = Vec::with_capacity(per_batch);
            for _ in 0..count {
                let line = lines.next().transpose().map_err(read_error)?.ok_or_else(|| bad("filen tar slut"))?;
                let row: Vec<serde_json::Value> = serde_json::from_str(&line).map_err(|e| bad(&e.to_string()))?;
                if row.len() != columns.len() {
                    return Err(bad(&format!("en rad i {name} har {} värden, inte {}", row.len(), columns.len())));
                }
                batch.push(row);
                if batch.len() == per_batch {
                    insert(&mut tx, name, &columns, &kinds, &batch).await?;
                    batch.clear();
                }
            }
            if !batch.is_empty() {
                insert(&mut tx, name, &columns, &kinds, &batch).await?;
            }
            done += 1;
            if done == tables.len() / 2 {
                crash_point("restore").await;
            }
        }
        if BACKEND == Backend::Postgres {
            // Identity columns go on after the highest id restored.
            let identities = sqlx::query(
                "SELECT table_name::TEXT AS t, column_name::TEXT AS c FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND is_identity = 'YES'",
            )
            .fetch_all(&mut *tx)
            .await?;
            for r in &identities {
                let (t, c): (String, String) = (r.try_get("t")?, r.try_get("c")?);
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX({}) FROM {}), 0) + 1, false)",
                    quoted(&c),
                    quoted(&t)
                );
                sqlx::query(&sql).bind(&t).bind(&c).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(summary)
    }
}

fn bad(what: &str) -> StoreError {
    StoreError::Invalid(format!("säkerhetskopian kan inte läsas: {what}"))
}

fn read_error(e: std::io::Error) -> StoreError {
    StoreError::Invalid(format!("säkerhetskopian kunde inte läsas: {e}"))
}

fn open(file: &std::path::Path) -> Result<std::fs::File, StoreError> {
    std::fs::File::open(file).map_err(|e| StoreError::Invalid(format!("{}: {e}", file.display())))
}

/// Checks a backup file whole before anything is written: its first line, and the SHA-256 of every
/// byte before its last line against the sum that line gives.
pub(crate) fn verify(file: &std::path::Path) -> Result<BackupSummary, StoreError> {
    let mut reader = std::io::BufReader::new(open(file)?);
    let mut sum = sha2::Sha256::new();
    let (mut first, mut last) = (None::<serde_json::Value>, None::<serde_json::Value>);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).map_err(read_error)? == 0 {
            break;
        }
        if let Some(end) = &last {
            // A line after the end: the file was put together from more than one.
            return Err(bad(&format!("det finns text efter slutraden {end}")));
        }
        if line.starts_with("{\"end\":") {
            last = Some(serde_json::from_str(line.trim_end()).map_err(|e| bad(&e.to_string()))?);
            continue;
        }
        if first.is_none() {
            first = Some(
                serde_json::from_str(line.trim_end()).map_err(|_| bad("det är ingen säkerhetskopia från Uppfölj"))?,
            );
        }
        sum.update(line.as_bytes());
    }
    let first = first.ok_or_else(|| bad("filen är tom"))?;
    if first.get("uppfolj_backup").and_then(serde_json::Value::as_i64) != Some(FORMAT) {
        return Err(bad("det är ingen säkerhetskopia från Uppfölj (eller av ett format den här versionen inte kan)"));
    }
    let last = last.ok_or_else(|| bad("slutraden saknas: kopian blev inte färdig"))?;
    let said = last.get("sha256").and_then(serde_json::Value::as_str).unwrap_or_default();
    let got = hex(&sum.finalize());
    if said != got {
        return Err(bad(&format!(
            "kontrollsumman stämmer inte (filen säger {said}, innehållet ger {got}): filen är ändrad eller skadad"
        )));
    }
    Ok(BackupSummary {
        schema: first.get("schema").and_then(serde_json::Value::as_i64).unwrap_or(0),
        tables: last.get("tables").and_then(serde_json::Value::as_u64).unwrap_or(0) as usize,
        rows: last.get("rows").and_then(serde_json::Value::as_u64).unwrap_or(0),
        sha256: got,
    })
}

/// Inserts `rows` into `table`, each value as the destination's column takes it.
async fn insert(
    tx: &mut super::Tx<'_>,
    table: &str,
    columns: &[String],
    kinds: &[Kind],
    rows: &[Vec<serde_json::Value>],
) -> Result<(), StoreError> {
    let names: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
    let overriding = if BACKEND == Backend::Postgres { " OVERRIDING SYSTEM VALUE" } else { "" };
    let mut q =
        sqlx::QueryBuilder::<Db>::new(format!("INSERT INTO {} ({}){overriding} ", quoted(table), names.join(", ")));
    let wrong = |c: &str, v: &serde_json::Value| bad(&format!("{table}.{c}: värdet {v} passar inte"));
    let mut problem = None;
    q.push_values(rows, |mut b, row| {
        for ((v, kind), c) in row.iter().zip(kinds).zip(columns) {
            let fits = match (kind, v) {
                (_, serde_json::Value::Null) => {
                    match kind {
                        Kind::Int32 => _ = b.push_bind(None::<i32>),
                        Kind::Int64 => _ = b.push_bind(None::<i64>),
                        Kind::Bool => _ = b.push_bind(None::<bool>),
                        Kind::Real => _ = b.push_bind(None::<f64>),
                        Kind::Bytes => _ = b.push_bind(None::<Vec<u8>>),
                        Kind::Text => _ = b.push_bind(None::<String>),
                    }
                    true
                }
                (Kind::Int32, serde_json::Value::Number(n)) => {
                    n.as_i64().and_then(|n| i32::try_from(n).ok()).map(|n| _ = b.push_bind(n)).is_some()
                }
                (Kind::Int64, serde_json::Value::Number(n)) => n.as_i64().map(|n| _ = b.push_bind(n)).is_some(),
                (Kind::Bool, serde_json::Value::Bool(x)) => {
                    b.push_bind(*x);
                    true
                }
                (Kind::Bool, serde_json::Value::Number(n)) => n.as_i64().map(|n| _ = b.push_bind(n != 0)).is_some(),
                (Kind::Real, serde_json::Value::Number(n)) => n.as_f64().map(|n| _ = b.push_bind(n)).is_some(),
                (Kind::Bytes, serde_json::Value::Object(o)) => o
                    .get("hex")
                    .and_then(serde_json::Value::as_str)
                    .and_then(unhex)
                    .map(|x| _ = b.push_bind(x))
                    .is_some(),
                (Kind::Text, serde_json::Value::String(s)) => {
                    b.push_bind(s.clone());
                    true
                }
                _ => false,
            };
            if !fits && problem.is_none() {
                problem = Some(wrong(c, v));
                b.push_bind(None::<String>);
            }
        }
    });
    if let Some(p) = problem {
        return Err(p);
    }
    q.build().execute(&mut **tx).await?;
    Ok(())
}
