//! The demo data, import and export through the real CLI.

use uppfolj_domain::datafile;

use crate::both_backends;
use crate::helpers::*;

fn demo_text() -> String {
    std::fs::read_to_string(DEMO_PATH).expect("demo file")
}

both_backends!(demo_levels_are_the_reports_table_cell_for_cell, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let csv = cli_ok(&db, &["export", "levels", "--plan", PLAN, "--year", "2024", "--format", "csv"]);
    let expected = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/norr-2024-levels.csv"))
        .expect("fixture");
    for (n, (got, want)) in csv.lines().zip(expected.lines()).enumerate() {
        assert_eq!(got, want, "line {} of the level table", n + 1);
    }
    assert_eq!(csv.lines().count(), 44, "header and 43 goals");
    assert_eq!(csv, expected);
});

both_backends!(levels_as_json, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let json = cli_ok(&db, &["export", "levels", "--plan", PLAN, "--year", "2024", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(value["goals"].as_array().map(Vec::len), Some(43));
    assert_eq!(value["goals"][20]["id"], "3.7");
    assert_eq!(value["goals"][20]["levels"]["RJH"], serde_json::Value::Null, "blank is null");
    insta::assert_snapshot!("levels_json", json);
});

both_backends!(demo_round_trips_through_the_database, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["import", DEMO_PATH]);
    let exported = cli_ok(&db, &["export", "data", "--plan", PLAN]);
    let original = datafile::parse(&demo_text()).expect("demo parses");
    let back = datafile::parse(&exported).unwrap_or_else(|e| panic!("the export parses: {e}"));
    assert_eq!(back, original, "what comes out of the database is what went in");
    // Exporting what was exported gives the same text: the format is stable.
    let db2 = TestDb::new(backend).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("export.toml");
    std::fs::write(&file, &exported).expect("write");
    cli_ok(&db2, &["import", file.to_str().expect("path")]);
    assert_eq!(cli_ok(&db2, &["export", "data", "--plan", PLAN]), exported);
});

both_backends!(demo_holds_every_figure_and_the_process_followup, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let data = datafile::parse(&cli_ok(&db, &["export", "data", "--plan", PLAN])).expect("parses");
    let value = |slug: &str, region: &str, period: &str| {
        let ind =
            data.indicators.iter().find(|i| i.slug.as_str() == slug).unwrap_or_else(|| panic!("indicator {slug}"));
        ind.values
            .iter()
            .find(|v| v.scope.notation() == region && v.period.to_string() == period)
            .unwrap_or_else(|| panic!("{slug} {region} {period}"))
            .value
    };
    for (region, v) in [("RJH", 34.0), ("RN", 49.0), ("RV", 41.0), ("RVN", 46.0), ("riket", 44.0)] {
        assert_eq!(value("svf-ledtid", region, "2024"), v, "SVF lead time {region}");
    }
    for (region, v) in [("RJH", 86.0), ("RN", 76.0), ("RV", 88.0), ("RVN", 84.0)] {
        assert_eq!(value("kvalitetsregister-tackningsgrad", region, "2023-2024"), v);
    }
    for (region, v) in [("RJH", 66.0), ("RN", 60.0), ("RV", 70.0), ("RVN", 71.0)] {
        assert_eq!(value("hpv-vaccination", region, "2025-05-26"), v);
    }
    for (region, v) in [("RJH", 124.0), ("RN", 95.0), ("RV", 133.0), ("RVN", 115.0)] {
        assert_eq!(value("cancergenetik-remisser", region, "2024"), v);
    }
    assert_eq!(value("tarmscreening-deltagande", "RVN", "2024"), 64.0);
    assert_eq!(value("tarmscreening-deltagande", "riket", "2024"), 65.0);
    let hpv = data.indicators.iter().find(|i| i.slug.as_str() == "hpv-vaccination").expect("hpv");
    assert_eq!(hpv.target, Some(70.0));
    assert_eq!(hpv.target_date.map(uppfolj_domain::ids::format_date).as_deref(), Some("2025-06-30"));
    let coverage = data.indicators.iter().find(|i| i.slug.as_str() == "kvalitetsregister-tackningsgrad").expect("cov");
    assert!(
        coverage
            .values
            .iter()
            .all(|v| v.extracted.map(uppfolj_domain::ids::format_date).as_deref() == Some("2025-04-04"))
    );

    let f = &data.process_followups[0];
    assert_eq!(f.classification, uppfolj_domain::Classification::Restricted);
    assert_eq!(f.signed_on.map(uppfolj_domain::ids::format_date).as_deref(), Some("2025-04-11"));
    assert_eq!(f.goals.len(), 1);
    assert_eq!(f.goals[0].target_levels.len(), 2);
    assert_eq!(f.long_term.len(), 3);
    assert_eq!(data.processes[0].leader.name, "Senada Hajdarevic");

    let round = data.round(2024).expect("round 2024");
    assert!(round.is_final);
    let svf = data.goal(uppfolj_domain::GoalRef::new(3, 3)).expect("goal 3.3");
    assert!(svf.part_names.is_some(), "the SVF goal names the parts of U/E");
    let comments: usize = round.goals.iter().map(|g| g.comments.len()).sum();
    let rcc: usize = round.goals.iter().filter(|g| g.rcc_comment.is_some()).count();
    assert!(comments > 120 && rcc > 20, "{comments} region comments, {rcc} RCC comments");
});

