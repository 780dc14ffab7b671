//! A plan's life after its first writing: a draft reordered and renamed while it is one, an adopted
//! plan's goal corrected (rounds published before keep the wording they were followed up with) or
//! retired from a year, the dashboard across plan periods, and indicators as series that both plans
//! of a lineage see.

use crate::both_backends;
use crate::helpers::*;

/// Goal 3.3 of the demo plan, as adopted.
const OLD_3_3: &str =
    "Regionerna ska nå de nationella målen för inklusion och ledtider i de standardiserade vårdförloppen (SVF).";

/// A successor of the demo written in the app (each goal continuing its old one): its editor.
async fn successor_in_app(rcc: &mut Browser) -> &'static str {
    let fields = [
        ("titel", "Prövoplan 2025–2028"),
        ("kortnamn", "provoplan"),
        ("startar", "2025"),
        ("slutar", "2028"),
        ("faststalls_av", "Provdirektionen"),
        ("faststalls_den", "2025-02-01"),
    ];
    let r = rcc.post(&format!("/planer/{PLAN}/efterfoljare"), &fields).await;
    assert_eq!(r.status(), 303);
    "/planer/provoplan/utkast"
}

both_backends!(a_draft_is_reordered_and_renamed_while_it_is_one, |backend| draft_reordered(backend));

async fn draft_reordered(backend: Backend) {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let editor = successor_in_app(&mut rcc).await;
    // The demo's areas 1–7: area 3 moved up, with its goals.
    let page = rcc.page(editor).await;
    assert!(page.contains("3. Kunskapsstyrning och sammanhållen vårdprocess"), "{page}");
    assert!(!page.contains("Flytta område 1 upp"), "the first area has no way up");
    assert_eq!(rcc.post(&format!("{editor}/omraden/3/upp"), &[]).await.status(), 303);
    assert_eq!(rcc.post(&format!("{editor}/omraden/1/upp"), &[]).await.status(), 409, "already first");
    let page = rcc.page(editor).await;
    assert!(page.contains("2. Kunskapsstyrning och sammanhållen vårdprocess"), "{page}");
    assert!(page.contains(&format!(">{OLD_3_3}</textarea>")), "its goals with it");
    let g = page.find(&format!(">{OLD_3_3}</textarea>")).expect("goal");
    assert!(page[..g].rfind("Mål 2.3").is_some_and(|at| page[at..g].find("Mål").is_some()), "now numbered 2.3");
    // Area 1 removed with its goals: the others move up a number.
    assert_eq!(rcc.post(&format!("{editor}/omraden/1/ta-bort"), &[]).await.status(), 303);
    let page = rcc.page(editor).await;
    assert!(page.contains("1. Kunskapsstyrning och sammanhållen vårdprocess"), "{page}");
    assert!(!page.contains("Remisserna till cancergenetiken"), "area 1's goals are gone");
    assert!(!page.contains("Ta bort område 7 "), "six areas left");
    assert_eq!(rcc.post(&format!("{editor}/omraden/9/ta-bort"), &[]).await.status(), 404);

    // The draft's own details: each problem at its field, what was typed kept.
    let details = format!("{editor}/uppgifter");
    let page = rcc.page(&details).await;
    assert!(page.contains("value=\"Prövoplan 2025–2028\"") && page.contains("value=\"provoplan\""), "{page}");
    let mut fields = vec![
        ("titel", "Regional cancerplan 2025–2028"),
        ("kortnamn", "norr-2025-2028"),
        ("startar", "2025"),
        ("slutar", "202"),
        ("faststalls_av", "Förbundsdirektionen"),
        ("faststalls_den", "2025-03-01"),
    ];
    let r = rcc.post(&details, &fields).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    assert!(page.contains("id=\"slutar-fel\"") && page.contains("value=\"Förbundsdirektionen\""), "{page}");
    fields[3] = ("slutar", "2028");
    fields[1] = ("kortnamn", PLAN);
    assert_eq!(rcc.post(&details, &fields).await.status(), 409, "the short name is taken");
    fields[1] = ("kortnamn", "norr-2025-2028");
    let r = rcc.post(&details, &fields).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/planer/norr-2025-2028/utkast", "a new address");
    assert!(rcc.page("/planer/norr-2025-2028/utkast").await.contains("<h1>Regional cancerplan 2025–2028</h1>"));
    assert_eq!(rcc.get(editor).await.status(), 404, "the old address is gone");
    let exported = cli_ok(&app.db, &["export", "data", "--plan", "norr-2025-2028"]);
    assert!(exported.contains("adopted_on = \"2025-03-01\"") && exported.contains("[[area]]\nnumber = 6\n"));
    assert!(!exported.contains("[[area]]\nnumber = 7\n"), "{exported}");
    // Once adopted, none of it changes any more.
    assert_eq!(rcc.post("/planer/norr-2025-2028/faststall", &[]).await.status(), 303);
    assert_eq!(rcc.post("/planer/norr-2025-2028/utkast/uppgifter", &fields).await.status(), 409);
    assert_eq!(rcc.post("/planer/norr-2025-2028/utkast/omraden/2/upp", &[]).await.status(), 409);
}

