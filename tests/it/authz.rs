//! The authorization matrix: every route of the app × every role (anonymous, reader, RN's reporter on
//! RN, RV's reporter on RN — another region —, the process leader, RCC, admin). A route without an
//! entry here fails the test, so a new route cannot be added without deciding who may use it.

use std::collections::BTreeMap;

use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    Reader,
    OwnRegion,
    OtherRegion,
    Process,
    Rcc,
    Admin,
}

const EVERYONE: &[Who] =
    &[Who::Anonymous, Who::Reader, Who::OwnRegion, Who::OtherRegion, Who::Process, Who::Rcc, Who::Admin];
const RCC: &[Who] = &[Who::Rcc, Who::Admin];
const OWN: &[Who] = &[Who::OwnRegion, Who::Rcc, Who::Admin];
const PROCESS: &[Who] = &[Who::Process, Who::Rcc, Who::Admin];
const STAFF: &[Who] = &[Who::OwnRegion, Who::OtherRegion, Who::Process, Who::Rcc, Who::Admin];
const REPORTERS: &[Who] = &[Who::OwnRegion, Who::OtherRegion, Who::Rcc, Who::Admin];
const ADMIN: &[Who] = &[Who::Admin];
const SIGNED_IN: &[Who] = &[Who::Reader, Who::OwnRegion, Who::OtherRegion, Who::Process, Who::Rcc, Who::Admin];

