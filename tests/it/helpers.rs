//! Spawning the real app: every test gets its own database (a temporary SQLite file, or a fresh
//! PostgreSQL database on the server at `UPPFOLJ_TEST_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and runs the `uppfolj` binary against it.
//! Set `UPPFOLJ_TEST_LOG=1` to see the app's logs.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_uppfolj");
pub const DEMO_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/norr-2022-2024.toml");
pub const PLAN: &str = "norr-2022-2024";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One test's own database; removed again when dropped.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

fn pg_admin_url() -> String {
    std::env::var("UPPFOLJ_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

impl TestDb {
    /// The same database for a second process; the first one removes it.
    pub fn alias(&self) -> TestDb {
        TestDb { url: self.url.clone(), _dir: None, pg: None }
    }

    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDb { url, _dir: Some(dir), pg: None }
            }
            Backend::Postgres => {
                use sqlx::Connection;
                let admin = pg_admin_url();
                let name = format!("uppfolj_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL at {admin} is needed for the postgres tests (set UPPFOLJ_TEST_PG_URL): {e}")
                });
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create database");
                conn.close().await.ok();
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap_or(admin.clone());
                TestDb { url: format!("{base}/{name}"), _dir: None, pg: Some((admin, name)) }
            }
        }
    }
}

impl TestDb {
    /// The same SQLite database, opened read-only.
    pub fn read_only(mut self) -> TestDb {
        self.url = format!("{}?mode=ro", self.url);
        self
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            // Drop is synchronous; drop the database from a thread with its own small runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async {
                    use sqlx::Connection;
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await;
                    }
                });
            })
            .join();
        }
    }
}

/// Runs the CLI against a database.
pub fn cli(db: &TestDb, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--database")
        .arg(&db.url)
        .args(args)
        .env("UPPFOLJ_LOG", "warn")
        .env_remove("UPPFOLJ_DATABASE_URL")
        .output()
        .expect("run uppfolj")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs the CLI and insists that it succeeds.
pub fn cli_ok(db: &TestDb, args: &[&str]) -> String {
    let o = cli(db, args);
    assert!(o.status.success(), "uppfolj {args:?} failed:\n{}", stderr(&o));
    stdout(&o)
}

/// The app running on a free port with its own database.
pub struct TestApp {
    pub address: String,
    /// Kept until the app has stopped (fields drop after `Drop::drop`), then removed.
    #[allow(dead_code)]
    pub db: TestDb,
    pub client: reqwest::Client,
    child: Child,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        let db = TestDb::new(backend).await;
        TestApp::spawn_with(db, &["--demo"])
    }

    pub fn spawn_with(db: TestDb, extra: &[&str]) -> TestApp {
        TestApp::spawn_env(db, extra, "127.0.0.1:0", &[])
    }

    /// The app listening on `listen`, with `env` set (single sign-on's settings, say).
    pub fn spawn_env(db: TestDb, extra: &[&str], listen: &str, env: &[(&str, &str)]) -> TestApp {
        let log = std::env::var_os("UPPFOLJ_TEST_LOG").is_some();
        let mut child = Command::new(BIN)
            .arg("--database")
            .arg(&db.url)
            .args(["serve", "--listen", listen])
            .args(extra)
            .envs(env.iter().copied())
            .env("UPPFOLJ_LOG", if log { "info" } else { "error" })
            .stdout(Stdio::piped())
            .stderr(if log { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .expect("start uppfolj serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(60)).expect("the app printed its address");
        let address = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|a| a.starts_with("http://"))
            .unwrap_or_else(|| panic!("unexpected first line from the app: {line:?}"))
            .to_owned();
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        TestApp { address, db, client, child }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.address)).send().await.expect("request")
    }

    /// GET that must answer 200; returns the body.
    pub async fn page(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.text().await.expect("body")
    }
}

