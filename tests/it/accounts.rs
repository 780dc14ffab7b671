//! Accounts of an organisation: administered in the app and on the command line, scoped to their
//! healthcare region, deactivated rather than deleted, and API tokens with a life.

use crate::both_backends;
use crate::helpers::*;

/// The id of account `name`, from the account list's link.
async fn account_id(admin: &mut Browser, name: &str) -> String {
    let page = admin.page("/konton").await;
    let at = page.find(&format!(">{name}</a>")).unwrap_or_else(|| panic!("{name} in the list: {page}"));
    let href = &page[..at];
    href[href.rfind("/konton/").expect("link") + 8..].split('"').next().expect("id").to_owned()
}

fn bearer_get(app: &TestApp, token: &str, path: &str) -> impl std::future::Future<Output = reqwest::Response> {
    let request = app.client.get(format!("{}{path}", app.address)).bearer_auth(token.to_owned()).send();
    async move { request.await.expect("get") }
}

both_backends!(an_admin_administers_accounts_in_the_browser, |backend| administered(backend));

async fn administered(backend: Backend) {
    let app = workflow_app(backend).await;
    let mut admin = Browser::new(&app);
    admin.login("admin").await;
    // A new account: each problem at its field, what was typed kept.
    let mut fields = vec![
        ("anvandarnamn", "anna"),
        ("namn", "Anna Andersson"),
        ("epost", "anna@"),
        ("roll", "region"),
        ("region", ""),
        ("process", ""),
        ("sjukvardsregion", "norr"),
        ("e_tjanstekort", "SE2321000016-1234"),
    ];
    let r = admin.post("/konton/ny", &fields).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    assert!(page.contains("En regions rapportör behöver en region") && page.contains("value=\"Anna Andersson\""));
    fields[4] = ("region", "RN");
    let r = admin.post("/konton/ny", &fields).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("page").contains("&#34;anna@&#34; är ingen e-postadress"));
    fields[2] = ("epost", "anna@example.se");
    let r = admin.post("/konton/ny", &fields).await;
    assert_eq!(r.status(), 303);
    let id = location(&r).trim_start_matches("/konton/").to_owned();
    let page = admin.page(&format!("/konton/{id}")).await;
    assert!(page.contains("Anna Andersson (anna)") && page.contains("Lokalt lösenord"), "{page}");
    // The same single-sign-on identity for another account is refused.
    let mut other = fields.clone();
    other[0] = ("anvandarnamn", "anna2");
    let r = admin.post("/konton/ny", &other).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("page").contains("Ett annat konto har redan den identiteten"));

    // The list, filtered.
    let list = admin.page("/konton?roll=region&region=RN").await;
    assert!(list.contains(">anna</a>") && list.contains(">rn</a>") && !list.contains(">rv</a>"), "{list}");
    assert_eq!(admin.get("/konton?roll=kung").await.status(), 400);

    // A change of role with its reason, in the account's history; the person signs in again.
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    let rn_id = account_id(&mut admin, "rn").await;
    let change = [
        ("namn", "Test rn"),
        ("epost", ""),
        ("roll", "reader"),
        ("region", ""),
        ("process", ""),
        ("sjukvardsregion", "norr"),
        ("e_tjanstekort", ""),
        ("skal", "Slutar som rapportör"),
    ];
    assert_eq!(admin.post(&format!("/konton/{rn_id}"), &change).await.status(), 303);
    let page = admin.page(&format!("/konton/{rn_id}")).await;
    assert!(page.contains("region (RN), sjukvårdsregion norr") && page.contains("Slutar som rapportör"), "{page}");
    assert!(page.contains("reader, sjukvårdsregion norr"), "{page}");
    let r = rn.get(&format!("/planer/{PLAN}/2025/regioner/RN")).await;
    assert!(location(&r).starts_with("/logga-in"), "the session ended with the new role: {}", r.status());

    // Deactivated: the open session ends on its next request, the token too, and sign-in is refused.
    let mut rv = Browser::new(&app);
    rv.login("rv").await;
    let token = token(&app.db, "rv");
    assert_eq!(bearer_get(&app, &token, &format!("/api/v1/rounds/{PLAN}/2024/levels")).await.status(), 200);
    let rv_id = account_id(&mut admin, "rv").await;
    let r = admin.post(&format!("/konton/{rv_id}/inaktivera"), &[("skal", "")]).await;
    assert_eq!(r.status(), 422, "a reason is needed");
    assert_eq!(admin.post(&format!("/konton/{rv_id}/inaktivera"), &[("skal", "Har slutat")]).await.status(), 303);
    assert!(location(&rv.get(&format!("/planer/{PLAN}/2025/regioner/RV")).await).starts_with("/logga-in"));
    assert_eq!(bearer_get(&app, &token, &format!("/api/v1/rounds/{PLAN}/2024/levels")).await.status(), 401);
    let mut again = Browser::new(&app);
    let r = again.post("/logga-in", &[("username", "rv"), ("password", PASSWORD), ("next", "/")]).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.expect("page").contains("Kontot är inaktiverat"));
    let list = admin.page("/konton?status=inaktiverade").await;
    assert!(list.contains(">rv</a>") && !list.contains(">rn</a>"), "{list}");
    let idle = admin.page("/konton?status=ej-inloggade").await;
    assert!(idle.contains(">anna</a>") && !idle.contains(">admin</a>"), "never signed in, and signed in: {idle}");
    // Reactivated: it signs in again (the old token stays ended).
    assert_eq!(admin.post(&format!("/konton/{rv_id}/aktivera"), &[("skal", "Tillbaka")]).await.status(), 303);
    let mut back = Browser::new(&app);
    back.login("rv").await;
    assert_eq!(back.get(&format!("/planer/{PLAN}/2025/regioner/RV")).await.status(), 200);
    assert_eq!(bearer_get(&app, &token, &format!("/api/v1/rounds/{PLAN}/2024/levels")).await.status(), 401);
    let history = admin.page(&format!("/konton/{rv_id}")).await;
    assert!(history.contains("Har slutat") && history.contains("Tillbaka"), "{history}");

    // The last active admin stays one, and no one deactivates their own account.
    let admin_id = account_id(&mut admin, "admin").await;
    let demo_admin = account_id(&mut admin, "demo-admin").await;
    assert_eq!(admin.post(&format!("/konton/{demo_admin}/inaktivera"), &[("skal", "Behövs inte")]).await.status(), 303);
    let r = admin.post(&format!("/konton/{admin_id}/inaktivera"), &[("skal", "x")]).await;
    assert_eq!(r.status(), 409);
    let demote = [("namn", "Test admin"), ("roll", "rcc"), ("sjukvardsregion", "norr"), ("skal", "x")];
    let r = admin.post(&format!("/konton/{admin_id}"), &demote).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.expect("page").contains("den sista aktiva administratören"));
}