both_backends!(a_malformed_import_changes_nothing, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let before = cli_ok(&db, &["export", "data", "--plan", PLAN]);

    // A second plan with a bad level in its last goal: validation fails, nothing is written.
    let text = demo_text().replace("slug = \"norr-2022-2024\"", "slug = \"ny-plan\"");
    let pos = text.rfind("levels = {").expect("levels");
    let (head, tail) = text.split_at(pos);
    let tail = tail.replacen("\"U\"", "\"X\"", 1);
    let bad = format!("{head}{tail}");
    let line = bad[..pos].matches('\n').count() + 1;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, &bad).expect("write");
    let o = cli(&db, &["import", file.to_str().expect("path")]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains(&format!("bad.toml:{line}: omgång 2024 › mål 7.5 › nivå för")), "{err}");
    assert!(err.contains("\"X\" är ingen giltig nivå"), "{err}");
    assert!(err.contains("ingenting har skrivits"), "{err}");

    // A plan that is valid as a file but fails in the database half-way (its healthcare region is
    // new, its slug is taken): the transaction leaves no trace.
    let clash = demo_text().replace("code = \"norr\"", "code = \"annan\"");
    let file2 = dir.path().join("clash.toml");
    std::fs::write(&file2, &clash).expect("write");
    let o = cli(&db, &["import", file2.to_str().expect("path")]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("planen \"norr-2022-2024\" finns redan"), "{}", stderr(&o));
    {
        use sqlx::Connection;
        let n: i64 = match backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&db.url).await.expect("connect");
                sqlx::query_scalar("SELECT COUNT(*) FROM healthcare_regions").fetch_one(&mut c).await.expect("count")
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&db.url).await.expect("connect");
                sqlx::query_scalar("SELECT COUNT(*) FROM healthcare_regions").fetch_one(&mut c).await.expect("count")
            }
        };
        assert_eq!(n, 1, "the rolled-back healthcare region is gone");
    }

    let o = cli(&db, &["import", "/finns/inte.toml"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("kunde inte läsa /finns/inte.toml"), "{}", stderr(&o));

    assert_eq!(cli_ok(&db, &["export", "data", "--plan", PLAN]), before, "the database is unchanged");
    let o = cli(&db, &["export", "levels", "--plan", "ny-plan", "--year", "2024"]);
    assert!(
        stderr(&o).contains("det finns ingen plan \"ny-plan\"; planer i databasen: norr-2022-2024"),
        "{}",
        stderr(&o)
    );
});

