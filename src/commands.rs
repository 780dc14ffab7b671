//! What each command does, in terms of the crates.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use uppfolj_domain::ids::parse_date;
use uppfolj_domain::{Dataset, RegionCode, Role, RoundStatus, Slug, datafile, export};
use uppfolj_store::credentials::hash_password;
use uppfolj_store::{Actor, NewUser, Store, StoreError};

/// The current time: the command line is an edge, and reads the clock here only.
#[allow(clippy::disallowed_methods)]
pub(crate) fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Who made changes from the command line, in the history.
pub(crate) const CLI: &str = "kommandoraden";

/// The demo data, embedded in the binary: the 2024 follow-up of the northern healthcare region's
/// cancer plan 2022–2024.
pub const DEMO: &str = include_str!("../demo/norr-2022-2024.toml");
pub const DEMO_NAME: &str = "demo/norr-2022-2024.toml";

pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("UPPFOLJ_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

pub(crate) async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let store = uppfolj_store::connect(url).await.map_err(|e| match e {
        StoreError::UnknownScheme(_) => anyhow!(e),
        other => anyhow!("kunde inte öppna databasen {}: {other}", redact(url)),
    })?;
    store.migrate().await?;
    // Rounds published before editions existed are frozen as they are shown now, once.
    let frozen = store.freeze_unfrozen(now()).await?;
    if frozen > 0 {
        tracing::info!(rounds = frozen, "publicerade uppföljningar sparade som utgåva 1");
    }
    Ok(store)
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn parse_data(text: &str, name: &str) -> anyhow::Result<Dataset> {
    datafile::parse(text).map_err(|errs| {
        let n = errs.0.len();
        anyhow!("{name} innehåller {n} fel; ingenting har skrivits:\n{}", errs.summary(name, 200))
    })
}

async fn import_dataset(store: &dyn Store, data: &Dataset, show_progress: bool) -> anyhow::Result<()> {
    let bar = if show_progress && std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message("Läser in");
        Some(bar)
    } else {
        None
    };
    let progress = {
        let bar = bar.clone();
        move |done: u64, total: u64| {
            if let Some(b) = &bar {
                b.set_length(total);
                b.set_position(done);
            }
        }
    };
    let result = store.import(data, &Actor::system("import", now()), &progress).await;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    result?;
    Ok(())
}

fn describe(data: &Dataset) -> String {
    format!(
        "planen {} ({} områden, {} mål, {} uppföljning(ar), {} indikatorer)",
        data.plan.slug,
        data.plan.areas.len(),
        data.goals().count(),
        data.rounds.len(),
        data.indicators.len()
    )
}

pub async fn migrate(db: &str) -> anyhow::Result<()> {
    let store = open(db).await?;
    store.close().await;
    eprintln!("Databasen är uppdaterad.");
    Ok(())
}

/// Loads the demo data unless its plan is already there.
async fn load_demo(store: &dyn Store) -> anyhow::Result<()> {
    let data = parse_data(DEMO, DEMO_NAME)?;
    if store.outline(&data.plan.slug).await?.is_some() {
        eprintln!("Demodata finns redan i databasen ({}).", data.plan.slug);
        return Ok(());
    }
    import_dataset(store, &data, true).await?;
    eprintln!("Demodata inläst: {}.", describe(&data));
    demo_accounts(store).await
}

