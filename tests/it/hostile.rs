//! Uppfölj used as an attacker or a careless user would: files that try to exhaust the server, texts
//! that try to break documents and terminals, malformed requests. Each case gives a clear Swedish
//! error or a valid document, and the server keeps answering others within a second throughout. The
//! hostile files are made here, in the test; none is committed.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::both_backends;
use crate::helpers::*;

/// Strings that have broken documents and terminals: markup, spreadsheet formulas, terminal escape
/// codes, control characters that copy-paste from Word brings (backspace, vertical tab, form feed),
/// Unicode noncharacters. (NUL is left out: PostgreSQL cannot store it at all, and the app never does.)
const HOSTILE: &str = "<script>alert(1)</script> & \"citat\" 'enkel' =HYPERLINK(\"http://evil.example\",\"klicka\") \
                       +46 @SUMMA \u{1b}[2J\u{1b}[31mröd\u{1b}[0m \u{8}bak\u{b}vt\u{c}ff\u{7f}\u{85} \u{FFFE}slut";

/// A unit that a spreadsheet would run as a command.
const FORMULA_UNIT: &str = "=cmd|' /C calc'!A0";

/// A comment longer than any cell of Excel (32 767 characters), as text stored before there were limits.
fn very_long() -> String {
    let mut s = String::new();
    while s.chars().count() < 40_000 {
        s.push_str("Lång kommentar \u{b}med =FORMEL och <b>fetstil</b>. ");
    }
    s
}

/// Every text of the demo plan made hostile, straight in the database.
async fn poison(db: &TestDb) {
    let h = HOSTILE;
    for (table, columns) in [
        ("healthcare_regions", &["name", "federation", "rcc", "rcc_location"][..]),
        ("regions", &["name"][..]),
        ("plans", &["title", "adopted_by"][..]),
        ("areas", &["title"][..]),
        ("goals", &["text"][..]),
        ("rounds", &["introduction"][..]),
        ("round_summary_sections", &["heading", "body"][..]),
        ("assessments", &["comment", "condensed"][..]),
        ("rcc_comments", &["body"][..]),
        ("processes", &["name", "leader_name", "leader_title", "leader_organisation"][..]),
        ("process_followups", &["title", "comments", "level_structuring", "patient_involvement", "other"][..]),
        ("process_goals", &["text", "current_state", "followup"][..]),
        ("indicators", &["name", "unit", "source", "description"][..]),
        ("indicator_values", &["note"][..]),
    ] {
        for c in columns {
            sql(db, &format!("UPDATE {table} SET {c} = $1"), &[h]).await;
        }
    }
    // One comment of every kind of length, and one that no Excel cell can hold.
    let min = "(SELECT MIN(id) FROM assessments)";
    sql(db, &format!("UPDATE assessments SET comment = $1, condensed = NULL WHERE id = {min}"), &[&very_long()]).await;
    sql(db, "UPDATE goals SET targets = $1", &[&serde_json::json!([HOSTILE, "=1+1"]).to_string()]).await;
    sql(db, "UPDATE indicators SET unit = $1", &[FORMULA_UNIT]).await;
    // A comment with figures in it (which `uppfolj figures` quotes) and escape codes.
    let max = "(SELECT MAX(id) FROM assessments)";
    let figures = "Antal per 100 000 invånare: RJH 124, RN 95 \u{1b}[2J\u{1b}]0;kapad\u{7}";
    sql(db, &format!("UPDATE assessments SET comment = $1, condensed = NULL WHERE id = {max}"), &[figures]).await;
}

/// Every XML part of an Office file parses.
fn office_xml_parses(path: &std::path::Path) -> usize {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).expect("file")).expect("a zip archive");
    let mut parsed = 0;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).expect("part");
        let name = part.name().expect("name").into_owned();
        if name.ends_with(".xml") || name.ends_with(".rels") {
            let mut text = String::new();
            part.read_to_string(&mut text).expect("utf-8");
            roxmltree::Document::parse(&text)
                .unwrap_or_else(|e| panic!("{name} in {} is not XML: {e}", path.display()));
            parsed += 1;
        }
    }
    parsed
}

both_backends!(every_format_carries_whatever_is_stored, |backend| every_format_carries_whatever_is_stored(backend));