enum Body {
    None,
    Form(Vec<(&'static str, String)>),
    Json(serde_json::Value),
}

struct Case {
    path: String,
    body: Body,
    allowed: &'static [Who],
}

fn form(fields: &[(&'static str, &str)]) -> Body {
    Body::Form(fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect())
}

/// The requests to make for each route, and who may make them, on plan `p` of Norr.
fn matrix(p: &str, activity: &str) -> BTreeMap<(&'static str, &'static str), Vec<Case>> {
    let case = |path: String, body: Body, allowed: &'static [Who]| Case { path, body, allowed };
    let mut m: BTreeMap<(&'static str, &'static str), Vec<Case>> = BTreeMap::new();
    let mut add = |method: &'static str, route: &'static str, cases: Vec<Case>| {
        m.insert((method, route), cases);
    };
    add("get", "/", vec![case("/".into(), Body::None, EVERYONE)]);
    add("get", "/logga-in", vec![case("/logga-in".into(), Body::None, EVERYONE)]);
    add(
        "post",
        "/logga-in",
        vec![case("/logga-in".into(), form(&[("username", "ingen"), ("password", "fel"), ("next", "/")]), EVERYONE)],
    );
    // Single sign-on is everyone's way in (not configured here: a 404 for all; tests/it/sso.rs signs in).
    add("get", "/logga-in/oidc", vec![case("/logga-in/oidc".into(), Body::None, EVERYONE)]);
    add("get", "/logga-in/oidc/callback", vec![case("/logga-in/oidc/callback".into(), Body::None, EVERYONE)]);
    add("post", "/logga-ut", vec![case("/logga-ut".into(), form(&[]), EVERYONE)]);
    add("get", "/planer/{plan}", vec![case(format!("/planer/{p}"), Body::None, EVERYONE)]);
    add(
        "post",
        "/planer/{plan}/uppfoljningar",
        vec![case(format!("/planer/{p}/uppfoljningar"), form(&[("year", "2025"), ("deadline", "2026-03-31")]), RCC)],
    );
    add(
        "get",
        "/planer/{plan}/{year}",
        vec![
            case(format!("/planer/{p}/2024"), Body::None, EVERYONE),
            case(format!("/planer/{p}/2025"), Body::None, RCC),
        ],
    );
    add(
        "get",
        "/planer/{plan}/{year}/omraden/{area}",
        vec![
            case(format!("/planer/{p}/2024/omraden/1"), Body::None, EVERYONE),
            case(format!("/planer/{p}/2025/omraden/1"), Body::None, RCC),
        ],
    );
    add(
        "get",
        "/planer/{plan}/{year}/omraden/{area}/rcc-kommentarer",
        vec![case(format!("/planer/{p}/2025/omraden/1/rcc-kommentarer"), Body::None, RCC)],
    );
    add(
        "post",
        "/planer/{plan}/{year}/omraden/{area}/rcc-kommentarer",
        vec![case(
            format!("/planer/{p}/2025/omraden/1/rcc-kommentarer"),
            form(&[("rcc_1_1", "x"), ("version_1_1", "99")]),
            RCC,
        )],
    );
    add(
        "get",
        "/planer/{plan}/{year}/regioner/{region}",
        vec![case(format!("/planer/{p}/2025/regioner/RN"), Body::None, OWN)],
    );
    add(
        "post",
        "/planer/{plan}/{year}/regioner/{region}",
        vec![case(format!("/planer/{p}/2025/regioner/RN"), form(&[("atgard", "spara")]), OWN)],
    );
    add("get", "/planer/{plan}/{year}/granskning", vec![case(format!("/planer/{p}/2025/granskning"), Body::None, RCC)]);
    add(
        "get",
        "/planer/{plan}/{year}/granskning/{region}",
        vec![case(format!("/planer/{p}/2025/granskning/RN"), Body::None, RCC)],
    );
    add(
        "post",
        "/planer/{plan}/{year}/granskning/{region}/kondensera",
        vec![case(format!("/planer/{p}/2025/granskning/RN/kondensera"), form(&[]), RCC)],
    );
    add(
        "post",
        "/planer/{plan}/{year}/granskning/{region}/status",
        vec![case(
            format!("/planer/{p}/2025/granskning/RN/status"),
            form(&[("atgard", "godkann"), ("version", "1")]),
            RCC,
        )],
    );
    add("post", "/planer/{plan}/{year}/publicera", vec![case(format!("/planer/{p}/2025/publicera"), form(&[]), RCC)]);
    add(
        "post",
        "/planer/{plan}/{year}/oppna-igen",
        vec![case(format!("/planer/{p}/2025/oppna-igen"), form(&[("skal", "")]), RCC)],
    );
    add("get", "/planer/{plan}/{year}/historik", vec![case(format!("/planer/{p}/2025/historik"), Body::None, RCC)]);
    add(
        "get",
        "/planer/{plan}/{year}/mal/{goal}/{region}/historik",
        vec![case(format!("/planer/{p}/2025/mal/1.1/RN/historik"), Body::None, OWN)],
    );
    add(
        "get",
        "/planer/{plan}/{year}/processer/{process}",
        vec![
            case(format!("/planer/{p}/2024/processer/vagen-in"), Body::None, STAFF),
            case(format!("/planer/{p}/2025/processer/vagen-in"), Body::None, PROCESS),
        ],
    );
    add(
        "get",
        "/planer/{plan}/{year}/processer/{process}/redigera",
        vec![case(format!("/planer/{p}/2025/processer/vagen-in/redigera"), Body::None, PROCESS)],
    );
    add(
        "post",
        "/planer/{plan}/{year}/processer/{process}/redigera",
        vec![case(
            format!("/planer/{p}/2025/processer/vagen-in/redigera"),
            form(&[("version", "99"), ("title", "x"), ("text_1", "x")]),
            PROCESS,
        )],
    );
    add(
        "post",
        "/planer/{plan}/{year}/processer/{process}/signera",
        vec![case(
            format!("/planer/{p}/2025/processer/vagen-in/signera"),
            form(&[("name", "x"), ("version", "99")]),
            PROCESS,
        )],
    );
    add(
        "post",
        "/planer/{plan}/{year}/processer/{process}/oppna-igen",
        vec![case(format!("/planer/{p}/2025/processer/vagen-in/oppna-igen"), form(&[("skal", "")]), RCC)],
    );
    add(
        "get",
        "/planer/{plan}/{year}/indikatorer",
        vec![
            case(format!("/planer/{p}/2024/indikatorer"), Body::None, EVERYONE),
            case(format!("/planer/{p}/2025/indikatorer"), Body::None, RCC),
        ],
    );
    add(
        "get",
        "/planer/{plan}/handlingsplaner/{region}",
        vec![case(format!("/planer/{p}/handlingsplaner/RN"), Body::None, OWN)],
    );
    add(
        "post",
        "/planer/{plan}/handlingsplaner/{region}/mal/{goal}",
        vec![case(
            format!("/planer/{p}/handlingsplaner/RN/mal/1.1"),
            form(&[("own_goal", "x"), ("current_state", "y"), ("version", "99")]),
            OWN,
        )],
    );
    add(
        "post",
        "/planer/{plan}/handlingsplaner/{region}/mal/{goal}/aktiviteter",
        vec![case(format!("/planer/{p}/handlingsplaner/RN/mal/1.1/aktiviteter"), form(&[("text", "x")]), OWN)],
    );
    // The demo has no plan before: allowed, it is "not found".
    add(
        "post",
        "/planer/{plan}/handlingsplaner/{region}/mal/{goal}/fran-planen-fore",
        vec![case(format!("/planer/{p}/handlingsplaner/RN/mal/1.1/fran-planen-fore"), form(&[]), OWN)],
    );
    add(
        "post",
        "/planer/{plan}/handlingsplaner/{region}/aktiviteter/{id}",
        vec![case(
            format!("/planer/{p}/handlingsplaner/RN/aktiviteter/{activity}"),
            form(&[("text", "x"), ("status", "klar"), ("version", "99")]),
            OWN,
        )],
    );
    add(
        "get",
        "/api/v1/rounds/{plan}/{year}/levels",
        vec![
            case(format!("/api/v1/rounds/{p}/2024/levels"), Body::None, EVERYONE),
            case(format!("/api/v1/rounds/{p}/2025/levels"), Body::None, REPORTERS),
        ],
    );
    add(
        "put",
        "/api/v1/rounds/{plan}/{year}/goals/{goal}/regions/{region}",
        vec![case(
            format!("/api/v1/rounds/{p}/2025/goals/1.1/regions/RN"),
            Body::Json(json!({"level": "P", "comment": "", "version": 99})),
            OWN,
        )],
    );
    add(
        "get",
        "/api/v1/rounds/{plan}/{year}/goals/{goal}/regions/{region}/history",
        vec![case(format!("/api/v1/rounds/{p}/2025/goals/1.1/regions/RN/history"), Body::None, OWN)],
    );
    // Everyone may follow a goal back; the page leaves out the rounds the viewer may not read
    // (tested in `pages::a_goal_is_followed_through_the_plans_before_it`).
    // A plan's life is the RCC's (here refused as a conflict: the demo is adopted, its 2025 open).
    add("post", "/planer/{plan}/faststall", vec![case(format!("/planer/{p}/faststall"), form(&[]), RCC)]);
    add("post", "/planer/{plan}/avsluta", vec![case(format!("/planer/{p}/avsluta"), form(&[]), RCC)]);
    // Writing plans is the RCC's (here refused as incomplete, or a conflict: the demo is no draft).
    add("get", "/planer/{plan}/efterfoljare", vec![case(format!("/planer/{p}/efterfoljare"), Body::None, RCC)]);
    add("post", "/planer/{plan}/efterfoljare", vec![case(format!("/planer/{p}/efterfoljare"), form(&[]), RCC)]);
    add("get", "/planer/{plan}/utkast", vec![case(format!("/planer/{p}/utkast"), Body::None, RCC)]);
    add("get", "/ny-plan", vec![case("/ny-plan".to_owned(), Body::None, RCC)]);
    add("post", "/ny-plan", vec![case("/ny-plan".to_owned(), form(&[]), RCC)]);
    add(
        "post",
        "/planer/{plan}/utkast/omraden/{area}",
        vec![case(format!("/planer/{p}/utkast/omraden/1"), form(&[("text", "x")]), RCC)],
    );
    add(
        "post",
        "/planer/{plan}/utkast/mal/{goal}/ta-bort",
        vec![case(format!("/planer/{p}/utkast/mal/1.1/ta-bort"), form(&[]), RCC)],
    );
    add(
        "post",
        "/planer/{plan}/utkast/mal/{goal}/upp",
        vec![case(format!("/planer/{p}/utkast/mal/1.2/upp"), form(&[]), RCC)],
    );
    add("post", "/planer/{plan}/utkast/omraden", vec![case(format!("/planer/{p}/utkast/omraden"), form(&[]), RCC)]);
    add(
        "post",
        "/planer/{plan}/utkast/omraden/{area}/mal",
        vec![case(format!("/planer/{p}/utkast/omraden/1/mal"), form(&[("text", "x")]), RCC)],
    );
    add(
        "post",
        "/planer/{plan}/utkast/mal/{goal}",
        vec![case(format!("/planer/{p}/utkast/mal/1.1"), form(&[("text", "x")]), RCC)],
    );
    add(
        "post",
        "/planer/{plan}/utkast/omraden/{area}/upp",
        vec![case(format!("/planer/{p}/utkast/omraden/2/upp"), form(&[]), RCC)],
    );
    add(
        "post",
        "/planer/{plan}/utkast/omraden/{area}/ta-bort",
        vec![case(format!("/planer/{p}/utkast/omraden/1/ta-bort"), form(&[]), RCC)],
    );
    add("get", "/planer/{plan}/utkast/uppgifter", vec![case(format!("/planer/{p}/utkast/uppgifter"), Body::None, RCC)]);
    add("post", "/planer/{plan}/utkast/uppgifter", vec![case(format!("/planer/{p}/utkast/uppgifter"), form(&[]), RCC)]);
    add("get", "/planer/{plan}/mal/{goal}", vec![case(format!("/planer/{p}/mal/3.3"), Body::None, EVERYONE)]);
    // Correcting an adopted plan's goal is the RCC's (here refused as incomplete: no reason).
    add(
        "post",
        "/planer/{plan}/mal/{goal}/lydelse",
        vec![case(format!("/planer/{p}/mal/3.3/lydelse"), form(&[("text", "x"), ("version", "1")]), RCC)],
    );
    add(
        "post",
        "/planer/{plan}/mal/{goal}/utgar",
        vec![case(format!("/planer/{p}/mal/3.3/utgar"), form(&[("fran", "2025")]), RCC)],
    );
    add(
        "get",
        "/planer/{plan}/{year}/rapport/{format}",
        vec![
            case(format!("/planer/{p}/2024/rapport/xlsx"), Body::None, EVERYONE),
            case(format!("/planer/{p}/2025/rapport/html"), Body::None, RCC),
        ],
    );
    add(
        "get",
        "/planer/{plan}/{year}/sammanfattning",
        vec![case(format!("/planer/{p}/2024/sammanfattning"), Body::None, RCC)],
    );
    add(
        "get",
        "/planer/{plan}/{year}/processer/{process}/rapport/{format}",
        vec![
            case(format!("/planer/{p}/2024/processer/vagen-in/rapport/html"), Body::None, STAFF),
            case(format!("/planer/{p}/2025/processer/vagen-in/rapport/html"), Body::None, PROCESS),
        ],
    );
    add(
        "get",
        "/planer/{plan}/{year}/sammanfattning/redigera",
        vec![case(format!("/planer/{p}/2025/sammanfattning/redigera"), Body::None, RCC)],
    );
    add(
        "post",
        "/planer/{plan}/{year}/sammanfattning/redigera",
        vec![case(
            format!("/planer/{p}/2025/sammanfattning/redigera"),
            form(&[("version", "99"), ("introduction", "x")]),
            RCC,
        )],
    );
    add(
        "get",
        "/planer/{plan}/{year}/diagram",
        vec![
            case(format!("/planer/{p}/2024/diagram"), Body::None, EVERYONE),
            case(format!("/planer/{p}/2025/diagram"), Body::None, RCC),
        ],
    );
    add("get", "/planer/{plan}/{year}/siffror", vec![case(format!("/planer/{p}/2024/siffror"), Body::None, RCC)]);
    add(
        "post",
        "/planer/{plan}/{year}/siffror",
        vec![case(
            format!("/planer/{p}/2024/siffror"),
            form(&[("goal", "9.9"), ("author", "RJH"), ("region", "RJH"), ("value", "1"), ("atgard", "avvisa")]),
            RCC,
        )],
    );
    add(
        "post",
        "/planer/{plan}/{year}/indikatorer/varden",
        vec![case(
            format!("/planer/{p}/2024/indikatorer/varden"),
            form(&[("indicator", "okand"), ("value", "1")]),
            RCC,
        )],
    );
    add(
        "post",
        "/planer/{plan}/{year}/indikatorer/import",
        vec![case(format!("/planer/{p}/2024/indikatorer/import"), form(&[]), RCC)],
    );
    add(
        "get",
        "/planer/{plan}/{year}/indikatorer/ny",
        vec![case(format!("/planer/{p}/2024/indikatorer/ny"), Body::None, RCC)],
    );
    add(
        "post",
        "/planer/{plan}/{year}/indikatorer/ny",
        vec![case(format!("/planer/{p}/2024/indikatorer/ny"), form(&[("name", "")]), RCC)],
    );
    add(
        "get",
        "/planer/{plan}/{year}/indikatorer/{indicator}/andra",
        vec![case(format!("/planer/{p}/2024/indikatorer/svf-ledtid/andra"), Body::None, RCC)],
    );
    add(
        "post",
        "/planer/{plan}/{year}/indikatorer/{indicator}/andra",
        vec![case(
            format!("/planer/{p}/2024/indikatorer/svf-ledtid/andra"),
            form(&[("version", "1"), ("name", "")]),
            RCC,
        )],
    );
    add(
        "post",
        "/planer/{plan}/{year}/indikatorer/{indicator}/ta-bort",
        vec![case(format!("/planer/{p}/2024/indikatorer/svf-ledtid/ta-bort"), form(&[("version", "1")]), RCC)],
    );
    add(
        "post",
        "/planer/{plan}/{year}/indikatorer/{indicator}/varden/ta-bort",
        vec![case(
            format!("/planer/{p}/2024/indikatorer/svf-ledtid/varden/ta-bort"),
            form(&[("region", "RN"), ("period", "1999")]),
            RCC,
        )],
    );
    // Accounts: an admin every one, RCC staff those of their own healthcare region (here refused as
    // incomplete); everyone signed in their own page and tokens.
    add("get", "/konton", vec![case("/konton".into(), Body::None, RCC)]);
    add("get", "/konton/ny", vec![case("/konton/ny".into(), Body::None, RCC)]);
    add("post", "/konton/ny", vec![case("/konton/ny".into(), form(&[("anvandarnamn", "")]), RCC)]);
    add("get", "/konton/{id}", vec![case("/konton/3".into(), Body::None, RCC)]);
    add("post", "/konton/{id}", vec![case("/konton/3".into(), form(&[("roll", "")]), RCC)]);
    add("post", "/konton/{id}/inaktivera", vec![case("/konton/3/inaktivera".into(), form(&[("skal", "")]), RCC)]);
    add("post", "/konton/{id}/aktivera", vec![case("/konton/3/aktivera".into(), form(&[("skal", "")]), RCC)]);
    add(
        "post",
        "/konton/{id}/nycklar/{token}/aterkalla",
        vec![case("/konton/3/nycklar/999/aterkalla".into(), form(&[]), RCC)],
    );
    add("post", "/konton/{id}/lank", vec![case("/konton/3/lank".into(), form(&[]), RCC)]);
    // Anyone may ask for a new password (the answer is the same whether an account matches).
    add("get", "/glomt-losenord", vec![case("/glomt-losenord".into(), Body::None, EVERYONE)]);
    add("post", "/glomt-losenord", vec![case("/glomt-losenord".into(), form(&[("vem", "")]), EVERYONE)]);
    // A link to choose a password is the link's holder's: anyone with it (an unknown one is a 404).
    add("get", "/losenord/{token}", vec![case("/losenord/okand".into(), Body::None, EVERYONE)]);
    add("post", "/losenord/{token}", vec![case("/losenord/okand".into(), form(&[("losenord", "x")]), EVERYONE)]);
    add(
        "post",
        "/konto/inloggningar/{id}/avsluta",
        vec![case("/konto/inloggningar/000000000000/avsluta".into(), form(&[]), SIGNED_IN)],
    );
    add("post", "/konto/utskick", vec![case("/konto/utskick".into(), form(&[("vill", "reminder")]), SIGNED_IN)]);
    // A round's mail is the RCC's to see and steer.
    add("get", "/planer/{plan}/{year}/utskick", vec![case(format!("/planer/{p}/2025/utskick"), Body::None, RCC)]);
    add(
        "post",
        "/planer/{plan}/{year}/utskick/paminnelser",
        vec![case(format!("/planer/{p}/2025/utskick/paminnelser"), form(&[("dagar", "x")]), RCC)],
    );
    add(
        "post",
        "/planer/{plan}/{year}/utskick/sista-dag",
        vec![case(format!("/planer/{p}/2025/utskick/sista-dag"), form(&[("sista", "x")]), RCC)],
    );
    add(
        "post",
        "/planer/{plan}/{year}/utskick/{id}/skicka-igen",
        vec![case(format!("/planer/{p}/2025/utskick/999/skicka-igen"), form(&[]), RCC)],
    );
    add("get", "/konto", vec![case("/konto".into(), Body::None, SIGNED_IN)]);
    add(
        "post",
        "/konto/nycklar",
        vec![case("/konto/nycklar".into(), form(&[("namn", ""), ("dagar", "0")]), SIGNED_IN)],
    );
    add(
        "post",
        "/konto/nycklar/{token}/aterkalla",
        vec![case("/konto/nycklar/999/aterkalla".into(), form(&[]), SIGNED_IN)],
    );
    add("get", "/static/uppfolj.css", vec![case("/static/uppfolj.css".into(), Body::None, EVERYONE)]);
    add("get", "/static/uppfolj.js", vec![case("/static/uppfolj.js".into(), Body::None, EVERYONE)]);
    add("get", "/healthz", vec![case("/healthz".into(), Body::None, EVERYONE)]);
    add("get", "/healthz/ready", vec![case("/healthz/ready".into(), Body::None, EVERYONE)]);
    m
}

fn denied(path: &str, status: u16, location: &str) -> bool {
    status == 403
        || (status == 303 && location.starts_with("/logga-in"))
        || (path.starts_with("/api/") && status == 401)
}

both_backends!(every_route_for_every_role, |backend| every_route_for_every_role(backend));

async fn every_route_for_every_role(backend: Backend) {
    let app = workflow_app(backend).await;
    // An activity in RN's action plan, for the route that changes one.
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    rn.post(&format!("/planer/{PLAN}/handlingsplaner/RN/mal/1.1/aktiviteter"), &[("text", "Första")]).await;
    let page = rn.page(&format!("/planer/{PLAN}/handlingsplaner/RN")).await;
    let activity = page
        .split(&format!("/planer/{PLAN}/handlingsplaner/RN/aktiviteter/"))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("activity id")
        .to_owned();

    let own = matrix(PLAN, &activity);
    let missing: Vec<String> = uppfolj_web::ROUTES
        .iter()
        .filter(|(m, r)| !own.contains_key(&(*m, *r)))
        .map(|(m, r)| format!("{} {r}", m.to_uppercase()))
        .collect();
    assert!(missing.is_empty(), "routes without an entry in the authorization matrix: {missing:?}");
    let stale: Vec<String> =
        own.keys().filter(|k| !uppfolj_web::ROUTES.contains(k)).map(|(m, r)| format!("{m} {r}")).collect();
    assert!(stale.is_empty(), "matrix entries for routes that no longer exist: {stale:?}");

    let users = [
        (Who::Anonymous, None),
        (Who::Reader, Some("reader")),
        (Who::OwnRegion, Some("rn")),
        (Who::OtherRegion, Some("rv")),
        (Who::Process, Some("proc")),
        (Who::Rcc, Some("rcc")),
        (Who::Admin, Some("admin")),
    ];
    let mut failures = Vec::new();
    // The same requests on the plan of another healthcare region that reuses Norr's region codes
    // and process short names: there Norr's accounts are the public, and only an admin (national)
    // is more. Routes that are not a plan's are the same everywhere, and asked once.
    add_second_region(&app.db);
    let mut runs: Vec<((&str, &str), Vec<Case>)> = own.into_iter().collect();
    for ((method, route), cases) in matrix(OTHER_PLAN, &activity) {
        if route.contains("{plan}") {
            let outsiders = |c: Case| Case { allowed: if c.allowed == EVERYONE { EVERYONE } else { ADMIN }, ..c };
            runs.push(((method, route), cases.into_iter().map(outsiders).collect()));
        }
    }
    for ((method, route), cases) in &runs {
        for c in cases {
            for (who, user) in users {
                let mut b = Browser::new(&app);
                if let Some(u) = user {
                    b.login(u).await;
                }
                let r = match (&c.body, *method) {
                    (Body::None, "get") => b.get(&c.path).await,
                    (Body::Form(fields), "post") => {
                        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                        b.post(&c.path, &f).await
                    }
                    (Body::Json(v), "put") => b.json(reqwest::Method::PUT, &c.path, Some(v.clone())).await,
                    (_, m) => panic!("no request for {m} {route}"),
                };
                let status = r.status().as_u16();
                let loc = location(&r);
                let is_denied = denied(&c.path, status, &loc);
                let should_allow = c.allowed.contains(&who);
                if is_denied == should_allow || status >= 500 {
                    failures.push(format!(
                        "{} {} as {who:?}: {status} {loc} (expected {})",
                        method.to_uppercase(),
                        c.path,
                        if should_allow { "allowed" } else { "denied" }
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "authorization matrix violations:\n{}", failures.join("\n"));
}
