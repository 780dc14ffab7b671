//! E-mail against a real SMTP server (Python's aiosmtpd from PyPI, writing every message to a
//! maildir) started on loopback for each test: what arrives, to whom, with which subject and link;
//! reminders once per day; the return reason; retries while the server is down.

use std::process::{Child, Command, Stdio};

use crate::both_backends;
use crate::helpers::*;

struct Smtp {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl Smtp {
    fn start() -> Smtp {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("port").port();
        let mut smtp = Smtp { child: None, port, dir: tempfile::tempdir().expect("maildir") };
        smtp.up();
        smtp
    }

    /// Starts the server (again) on its port.
    fn up(&mut self) {
        let maildir = self.dir.path().join("post");
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{}", self.port),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (scripts/test installs it from PyPI)");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("aiosmtpd did not start (python3 -m pip install aiosmtpd)");
    }

    fn down(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Every message that arrived, as (raw, parsed subject, To, text body).
    fn messages(&self) -> Vec<(String, String, String, String)> {
        let new = self.dir.path().join("post").join("new");
        let mut files: Vec<_> =
            std::fs::read_dir(&new).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|f| {
                let raw = std::fs::read(f).expect("message");
                let parsed = mailparse::parse_mail(&raw).expect("a mail");
                let header = |name: &str| {
                    parsed
                        .headers
                        .iter()
                        .find(|h| h.get_key().eq_ignore_ascii_case(name))
                        .map(|h| h.get_value())
                        .unwrap_or_default()
                };
                let body = parsed.get_body().expect("body");
                (String::from_utf8_lossy(&raw).into_owned(), header("Subject"), header("To"), body)
            })
            .collect()
    }

