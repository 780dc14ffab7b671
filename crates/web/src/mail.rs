//! Sending the outbox over SMTP (`lettre`), configured by environment: `UPPFOLJ_SMTP_URL`
//! (`smtp://host:25`, `smtp://host:587?tls=required`, `smtps://user:password@host:465`),
//! `UPPFOLJ_MAIL_FROM` (the sender's address) and `UPPFOLJ_PUBLIC_URL` (where the links point).
//! A mail the server does not take is tried again later — after a minute, five, a quarter, an
//! hour, six hours, a day — and then marked failed with the reason. Without SMTP nothing is sent
//! and the outbox keeps filling, for the RCC to see.

use std::sync::Arc;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MessageBuilder};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use uppfolj_store::{OutgoingMail, Store, StoreError};

/// The settings, from the environment.
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub smtp_url: String,
    pub from: String,
    pub public_url: String,
}

impl MailConfig {
    /// The settings when `UPPFOLJ_SMTP_URL` is set; `Err` names what is missing.
    pub fn from_env() -> Result<Option<MailConfig>, String> {
        let var = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let Some(smtp_url) = var("UPPFOLJ_SMTP_URL") else { return Ok(None) };
        let from = var("UPPFOLJ_MAIL_FROM").ok_or("UPPFOLJ_MAIL_FROM saknas: avsändarens e-postadress")?;
        let public_url = var("UPPFOLJ_PUBLIC_URL")
            .ok_or("UPPFOLJ_PUBLIC_URL saknas: adressen som länkarna i e-posten går till")?
            .trim_end_matches('/')
            .to_owned();
        Ok(Some(MailConfig { smtp_url, from, public_url }))
    }
}

/// The SMTP server and how mail is signed.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    base: String,
}

/// When to try a mail again after `attempts` failed tries; `None`: give up.
pub fn retry_after(attempts: i32) -> Option<time::Duration> {
    let minutes = match attempts {
        0 => 1,
        1 => 5,
        2 => 15,
        3 => 60,
        4 => 6 * 60,
        5 => 24 * 60,
        _ => return None,
    };
    Some(time::Duration::minutes(minutes))
}

impl Mailer {
    pub fn new(cfg: &MailConfig) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.smtp_url)
            .map_err(|e| format!("UPPFOLJ_SMTP_URL kan inte användas: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = cfg.from.parse::<Mailbox>().map_err(|e| format!("UPPFOLJ_MAIL_FROM är ingen adress: {e}"))?;
        Ok(Mailer { transport, from, base: cfg.public_url.clone() })
    }

    fn message(&self, m: &OutgoingMail) -> Result<Message, String> {
        let to = m.to.parse::<Mailbox>().map_err(|e| format!("mottagarens adress {}: {e}", m.to))?;
        let body = format!("{}\n\nLänk: {}{}\n", m.body, self.base, m.link);
        MessageBuilder::new()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .message_id(Some(m.message_id.clone()))
            .date_now()
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| format!("meddelandet kunde inte byggas: {e}"))
    }

    /// Sends what is due, each marked sent or tried again later (or failed); answers how many
    /// were sent and how many failed this time.
    pub async fn send_due(&self, store: &dyn Store, now: time::OffsetDateTime) -> Result<(usize, usize), StoreError> {
        let (mut sent, mut failed) = (0, 0);
        for m in store.due_mail(now, 200).await? {
            let result = match self.message(&m) {
                Ok(message) => self
                    .transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("SMTP-servern tog inte emot det: {e}")),
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => {
                    store.mark_sent(m.id, now).await?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(mail = m.id, error = %e, "e-post kunde inte skickas");
                    store.mark_failed(m.id, &e, retry_after(m.attempts).map(|d| now + d)).await?;
                    failed += 1;
                }
            }
        }
        Ok((sent, failed))
    }
}

/// The server's worker: every `every`, the day's reminders written and the outbox sent (when SMTP
/// is configured). Errors are logged; the next round tries again.
pub async fn worker(store: Arc<dyn Store>, mailer: Option<Mailer>, every: std::time::Duration) {
    loop {
        let now = crate::auth::now();
        if let Err(e) = store.run_reminders(now.date(), now).await {
            tracing::warn!(error = %e, "påminnelserna kunde inte skrivas");
        }
        if let Some(m) = &mailer
            && let Err(e) = m.send_due(store.as_ref(), now).await
        {
            tracing::warn!(error = %e, "e-posten kunde inte skickas");
        }
        tokio::time::sleep(every).await;
    }
}