both_backends!(demo_twice_is_harmless, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let o = cli(&db, &["demo"]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("Demodata finns redan"), "{}", stderr(&o));
    let o = cli(&db, &["export", "levels", "--plan", PLAN, "--year", "2031"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("har ingen uppföljning för 2031; det finns uppföljningar för 2024"), "{}", stderr(&o));
});

#[test]
fn an_unknown_database_scheme_is_refused() {
    let o =
        std::process::Command::new(BIN).args(["--database", "mysql://localhost/x", "migrate"]).output().expect("run");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("databasadressen \"mysql://localhost/x\" stöds inte"), "{}", stderr(&o));
}

both_backends!(the_derived_summary_and_its_warnings, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let json = cli_ok(&db, &["summary", "--plan", PLAN, "--year", "2024", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["achieved_everywhere"], serde_json::json!(["1.2", "1.4", "1.8", "2.4", "4.5", "6.5", "6.6"]));
    assert_eq!(v["achieved_all_but_one"][0], serde_json::json!({"goal": "1.1", "region": "RJH", "level": "P"}));
    let warnings: Vec<(String, String)> = v["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| (w["goal"].as_str().unwrap_or("").to_owned(), w["region"].as_str().unwrap_or("").to_owned()))
        .collect();
    // The three real slips: 4.4 counted as achieved with RN blank, RVN's 45 against its own 46,
    // area 7 named furthest while area 5 has the lowest share of U.
    assert_eq!(warnings, [("4.4", "RN"), ("3.3", "RVN"), ("", "")].map(|(g, r)| (g.to_owned(), r.to_owned())));
    // 1.3 and 2.1 are the RCC's judgement ("far along"), shown beside the levels, not as slips.
    let judged: Vec<(&str, u64)> = v["judgements"]
        .as_array()
        .expect("judgements")
        .iter()
        .map(|j| (j["goal"].as_str().unwrap_or(""), j["achieved"].as_u64().unwrap_or(99)))
        .collect();
    assert_eq!(judged, [("1.3", 1), ("2.1", 2)]);
    assert!(
        v["judgements"][0]["message"].as_str().unwrap_or("").contains("har kommit långt")
            && v["judgements"][0]["message"].as_str().unwrap_or("").contains("U i 1 av 4"),
        "{}",
        v["judgements"][0]
    );
    insta::assert_snapshot!("summary_json", json);
    let text = cli_ok(&db, &["summary", "--plan", PLAN, "--year", "2024"]);
    assert!(
        text.contains("Varningar (3):") && text.contains("Bedömning: RCC bedömer att arbetet med mål 2.1"),
        "{text}"
    );
});

both_backends!(indicators_export_as_csv_and_json, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let csv = cli_ok(&db, &["export", "indicators", "--plan", PLAN, "--year", "2024", "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("indicator,unit,region,period,value,target,target_date,national,source,extracted,goal")
    );
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect();
    let find = |ind: &str, region: &str| {
        rows.iter().find(|r| r[0] == ind && r[2] == region).unwrap_or_else(|| panic!("{ind} {region}")).clone()
    };
    let rvn = find("svf-ledtid", "RVN");
    assert_eq!(rvn[3..8], ["2024", "46", "", "", "44"], "value, no target, the national reference");
    assert_eq!(rvn[10], "3.3");
    let hpv = find("hpv-vaccination", "RJH");
    assert_eq!(hpv[3..7], ["2025-05-26", "66", "70", "2025-06-30"]);
    assert_eq!(find("opt-deltagande", "RVN")[4], "49.2", "a dot as decimal separator");
    assert_eq!(find("kvalitetsregister-tackningsgrad", "RN")[9], "2025-04-04");
    let json: serde_json::Value = serde_json::from_str(&cli_ok(
        &db,
        &["export", "indicators", "--plan", PLAN, "--year", "2024", "--format", "json"],
    ))
    .expect("json");
    assert_eq!(json.as_array().map(Vec::len), Some(rows.len()));
    let o = cli(&db, &["export", "indicators", "--plan", PLAN, "--year", "1999"]);
    assert!(stderr(&o).contains("har ingen uppföljning för 1999"));
});

both_backends!(indicator_values_import_from_csv_and_xlsx, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let export = |db: &TestDb| cli_ok(db, &["export", "indicators", "--plan", PLAN, "--year", "2024"]);
    let before = export(&db);

    // A bad file: every problem by row and column, and nothing written.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "indicator,unit,region,period,value\nsvf-ledtid,%,RVN,2024,47\nsvf-ledtid,%,RXX,2024,40\nsvf-ledtid,%,RJH,2024,4x\n",
    )
    .expect("write");
    let o = cli(&db, &["indicators", "import", bad.to_str().expect("path"), "--plan", PLAN]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("bad.csv innehåller 2 fel; ingenting har skrivits"), "{err}");
    assert!(err.contains("bad.csv:3: kolumn region: \"RXX\" är ingen av sjukvårdsregionens regioner"), "{err}");
    assert!(err.contains("bad.csv:4: kolumn value: \"4x\" är inget tal"), "{err}");
    assert_eq!(export(&db), before, "nothing changed");

    // The export, edited, reads back: one value changed, one added.
    let edited = before.replacen("svf-ledtid,%,RVN,2024,46,", "svf-ledtid,%,RVN,2024,47,", 1)
        + "svf-ledtid,%,RJH,2025,36,,,,,2026-04-01,3.3\n";
    let good = dir.path().join("indikatorer.csv");
    std::fs::write(&good, &edited).expect("write");
    let o = cli(&db, &["indicators", "import", good.to_str().expect("path"), "--plan", PLAN]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 nya, 1 ändrade"), "{}", stderr(&o));
    let after = export(&db);
    assert!(after.contains("svf-ledtid,%,RVN,2024,47,") && after.contains("svf-ledtid,%,RJH,2025,36,,,,"), "{after}");

    // The same from a spreadsheet.
    let xlsx = dir.path().join("indikatorer.xlsx");
    {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["indicator", "unit", "region", "period", "value"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).expect("header");
        }
        for (c, v) in ["hpv-vaccination", "%", "RN", "2025-05-26"].iter().enumerate() {
            ws.write_string(1, c as u16, *v).expect("cell");
        }
        ws.write_number(1, 4, 62.5).expect("number");
        wb.save(&xlsx).expect("save");
    }
    let o = cli(&db, &["indicators", "import", xlsx.to_str().expect("path"), "--plan", PLAN]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(export(&db).contains("hpv-vaccination,%,RN,2025-05-26,62.5,70,2025-06-30"));
});