    fn env(&self) -> [(&'static str, String); 3] {
        [
            ("UPPFOLJ_SMTP_URL", format!("smtp://127.0.0.1:{}", self.port)),
            ("UPPFOLJ_MAIL_FROM", "Uppfölj <uppfolj@example.se>".to_owned()),
            ("UPPFOLJ_PUBLIC_URL", "https://uppfolj.example.se".to_owned()),
        ]
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.down();
    }
}

/// `uppfolj notify run --today DAY` with the SMTP server's settings.
fn notify(db: &TestDb, smtp: &Smtp, day: &str) -> String {
    let out = Command::new(BIN)
        .args(["--database", &db.url, "notify", "run", "--today", day])
        .envs(smtp.env().iter().map(|(k, v)| (*k, v.as_str())))
        .env("UPPFOLJ_LOG", "error")
        .output()
        .expect("notify run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

both_backends!(mail_goes_out_once_per_event_with_its_link, |backend| once_per_event(backend));

async fn once_per_event(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    for (user, address) in [("rn", "rn@example.se"), ("rv", "rv@example.se"), ("rcc", "rcc@example.se")] {
        cli_ok(&app.db, &["user", "set-email", user, address]);
    }
    let smtp = Smtp::start();
    // The RCC opens the round: each region's reporters get one invitation (RJH and RVN have none
    // with an address).
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let open = [("year", "2025"), ("deadline", "2026-03-31")];
    assert_eq!(rcc.post(&format!("/planer/{PLAN}/uppfoljningar"), &open).await.status(), 303);
    notify(&app.db, &smtp, "2026-01-10");
    let mail = smtp.messages();
    assert_eq!(mail.len(), 2, "{:?}", mail.iter().map(|m| (&m.1, &m.2)).collect::<Vec<_>>());
    let rn = mail.iter().find(|m| m.2.contains("rn@example.se")).expect("RN's invitation");
    assert_eq!(rn.1, "Uppföljningen 2025 är öppen: RN kan svara");
    assert!(rn.3.contains("31 mars 2026"), "{}", rn.3);
    assert!(rn.3.contains(&format!("Länk: https://uppfolj.example.se/planer/{PLAN}/2025/regioner/RN")), "{}", rn.3);
    // Headers: a date, a message id, the subject encoded as UTF-8.
    assert!(rn.0.contains("\nDate: ") || rn.0.starts_with("Date: "), "{}", rn.0);
    assert!(rn.0.contains("Message-ID: <"), "{}", rn.0);
    assert!(rn.0.contains("Subject: =?utf-8?"), "{}", rn.0);

    // Three days before the deadline: one reminder to each region not submitted, naming what is
    // missing; a second run the same day sends none.
    notify(&app.db, &smtp, "2026-03-28");
    notify(&app.db, &smtp, "2026-03-28");
    let mail = smtp.messages();
    let reminders: Vec<_> = mail.iter().filter(|m| m.1.starts_with("Påminnelse")).collect();
    assert_eq!(reminders.len(), 2, "one each to RN and RV");
    let rn = reminders.iter().find(|m| m.2.contains("rn@example.se")).expect("RN's reminder");
    assert_eq!(rn.1, "Påminnelse: uppföljningen 2025 ska in om 3 dagar");
    assert!(rn.3.contains("- mål 1.1: nivå och kommentar"), "{}", rn.3);

    // RN submits (the RCC is told), the RCC returns it with a reason (RN is told the reason).
    let mut reporter = Browser::new(&app);
    reporter.login("rn").await;
    let form = format!("/planer/{PLAN}/2025/regioner/RN");
    let r = reporter.post(&form, &[("atgard", "skicka")]).await;
    assert!(r.status().is_redirection() || r.status().is_success(), "{}", r.status());
    let page = rcc.page(&format!("/planer/{PLAN}/2025/granskning/RN")).await;
    let v =
        page.split("name=\"version\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("version").to_owned();
    let back =
        [("atgard", "skicka-tillbaka"), ("skal", "Komplettera mål 3.3 med ledtiderna."), ("version", v.as_str())];
    let r = rcc.post(&format!("/planer/{PLAN}/2025/granskning/RN/status"), &back).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    notify(&app.db, &smtp, "2026-03-29");
    let mail = smtp.messages();
    let submitted = mail.iter().filter(|m| m.1.contains("har skickat in sina svar")).count();
    let returned: Vec<_> = mail.iter().filter(|m| m.1.starts_with("RCC har skickat tillbaka")).collect();
    assert_eq!((submitted, returned.len()), (1, 1), "{:?}", mail.iter().map(|m| &m.1).collect::<Vec<_>>());
    assert!(returned[0].2.contains("rn@example.se"));
    assert!(returned[0].3.contains("Komplettera mål 3.3 med ledtiderna."), "{}", returned[0].3);
    let listed = cli_ok(&app.db, &["notify", "list", "--plan", PLAN, "--year", "2025"]);
    assert!(listed.lines().all(|l| l.contains("\tsent\t")), "{listed}");
}

both_backends!(mail_is_retried_while_the_server_is_down, |backend| retried(backend));

async fn retried(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    cli_ok(&app.db, &["user", "set-email", "rn", "rn@example.se"]);
    let mut smtp = Smtp::start();
    smtp.down();
    cli_ok(&app.db, &["round", "open", "--plan", PLAN, "--year", "2025", "--deadline", "2026-03-31"]);
    notify(&app.db, &smtp, "2026-01-10");
    let listed = cli_ok(&app.db, &["notify", "list", "--plan", PLAN, "--year", "2025"]);
    let line = listed.lines().next().expect("the invitation");
    assert!(line.contains("\tpending\t") && !line.trim_end().ends_with("pending"), "waiting, with the reason: {line}");
    // Not again before its time; then, with the server back, delivered once.
    notify(&app.db, &smtp, "2026-01-10");
    assert!(smtp.messages().is_empty());
    smtp.up();
    notify(&app.db, &smtp, "2026-01-10");
    assert!(smtp.messages().is_empty(), "the retry waits a minute");
    sql(&app.db, "UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00.000000Z'", &[]).await;
    notify(&app.db, &smtp, "2026-01-10");
    notify(&app.db, &smtp, "2026-01-10");
    assert_eq!(smtp.messages().len(), 1, "delivered, once");
    assert!(cli_ok(&app.db, &["notify", "list", "--plan", PLAN, "--year", "2025"]).contains("\tsent\t"));
}

both_backends!(the_rcc_steers_the_rounds_mail, |backend| steered(backend));

async fn steered(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    cli_ok(&app.db, &["user", "set-email", "rn", "rn@example.se"]);
    cli_ok(&app.db, &["user", "set-email", "rv", "rv@example.se"]);
    let smtp = Smtp::start();
    cli_ok(&app.db, &["round", "open", "--plan", PLAN, "--year", "2025", "--deadline", "2026-03-31"]);
    notify(&app.db, &smtp, "2026-01-10");
    assert_eq!(smtp.messages().len(), 2);
    // The page lists what went out; a mail is sent again on request.
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let page = rcc.page(&format!("/planer/{PLAN}/2025/utskick")).await;
    assert!(page.contains("rn@example.se") && page.contains("Inbjudan") && page.contains("skickat"), "{page}");
    let before = &page[..page.find("/skicka-igen").expect("a mail to send again")];
    let id = before.rsplit('/').next().expect("its id").to_owned();
    assert_eq!(rcc.post(&format!("/planer/{PLAN}/2025/utskick/{id}/skicka-igen"), &[]).await.status(), 303);
    notify(&app.db, &smtp, "2026-01-10");
    assert_eq!(smtp.messages().len(), 3, "sent again once");
    // Other reminder days: a malformed list is refused at its field, a good one is what the day's run uses.
    let days = format!("/planer/{PLAN}/2025/utskick/paminnelser");
    let r = rcc.post(&days, &[("dagar", "fem")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("page").contains("value=\"fem\""));
    assert_eq!(rcc.post(&days, &[("dagar", "7, 1")]).await.status(), 303);
    let page = rcc.page(&format!("/planer/{PLAN}/2025/utskick")).await;
    assert!(page.contains("value=\"7, 1\""), "the days kept: {page}");
    notify(&app.db, &smtp, "2026-03-28");
    assert_eq!(smtp.messages().len(), 3, "3 days before is no longer a reminder day");
    // RV has turned reminders off: only RN's comes.
    let mut rv = Browser::new(&app);
    rv.login("rv").await;
    let wanted = [("vill", "round_opened"), ("vill", "returned")];
    assert_eq!(rv.post("/konto/utskick", &wanted).await.status(), 303);
    assert!(!rv.page("/konto").await.contains("id=\"vill-reminder\" name=\"vill\" value=\"reminder\" checked"));
    notify(&app.db, &smtp, "2026-03-24");
    let reminders: Vec<_> = smtp.messages().into_iter().filter(|m| m.1.starts_with("Påminnelse")).collect();
    assert_eq!(reminders.len(), 1);
    assert!(reminders[0].2.contains("rn@example.se") && reminders[0].1.contains("om 7 dagar"), "{}", reminders[0].1);
}

both_backends!(a_submitted_region_is_not_reminded_and_process_leaders_are_told, |backend| submitted_quiet(backend));

async fn submitted_quiet(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    for (user, address) in [("rn", "rn@example.se"), ("rv", "rv@example.se"), ("proc", "proc@example.se")] {
        cli_ok(&app.db, &["user", "set-email", user, address]);
    }
    let smtp = Smtp::start();
    cli_ok(&app.db, &["round", "open", "--plan", PLAN, "--year", "2025", "--deadline", "2026-03-31"]);
    notify(&app.db, &smtp, "2026-01-10");
    let waiting: Vec<_> = smtp.messages().into_iter().filter(|m| m.2.contains("proc@example.se")).collect();
    assert_eq!(waiting.len(), 1, "the process leader is told once");
    assert_eq!(waiting[0].1, "Processuppföljningen 2025 för vagen-in väntar på dig");
    assert!(waiting[0].3.contains(&format!("/planer/{PLAN}/2025/processer/vagen-in/redigera")), "{}", waiting[0].3);
    // RN submits; three days before the deadline only RV is reminded.
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    let r = rn.post(&format!("/planer/{PLAN}/2025/regioner/RN"), &[("atgard", "skicka")]).await;
    assert!(r.status().is_redirection() || r.status().is_success(), "{}", r.status());
    notify(&app.db, &smtp, "2026-03-28");
    let reminders: Vec<_> = smtp.messages().into_iter().filter(|m| m.1.starts_with("Påminnelse")).collect();
    assert_eq!(reminders.len(), 1);
    assert!(reminders[0].2.contains("rv@example.se"), "{}", reminders[0].2);
    // No mail carries a restricted document: the process follow-up (begränsad delning) is linked to,
    // never quoted.
    assert!(smtp.messages().iter().all(|m| !m.3.contains("begränsad delning") && !m.3.contains("Vägen in")));
}

both_backends!(alone mail_written_before_a_crash_goes_out_once_after_it, |backend| after_crash(backend));

async fn after_crash(backend: Backend) {
    let mut smtp = Smtp::start();
    smtp.down();
    let env: Vec<(&str, String)> =
        smtp.env().into_iter().chain([("UPPFOLJ_MAIL_INTERVAL_SECONDS", "1".to_owned())]).collect();
    let env_ref: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_env(TestDb::new(backend).await, &["--demo"], "127.0.0.1:0", &env_ref);
    add_cast(&app.db);
    cli_ok(&app.db, &["user", "set-email", "rn", "rn@example.se"]);
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let open = [("year", "2025"), ("deadline", "2026-03-31")];
    assert_eq!(rcc.post(&format!("/planer/{PLAN}/uppfoljningar"), &open).await.status(), 303);
    // The server tries (the SMTP server is down) and is killed before the mail has gone out.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let db = app.into_db();
    assert!(smtp.messages().is_empty());
    smtp.up();
    sql(&db, "UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00.000000Z'", &[]).await;
    let app = TestApp::spawn_env(db, &[], "127.0.0.1:0", &env_ref);
    for _ in 0..100 {
        if !smtp.messages().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1, "exactly one invitation after the restart");
    assert!(mail[0].2.contains("rn@example.se") && mail[0].1.contains("är öppen"));
    drop(app);
}

both_backends!(password_links_are_mailed_and_their_token_leaves_the_outbox, |backend| password_links(backend));

async fn password_links(backend: Backend) {
    let app = workflow_app(backend).await;
    let smtp = Smtp::start();
    let mut admin = Browser::new(&app);
    admin.login("admin").await;
    let fields = [
        ("anvandarnamn", "berit"),
        ("namn", "Berit"),
        ("roll", "reader"),
        ("sjukvardsregion", ""),
        ("epost", "berit@example.se"),
    ];
    let r = admin.post("/konton/ny", &fields).await;
    assert_eq!(r.status(), 303);
    let account = location(&r);
    // Two invitations before any mail went out: the first is given up, its token dropped.
    admin.post(&format!("{account}/lank"), &[]).await;
    let page = admin.post(&format!("{account}/lank"), &[]).await.text().await.expect("page");
    assert!(page.contains("skickas också med e-post till berit@example.se"), "{page}");
    let shown = page.split("<code>").nth(1).and_then(|s| s.split("</code>").next()).expect("the link").to_owned();
    let path = shown[shown.find("/losenord/").expect("path")..].to_owned();
    let token = path.trim_start_matches("/losenord/").to_owned();
    let with_token = "SELECT COUNT(*) FROM outbox WHERE link LIKE $1 OR body LIKE $1";
    assert_eq!(sql_count(&app.db, with_token, &[&format!("%{token}%")]).await, 1, "kept until sent");
    let given_up = "SELECT COUNT(*) FROM outbox WHERE state = 'failed' AND last_error = 'ersatt av en nyare länk' \
                    AND link = '/losenord'";
    assert_eq!(sql_count(&app.db, given_up, &[]).await, 1);
    notify(&app.db, &smtp, "2026-01-10");
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1, "only the newer invitation");
    assert_eq!(mail[0].1, "Välkommen till Uppfölj: välj ditt lösenord");
    assert!(mail[0].2.contains("berit@example.se"));
    assert!(mail[0].3.contains(&format!("Länk: https://uppfolj.example.se{path}")), "{}", mail[0].3);
    assert!(mail[0].3.contains("användarnamnet berit") && !mail[0].3.contains("stänga av"), "{}", mail[0].3);
    assert_eq!(sql_count(&app.db, with_token, &[&format!("%{token}%")]).await, 0, "the token left the outbox");
    let page = admin.page(&account).await;
    assert!(page.contains("Inbjudan till kontot") && page.contains("skickat "), "listed on the account: {page}");

    // Berit chooses a password with the mailed link and turns every mail off she can.
    let mut berit = Browser::new(&app);
    let strong = "tallkotte-regnrock-vinter-sju";
    let r = berit.post(&path, &[("losenord", strong), ("igen", strong)]).await;
    assert_eq!(r.status(), 200);
    berit.login_with("berit", strong).await;
    assert_eq!(berit.post("/konto/utskick", &[]).await.status(), 303);

    // Forgotten: asked for by address (any case) or by a name that has no account, the answer is
    // the same; only the real account gets a link, which an opted-out person still receives.
    let mut stranger = Browser::new(&app);
    let form = stranger.page("/glomt-losenord").await;
    assert!(form.contains("Användarnamn eller e-postadress"), "{form}");
    let r = stranger.post("/glomt-losenord", &[("vem", "")]).await;
    assert_eq!(r.status(), 422);
    let known = stranger.post("/glomt-losenord", &[("vem", "Berit@Example.se")]).await.text().await.expect("page");
    let unknown = stranger.post("/glomt-losenord", &[("vem", "ingen-sadan")]).await.text().await.expect("page");
    let said = |p: &str| p[p.find("<h1>").expect("h1")..p.find("</main>").unwrap_or(p.len())].to_owned();
    assert_eq!(said(&known), said(&unknown), "the page tells nobody who has an account");
    assert!(known.contains("Om uppgiften hör till ett konto"), "{known}");
    notify(&app.db, &smtp, "2026-01-10");
    let resets: Vec<_> = smtp.messages().into_iter().filter(|m| m.1 == "Uppfölj: välj ett nytt lösenord").collect();
    assert_eq!(resets.len(), 1);
    let mailed = resets[0].3.split("Länk: https://uppfolj.example.se").nth(1).expect("link").trim().to_owned();
    let newer = "ett-annat-langt-losenord-nio";
    assert_eq!(stranger.post(&mailed, &[("losenord", newer), ("igen", newer)]).await.status(), 200);
    Browser::new(&app).login_with("berit", newer).await;
    // Asked for three times more within the hour: the third makes no link (at most three an hour),
    // the first of the other two is replaced by the second before it is sent; the audit names
    // where the request came from.
    for _ in 0..3 {
        assert_eq!(stranger.post("/glomt-losenord", &[("vem", "berit@example.se")]).await.status(), 200);
    }
    let links = "SELECT COUNT(*) FROM account_links l JOIN users u ON u.id = l.user_id WHERE u.username = 'berit'";
    assert_eq!(sql_count(&app.db, links, &[]).await, 5, "two invitations and three new passwords");
    notify(&app.db, &smtp, "2026-01-10");
    let resets = smtp.messages().into_iter().filter(|m| m.1 == "Uppfölj: välj ett nytt lösenord").count();
    assert_eq!(resets, 2, "the first, and the newest");
    assert!(admin.page(&account).await.contains("Glömt lösenordet? (från "));
}

both_backends!(the_deadline_moves_and_the_reminders_follow_it, |backend| deadline_moved(backend));

async fn deadline_moved(backend: Backend) {
    use uppfolj_domain::ids::{format_date, swedish_date};
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    cli_ok(&app.db, &["user", "set-email", "rn", "rn@example.se"]);
    cli_ok(&app.db, &["user", "set-email", "rv", "rv@example.se"]);
    let smtp = Smtp::start();
    // The preview is of the days still to come, counted from the real today.
    #[allow(clippy::disallowed_methods, reason = "the page counts from the real today: so does its test")]
    let today = time::OffsetDateTime::now_utc().date();
    let day = |n: i64| today + time::Duration::days(n);
    cli_ok(&app.db, &["round", "open", "--plan", PLAN, "--year", "2025", "--deadline", &format_date(day(30))]);
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let mailing = format!("/planer/{PLAN}/2025/utskick");
    let page = rcc.page(&mailing).await;
    let preview = &page[page.find("Nästa påminnelser").expect("the preview")..];
    let row = |date: time::Date, what: &str| format!("<th scope=\"row\">{}</th><td>{what}</td>", swedish_date(date));
    assert!(preview.contains(&row(day(16), "påminnelse, 14 dagar före")), "{preview}");
    assert!(preview.contains(&row(day(27), "påminnelse, 3 dagar före")), "{preview}");
    assert!(preview.contains(&row(day(31), "försenad (regionen och RCC)")), "{preview}");
    assert!(preview.contains("<td>RJH, RN, RV, RVN</td>"), "every region is still to answer: {preview}");

    // A bad or past day is refused at its field with what was typed; a new day is kept.
    let move_to = format!("{mailing}/sista-dag");
    let r = rcc.post(&move_to, &[("sista", "den femte")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    assert!(page.contains("value=\"den femte\"") && page.contains("aria-describedby=\"sista-fel\""), "{page}");
    let r = rcc.post(&move_to, &[("sista", "2020-01-01")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("page").contains("före i dag"));
    // RN has submitted: only RV is told the new day.
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    let r = rn.post(&format!("/planer/{PLAN}/2025/regioner/RN"), &[("atgard", "skicka")]).await;
    assert!(r.status().is_redirection() || r.status().is_success(), "{}", r.status());
    assert_eq!(rcc.post(&move_to, &[("sista", &format_date(day(10)))]).await.status(), 303);
    let page = rcc.page(&mailing).await;
    assert!(page.contains(&format!("value=\"{}\"", format_date(day(10)))), "{page}");
    assert!(page.contains(&row(day(7), "påminnelse, 3 dagar före")), "{page}");
    assert!(!page.contains("14 dagar före") && page.contains("<td>RJH, RV, RVN</td>"), "{page}");
    let history = rcc.page(&format!("/planer/{PLAN}/2025/historik")).await;
    assert!(history.contains("sista dag"), "audited: {history}");
    notify(&app.db, &smtp, &format_date(today));
    let moved: Vec<_> = smtp.messages().into_iter().filter(|m| m.1.starts_with("Ny sista dag")).collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert!(moved[0].2.contains("rv@example.se") && moved[0].3.contains(&swedish_date(day(10))), "{:?}", moved[0]);
    // Reminders follow the new day (and RN, submitted, gets none).
    notify(&app.db, &smtp, &format_date(day(7)));
    let reminders: Vec<_> = smtp.messages().into_iter().filter(|m| m.1.starts_with("Påminnelse")).collect();
    assert_eq!(reminders.len(), 1);
    assert!(reminders[0].2.contains("rv@example.se") && reminders[0].1.ends_with("om 3 dagar"), "{:?}", reminders[0]);
}
