//! Backup, restore and copy, and that nothing half-written stays: a backup taken while 16 writers
//! write restores to a whole database holding every write acknowledged before it began; `copy`
//! moves everything from SQLite to PostgreSQL and back; the process killed with SIGKILL in the
//! middle of an import, a publication, a backup, a restore and a copy leaves the database exactly
//! as before (or after).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

/// The tables of a backup file, without the lines that name when and where it was taken: what two
/// databases holding the same data have alike.
fn tables_of(file: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("backup");
    text.lines().skip(1).filter(|l| !l.starts_with("{\"end\":")).map(str::to_owned).collect()
}

/// Whether SQLite finds its file whole (PostgreSQL: always; it has no such check).
async fn intact(db: &TestDb) {
    if db.url.starts_with("sqlite:") {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.expect("connect");
        let said: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut c).await.expect("check");
        assert_eq!(said, "ok", "PRAGMA integrity_check");
    }
}

/// Runs `uppfolj args` with `UPPFOLJ_CRASH_AT=point`, waits until it stops there (inside the
/// transaction, or the backup half written) and kills it with SIGKILL.
fn killed_at(db: &TestDb, point: &str, args: &[&str]) {
    let mut child = Command::new(BIN)
        .arg("--database")
        .arg(&db.url)
        .args(args)
        .env("UPPFOLJ_CRASH_AT", point)
        .env("UPPFOLJ_LOG", "warn")
        .env_remove("UPPFOLJ_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run uppfolj");
    let stderr = child.stderr.take().expect("stderr");
    let mut seen = String::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("stderr");
        seen.push_str(&line);
        seen.push('\n');
        if line == format!("UPPFOLJ_CRASH_AT {point}") {
            child.kill().expect("SIGKILL");
            child.wait().expect("wait");
            return;
        }
    }
    let _ = child.wait();
    panic!("uppfolj {args:?} ended without reaching {point}:\n{seen}");
}

async fn counts(db: &TestDb) -> Vec<i64> {
    let mut out = Vec::new();
    for t in ["plans", "rounds", "assessments", "editions", "audit_events", "users"] {
        out.push(sql_count(db, &format!("SELECT COUNT(*) FROM {t}"), &[]).await);
    }
    out
}

both_backends!(alone a_backup_taken_while_sixteen_write_holds_every_acknowledged_write, |backend| under_writers(backend));

async fn under_writers(backend: Backend) {
    const WRITERS: usize = 16;
    let app = workflow_app(backend).await;
    let rcc = token(&app.db, "rcc");
    let cells: Vec<String> = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "2.1", "2.2", "2.3", "2.4"]
        .iter()
        .flat_map(|g| ["RN", "RV"].map(|r| (g.to_string(), r)))
        .take(WRITERS)
        .map(|(g, r)| format!("/api/v1/rounds/{PLAN}/2025/goals/{g}/regions/{r}"))
        .collect();
    let started = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        let (client, url, token) = (app.client.clone(), format!("{}{cell}", app.address), rcc.clone());
        let (started, stop) = (started.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            // The last write acknowledged before the backup began, and the last of all.
            let (mut before, mut n) = (0, 0);
            while !stop.load(Ordering::SeqCst) {
                let body =
                    json!({"level": "P", "comment": format!("skribent {i} skrivning {}", n + 1), "version": n + 1});
                let r = client.put(&url).bearer_auth(&token).json(&body).send().await.expect("PUT");
                match r.status().as_u16() {
                    200 => {
                        n += 1;
                        // Acknowledged before the backup was started: committed before it began.
                        if !started.load(Ordering::SeqCst) {
                            before = n;
                        }
                    }
                    503 => continue,
                    other => panic!("writer {i}: {other}: {}", r.text().await.unwrap_or_default()),
                }
            }
            (before, n)
        }));
    }
    // Some writes first, then the backup while they go on.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("kopia.jsonl");
    started.store(true, Ordering::SeqCst);
    let out = tokio::task::spawn_blocking({
        let (url, file) = (app.db.url.clone(), file.clone());
        move || {
            Command::new(BIN).args(["--database", &url, "backup", "-o"]).arg(&file).env("UPPFOLJ_LOG", "warn").output()
        }
    })
    .await
    .expect("task")
    .expect("uppfolj backup");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    let mut written = Vec::new();
    for w in writers {
        written.push(w.await.expect("writer"));
    }
    assert!(written.iter().all(|(before, _)| *before > 0), "every writer wrote before the backup: {written:?}");
    assert!(written.iter().any(|(before, all)| all > before), "and during it: {written:?}");
    let sha = String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or("").to_owned();
    assert_eq!(sha.len(), 64, "the checksum printed");

    // Restored into an empty database: whole, with every write acknowledged before the backup.
    let restored = TestDb::new(backend).await;
    cli_ok(&restored, &["restore", file.to_str().expect("path")]);
    intact(&restored).await;
    for (i, (before, all)) in written.iter().enumerate() {
        let (goal, region) = {
            let parts: Vec<&str> = cells[i].split('/').collect();
            (parts[7].to_owned(), parts[9].to_owned())
        };
        let (area, number) = goal.split_once('.').expect("goal");
        let comment = sql_text(
            &restored,
            &format!(
                "SELECT s.comment FROM assessments s JOIN goals g ON g.id = s.goal_id JOIN areas a ON a.id = g.area_id \
                 JOIN regions r ON r.id = s.region_id JOIN rounds o ON o.id = s.round_id \
                 WHERE o.year = 2025 AND a.number = {area} AND g.number = {number} AND r.code = '{region}'"
            ),
        )
        .await;
        let kept: i64 = comment.rsplit(' ').next().and_then(|n| n.parse().ok()).expect("a writer's comment");
        assert!(kept >= *before && kept <= *all, "writer {i}: {before} acknowledged before, {kept} kept, {all} in all");
        let history = sql_count(
            &restored,
            "SELECT COUNT(*) FROM audit_events WHERE field = 'comment' AND new_value LIKE $1",
            &[&format!("skribent {i} skrivning %")],
        )
        .await;
        assert_eq!(history, kept, "writer {i}: the history of every write kept");
    }
    // A second restore into the same database is refused: it is not empty.
    let again = cli(&restored, &["restore", file.to_str().expect("path")]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("inte tom"), "{}", stderr(&again));
}

