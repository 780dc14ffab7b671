//! Accounts, sessions, CSRF, login throttling and API tokens.

use crate::both_backends;
use crate::helpers::*;

both_backends!(login_sets_a_safe_session_cookie_and_logout_ends_it, |backend| async move {
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    let mut b = Browser::new(&app);
    b.get("/logga-in").await;
    let r =
        b.post("/logga-in", &[("username", "rn"), ("password", PASSWORD), ("next", "/planer/norr-2022-2024")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/planer/norr-2022-2024");
    let set: Vec<String> =
        r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect();
    let session = set.iter().find(|c| c.starts_with("uppfolj_session=")).expect("session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"), "{session}");
    assert!(!session.contains("Secure"), "plain HTTP: no Secure flag: {session}");
    let page = b.page("/").await;
    assert!(page.contains("Inloggad: <a href=\"/konto\"><strong>Test rn</strong></a>"), "{page}");
    assert!(page.contains("RNs lokala handlingsplan"), "the start page lists the reporter's tasks: {page}");

    // Behind a TLS proxy the cookie is Secure.
    let r = app
        .client
        .post(format!("{}/logga-in", app.address))
        .header("cookie", format!("uppfolj_csrf={}", b.csrf()))
        .header("x-forwarded-proto", "https")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={}&username=rn&password={}&next=%2F", b.csrf(), urlencode(PASSWORD)))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 303);
    let secure = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("uppfolj_session=") && c.contains("Secure"));
    assert!(secure, "Secure over TLS");

    let old_cookie = b.cookies.get("uppfolj_session").cloned().expect("cookie");
    let r = b.post("/logga-ut", &[]).await;
    assert_eq!(r.status(), 303);
    assert!(!b.page("/").await.contains("Inloggad"));
    // The old cookie is worthless now: the session is gone from the database.
    b.cookies.insert("uppfolj_session".to_owned(), old_cookie);
    assert!(!b.page("/").await.contains("Inloggad"));
});

both_backends!(wrong_passwords_are_refused_and_throttled, |backend| async move {
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    let mut b = Browser::new(&app);
    for _ in 0..5 {
        let r = b.post("/logga-in", &[("username", "rcc"), ("password", "fel lösenord"), ("next", "/")]).await;
        assert_eq!(r.status(), 401);
        assert!(r.text().await.expect("body").contains("Fel användarnamn eller lösenord."));
    }
    let r = b.post("/logga-in", &[("username", "rcc"), ("password", PASSWORD), ("next", "/")]).await;
    assert_eq!(r.status(), 429, "even the right password waits after five failures");
    assert!(r.text().await.expect("body").contains("För många misslyckade inloggningar"));
    // Another user is not affected; an unknown user gets the same answer as a wrong password.
    b.login("rn").await;
    let r = b.post("/logga-in", &[("username", "finns-inte"), ("password", PASSWORD), ("next", "/")]).await;
    assert_eq!(r.status(), 401);
});

both_backends!(forms_without_the_csrf_token_are_refused, |backend| async move {
    let app = workflow_app(backend).await;
    let mut b = Browser::new(&app);
    b.login("rn").await;
    let path = format!("/planer/{PLAN}/2025/regioner/RN");
    let form = [("niva_1_1", "U"), ("kommentar_1_1", "Klart."), ("version_1_1", "1"), ("atgard", "spara")];
    let r = b.post_raw(&path, &form).await;
    assert_eq!(r.status(), 403, "no token");
    let mut wrong = vec![("csrf", "0000000000000000000000000000000000000000000000000000000000000000")];
    wrong.extend_from_slice(&form);
    assert_eq!(b.post_raw(&path, &wrong).await.status(), 403, "wrong token");
    // A cross-site form would come without our cookie at all.
    let r = app
        .client
        .post(format!("{}{path}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf=x&niva_1_1=E")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let json = cli_ok(&app.db, &["export", "levels", "--plan", PLAN, "--year", "2025", "--format", "csv"]);
    assert!(json.lines().nth(1).is_some_and(|l| l == "1,1,,,,"), "nothing was saved: {json}");
    // With the token it goes through.
    let r = b.post(&path, &form).await;
    assert_eq!(r.status(), 303);
    let csv = cli_ok(&app.db, &["export", "levels", "--plan", PLAN, "--year", "2025", "--format", "csv"]);
    assert_eq!(csv.lines().nth(1), Some("1,1,,U,,"));
});

both_backends!(sessions_survive_a_restart, |backend| async move {
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    let mut b = Browser::new(&app);
    b.login("rcc").await;
    assert!(b.page("/").await.contains("Inloggad"));
    let cookies = b.cookies.clone();
    let db = app.into_db();
    let app = TestApp::spawn_with(db, &[]);
    let mut b = Browser::new(&app);
    b.cookies = cookies;
    assert!(
        b.page("/").await.contains("Inloggad: <a href=\"/konto\"><strong>Test rcc</strong></a>"),
        "still logged in after restart"
    );
});

both_backends!(api_tokens_are_stored_only_as_hashes, |backend| async move {
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    let token = token(&app.db, "rn");
    assert!(token.starts_with("upf_"), "{token}");
    let r = app
        .client
        .get(format!("{}/api/v1/rounds/{PLAN}/2024/levels", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .get(format!("{}/api/v1/rounds/{PLAN}/2024/levels", app.address))
        .bearer_auth("upf_fel")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 401);
    let stored: Vec<String> = match backend {
        Backend::Sqlite => {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&app.db.url).await.expect("connect");
            sqlx::query_scalar("SELECT token_hash FROM api_tokens").fetch_all(&mut c).await.expect("tokens")
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&app.db.url).await.expect("connect");
            sqlx::query_scalar("SELECT token_hash FROM api_tokens").fetch_all(&mut c).await.expect("tokens")
        }
    };
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert!(!stored[0].contains(&token[4..20]), "no part of the token is stored");
    let list = cli_ok(&app.db, &["user", "list"]);
    assert!(list.contains("rn\tregion\tRN\tnorr\taktivt\tTest rn"), "{list}");
    let o = cli(&app.db, &["user", "add", "x", "--role", "region"]);
    assert!(stderr(&o).contains("rollen region kräver --region"), "{}", stderr(&o));
});

