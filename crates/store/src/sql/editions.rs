//! Editions: a published round frozen as its compiled report shows it ([`uppfolj_domain::edition`]),
//! written in the transaction that publishes it; what a published round's reads take from then on
//! (shaped as the page asks, like a read of the live tables); and its PDF, typeset once and kept
//! with its SHA-256.

use sha2::Digest as _;
use sqlx::Row as _;
use time::OffsetDateTime;
use uppfolj_domain::ids::timestamp;
use uppfolj_domain::{Dataset, RoundStatus, Slug};

use super::reads::Source;
use super::{Conn, StoreImpl, Tx, begin_write, corrupt, round_ids, time_of};
use crate::{Actor, CellsRead, EditionInfo, IndicatorsRead, Previous, Shape, StoreError};

/// Freezes the round `round_id` (of `plan`, `year`), just published in `tx`, as its next edition:
/// as it reads now, or (`source`) as it was shown when published before editions existed.
pub(super) async fn freeze(
    tx: &mut Tx<'_>,
    plan: &Slug,
    year: i32,
    round_id: i64,
    source: Source,
    actor: &Actor,
) -> Result<u32, StoreError> {
    let data = super::reads::round_from(tx, plan, year, &Shape::report(), source).await?;
    let (file, tallies) = uppfolj_domain::edition::to_stored(&data).map_err(|e| StoreError::Corrupt(e.0))?;
    let number: i32 = sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM editions WHERE round_id = $1")
        .bind(round_id)
        .fetch_one(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO editions (round_id, number, published_at, published_by, data, tallies) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(round_id)
    .bind(number)
    .bind(timestamp(actor.at))
    .bind(&actor.name)
    .bind(&file)
    .bind(&tallies)
    .execute(&mut **tx)
    .await?;
    u32::try_from(number).map_err(|_| corrupt(format!("utgåva {number}")))
}

/// The round's current edition is replaced: it was reopened, for `reason`.
pub(super) async fn replaced(
    tx: &mut Tx<'_>,
    round_id: i64,
    reason: &str,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE editions SET replaced_at = $1, replaced_because = $2 WHERE round_id = $3 AND replaced_at IS NULL",
    )
    .bind(timestamp(at))
    .bind(reason)
    .bind(round_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The newest edition of a round (`number`: that one), read back; `None` when it has none.
pub(super) async fn read(conn: &mut Conn, round_id: i64, number: Option<u32>) -> Result<Option<Dataset>, StoreError> {
    let mut q = sqlx::QueryBuilder::<super::Db>::new("SELECT data, tallies FROM editions WHERE round_id = ");
    q.push_bind(round_id);
    if let Some(n) = number {
        q.push(" AND number = ").push_bind(i64::from(n));
    }
    q.push(" ORDER BY number DESC LIMIT 1");
    let Some(row) = q.build().fetch_optional(&mut *conn).await? else { return Ok(None) };
    let (file, tallies): (String, String) = (row.try_get("data")?, row.try_get("tallies")?);
    uppfolj_domain::edition::from_stored(&file, &tallies).map(Some).map_err(|e| StoreError::Corrupt(e.0))
}

/// An edition shaped as a page's read of the live tables would be: only what `shape` asks for.
pub(super) fn shaped(mut data: Dataset, year: i32, shape: &Shape) -> Dataset {
    if shape.previous == Previous::None {
        data.rounds.retain(|r| r.year == year);
    }
    for r in &mut data.rounds {
        let skip = shape.previous_cells_only && r.year == year;
        if shape.cells == CellsRead::None || skip {
            r.goals.clear();
        }
        if let Some(area) = shape.area {
            r.goals.retain(|f| f.goal.area == area);
        }
        for f in &mut r.goals {
            if shape.cells == CellsRead::Levels {
                f.comments.clear();
                f.condensed.clear();
                f.rcc_comment = None;
            }
            if let Some(code) = &shape.region {
                f.levels.retain(|c, _| c == code);
                f.comments.retain(|c, _| c == code);
                f.condensed.retain(|c, _| c == code);
            }
        }
        if let Some(code) = &shape.region {
            r.states.retain(|c, _| c == code);
        }
        if !shape.narrative {
            r.introduction.clear();
            r.summary.clear();
        }
    }
    if !shape.trend {
        data.tallies.clear();
    }
    match shape.indicators {
        IndicatorsRead::None => data.indicators.clear(),
        IndicatorsRead::Definitions => data.indicators.iter_mut().for_each(|i| i.values.clear()),
        IndicatorsRead::Values => {}
    }
    if !shape.processes {
        data.processes.clear();
        data.process_followups.clear();
    }
    data
}

fn info(r: &<super::Db as sqlx::Database>::Row) -> Result<EditionInfo, StoreError> {
    let number: i32 = r.try_get("number")?;
    Ok(EditionInfo {
        number: u32::try_from(number).map_err(|_| corrupt(format!("utgåva {number}")))?,
        published_at: time_of(&r.try_get::<String, _>("published_at")?)?,
        published_by: r.try_get("published_by")?,
        pdf_sha256: r.try_get("pdf_sha256")?,
        replaced_at: r.try_get::<Option<String>, _>("replaced_at")?.as_deref().map(time_of).transpose()?,
        replaced_because: r.try_get("replaced_because")?,
    })
}

const INFO: &str = "SELECT number, published_at, published_by, pdf_sha256, replaced_at, replaced_because FROM editions";

#[async_trait::async_trait]
impl crate::Editions for StoreImpl {
    async fn editions(&self, plan: &Slug, year: i32) -> Result<Vec<EditionInfo>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let ids = round_ids(&mut conn, plan, year).await?;
        sqlx::query(&format!("{INFO} WHERE round_id = $1 ORDER BY number"))
            .bind(ids.round_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(info)
            .collect()
    }

    async fn edition(&self, plan: &Slug, year: i32, number: u32) -> Result<Option<(EditionInfo, Dataset)>, StoreError> {
        let mut tx = super::begin_read(&self.pool).await?;
        let ids = round_ids(&mut tx, plan, year).await?;
        let Some(row) = sqlx::query(&format!("{INFO} WHERE round_id = $1 AND number = $2"))
            .bind(ids.round_id)
            .bind(i64::from(number))
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let data = read(&mut tx, ids.round_id, Some(number)).await?.ok_or_else(|| corrupt("utgåvan försvann"))?;
        tx.commit().await?;
        Ok(Some((info(&row)?, data.as_followed_in(year))))
    }

    async fn edition_pdf(&self, plan: &Slug, year: i32, number: u32) -> Result<Option<Vec<u8>>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let ids = round_ids(&mut conn, plan, year).await?;
        Ok(sqlx::query_scalar("SELECT pdf FROM editions WHERE round_id = $1 AND number = $2")
            .bind(ids.round_id)
            .bind(i64::from(number))
            .fetch_optional(&mut *conn)
            .await?
            .flatten())
    }

    async fn keep_edition_pdf(&self, plan: &Slug, year: i32, number: u32, pdf: &[u8]) -> Result<Vec<u8>, StoreError> {
        let sha = sha2::Sha256::digest(pdf).iter().map(|b| format!("{b:02x}")).collect::<String>();
        let mut tx = begin_write(&self.pool).await?;
        let ids = round_ids(&mut tx, plan, year).await?;
        // The first one typeset is the one kept: whoever typeset it too gets that one back.
        let kept_now = sqlx::query(
            "UPDATE editions SET pdf = $1, pdf_sha256 = $2 WHERE round_id = $3 AND number = $4 AND pdf IS NULL",
        )
        .bind(pdf)
        .bind(&sha)
        .bind(ids.round_id)
        .bind(i64::from(number))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if kept_now == 1 {
            // The round's page shows the checksum: a page kept before it was is made again.
            tx.touch_round(ids.round_id);
        }
        let kept: Option<Vec<u8>> = sqlx::query_scalar("SELECT pdf FROM editions WHERE round_id = $1 AND number = $2")
            .bind(ids.round_id)
            .bind(i64::from(number))
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
        tx.commit().await?;
        kept.ok_or_else(|| StoreError::NotFound(format!("uppföljningen {year} har ingen utgåva {number}")))
    }

    async fn freeze_unfrozen(&self, now: OffsetDateTime) -> Result<usize, StoreError> {
        let rows = sqlx::query(
            "SELECT p.slug, r.year, r.id FROM rounds r JOIN plans p ON p.id = r.plan_id WHERE r.status = $1 \
             AND NOT EXISTS (SELECT 1 FROM editions e WHERE e.round_id = r.id) ORDER BY r.id",
        )
        .bind(RoundStatus::Published.as_str())
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let slug = Slug::parse(&r.try_get::<String, _>("slug")?).map_err(corrupt)?;
            let (year, id): (i32, i64) = (r.try_get("year")?, r.try_get("id")?);
            let mut tx = begin_write(&self.pool).await?;
            // As it was shown until now: published when its last publication was recorded.
            let at = time_of(&super::wordings::published_at(&mut tx, id).await?).unwrap_or(now);
            freeze(
                &mut tx,
                &slug,
                year,
                id,
                Source::AsPublished,
                &Actor::system("Uppfölj (utgåva av en tidigare publicering)", at),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(rows.len())
    }
}
