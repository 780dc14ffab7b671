//! The compiled report from the real CLI and web app, opened by real clients: pdftotext (poppler),
//! LibreOffice for the DOCX, calamine for the XLSX; the HTML as a snapshot.

use std::path::Path;
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};
use uppfolj_domain::datafile;

use crate::both_backends;
use crate::helpers::*;

fn normalised(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils; scripts/test installs it)");
    assert!(out.status.success(), "pdftotext {}", String::from_utf8_lossy(&out.stderr));
    normalised(&String::from_utf8_lossy(&out.stdout))
}

/// "3.3 Regionerna ska nå de …": each goal's number and the first five words of its text.
fn goal_heads() -> Vec<String> {
    let data = datafile::parse(&std::fs::read_to_string(DEMO_PATH).expect("demo")).expect("parses");
    data.goals()
        .map(|(r, g)| format!("{r} {}", g.text.split_whitespace().take(5).collect::<Vec<_>>().join(" ")))
        .collect()
}

fn report(db: &TestDb, dir: &Path, format: &str) -> std::path::PathBuf {
    let file = dir.join(format!("rapport.{format}"));
    cli_ok(db, &["report", "--plan", PLAN, "--year", "2024", "--format", format, "-o", file.to_str().expect("path")]);
    file
}

both_backends!(the_pdf_holds_every_goal_and_region, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = report(&db, dir.path(), "pdf");
    let bytes = std::fs::read(&pdf).expect("pdf");
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    for head in goal_heads() {
        assert!(text.contains(&head), "the PDF lacks goal \"{head}\"");
    }
    for code in ["RJH", "RN", "RV", "RVN"] {
        assert!(text.contains(&format!(" {code} ")), "region {code}");
    }
    assert!(text.contains("1. Prevention och tidig diagnostik") && text.contains("7. Forskning och innovation"));
    assert!(text.contains("Figur 1: Nivåer per mål och region"), "the charts are in the PDF");
    assert!(
        text.contains("Riket 44 %") && text.contains("Mål 70 % (2025-06-30)"),
        "with their reference and target lines"
    );
    let info = Command::new("pdfinfo").arg(&pdf).output().expect("pdfinfo");
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("Tagged:          yes"), "a tagged PDF: {info}");
});

both_backends!(libreoffice_opens_the_docx, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let docx = report(&db, dir.path(), "docx");
    // Every table's first row is its header row, repeated on each page it continues on.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&docx).expect("docx")).expect("a zip archive");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").expect("document.xml"), &mut xml).expect("xml");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed");
    let tables: Vec<_> = doc.descendants().filter(|n| n.tag_name().name() == "tbl").collect();
    assert!(tables.len() > 10, "the report's tables");
    for t in &tables {
        let rows: Vec<_> = t.children().filter(|n| n.tag_name().name() == "tr").collect();
        let header = |r: &roxmltree::Node| r.descendants().any(|n| n.tag_name().name() == "tblHeader");
        assert!(header(&rows[0]), "the first row repeats");
        assert!(rows[1..].iter().all(|r| !header(r)), "only the first");
    }
    let out_dir = dir.path().join("lo");
    let profile = dir.path().join("lo-profile");
    let out = Command::new("libreoffice")
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&out_dir)
        .arg(&docx)
        .output()
        .expect("libreoffice (Debian's libreoffice-writer-nogui; scripts/test installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = pdf_text(&out_dir.join("rapport.pdf"));
    for head in goal_heads() {
        let id = head.split(' ').next().unwrap_or("");
        assert!(text.contains(&format!("{id} ")), "the DOCX lacks goal {id}");
    }
    assert!(text.contains("Sammanfattning") && text.contains("RCC Norr:"));
});

