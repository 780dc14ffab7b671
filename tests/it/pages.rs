//! Pages that cost what they show, and never show less than what was saved: a save on an open round
//! is on the next page load; a published round's pages, downloads and conditional requests are
//! served from what is already known until it is reopened, and reopening drops them; long histories
//! come a page at a time.

use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

fn etag(r: &reqwest::Response) -> String {
    r.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

fn cache_control(r: &reqwest::Response) -> String {
    r.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

async fn get_if(app: &TestApp, path: &str, tag: &str) -> reqwest::Response {
    app.client.get(format!("{}{path}", app.address)).header("if-none-match", tag).send().await.expect("GET")
}

/// The version of RN's cell `goal` in `year`, from the API.
/// Saves goal 1.1 as achieved with `comment` on a region's form, from the round's first version.
async fn save_first_goal(b: &mut Browser, form: &str, comment: &str) -> reqwest::Response {
    let fields = [
        ("niva_1_1", "U"),
        ("kommentar_1_1", comment),
        ("version_1_1", "1"),
        ("orig_niva_1_1", ""),
        ("orig_kommentar_1_1", ""),
        ("atgard", "spara"),
    ];
    b.post(form, &fields).await
}

async fn cell_version(app: &TestApp, token: &str, year: i32, goal: (u32, u32)) -> i64 {
    let cells: serde_json::Value = app
        .client
        .get(format!("{}/api/v1/rounds/{PLAN}/{year}/levels", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    cells
        .as_array()
        .expect("cells")
        .iter()
        .find(|c| c["area"] == goal.0 && c["goal"] == goal.1 && c["region"] == "RN")
        .and_then(|c| c["version"].as_i64())
        .expect("RN's cell")
}

both_backends!(a_save_on_an_open_round_shows_on_the_next_page_load, |backend| async move {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    let area = format!("/planer/{PLAN}/2025/omraden/1");
    let form = format!("/planer/{PLAN}/2025/regioner/RN");
    let text = "Screeningen når nu hela länet.";
    let report = format!("/planer/{PLAN}/2025/rapport/html");
    // Every page and download of the round is read before the save, so that a kept copy would show
    // (twice: the second is served from memory).
    for path in [&area, &format!("/planer/{PLAN}/2025"), &format!("/planer/{PLAN}/2025/diagram"), &report] {
        assert!(!rcc.page(path).await.contains(text), "{path} before the save");
        assert!(!rcc.page(path).await.contains(text), "{path} before the save, again");
    }
    assert!(!rn.page(&form).await.contains(text));
    assert!(!rn.page(&form).await.contains(text));
    assert!(!rcc.page(&format!("/planer/{PLAN}/2025")).await.contains(" 1 av "), "nothing achieved yet");
    let r = save_first_goal(&mut rn, &form, text).await;
    assert_eq!(r.status(), 303);
    assert!(rcc.page(&area).await.contains(text), "the area page shows the saved comment at once");
    assert!(rn.page(&form).await.contains(text), "so does the region's form");
    assert!(rcc.page(&report).await.contains(text), "and the compiled report");
    let r = rcc.get(&report).await;
    assert!(etag(&r).is_empty() && cache_control(&r) == "no-store", "an open round's download: {:?}", r.headers());
    let overview = rcc.page(&format!("/planer/{PLAN}/2025")).await;
    assert!(overview.contains(" 1 av "), "the overview counts RN's U");
    assert!(rcc.page(&format!("/planer/{PLAN}/2025/granskning")).await.contains("Utkast"), "the review: a draft");
    // An open round's pages are never kept for anyone, nor answered as unchanged.
    let r = rcc.get(&area).await;
    assert!(etag(&r).is_empty() && cache_control(&r) == "no-store", "an open round's page: {:?}", r.headers());
    // The public is still sent to log in, every time.
    for _ in 0..2 {
        assert_eq!(app.get(&area).await.status(), 303);
    }
});

both_backends!(reopening_a_published_round_drops_its_kept_pages, |backend| async move {
    let app = workflow_app(backend).await;
    let area = format!("/planer/{PLAN}/2024/omraden/1");
    let xlsx = format!("/planer/{PLAN}/2024/rapport/xlsx");
    // The public's page of a published round: revalidated, and unchanged is 304 with nothing read.
    let first = app.get(&area).await;
    assert_eq!(first.status(), 200);
    let tag = etag(&first);
    assert!(tag.starts_with("W/\""), "a weak entity tag: {tag:?}");
    assert_eq!(cache_control(&first), "no-cache");
    let body = first.text().await.unwrap();
    assert_eq!(app.page(&area).await, body, "served again as it was");
    assert_eq!(get_if(&app, &area, &tag).await.status(), 304);
    assert_eq!(get_if(&app, &area, "W/\"something-else\"").await.status(), 200);
    let report = app.get(&xlsx).await;
    let report_tag = etag(&report);
    assert!(!report_tag.is_empty() && report.status() == 200);
    assert_eq!(get_if(&app, &xlsx, &report_tag).await.status(), 304, "a download too");
    // Signed-in pages of the same round stay out of browsers' caches: they show who is signed in.
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let r = rcc.get(&area).await;
    assert!(etag(&r).is_empty() && cache_control(&r) == "no-store");

    // Reopened: the kept page is gone for everyone, and the old tag no longer matches.
    let r = rcc.post(&format!("/planer/{PLAN}/2024/oppna-igen"), &[("skal", "Rättelse av RN:s svar.")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get(&area).await.status(), 303, "the public is sent to log in");
    assert_eq!(get_if(&app, &area, &tag).await.status(), 303);
    assert_eq!(get_if(&app, &xlsx, &report_tag).await.status(), 303);

    // Changed and published again: the public sees the change, under a new tag.
    let token = token(&app.db, "rcc");
    let version = cell_version(&app, &token, 2024, (1, 1)).await;
    let fixed = "Rättat efter att uppföljningen öppnades igen.";
    let r = app
        .client
        .put(format!("{}/api/v1/rounds/{PLAN}/2024/goals/1.1/regions/RN", app.address))
        .bearer_auth(&token)
        .json(&json!({"level": "P", "comment": fixed, "version": version}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert!(rcc.page(&area).await.contains(fixed), "the RCC sees the change in the open round");
    let r = rcc.post(&format!("/planer/{PLAN}/2024/publicera"), &[("anda", "1")]).await;
    assert_eq!(r.status(), 303);
    let again = get_if(&app, &area, &tag).await;
    assert_eq!(again.status(), 200, "the old tag is not the page now");
    assert_ne!(etag(&again), tag);
    assert!(again.text().await.unwrap().contains(fixed), "the public sees the corrected comment");
    let report = get_if(&app, &xlsx, &report_tag).await;
    assert_eq!(report.status(), 200);
    assert_ne!(etag(&report), report_tag);
});

both_backends!(a_change_elsewhere_in_the_plan_moves_a_published_rounds_pages_on, |backend| async move {
    let app = workflow_app(backend).await;
    let dashboard = format!("/planer/{PLAN}/2024/diagram");
    let overview = format!("/planer/{PLAN}/2024");
    let tag = etag(&app.get(&dashboard).await);
    let overview_tag = etag(&app.get(&overview).await);
    // A save in the open 2025 round is not on 2024's pages: they stay as they were.
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    let r = save_first_goal(&mut rn, &format!("/planer/{PLAN}/2025/regioner/RN"), "Klart.").await;
    assert_eq!(r.status(), 303);
    assert_eq!(get_if(&app, &dashboard, &tag).await.status(), 304, "2025's save leaves 2024's pages");
    // An indicator value is on the 2024 dashboard: a new one moves it on.
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let r = rcc
        .post(
            &format!("/planer/{PLAN}/2025/indikatorer/varden"),
            &[("indicator", "svf-ledtid"), ("region", "RN"), ("period", "2025"), ("value", "61"), ("extracted", "")],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let r = get_if(&app, &dashboard, &tag).await;
    assert_eq!(r.status(), 200, "the indicator's new value is on the dashboard");
    // Publishing 2025 puts a new year on 2024's overview.
    assert_eq!(get_if(&app, &overview, &overview_tag).await.status(), 200);
    let r = rcc.post(&format!("/planer/{PLAN}/2025/publicera"), &[("anda", "1")]).await;
    assert_eq!(r.status(), 303);
    let page = app.page(&overview).await;
    assert!(page.contains(&format!("href=\"/planer/{PLAN}/2025\"")), "the 2024 overview links to 2025 now");
});

both_backends!(a_long_history_comes_a_page_at_a_time, |backend| async move {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    // The demo's 2024 round holds hundreds of recorded values.
    let history = format!("/planer/{PLAN}/2024/historik");
    let first = rcc.page(&history).await;
    assert_eq!(first.matches("<tr><td>").count(), 100, "a page holds 100 changes");
    assert!(first.contains("Sida 1 av") && first.contains("?sida=2\" rel=\"next\""), "and links the next");
    let second = rcc.page(&format!("{history}?sida=2")).await;
    assert!(second.contains("Sida 2 av") && second.contains("Ändring 101–"), "{second}");
    assert!(second.contains(&format!("href=\"{history}\" rel=\"prev\"")));
    let far = rcc.page(&format!("{history}?sida=9999")).await;
    assert!(far.contains("Sidan finns inte") && far.contains(&format!("href=\"{history}\"")), "past the end: said so");
    let r = rcc.get(&format!("{history}?sida=tre")).await;
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(text.contains("Sidnumret") && text.contains("tre") && text.contains("(sida=)"), "says what is wrong");
    // The API's history: a page of events, with the total and the next page named.
    let token = token(&app.db, "rcc");
    let r = app
        .client
        .get(format!("{}/api/v1/rounds/{PLAN}/2024/goals/1.1/regions/RN/history", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let total: usize = r.headers()["x-total-count"].to_str().unwrap().parse().unwrap();
    let events: serde_json::Value = r.json().await.unwrap();
    assert_eq!(events.as_array().unwrap().len(), total, "a cell's few changes fit on one page");
});

both_backends!(an_indicators_page_shows_its_latest_periods_and_the_rest_on_request, |backend| async move {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let page = format!("/planer/{PLAN}/2025/indikatorer");
    // Four more years of one indicator: the oldest drop out of the table, one link shows them.
    for year in ["2015", "2016", "2017", "2018"] {
        let r = rcc
            .post(
                &format!("{page}/varden"),
                &[("indicator", "svf-ledtid"), ("region", "RN"), ("period", year), ("value", "40"), ("extracted", "")],
            )
            .await;
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    }
    let shown = rcc.page(&page).await;
    assert!(!shown.contains("<td>2015</td>"), "the oldest period is not in the table");
    let link = "?alla=svf-ledtid#indikator-svf-ledtid";
    assert!(shown.contains(link) && shown.contains("värden från äldre perioder visas inte här"));
    let all = rcc.page(&format!("{page}?alla=svf-ledtid")).await;
    assert!(all.contains("<td>2015</td>") && all.contains("<td>2018</td>"), "every value on request");
});

both_backends!(a_goal_is_followed_through_the_plans_before_it, |backend| async move {
    let app = workflow_app(backend).await;
    // A successor plan whose 2025 round is still open.
    let open = "\n[[round]]\nyear = 2025\nconducted = \"2025-11\"\nstatus = \"open\"\n\n[[round.goal]]\ngoal = \"1.1\"\n\
                levels = { RN = \"U\" }\ncomments = { RN = \"Ännu inte publicerat.\" }\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("efterfoljare.toml");
    std::fs::write(&file, crate::data::successor(&app.db, crate::data::LINKED_GOALS, open)).expect("write");
    cli_ok(&app.db, &["import", file.to_str().expect("path")]);

    let goal_page = "/planer/norr-2025-2028/mal/1.4";
    let page = app.page(goal_page).await;
    assert!(page.contains("Mål 1.4 genom åren"), "{page}");
    assert!(page.contains("Mål 1.3 och mål 1.4 i planen före slogs ihop till det här målet."), "{page}");
    assert!(page.contains("Uppföljning 2024") && page.contains("<th scope=\"row\">1.3</th>"), "both old goals, 2024");
    // Both plans' 2025 rounds are open (the demo's too, in this app).
    assert!(page.contains("2 uppföljningar är ännu inte publicerade och visas inte."), "{page}");
    assert!(!page.contains("Uppföljning 2025"), "the open round is not the public's");
    // The RCC sees the round in progress too, with the region's comment.
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let page = rcc.page("/planer/norr-2025-2028/mal/1.1").await;
    assert!(page.contains("Fortsätter mål 1.1 i planen före."), "{page}");
    assert!(page.contains("Uppföljning 2025</a> (pågår)") && page.contains("Ännu inte publicerat."), "{page}");
    assert!(page.contains("Uppföljning 2024"), "and 2024 beside it");
    // Forward from the old plan: a goal split in two, and a goal the new plan does not carry on.
    let page = app.page(&format!("/planer/{PLAN}/mal/1.2")).await;
    assert!(page.contains("I planen efter: <a href=\"/planer/norr-2025-2028\">Prövoplan 2025–2028</a>"), "{page}");
    assert!(page.contains("<a href=\"/planer/norr-2025-2028/mal/1.2\">Mål 1.2</a> (delas)"), "{page}");
    assert!(page.contains("<a href=\"/planer/norr-2025-2028/mal/1.3\">Mål 1.3</a> (delas)"), "{page}");
    assert!(app.page(&format!("/planer/{PLAN}/mal/3.3")).await.contains("Målet fortsätter inte i den planen"));
    // Every goal of an area page links to its history; no such goal or plan is a 404.
    assert!(
        app.page(&format!("/planer/{PLAN}/2024/omraden/3")).await.contains(&format!("href=\"/planer/{PLAN}/mal/3.3\""))
    );
    assert_eq!(app.get("/planer/norr-2025-2028/mal/9.9").await.status(), 404);
    assert_eq!(app.get("/planer/finns-inte/mal/1.1").await.status(), 404);
    assert_eq!(app.get("/planer/norr-2025-2028/mal/x").await.status(), 404);
});

both_backends!(a_successors_first_round_starts_from_the_answers_before, |backend| async move {
    let app = workflow_app(backend).await;
    let open = "\n[[round]]\nyear = 2025\nconducted = \"2025-11\"\nstatus = \"open\"\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("efterfoljare.toml");
    std::fs::write(&file, crate::data::successor(&app.db, crate::data::LINKED_GOALS, open)).expect("write");
    cli_ok(&app.db, &["import", file.to_str().expect("path")]);
    // What RN answered in 2024 to the old goals, as the export gives it.
    let old = cli_ok(&app.db, &["export", "goal-history", "--plan", PLAN, "--goal", "1.2", "--format", "json"]);
    let old: serde_json::Value = serde_json::from_str(&old).expect("json");
    let rn = old.as_array().expect("rows").iter().find(|r| r["region"] == "RN").expect("RN 2024");
    let (level, comment) = (rn["level"].as_str().expect("level"), rn["comment"].as_str().expect("comment"));
    assert!(!comment.is_empty(), "RN commented on 1.2 in 2024");
    let escaped = |t: &str| {
        t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&#34;").replace('\'', "&#39;")
    };

    let mut reporter = Browser::new(&app);
    reporter.login("rn").await;
    let form = "/planer/norr-2025-2028/2025/regioner/RN";
    let page = reporter.page(form).await;
    assert!(page.contains("Vid varje mål ser du regionens svar från 2024 i planen före."), "{page}");
    // Goal 1.2 is a part of the old 1.2: its 2024 answer stands beside it, and starts it on request.
    assert!(page.contains(&escaped(comment)), "the old answer beside the new goal");
    assert!(page.contains("Utgå från svaren från 2024 i planen före"));
    let page = reporter.page(&format!("{form}?forra=1")).await;
    assert!(page.contains(&format!(">{}</textarea>", escaped(comment))), "prefilled, nothing saved");
    assert!(page.contains(&format!("<option value=\"{level}\" selected")), "the old level chosen: {level}");
    // Nothing was saved: the form without ?forra is empty again.
    assert!(!reporter.page(form).await.contains(&format!(">{}</textarea>", escaped(comment))));
    // The demo's own 2025 round is no plan's first: it starts from its own 2024, not from a predecessor.
    let own = reporter.page(&format!("/planer/{PLAN}/2025/regioner/RN")).await;
    assert!(own.contains("Vid varje mål ser du regionens svar från 2024.") && !own.contains("i planen före"));
});

both_backends!(a_draft_plan_is_the_rccs_until_it_is_adopted, |backend| draft_plan_is_the_rccs(backend));

async fn draft_plan_is_the_rccs(backend: Backend) {
    let app = workflow_app(backend).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("utkast.toml");
    let draft = crate::data::successor(&app.db, crate::data::LINKED_GOALS, "")
        .replace("predecessor = \"norr-2022-2024\"", "predecessor = \"norr-2022-2024\"\nstatus = \"draft\"");
    std::fs::write(&file, &draft).expect("write");
    cli_ok(&app.db, &["import", file.to_str().expect("path")]);
    let plan = "/planer/norr-2025-2028";
    let exported = cli_ok(&app.db, &["export", "data", "--plan", "norr-2025-2028"]);
    assert!(exported.contains("status = \"draft\""), "a draft exports as a draft");

    // Nobody but RCC staff and admins knows it exists.
    assert!(!app.page("/").await.contains("Prövoplan 2025–2028"));
    assert_eq!(app.get(plan).await.status(), 404);
    assert_eq!(app.get(&format!("{plan}/mal/1.1")).await.status(), 404);
    assert!(!app.page(&format!("/planer/{PLAN}/mal/1.1")).await.contains("Prövoplan"), "nor as the plan after");
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    assert!(!rn.page("/").await.contains("Prövoplan 2025–2028"), "no task for a draft either");
    assert_eq!(rn.get(plan).await.status(), 404);
    assert_eq!(rn.get(&format!("{plan}/handlingsplaner/RN")).await.status(), 404);
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    assert!(rcc.page("/").await.contains("Prövoplan 2025–2028</a> <strong>(Utkast)</strong>"));
    let page = rcc.page(plan).await;
    assert!(page.contains("Planen är ett utkast") && page.contains("Fastställ planen"), "{page}");
    assert!(!page.contains("Öppna uppföljningen"), "a draft is not followed up");
    assert!(rcc.page(&format!("{plan}/mal/1.1")).await.contains("Fortsätter mål 1.1 i planen före."));
    assert!(
        rcc.page(&format!("/planer/{PLAN}/mal/1.1")).await.contains("I planen efter"),
        "the RCC sees the draft ahead"
    );
    // No round while it is a draft, on the command line either.
    let r = rcc.post(&format!("{plan}/uppfoljningar"), &[("year", "2025"), ("deadline", "2026-03-31")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap_or_default().contains("är ett utkast: fastställ den innan den följs upp"));
    let o = cli(&app.db, &["plan", "close", "--plan", "norr-2025-2028"]);
    assert!(!o.status.success() && stderr(&o).contains("ett utkast fastställs först"), "{}", stderr(&o));

    // Adopted: everyone sees it, and it is followed up.
    assert_eq!(rcc.post(&format!("{plan}/faststall"), &[]).await.status(), 303);
    assert_eq!(rcc.post(&format!("{plan}/faststall"), &[]).await.status(), 409, "adopted once");
    assert!(app.page("/").await.contains("Prövoplan 2025–2028</a>\n"), "listed, without a status");
    assert_eq!(app.get(plan).await.status(), 200);
    assert_eq!(rn.get(&format!("{plan}/handlingsplaner/RN")).await.status(), 200);
    let r = rcc.post(&format!("{plan}/uppfoljningar"), &[("year", "2028"), ("deadline", "2029-03-31")]).await;
    assert_eq!(r.status(), 303);
    // Closed only once its final round is published; then no more rounds.
    let o = cli(&app.db, &["plan", "close", "--plan", "norr-2025-2028"]);
    assert!(!o.status.success() && stderr(&o).contains("inte är publicerad"), "{}", stderr(&o));
    cli_ok(&app.db, &["round", "publish", "--plan", "norr-2025-2028", "--year", "2028", "--force"]);
    assert!(rcc.page(&format!("{plan}/2028")).await.contains("Avsluta planen"));
    assert_eq!(rcc.post(&format!("{plan}/avsluta"), &[]).await.status(), 303);
    let page = rcc.page(&format!("{plan}/2028")).await;
    assert!(
        page.contains("<dd>Avslutad</dd>") && !page.contains("Avsluta planen") && !page.contains("Öppna uppföljningen")
    );
    let o = cli(&app.db, &["round", "open", "--plan", "norr-2025-2028", "--year", "2027", "--deadline", "2028-03-31"]);
    assert!(!o.status.success() && stderr(&o).contains("är avslutad"), "{}", stderr(&o));
    assert!(app.page("/").await.contains("Prövoplan 2025–2028</a> <strong>(Avslutad)</strong>"));
}

both_backends!(a_successors_action_plan_starts_from_the_plan_before, |backend| async move {
    let app = workflow_app(backend).await;
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    // RN's action plan for the old goal 1.2: its own goal, one activity going on and one done.
    let old = format!("/planer/{PLAN}/handlingsplaner/RN");
    let r = rn
        .post(
            &format!("{old}/mal/1.2"),
            &[("own_goal", "Alla årskullar inbjudna 2026."), ("current_state", "Två årskullar."), ("version", "0")],
        )
        .await;
    assert_eq!(r.status(), 303);
    for (text, status) in [("Bjud in nästa årskull", "pagar"), ("Upphandla provtagning", "klar")] {
        let r = rn
            .post(&format!("{old}/mal/1.2/aktiviteter"), &[("text", text), ("responsible", "RN"), ("status", status)])
            .await;
        assert_eq!(r.status(), 303, "{text}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("efterfoljare.toml");
    std::fs::write(&file, crate::data::successor(&app.db, crate::data::LINKED_GOALS, "")).expect("write");
    cli_ok(&app.db, &["import", file.to_str().expect("path")]);

    let new = "/planer/norr-2025-2028/handlingsplaner/RN";
    let page = rn.page(new).await;
    // Both parts of the split 1.2 offer it; the merged 1.4 has no one entry to start from.
    assert_eq!(page.matches("I planen före, mål 1.2:").count(), 2, "{page}");
    assert!(page.contains("Alla årskullar inbjudna 2026.") && page.contains("<dd>1</dd>"), "one activity still open");
    assert!(!page.contains("I planen före, mål 1.3") && !page.contains("I planen före, mål 1.4"));
    assert_eq!(rn.post(&format!("{new}/mal/1.2/fran-planen-fore"), &[]).await.status(), 303);
    let page = rn.page(new).await;
    assert!(page.contains(">Alla årskullar inbjudna 2026.</textarea>") && page.contains(">Två årskullar.</textarea>"));
    assert!(page.contains("Bjud in nästa årskull") && !page.contains("Upphandla provtagning"), "only what is not done");
    assert_eq!(page.matches("I planen före, mål 1.2:").count(), 1, "1.3 still offers it, 1.2 has its own now");
    let r = rn.post(&format!("{new}/mal/1.2/fran-planen-fore"), &[]).await;
    assert_eq!(r.status(), 409, "an entry with content is not overwritten");
    assert_eq!(rn.post(&format!("{new}/mal/1.4/fran-planen-fore"), &[]).await.status(), 404, "a merged goal");
    // The old plan's entry is untouched.
    assert!(rn.page(&old).await.contains("Upphandla provtagning"));
});

both_backends!(the_rcc_writes_the_next_plan_in_the_browser, |backend| next_plan_in_the_browser(backend));

async fn next_plan_in_the_browser(backend: Backend) {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let form = format!("/planer/{PLAN}/efterfoljare");
    let page = rcc.page(&form).await;
    assert!(page.contains("value=\"2025\"") && page.contains("value=\"2027\""), "the next period proposed");
    assert!(rcc.page(&format!("/planer/{PLAN}/2024")).await.contains(&format!("href=\"{form}\"")));

    // Refused: each problem at its field, what was typed kept.
    let bad = [
        ("titel", ""),
        ("kortnamn", ""),
        ("startar", "2025"),
        ("slutar", "2028"),
        ("faststalls_av", "Provdirektionen"),
        ("faststalls_den", "1 mars"),
    ];
    let r = rcc.post(&form, &bad).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    assert!(
        page.contains("Skriv planens titel.") && page.contains("aria-invalid=\"true\" aria-describedby=\"titel-fel\""),
        "{page}"
    );
    assert!(
        page.contains("id=\"faststalls_den-fel\"")
            && page.contains("value=\"1 mars\"")
            && page.contains("value=\"2028\"")
    );
    let good = [
        ("titel", "Prövoplan 2025–2028"),
        ("kortnamn", ""),
        ("startar", "2025"),
        ("slutar", "2028"),
        ("faststalls_av", "Provdirektionen"),
        ("faststalls_den", "2025-02-01"),
    ];
    let r = rcc.post(&form, &good).await;
    assert_eq!(r.status(), 303);
    let editor = "/planer/provoplan-2025-2028/utkast";
    assert_eq!(r.headers()["location"], editor, "the slug is made of the title");
    let again = rcc.post(&form, &good).await;
    assert_eq!(again.status(), 409);
    assert!(
        again
            .text()
            .await
            .expect("page")
            .contains("Det finns redan en plan med kortnamnet &#34;provoplan-2025-2028&#34;")
    );

    // The draft: every old goal copied, each continuing the one it came from.
    let page = rcc.page(editor).await;
    assert!(page.contains("Mål 1.1") && page.contains("name=\"fortsatter\" value=\"3.3\""), "{page}");
    assert!(page.contains("<option value=\"continues\" selected>"));
    assert!(!app.page("/").await.contains("Prövoplan 2025–2028"), "a draft is the RCC's");
    // Goal 1.2 becomes a part of the old 1.2, beside a new goal that is the other part.
    let edit = format!("{editor}/mal/1.2");
    let typed = [
        ("text", "Inbjudan till screening."),
        ("malnivaer", "Alla årskullar"),
        ("lank", "split"),
        ("fortsatter", "9.9"),
    ];
    let r = rcc.post(&edit, &typed).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    assert!(
        page.contains("Planen före har inget mål 9.9") && page.contains(">Inbjudan till screening.</textarea>"),
        "{page}"
    );
    let split = [
        ("text", "Inbjudan till screening."),
        ("malnivaer", "Alla årskullar"),
        ("lank", "split"),
        ("fortsatter", "1.2"),
    ];
    assert_eq!(rcc.post(&edit, &split).await.status(), 303);
    let plan = "/planer/provoplan-2025-2028";
    let r = rcc.post(&format!("{plan}/faststall"), &[]).await;
    assert_eq!(r.status(), 409, "a split into one part is not adopted");
    assert!(r.text().await.expect("page").contains("mål 1.2 delas, men bara 1.2 fortsätter det"));
    let r = rcc.post(&format!("{editor}/omraden/1/mal"), &[("text", "Deltagandet i screeningen.")]).await;
    assert_eq!(r.status(), 303);
    let new_goal = r.headers()["location"].to_str().expect("location").rsplit('#').next().expect("anchor").to_owned();
    let number = new_goal.trim_start_matches("mal-1-");
    let other = [("text", "Deltagandet i screeningen."), ("malnivaer", ""), ("lank", "split"), ("fortsatter", "1.2")];
    assert_eq!(rcc.post(&format!("{editor}/mal/1.{number}"), &other).await.status(), 303);
    assert_eq!(rcc.post(&format!("{editor}/omraden"), &[("text", "Nya arbetssätt")]).await.status(), 303);
    assert!(rcc.page(editor).await.contains("Nya arbetssätt"));

    // Adopted: no longer a draft to edit, everyone sees it, and it is followed up.
    assert_eq!(rcc.post(&format!("{plan}/faststall"), &[]).await.status(), 303);
    assert_eq!(rcc.get(editor).await.status(), 409);
    assert_eq!(rcc.post(&edit, &split).await.status(), 409);
    assert!(app.page("/").await.contains("Prövoplan 2025–2028"));
    let page = app.page(&format!("{plan}/mal/1.2")).await;
    assert!(
        page.contains("En del av mål 1.2 i planen före, som delades.") && page.contains("Uppföljning 2024"),
        "{page}"
    );
    let r = rcc.post(&format!("{plan}/uppfoljningar"), &[("year", "2025"), ("deadline", "2026-03-31")]).await;
    assert_eq!(r.status(), 303);
    let csv =
        cli_ok(&app.db, &["export", "goal-history", "--plan", "provoplan-2025-2028", "--goal", &format!("1.{number}")]);
    assert!(csv.lines().any(|l| l.starts_with("norr-2022-2024,2024,1.2,RN,")), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with(&format!("provoplan-2025-2028,2025,1.{number},RN,"))), "{csv}");
}

both_backends!(the_rcc_writes_a_plan_from_scratch, |backend| plan_from_scratch(backend));

async fn plan_from_scratch(backend: Backend) {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    assert!(rcc.page("/").await.contains("href=\"/ny-plan\""), "offered on the start page");
    let page = rcc.page("/ny-plan").await;
    assert!(page.contains("<option value=\"norr\">Norra sjukvårdsregionen</option>"), "{page}");
    let fields = |region: &'static str| {
        [
            ("sjukvardsregion", region),
            ("titel", "Handlingsprogram för cancervård"),
            ("kortnamn", "handlingsprogram"),
            ("startar", "2026"),
            ("slutar", "2029"),
            ("faststalls_av", "Förbundsdirektionen"),
            ("faststalls_den", "2026-01-15"),
        ]
    };
    let r = rcc.post("/ny-plan", &fields("")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("page").contains("Välj sjukvårdsregionen planen gäller."));
    let r = rcc.post("/ny-plan", &fields("norr")).await;
    assert_eq!(r.status(), 303);
    let editor = "/planer/handlingsprogram/utkast";
    assert_eq!(r.headers()["location"], editor);

    // Areas and goals written one by one; a goal removed, the ones after it move up.
    assert_eq!(rcc.post(&format!("{editor}/omraden"), &[("text", "Första området")]).await.status(), 303);
    assert_eq!(rcc.post(&format!("{editor}/omraden"), &[("text", "")]).await.status(), 422, "a title is needed");
    assert_eq!(rcc.post(&format!("{editor}/omraden/1"), &[("text", "Prevention")]).await.status(), 303);
    for text in ["Alla röker mindre.", "Ett mål som inte blev.", "Fler screenas."] {
        assert_eq!(rcc.post(&format!("{editor}/omraden/1/mal"), &[("text", text)]).await.status(), 303, "{text}");
    }
    assert_eq!(rcc.post(&format!("{editor}/mal/1.2/ta-bort"), &[]).await.status(), 303);
    let page = rcc.page(editor).await;
    assert!(page.contains("1. Prevention") && !page.contains("Ett mål som inte blev."), "{page}");
    assert!(
        page.contains(">Fler screenas.</textarea>")
            && page.contains("Spara mål 1.2")
            && !page.contains("Spara mål 1.3")
    );
    // A plan with no plan before has no old goals to continue.
    let r = rcc
        .post(
            &format!("{editor}/mal/1.1"),
            &[("text", "Alla röker mindre."), ("lank", "continues"), ("fortsatter", "1.1")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("page").contains("ingen plan före"));
    // A goal moved up, and the parts of a two-part level named (both, or none).
    assert_eq!(rcc.post(&format!("{editor}/mal/1.2/upp"), &[]).await.status(), 303);
    assert_eq!(rcc.post(&format!("{editor}/mal/1.1/upp"), &[]).await.status(), 409, "already first");
    let parts = |b: &'static str| [("text", "Fler screenas."), ("del_1", "inbjudan"), ("del_2", b)];
    let r = rcc.post(&format!("{editor}/mal/1.1"), &parts("")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("page").contains("ge båda delarna ett namn, eller ingen"));
    assert_eq!(rcc.post(&format!("{editor}/mal/1.1"), &parts("deltagande")).await.status(), 303);
    let page = rcc.page(editor).await;
    assert!(page.contains("name=\"del_1\" value=\"inbjudan\"") && page.contains("name=\"del_2\" value=\"deltagande\""));

    assert_eq!(rcc.post("/planer/handlingsprogram/faststall", &[]).await.status(), 303);
    assert!(app.page("/").await.contains("Handlingsprogram för cancervård"));
    let page = app.page("/planer/handlingsprogram/mal/1.1").await;
    assert!(page.contains("Mål 1.1:</strong> Fler screenas."), "moved up: {page}");
    assert!(app.page("/planer/handlingsprogram/mal/1.2").await.contains("Mål 1.2:</strong> Alla röker mindre."));
    assert_eq!(rcc.post(&format!("{editor}/mal/1.1/ta-bort"), &[]).await.status(), 409, "not after adoption");
}