both_backends!(several_files_in_one_import, |backend| async move {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: String| {
        let file = dir.path().join(name);
        std::fs::write(&file, text).expect("write");
        file.to_str().expect("path").to_owned()
    };
    // Three plans of one healthcare region, one of them naming it first: all in, side by side.
    let copies: Vec<String> = ["ett", "tva", "tre"]
        .iter()
        .map(|s| {
            write(
                &format!("{s}.toml"),
                demo_text().replace("slug = \"norr-2022-2024\"", &format!("slug = \"plan-{s}\"")),
            )
        })
        .collect();
    let mut args = vec!["import"];
    args.extend(copies.iter().map(String::as_str));
    let err = stderr(&cli(&db, &args));
    for s in ["ett", "tva", "tre"] {
        assert!(err.contains(&format!("planen plan-{s}")), "{err}");
        cli_ok(&db, &["export", "levels", "--plan", &format!("plan-{s}"), "--year", "2024"]);
    }
    assert_eq!(
        sql_count(&db, "SELECT COUNT(*) FROM healthcare_regions", &[]).await,
        1,
        "one healthcare region, reused"
    );
    // Every file is checked first: one bad file, and nothing of the others is written.
    let good = write("fyra.toml", demo_text().replace("slug = \"norr-2022-2024\"", "slug = \"plan-fyra\""));
    let bad = write(
        "trasig.toml",
        demo_text().replace("slug = \"norr-2022-2024\"", "slug = \"plan-fem\"").replacen(
            "year = 2024",
            "year = tjugo",
            1,
        ),
    );
    let o = cli(&db, &["import", &good, &bad]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("trasig.toml") && stderr(&o).contains("ingenting har skrivits"), "{}", stderr(&o));
    assert_eq!(sql_count(&db, "SELECT COUNT(*) FROM plans WHERE slug = 'plan-fyra'", &[]).await, 0);
    // The same plan twice is refused before anything is written.
    let o = cli(&db, &["import", &good, &good]);
    assert!(!o.status.success() && stderr(&o).contains("båda planen plan-fyra"), "{}", stderr(&o));
    assert_eq!(sql_count(&db, "SELECT COUNT(*) FROM plans", &[]).await, 3);
});