both_backends!(the_xlsx_reads_back_cell_for_cell, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let xlsx = report(&db, dir.path(), "xlsx");
    let mut wb: Xlsx<_> = open_workbook(&xlsx).expect("open xlsx");
    assert_eq!(wb.sheet_names(), ["Nivåer", "Kommentarer", "Indikatorer"]);
    let levels = wb.worksheet_range("Nivåer").expect("Nivåer");
    let expected = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/norr-2024-levels.csv"))
        .expect("fixture");
    let cell = |d: &Data| match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    };
    let rows: Vec<Vec<String>> = levels.rows().map(|r| r.iter().map(cell).collect()).collect();
    assert_eq!(rows[0][..3], ["Område", "Mål", "Målets text"]);
    assert_eq!(rows.len(), 44);
    for (line, row) in expected.lines().skip(1).zip(rows.iter().skip(1)) {
        let want: Vec<&str> = line.split(',').collect();
        assert_eq!(row[0], want[0], "area of {line}");
        assert_eq!(row[1], format!("{}.{}", want[0], want[1]));
        let got: Vec<&str> = row[3..].iter().map(String::as_str).collect();
        assert_eq!(got, want[2..].to_vec(), "levels of goal {}.{}", want[0], want[1]);
    }
    let ind = wb.worksheet_range("Indikatorer").expect("Indikatorer");
    let svf_rvn = ind
        .rows()
        .find(|r| cell(&r[0]).starts_with("Andel SVF-patienter") && cell(&r[2]) == "RVN")
        .expect("SVF lead time for RVN");
    assert_eq!(svf_rvn[4], Data::Float(46.0), "a number, not text");
    assert_eq!(svf_rvn[7], Data::Float(44.0), "the national reference");
    let comments = wb.worksheet_range("Kommentarer").expect("Kommentarer");
    assert!(comments.rows().any(|r| cell(&r[1]) == "3.7" && cell(&r[2]) == "RCC Norr"), "the RCC's comment on 3.7");
});

both_backends!(the_html_report, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let html = std::fs::read_to_string(report(&db, dir.path(), "html")).expect("html");
    assert!(html.starts_with("<!doctype html>") && html.contains("<html lang=\"sv\">"));
    assert!(html.contains("thead { display: table-header-group; }"), "print CSS repeats table headers");
    insta::assert_snapshot!("report_html", html);
});

both_backends!(the_report_downloads, |backend| async move {
    let app = TestApp::spawn(backend).await;
    for (format, content_type, magic) in [
        ("pdf", "application/pdf", &b"%PDF-"[..]),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", &b"PK"[..]),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &b"PK"[..]),
        ("html", "text/html; charset=utf-8", &b"<!doctype html>"[..]),
    ] {
        let r = app.get(&format!("/planer/{PLAN}/2024/rapport/{format}")).await;
        assert_eq!(r.status(), 200, "{format}");
        assert_eq!(r.headers().get("content-type").and_then(|v| v.to_str().ok()), Some(content_type));
        let disposition = r.headers().get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        assert!(disposition.contains(&format!("uppfoljning-{PLAN}-2024.{format}")), "{disposition}");
        let body = r.bytes().await.expect("body");
        assert!(body.starts_with(magic), "{format}");
    }
    assert_eq!(app.get(&format!("/planer/{PLAN}/2024/rapport/odt")).await.status(), 404);
    let overview = app.page(&format!("/planer/{PLAN}/2024")).await;
    assert!(overview.contains(&format!("/planer/{PLAN}/2024/rapport/pdf")), "the overview links the downloads");
});

both_backends!(the_process_followup_as_a_document, |backend| async move {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("process.pdf");
    let args = ["report", "--plan", PLAN, "--year", "2024", "--process", "vagen-in", "--format", "pdf", "-o"];
    cli_ok(&db, &[&args[..], &[pdf.to_str().expect("path")]].concat());
    let text = pdf_text(&pdf);
    for expected in [
        "Begränsad delning",
        "Uppföljning av kortsiktiga mål och målnivåer",
        "Tidpunkt för måluppfyllelse",
        "Långsiktigt förbättringsarbete",
        "Nivåstrukturering Ej relevant",
        "Senada Hajdarevic",
        "Signerad av Senada Hajdarevic den 11 april 2025",
    ] {
        assert!(text.contains(expected), "the process PDF lacks \"{expected}\": {text}");
    }
    let o = cli(
        &db,
        &["report", "--plan", PLAN, "--year", "2024", "--process", "vagen-in", "--format", "xlsx", "-o", "/tmp/x.xlsx"],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("processuppföljningen finns som html och pdf"), "{}", stderr(&o));
});