both_backends!(rcc_staff_administer_their_own_healthcare_region_only, |backend| rcc_scoped(backend));

async fn rcc_scoped(backend: Backend) {
    let app = workflow_app(backend).await;
    add_second_region(&app.db);
    add_user(&app.db, "syd-rn", "region", &["--region", "RN", "--healthcare-region", "syd"]);
    // A region code that two healthcare regions use needs the healthcare region.
    let o = cli(&app.db, &["user", "add", "x", "--role", "region", "--region", "RN", "--no-password", "--sso-id", "x"]);
    assert!(stderr(&o).contains("finns i flera sjukvårdsregioner"), "{}", stderr(&o));
    let mut admin = Browser::new(&app);
    admin.login("admin").await;
    let syd_id = account_id(&mut admin, "syd-rn").await;
    let admin_id = account_id(&mut admin, "admin").await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let list = rcc.page("/konton").await;
    assert!(list.contains(">rn</a>") && !list.contains(">syd-rn</a>") && !list.contains(">admin</a>"), "{list}");
    assert_eq!(rcc.get(&format!("/konton/{syd_id}")).await.status(), 404, "another healthcare region's");
    assert_eq!(rcc.get(&format!("/konton/{admin_id}")).await.status(), 404, "an admin");
    // RCC staff create accounts in their own healthcare region, never an admin.
    let new = |role: &'static str| {
        [
            ("anvandarnamn", "ny"),
            ("namn", "Ny"),
            ("roll", role),
            ("region", ""),
            ("process", ""),
            ("sjukvardsregion", "syd"),
        ]
    };
    let r = rcc.post("/konton/ny", &new("admin")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("page").contains("Bara en administratör kan göra någon till administratör"));
    assert_eq!(rcc.post("/konton/ny", &new("rcc")).await.status(), 303);
    let list = cli_ok(&app.db, &["user", "list", "--healthcare-region", "norr", "--role", "rcc"]);
    assert!(list.lines().any(|l| l.starts_with("ny\trcc\t\tnorr\taktivt")), "in Norr, not Syd: {list}");
    // Syd's reporter of RN is not RN's reporter in Norr.
    let mut syd = Browser::new(&app);
    syd.login("syd-rn").await;
    assert_eq!(syd.get(&format!("/planer/{OTHER_PLAN}/2025/regioner/RN")).await.status(), 200);
    assert_eq!(syd.get(&format!("/planer/{PLAN}/2025/regioner/RN")).await.status(), 403);
    // Syd's round to review is not a task of Norr's RCC.
    let start = rcc.page("/").await;
    assert!(start.contains(&format!("/planer/{PLAN}/2025/granskning")), "{start}");
    assert!(!start.contains(&format!("/planer/{OTHER_PLAN}/2025/granskning")), "{start}");
}