/// A successor of the demo's plan as a data file of format 2: the demo's healthcare region, then
/// a plan of four goals that continue, split and merge goals of 2022–2024, with `round` after it.
pub(crate) fn successor(db: &TestDb, goals: &str, round: &str) -> String {
    let demo = cli_ok(db, &["export", "data", "--plan", PLAN]);
    let head = &demo[..demo.find("[plan]").expect("[plan]")];
    format!(
        "{}[plan]\nslug = \"norr-2025-2028\"\ntitle = \"Prövoplan 2025–2028\"\nstart_year = 2025\nend_year = 2028\n\
         adopted_by = \"Provdirektionen\"\nadopted_on = \"2025-02-01\"\npredecessor = \"norr-2022-2024\"\n\n\
         [[area]]\nnumber = 1\ntitle = \"Tidig upptäckt\"\n{goals}{round}",
        head.replace("format = 1", "format = 2")
    )
}

pub(crate) const LINKED_GOALS: &str = r#"
[[area.goal]]
number = 1
text = "Remisserna till cancergenetiken fortsätter att öka."
continues = ["1.1"]

[[area.goal]]
number = 2
text = "Screeningen för tjock- och ändtarmscancer, inbjudan."
continues = ["1.2"]
link = "split"

[[area.goal]]
number = 3
text = "Screeningen för tjock- och ändtarmscancer, deltagande."
continues = ["1.2"]
link = "split"

[[area.goal]]
number = 4
text = "Prevention av livmoderhals- och hudcancer i ett mål."
continues = ["1.3", "1.4"]
link = "merge"
"#;

const ROUND_2025: &str = r#"
[[round]]
year = 2025
conducted = "2025-11"
status = "published"

[[round.goal]]
goal = "1.1"
levels = { RN = "U", RV = "P" }
comments = { RN = "Remisserna fortsätter att öka i Norrbotten." }
"#;