impl TestApp {
    /// Stops the app and hands back its database, e.g. to start the app again on it.
    pub fn into_db(mut self) -> TestDb {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let db = TestDb { url: self.db.url.clone(), _dir: self.db._dir.take(), pg: self.db.pg.take() };
        drop(self);
        db
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The machine the tests share. Every `both_backends!` test holds it shared; a test that measures how
/// long other users wait (`both_backends!(alone name, …)`) holds it alone, so that what it measures
/// is the server under its own load, not thirty other tests on the same two cores.
pub static MACHINE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// Before a test that runs alone: what earlier tests left unwritten goes to the disk now, so that the
/// first commit the test measures does not wait for their writes as well.
pub fn settle(lock: &str) {
    if lock == "write" {
        let _ = Command::new("sync").status();
    }
}

/// Declares a test that runs once against SQLite and once against PostgreSQL:
/// `both_backends!(name, |backend| async move { … });` — `both_backends!(alone name, …)` for one
/// that runs while no other such test does.
#[macro_export]
macro_rules! both_backends {
    (alone $name:ident, |$backend:ident| $body:expr) => {
        $crate::both_backends!(@ write, $name, |$backend| $body);
    };
    ($name:ident, |$backend:ident| $body:expr) => {
        $crate::both_backends!(@ read, $name, |$backend| $body);
    };
    (@ $lock:ident, $name:ident, |$backend:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let _machine = $crate::helpers::MACHINE.$lock().await;
                $crate::helpers::settle(stringify!($lock));
                let $backend = $crate::helpers::Backend::Sqlite;
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let _machine = $crate::helpers::MACHINE.$lock().await;
                $crate::helpers::settle(stringify!($lock));
                let $backend = $crate::helpers::Backend::Postgres;
                $body.await
            }
        }
    };
}

/// The password every test user gets.
pub const PASSWORD: &str = "korrekt-häst-batteri";

/// Creates an account through the real CLI (`uppfolj user add`), the password on standard input.
pub fn add_user(db: &TestDb, name: &str, role: &str, scope: &[&str]) {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .arg("--database")
        .arg(&db.url)
        .args(["user", "add", name, "--role", role, "--display-name", &format!("Test {name}")])
        .args(scope)
        .env("UPPFOLJ_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run uppfolj user add");
    child.stdin.take().expect("stdin").write_all(format!("{PASSWORD}\n").as_bytes()).expect("password");
    let out = child.wait_with_output().expect("user add");
    assert!(out.status.success(), "user add {name}: {}", stderr(&out));
}

/// The standard cast: one account per role, RN's reporter, RV's reporter, the process leader.
pub fn add_cast(db: &TestDb) {
    add_user(db, "admin", "admin", &[]);
    add_user(db, "rcc", "rcc", &[]);
    add_user(db, "rn", "region", &["--region", "RN"]);
    add_user(db, "rv", "region", &["--region", "RV"]);
    add_user(db, "proc", "process", &["--process", "vagen-in"]);
    add_user(db, "reader", "reader", &[]);
    add_user(db, "reader2", "reader", &["--restricted"]);
}

/// A second healthcare region ("syd") with a copy of the demo plan (`OTHER_PLAN`) that reuses every
/// region code and process short name of Norr: where Norr's accounts are
/// outsiders. Its rounds are the demo's as they stand (a `workflow_app`'s 2025 is open).
pub fn add_second_region(db: &TestDb) {
    let demo = cli_ok(db, &["export", "data", "--plan", PLAN]);
    let other = demo
        .replacen("code = \"norr\"", "code = \"syd\"", 1)
        .replacen("name = \"Norra sjukvårdsregionen\"", "name = \"Provregion Syd\"", 1)
        .replacen(&format!("slug = \"{PLAN}\""), &format!("slug = \"{OTHER_PLAN}\""), 1);
    assert!(other.contains("code = \"syd\"") && other.contains(OTHER_PLAN), "the copy is another plan");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("syd.toml");
    std::fs::write(&file, other).expect("write");
    cli_ok(db, &["import", file.to_str().expect("path")]);
}

/// The plan of the second healthcare region (`add_second_region`).
pub const OTHER_PLAN: &str = "syd-2022-2024";