/// One account per role, so that the workflow can be tried at once. They share one random password,
/// printed once.
async fn demo_accounts(store: &dyn Store) -> anyhow::Result<()> {
    let password: String =
        uppfolj_store::credentials::random_token().map_err(|e| anyhow!("{e}"))?.chars().take(16).collect();
    let hash = hash_password(&password).map_err(|e| anyhow!("{e}"))?;
    /// User name, display name, role, region, care process.
    type DemoAccount = (&'static str, &'static str, Role, Option<&'static str>, Option<&'static str>);
    let accounts: [DemoAccount; 8] = [
        ("demo-admin", "Demo Administratör", Role::Admin, None, None),
        ("demo-rcc", "Demo RCC Norr", Role::Rcc, None, None),
        ("demo-rjh", "Demo Jämtland Härjedalen", Role::Region, Some("RJH"), None),
        ("demo-rn", "Demo Norrbotten", Role::Region, Some("RN"), None),
        ("demo-rv", "Demo Västerbotten", Role::Region, Some("RV"), None),
        ("demo-rvn", "Demo Västernorrland", Role::Region, Some("RVN"), None),
        ("demo-process", "Demo Processledare", Role::Process, None, Some("vagen-in")),
        ("demo-lasare", "Demo Läsare", Role::Reader, None, None),
    ];
    let actor = Actor::system("demo", now());
    for (username, display_name, role, region, process) in accounts {
        let user = NewUser {
            username: username.to_owned(),
            display_name: display_name.to_owned(),
            role,
            region: region.map(RegionCode::parse).transpose()?,
            process: process.map(Slug::parse).transpose()?,
            restricted_access: false,
            password_hash: hash.clone(),
            healthcare_region: None,
            email: None,
            sso_id: None,
        };
        match store.create_user(&user, &actor).await {
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    eprintln!(
        "Demokonton: demo-rcc, demo-admin, demo-rjh, demo-rn, demo-rv, demo-rvn, demo-process, demo-lasare. \
         Lösenord för alla: {password}"
    );
    Ok(())
}

pub async fn demo(db: &str) -> anyhow::Result<()> {
    let store = open(db).await?;
    let r = load_demo(store.as_ref()).await;
    store.close().await;
    r
}

/// Reads a file a person hands in, refusing it before reading when it is larger than `max` bytes.
fn read_bounded(file: &Path, max: usize) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let name = file.display().to_string();
    let f = std::fs::File::open(file).with_context(|| format!("kunde inte läsa {name}"))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let too_big = || {
        anyhow!(
            "{name} är större än {}; så stora filer läses inte in. Dela upp filen.",
            uppfolj_domain::input::megabytes(max as u64)
        )
    };
    if len > max as u64 {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    f.take(max as u64 + 1).read_to_end(&mut bytes).with_context(|| format!("kunde inte läsa {name}"))?;
    if bytes.len() > max {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Imports data files, each all or nothing. Every file is read and checked before anything is
/// written. The first file of each healthcare region is imported on its own (it may create the
/// region); the others follow side by side on PostgreSQL (one per core), one after the other on
/// SQLite (whose writes take turns anyway).
pub async fn import(db: &str, files: &[std::path::PathBuf]) -> anyhow::Result<()> {
    let mut checked: Vec<(String, Dataset)> = Vec::new();
    // The texts of plans that follow another: their goals' links are checked once all are read.
    let mut successors: Vec<(String, String, Slug)> = Vec::new();
    for file in files {
        let name = file.display().to_string();
        let bytes = read_bounded(file, uppfolj_domain::input::MAX_DATA_FILE_BYTES)?;
        let text =
            String::from_utf8(bytes).map_err(|_| anyhow!("{name} är inte text i UTF-8; ingenting har skrivits"))?;
        let data = parse_data(&text, &name)?;
        if let Some((other, _)) = checked.iter().find(|(_, d)| d.plan.slug == data.plan.slug) {
            bail!("{other} och {name} innehåller båda planen {}; ingenting har skrivits", data.plan.slug);
        }
        if let Some(before) = &data.plan.predecessor {
            successors.push((name.clone(), text, before.clone()));
        }
        checked.push((name, data));
    }
    let store = open(db).await?;
    // Every goal a goal continues must be a goal of the plan before: among these files or stored.
    for (name, text, before) in &successors {
        let goals = match checked.iter().find(|(_, d)| &d.plan.slug == before) {
            Some((_, d)) => Some(d.goals().map(|(g, _)| g).collect()),
            None => store.outline(before).await?.map(|d| d.goals().map(|(g, _)| g).collect()),
        };
        datafile::check_lineage(text, goals.as_ref()).map_err(|errs| {
            anyhow!("{name} innehåller {} fel; ingenting har skrivits:\n{}", errs.0.len(), errs.summary(name, 200))
        })?;
    }
    // A plan whose predecessor is among the files is imported after it, one at a time.
    let in_files: std::collections::HashSet<Slug> = checked.iter().map(|(_, d)| d.plan.slug.clone()).collect();
    let (mut later, checked): (Vec<_>, Vec<_>) =
        checked.into_iter().partition(|(_, d)| d.plan.predecessor.as_ref().is_some_and(|p| in_files.contains(p)));
    let side_by_side = match store.backend() {
        uppfolj_store::Backend::Postgres => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
        uppfolj_store::Backend::Sqlite => 1,
    };
    let many = checked.len() > 1;
    let mut regions = std::collections::HashSet::new();
    let (first, rest): (Vec<_>, Vec<_>) =
        checked.into_iter().partition(|(_, d)| regions.insert(d.healthcare_region.code.clone()));
    let mut failed: Vec<String> = Vec::new();
    for (name, data) in first {
        match import_dataset(store.as_ref(), &data, !many).await {
            Ok(()) => eprintln!("Inläst från {name}: {}.", describe(&data)),
            Err(e) => failed.push(format!("{name} lästes inte in: {e:#}")),
        }
    }
    let turns = Arc::new(tokio::sync::Semaphore::new(side_by_side));
    let mut running = tokio::task::JoinSet::new();
    for (name, data) in rest {
        let (store, turns) = (store.clone(), turns.clone());
        running.spawn(async move {
            let _turn = turns.acquire_owned().await;
            let r = import_dataset(store.as_ref(), &data, false).await;
            (name, describe(&data), r)
        });
    }
    while let Some(done) = running.join_next().await {
        match done {
            Ok((name, what, Ok(()))) => eprintln!("Inläst från {name}: {what}."),
            Ok((name, _, Err(e))) => failed.push(format!("{name} lästes inte in: {e:#}")),
            Err(e) => failed.push(format!("en inläsning avbröts: {e}")),
        }
    }
    while !later.is_empty() {
        let ready = later
            .iter()
            .position(|(_, d)| !later.iter().any(|(_, o)| d.plan.predecessor.as_ref() == Some(&o.plan.slug)))
            .unwrap_or(0);
        let (name, data) = later.remove(ready);
        match import_dataset(store.as_ref(), &data, !many).await {
            Ok(()) => eprintln!("Inläst från {name}: {}.", describe(&data)),
            Err(e) => failed.push(format!("{name} lästes inte in: {e:#}")),
        }
    }
    store.close().await;
    if !failed.is_empty() {
        bail!("{}", failed.join("\n"));
    }
    Ok(())
}

async fn load(store: &dyn Store, plan: &Slug) -> anyhow::Result<Dataset> {
    match store.dataset(plan).await? {
        Some(d) => Ok(d),
        None => {
            let known: Vec<String> = store.plans().await?.into_iter().map(|p| p.slug.to_string()).collect();
            if known.is_empty() {
                bail!("det finns ingen plan \"{plan}\"; databasen är tom (läs in demodata med `uppfolj demo`)")
            }
            bail!("det finns ingen plan \"{plan}\"; planer i databasen: {}", known.join(", "))
        }
    }
}

pub async fn export_levels(db: &str, plan: &Slug, year: i32, json: bool) -> anyhow::Result<()> {
    let store = open(db).await?;
    let data = load(store.as_ref(), plan).await;
    store.close().await;
    let data = data?;
    let round = data.round(year).ok_or_else(|| {
        let years: Vec<String> = data.rounds.iter().map(|r| r.year.to_string()).collect();
        anyhow!("planen {plan} har ingen uppföljning för {year}; det finns uppföljningar för {}", years.join(", "))
    })?;
    let out = if json {
        serde_json::to_string_pretty(&export::level_table(&data, round))? + "\n"
    } else {
        export::levels_csv(&data, round)?
    };
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(())
}

/// Renders the report `runs` times per format and prints the median and fastest time.
pub async fn bench_report(db: &str, plan: &Slug, year: i32, runs: usize) -> anyhow::Result<()> {
    use uppfolj_reports::Format;
    let store = open(db).await?;
    let data = load(store.as_ref(), plan).await;
    store.close().await;
    let data = data?;
    let today = now().date();
    let runs = runs.max(1);
    let mut out = std::io::stdout();
    writeln!(out, "format\truns\tmedian_ms\tmin_ms\tbytes")?;
    for format in [Format::Html, Format::Pdf, Format::Docx, Format::Xlsx] {
        // One warm-up: the PDF's first run also parses the embedded fonts.
        let bytes = uppfolj_reports::render(&data, year, format, today)?;
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let start = std::time::Instant::now();
            let b = uppfolj_reports::render(&data, year, format, today)?;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(b);
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        writeln!(out, "{}\t{runs}\t{median:.1}\t{:.1}\t{}", format.extension(), times[0], bytes.len())?;
    }
    Ok(())
}

/// Reads a CSV or XLSX file into rows of cells, with the same limits as an upload.
async fn table_rows(file: &Path) -> anyhow::Result<Vec<Vec<String>>> {
    let name = file.display().to_string();
    let bytes = read_bounded(file, uppfolj_domain::input::TABLE_LIMITS.max_bytes)?;
    uppfolj_tables::read_off_thread(name, bytes).await.map_err(|e| anyhow!("{e}"))
}

/// A line on a terminal that says what a long command is doing now; nothing when not on a terminal.
fn phase_line() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

pub async fn import_indicators(db: &str, file: &Path, plan: &Slug) -> anyhow::Result<()> {
    let name = file.display().to_string();
    let phase = phase_line();
    let say = |m: String| {
        if let Some(p) = &phase {
            p.set_message(m);
        }
    };
    say(format!("Läser {name} …"));
    let rows = table_rows(file).await?;
    let store = open(db).await?;
    let r = async {
        let data = load(store.as_ref(), plan).await?;
        say(format!("Kontrollerar {} rader …", uppfolj_domain::input::grouped(rows.len().saturating_sub(1))));
        let inputs = uppfolj_domain::indicator_import::parse_rows(&rows, &data).map_err(|errs| {
            anyhow!("{name} innehåller {} fel; ingenting har skrivits:\n{}", errs.0.len(), errs.summary(&name, 200))
        })?;
        say(format!("Jämför och skriver {} värden …", uppfolj_domain::input::grouped(inputs.len())));
        let (added, changed) = store.import_indicator_values(plan, &inputs, &Actor::system(CLI, now())).await?;
        anyhow::Ok((added, changed))
    }
    .await;
    if let Some(p) = phase {
        p.finish_and_clear();
    }
    store.close().await;
    let (added, changed) = r?;
    eprintln!("Indikatorvärden från {name}: {added} nya, {changed} ändrade.");
    Ok(())
}

/// Text that users wrote, for the terminal: escape codes and other control characters are shown as
/// their codes (`\u{1b}`) so that nothing stored can move the cursor or recolour what the RCC reads,
/// and tabs and line breaks become spaces so that columns stay columns.
pub(crate) fn term(s: &str) -> String {
    uppfolj_domain::input::for_terminal(&s.replace(['\t', '\n'], " "))
}

/// Lists the figures found in a round's comments; marks those already held as indicator values.
pub async fn figures(db: &str, plan: &Slug, year: i32) -> anyhow::Result<()> {
    let store = open(db).await?;
    let data = load(store.as_ref(), plan).await;
    store.close().await;
    let data = data?;
    let round = data.round(year).ok_or_else(|| anyhow!("planen {plan} har ingen uppföljning för {year}"))?;
    let mut out = std::io::stdout();
    writeln!(out, "mål\tkommentar av\tgäller\tvärde\tenhet\tindikatorvärde\tsammanhang")?;
    for p in uppfolj_domain::figures::propose(&data, round) {
        let held = data
            .indicators
            .iter()
            .filter(|i| i.goals.contains(&p.goal))
            .flat_map(|i| i.values.iter().map(move |v| (i, v)))
            .find(|(_, v)| v.scope == p.scope && (v.value - p.value).abs() < 1e-9)
            .map(|(i, v)| format!("{} {}", i.slug, v.period))
            .unwrap_or_else(|| "– (förslag)".to_owned());
        let by = p.author.map(|a| a.to_string()).unwrap_or_else(|| data.healthcare_region.rcc.clone());
        let about = match p.scope.notation() {
            "" => data.healthcare_region.name.clone(),
            other => other.to_owned(),
        };
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{held}\t{}",
            p.goal,
            term(&by),
            term(&about),
            uppfolj_domain::ids::number(p.value),
            term(&p.unit),
            term(&p.context)
        )?;
    }
    Ok(())
}

pub async fn summary(db: &str, plan: &Slug, year: i32, json: bool) -> anyhow::Result<()> {
    let store = open(db).await?;
    let data = load(store.as_ref(), plan).await;
    store.close().await;
    let data = data?;
    let round = data.round(year).ok_or_else(|| anyhow!("planen {plan} har ingen uppföljning för {year}"))?;
    let s = uppfolj_domain::summary::derive(&data, round);
    let mut out = std::io::stdout();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&s)?)?;
        return Ok(());
    }
    let list = |v: &[uppfolj_domain::GoalRef]| {
        if v.is_empty() { "inga".to_owned() } else { v.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ") }
    };
    writeln!(out, "Härledd sammanfattning: {}, uppföljning {year}", term(&data.plan.title))?;
    writeln!(out, "Uppnått (U) i alla regioner: {}", list(&s.achieved_everywhere))?;
    let abo: Vec<String> = s
        .achieved_all_but_one
        .iter()
        .map(|a| {
            format!(
                "{} (utom {}: {})",
                a.goal,
                a.region,
                if a.level.is_blank() { "blank".to_owned() } else { a.level.to_string() }
            )
        })
        .collect();
    writeln!(out, "Uppnått i alla utom en: {}", abo.join(", "))?;
    for j in &s.judgements {
        writeln!(out, "Bedömning: {}", term(&j.message))?;
    }
    writeln!(out, "Ej påbörjat någonstans: {}", list(&s.not_started_anywhere))?;
    let missing: Vec<String> = s
        .missing_levels
        .iter()
        .map(|m| format!("{} ({})", m.goal, m.regions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")))
        .collect();
    writeln!(out, "Mål där någon region saknar nivå: {}", missing.join("; "))?;
    for a in &s.areas {
        writeln!(
            out,
            "Område {} {}: {} av {} bedömningar U ({:.0} %)",
            a.area,
            term(&a.title),
            a.achieved,
            a.cells,
            a.share * 100.0
        )?;
    }
    if let Some(a) = s.furthest_area {
        writeln!(out, "Längst från målen (lägst andel U): område {a}")?;
    }
    if let Some(py) = s.previous_year {
        writeln!(out, "Ändrade nivåer sedan {py}: {}", s.changes.len())?;
    }
    writeln!(out, "Varningar ({}):", s.warnings.len())?;
    for w in &s.warnings {
        writeln!(out, "- {}", term(&w.message))?;
    }
    Ok(())
}

pub async fn export_indicators(db: &str, plan: &Slug, year: i32, json: bool) -> anyhow::Result<()> {
    let store = open(db).await?;
    let data = load(store.as_ref(), plan).await;
    store.close().await;
    let data = data?;
    if data.round(year).is_none() {
        let years: Vec<String> = data.rounds.iter().map(|r| r.year.to_string()).collect();
        bail!("planen {plan} har ingen uppföljning för {year}; det finns uppföljningar för {}", years.join(", "));
    }
    let out = if json {
        serde_json::to_string_pretty(&export::indicator_rows(&data))? + "\n"
    } else {
        export::indicators_csv(&data)?
    };
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(())
}

pub async fn export_goal_history(db: &str, plan: &Slug, goal: &str, json: bool) -> anyhow::Result<()> {
    let goal = uppfolj_domain::GoalRef::parse(goal).map_err(|e| anyhow!("--goal: {e}"))?;
    let store = open(db).await?;
    let history = store.goal_history(plan, goal).await;
    store.close().await;
    let rows = history?.rows();
    let out = if json { serde_json::to_string_pretty(&rows)? + "\n" } else { export::goal_history_csv(&rows)? };
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(())
}

pub async fn export_data(db: &str, plan: &Slug, output: Option<&Path>) -> anyhow::Result<()> {
    let store = open(db).await?;
    let data = load(store.as_ref(), plan).await;
    store.close().await;
    let text = datafile::to_toml(&data?)?;
    match output {
        Some(path) => write_file(path, text.as_bytes())?,
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(())
}

/// Writes next to the target and renames, so a failed write never leaves half a file.
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp-uppfolj");
    std::fs::write(&tmp, bytes).with_context(|| format!("kunde inte skriva {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("kunde inte skriva {}", path.display()))?;
    eprintln!("Skrev {}.", path.display());
    Ok(())
}

pub async fn report(
    db: &str,
    plan: &Slug,
    year: i32,
    format: uppfolj_reports::Format,
    process: Option<&str>,
    output: &Path,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    if process.is_none() {
        let frozen = published_report(store.as_ref(), plan, year, format).await;
        if let Some(bytes) = frozen.transpose() {
            store.close().await;
            return write_file(output, &bytes?);
        }
    }
    let data = load(store.as_ref(), plan).await;
    store.close().await;
    let data = data?;
    let today = now().date();
    let process = process.map(str::to_owned);
    let bytes = tokio::task::spawn_blocking(move || match process {
        Some(p) => uppfolj_reports::process::render(&data, year, &p, format, today),
        None => uppfolj_reports::render(&data, year, format, today),
    })
    .await??;
    write_file(output, &bytes)
}

/// The compiled report of a published round, from its newest edition: the PDF as typeset and
/// kept at publication (typeset and kept now when it has not been yet), the rest made from the
/// edition, dated the day it was published. `None` for a round not published.
async fn published_report(
    store: &dyn Store,
    plan: &Slug,
    year: i32,
    format: uppfolj_reports::Format,
) -> anyhow::Result<Option<Vec<u8>>> {
    let Some(e) = store.editions(plan, year).await?.pop() else { return Ok(None) };
    if format == uppfolj_reports::Format::Pdf
        && let Some(pdf) = store.edition_pdf(plan, year, e.number).await?
    {
        return Ok(Some(pdf));
    }
    let (_, data) = store.edition(plan, year, e.number).await?.ok_or_else(|| anyhow!("utgåvan försvann"))?;
    let day = e.published_at.date();
    let bytes = tokio::task::spawn_blocking(move || uppfolj_reports::render(&data, year, format, day)).await??;
    if format == uppfolj_reports::Format::Pdf {
        return Ok(Some(store.keep_edition_pdf(plan, year, e.number, &bytes).await?));
    }
    Ok(Some(bytes))
}

pub async fn serve(db: &str, listen: SocketAddr, demo: bool, secure_cookies: bool) -> anyhow::Result<()> {
    let store = open(db).await?;
    if demo && store.is_empty().await? {
        load_demo(store.as_ref()).await?;
    }
    // Single sign-on, when configured: the provider must answer its discovery before the app starts.
    let oidc = match uppfolj_web::oidc::OidcConfig::from_env()
        .map_err(|e| anyhow!("inloggning med e-tjänstekort: {e}"))?
    {
        Some(cfg) => Some(
            uppfolj_web::oidc::Oidc::discover(&cfg).await.map_err(|e| anyhow!("inloggning med e-tjänstekort: {e}"))?,
        ),
        None => None,
    };
    let local_login = match std::env::var("UPPFOLJ_LOCAL_LOGIN").as_deref().map(str::trim) {
        Err(_) | Ok("" | "true" | "1" | "ja") => true,
        Ok("false" | "0" | "nej") => false,
        Ok(other) => bail!("UPPFOLJ_LOCAL_LOGIN ska vara true eller false, inte \"{other}\""),
    };
    if !local_login && oidc.is_none() {
        bail!(
            "UPPFOLJ_LOCAL_LOGIN=false kräver inloggning med e-tjänstekort (UPPFOLJ_OIDC_ISSUER): annars kan ingen logga in"
        );
    }
    let listener =
        tokio::net::TcpListener::bind(listen).await.with_context(|| format!("kunde inte lyssna på {listen}"))?;
    let addr = listener.local_addr()?;
    // The first line on standard out says where the app is; tests read it to find the port.
    println!("Uppfölj lyssnar på http://{addr}");
    std::io::stdout().flush()?;
    // E-mail: the day's reminders and the outbox, every minute (sent when SMTP is configured).
    let mailer = match uppfolj_web::mail::MailConfig::from_env().map_err(|e| anyhow!("e-post: {e}"))? {
        Some(cfg) => Some(uppfolj_web::mail::Mailer::new(&cfg).map_err(|e| anyhow!("e-post: {e}"))?),
        None => None,
    };
    let every = std::env::var("UPPFOLJ_MAIL_INTERVAL_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    tokio::spawn(uppfolj_web::mail::worker(store.clone(), mailer, std::time::Duration::from_secs(every)));
    let state = uppfolj_web::AppState::new(store.clone(), secure_cookies).with_oidc(oidc).with_local_login(local_login);
    let app = uppfolj_web::router(state);
    // The peer's address reaches the handlers: sign-in attempts are limited by it.
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    store.close().await;
    Ok(())
}

pub async fn round_open(db: &str, plan: &Slug, year: i32, deadline: &str) -> anyhow::Result<()> {
    let deadline = parse_date(deadline)?;
    let store = open(db).await?;
    let r = store.open_round(plan, year, deadline, &Actor::system(CLI, now())).await;
    store.close().await;
    r?;
    eprintln!("Uppföljningen {year} av {plan} är öppen.");
    Ok(())
}

pub async fn plan_status(db: &str, plan: &Slug, status: uppfolj_domain::PlanStatus) -> anyhow::Result<()> {
    let store = open(db).await?;
    let r = store.set_plan_status(plan, status, &Actor::system(CLI, now())).await;
    store.close().await;
    r?;
    eprintln!("Planen {plan} är nu {}.", status.label().to_lowercase());
    Ok(())
}

pub async fn round_status(
    db: &str,
    plan: &Slug,
    year: i32,
    publish: bool,
    reason: Option<&str>,
    force: bool,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    let status = if publish { RoundStatus::Published } else { RoundStatus::Open };
    let r = store.set_round_status(plan, year, status, reason, force, &Actor::system(CLI, now())).await;
    if let Err(e) = r {
        store.close().await;
        return Err(e.into());
    }
    eprintln!("Uppföljningen {year} av {plan} är {}.", if publish { "publicerad" } else { "öppen igen" });
    // The published edition's PDF, typeset once now and kept with its SHA-256. Should it fail, the
    // round is published all the same and its first download typesets it.
    if publish && let Err(e) = published_report(store.as_ref(), plan, year, uppfolj_reports::Format::Pdf).await {
        eprintln!("Obs: utgåvans PDF kunde inte sättas nu ({e:#}); den sätts när den laddas ner första gången.");
    }
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("avslutar");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }
}
