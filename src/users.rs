//! `uppfolj user …` and `uppfolj token …`: the accounts and API tokens from the command line, with
//! the same rules and the same audit history as the account pages of the web app.

use std::io::{IsTerminal, Write};

use anyhow::{Context, anyhow, bail};
use clap::Subcommand;
use uppfolj_domain::{RegionCode, Role, Slug};
use uppfolj_store::credentials::{hash_password, new_api_token};
use uppfolj_store::{AccountChange, Actor, NewUser, Page, Store, UserFilter, UserRecord};

use crate::commands::{CLI, now, open, term};

/// How long an API token is valid unless told otherwise.
pub const TOKEN_DAYS: i64 = 90;

#[derive(Subcommand)]
pub enum UserCmd {
    /// Skapar ett konto. Lösenordet läses från standard in (en rad) eller frågas efter.
    Add {
        /// Användarnamnet.
        name: String,
        /// admin, rcc, region, process eller reader.
        #[arg(long)]
        role: String,
        /// Regionkoden, för rollen region (till exempel RN).
        #[arg(long)]
        region: Option<String>,
        /// Vårdprocessens kortnamn, för rollen process (till exempel vagen-in).
        #[arg(long)]
        process: Option<String>,
        /// Sjukvårdsregionens kod (till exempel norr). Behövs när installationen har flera; en
        /// läsare utan sjukvårdsregion är nationell, en administratör är alltid det.
        #[arg(long)]
        healthcare_region: Option<String>,
        /// Namnet som visas; användarnamnet om det saknas.
        #[arg(long)]
        display_name: Option<String>,
        /// E-postadressen.
        #[arg(long)]
        email: Option<String>,
        /// Identiteten vid inloggning med e-tjänstekort (till exempel HSA-id).
        #[arg(long)]
        sso_id: Option<String>,
        /// Inget lokalt lösenord: kontot loggar bara in med e-tjänstekort.
        #[arg(long)]
        no_password: bool,
        /// Får läsa dokument med begränsad delning (för rollen reader).
        #[arg(long)]
        restricted: bool,
    },
    /// Listar kontona, med filter.
    List {
        #[arg(long)]
        role: Option<String>,
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        healthcare_region: Option<String>,
        /// Bara inaktiverade konton.
        #[arg(long, conflicts_with = "active")]
        inactive: bool,
        /// Bara aktiva konton.
        #[arg(long)]
        active: bool,
    },
    /// Visar ett konto och dess historik.
    Show { name: String },
    /// Byter lösenord (läses som vid add); alla inloggningar och API-nycklar avslutas.
    Password { name: String },
    /// Byter roll, och region, vårdprocess eller sjukvårdsregion med den.
    SetRole {
        name: String,
        role: String,
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        process: Option<String>,
        #[arg(long)]
        healthcare_region: Option<String>,
        /// Får läsa dokument med begränsad delning.
        #[arg(long)]
        restricted: bool,
        /// Varför (sparas i kontots historik).
        #[arg(long)]
        reason: String,
    },
    /// Byter e-postadress (tom: ingen).
    SetEmail { name: String, email: String },
    /// Sätter identiteten vid inloggning med e-tjänstekort (tom: ingen).
    SetSsoId { name: String, value: String },
    /// Byter namnet som visas.
    SetName { name: String, display_name: String },
    /// Inaktiverar ett konto: inloggningar och API-nycklar slutar gälla genast; historiken finns kvar.
    Deactivate {
        name: String,
        #[arg(long)]
        reason: String,
    },
    /// Aktiverar ett inaktiverat konto igen.
    Activate {
        name: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum TokenCmd {
    /// Skapar en API-nyckel för en användare och skriver ut den (den sparas bara som hash).
    Create {
        /// Användarnamnet.
        name: String,
        /// Vad nyckeln är till för.
        #[arg(long, default_value = "API-nyckel")]
        label: String,
        /// Hur många dagar nyckeln gäller.
        #[arg(long, default_value_t = TOKEN_DAYS)]
        days: i64,
    },
    /// Listar en användares API-nycklar (aldrig nycklarna själva).
    List { name: String },
    /// Återkallar en API-nyckel (numret från list).
    Revoke { name: String, id: i64 },
}

fn role_of(s: &str) -> anyhow::Result<Role> {
    Role::parse(s).ok_or_else(|| anyhow!("\"{s}\" är ingen roll: välj admin, rcc, region, process eller reader"))
}

fn opt_slug(s: Option<String>) -> anyhow::Result<Option<Slug>> {
    Ok(s.map(|s| Slug::parse(&s)).transpose()?)
}

fn opt_region(s: Option<String>) -> anyhow::Result<Option<RegionCode>> {
    Ok(s.map(|s| RegionCode::parse(&s)).transpose()?)
}

/// Checks that a role has what it needs (a region, a process) and nothing it can't have.
fn fits(role: Role, region: &Option<RegionCode>, process: &Option<Slug>) -> anyhow::Result<()> {
    match (role, region, process) {
        (Role::Region, None, _) => bail!("rollen region kräver --region KOD, till exempel --region RN"),
        (Role::Process, _, None) => bail!("rollen process kräver --process KORTNAMN, till exempel --process vagen-in"),
        (r, Some(_), _) if r != Role::Region => bail!("--region hör bara till rollen region"),
        (r, _, Some(_)) if r != Role::Process => bail!("--process hör bara till rollen process"),
        _ => Ok(()),
    }
}

async fn user(store: &dyn Store, name: &str) -> anyhow::Result<UserRecord> {
    store.user_by_username(name).await?.ok_or_else(|| anyhow!("det finns ingen användare \"{name}\""))
}

/// Runs `f` on an open store and closes it, whatever `f` answers.
async fn with_store<T, F>(db: &str, f: F) -> anyhow::Result<T>
where
    F: AsyncFnOnce(&dyn Store) -> anyhow::Result<T>,
{
    let store = open(db).await?;
    let r = f(store.as_ref()).await;
    store.close().await;
    r
}

pub async fn run(db: &str, cmd: UserCmd) -> anyhow::Result<()> {
    let actor = || Actor::system(CLI, now());
    match cmd {
        UserCmd::Add {
            name,
            role,
            region,
            process,
            healthcare_region,
            display_name,
            email,
            sso_id,
            no_password,
            restricted,
        } => {
            let role = role_of(&role)?;
            let username = name.trim().to_owned();
            if username.is_empty() || username.chars().any(char::is_whitespace) {
                bail!("användarnamnet får inte vara tomt eller innehålla mellanslag");
            }
            let (region, process) = (opt_region(region)?, opt_slug(process)?);
            fits(role, &region, &process)?;
            if no_password && sso_id.is_none() {
                bail!("ett konto utan lösenord behöver --sso-id för att kunna logga in");
            }
            let password_hash = if no_password {
                String::new()
            } else {
                hash_password(&read_password(&username)?).map_err(|e| anyhow!("{e}"))?
            };
            let new = NewUser {
                username: username.clone(),
                display_name: display_name.unwrap_or_else(|| username.clone()),
                role,
                region,
                process,
                restricted_access: restricted,
                password_hash,
                healthcare_region: opt_slug(healthcare_region)?,
                email,
                sso_id,
            };
            with_store(db, async |s| Ok(s.create_user(&new, &actor()).await?)).await?;
            eprintln!("Kontot {username} ({}) är skapat.", role.label());
        }
        UserCmd::List { role, region, healthcare_region, inactive, active } => {
            let filter = UserFilter {
                role: role.as_deref().map(role_of).transpose()?,
                healthcare_region: opt_slug(healthcare_region)?,
                region: opt_region(region)?,
                active: if inactive {
                    Some(false)
                } else if active {
                    Some(true)
                } else {
                    None
                },
                not_signed_in_since: None,
            };
            let users = with_store(db, async |s| Ok(s.users_where(&filter).await?)).await?;
            let mut out = std::io::stdout();
            for u in users {
                let a = &u.account;
                let scope = a.region.as_ref().map(ToString::to_string).or(a.process.as_ref().map(ToString::to_string));
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    term(&a.username),
                    a.role.as_str(),
                    scope.unwrap_or_default(),
                    a.healthcare_region.as_ref().map_or("nationell".to_owned(), ToString::to_string),
                    if u.active { "aktivt" } else { "inaktiverat" },
                    term(&a.display_name)
                )?;
            }
        }
        UserCmd::Show { name } => {
            let (u, events) = with_store(db, async |s| {
                let u = user(s, &name).await?;
                let events = s.account_events(u.account.id, Page::first(50)).await?;
                Ok((u, events))
            })
            .await?;
            let a = &u.account;
            let mut out = std::io::stdout();
            writeln!(out, "{} ({}), {}", term(&a.display_name), term(&a.username), a.role.label())?;
            writeln!(out, "aktivt: {}", if u.active { "ja" } else { "nej" })?;
            writeln!(out, "e-post: {}", term(u.email.as_deref().unwrap_or("")))?;
            writeln!(out, "e-tjänstekort: {}", term(u.sso_id.as_deref().unwrap_or("")))?;
            for e in events.items {
                let change = format!("{} → {}", e.old.as_deref().unwrap_or("–"), e.new.as_deref().unwrap_or("–"));
                let why = e.reason.map(|r| format!(" ({r})")).unwrap_or_default();
                let at = uppfolj_domain::ids::timestamp(e.at);
                writeln!(out, "{at}\t{}\t{}\t{}{}", term(&e.actor), term(&e.subject), term(&change), term(&why))?;
            }
        }
        UserCmd::Password { name } => {
            let password = read_password(&name)?;
            let hash = hash_password(&password).map_err(|e| anyhow!("{e}"))?;
            with_store(db, async |s| Ok(s.set_password(user(s, &name).await?.account.id, &hash, &actor()).await?))
                .await?;
            eprintln!("Lösenordet för {name} är bytt; tidigare inloggningar och API-nycklar gäller inte längre.");
        }
        UserCmd::SetRole { name, role, region, process, healthcare_region, restricted, reason } => {
            let role = role_of(&role)?;
            let (region, process) = (opt_region(region)?, opt_slug(process)?);
            fits(role, &region, &process)?;
            let hr = opt_slug(healthcare_region)?;
            change(db, &name, &reason, |c| {
                c.role = role;
                c.region = region;
                c.process = process;
                c.restricted_access = restricted;
                c.healthcare_region = if role == Role::Admin { None } else { hr.or(c.healthcare_region.clone()) };
            })
            .await?;
            eprintln!("{name} är nu {}; kontots inloggningar avslutades.", role.label().to_lowercase());
        }
        UserCmd::SetEmail { name, email } => {
            change(db, &name, "", |c| c.email = Some(email).filter(|e| !e.trim().is_empty())).await?;
            eprintln!("E-postadressen för {name} är ändrad.");
        }
        UserCmd::SetSsoId { name, value } => {
            change(db, &name, "", |c| c.sso_id = Some(value).filter(|v| !v.trim().is_empty())).await?;
            eprintln!("Identiteten för e-tjänstekort för {name} är ändrad.");
        }
        UserCmd::SetName { name, display_name } => {
            change(db, &name, "", |c| c.display_name = display_name).await?;
            eprintln!("Namnet för {name} är ändrat.");
        }
        UserCmd::Deactivate { name, reason } => {
            with_store(db, async |s| {
                Ok(s.set_active(user(s, &name).await?.account.id, false, &reason, &actor()).await?)
            })
            .await?;
            eprintln!("Kontot {name} är inaktiverat: dess inloggningar och API-nycklar gäller inte längre.");
        }
        UserCmd::Activate { name, reason } => {
            with_store(db, async |s| {
                Ok(s.set_active(user(s, &name).await?.account.id, true, &reason, &actor()).await?)
            })
            .await?;
            eprintln!("Kontot {name} är aktivt igen.");
        }
    }
    Ok(())
}

/// Changes a part of an account, as `edit` does to it.
async fn change(db: &str, name: &str, reason: &str, edit: impl FnOnce(&mut AccountChange)) -> anyhow::Result<()> {
    with_store(db, async |s| {
        let u = user(s, name).await?;
        let mut c = AccountChange::of(&u);
        edit(&mut c);
        Ok(s.update_user(u.account.id, &c, reason, &Actor::system(CLI, now())).await?)
    })
    .await
}

pub async fn token(db: &str, cmd: TokenCmd) -> anyhow::Result<()> {
    match cmd {
        TokenCmd::Create { name, label, days } => {
            if !(1..=3650).contains(&days) {
                bail!("--days ska vara mellan 1 och 3650");
            }
            let (token, hash) = new_api_token().map_err(|e| anyhow!("{e}"))?;
            let at = now();
            let until = at + time::Duration::days(days);
            with_store(db, async |s| {
                let id = user(s, &name).await?.account.id;
                Ok(s.create_token(id, &label, &hash, until, &Actor::system(CLI, at)).await?)
            })
            .await?;
            println!("{token}");
            eprintln!(
                "Spara nyckeln nu: den visas inte igen. Den gäller till {}. Använd den som \"Authorization: Bearer …\".",
                uppfolj_domain::ids::format_date(until.date())
            );
        }
        TokenCmd::List { name } => {
            let tokens = with_store(db, async |s| Ok(s.tokens(user(s, &name).await?.account.id).await?)).await?;
            let mut out = std::io::stdout();
            let day = |t: Option<time::OffsetDateTime>| t.map(|t| uppfolj_domain::ids::format_date(t.date()));
            for t in tokens {
                let state = t.state(now());
                writeln!(
                    out,
                    "{}\t{}\t{state}\tgäller till {}\tsenast använd {}",
                    t.id,
                    term(&t.name),
                    day(t.expires_at).unwrap_or_else(|| "–".to_owned()),
                    day(t.last_used_at).unwrap_or_else(|| "aldrig".to_owned())
                )?;
            }
        }
        TokenCmd::Revoke { name, id } => {
            with_store(db, async |s| {
                Ok(s.revoke_token(user(s, &name).await?.account.id, id, &Actor::system(CLI, now())).await?)
            })
            .await?;
            eprintln!("API-nyckel {id} för {name} är återkallad.");
        }
    }
    Ok(())
}

/// A new password from the terminal (asked twice) or one line of standard input.
pub fn read_password(name: &str) -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("Lösenord för {name}: "))?;
        let again = rpassword::prompt_password("Samma lösenord igen: ")?;
        if first != again {
            bail!("lösenorden var inte lika; ingenting ändrades");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).context("kunde inte läsa lösenordet från standard in")?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    if let Some(problem) = uppfolj_store::credentials::password_problem(&password, name) {
        bail!("{problem} Ingenting ändrades.");
    }
    Ok(password)
}