both_backends!(copy_moves_everything_to_the_other_backend_and_back, |backend| copied(backend));

async fn copied(backend: Backend) {
    let other = if backend == Backend::Sqlite { Backend::Postgres } else { Backend::Sqlite };
    let app = workflow_app(backend).await;
    // Something of everything: a token, a saved cell, an action plan entry, a second edition.
    let rcc = token(&app.db, "rcc");
    let cell = format!("{}/api/v1/rounds/{PLAN}/2025/goals/1.1/regions/RN", app.address);
    let r = app
        .client
        .put(&cell)
        .bearer_auth(&rcc)
        .json(&json!({"level": "U", "comment": "Klart.", "version": 1}))
        .send()
        .await;
    assert_eq!(r.expect("PUT").status(), 200);
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    let entry = [("own_goal", "Utbilda alla kontaktsjuksköterskor"), ("current_state", "Påbörjat"), ("version", "0")];
    let r = rn.post(&format!("/planer/{PLAN}/handlingsplaner/RN/mal/2.1"), &entry).await;
    assert!(r.status().is_redirection(), "the action plan entry: {}", r.status());
    cli_ok(&app.db, &["round", "reopen", "--plan", PLAN, "--year", "2024", "--reason", "Rättelse"]);
    cli_ok(&app.db, &["round", "publish", "--plan", PLAN, "--year", "2024", "--force"]);
    let db = app.into_db();

    let there = TestDb::new(other).await;
    let back = TestDb::new(backend).await;
    cli_ok(&db, &["copy", "--from", &db.url, "--to", &there.url]);
    cli_ok(&db, &["copy", "--from", &there.url, "--to", &back.url]);
    intact(&back).await;
    // The same tables, row for row, in all three.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut dumps = Vec::new();
    for (name, d) in [("a", &db), ("b", &there), ("c", &back)] {
        let file = dir.path().join(format!("{name}.jsonl"));
        cli_ok(d, &["backup", "-o", file.to_str().expect("path")]);
        dumps.push(tables_of(&file));
    }
    assert!(dumps[0].len() > 600, "a whole database");
    for (i, d) in dumps.iter().enumerate().skip(1) {
        let differing: Vec<_> = dumps[0].iter().zip(d).filter(|(a, b)| a != b).take(3).collect();
        assert!(differing.is_empty() && dumps[0].len() == d.len(), "copy {i} differs: {differing:?}");
    }
    // Exports and histories alike, and the accounts sign in with their passwords.
    for args in [
        vec!["export", "data", "--plan", PLAN],
        vec!["export", "goal-history", "--plan", PLAN, "--goal", "1.1"],
        vec!["export", "levels", "--plan", PLAN, "--year", "2025"],
    ] {
        assert_eq!(cli_ok(&there, &args), cli_ok(&db, &args), "{args:?}");
    }
    let moved = TestApp::spawn_env(there, &[], "127.0.0.1:0", &[]);
    let mut b = Browser::new(&moved);
    b.login("rn").await;
    let levels = format!("{}/api/v1/rounds/{PLAN}/2025/levels", moved.address);
    let r = moved.client.get(&levels).bearer_auth(&rcc).send().await.expect("GET");
    assert_eq!(r.status(), 200, "the API token moved too");
    let page = b.page(&format!("/planer/{PLAN}/2024")).await;
    assert!(page.contains("Du ser utgåva 2") && page.contains("Rättelse"), "the editions moved: {page}");
    // A new row on the other side gets a new id (the identity columns go on after the copied ones).
    let mut rcc_browser = Browser::new(&moved);
    rcc_browser.login("rcc").await;
    let value = [("indicator", "svf-ledtid"), ("region", "RN"), ("period", "2030"), ("value", "50"), ("extracted", "")];
    assert_eq!(rcc_browser.post(&format!("/planer/{PLAN}/2025/indikatorer/varden"), &value).await.status(), 303);
}

