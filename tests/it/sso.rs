//! Single sign-on through a real, certified OpenID provider (`e2e/oidc-provider.mjs`: the npm
//! package oidc-provider) started on loopback for each test: the whole redirect flow, a known
//! identity in its account, an unknown one refused, a tampered state or nonce refused, a
//! deactivated account refused, local passwords switched off.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::both_backends;
use crate::helpers::*;

/// The HSA-ids of the provider's test people.
const ANNA: &str = "SE2321000016-A001";
const CECILIA: &str = "SE2321000016-C003";

struct Provider {
    child: Child,
    issuer: String,
}

impl Provider {
    /// The provider, with the app's callback at `app` as its one client's redirect address, and
    /// `env` for the script (`WRONG_AUDIENCE`).
    fn start(app: &str, env: &[(&str, &str)]) -> Provider {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/e2e/oidc-provider.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .env("REDIRECT_URIS", format!("{app}/logga-in/oidc/callback"))
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("UPPFOLJ_TEST_LOG").is_some() { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .expect("node e2e/oidc-provider.mjs (scripts/test installs its npm packages: cd e2e && npm ci)");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("the provider's first line");
        // Whatever else it says is read (a closed pipe would end it).
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let issuer =
            line.trim().rsplit(' ').next().filter(|a| a.starts_with("http://")).unwrap_or_else(|| {
                panic!("the OpenID provider did not start ({line:?}): run `cd e2e && npm ci` first")
            });
        Provider { issuer: issuer.to_owned(), child }
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo app with single sign-on through a fresh provider (identities in the claim `hsa_id`),
/// the cast of test accounts, and RN's reporter known as Anna.
async fn sso_app(backend: Backend, env: &[(&str, &str)]) -> (TestApp, Provider) {
    sso_app_with(backend, env, &[]).await
}

async fn sso_app_with(backend: Backend, env: &[(&str, &str)], provider_env: &[(&str, &str)]) -> (TestApp, Provider) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("port").port();
    let address = format!("http://127.0.0.1:{port}");
    let provider = Provider::start(&address, provider_env);
    let db = TestDb::new(backend).await;
    let mut all = vec![
        ("UPPFOLJ_OIDC_ISSUER", provider.issuer.as_str()),
        ("UPPFOLJ_OIDC_CLIENT_ID", "uppfolj"),
        ("UPPFOLJ_OIDC_CLIENT_SECRET", "testhemlighet-for-uppfolj"),
        ("UPPFOLJ_OIDC_CLAIM", "hsa_id"),
        ("UPPFOLJ_PUBLIC_URL", address.as_str()),
    ];
    all.extend_from_slice(env);
    let app = TestApp::spawn_env(db, &["--demo"], &format!("127.0.0.1:{port}"), &all);
    add_cast(&app.db);
    cli_ok(&app.db, &["round", "open", "--plan", PLAN, "--year", "2025", "--deadline", "2026-03-31"]);
    cli_ok(&app.db, &["user", "set-sso-id", "rn", ANNA]);
    (app, provider)
}

/// The provider's pages as `person` signs in (any password), its cookies kept: from where the app
/// sent the browser to where the provider sends it back (the app's callback, answered).
async fn through_provider(app: &TestApp, b: &mut Browser, person: &str) -> String {
    let r = b.get("/logga-in/oidc?nasta=/konto").await;
    assert_eq!(r.status(), 303, "the app sends the browser to the provider");
    let mut url = location(&r);
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let mut jar: BTreeMap<String, String> = BTreeMap::new();
    let mut form: Option<(String, Vec<(String, String)>)> = None;
    for _ in 0..20 {
        let cookies = jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let request = match form.take() {
            Some((action, fields)) => client.post(&action).form(&fields),
            None => client.get(&url),
        };
        let r = request.header("cookie", cookies).send().await.expect("the provider answers");
        for c in r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()) {
            if let Some((k, v)) = c.split(';').next().and_then(|kv| kv.split_once('=')) {
                jar.insert(k.trim().to_owned(), v.to_owned());
            }
        }
        let base = reqwest::Url::parse(&url).expect("url");
        if r.status().is_redirection() {
            let next = base.join(&location(&r)).expect("redirect").to_string();
            if next.starts_with(&app.address) {
                return next[app.address.len()..].to_owned();
            }
            url = next;
            continue;
        }
        let page = r.text().await.expect("page");
        let action =
            page.split("action=\"").nth(1).and_then(|s| s.split('"').next()).expect("a form").replace("&amp;", "&");
        let action = base.join(&action).expect("action").to_string();
        let fields = if page.contains("name=\"login\"") {
            vec![
                ("prompt".to_owned(), "login".to_owned()),
                ("login".to_owned(), person.to_owned()),
                ("password".to_owned(), "vad-som-helst".to_owned()),
            ]
        } else {
            vec![("prompt".to_owned(), "consent".to_owned())]
        };
        form = Some((action, fields));
    }
    panic!("the provider never sent the browser back");
}

both_backends!(a_known_identity_signs_in_with_single_sign_on, |backend| known(backend));

async fn known(backend: Backend) {
    let (app, provider) = sso_app(backend, &[]).await;
    let page = app.page("/logga-in").await;
    assert!(page.contains("Logga in med e-tjänstekort") && page.contains("name=\"password\""), "both ways");
    let mut b = Browser::new(&app);
    let callback = through_provider(&app, &mut b, "anna").await;
    assert!(callback.starts_with("/logga-in/oidc/callback?code="), "{callback}");
    let r = b.get(&callback).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/konto", "on to where the sign-in began");
    let page = b.page("/konto").await;
    assert!(page.contains("Test rn") && page.contains("Regionens rapportör, RN"), "{page}");
    assert_eq!(b.get(&format!("/planer/{PLAN}/2025/regioner/RN")).await.status(), 200, "with its role");
    // A second use of the same answer is refused: the flow is taken once.
    let mut other = Browser::new(&app);
    assert_eq!(other.get(&callback).await.status(), 400);
    // Signing out ends the provider's session too.
    let r = b.post("/logga-ut", &[]).await;
    assert!(location(&r).starts_with(&format!("{}/session/end?", provider.issuer)), "{}", location(&r));
    assert!(location(&b.get("/konto").await).starts_with("/logga-in"), "the local session ended");
}

both_backends!(an_unknown_identity_or_a_tampered_answer_is_refused, |backend| refused(backend));

async fn refused(backend: Backend) {
    let (app, _provider) = sso_app(backend, &[]).await;
    // A person the provider knows and Uppfölj does not: a page that says whom to ask.
    let mut b = Browser::new(&app);
    let callback = through_provider(&app, &mut b, "cecilia").await;
    let r = b.get(&callback).await;
    assert_eq!(r.status(), 403);
    let page = r.text().await.expect("page");
    assert!(page.contains("Inget konto för din identitet") && page.contains(CECILIA) && page.contains("Be RCC"));
    assert!(location(&b.get("/konto").await).starts_with("/logga-in"), "not signed in");

    // Another state than this browser began with.
    let mut b = Browser::new(&app);
    let callback = through_provider(&app, &mut b, "anna").await;
    let tampered = callback.replacen("state=", "state=x", 1);
    assert_eq!(b.get(&tampered).await.status(), 400);
    // The right state in a browser that did not begin the flow.
    let mut stranger = Browser::new(&app);
    assert_eq!(stranger.get(&callback).await.status(), 400);
    assert!(location(&stranger.get("/konto").await).starts_with("/logga-in"));

    // A nonce that is not the one the ID token carries (the flow's, changed before the callback).
    let mut b = Browser::new(&app);
    let callback = through_provider(&app, &mut b, "anna").await;
    sql(&app.db, "UPDATE sso_flows SET nonce = 'en-annan-nonce'", &[]).await;
    assert_eq!(b.get(&callback).await.status(), 400, "the ID token's nonce does not match");
    assert!(location(&b.get("/konto").await).starts_with("/logga-in"));
}

both_backends!(a_deactivated_account_signs_in_neither_way, |backend| deactivated(backend));

async fn deactivated(backend: Backend) {
    let (app, _provider) = sso_app(backend, &[]).await;
    cli_ok(&app.db, &["user", "deactivate", "rn", "--reason", "Slutat"]);
    let mut b = Browser::new(&app);
    let callback = through_provider(&app, &mut b, "anna").await;
    let r = b.get(&callback).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.expect("page").contains("Inget konto för din identitet"));
    let r = b.post("/logga-in", &[("username", "rn"), ("password", PASSWORD), ("next", "/")]).await;
    assert_eq!(r.status(), 403);
}