both_backends!(a_new_password_ends_old_sessions, |backend| async move {
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    let mut b = Browser::new(&app);
    b.login("rn").await;
    assert!(b.page("/").await.contains("Inloggad"));
    let mut child = std::process::Command::new(BIN)
        .args(["--database", &app.db.url, "user", "password", "rn"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("user password");
    {
        use std::io::Write;
        child.stdin.take().expect("stdin").write_all(b"ett helt nytt losenord\n").expect("write");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!b.page("/").await.contains("Inloggad"), "the old session no longer works");
    let r = b.post("/logga-in", &[("username", "rn"), ("password", PASSWORD), ("next", "/")]).await;
    assert_eq!(r.status(), 401, "the old password no longer works");
    let r = b.post("/logga-in", &[("username", "rn"), ("password", "ett helt nytt losenord"), ("next", "/")]).await;
    assert_eq!(r.status(), 303);
});

both_backends!(sign_in_attempts_are_limited_in_the_database, |backend| attempts(backend));

async fn attempts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    // 40 guesses at once check at most the free five (and the one a second later), not eight.
    let mut b = Browser::new(&app);
    b.page("/logga-in").await;
    let csrf = b.cookies.get("uppfolj_csrf").cloned().expect("csrf");
    let guesses = (0..40).map(|i| {
        let client = app.client.clone();
        let url = format!("{}/logga-in", app.address);
        let csrf = csrf.clone();
        tokio::spawn(async move {
            client
                .post(url)
                .header("cookie", format!("uppfolj_csrf={csrf}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("csrf={csrf}&username=rcc&password=gissning-{i}&next=%2F"))
                .send()
                .await
                .expect("login")
                .status()
                .as_u16()
        })
    });
    let mut answers = Vec::new();
    for g in guesses.collect::<Vec<_>>() {
        answers.push(g.await.expect("task"));
    }
    let checked = answers.iter().filter(|s| **s == 401).count();
    assert!((5..=6).contains(&checked), "{checked} passwords checked: {answers:?}");
    assert_eq!(answers.iter().filter(|s| **s == 429).count(), 40 - checked);
    // The owner is slowed down, not locked out: within a minute the right password works.
    let mut owner = Browser::new(&app);
    let mut waited = 0;
    loop {
        let r = owner.post("/logga-in", &[("username", "rcc"), ("password", PASSWORD), ("next", "/")]).await;
        if r.status() == 303 {
            break;
        }
        assert_eq!(r.status(), 429);
        let text = r.text().await.expect("page");
        assert!(text.contains("sekund") || text.contains("1 minut"), "a short wait: {text}");
        waited += 1;
        assert!(waited <= 70, "the owner is never locked out for long");
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }

    // Two processes share the limit: three failures on one and two on the other are five.
    let second = TestApp::spawn_with(app.db.alias(), &[]);
    let mut one = Browser::new(&app);
    let mut two = Browser::new(&second);
    for (b, n) in [(&mut one, 3), (&mut two, 2)] {
        for _ in 0..n {
            let r = b.post("/logga-in", &[("username", "rn"), ("password", "fel-fel-fel"), ("next", "/")]).await;
            assert_eq!(r.status(), 401);
        }
    }
    let r = one.post("/logga-in", &[("username", "rn"), ("password", PASSWORD), ("next", "/")]).await;
    assert_eq!(r.status(), 429, "the sixth attempt waits, whichever process takes it");

    // A client address is the TCP peer's: X-Forwarded-For from the client itself changes nothing.
    let mut blocked = false;
    for i in 0..40 {
        let r = app
            .client
            .post(format!("{}/logga-in", app.address))
            .header("cookie", format!("uppfolj_csrf={csrf}"))
            .header("x-forwarded-for", format!("10.0.0.{i}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf={csrf}&username=ingen-{i}&password=fel&next=%2F"))
            .send()
            .await
            .expect("login");
        if r.status() == 429 {
            blocked = true;
            assert!(i >= 5, "not blocked for something else ({i})");
            break;
        }
    }
    assert!(blocked, "one address is blocked after its failures, whatever it says it is");
}