both_backends!(alone nothing_half_written_stays_after_kill_9, |backend| killed(backend));

async fn killed(backend: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    // An import killed inside its transaction: nothing of it; run again, all of it.
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["migrate"]);
    let empty = counts(&db).await;
    killed_at(&db, "import", &["import", DEMO_PATH]);
    intact(&db).await;
    assert_eq!(counts(&db).await, empty, "exactly before the import");
    cli_ok(&db, &["import", DEMO_PATH]);
    add_cast(&db);
    cli_ok(&db, &["round", "open", "--plan", PLAN, "--year", "2025", "--deadline", "2026-03-31"]);

    // A publication killed after its edition was written, before the commit.
    let before = counts(&db).await;
    killed_at(&db, "publish", &["round", "publish", "--plan", PLAN, "--year", "2025", "--force"]);
    intact(&db).await;
    assert_eq!(counts(&db).await, before, "exactly before the publication");
    let open = sql_count(&db, "SELECT COUNT(*) FROM rounds WHERE year = 2025 AND status = 'open'", &[]).await;
    assert_eq!(open, 1, "still open");
    cli_ok(&db, &["round", "publish", "--plan", PLAN, "--year", "2025", "--force"]);
    let after = counts(&db).await;
    assert_eq!(after[3], before[3] + 1, "its edition, once");

    // A backup killed half way: no file that looks whole; the partial one is refused.
    let file = dir.path().join("kopia.jsonl");
    killed_at(&db, "backup", &["backup", "-o", file.to_str().expect("path")]);
    assert!(!file.exists(), "no backup file from a backup cut short");
    let partial = dir.path().join("kopia.jsonl.ofullständig");
    assert!(partial.exists());
    let target = TestDb::new(backend).await;
    let refused = cli(&target, &["restore", partial.to_str().expect("path")]);
    assert!(!refused.status.success() && stderr(&refused).contains("slutraden saknas"), "{}", stderr(&refused));
    assert_eq!(counts(&db).await, after, "the database untouched");
    cli_ok(&db, &["backup", "-o", file.to_str().expect("path")]);

    // A restore and a copy killed half way through their tables: the target stays empty.
    let empty_target = counts(&target).await;
    killed_at(&target, "restore", &["restore", file.to_str().expect("path")]);
    intact(&target).await;
    assert_eq!(counts(&target).await, empty_target, "exactly before the restore");
    cli_ok(&target, &["restore", file.to_str().expect("path")]);
    assert_eq!(counts(&target).await, after, "and then all of it");
    let copy_target = TestDb::new(backend).await;
    cli_ok(&copy_target, &["migrate"]);
    let empty_copy = counts(&copy_target).await;
    killed_at(&db, "restore", &["copy", "--from", &db.url, "--to", &copy_target.url]);
    intact(&copy_target).await;
    assert_eq!(counts(&copy_target).await, empty_copy, "exactly before the copy");
    cli_ok(&db, &["copy", "--from", &db.url, "--to", &copy_target.url]);
    assert_eq!(counts(&copy_target).await, after);
}