both_backends!(an_adopted_goal_is_corrected_and_earlier_rounds_keep_their_wording, |backend| corrected(backend));

async fn corrected(backend: Backend) {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let goal = format!("/planer/{PLAN}/mal/3.3");
    let page = rcc.page(&goal).await;
    assert!(page.contains("Rätta målets lydelse") && page.contains("name=\"version\" value=\"1\""), "{page}");
    assert!(!app.page(&goal).await.contains("Rätta målets lydelse"), "the RCC's form only");
    let new_text = "Regionerna ska nå de nationella målen för ledtider och inklusion i SVF, som de gäller i år.";
    // A correction needs a reason; a refused one keeps what was typed.
    let typed = [("text", new_text), ("malnivaer", "80 % inom ledtiden"), ("skal", ""), ("version", "1")];
    let r = rcc.post(&format!("{goal}/lydelse"), &typed).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    assert!(page.contains("skriv varför målet ändras") || page.contains("Skriv varför målet ändras"), "{page}");
    assert!(page.contains(&format!(">{new_text}</textarea>")), "kept");
    let good =
        [("text", new_text), ("malnivaer", "80 % inom ledtiden"), ("skal", "Ordet ledtider först"), ("version", "1")];
    assert_eq!(rcc.post(&format!("{goal}/lydelse"), &good).await.status(), 303);
    // The same version again: someone else corrected first.
    let r = rcc.post(&format!("{goal}/lydelse"), &good).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.expect("page").contains("Någon annan har ändrat målet"));

    // 2024 was published before the correction: it reads as it was followed up, in every format.
    let area_2024 = app.page(&format!("/planer/{PLAN}/2024/omraden/3")).await;
    assert!(area_2024.contains(OLD_3_3) && !area_2024.contains(new_text), "{area_2024}");
    let report = app.page(&format!("/planer/{PLAN}/2024/rapport/html")).await;
    assert!(report.contains(OLD_3_3) && !report.contains(new_text));
    // The open 2025 round reads as the goal reads now, and as it read before on request.
    let area_2025 = rcc.page(&format!("/planer/{PLAN}/2025/omraden/3")).await;
    assert!(area_2025.contains(new_text) && area_2025.contains("80 % inom ledtiden"), "{area_2025}");
    let before = rcc.page(&format!("/planer/{PLAN}/2025/omraden/3?per=2025-01-01")).await;
    assert!(before.contains(OLD_3_3) && !before.contains(new_text), "{before}");
    // The goal's page lists the wording it had, when it was replaced and why; the audit log has it.
    let page = app.page(&goal).await;
    assert!(page.contains("Tidigare lydelser") && page.contains(OLD_3_3) && page.contains("Ordet ledtider först"));
    let json = cli_ok(&app.db, &["export", "data", "--plan", PLAN]);
    assert!(json.contains(new_text), "the data file has the wording of now");
    // A draft is written as a draft, not corrected.
    let editor = successor_in_app(&mut rcc).await;
    assert!(rcc.page(editor).await.contains("Mål 3.3"));
    let r = rcc.post("/planer/provoplan/mal/3.3/lydelse", &good).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.expect("page").contains("skriv om målet i utkastet"));
    // Only RCC staff correct a goal.
    let mut reporter = Browser::new(&app);
    reporter.login("rn").await;
    let again = [("text", "x"), ("skal", "y"), ("version", "2")];
    assert_eq!(reporter.post(&format!("{goal}/lydelse"), &again).await.status(), 403);
}

both_backends!(a_goal_is_retired_from_a_year_and_keeps_its_number, |backend| retired(backend));

