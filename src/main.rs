//! `uppfolj`: the command line. Parses arguments and hands over to `commands`; the work is done in the
//! crates under `crates/`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use uppfolj_domain::Slug;

mod backup;
mod bench;
mod commands;
mod notify;
mod users;

/// Uppföljning av sjukvårdsregionala cancerplaner: webbapp, kommandorad och API.
#[derive(Parser)]
#[command(name = "uppfolj", version)]
struct Cli {
    /// Databasen: sqlite://FIL (skapas om den saknas) eller postgres://ANVÄNDARE@VÄRD/DATABAS.
    #[arg(long, global = true, env = "UPPFOLJ_DATABASE_URL", default_value = "sqlite://uppfolj.db")]
    database: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Startar webbappen.
    Serve {
        /// Adress och port att lyssna på.
        #[arg(long, env = "UPPFOLJ_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Läser in demodata (norra sjukvårdsregionens uppföljning 2024) om databasen är tom.
        #[arg(long)]
        demo: bool,
        /// Märk cookies Secure även när förfrågan inte säger att den kom över TLS (bakom en proxy).
        #[arg(long, env = "UPPFOLJ_SECURE_COOKIES")]
        secure_cookies: bool,
    },
    /// Uppdaterar databasens schema.
    Migrate,
    /// Säkerhetskopierar hela databasen till en fil medan servern kör (med kontrollsumma).
    Backup {
        /// Filen att skriva (skrivs färdig under ett annat namn först).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Återställer en säkerhetskopia till en tom databas (--database), allt eller inget.
    Restore {
        /// Säkerhetskopian.
        file: PathBuf,
    },
    /// Flyttar allt från en databas till en annan, tom (till exempel från SQLite till PostgreSQL).
    Copy {
        /// Databasen att kopiera från.
        #[arg(long)]
        from: String,
        /// Den tomma databasen att kopiera till.
        #[arg(long)]
        to: String,
    },
    /// Läser in demodata: cancerplanen 2022–2024 för norra sjukvårdsregionen med uppföljningen 2024.
    Demo,
    /// Läser in datafiler (formatet beskrivs i docs/dataformat.md). Varje fil allt eller inget;
    /// alla filer kontrolleras innan något skrivs.
    Import {
        /// Datafilen, eller flera.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Skriver ut data.
    #[command(subcommand)]
    Export(Export),
    /// Den sammanställda rapporten för en uppföljning som HTML, PDF, Word eller Excel.
    Report {
        /// Planens kortnamn, till exempel norr-2022-2024.
        #[arg(long, value_parser = slug)]
        plan: Slug,
        /// Uppföljningsåret.
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum)]
        format: ReportFormat,
        /// En vårdprocess uppföljning i stället för den sammanställda rapporten (html eller pdf).
        #[arg(long)]
        process: Option<String>,
        /// Filen att skriva till.
        #[arg(long, short = 'o')]
        output: PathBuf,
    },
    /// Indikatorvärden.
    #[command(subcommand)]
    Indicators(IndicatorsCmd),
    /// Siffror i kommentarerna som kan bli indikatorvärden (förslag; ingenting sparas).
    Figures {
        #[arg(long, value_parser = slug)]
        plan: Slug,
        #[arg(long)]
        year: i32,
    },
    /// Den härledda sammanfattningen av en uppföljning och kontrollen av RCC:s text mot data.
    Summary {
        /// Planens kortnamn, till exempel norr-2022-2024.
        #[arg(long, value_parser = slug)]
        plan: Slug,
        /// Uppföljningsåret.
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Mätningar (se BENCHMARKS.md).
    #[command(subcommand)]
    Bench(BenchCmd),
    /// Användarkonton.
    #[command(subcommand)]
    User(users::UserCmd),
    /// API-nycklar.
    #[command(subcommand)]
    Token(users::TokenCmd),
    /// E-post: dagens påminnelser och utkorgen.
    #[command(subcommand)]
    Notify(notify::NotifyCmd),
    /// Uppföljningsomgångar: öppna, publicera, öppna igen.
    #[command(subcommand)]
    Round(RoundCmd),
    /// Planens liv: utkast → fastställd → avslutad.
    #[command(subcommand)]
    Plan(PlanCmd),
}

#[derive(Subcommand)]
enum PlanCmd {
    /// Fastställer ett utkast: alla ser planen, och uppföljningar kan öppnas.
    Adopt {
        #[arg(long, value_parser = slug)]
        plan: Slug,
    },
    /// Avslutar en plan vars sista uppföljning är publicerad.
    Close {
        #[arg(long, value_parser = slug)]
        plan: Slug,
    },
}

#[derive(Subcommand)]
enum IndicatorsCmd {
    /// Läser in indikatorvärden från CSV eller Excel (kolumnerna från export indicators). Allt eller inget.
    Import {
        /// En .csv- eller .xlsx-fil.
        file: PathBuf,
        /// Planens kortnamn.
        #[arg(long, value_parser = slug)]
        plan: Slug,
    },
}

#[derive(Subcommand)]
enum BenchCmd {
    /// Skriver datafiler för en påhittad installation i nationell skala (till scripts/bench-pages).
    Generate {
        /// Katalogen filerna skrivs till (plan-NN.toml).
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 10)]
        plans: usize,
        /// Uppföljningar per plan; den sista är öppen, de andra publicerade.
        #[arg(long, default_value_t = 10)]
        rounds: usize,
        #[arg(long, default_value_t = 21)]
        regions: usize,
        #[arg(long, default_value_t = 7)]
        areas: usize,
        #[arg(long, default_value_t = 8)]
        goals_per_area: usize,
        /// Numret på den första planen (plan-NN).
        #[arg(long, default_value_t = 1)]
        first: usize,
    },
    /// Tiden att skapa rapporten i varje format (data läses en gång, rapporten skapas N gånger).
    Report {
        #[arg(long, value_parser = slug)]
        plan: Slug,
        #[arg(long)]
        year: i32,
        /// Antal körningar per format.
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
}