async fn every_format_carries_whatever_is_stored(backend: Backend) {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    // Written past the app, then published again: the new edition freezes it as stored.
    cli_ok(&db, &["round", "reopen", "--plan", PLAN, "--year", "2024", "--reason", "Prov av lagrad text"]);
    poison(&db).await;
    cli_ok(&db, &["round", "publish", "--plan", PLAN, "--year", "2024", "--force"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = |f: &str| dir.path().join(format!("rapport.{f}"));
    for format in ["html", "pdf", "docx", "xlsx"] {
        let path = out(format);
        let started = Instant::now();
        cli_ok(&db, &["report", "--plan", PLAN, "--year", "2024", "--format", format, "-o", path.to_str().unwrap()]);
        eprintln!("{format}: {:?}", started.elapsed());
    }
    // HTML: markup is shown as text, never run.
    let html = std::fs::read_to_string(out("html")).expect("html");
    assert!(!html.contains("<script>alert(1)"), "markup from the data is escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // Word and Excel: every XML part is well-formed.
    assert!(office_xml_parses(&out("docx")) >= 3);
    assert!(office_xml_parses(&out("xlsx")) >= 3);
    // Excel: it opens, the formula is text, and the overlong comment is cut where Excel stops, saying so.
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = calamine::open_workbook(out("xlsx")).expect("calamine opens the workbook");
    let comments = wb.worksheet_range("Kommentarer").expect("comments sheet");
    let texts: Vec<String> = comments.rows().filter_map(|r| r.get(4).map(|c| c.to_string())).collect();
    assert!(texts.iter().any(|t| t.contains("=HYPERLINK(")), "formulas are text");
    let longest = texts.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    assert_eq!(longest, 32_767, "the longest comment fills one Excel cell exactly");
    assert!(texts.iter().any(|t| t.ends_with("[avkortad: hela texten finns i Uppfölj]")));
    // PDF: a real reader reads it.
    let text = std::process::Command::new("pdftotext").arg(out("pdf")).arg("-").output().expect("pdftotext");
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("<script>alert(1)</script>"), "the PDF shows the text as text");
    // CSV: a cell a spreadsheet would run as a formula starts with a quote.
    let csv = cli_ok(&db, &["export", "indicators", "--plan", PLAN, "--year", "2024", "--format", "csv"]);
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    for rec in reader.records() {
        let rec = rec.expect("csv");
        for cell in rec.iter() {
            assert!(!cell.starts_with(['=', '+', '@']), "a formula in the CSV export: {cell:?}");
        }
        assert_eq!(rec.get(1), Some("'=cmd|' /C calc'!A0"), "the unit is neutralised");
    }
    // … and the export still reads back as the same values.
    let file = dir.path().join("indikatorer.csv");
    std::fs::write(&file, &csv).expect("write");
    let o = cli(&db, &["indicators", "import", file.to_str().unwrap(), "--plan", PLAN]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("0 nya, 0 ändrade"), "{}", stderr(&o));
    // The terminal: nothing stored reaches it as an escape code.
    let out = cli(&db, &["summary", "--plan", PLAN, "--year", "2024"]);
    assert!(out.status.success());
    assert!(!out.stdout.contains(&0x1b), "no escape byte reaches the terminal");
    assert!(stdout(&out).contains("\\u{1b}[2J"), "the escape code is shown as its code");
    let out = cli(&db, &["figures", "--plan", PLAN, "--year", "2024"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("124"), "{}", stdout(&out));
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07), "no escape or bell reaches the terminal");
    assert!(stdout(&out).contains("\\u{1b}]0;kapad\\u{7}"), "{}", stdout(&out));
    // The dashboard's SVG charts are XML.
    let app = TestApp::spawn_with(db, &[]);
    let page = app.page(&format!("/planer/{PLAN}/2024/diagram")).await;
    let svgs: Vec<&str> = page.split("<svg").skip(1).map(|s| s.split("</svg>").next().unwrap_or("")).collect();
    assert!(!svgs.is_empty());
    for s in svgs {
        let svg = format!("<svg{s}</svg>");
        roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("a chart is not XML: {e}"));
    }
}

