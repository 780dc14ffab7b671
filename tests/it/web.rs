//! The read-only web pages, through HTTP against the running app.

use crate::both_backends;
use crate::helpers::*;

both_backends!(overview_counts_levels_per_region, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let r = app.get("/").await;
    assert_eq!(r.status(), 200);
    let csp = r.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert_eq!(r.headers().get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
    let body = r.text().await.expect("body");
    assert!(body.contains("<html lang=\"sv\">"));
    assert!(body.contains(&format!("href=\"/planer/{PLAN}\"")));

    let r = app.get(&format!("/planer/{PLAN}")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers().get("location").and_then(|v| v.to_str().ok()), Some("/planer/norr-2022-2024/2024"));

    let page = app.page(&format!("/planer/{PLAN}/2024")).await;
    // RN: 15 U, 16 P, 1 E, 1 two-part, 10 blank of 43 (counted from the report's table).
    let rn = page.split("<abbr title=\"Region Norrbotten\">RN</abbr>").nth(1).expect("RN row");
    let cells: Vec<&str> =
        rn.split("<td class=\"tal\">").skip(1).take(6).map(|c| c.split('<').next().unwrap_or("")).collect();
    assert_eq!(cells, ["15", "16", "1", "1", "10", "43"]);
    for area in 1..=7 {
        assert!(page.contains(&format!("href=\"/planer/{PLAN}/2024/omraden/{area}\"")), "area {area}");
    }
    assert!(page.contains("Begränsad delning"));
});

both_backends!(area_pages_show_the_reports_table, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let expected = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/norr-2024-levels.csv"))
        .expect("fixture");
    for area in 1..=7u32 {
        let page = app.page(&format!("/planer/{PLAN}/2024/omraden/{area}")).await;
        assert!(page.contains(
            "<th scope=\"col\" class=\"nivakol\"><abbr title=\"Region Jämtland Härjedalen\">RJH</abbr></th>"
        ));
        for line in expected.lines().skip(1).filter(|l| l.starts_with(&format!("{area},"))) {
            let cells: Vec<&str> = line.split(',').collect();
            let goal = cells[1];
            let row = page
                .split(&format!("<tr id=\"mal-{area}-{goal}\">"))
                .nth(1)
                .and_then(|r| r.split("</tr>").next())
                .unwrap_or_else(|| panic!("row {area}.{goal}"));
            let shown: Vec<&str> =
                row.split("data-niva=\"").skip(1).map(|s| s.split('"').next().unwrap_or("")).collect();
            assert_eq!(shown, cells[2..].to_vec(), "levels of goal {area}.{goal}");
        }
    }
    let page = app.page(&format!("/planer/{PLAN}/2024/omraden/3")).await;
    assert!(page.contains("inklusionsmål: uppnått mål; ledtidsmål: ej påbörjat arbete"), "U/E is explained in words");
    assert!(page.contains("<strong>RCC Norr:</strong>"), "RCC comments are labelled");
    let blank = app.page(&format!("/planer/{PLAN}/2024/omraden/1")).await;
    assert!(blank.contains("Ingen nivå angiven"), "blank cells say so to screen readers");
});

both_backends!(process_and_indicator_pages, |backend| async move {
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    let path = format!("/planer/{PLAN}/2024/processer/vagen-in");
    // Restricted sharing: not for anonymous visitors, nor for readers without the grant.
    let r = app.get(&path).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/logga-in?nasta="), "{}", location(&r));
    let mut reader = Browser::new(&app);
    reader.login("reader").await;
    assert_eq!(reader.get(&path).await.status(), 403);
    let mut granted = Browser::new(&app);
    granted.login("reader2").await;
    let page = granted.page(&path).await;
    assert!(page.contains("Begränsad delning"));
    assert!(page.contains("Senada Hajdarevic"));
    assert!(page.contains("Signerad av Senada Hajdarevic den 11 april 2025"));
    for heading in ["Långsiktigt förbättringsarbete", "Nivåstrukturering", "Patientsamverkan", "Övrigt aktuellt"] {
        assert!(page.contains(&format!("<h2>{heading}</h2>")), "{heading}");
    }
    let page = app.page(&format!("/planer/{PLAN}/2024/indikatorer")).await;
    assert!(page.contains("70 % senast 30 juni 2025"), "HPV target with date");
    assert!(page.contains("<td class=\"tal\">124 per 100 000 invånare</td>"));
    assert!(page.contains("<td class=\"tal\">49,2 %</td>"), "decimal comma");
});

both_backends!(unknown_addresses_get_a_swedish_404, |backend| async move {
    let app = TestApp::spawn(backend).await;
    for path in [
        "/finns-inte",
        "/planer/okand",
        "/planer/norr-2022-2024/1999",
        "/planer/norr-2022-2024/abc",
        "/planer/norr-2022-2024/2024/omraden/8",
        "/planer/norr-2022-2024/2024/processer/okand",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 404, "{path}");
        let body = r.text().await.expect("body");
        assert!(body.contains("<html lang=\"sv\">") && body.contains("Felkod"), "{path}: {body}");
    }
    let css = app.get("/static/uppfolj.css").await;
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("text/css; charset=utf-8"));
});

