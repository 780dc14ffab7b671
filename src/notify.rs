//! `uppfolj notify …`: the day's reminders and the outbox, from the command line (for cron, and
//! for tests: the day is given).

use std::io::Write;

use anyhow::anyhow;
use clap::Subcommand;
use uppfolj_domain::Slug;

use crate::commands::{now, open, term};

#[derive(Subcommand)]
pub enum NotifyCmd {
    /// Skriver dagens påminnelser och skickar det som väntar i utkorgen (med UPPFOLJ_SMTP_URL).
    Run {
        /// Dagen som påminnelserna gäller (ÅÅÅÅ-MM-DD); i dag om den saknas.
        #[arg(long)]
        today: Option<String>,
    },
    /// Listar en uppföljnings e-post: till vem, när, status och felorsak.
    List {
        #[arg(long, value_parser = crate::slug)]
        plan: Slug,
        #[arg(long)]
        year: i32,
    },
}

pub async fn run(db: &str, cmd: NotifyCmd) -> anyhow::Result<()> {
    let store = open(db).await?;
    let result = async {
        match cmd {
            NotifyCmd::Run { today } => {
                let at = now();
                let day = match today {
                    Some(d) => uppfolj_domain::ids::parse_date(&d)?,
                    None => at.date(),
                };
                let written = store.run_reminders(day, at).await?;
                let config = uppfolj_web::mail::MailConfig::from_env().map_err(|e| anyhow!("e-post: {e}"))?;
                match config {
                    Some(cfg) => {
                        let mailer = uppfolj_web::mail::Mailer::new(&cfg).map_err(|e| anyhow!("e-post: {e}"))?;
                        let (sent, failed) = mailer.send_due(store.as_ref(), at).await?;
                        eprintln!(
                            "{written} påminnelser skrivna; {sent} e-post skickade, {failed} kunde inte skickas nu."
                        );
                    }
                    None => eprintln!("{written} påminnelser skrivna; ingen e-post skickad (UPPFOLJ_SMTP_URL saknas)."),
                }
            }
            NotifyCmd::List { plan, year } => {
                let mut out = std::io::stdout();
                for m in store.round_outbox(&plan, year).await? {
                    let at = uppfolj_domain::ids::timestamp(m.created_at);
                    let error = m.last_error.unwrap_or_default();
                    writeln!(
                        out,
                        "{}\t{at}\t{}\t{}\t{}\t{}\t{}",
                        m.id,
                        m.kind,
                        term(&m.to),
                        m.state,
                        term(&m.subject),
                        term(&error)
                    )?;
                }
            }
        }
        anyhow::Ok(())
    }
    .await;
    store.close().await;
    result
}