/// Asks `/healthz` every 50 ms while `work` runs, and answers what `work` returned and the slowest
/// answer `/healthz` gave meanwhile.
async fn while_probing<T>(app: &TestApp, work: impl std::future::Future<Output = T>) -> (T, Duration) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = Arc::new(AtomicBool::new(false));
    let (client, url, flag) = (app.client.clone(), format!("{}/healthz", app.address), stop.clone());
    let probe = tokio::spawn(async move {
        let mut worst = Duration::ZERO;
        let mut answers = 0;
        while !flag.load(Ordering::SeqCst) || answers == 0 {
            let t = Instant::now();
            let r = client.get(&url).send().await.expect("/healthz answers");
            assert_eq!(r.status(), 200);
            worst = worst.max(t.elapsed());
            answers += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        worst
    });
    let out = work.await;
    stop.store(true, Ordering::SeqCst);
    (out, probe.await.expect("probe"))
}

/// An Excel file with the import's header and one more cell at (`row`, `col`), 0-based.
fn far_cell_xlsx(row: u32, col: u16) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in ["indicator", "unit", "region", "period", "value"].iter().enumerate() {
        ws.write_string(0, u16::try_from(i).unwrap(), *h).unwrap();
    }
    ws.write_string(row, col, "x").unwrap();
    wb.save_to_buffer().unwrap()
}