both_backends!(an_empty_database_says_how_to_start, |backend| async move {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(db, &[]);
    let page = app.page("/").await;
    assert!(page.contains("Det finns ännu ingen plan"), "{page}");
});

both_backends!(the_rcc_sees_the_derived_summary_beside_its_own, |backend| async move {
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let page = rcc.page(&format!("/planer/{PLAN}/2024/sammanfattning")).await;
    assert!(page.contains("3 skillnader mellan RCC:s text och data"), "{page}");
    assert!(page.contains("RCC:s bedömningar, bredvid nivåerna (2)"), "1.3 and 2.1 as judgements: {page}");
    assert!(page.contains("mål 1.3 har kommit långt i hela sjukvårdsregionen; nivåerna: U i 1 av 4"), "{page}");
    assert!(page.contains(&format!("href=\"/planer/{PLAN}/2024/omraden/4#mal-4-4\"")), "a warning links its goal");
    assert!(page.contains("Uppnått (U) i alla regioner (7)") && page.contains("Uppnått i alla regioner utom en (4)"));
    assert!(page.contains("5. Kompetensförsörjning <strong>(längst från målen)</strong>"));
    assert!(page.contains("Mål uppnådda i samtliga fyra regioner"), "the RCC's own text beside it");
    let review = rcc.page(&format!("/planer/{PLAN}/2024/granskning")).await;
    assert!(review.contains("<strong>3 skillnader</strong>"), "the review page warns before publishing");
    // The summary's web address is a link on the round's page too, escaped like any text.
    let projects = "https://cancercentrum.se/utvecklingsarbeteutbildning/stodtillforbattringsarbete.741.html";
    let overview = app.page(&format!("/planer/{PLAN}/2024")).await;
    assert!(overview.contains(&format!("<a href=\"{projects}\">{projects}</a>")), "{overview}");
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    assert_eq!(rn.get(&format!("/planer/{PLAN}/2024/sammanfattning")).await.status(), 403);
});

both_backends!(the_dashboard_shows_the_charts_with_their_numbers, |backend| async move {
    let app = TestApp::spawn(backend).await;
    let page = app.page(&format!("/planer/{PLAN}/2024/diagram")).await;
    assert_eq!(page.matches("role=\"img\"").count(), 2 + 14, "heatmap, distribution and one chart per indicator");
    assert!(page.contains("Nivåerna som tabell") && page.contains("Fördelningen som tabell"));
    assert!(page.contains("Indikatorer längst från målet"));
    assert!(!page.contains("Utveckling över åren"), "one round: no trend");
    let css = app.get(&format!("/planer/{PLAN}/2024/diagram")).await;
    let csp = css.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(csp.contains("default-src 'none'"), "inline SVG needs no relaxed policy");
});

both_backends!(the_trend_shows_published_rounds_and_the_goals_that_moved, |backend| async move {
    let app = workflow_app(backend).await;
    // RN gives 4.4 a level in 2025; in 2024 it was blank.
    let rn = token(&app.db, "rn");
    let r = app
        .client
        .put(format!("{}/api/v1/rounds/{PLAN}/2025/goals/4.4/regions/RN", app.address))
        .bearer_auth(rn)
        .json(&serde_json::json!({"level": "U", "comment": "Klart.", "version": 1}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(r.status(), 200);
    // The open round shows nowhere public, not even as a trend in the published one.
    let public = app.page(&format!("/planer/{PLAN}/2024/diagram")).await;
    assert!(!public.contains("Utveckling över åren"), "the open 2025 round stays out of 2024's pictures");

    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let page = rcc.page(&format!("/planer/{PLAN}/2025/diagram")).await;
    assert!(page.contains("Nivåernas fördelning per region och år (2024, 2025)"), "the stacked trend");
    assert!(page.contains("RN: 2024 U 15, P 16, E 1, Tvådelad 1, Blank 10; 2025 U 1, P 0, E 0, Tvådelad 0, Blank 42"));
    assert!(page.contains("Utvecklingen som tabell"));
    assert!(page.contains("<th scope=\"row\">RN</th><td>2025</td><td class=\"tal\">1</td>"), "the trend's numbers");
    assert!(page.contains("Mål som bytt nivå från 2024 till 2025") && page.contains("Blank → U: 1 (RN 1)"));
    let report = rcc.page(&format!("/planer/{PLAN}/2025/rapport/html")).await;
    assert!(
        report.contains("Nivåernas fördelning per region och år") && report.contains("Mål som bytt nivå sedan 2024")
    );
    let pdf = rcc.get(&format!("/planer/{PLAN}/2025/rapport/pdf")).await;
    assert_eq!(pdf.status(), 200, "the PDF typesets the trend charts too");
    assert!(pdf.bytes().await.expect("pdf").starts_with(b"%PDF"));

    let r = rcc.post(&format!("/planer/{PLAN}/2025/publicera"), &[("anda", "1")]).await;
    assert_eq!(r.status(), 303);
    let public = app.page(&format!("/planer/{PLAN}/2025/diagram")).await;
    assert!(public.contains("Utveckling över åren") && public.contains("Blank → U: 1 (RN 1)"));
    assert!(!app.page(&format!("/planer/{PLAN}/2024/diagram")).await.contains("Utveckling över åren"));
});