#[derive(Subcommand)]
enum RoundCmd {
    /// Öppnar en ny uppföljning: regionerna kan börja svara.
    Open {
        #[arg(long, value_parser = slug)]
        plan: Slug,
        #[arg(long)]
        year: i32,
        /// Sista dag för regionernas svar, ÅÅÅÅ-MM-DD.
        #[arg(long)]
        deadline: String,
    },
    /// Publicerar (låser) en uppföljning.
    Publish {
        #[arg(long, value_parser = slug)]
        plan: Slug,
        #[arg(long)]
        year: i32,
        /// Publicera även om alla regioners svar inte är godkända.
        #[arg(long)]
        force: bool,
    },
    /// Öppnar en publicerad uppföljning igen.
    Reopen {
        #[arg(long, value_parser = slug)]
        plan: Slug,
        #[arg(long)]
        year: i32,
        /// Varför (sparas i historiken).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
enum Export {
    /// Nivåtabellen för en uppföljning: ett mål per rad, en region per kolumn.
    Levels {
        /// Planens kortnamn, till exempel norr-2022-2024.
        #[arg(long, value_parser = slug)]
        plan: Slug,
        /// Uppföljningsåret.
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value_t = LevelFormat::Csv)]
        format: LevelFormat,
    },
    /// Planens indikatorvärden: indicator,unit,region,period,value,target,target_date,national,source,extracted,goal.
    Indicators {
        /// Planens kortnamn.
        #[arg(long, value_parser = slug)]
        plan: Slug,
        /// Uppföljningen som värdena hör till.
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value_t = LevelFormat::Csv)]
        format: LevelFormat,
    },
    /// Ett måls historia bakåt genom planerna före: plan,year,goal,region,level,comment, äldst först.
    GoalHistory {
        /// Planens kortnamn.
        #[arg(long, value_parser = slug)]
        plan: Slug,
        /// Målet, som planen numrerar det, till exempel 3.3.
        #[arg(long)]
        goal: String,
        #[arg(long, value_enum, default_value_t = LevelFormat::Csv)]
        format: LevelFormat,
    },
    /// Hela planen med alla uppföljningar, i datafilsformatet (kan läsas in igen med import).
    Data {
        /// Planens kortnamn.
        #[arg(long, value_parser = slug)]
        plan: Slug,
        /// Filen att skriva till; utan den skrivs data till standard ut.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Html,
    Pdf,
    Docx,
    Xlsx,
}