both_backends!(plans_follow_plans_and_goals_keep_their_history, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("efterfoljare.toml");
    std::fs::write(&file, successor(&db, LINKED_GOALS, ROUND_2025)).expect("write");
    cli_ok(&db, &["import", file.to_str().expect("path")]);

    // A continued goal: 2024 under its old number, then 2025 under its new, oldest first.
    let csv = cli_ok(&db, &["export", "goal-history", "--plan", "norr-2025-2028", "--goal", "1.1"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "plan,year,goal,region,level,comment");
    assert_eq!(lines.len(), 1 + 4 + 4, "four regions in 2024 and in 2025: {csv}");
    assert!(lines[1].starts_with("norr-2022-2024,2024,1.1,RJH,P,"), "{csv}");
    assert_eq!(lines[6], "norr-2025-2028,2025,1.1,RN,U,Remisserna fortsätter att öka i Norrbotten.");
    assert_eq!(lines[7], "norr-2025-2028,2025,1.1,RV,P,");
    assert_eq!(lines[8], "norr-2025-2028,2025,1.1,RVN,,");
    // A part of a split goal leads back to the one goal it came from; a merged goal to both.
    let split = cli_ok(&db, &["export", "goal-history", "--plan", "norr-2025-2028", "--goal", "1.3"]);
    assert!(split.lines().skip(1).take(4).all(|l| l.starts_with("norr-2022-2024,2024,1.2,")), "{split}");
    let merged =
        cli_ok(&db, &["export", "goal-history", "--plan", "norr-2025-2028", "--goal", "1.4", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&merged).expect("json");
    let old: Vec<&str> = rows
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["plan"] == "norr-2022-2024")
        .map(|r| r["goal"].as_str().expect("goal"))
        .collect();
    assert_eq!(old, ["1.3", "1.3", "1.3", "1.3", "1.4", "1.4", "1.4", "1.4"], "{merged}");
    assert_eq!(rows[0]["region"], "RJH");
    // The old plan's own goal: its history is its plan's alone.
    let own = cli_ok(&db, &["export", "goal-history", "--plan", PLAN, "--goal", "3.3"]);
    assert_eq!(own.lines().count(), 1 + 4);

    // Exported, the lineage comes back as format 2; both plans import again in one command, the
    // successor first on the command line (it waits for its predecessor).
    let exported = cli_ok(&db, &["export", "data", "--plan", "norr-2025-2028"]);
    assert!(exported.contains("format = 2") && exported.contains("predecessor = \"norr-2022-2024\""));
    assert!(exported.contains("continues = [\"1.3\", \"1.4\"]\nlink = \"merge\""), "{exported}");
    assert!(cli_ok(&db, &["export", "data", "--plan", PLAN]).contains("format = 1"), "version 1 stays 1");
    let (a, b) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
    std::fs::write(&a, &exported).expect("write");
    std::fs::write(&b, cli_ok(&db, &["export", "data", "--plan", PLAN])).expect("write");
    let fresh = TestDb::new(backend).await;
    cli_ok(&fresh, &["migrate"]);
    let o = cli(&fresh, &["import", a.to_str().expect("a"), b.to_str().expect("b")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(cli_ok(&fresh, &["export", "data", "--plan", "norr-2025-2028"]), exported);
    assert_eq!(cli_ok(&fresh, &["export", "goal-history", "--plan", "norr-2025-2028", "--goal", "1.1"]), csv);
    let o = cli(&fresh, &["export", "goal-history", "--plan", "norr-2025-2028", "--goal", "7.1"]);
    assert!(!o.status.success() && stderr(&o).contains("inget mål 7.1"), "{}", stderr(&o));
});

both_backends!(bad_lineage_is_refused_with_line_and_field, |backend| bad_lineage(backend));

async fn bad_lineage(backend: Backend) {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let try_import = |name: &str, text: String| {
        let file = dir.path().join(name);
        std::fs::write(&file, &text).expect("write");
        let o = cli(&db, &["import", file.to_str().expect("path")]);
        assert!(!o.status.success(), "{name} was imported");
        let err = stderr(&o);
        assert!(err.contains("ingenting har skrivits"), "{err}");
        (text, err)
    };
    let line_of = |text: &str, needle: &str| text[..text.find(needle).expect(needle)].matches('\n').count() + 1;

    // A goal the predecessor does not have.
    let (text, err) = try_import("okant.toml", successor(&db, &LINKED_GOALS.replace("[\"1.1\"]", "[\"9.9\"]"), ""));
    let line = line_of(&text, "[\"9.9\"]");
    assert!(
        err.contains(&format!(
            "okant.toml:{line}: område 1 › mål 1.1 › continues: planen \"norr-2022-2024\" har inget mål 9.9"
        )),
        "{err}"
    );
    // A predecessor that does not exist.
    let (text, err) = try_import(
        "saknas.toml",
        successor(&db, LINKED_GOALS, "")
            .replace("predecessor = \"norr-2022-2024\"", "predecessor = \"norr-2019-2021\""),
    );
    let line = line_of(&text, "predecessor =");
    assert!(
        err.contains(&format!("saknas.toml:{line}: plan › predecessor: planen \"norr-2019-2021\" finns inte")),
        "{err}"
    );
    // Two goals continuing one without saying it was split; a split into one; a merge of one.
    let (_, err) = try_import("tva.toml", successor(&db, &LINKED_GOALS.replacen("link = \"split\"\n", "", 1), ""));
    assert!(err.contains("mål 1.2 i planen före fortsätts av flera mål (1.2, 1.3)"), "{err}");
    let (_, err) =
        try_import("merge.toml", successor(&db, &LINKED_GOALS.replace("[\"1.3\", \"1.4\"]", "[\"1.3\"]"), ""));
    assert!(
        err.contains("mål 1.4 › continues: ett sammanslaget mål (link = \"merge\") fortsätter minst två mål"),
        "{err}"
    );
    let (_, err) = try_import("lank.toml", successor(&db, &LINKED_GOALS.replace("\"merge\"", "\"ihop\""), ""));
    assert!(err.contains("\"ihop\" är ingen länk"), "{err}");
    // Version 1 does not know the fields.
    let (_, err) = try_import("v1.toml", successor(&db, LINKED_GOALS, "").replace("format = 2", "format = 1"));
    assert!(err.contains("plan › predecessor: predecessor finns från format = 2"), "{err}");

    // A plan's status: a known word, from version 2, and a draft has no rounds yet.
    let with_status = |status: &str, round: &str| {
        successor(&db, LINKED_GOALS, round)
            .replace("adopted_on = \"2025-02-01\"", &format!("adopted_on = \"2025-02-01\"\nstatus = \"{status}\""))
    };
    let (_, err) = try_import("status.toml", with_status("klar", ""));
    assert!(err.contains("plan › status: \"klar\" är ingen status för en plan"), "{err}");
    let (_, err) =
        try_import("utkast.toml", with_status("draft", "\n[[round]]\nyear = 2025\nconducted = \"2025-11\"\n"));
    assert!(err.contains("plan › status: ett utkast har inga uppföljningar"), "{err}");
    let (_, err) = try_import("v1status.toml", with_status("draft", "").replace("format = 2", "format = 1"));
    assert!(err.contains("status finns från format = 2"), "{err}");

    // A retired goal: from a year of the period after its first, and never answered from then on.
    let retired = |year: &str, round: &str| {
        successor(
            &db,
            &LINKED_GOALS.replacen("continues = [\"1.1\"]", &format!("continues = [\"1.1\"]\nretired = {year}"), 1),
            round,
        )
    };
    let (text, err) = try_import("utgatt.toml", retired("2025", ""));
    let line = line_of(&text, "retired = 2025");
    assert!(
        err.contains(&format!("utgatt.toml:{line}: område 1 › mål 1.1 › retired: 2025 ligger inte inom planperioden")),
        "{err}"
    );
    let answered = "\n[[round]]\nyear = 2026\nconducted = \"2026-11\"\n\n[[round.goal]]\ngoal = \"1.1\"\nlevels = { RN = \"U\" }\n";
    let (_, err) = try_import("svar.toml", retired("2026", answered));
    assert!(err.contains("omgång 2026 › mål 1.1: målet har utgått från 2026 och följs inte upp 2026"), "{err}");
    let (_, err) = try_import("v1utgatt.toml", retired("2026", "").replace("format = 2", "format = 1"));
    assert!(err.contains("retired finns från format = 2"), "{err}");

    let o = cli(&db, &["export", "data", "--plan", "norr-2025-2028"]);
    assert!(!o.status.success(), "nothing of the successor was written");
}