/// A browser: keeps cookies, sends the CSRF token with forms, never follows redirects.
pub struct Browser {
    pub base: String,
    client: reqwest::Client,
    pub cookies: std::collections::BTreeMap<String, String>,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser { base: app.address.clone(), client: app.client.clone(), cookies: Default::default() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn remember(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap_or("");
            let pair = v.split(';').next().unwrap_or("");
            if let Some((k, val)) = pair.split_once('=') {
                if val.is_empty() || v.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), val.to_owned());
                }
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("GET");
        self.remember(&r);
        r
    }

    pub async fn page(&mut self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.text().await.expect("body")
    }

    pub fn csrf(&self) -> String {
        self.cookies.get("uppfolj_csrf").cloned().unwrap_or_default()
    }

    /// Posts a form with this browser's CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        if self.csrf().is_empty() {
            self.get("/").await;
        }
        let csrf = self.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let body: String =
            fields.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&");
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST");
        self.remember(&r);
        r
    }

    pub async fn login(&mut self, user: &str) {
        self.login_with(user, PASSWORD).await;
    }

    pub async fn login_with(&mut self, user: &str, password: &str) {
        let r = self.post("/logga-in", &[("username", user), ("password", password), ("next", "/")]).await;
        assert_eq!(r.status(), 303, "login as {user}");
        assert!(self.cookies.contains_key("uppfolj_session"), "session cookie for {user}");
    }

    /// Uploads a file as a form would: multipart, with the CSRF token in the address.
    pub async fn upload(&mut self, path: &str, field: &str, filename: &str, bytes: &[u8]) -> reqwest::Response {
        if self.csrf().is_empty() {
            self.get("/").await;
        }
        let boundary = "uppfoljtestgrans";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let r = self
            .client
            .post(format!("{}{path}?csrf={}", self.base, self.csrf()))
            .header("cookie", self.cookie_header())
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .expect("upload");
        self.remember(&r);
        r
    }

    /// A JSON request with this browser's cookies (no bearer token).
    pub async fn json(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut req =
            self.client.request(method, format!("{}{path}", self.base)).header("cookie", self.cookie_header());
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("request");
        self.remember(&r);
        r
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

/// Creates an API token through the CLI and returns it.
pub fn token(db: &TestDb, user: &str) -> String {
    cli_ok(db, &["token", "create", user]).trim().to_owned()
}

/// An app with the demo, the cast of users and the 2025 round open (deadline 2026-03-31).
pub async fn workflow_app(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    cli_ok(&app.db, &["round", "open", "--plan", PLAN, "--year", "2025", "--deadline", "2026-03-31"]);
    app
}

/// Runs one SQL statement directly on a test's database, bypassing the app: to put there what the
/// app itself would never store (text written before today's rules, or by another program).
pub async fn sql(db: &TestDb, statement: &str, binds: &[&str]) {
    use sqlx::Connection;
    if db.url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.expect("connect");
        let mut q = sqlx::query(statement);
        for b in binds {
            q = q.bind(*b);
        }
        q.execute(&mut c).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.expect("connect");
        let mut q = sqlx::query(statement);
        for b in binds {
            q = q.bind(*b);
        }
        q.execute(&mut c).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

/// Runs one `SELECT` of one text directly on a test's database.
pub async fn sql_text(db: &TestDb, statement: &str) -> String {
    use sqlx::Connection;
    if db.url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.expect("connect");
        sqlx::query_scalar::<_, String>(statement)
            .fetch_one(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"))
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.expect("connect");
        sqlx::query_scalar::<_, String>(statement)
            .fetch_one(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"))
    }
}

/// Runs one `SELECT COUNT(*) …` directly on a test's database.
pub async fn sql_count(db: &TestDb, statement: &str, binds: &[&str]) -> i64 {
    use sqlx::Connection;
    if db.url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.expect("connect");
        let mut q = sqlx::query_scalar::<_, i64>(statement);
        for b in binds {
            q = q.bind(*b);
        }
        q.fetch_one(&mut c).await.unwrap_or_else(|e| panic!("{statement}: {e}"))
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.expect("connect");
        let mut q = sqlx::query_scalar::<_, i64>(statement);
        for b in binds {
            q = q.bind(*b);
        }
        q.fetch_one(&mut c).await.unwrap_or_else(|e| panic!("{statement}: {e}"))
    }
}