both_backends!(accounts_change_on_the_command_line_with_their_history, |backend| cli_accounts(backend));

async fn cli_accounts(backend: Backend) {
    let app = workflow_app(backend).await;
    cli_ok(&app.db, &["user", "set-role", "rv", "process", "--process", "vagen-in", "--reason", "Ny uppgift"]);
    cli_ok(&app.db, &["user", "set-email", "rv", "rv@example.se"]);
    cli_ok(&app.db, &["user", "set-sso-id", "rv", "SE2321000016-9999"]);
    cli_ok(&app.db, &["user", "set-name", "rv", "Rut Väst"]);
    let o = cli(&app.db, &["user", "set-role", "rv", "region", "--reason", "x"]);
    assert!(stderr(&o).contains("rollen region kräver --region"), "{}", stderr(&o));
    cli_ok(&app.db, &["user", "deactivate", "rv", "--reason", "Slutat"]);
    let list = cli_ok(&app.db, &["user", "list", "--inactive"]);
    assert!(list.lines().any(|l| l == "rv\tprocess\tvagen-in\tnorr\tinaktiverat\tRut Väst"), "{list}");
    cli_ok(&app.db, &["user", "activate", "rv", "--reason", "Åter"]);
    let show = cli_ok(&app.db, &["user", "show", "rv"]);
    for want in
        ["Rut Väst (rv)", "e-post: rv@example.se", "e-tjänstekort: SE2321000016-9999", "Ny uppgift", "Slutat", "Åter"]
    {
        assert!(show.contains(want), "{want}: {show}");
    }
    // The last active admin: the demo's admin first, then ours is the last.
    cli_ok(&app.db, &["user", "deactivate", "demo-admin", "--reason", "Behövs inte"]);
    let o = cli(&app.db, &["user", "deactivate", "admin", "--reason", "x"]);
    assert!(stderr(&o).contains("den sista aktiva administratören"), "{}", stderr(&o));
    let o = cli(&app.db, &["user", "set-role", "admin", "reader", "--reason", "x"]);
    assert!(stderr(&o).contains("den sista aktiva administratören"), "{}", stderr(&o));
}

both_backends!(api_tokens_expire_are_revoked_and_end_with_the_password, |backend| tokens(backend));