both_backends!(a_nations_pdf_is_typeset_by_the_server_with_the_comments_below_the_levels, |backend| async move {
    // 21 regions: a comments column beside 21 level columns would not fit a page.
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_dir = data.to_str().expect("path");
    cli_ok(
        &db,
        &[
            "bench",
            "generate",
            "--dir",
            data_dir,
            "--plans",
            "1",
            "--rounds",
            "2",
            "--areas",
            "2",
            "--goals-per-area",
            "3",
        ],
    );
    cli_ok(&db, &["import", data.join("plan-01.toml").to_str().expect("path")]);
    let app = TestApp::spawn_with(db, &[]);
    // The published round, as the public downloads it: typeset in a child process of the server.
    let r = app.get("/planer/plan-01/2024/rapport/pdf").await;
    assert_eq!(r.status(), 200);
    let file = dir.path().join("nation.pdf");
    std::fs::write(&file, r.bytes().await.expect("body")).expect("write");
    let text = pdf_text(&file);
    assert!(text.contains("Kommentarer"), "the comments follow the table");
    for n in 1..=21 {
        assert!(text.contains(&format!("R{n:02}")), "region R{n:02} is in the report");
    }
    assert!(text.contains("Mål 1.1") && text.contains("Mål 2.3"), "each goal heads its comments");
    assert!(text.contains("R01:") && text.contains("R21:"), "each comment names its region");
});

both_backends!(a_published_round_stays_as_published, |backend| stays_published(backend));

async fn stays_published(backend: Backend) {
    use sha2::Digest as _;
    let app = workflow_app(backend).await;
    let mut rcc = Browser::new(&app);
    rcc.login("rcc").await;
    let base = format!("/planer/{PLAN}/2024");
    let pages = [
        base.clone(),
        format!("{base}/omraden/3"),
        format!("{base}/diagram"),
        format!("{base}/rapport/html"),
        format!("/api/v1/rounds/{PLAN}/2024/levels"),
    ];
    let bytes = |path: String| {
        let app = &app;
        async move { app.get(&path).await.bytes().await.expect("body").to_vec() }
    };
    let pdf = bytes(format!("{base}/rapport/pdf")).await;
    let sha: String = sha2::Sha256::digest(&pdf).iter().map(|b| format!("{b:02x}")).collect();
    let mut before = Vec::new();
    for p in &pages {
        before.push(bytes(p.clone()).await);
    }
    let overview = String::from_utf8(before[0].clone()).expect("html");
    assert!(overview.contains("Du ser utgåva 1") && overview.contains(&sha), "the PDF's SHA-256 shown: {overview}");
    // The stored PDF declares both standards.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("utgava-1.pdf");
    std::fs::write(&file, &pdf).expect("write");
    let meta = Command::new("pdfinfo").arg("-meta").arg(&file).output().expect("pdfinfo (poppler-utils)");
    let meta = String::from_utf8_lossy(&meta.stdout);
    for declared in
        ["<pdfaid:part>2</pdfaid:part>", "<pdfaid:conformance>A</pdfaid:conformance>", "<pdfuaid:part>1</pdfuaid:part>"]
    {
        assert!(meta.contains(declared), "{declared} in {meta}");
    }
    assert!(meta.contains("<rdf:li>sv-SE</rdf:li>") && meta.contains("<dc:title>"), "language and title: {meta}");

    // An indicator's target and a goal's wording change after publication.
    let edit = format!("{base}/indikatorer/svf-inklusion/andra");
    let version = rcc
        .page(&edit)
        .await
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("version")
        .to_owned();
    let fields = [
        ("version", version.as_str()),
        ("name", "Andel inkluderade i SVF"),
        ("unit", "%"),
        ("direction", "hogre"),
        ("target", "85"),
        ("target_date", ""),
        ("source", "SVF-data"),
        ("mal_3.3", "1"),
    ];
    assert_eq!(rcc.post(&edit, &fields).await.status(), 303);
    let wording =
        [("text", "Ny lydelse av mål 3.3 efter publiceringen."), ("malnivaer", ""), ("skal", "Prov"), ("version", "1")];
    assert_eq!(rcc.post(&format!("/planer/{PLAN}/mal/3.3/lydelse"), &wording).await.status(), 303);
    assert!(rcc.page(&format!("{base}/indikatorer")).await.contains("85"), "the series itself changed");
    // 2024's pages, report and API are byte for byte as published.
    for (p, was) in pages.iter().zip(&before) {
        assert!(bytes(p.clone()).await == *was, "{p} changed after publication");
    }
    assert!(bytes(format!("{base}/rapport/pdf")).await == pdf, "the stored PDF");
    let kept = sql_count(&app.db, "SELECT COUNT(*) FROM editions WHERE pdf_sha256 = $1", &[&sha]).await;
    assert_eq!(kept, 1, "kept with its SHA-256");
    cli_ok(
        &app.db,
        &[
            "report",
            "--plan",
            PLAN,
            "--year",
            "2024",
            "--format",
            "html",
            "-o",
            dir.path().join("r.html").to_str().expect("path"),
        ],
    );
    assert!(std::fs::read(dir.path().join("r.html")).expect("html") == before[3], "uppfolj report reads the edition");

    // Reopened with a reason and published again: edition 2 shows the changes, edition 1 stays.
    assert_eq!(rcc.post(&format!("{base}/oppna-igen"), &[("skal", "Ny målnivå för SVF")]).await.status(), 303);
    assert_eq!(rcc.post(&format!("{base}/publicera"), &[("anda", "1")]).await.status(), 303);
    let overview = rcc.page(&base).await;
    assert!(overview.contains("Du ser utgåva 2"), "{overview}");
    assert!(overview.contains("Utgåva 1, publicerad") && overview.contains("Ny målnivå för SVF"), "{overview}");
    assert!(overview.contains("<li>mål 3.3: målets lydelse</li>"), "{overview}");
    assert!(overview.contains("<li>indikatorn Andel inkluderade i SVF: definitionen</li>"), "{overview}");
    assert!(rcc.page(&format!("{base}/omraden/3")).await.contains("Ny lydelse av mål 3.3"));
    assert!(bytes(format!("{base}/rapport/pdf?utgava=1")).await == pdf, "edition 1's PDF as it was");
    assert!(bytes(format!("{base}/rapport/html?utgava=1")).await == before[3], "edition 1's report as it was");
    assert_eq!(app.get(&format!("{base}/rapport/pdf?utgava=3")).await.status(), 404);
    assert_eq!(sql_count(&app.db, "SELECT COUNT(*) FROM editions", &[]).await, 2);
}