/// A zip archive written by hand, so that an entry can be anything: (name, method, data as stored,
/// crc, size unpacked). Method 0 is stored, 8 is deflate.
fn zip_archive(entries: &[(&str, u16, Vec<u8>, u32, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, method, data, crc, size) in entries {
        let offset = u32::try_from(out.len()).unwrap();
        let n = u16::try_from(name.len()).unwrap();
        let packed = u32::try_from(data.len()).unwrap();
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        for v in [20u16, 0, *method, 0, 0x21] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [*crc, packed, *size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        for v in [20u16, 20, 0, *method, 0, 0x21] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [*crc, packed, *size] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [n, 0, 0, 0, 0] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        central.extend_from_slice(&0u32.to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let (cd_offset, cd_size) = (u32::try_from(out.len()).unwrap(), u32::try_from(central.len()).unwrap());
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    let count = u16::try_from(entries.len()).unwrap();
    for v in [0u16, 0, count, count] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn stored(name: &str, text: &str) -> (&'static str, u16, Vec<u8>, u32, u32) {
    let mut crc = flate2::Crc::new();
    crc.update(text.as_bytes());
    (name.to_owned().leak(), 0, text.as_bytes().to_vec(), crc.sum(), u32::try_from(text.len()).unwrap())
}

/// An Excel file of a few hundred kilobytes whose sheet unpacks to 500 MB: one megabyte compressed
/// once and its deflate blocks repeated (each ends byte-aligned, so the copies follow each other).
fn xlsx_bomb() -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let mb = "<row><c t=\"inlineStr\"><is><t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</t></is></c></row>".repeat(16_384);
    let mb = &mb[..1024 * 1024];
    enc.write_all(mb.as_bytes()).unwrap();
    enc.flush().unwrap();
    let block = enc.get_ref().clone();
    let mut sheet = Vec::new();
    for _ in 0..500 {
        sheet.extend_from_slice(&block);
    }
    sheet.extend_from_slice(&[0x03, 0x00]);
    let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    zip_archive(&[
        stored(
            "[Content_Types].xml",
            "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
             <Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>",
        ),
        stored(
            "_rels/.rels",
            &format!(
                "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
            ),
        ),
        stored(
            "xl/workbook.xml",
            &format!(
                "<?xml version=\"1.0\"?><workbook xmlns=\"{ns}\" xmlns:r=\"{rel}\"><sheets><sheet name=\"Blad1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
            ),
        ),
        stored(
            "xl/_rels/workbook.xml.rels",
            &format!(
                "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel}/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>"
            ),
        ),
        ("xl/worksheets/sheet1.xml", 8, sheet, 0, 500 * 1024 * 1024),
    ])
}

both_backends!(alone hostile_spreadsheets_are_refused_and_the_server_stays_up, |backend| async move {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let upload = format!("/planer/{PLAN}/2024/indikatorer/import");
    // A 5 kB workbook with one cell at XFD1048576 (its declared dimension is the whole sheet).
    let far = far_cell_xlsx(1_048_575, 16_383);
    assert!(far.len() < 10_000);
    let r = rcc.upload(&upload, "fil", "langt-bort.xlsx", &far).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("fler än 200 000 rader; dela upp den"), "{body}");
    let r = rcc.upload(&upload, "fil", "bred.xlsx", &far_cell_xlsx(1, 16_383)).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("cell XFD2") && body.contains("högst 26 kolumner"), "{body}");
    // The command line reads the same way, with the same limits.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("langt-bort.xlsx");
    std::fs::write(&file, &far).unwrap();
    let o = cli(&app.db, &["indicators", "import", file.to_str().unwrap(), "--plan", PLAN]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("fler än 200 000 rader"), "{}", stderr(&o));

    // Two bombs at once, and the server keeps answering everyone else.
    let bomb = xlsx_bomb();
    assert!(bomb.len() < 2 * 1024 * 1024, "{} bytes", bomb.len());
    let started = Instant::now();
    let mut other = Browser::new(&app);
    other.cookies = rcc.cookies.clone();
    let ((a, b), worst) = while_probing(&app, async {
        tokio::join!(rcc.upload(&upload, "fil", "bomb.xlsx", &bomb), other.upload(&upload, "fil", "bomb2.xlsx", &bomb))
    })
    .await;
    for r in [a, b] {
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(body.contains("packas upp till mer än 160 MB"), "{body}");
    }
    eprintln!("two bombs refused in {:?}; /healthz at worst {worst:?}", started.elapsed());
    assert!(worst < Duration::from_secs(1), "/healthz waited {worst:?}");
    let file = dir.path().join("bomb.xlsx");
    std::fs::write(&file, &bomb).unwrap();
    let o = cli(&app.db, &["indicators", "import", file.to_str().unwrap(), "--plan", PLAN]);
    assert!(stderr(&o).contains("packas upp till mer än"), "{}", stderr(&o));
    // A file larger than an upload may be: 413, said in Swedish, with the whole request answered.
    let big = vec![b'a'; 21 * 1024 * 1024];
    let r = rcc.upload(&upload, "fil", "stor.csv", &big).await;
    assert_eq!(r.status(), 413);
    assert!(r.text().await.unwrap().contains("Filen är större än 20 MB"));
    // Nothing was written, and the normal page still works.
    assert!(rcc.page(&format!("/planer/{PLAN}/2024/indikatorer")).await.contains("Indikatorer"));
});

both_backends!(texts_are_cleaned_or_refused_with_the_same_rule_everywhere, |backend| {
    texts_are_cleaned_or_refused_with_the_same_rule_everywhere(backend)
});

async fn texts_are_cleaned_or_refused_with_the_same_rule_everywhere(backend: Backend) {
    let app = workflow_app(backend).await;
    let mut rn = Browser::new(&app);
    rn.login("rn").await;
    let form = format!("/planer/{PLAN}/2025/regioner/RN");
    let too_long = "x".repeat(32_768);
    // The form: refused, nothing saved, the text kept for the user to shorten.
    let r = rn
        .post(
            &form,
            &[
                ("niva_1_1", "P"),
                ("kommentar_1_1", &too_long),
                ("version_1_1", "1"),
                ("orig_niva_1_1", ""),
                ("orig_kommentar_1_1", ""),
                ("atgard", "spara"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Mål 1.1: kommentaren: texten är 32 768 tecken lång; högst 10 000 tecken får plats"),
        "{body}"
    );
    assert!(body.contains(&too_long), "what the user wrote is still in the form");
    assert!(body.contains("maxlength=\"10000\""), "the browser stops at the limit");
    assert!(body.contains("Högst 10 000 tecken."), "the limit is said under the field");
    // The API: the same rule and the same message.
    let token = token(&app.db, "rn");
    let put = |comment: String| {
        app.client
            .put(format!("{}/api/v1/rounds/{PLAN}/2025/goals/1.1/regions/RN", app.address))
            .bearer_auth(&token)
            .json(&serde_json::json!({"level": "P", "comment": comment, "version": 1}))
            .send()
    };
    let r = put(too_long.clone()).await.unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("texten är 32 768 tecken lång; högst 10 000 tecken"), "{msg}");
    let r = put("Ett \u{202E}omvänt\u{202C} ord".to_owned()).await.unwrap();
    assert_eq!(r.status(), 422);
    // What copy-paste from Word brings is cleaned: the manual line break becomes a line break,
    // backspace and other control characters go.
    let r = put("Rad ett\u{b}rad två\u{8}\r\nrad tre\u{1b}[31m".to_owned()).await.unwrap();
    assert_eq!(r.status(), 200);
    let saved: serde_json::Value = r.json().await.unwrap();
    assert_eq!(saved["comment"], "Rad ett\nrad två\nrad tre[31m");
    // A reason goes through the store's guard whatever the form: the RCC returns with a 2 001-character reason.
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let r = rcc
        .post(
            &format!("/planer/{PLAN}/2025/granskning/RN/status"),
            &[("atgard", "skicka-tillbaka"), ("skal", &"s".repeat(2_001)), ("version", "1")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Skälet: texten är 2 001 tecken lång; högst 2 000 tecken"));
    // The RCC's own comment: the store refuses what the form's limit would have stopped.
    let r = rcc
        .post(
            &format!("/planer/{PLAN}/2025/omraden/1/rcc-kommentarer"),
            &[("rcc_1_1", &too_long), ("version_1_1", "0")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("RCC:s kommentar till mål 1.1: texten är 32 768 tecken lång"));
    // The narrative editor keeps what was written when the store refuses it.
    let intro = "Inledning.".repeat(5_001);
    let r = rcc
        .post(&format!("/planer/{PLAN}/2025/sammanfattning/redigera"), &[("introduction", &intro), ("version", "1")])
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("Inledningen: texten är 50 010 tecken lång; högst 50 000 tecken"), "{body}");
    assert!(body.contains(&intro), "the introduction is still in the form");
    // The Word report of the round is well-formed with what was saved.
    let dir = tempfile::tempdir().unwrap();
    let docx = dir.path().join("r.docx");
    let r = rcc.get(&format!("/planer/{PLAN}/2025/rapport/docx")).await;
    assert_eq!(r.status(), 200);
    std::fs::write(&docx, r.bytes().await.unwrap()).unwrap();
    assert!(office_xml_parses(&docx) >= 3);
    // A data file: the same rule, named by line.
    let demo = std::fs::read_to_string(DEMO_PATH).unwrap();
    let bad = demo
        .replacen(
            "title = \"Sjukvårdsregional cancerplan för norra sjukvårdsregionen 2022–2024\"",
            &format!("title = \"{}\"", "T".repeat(301)),
            1,
        )
        .replacen("slug = \"norr-2022-2024\"", "slug = \"annan-plan\"", 1);
    let file = dir.path().join("plan.toml");
    std::fs::write(&file, bad).unwrap();
    let o = cli(&app.db, &["import", file.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("plan › title: texten är 301 tecken lång; högst 300 tecken"), "{}", stderr(&o));
}

/// `n` indicator values in the import's columns: every indicator of the demo for every region, one
/// day after another from 2000 on.
fn many_values(n: usize) -> String {
    let indicators = [
        ("svf-ledtid", "%"),
        ("svf-inklusion", "%"),
        ("kvalitetsregister-tackningsgrad", "%"),
        ("hpv-vaccination", "%"),
        ("cancergenetik-remisser", "per 100 000 invånare"),
        ("tarmscreening-deltagande", "%"),
        ("tarmscreening-inbjudna", "personer"),
        ("opt-deltagande", "%"),
    ];
    let mut out = String::from("indicator,unit,region,period,value,extracted\n");
    let start = time::macros::date!(2000 - 01 - 01);
    let mut i = 0;
    'rows: for day in 0.. {
        let d = start + time::Duration::days(day);
        for (slug, unit) in indicators {
            for region in ["RJH", "RN", "RV", "RVN"] {
                if i == n {
                    break 'rows;
                }
                out.push_str(&format!("{slug},{unit},{region},{d},{},2025-04-04\n", (i % 97) as f64 / 2.0));
                i += 1;
            }
        }
    }
    out
}

/// Saves one cell of `plan`'s 2025 round as RN's reporter through the API, again and again while
/// `work` runs; answers what `work` returned, the longest a save took and how many were made.
async fn while_saving<T>(
    app: &TestApp,
    plan: &str,
    goal: &str,
    work: impl std::future::Future<Output = T>,
) -> (T, Duration, usize) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let token = token(&app.db, "rn");
    let stop = Arc::new(AtomicBool::new(false));
    let (client, base, flag) = (app.client.clone(), app.address.clone(), stop.clone());
    let url = format!("{base}/api/v1/rounds/{plan}/2025/goals/{goal}/regions/RN");
    let saver = tokio::spawn(async move {
        let (mut worst, mut saves, mut version) = (Duration::ZERO, 0usize, 1);
        while !flag.load(Ordering::SeqCst) || saves == 0 {
            let t = Instant::now();
            let r = client
                .put(&url)
                .bearer_auth(&token)
                .json(&serde_json::json!({"level": "P", "comment": format!("Spara {saves}"), "version": version}))
                .send()
                .await
                .expect("PUT");
            assert_eq!(r.status(), 200, "another user's save during the import");
            version = r.json::<serde_json::Value>().await.unwrap()["version"].as_i64().unwrap();
            worst = worst.max(t.elapsed());
            saves += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        (worst, saves)
    });
    let out = work.await;
    stop.store(true, Ordering::SeqCst);
    let (worst, saves) = saver.await.expect("saver");
    (out, worst, saves)
}

both_backends!(alone large_imports_do_not_block_other_users, |backend| async move {
    let app = workflow_app(backend).await;
    let dir = tempfile::tempdir().unwrap();
    // Another plan of the same healthcare region, where RN's reporter works meanwhile: it shares the
    // database (and on SQLite its one write lock) with the import, but not the import's data.
    let other =
        std::fs::read_to_string(DEMO_PATH).unwrap().replacen("slug = \"norr-2022-2024\"", "slug = \"norr-kopia\"", 1);
    let other_file = dir.path().join("kopia.toml");
    std::fs::write(&other_file, other).unwrap();
    cli_ok(&app.db, &["import", other_file.to_str().unwrap()]);
    cli_ok(&app.db, &["round", "open", "--plan", "norr-kopia", "--year", "2025", "--deadline", "2026-03-31"]);
    // 100 000 rows on the command line, while RN's reporter keeps saving.
    let file = dir.path().join("many.csv");
    std::fs::write(&file, many_values(100_000)).unwrap();
    let db_url = app.db.url.clone();
    let path = file.to_str().unwrap().to_owned();
    let started = Instant::now();
    let ((o, took), worst, saves) = while_saving(&app, "norr-kopia", "2.1", async move {
        let o = tokio::task::spawn_blocking(move || {
            std::process::Command::new(BIN)
                .args(["--database", &db_url, "indicators", "import", &path, "--plan", PLAN])
                .env("UPPFOLJ_LOG", "warn")
                .output()
                .expect("run")
        })
        .await
        .unwrap();
        (o, started.elapsed())
    })
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("100000 nya, 0 ändrade"), "{}", stderr(&o));
    eprintln!("{backend:?}: 100 000 rows imported in {took:?}; {saves} saves meanwhile, the slowest {worst:?}");
    assert!(worst < Duration::from_secs(1), "another user's save waited {worst:?}");
    // The same file again changes nothing; with every value changed, all are changed in one go.
    let o = cli(&app.db, &["indicators", "import", file.to_str().unwrap(), "--plan", PLAN]);
    assert!(stderr(&o).contains("0 nya, 0 ändrade"), "{}", stderr(&o));
    let changed = many_values(100_000).replace(",2025-04-04", ",2025-05-05");
    std::fs::write(&file, changed).unwrap();
    let o = cli(&app.db, &["indicators", "import", file.to_str().unwrap(), "--plan", PLAN]);
    assert!(stderr(&o).contains("0 nya, 100000 ändrade"), "{}", stderr(&o));

    // 44 000 rows uploaded in the web app, while the reporter keeps saving.
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let csv = many_values(144_000).lines().skip(100_001).collect::<Vec<_>>().join("\n");
    let csv = format!("indicator,unit,region,period,value,extracted\n{csv}\n");
    let started = Instant::now();
    let (r, worst, _) = while_saving(
        &app,
        "norr-kopia",
        "2.2",
        rcc.upload(&format!("/planer/{PLAN}/2024/indikatorer/import"), "fil", "v.csv", csv.as_bytes()),
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).contains("nya=44000"), "{}", location(&r));
    eprintln!("{backend:?}: 44 000 rows uploaded in {:?}; the slowest save meanwhile {worst:?}", started.elapsed());
    assert!(worst < Duration::from_secs(1), "another user's save waited {worst:?}");
});

both_backends!(times_addresses_and_caches_are_strict, |backend| async move {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    // "As of" a time that does not exist is refused, not read as something else.
    for bad in ["2025-05-01T25:99", "2025-05-01T24:00", "0000-01-01", "2025-13-01", "2025-05-01T14:3"] {
        let r = rcc.get(&format!("/planer/{PLAN}/2025?per={}", urlencode(bad))).await;
        assert_eq!(r.status(), 400, "?per={bad}");
        assert!(r.text().await.unwrap().contains("är ingen tidpunkt"), "{bad}");
    }
    assert_eq!(rcc.get(&format!("/planer/{PLAN}/2025?per=2025-05-01T14:30")).await.status(), 200);
    // A deadline far from the year followed up, or in year 0, is a typing mistake.
    for (year, deadline) in [("2026", "0000-01-01"), ("2026", "2031-01-01"), ("2026", "2025-12-31")] {
        let r = rcc.post(&format!("/planer/{PLAN}/uppfoljningar"), &[("year", year), ("deadline", deadline)]).await;
        assert_eq!(r.status(), 422, "{year} {deadline}");
    }
    let o = cli(&app.db, &["round", "open", "--plan", PLAN, "--year", "2026", "--deadline", "2031-01-01"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("mellan 1 januari 2026 och 31 december 2028"), "{}", stderr(&o));

    // After logging in, only a path on this site: no tab, newline, backslash or second slash.
    for bad in ["/\t/evil.example", "/\n/evil.example", "/\\evil.example", "//evil.example", "https://evil.example"] {
        let mut b = Browser::new(&app);
        let r = b.post("/logga-in", &[("username", "rn"), ("password", PASSWORD), ("next", bad)]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/", "next={bad:?}");
    }
    let page = Browser::new(&app).page(&format!("/logga-in?nasta={}", urlencode("/\t/evil.example"))).await;
    assert!(page.contains("name=\"next\" value=\"/\""), "the login form does not carry it either");

    // Nothing that depends on who is signed in is kept in a cache.
    let no_store =
        |r: &reqwest::Response| r.headers().get("cache-control").and_then(|v| v.to_str().ok()) == Some("no-store");
    let r = rcc.get(&format!("/planer/{PLAN}/2025/granskning")).await;
    assert!(no_store(&r), "a signed-in page");
    let mut reader = Browser::new(&app);
    reader.login("reader2").await;
    let r = reader.get(&format!("/planer/{PLAN}/2024/processer/vagen-in/rapport/pdf")).await;
    assert_eq!(r.status(), 200);
    assert!(no_store(&r), "a document with restricted sharing");
    let r = app
        .client
        .get(format!("{}/api/v1/rounds/{PLAN}/2025/levels", app.address))
        .bearer_auth(token(&app.db, "rcc"))
        .send()
        .await
        .unwrap();
    assert!(no_store(&r), "the API");
    let r = app.get("/static/uppfolj.css").await;
    assert!(r.headers()["cache-control"].to_str().unwrap().starts_with("public"), "the stylesheet may be cached");
});

both_backends!(refused_requests_get_the_swedish_error_page, |backend| async move {
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let english = ["Failed to deserialize", "missing field", "length limit", "Form requests must", "Invalid URL"];
    let swedish = |status: u16, body: &str, what: &str| {
        assert!(body.contains("<html lang=\"sv\""), "{what}: the Swedish page ({status})");
        for e in english {
            assert!(!body.contains(e), "{what}: the framework's own text: {body}");
        }
    };
    // A form missing a field.
    let r = rcc.post(&format!("/planer/{PLAN}/uppfoljningar"), &[("year", "2026")]).await;
    assert_eq!(r.status(), 400);
    let body = r.text().await.unwrap();
    swedish(400, &body, "missing field");
    assert!(body.contains("kunde inte läsas som ett formulär"), "{body}");
    // A form larger than any the app makes.
    let huge = "x".repeat(5 * 1024 * 1024);
    let r = rcc.post(&format!("/planer/{PLAN}/2025/omraden/1/rcc-kommentarer"), &[("rcc_1_1", &huge)]).await;
    assert_eq!(r.status(), 413);
    let body = r.text().await.unwrap();
    swedish(413, &body, "too large");
    assert!(body.contains("större än 4 MB"), "{body}");
    // JSON sent to a form.
    let r = app
        .client
        .post(format!("{}/planer/{PLAN}/uppfoljningar", app.address))
        .header("cookie", format!("uppfolj_session={}", rcc.cookies["uppfolj_session"]))
        .header("content-type", "application/json")
        .body("{\"year\": 2026}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    swedish(415, &r.text().await.unwrap(), "wrong content type");
    // The API answers in its JSON, in Swedish, also when the body is not JSON.
    let token = token(&app.db, "rn");
    let put = format!("{}/api/v1/rounds/{PLAN}/2025/goals/1.1/regions/RN", app.address);
    let r =
        app.client.put(&put).bearer_auth(&token).header("content-type", "text/plain").body("P").send().await.unwrap();
    assert_eq!(r.status(), 415);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("Content-Type: application/json"), "{body}");
    let r = app.client.put(&put).bearer_auth(&token).json(&serde_json::json!({"level": "P"})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("fältet saknas: `version`"), "{body}");
    // An address that is not UTF-8, and a method the address does not take.
    let r = rcc.get("/planer/%FF%FE/2024").await;
    assert_eq!(r.status(), 400);
    swedish(400, &r.text().await.unwrap(), "bad UTF-8 in the path");
    let r = app.get(&format!("/planer/{PLAN}/2025/publicera")).await;
    assert_eq!(r.status(), 405);
    swedish(405, &r.text().await.unwrap(), "wrong method");
});

both_backends!(alone a_flood_of_failed_logins_leaves_the_server_answering, |backend| async move {
    let app = workflow_app(backend).await;
    let started = Instant::now();
    let (answers, worst) = while_probing(&app, async {
        let logins = (0..32).map(|i| {
            let client = app.client.clone();
            let url = format!("{}/logga-in", app.address);
            async move {
                let body = format!("username=angripare{i}&password=fel-losenord-{i}&next=%2F");
                // Without a CSRF cookie the form is refused before the password is checked; send one.
                client
                    .post(url)
                    .header("cookie", format!("uppfolj_csrf={}", "a".repeat(64)))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(format!("csrf={}&{body}", "a".repeat(64)))
                    .send()
                    .await
                    .expect("login")
                    .status()
                    .as_u16()
            }
        });
        futures_join_all(logins).await
    })
    .await;
    assert!(answers.iter().all(|s| *s == 401 || *s == 429), "{answers:?}");
    eprintln!("32 failed logins answered in {:?}; /healthz at worst {worst:?}", started.elapsed());
    assert!(worst < Duration::from_millis(500), "/healthz waited {worst:?} during the logins");
});

/// Runs futures at the same time and collects their outputs in order.
async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_tells_alive_from_able_to_write() {
    let db = TestDb::new(Backend::Sqlite).await;
    cli_ok(&db, &["demo"]);
    let app = TestApp::spawn_with(db, &[]);
    assert_eq!(app.page("/healthz").await, "ok");
    assert_eq!(app.page("/healthz/ready").await, "läsa: ok\nskriva: ok\n");
    // The same database opened read-only (as a full or read-only disk would leave it): alive, but it
    // cannot take writes, and says so.
    let db = app.into_db();
    let app = TestApp::spawn_with(db.read_only(), &[]);
    assert_eq!(app.page("/healthz").await, "ok");
    let r = app.get("/healthz/ready").await;
    assert_eq!(r.status(), 503);
    let body = r.text().await.unwrap();
    assert!(body.contains("läsa: ok") && body.contains("skriva: fel"), "{body}");
}
