//! The follow-up round from opening to publishing, through the pages as people use them.

use crate::both_backends;
use crate::helpers::*;

fn levels_2025(app: &TestApp) -> String {
    cli_ok(&app.db, &["export", "levels", "--plan", PLAN, "--year", "2025", "--format", "csv"])
}

/// The hidden version of a goal's field in a form page.
/// The version of a region's state on the RCC's review page, as its decision forms send it.
async fn state_version(rcc: &mut Browser, region: &str) -> String {
    let page = rcc.page(&format!("/planer/{PLAN}/2025/granskning/{region}")).await;
    page.split("name=\"version\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_owned()
}

fn version_in(page: &str, goal: &str) -> String {
    let key = format!("name=\"version_{}\" value=\"", goal.replace('.', "_"));
    page.split(&key).nth(1).and_then(|s| s.split('"').next()).unwrap_or("0").to_owned()
}

both_backends!(a_round_from_opening_to_publishing, |backend| a_round_from_opening_to_publishing(backend));

async fn a_round_from_opening_to_publishing(backend: Backend) {
    let app = workflow_app(backend).await;
    let form_path = format!("/planer/{PLAN}/2025/regioner/RN");
    let mut rn = Browser::new(&app);
    rn.login("rn").await;

    // The form shows last year's answer beside each field, and can start from it.
    let page = rn.page(&form_path).await;
    assert!(page.contains("Förra uppföljningen:"), "previous round shown");
    assert!(page.contains("Ej påbörjad"));
    let prefilled = rn.page(&format!("{form_path}?forra=1")).await;
    assert!(prefilled.contains("<option value=\"U/E\" selected>"), "3.3 starts from last year's U/E");

    // Save a draft, then submit.
    let r = rn
        .post(
            &form_path,
            &[
                ("niva_3_3", "U/E"),
                ("kommentar_3_3", "Inklusion 80 %, ledtid 50 %."),
                ("version_3_3", "1"),
                ("orig_niva_3_3", ""),
                ("orig_kommentar_3_3", ""),
                ("atgard", "spara"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).ends_with("?sparat=1"));
    assert!(rn.page(&form_path).await.contains("Utkast"));
    let r = rn
        .post(
            &form_path,
            &[
                ("niva_1_1", "P"),
                ("kommentar_1_1", "Pågår."),
                ("version_1_1", "1"),
                ("orig_niva_1_1", ""),
                ("orig_kommentar_1_1", ""),
                ("atgard", "skicka"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(rn.page(&form_path).await.contains("Inskickad"));
    let csv = levels_2025(&app);
    assert_eq!(csv.lines().nth(1), Some("1,1,,P,,"));
    assert_eq!(csv.lines().nth(17), Some("3,3,,U/E,,"));

    // Submitted answers are locked for the region.
    let r = rn
        .post(
            &form_path,
            &[
                ("niva_1_1", "U"),
                ("kommentar_1_1", "Pågår."),
                ("version_1_1", "2"),
                ("orig_niva_1_1", "P"),
                ("orig_kommentar_1_1", "Pågår."),
                ("atgard", "spara"),
            ],
        )
        .await;
    assert_eq!(r.status(), 423);
    assert!(r.text().await.expect("body").contains("inskickad och kan inte ändras"));

    // The RCC returns them: a reason is required, and the region sees it.
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let status_path = format!("/planer/{PLAN}/2025/granskning/RN/status");
    let v = state_version(&mut rcc, "RN").await;
    let r = rcc.post(&status_path, &[("atgard", "skicka-tillbaka"), ("skal", "  "), ("version", &v)]).await;
    assert_eq!(r.status(), 422);
    let r = rcc
        .post(
            &status_path,
            &[("atgard", "skicka-tillbaka"), ("skal", "Komplettera mål 1.1 med siffror."), ("version", &v)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = rn.page(&form_path).await;
    assert!(page.contains("Återsänd") && page.contains("Komplettera mål 1.1 med siffror."));

    // The region changes 1.1 and submits again; the RCC accepts.
    let v = version_in(&page, "1.1");
    let r = rn
        .post(
            &form_path,
            &[
                ("niva_1_1", "U"),
                ("kommentar_1_1", "Målet nått: 92 % gentestade."),
                ("version_1_1", &v),
                ("orig_niva_1_1", "P"),
                ("orig_kommentar_1_1", "Pågår."),
                ("atgard", "skicka"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let v = state_version(&mut rcc, "RN").await;
    assert_eq!(rcc.post(&status_path, &[("atgard", "godkann"), ("version", &v)]).await.status(), 303);
    let overview = rcc.page(&format!("/planer/{PLAN}/2025/granskning")).await;
    assert!(overview.contains("Godkänd"), "{overview}");
    assert!(overview.contains("2 av 43"), "RN has levels on two goals");

    // The RCC condenses RN's comment; the original stays.
    let review = rcc.page(&format!("/planer/{PLAN}/2025/granskning/RN")).await;
    assert!(review.contains("Målet nått: 92 % gentestade."));
    let r = rcc
        .post(
            &format!("/planer/{PLAN}/2025/granskning/RN/kondensera"),
            &[("kond_1_1", "Målet nått (92 %)."), ("kversion_1_1", "1"), ("korig_1_1", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let data = cli_ok(&app.db, &["export", "data", "--plan", PLAN]);
    assert!(data.contains("Målet nått (92 %).") && data.contains("Målet nått: 92 % gentestade."), "both kept");
    // RCC comment on a goal.
    let r = rcc
        .post(
            &format!("/planer/{PLAN}/2025/omraden/1/rcc-kommentarer"),
            &[("rcc_1_1", "RCC följer upp."), ("version_1_1", "0")],
        )
        .await;
    assert_eq!(r.status(), 303);

    // Publishing needs every region accepted, unless the RCC says so.
    let r = rcc.post(&format!("/planer/{PLAN}/2025/publicera"), &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("RJH, RV, RVN"));
    let r = rcc.post(&format!("/planer/{PLAN}/2025/publicera"), &[("anda", "1")]).await;
    assert_eq!(r.status(), 303);
    // Published: the area page shows the condensed comment to everyone, and edits are locked.
    let public = app.page(&format!("/planer/{PLAN}/2025/omraden/1")).await;
    assert!(public.contains("Målet nått (92 %).") && !public.contains("92 % gentestade"));
    assert!(public.contains("RCC följer upp."));
    let r = rcc
        .post(
            &format!("/planer/{PLAN}/2025/regioner/RV"),
            &[("niva_1_1", "U"), ("version_1_1", "1"), ("orig_niva_1_1", ""), ("atgard", "spara")],
        )
        .await;
    assert_eq!(r.status(), 423);
    // Reopening needs a reason.
    assert_eq!(rcc.post(&format!("/planer/{PLAN}/2025/oppna-igen"), &[("skal", "")]).await.status(), 422);
    assert_eq!(
        rcc.post(&format!("/planer/{PLAN}/2025/oppna-igen"), &[("skal", "Rättelse av RV.")]).await.status(),
        303
    );
    assert_eq!(app.get(&format!("/planer/{PLAN}/2025")).await.status(), 303, "no longer public: login");

    // The history shows every change of the cell, with who and the reason.
    let history = rcc.page(&format!("/planer/{PLAN}/2025/mal/1.1/RN/historik")).await;
    for expected in ["Test rn", "Test rcc", "Kondenserad kommentar", "Målet nått (92 %).", "Pågår."] {
        assert!(history.contains(expected), "{expected} in history");
    }
    let round = rcc.page(&format!("/planer/{PLAN}/2025/historik")).await;
    assert!(round.contains("Komplettera mål 1.1 med siffror.") && round.contains("Rättelse av RV."), "reasons kept");
    let api: serde_json::Value = rcc
        .json(reqwest::Method::GET, &format!("/api/v1/rounds/{PLAN}/2025/goals/1.1/regions/RN/history"), None)
        .await
        .json()
        .await
        .expect("json");
    let fields: Vec<&str> = api.as_array().expect("events").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["level", "comment", "level", "comment", "condensed"]);
}

both_backends!(the_round_as_it_was, |backend| async move {
    let app = TestApp::spawn(backend).await;
    add_cast(&app.db);
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    cli_ok(&app.db, &["round", "reopen", "--plan", PLAN, "--year", "2024", "--reason", "Rättelse"]);
    let utc = |args: &[&str]| {
        let out = std::process::Command::new("date").arg("-u").args(args).output().expect("date");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let before_change = utc(&["+%Y-%m-%dT%H:%M:%S"]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let form = rcc.page(&format!("/planer/{PLAN}/2024/regioner/RN")).await;
    let v = version_in(&form, "1.1");
    let r = rcc
        .post(
            &format!("/planer/{PLAN}/2024/regioner/RN"),
            &[
                ("niva_1_1", "E"),
                ("kommentar_1_1", "Ändrad efteråt."),
                ("version_1_1", &v),
                ("orig_niva_1_1", "U"),
                ("orig_kommentar_1_1", "x"),
                ("atgard", "spara"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let now = rcc.page(&format!("/planer/{PLAN}/2024/omraden/1")).await;
    assert!(now.contains("Ändrad efteråt."));
    // Just before the change, the cell was as imported; the day before, nothing was there yet.
    let then = rcc.page(&format!("/planer/{PLAN}/2024/omraden/1?per={before_change}")).await;
    assert!(then.contains("som det såg ut <strong>den "), "the page says it shows the past");
    assert!(!then.contains("Ändrad efteråt."), "yesterday's page does not show today's change");
    let row = then.split("<tr id=\"mal-1-1\">").nth(1).and_then(|r| r.split("</tr>").next()).expect("row");
    let levels: Vec<&str> = row.split("data-niva=\"").skip(1).map(|s| s.split('"').next().unwrap_or("")).collect();
    assert_eq!(levels, ["P", "U", "U", "U"], "as imported");
    let yesterday = utc(&["-d", "yesterday", "+%Y-%m-%d"]);
    let empty = rcc.page(&format!("/planer/{PLAN}/2024/omraden/1?per={yesterday}")).await;
    let row = empty.split("<tr id=\"mal-1-1\">").nth(1).and_then(|r| r.split("</tr>").next()).expect("row");
    assert_eq!(row.matches("data-niva=\"\"").count(), 4, "before the import every cell was blank");
    assert_eq!(rcc.get(&format!("/planer/{PLAN}/2024/omraden/1?per=igår")).await.status(), 400);
    assert_eq!(app.get(&format!("/planer/{PLAN}/2024/omraden/1?per={yesterday}")).await.status(), 303, "RCC only");
});

both_backends!(two_people_editing_the_same_answer, |backend| async move {
    let app = workflow_app(backend).await;
    let path = format!("/planer/{PLAN}/2025/regioner/RN");
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    // Both open the form at version 1; the RCC saves first.
    let base = [("version_2_1", "1"), ("orig_niva_2_1", ""), ("orig_kommentar_2_1", ""), ("atgard", "spara")];
    let mut first = base.to_vec();
    first.extend([("niva_2_1", "P"), ("kommentar_2_1", "RCC:s text.")]);
    assert_eq!(rcc.post(&path, &first).await.status(), 303);
    let mut second = base.to_vec();
    second.extend([("niva_2_1", "U"), ("kommentar_2_1", "Regionens text.")]);
    let r = rn.post(&path, &second).await;
    assert_eq!(r.status(), 409, "the stale save is refused");
    let page = r.text().await.expect("body");
    assert!(page.contains("RCC:s text.") && page.contains("Regionens text."), "both texts are shown");
    assert!(page.contains("name=\"val_2_1\""), "the user chooses");
    let csv = cli_ok(&app.db, &["export", "levels", "--plan", PLAN, "--year", "2025", "--format", "csv"]);
    assert_eq!(csv.lines().nth(9), Some("2,1,,P,,"), "nothing was overwritten");
    // Choosing "mine" with the new version saves.
    let v = version_in(&page, "2.1");
    assert_eq!(v, "2");
    let r = rn
        .post(
            &path,
            &[
                ("niva_2_1", "U"),
                ("kommentar_2_1", "Regionens text."),
                ("version_2_1", &v),
                ("orig_niva_2_1", "P"),
                ("orig_kommentar_2_1", "RCC:s text."),
                ("val_2_1", "min"),
                ("atgard", "spara"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let csv = cli_ok(&app.db, &["export", "levels", "--plan", PLAN, "--year", "2025", "--format", "csv"]);
    assert_eq!(csv.lines().nth(9), Some("2,1,,U,,"));
});

both_backends!(action_plans_are_the_regions_own, |backend| action_plans_are_the_regions_own(backend));

async fn action_plans_are_the_regions_own(backend: Backend) {
    let app = workflow_app(backend).await;
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    let base = format!("/planer/{PLAN}/handlingsplaner/RN");
    let r = rn
        .post(
            &format!("{base}/mal/1.1"),
            &[("own_goal", "Fler gentester"), ("current_state", "70 %"), ("version", "0")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r =
        rn.post(&format!("{base}/mal/1.1"), &[("own_goal", "Annat"), ("current_state", "x"), ("version", "0")]).await;
    assert_eq!(r.status(), 409, "stale version");
    let r = rn
        .post(
            &format!("{base}/mal/1.1/aktiviteter"),
            &[
                ("text", "Utbilda kontaktsjuksköterskor"),
                ("responsible", "Cancersamordnaren"),
                ("due", "2026-06-30"),
                ("status", "planerad"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = rn.post(&format!("{base}/mal/1.1/aktiviteter"), &[("text", "x"), ("due", "30 juni")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("30 juni&#34; är inget giltigt datum"));
    let page = rn.page(&base).await;
    assert!(
        page.contains("Fler gentester")
            && page.contains("Utbilda kontaktsjuksköterskor")
            && page.contains("30 juni 2026")
    );
    let id = page
        .split(&format!("{base}/aktiviteter/"))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("activity id")
        .to_owned();
    let r = rn
        .post(
            &format!("{base}/aktiviteter/{id}"),
            &[
                ("text", "Utbilda kontaktsjuksköterskor"),
                ("responsible", "Cancersamordnaren"),
                ("due", "2026-06-30"),
                ("status", "klar"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(rn.page(&base).await.contains("<td>Klar</td>"));
    // Another region's reporter can neither read nor change it.
    let mut rv = Browser::new(&app);
    rv.login("rv").await;
    assert_eq!(rv.get(&base).await.status(), 403);
    let r =
        rv.post(&format!("{base}/mal/1.1"), &[("own_goal", "Kapat"), ("current_state", ""), ("version", "1")]).await;
    assert_eq!(r.status(), 403);
    let r = rv
        .post(&format!("{base}/aktiviteter/{id}"), &[("text", "Kapat"), ("status", "struken"), ("version", "2")])
        .await;
    assert_eq!(r.status(), 403);
}

both_backends!(the_process_leader_follows_up_and_signs, |backend| async move {
    let app = workflow_app(backend).await;
    let mut p = Browser::new(&app);
    p.login("proc").await;
    let base = format!("/planer/{PLAN}/2025/processer/vagen-in");
    let form = p.page(&format!("{base}/redigera")).await;
    assert!(form.contains("Processuppföljning 2025") || form.contains("2025"), "the 2025 follow-up exists");
    assert!(form.contains("name=\"text_1\""), "last year's goal is carried over");
    let goal = form
        .split("name=\"text_1\" required")
        .nth(1)
        .and_then(|s| s.split_once('>'))
        .and_then(|(_, s)| s.split("</textarea>").next())
        .expect("goal")
        .to_owned();
    let r = p
        .post(
            &format!("{base}/redigera"),
            &[
                ("version", "1"),
                ("title", "Uppföljning 2025 av Vägen in"),
                ("text_1", &goal),
                ("current_1", "Nuläge"),
                ("targets_1", "En arbetsgrupp\nFler strukturer"),
                ("date_1", "2025"),
                ("followup_1", "Gruppen är nu fulltalig."),
                ("long_term", "Punkt ett\nPunkt två"),
                ("level_structuring", "Ej relevant"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = p.post(&format!("{base}/signera"), &[("name", "Test proc"), ("version", "2")]).await;
    assert_eq!(r.status(), 303);
    let page = p.page(&base).await;
    assert!(page.contains("Gruppen är nu fulltalig.") && page.contains("Signerad av Test proc"));
    let r = p.post(&format!("{base}/redigera"), &[("version", "3"), ("title", "Ändrad"), ("text_1", &goal)]).await;
    assert_eq!(r.status(), 423, "signed: read-only");
    // Only the RCC reopens, with a reason.
    assert_eq!(p.post(&format!("{base}/oppna-igen"), &[("skal", "Jag vill ändra")]).await.status(), 403);
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    assert_eq!(rcc.post(&format!("{base}/oppna-igen"), &[("skal", "")]).await.status(), 422);
    assert_eq!(rcc.post(&format!("{base}/oppna-igen"), &[("skal", "Komplettera")]).await.status(), 303);
    assert!(!p.page(&base).await.contains("Signerad av"));
    // Another process's leader, or a region reporter, cannot edit it.
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    assert_eq!(rn.get(&format!("{base}/redigera")).await.status(), 403);
});

both_backends!(the_rcc_writes_the_narrative_and_the_checks_follow, |backend| async move {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let path = format!("/planer/{PLAN}/2025/sammanfattning/redigera");
    let form = rcc.page(&path).await;
    assert!(form.contains("name=\"heading_1\""), "an empty section to start with");
    // A claim the data does not support is saved, and shows up as a warning.
    let r = rcc
        .post(
            &path,
            &[
                ("version", "1"),
                ("introduction", "Uppföljningen 2025."),
                ("heading_1", "Uppnått överallt"),
                ("text_1", "- Gentester"),
                ("everywhere_1", "1.1"),
                ("allbutone_1", ""),
                ("furthest_1", ""),
                ("figures_1", "svf-ledtid RVN 2025 50"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let page = rcc.page(&format!("/planer/{PLAN}/2025/sammanfattning")).await;
    assert!(
        page.contains("5 skillnader mellan RCC:s text och data"),
        "four blank regions and one figure without a value"
    );
    assert!(page.contains("Gentester"), "the narrative beside the derived summary");
    // A wrong goal number: nothing saved, the text stays in the form.
    let r = rcc
        .post(
            &path,
            &[
                ("version", "2"),
                ("introduction", "Ny inledning som inte får försvinna."),
                ("heading_1", "Uppnått överallt"),
                ("text_1", "x"),
                ("everywhere_1", "9.9"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("Avsnitt 1, uppnått i alla regioner: planen har inget mål 9.9."), "{body}");
    assert!(body.contains("Ny inledning som inte får försvinna."), "the user's text is kept");
    // A stale version: refused, text kept.
    let r = rcc.post(&path, &[("version", "1"), ("introduction", "Gammal version."), ("heading_1", "A")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.expect("body").contains("Gammal version."));
    // The change is in the history; a published round is locked.
    let history = rcc.page(&format!("/planer/{PLAN}/2025/historik")).await;
    assert!(history.contains("Inledning och sammanfattning"));
    let r = rcc
        .post(&format!("/planer/{PLAN}/2024/sammanfattning/redigera"), &[("version", "1"), ("introduction", "x")])
        .await;
    assert_eq!(r.status(), 423);
});

both_backends!(the_rcc_confirms_or_rejects_figures_from_comments, |backend| async move {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let page = rcc.page(&format!("/planer/{PLAN}/2024/siffror")).await;
    assert!(page.contains("1 av 23 väntar på bedömning"), "all but RJH's 50 % are already indicator values");
    assert!(page.contains("Finns redan som indikatorvärde: svf-ledtid 2024"));
    let reject = [("goal", "2.2"), ("author", "RJH"), ("region", "RJH"), ("value", "50"), ("atgard", "avvisa")];
    assert_eq!(rcc.post(&format!("/planer/{PLAN}/2024/siffror"), &reject).await.status(), 303);
    let page = rcc.page(&format!("/planer/{PLAN}/2024/siffror")).await;
    assert!(page.contains("0 av 23 väntar") && page.contains("Avvisad av Test rcc"));
    assert_eq!(rcc.post(&format!("/planer/{PLAN}/2024/siffror"), &reject).await.status(), 409, "decided once");
    // A figure that is not in any comment cannot be confirmed.
    let made_up = [("goal", "2.2"), ("author", "RJH"), ("region", "RJH"), ("value", "99"), ("atgard", "avvisa")];
    assert_eq!(rcc.post(&format!("/planer/{PLAN}/2024/siffror"), &made_up).await.status(), 404);

    // A new comment in 2025 brings a new figure; confirming it makes it an indicator value.
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    let r = rn
        .post(
            &format!("/planer/{PLAN}/2025/regioner/RN"),
            &[
                ("niva_3_3", "U/E"),
                ("kommentar_3_3", "Ledtidsmålet nås inte men ligger på 52 %."),
                ("version_3_3", "1"),
                ("orig_niva_3_3", ""),
                ("orig_kommentar_3_3", ""),
                ("atgard", "spara"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = rcc.page(&format!("/planer/{PLAN}/2025/siffror")).await;
    assert!(page.contains("1 av 1 väntar") && page.contains("ligger på 52 %"), "{page}");
    let confirm = [
        ("goal", "3.3"),
        ("author", "RN"),
        ("region", "RN"),
        ("value", "52"),
        ("atgard", "bekrafta"),
        ("indicator", "svf-ledtid"),
        ("period", "2025"),
    ];
    assert_eq!(rcc.post(&format!("/planer/{PLAN}/2025/siffror"), &confirm).await.status(), 303);
    let csv = cli_ok(&app.db, &["export", "indicators", "--plan", PLAN, "--year", "2025"]);
    assert!(csv.contains("svf-ledtid,%,RN,2025,52,"), "{csv}");
    assert!(
        rcc.page(&format!("/planer/{PLAN}/2025/siffror")).await.contains("Bekräftad som svf-ledtid 2025 av Test rcc")
    );
    let history = rcc.page(&format!("/planer/{PLAN}/2025/historik")).await;
    assert!(history.contains("bekräftad som svf-ledtid 2025"));
});

both_backends!(the_rcc_edits_indicator_values_in_the_app, |backend| async move {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let base = format!("/planer/{PLAN}/2024/indikatorer");
    let r = rcc
        .post(
            &format!("{base}/varden"),
            &[("indicator", "svf-ledtid"), ("region", "RN"), ("period", "2023"), ("value", "47,5"), ("extracted", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(rcc.page(&format!("{base}?sparat=1")).await.contains("Värdet är sparat."));
    let r = rcc
        .post(
            &format!("{base}/varden"),
            &[("indicator", "svf-ledtid"), ("region", "RN"), ("period", "2023"), ("value", "mycket")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("kolumn value: &#34;mycket&#34; är inget tal"));

    // A file: a bad one changes nothing, a good one is read whole.
    let bad = b"indicator,unit,region,period,value\nsvf-ledtid,%,RN,2022,40\nsvf-ledtid,%,RQ,2022,41\n";
    let r = rcc.upload(&format!("{base}/import"), "fil", "varden.csv", bad).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("varden.csv:3: kolumn region"));
    let good = b"indicator,unit,region,period,value\nsvf-ledtid,%,RN,2022,40\nsvf-ledtid,%,RV,2022,39\n";
    let r = rcc.upload(&format!("{base}/import"), "fil", "varden.csv", good).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).contains("nya=2&andrade=0"), "{}", location(&r));
    let csv = cli_ok(&app.db, &["export", "indicators", "--plan", PLAN, "--year", "2024"]);
    for line in ["svf-ledtid,%,RN,2023,47.5,", "svf-ledtid,%,RN,2022,40,", "svf-ledtid,%,RV,2022,39,"] {
        assert!(csv.contains(line), "{line} in {csv}");
    }
    assert!(!csv.contains(",2022,41,"), "the bad file wrote nothing");
    // A value recorded by mistake is removed; the history keeps it.
    let r = rcc.post(&format!("{base}/svf-ledtid/varden/ta-bort"), &[("region", "RV"), ("period", "2022")]).await;
    assert_eq!(r.status(), 303);
    assert!(rcc.page(&location(&r)).await.contains("Värdet är borttaget"));
    let csv = cli_ok(&app.db, &["export", "indicators", "--plan", PLAN, "--year", "2024"]);
    assert!(!csv.contains("svf-ledtid,%,RV,2022,") && csv.contains("svf-ledtid,%,RN,2022,40,"), "only that one");
    let r = rcc.post(&format!("{base}/svf-ledtid/varden/ta-bort"), &[("region", "RV"), ("period", "2022")]).await;
    assert_eq!(r.status(), 404, "gone once");
    let history = rcc.page(&format!("{base}/svf-ledtid/andra")).await;
    assert!(history.contains("indikator svf-ledtid RV 2022</th><td>39</td><td>borttaget</td>"), "kept in the history");
    // Without the token in the address, an upload is refused like any form.
    let r = app
        .client
        .post(format!("{}{base}/import", app.address))
        .header("cookie", format!("uppfolj_csrf={}", rcc.csrf()))
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x--\r\n")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
});

/// The version hidden in a definition form.
fn form_version(page: &str) -> String {
    page.split("name=\"version\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("version").to_owned()
}

both_backends!(the_rcc_defines_and_changes_indicators_in_the_app, |backend| {
    the_rcc_defines_and_changes_indicators_in_the_app(backend)
});

async fn the_rcc_defines_and_changes_indicators_in_the_app(backend: Backend) {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let base = format!("/planer/{PLAN}/2024/indikatorer");
    let form = rcc.page(&format!("{base}/ny")).await;
    assert!(form.contains("name=\"mal_3.3\""), "a tick box per goal");

    // Every problem is named at its field, and what was typed stays.
    let r = rcc
        .post(
            &format!("{base}/ny"),
            &[("name", ""), ("unit", "%"), ("direction", "hogre"), ("target", "sjuttio"), ("source", "Mitt register")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    for expected in [
        "Ingenting sparades",
        "href=\"#f-name\"",
        "Skriv indikatorns namn.",
        "&#34;sjuttio&#34; är inget tal",
        "Välj minst ett mål som indikatorn mäter.",
        "value=\"Mitt register\"",
        "aria-invalid=\"true\"",
    ] {
        assert!(body.contains(expected), "{expected} in the answer");
    }
    let csv = cli_ok(&app.db, &["export", "indicators", "--plan", PLAN, "--year", "2024"]);
    assert!(!csv.contains("Mitt register"), "nothing was saved");

    // A good definition: the short name comes from the name.
    let new = [
        ("name", "Väntetid till behandlingsstart"),
        ("unit", "dagar"),
        ("direction", "lagre"),
        ("target", "28"),
        ("target_date", "2026-12-31"),
        ("source", "SVF-data"),
        ("mal_3.3", "1"),
        ("mal_1.1", "1"),
    ];
    let r = rcc.post(&format!("{base}/ny"), &new).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).contains("ny-indikator=vantetid-till-behandlingsstart"), "{}", location(&r));
    let list = rcc.page(&location(&r)).await;
    assert!(list.contains("Indikatorn &#34;Väntetid till behandlingsstart&#34; är tillagd."));
    assert!(list.contains("28 dagar senast 31 december 2026"), "target and date on the list");
    assert!(list.contains("Lägre värde är bättre"));
    // The same name again is refused; so is a short name already taken.
    let r = rcc.post(&format!("{base}/ny"), &new).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("Det finns redan en indikator som heter"));
    // Values go to it like to any other, and it is exported with its target and goals.
    let r = rcc
        .post(
            &format!("{base}/varden"),
            &[("indicator", "vantetid-till-behandlingsstart"), ("region", "RN"), ("period", "2024"), ("value", "31")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let csv = cli_ok(&app.db, &["export", "indicators", "--plan", PLAN, "--year", "2024"]);
    assert!(csv.contains("vantetid-till-behandlingsstart,dagar,RN,2024,31,28,2026-12-31,,SVF-data,,1.1 3.3"), "{csv}");

    // Changing a definition: based on the version it was read at.
    let edit = format!("{base}/svf-inklusion/andra");
    let page = rcc.page(&edit).await;
    assert!(page.contains("value=\"70\""), "the stored target in the form");
    let version = form_version(&page);
    let changed = |target: &'static str, version: String| {
        vec![
            ("version", version),
            ("name", "Andel inkluderade i SVF".to_owned()),
            ("unit", "%".to_owned()),
            ("direction", "hogre".to_owned()),
            ("target", target.to_owned()),
            ("target_date", "".to_owned()),
            ("source", "SVF-data".to_owned()),
            ("mal_3.3", "1".to_owned()),
        ]
    };
    let fields = changed("75", version.clone());
    let as_ref: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = rcc.post(&edit, &as_ref).await;
    assert_eq!(r.status(), 303);
    assert!(
        rcc.page(&location(&r))
            .await
            .contains("Ändringarna av indikatorn &#34;Andel inkluderade i SVF&#34; är sparade.")
    );
    // A second person still holding the old version is told, and sees what is saved now.
    let fields = changed("80", version);
    let as_ref: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = rcc.post(&edit, &as_ref).await;
    assert_eq!(r.status(), 409);
    let body = r.text().await.expect("body");
    assert!(body.contains("Någon annan ändrade indikatorn") && body.contains("målvärde: 75 %"), "the saved target");
    assert!(body.contains("value=\"80\""), "their own text is kept");
    let data = cli_ok(&app.db, &["export", "data", "--plan", PLAN]);
    assert!(data.contains("target = 75.0"), "the first change stands");
    assert!(data.contains("source = \"SVF-data\""));
    // Each changed field is in the history, with before and after.
    let page = rcc.page(&edit).await;
    assert!(page.contains("indikator svf-inklusion: målvärde</th><td>70 %</td><td>75 %</td>"), "history row");
    assert!(page.contains("indikator svf-inklusion: källa"));
    assert!(page.contains("kan därför inte tas bort"), "it has values");

    // Only an indicator without values can be removed.
    let r = rcc.post(&format!("{base}/svf-inklusion/ta-bort"), &[("version", &form_version(&page))]).await;
    assert_eq!(r.status(), 423);
    let r = rcc
        .post(
            &format!("{base}/ny"),
            &[("name", "Felaktig"), ("slug", "fel-1"), ("unit", "st"), ("direction", "hogre"), ("mal_7.1", "1")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = rcc.page(&format!("{base}/fel-1/andra")).await;
    assert!(page.contains("Ta bort indikatorn"));
    let r = rcc.post(&format!("{base}/fel-1/ta-bort"), &[("version", &form_version(&page))]).await;
    assert_eq!(r.status(), 303);
    assert!(!rcc.page(&base).await.contains("Felaktig"));
    assert_eq!(rcc.get(&format!("{base}/fel-1/andra")).await.status(), 404);

    // A form without the version it was read at is refused, even with mistakes in it.
    let r = rcc.post(&edit, &[("name", "")]).await;
    assert_eq!(r.status(), 400);
    // An indicator whose value came from a confirmed figure keeps the decision traceable: even with the
    // value removed, the indicator stays.
    let r = rcc
        .post(&format!("{base}/ny"), &[("name", "Ledtid RN"), ("unit", "%"), ("direction", "hogre"), ("mal_3.3", "1")])
        .await;
    assert_eq!(r.status(), 303);
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    let r = rn
        .post(
            &format!("/planer/{PLAN}/2025/regioner/RN"),
            &[
                ("niva_3_3", "P"),
                ("kommentar_3_3", "Ledtiden ligger på 52 %."),
                ("version_3_3", "1"),
                ("orig_niva_3_3", ""),
                ("orig_kommentar_3_3", ""),
                ("atgard", "spara"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let confirm = [
        ("goal", "3.3"),
        ("author", "RN"),
        ("region", "RN"),
        ("value", "52"),
        ("atgard", "bekrafta"),
        ("indicator", "ledtid-rn"),
        ("period", "2025"),
    ];
    assert_eq!(rcc.post(&format!("/planer/{PLAN}/2025/siffror"), &confirm).await.status(), 303);
    let r = rcc.post(&format!("{base}/ledtid-rn/varden/ta-bort"), &[("region", "RN"), ("period", "2025")]).await;
    assert_eq!(r.status(), 303);
    let page = rcc.page(&format!("{base}/ledtid-rn/andra")).await;
    let r = rcc.post(&format!("{base}/ledtid-rn/ta-bort"), &[("version", &form_version(&page))]).await;
    assert_eq!(r.status(), 423);
    assert!(r.text().await.expect("body").contains("1 siffra ur kommentarerna har bekräftats"));
}

both_backends!(forms_without_their_version_are_refused, |backend| async move {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let base = format!("/planer/{PLAN}/2025");
    // Every form that changes a versioned thing sends the version it was read at; without it the change
    // is refused (400) instead of being taken as based on some version.
    for (path, fields) in [
        (format!("{base}/sammanfattning/redigera"), vec![("introduction", "Ny inledning.")]),
        (format!("{base}/granskning/RN/kondensera"), vec![("kond_1_1", "Kort."), ("korig_1_1", "")]),
        (format!("{base}/omraden/1/rcc-kommentarer"), vec![("rcc_1_1", "RCC följer upp.")]),
        (format!("{base}/granskning/RN/status"), vec![("atgard", "godkann")]),
        (format!("{base}/processer/vagen-in/redigera"), vec![("title", "Ny rubrik")]),
        (
            format!("{base}/regioner/RN"),
            vec![("niva_1_1", "P"), ("kommentar_1_1", "Pågår."), ("orig_niva_1_1", ""), ("orig_kommentar_1_1", "")],
        ),
    ] {
        let r = rcc.post(&path, &fields).await;
        assert_eq!(r.status(), 400, "{path}");
        assert!(r.text().await.unwrap().contains("<html lang=\"sv\""), "{path}: the Swedish error page");
    }
    // Nothing was written.
    let history = rcc.page(&format!("{base}/historik")).await;
    assert!(!history.contains("Ny inledning.") && !history.contains("RCC följer upp."), "{history}");
});
