//! `uppfolj backup`, `uppfolj restore` and `uppfolj copy`: the whole database as one file (taken
//! online, from one consistent snapshot, with a SHA-256), back into an empty database, and from one
//! database to another — SQLite to PostgreSQL and back — with everything in it.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use uppfolj_store::{BackupSummary, Store};

use crate::commands::{now, open};

fn said(s: &BackupSummary) -> String {
    format!("{} tabeller, {} rader, schema {}, SHA-256 {}", s.tables, s.rows, s.schema, s.sha256)
}

/// Writes the backup to `output`: first to a file beside it, synced to disk and then renamed, so
/// that a backup cut short (a full disk, the process killed) never leaves a file that looks whole.
async fn backup_to(store: &dyn Store, output: &Path) -> anyhow::Result<BackupSummary> {
    let partial = PathBuf::from(format!("{}.ofullständig", output.display()));
    let file = std::fs::File::create(&partial).with_context(|| format!("kunde inte skriva {}", partial.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let result = store.backup(&mut out, now()).await;
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            drop(out);
            let _ = std::fs::remove_file(&partial);
            return Err(e.into());
        }
    };
    let file = out.into_inner().map_err(|e| anyhow::anyhow!("kunde inte skriva {}: {e}", partial.display()))?;
    file.sync_all().with_context(|| format!("kunde inte skriva {}", partial.display()))?;
    std::fs::rename(&partial, output).with_context(|| format!("kunde inte skriva {}", output.display()))?;
    Ok(summary)
}

pub async fn backup(db: &str, output: &Path) -> anyhow::Result<()> {
    let store = open(db).await?;
    let result = backup_to(store.as_ref(), output).await;
    store.close().await;
    let summary = result?;
    eprintln!("Säkerhetskopian är skriven till {}: {}.", output.display(), said(&summary));
    println!("{}  {}", summary.sha256, output.display());
    Ok(())
}

pub async fn restore(db: &str, file: &Path) -> anyhow::Result<()> {
    let store = open(db).await?;
    let result = store.restore(file).await;
    store.close().await;
    let summary = result.with_context(|| format!("{} återställdes inte; ingenting har skrivits", file.display()))?;
    eprintln!("Återställd från {}: {}.", file.display(), said(&summary));
    Ok(())
}

pub async fn copy(from: &str, to: &str) -> anyhow::Result<()> {
    if from == to {
        bail!("--from och --to är samma databas");
    }
    let source = open(from).await?;
    let target = open(to).await?;
    let file = std::env::temp_dir().join(format!("uppfolj-kopia-{}.jsonl", std::process::id()));
    let result = async {
        let taken = backup_to(source.as_ref(), &file).await?;
        let restored = target.restore(&file).await.context("ingenting har skrivits i --to")?;
        anyhow::ensure!(taken == restored, "kopian stämmer inte med originalet");
        Ok(taken)
    }
    .await;
    let _ = std::fs::remove_file(&file);
    source.close().await;
    target.close().await;
    let summary = result?;
    eprintln!("Allt är kopierat: {}.", said(&summary));
    Ok(())
}