async fn tokens(backend: Backend) {
    let app = workflow_app(backend).await;
    let levels = format!("/api/v1/rounds/{PLAN}/2024/levels");
    // Ended by a new password (an old token used to go on fetching).
    let old = token(&app.db, "reader2");
    assert_eq!(bearer_get(&app, &old, &levels).await.status(), 200);
    let mut child = std::process::Command::new(BIN)
        .args(["--database", &app.db.url, "user", "password", "reader2"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("user password");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), b"ett-helt-annat-losen\n").expect("write");
    assert!(child.wait().expect("wait").success());
    assert_eq!(bearer_get(&app, &old, &levels).await.status(), 401);
    // Past its expiry.
    let short = token(&app.db, "rn");
    sql(&app.db, "UPDATE api_tokens SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE revoked_at IS NULL", &[])
        .await;
    assert_eq!(bearer_get(&app, &short, &levels).await.status(), 401);
    // Made, listed with its last use and revoked on one's own page.
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    let r = rn.post("/konto/nycklar", &[("namn", "Rapportskript"), ("dagar", "400")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("page").contains("1–365"));
    let r = rn.post("/konto/nycklar", &[("namn", "Rapportskript"), ("dagar", "30")]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    let made = page.split("<code>").nth(1).and_then(|s| s.split("</code>").next()).expect("shown once").to_owned();
    assert!(made.starts_with("upf_"));
    assert!(!rn.page("/konto").await.contains(&made), "shown only once");
    assert_eq!(bearer_get(&app, &made, &levels).await.status(), 200);
    let page = rn.page("/konto").await;
    assert!(page.contains("Rapportskript") && page.contains("har gått ut"), "{page}");
    let list = cli_ok(&app.db, &["token", "list", "rn"]);
    let line = list.lines().find(|l| l.contains("Rapportskript")).expect("listed");
    assert!(line.contains("\tgäller\t") && !line.contains("aldrig"), "its last use: {line}");
    let id = line.split('\t').next().expect("id");
    assert_eq!(rn.post(&format!("/konto/nycklar/{id}/aterkalla"), &[]).await.status(), 303);
    assert_eq!(bearer_get(&app, &made, &levels).await.status(), 401);
    // Another's token is not one's own to revoke.
    let rv = token(&app.db, "rv");
    let list = cli_ok(&app.db, &["token", "list", "rv"]);
    let rv_id = list.lines().next().and_then(|l| l.split('\t').next()).expect("rv's token");
    assert_eq!(rn.post(&format!("/konto/nycklar/{rv_id}/aterkalla"), &[]).await.status(), 404);
    assert_eq!(bearer_get(&app, &rv, &levels).await.status(), 200);
    cli_ok(&app.db, &["token", "revoke", "rv", rv_id]);
    assert_eq!(bearer_get(&app, &rv, &levels).await.status(), 401);
}

both_backends!(an_invited_person_chooses_a_password_once, |backend| invited(backend));

async fn invited(backend: Backend) {
    let app = workflow_app(backend).await;
    let mut admin = Browser::new(&app);
    admin.login("admin").await;
    let fields = [("anvandarnamn", "berit"), ("namn", "Berit"), ("roll", "reader"), ("sjukvardsregion", "")];
    let r = admin.post("/konton/ny", &fields).await;
    assert_eq!(r.status(), 303);
    let account = location(&r);
    let link_of = |page: &str| {
        page.split("<code>").nth(1).and_then(|s| s.split("</code>").next()).expect("the link, shown once").to_owned()
    };
    let r = admin.post(&format!("{account}/lank"), &[]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(page.contains("Inbjudningslänk (gäller en gång"), "{page}");
    let first = link_of(&page);
    // A newer link replaces it.
    let link = link_of(&admin.post(&format!("{account}/lank"), &[]).await.text().await.expect("page"));
    let path = |l: &str| l[l.find("/losenord/").expect("path")..].to_owned();
    assert!(link.starts_with("http://") && link != first);
    assert_eq!(app.get(&path(&first)).await.status(), 404);
    // Only the hash is stored.
    let token = path(&link).trim_start_matches("/losenord/").to_owned();
    assert_eq!(sql_count(&app.db, "SELECT COUNT(*) FROM account_links WHERE token_hash = $1", &[&token]).await, 0);

    let mut berit = Browser::new(&app);
    let page = berit.page(&path(&link)).await;
    assert!(page.contains("Välkommen: välj ditt lösenord") && page.contains("<strong>berit</strong>"), "{page}");
    for (weak, why) in
        [("kort", "minst 12"), ("password12345", "lätt att gissa"), ("berit-berit-berit", "användarnamnet")]
    {
        let r = berit.post(&path(&link), &[("losenord", weak), ("igen", weak)]).await;
        assert_eq!(r.status(), 422, "{weak}");
        assert!(r.text().await.expect("page").contains(why), "{weak}");
    }
    let strong = "tallkotte-regnrock-vinter-sju";
    let r = berit.post(&path(&link), &[("losenord", strong), ("igen", "annat-lösen-helt")]).await;
    assert_eq!(r.status(), 422);
    let r = berit.post(&path(&link), &[("losenord", strong), ("igen", strong)]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("page").contains("Lösenordet är sparat"));
    // Once only.
    assert_eq!(berit.post(&path(&link), &[("losenord", strong), ("igen", strong)]).await.status(), 404);
    let r = berit.post("/logga-in", &[("username", "berit"), ("password", strong), ("next", "/")]).await;
    assert_eq!(r.status(), 303, "signed in with the chosen password");
    // A forgotten password: a reset link, valid a day; the old password works until it is used.
    let page = admin.post(&format!("{account}/lank"), &[]).await.text().await.expect("page");
    assert!(page.contains("Länk för nytt lösenord (gäller en gång"), "{page}");
    let reset = link_of(&page);
    assert!(berit.page(&path(&reset)).await.contains("Välj ett nytt lösenord"));
    // A deactivated account's link is worth nothing.
    let id = account.trim_start_matches("/konton/");
    assert_eq!(admin.post(&format!("/konton/{id}/inaktivera"), &[("skal", "Slutat")]).await.status(), 303);
    assert_eq!(app.get(&path(&reset)).await.status(), 404);
    assert_eq!(admin.post(&format!("{account}/lank"), &[]).await.status(), 409);
}

both_backends!(an_installation_of_one_healthcare_region_migrates_unchanged, |backend| migrated(backend));

/// A database as the version before accounts had healthcare regions left it (migrations up to
/// 0011, with a plan and accounts of each role), then `uppfolj migrate`: every account works where
/// it did.
async fn migrated(backend: Backend) {
    use sqlx::migrate::{Migrate, Migrator};
    let db = TestDb::new(backend).await;
    let dir = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let path = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/crates/store/migrations")).join(dir);
    let migrator = Migrator::new(path).await.expect("migrations");
    let before: Vec<_> = migrator.iter().filter(|m| m.version <= 11).collect();
    assert_eq!(before.len(), 11);
    let rows = [
        "INSERT INTO healthcare_regions (code, name, federation, rcc, rcc_location) VALUES ('norr', 'Norr', 'NRF', 'RCC Norr', 'Umeå')",
        "INSERT INTO regions (healthcare_region_id, position, code, name) VALUES (1, 0, 'RN', 'Region Norrbotten')",
        "INSERT INTO users (username, display_name, role, region_id, process_slug, restricted_access, password_hash, created_at) \
         VALUES ('gammal-rcc', 'RCC', 'rcc', NULL, NULL, FALSE, '', '2025-01-01T00:00:00.000000Z'), \
         ('gammal-rn', 'RN', 'region', 1, NULL, FALSE, '', '2025-01-01T00:00:00.000000Z'), \
         ('gammal-lasare', 'Läsare', 'reader', NULL, NULL, TRUE, '', '2025-01-01T00:00:00.000000Z')",
    ];
    match backend {
        Backend::Sqlite => {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&format!("{}?mode=rwc", db.url)).await.expect("connect");
            c.ensure_migrations_table().await.expect("table");
            for m in &before {
                c.apply(m).await.expect("migration");
            }
            for r in rows {
                sqlx::query(r).execute(&mut c).await.unwrap_or_else(|e| panic!("{r}: {e}"));
            }
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&db.url).await.expect("connect");
            c.ensure_migrations_table().await.expect("table");
            for m in &before {
                c.apply(m).await.expect("migration");
            }
            for r in rows {
                sqlx::query(r).execute(&mut c).await.unwrap_or_else(|e| panic!("{r}: {e}"));
            }
        }
    }
    cli_ok(&db, &["migrate"]);
    let list = cli_ok(&db, &["user", "list"]);
    for want in [
        "gammal-rcc\trcc\t\tnorr\taktivt",
        "gammal-rn\tregion\tRN\tnorr\taktivt",
        "gammal-lasare\treader\t\tnationell\taktivt",
    ] {
        assert!(list.contains(want), "{want}: {list}");
    }
}