both_backends!(the_reports_carry_web_addresses_as_links, |backend| linked_reports(backend));

async fn linked_reports(backend: Backend) {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let addresses = [
        "https://cancercentrum.se/download/18.3d2e08671967cb4ebd71c61/1745937416673/uppfoljningsrapport-kvalitetsregister-cancerplan-rcc-norr-20250426.pdf",
        "https://cancercentrum.se/download/18.4893c105196f1385efd8b51/1747919796483/Sjukv%C3%A5rdsregional%20cancerplan%202022-2024_fastst%C3%A4lld%20av%20FD_220615.pdf",
        "https://cancercentrum.se/utvecklingsarbeteutbildning/stodtillforbattringsarbete.741.html",
    ];
    let html = std::fs::read_to_string(report(&db, dir.path(), "html")).expect("html");
    let pdf = std::fs::read(report(&db, dir.path(), "pdf")).expect("pdf");
    let docx = report(&db, dir.path(), "docx");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&docx).expect("docx")).expect("zip");
    let mut part = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).expect(name), &mut s).expect("xml");
        s
    };
    let (document, rels) = (part("word/document.xml"), part("word/_rels/document.xml.rels"));
    for a in addresses {
        // HTML: a link showing its address.
        assert!(html.contains(&format!("<a href=\"{a}\">{a}</a>")), "HTML lacks {a}");
        // PDF: a link annotation to it, and the address in the text.
        let uri = format!("/URI({a})");
        assert!(pdf.windows(uri.len()).any(|w| w == uri.as_bytes()), "PDF lacks a link to {a}");
        // DOCX: an external hyperlink.
        assert!(rels.contains(&format!("Target=\"{a}\" TargetMode=\"External\"")), "DOCX lacks {a}: {rels}");
    }
    assert_eq!(document.matches("<w:hyperlink").count(), 3, "three hyperlinks in Word");
    let text = pdf_text(&dir.path().join("rapport.pdf"));
    assert!(normalised(&text).contains("stodtillforbattringsarbete.741.html"), "the address printed");
}