async fn retired(backend: Backend) {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let goal = format!("/planer/{PLAN}/mal/3.3");
    let retire = format!("{goal}/utgar");
    // Not from the plan's first year, not outside it, and never from a year that has answers.
    let r = rcc.post(&retire, &[("fran", "2022"), ("skal", "Ersatt")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("page").contains("inom planperioden"));
    let r = rcc.post(&retire, &[("fran", "2024"), ("skal", "Ersatt")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.expect("page").contains("har svar i uppföljningen 2024"));
    assert_eq!(rcc.post(&retire, &[("fran", "2025"), ("skal", "")]).await.status(), 422, "a reason is needed");
    let r = rcc.post(&retire, &[("fran", "tjugo"), ("skal", "Ersatt")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("page").contains("&#34;tjugo&#34; är inget år"));

    assert_eq!(rcc.post(&retire, &[("fran", "2025"), ("skal", "Ersatt av nationella mål")]).await.status(), 303);
    assert!(app.page(&goal).await.contains("Målet har utgått: det följs inte upp från 2025."));
    // The 2025 round no longer asks for it; 3.4 keeps its number, and 2024 still shows 3.3.
    let mut reporter = Browser::new(&app);
    reporter.login("rn").await;
    let form = format!("/planer/{PLAN}/2025/regioner/RN");
    let page = reporter.page(&form).await;
    assert!(!page.contains(OLD_3_3) && page.contains("3.4"), "{page}");
    assert!(app.page(&format!("/planer/{PLAN}/2024/omraden/3")).await.contains(OLD_3_3));
    let report = rcc.page(&format!("/planer/{PLAN}/2025/rapport/html")).await;
    assert!(!report.contains(OLD_3_3) && report.contains("3.4"), "the report of 2025 leaves it out");
    let exported = cli_ok(&app.db, &["export", "data", "--plan", PLAN]);
    assert!(exported.contains("retired = 2025"), "the data file keeps it");
    let copy = TestDb::new(backend).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("plan.toml");
    std::fs::write(&file, &exported).expect("write");
    cli_ok(&copy, &["import", file.to_str().expect("path")]);
    assert_eq!(cli_ok(&copy, &["export", "data", "--plan", PLAN]), exported, "read back as it was");
    // Followed up again: the 2025 round asks for it, blank, and takes an answer.
    assert_eq!(rcc.post(&retire, &[("fran", ""), ("skal", "Ändrat beslut")]).await.status(), 303);
    assert!(reporter.page(&form).await.contains(OLD_3_3));
    assert!(!app.page(&goal).await.contains("Målet har utgått"));
}

both_backends!(the_dashboard_follows_continued_goals_across_plan_periods, |backend| dashboard_across(backend));

async fn dashboard_across(backend: Backend) {
    let app = workflow_app(backend).await;
    // The successor's first round, with RN's answers to the continued 1.1 and the merged 1.4.
    let round = "\n[[round]]\nyear = 2025\nconducted = \"2025-11\"\nstatus = \"open\"\n\n[[round.goal]]\n\
                 goal = \"1.1\"\nlevels = { RN = \"E\" }\n\n[[round.goal]]\ngoal = \"1.4\"\nlevels = { RN = \"E\" }\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("efterfoljare.toml");
    std::fs::write(&file, crate::data::successor(&app.db, crate::data::LINKED_GOALS, round)).expect("write");
    cli_ok(&app.db, &["import", file.to_str().expect("path")]);
    let old = cli_ok(&app.db, &["export", "goal-history", "--plan", PLAN, "--goal", "1.1", "--format", "json"]);
    let old: serde_json::Value = serde_json::from_str(&old).expect("json");
    let rn = old.as_array().expect("rows").iter().find(|r| r["region"] == "RN").expect("RN 2024");
    assert_ne!(rn["level"], "E", "RN's 2024 level of 1.1 is another");

    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let page = rcc.page("/planer/norr-2025-2028/2025/diagram").await;
    assert!(page.contains("Utveckling över åren") && page.contains("2024 kommer från planen före"), "{page}");
    assert!(page.contains("Mål som bytt nivå sedan 2024"), "{page}");
    // 1.1 continues the old 1.1: RN moved. 1.4 merges two old goals: it has no one level before.
    let moved = &page[page.find("Mål som bytt nivå sedan 2024 (").expect("the table")..];
    let moved = &moved[..moved.find("</table>").expect("end")];
    assert!(moved.contains("<th scope=\"row\">1.1</th><td>RN</td>"), "{moved}");
    assert!(!moved.contains("<th scope=\"row\">1.4</th>"), "{moved}");
    // The trend's table: 2024 counts the four carried-on goals (1.1, both parts of 1.2; not 1.4).
    let trend = &page[page.find("Antal mål per nivå, region och år").expect("trend table")..];
    let rn_2024 = trend.find("<th scope=\"row\">RN</th><td>2024</td>").expect("RN 2024");
    let row = &trend[rn_2024..trend[rn_2024..].find("</tr>").map(|e| rn_2024 + e).expect("row end")];
    let total: usize =
        row.split("<td class=\"tal\">").skip(1).filter_map(|c| c.split('<').next()?.parse::<usize>().ok()).sum();
    assert_eq!(total, 3, "{row}");
    // The demo's own dashboard is unchanged: no plan before it.
    assert!(!rcc.page(&format!("/planer/{PLAN}/2024/diagram")).await.contains("kommer från planen före"));
    // The plan before's 2024 reopened: the successor's dashboard no longer goes on from it.
    cli_ok(&app.db, &["round", "reopen", "--plan", PLAN, "--year", "2024", "--reason", "Rättelse"]);
    let page = rcc.page("/planer/norr-2025-2028/2025/diagram").await;
    assert!(!page.contains("2024 kommer från planen före"), "not kept from before the reopening");
}

both_backends!(an_indicator_is_one_series_on_both_plans, |backend| one_series(backend));

async fn one_series(backend: Backend) {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    successor_in_app(&mut rcc).await;
    assert_eq!(rcc.post("/planer/provoplan/faststall", &[]).await.status(), 303);
    let open = [("year", "2025"), ("deadline", "2026-03-31")];
    assert_eq!(rcc.post("/planer/provoplan/uppfoljningar", &open).await.status(), 303);
    // The successor sees the series of the goals it continues, with every value so far.
    let page = rcc.page("/planer/provoplan/2025/indikatorer").await;
    assert!(page.contains("Andel SVF-patienter utredda inom ledtiden"), "{page}");
    // A value of 2026 added on the successor's page is the series' on the plan before's page too.
    let value = [("indicator", "svf-ledtid"), ("region", "RN"), ("period", "2026"), ("value", "55"), ("extracted", "")];
    let r = rcc.post("/planer/provoplan/2025/indikatorer/varden", &value).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let before = app.page(&format!("/planer/{PLAN}/2024/indikatorer?alla=svf-ledtid")).await;
    assert!(before.contains("2026") && before.contains("55"), "{before}");
    // One series: it is not removed from one plan of the two.
    let r = rcc.post("/planer/provoplan/2025/indikatorer/svf-ledtid/ta-bort", &[("version", "1")]).await;
    assert_eq!(r.status(), 423);
    assert!(r.text().await.expect("page").contains("också visas i 1 annan plan"));

    // Exported and read into another installation after the plan before, it stays one series.
    let other = TestDb::new(backend).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.toml"), dir.path().join("new.toml"));
    std::fs::write(&old, cli_ok(&app.db, &["export", "data", "--plan", PLAN])).expect("write");
    let successor = cli_ok(&app.db, &["export", "data", "--plan", "provoplan"]);
    std::fs::write(&new, &successor).expect("write");
    cli_ok(&other, &["import", old.to_str().expect("path")]);
    cli_ok(&other, &["import", new.to_str().expect("path")]);
    let again = cli_ok(&other, &["export", "data", "--plan", "provoplan"]);
    assert_eq!(again.matches("slug = \"svf-ledtid\"").count(), 1, "{again}");
    let series = |file: &str| {
        let at = file.find("slug = \"svf-ledtid\"").expect("the series");
        let end = file[at..].find("[[indicator]]\nslug").map_or(file.len(), |e| at + e);
        file[at..end].to_owned()
    };
    assert_eq!(series(&again), series(&successor), "the same series, values and all");
    assert!(series(&cli_ok(&other, &["export", "data", "--plan", PLAN])).contains("value = 55.0"));
    // A file that says another value for a period the series has is refused, and nothing is written.
    let third = TestDb::new(backend).await;
    cli_ok(&third, &["import", old.to_str().expect("path")]);
    let changed = successor.replacen("value = 34.0", "value = 35.0", 1);
    assert_ne!(changed, successor, "the file has RJH's 34 % of 2024");
    std::fs::write(&new, changed).expect("write");
    let out = cli(&third, &["import", new.to_str().expect("path")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fortsätter serien i planen före, som har värdet 34"));
    assert!(!cli(&third, &["export", "data", "--plan", "provoplan"]).status.success(), "nothing of it written");
}