#[derive(Clone, Copy, ValueEnum)]
enum SummaryFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum LevelFormat {
    Csv,
    Json,
}

/// A plan's or process's short name as given on the command line, checked before anything is opened.
pub(crate) fn slug(s: &str) -> Result<Slug, String> {
    Slug::parse(s).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    // The server typesets PDFs in a child process of this binary (uppfolj_reports::child).
    if let Some(code) = uppfolj_reports::child::run_if_child() {
        return code;
    }
    let cli = Cli::parse();
    commands::init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("fel: kunde inte starta: {e}");
            return ExitCode::FAILURE;
        }
    };
    let db = cli.database;
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve { listen, demo, secure_cookies } => commands::serve(&db, listen, demo, secure_cookies).await,
            Command::Migrate => commands::migrate(&db).await,
            Command::Backup { output } => backup::backup(&db, &output).await,
            Command::Restore { file } => backup::restore(&db, &file).await,
            Command::Copy { from, to } => backup::copy(&from, &to).await,
            Command::Demo => commands::demo(&db).await,
            Command::Import { files } => commands::import(&db, &files).await,
            Command::Export(Export::Levels { plan, year, format }) => {
                commands::export_levels(&db, &plan, year, matches!(format, LevelFormat::Json)).await
            }
            Command::Export(Export::Indicators { plan, year, format }) => {
                commands::export_indicators(&db, &plan, year, matches!(format, LevelFormat::Json)).await
            }
            Command::Export(Export::GoalHistory { plan, goal, format }) => {
                commands::export_goal_history(&db, &plan, &goal, matches!(format, LevelFormat::Json)).await
            }
            Command::Export(Export::Data { plan, output }) => {
                commands::export_data(&db, &plan, output.as_deref()).await
            }
            Command::User(cmd) => users::run(&db, cmd).await,
            Command::Report { plan, year, format, process, output } => {
                let format = match format {
                    ReportFormat::Html => uppfolj_reports::Format::Html,
                    ReportFormat::Pdf => uppfolj_reports::Format::Pdf,
                    ReportFormat::Docx => uppfolj_reports::Format::Docx,
                    ReportFormat::Xlsx => uppfolj_reports::Format::Xlsx,
                };
                commands::report(&db, &plan, year, format, process.as_deref(), &output).await
            }
            Command::Figures { plan, year } => commands::figures(&db, &plan, year).await,
            Command::Indicators(IndicatorsCmd::Import { file, plan }) => {
                commands::import_indicators(&db, &file, &plan).await
            }
            Command::Summary { plan, year, format } => {
                commands::summary(&db, &plan, year, matches!(format, SummaryFormat::Json)).await
            }
            Command::Bench(BenchCmd::Generate { dir, plans, rounds, regions, areas, goals_per_area, first }) => {
                let size = bench::Size { plans, rounds, regions, areas, goals_per_area };
                bench::generate(size, first, &dir)
            }
            Command::Bench(BenchCmd::Report { plan, year, runs }) => {
                commands::bench_report(&db, &plan, year, runs).await
            }
            Command::Token(cmd) => users::token(&db, cmd).await,
            Command::Notify(cmd) => notify::run(&db, cmd).await,
            Command::Round(RoundCmd::Open { plan, year, deadline }) => {
                commands::round_open(&db, &plan, year, &deadline).await
            }
            Command::Plan(PlanCmd::Adopt { plan }) => {
                commands::plan_status(&db, &plan, uppfolj_domain::PlanStatus::Adopted).await
            }
            Command::Plan(PlanCmd::Close { plan }) => {
                commands::plan_status(&db, &plan, uppfolj_domain::PlanStatus::Closed).await
            }
            Command::Round(RoundCmd::Publish { plan, year, force }) => {
                commands::round_status(&db, &plan, year, true, None, force).await
            }
            Command::Round(RoundCmd::Reopen { plan, year, reason }) => {
                commands::round_status(&db, &plan, year, false, Some(&reason), false).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The message may quote what a file or the database holds: shown safe for a terminal.
            eprintln!("fel: {}", uppfolj_domain::input::for_terminal(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}