both_backends!(local_passwords_can_be_switched_off, |backend| local_off(backend));

async fn local_off(backend: Backend) {
    let (app, _provider) = sso_app(backend, &[("UPPFOLJ_LOCAL_LOGIN", "false")]).await;
    let page = app.page("/logga-in").await;
    assert!(page.contains("Logga in med e-tjänstekort") && !page.contains("name=\"password\""), "{page}");
    let mut b = Browser::new(&app);
    let r = b.post("/logga-in", &[("username", "rv"), ("password", PASSWORD), ("next", "/")]).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.expect("page").contains("logga in med e-tjänstekort"));
    let callback = through_provider(&app, &mut b, "anna").await;
    assert_eq!(b.get(&callback).await.status(), 303, "single sign-on still signs in");
}

both_backends!(an_id_token_for_another_audience_is_refused, |backend| other_audience(backend));

async fn other_audience(backend: Backend) {
    // The provider's token endpoint answers with an ID token for another client, signed with its own key.
    let (app, _provider) = sso_app_with(backend, &[], &[("WRONG_AUDIENCE", "en-annan-klient")]).await;
    let mut b = Browser::new(&app);
    let callback = through_provider(&app, &mut b, "anna").await;
    assert_eq!(b.get(&callback).await.status(), 400, "the audience is not this app");
    assert!(location(&b.get("/konto").await).starts_with("/logga-in"), "not signed in");
    // The control: the same re-signed answer with this app as its audience signs in.
    let (app, _provider) = sso_app_with(backend, &[], &[("WRONG_AUDIENCE", "uppfolj")]).await;
    let mut b = Browser::new(&app);
    let callback = through_provider(&app, &mut b, "anna").await;
    assert_eq!(b.get(&callback).await.status(), 303, "a token signed the same way, for this app");
}
