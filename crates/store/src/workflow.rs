//! The workflow SQL both backends share: rounds, cells, region states, history, action plans, process
//! follow-ups, accounts. Instantiated per backend by `store_workflow!`, next to `store_common!`.
//!
//! Each write: opens a write transaction (`begin_write`, `BEGIN IMMEDIATE` on SQLite so concurrent
//! writers queue instead of failing), checks that the round is open and that the version the change was
//! based on is still the current one, writes with `WHERE version = $expected`, records the audit event,
//! commits. A stale version is `StoreError::Stale`; nothing is written.

macro_rules! store_workflow {
    ($Db:ty) => {
        use std::collections::HashMap;

        use time::Date;
        use uppfolj_domain::ids::swedish_date;
        use uppfolj_domain::input::TextKind;
        use uppfolj_domain::{Account, AuditEvent, Role, StateAction, transition};

        use crate::{
            ActionPlanEntry, Activity, ActivityInput, Cell, CellEdit, FigureDecision, FigureInput, NewUser, RegionWork, RoundWork, SessionRecord, UserRecord,
        };

        type Conn = <$Db as sqlx::Database>::Connection;

        struct RoundIds {
            plan_id: i64,
            round_id: i64,
            status: RoundStatus,
        }

        async fn plan_ids(conn: &mut Conn, plan: &str) -> Result<(i64, i64), StoreError> {
            let row = sqlx::query("SELECT id, healthcare_region_id FROM plans WHERE slug = $1")
                .bind(plan)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("det finns ingen plan \"{plan}\"")))?;
            Ok((row.try_get("id")?, row.try_get("healthcare_region_id")?))
        }

        async fn round_ids(conn: &mut Conn, plan: &str, year: i32) -> Result<RoundIds, StoreError> {
            let (plan_id, _) = plan_ids(conn, plan).await?;
            let row = sqlx::query("SELECT id, status FROM rounds WHERE plan_id = $1 AND year = $2")
                .bind(plan_id)
                .bind(year)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("planen \"{plan}\" har ingen uppföljning för {year}")))?;
            let status: String = row.try_get("status")?;
            Ok(RoundIds {
                plan_id,
                round_id: row.try_get("id")?,
                status: RoundStatus::parse(&status).ok_or_else(|| corrupt(format!("status \"{status}\"")))?,
            })
        }

        async fn goal_db_id(conn: &mut Conn, plan_id: i64, goal: GoalRef) -> Result<i64, StoreError> {
            sqlx::query_scalar(
                "SELECT g.id FROM goals g JOIN areas a ON a.id = g.area_id WHERE a.plan_id = $1 AND a.number = $2 AND g.number = $3",
            )
            .bind(plan_id)
            .bind(num(goal.area))
            .bind(num(goal.goal))
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("planen har inget mål {goal}")))
        }

        async fn region_db_id(conn: &mut Conn, plan_id: i64, region: &RegionCode) -> Result<i64, StoreError> {
            sqlx::query_scalar(
                "SELECT r.id FROM regions r JOIN plans p ON p.healthcare_region_id = r.healthcare_region_id WHERE p.id = $1 AND r.code = $2",
            )
            .bind(plan_id)
            .bind(region.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("sjukvårdsregionen har ingen region \"{region}\"")))
        }

        /// A write transaction on a round that is open; a published round is locked.
        async fn open_round_write(pool: &Pool, plan: &str, year: i32) -> Result<(Tx<'static>, RoundIds), StoreError> {
            let mut tx = begin_write(pool).await?;
            let ids = round_ids(&mut tx, plan, year).await?;
            if ids.status == RoundStatus::Published {
                return Err(locked_round(year));
            }
            Ok((tx, ids))
        }

        fn locked_round(year: i32) -> StoreError {
            StoreError::Locked(format!(
                "uppföljningen {year} är publicerad och låst; RCC kan öppna den igen med ett skäl"
            ))
        }

        fn opt(s: &str) -> Option<&str> {
            if s.is_empty() { None } else { Some(s) }
        }

        pub(crate) async fn open_round(
            pool: &Pool,
            plan: &str,
            year: i32,
            deadline: Date,
            actor: &Actor,
        ) -> Result<(), StoreError> {
            uppfolj_domain::workflow::check_deadline(year, deadline).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let mut tx = begin_write(pool).await?;
            let (plan_id, hr_id) = plan_ids(&mut tx, plan).await?;
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM rounds WHERE plan_id = $1 AND year = $2")
                .bind(plan_id)
                .bind(year)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                return Err(StoreError::Conflict(format!("planen \"{plan}\" har redan en uppföljning för {year}")));
            }
            let end_year: i32 = sqlx::query_scalar("SELECT end_year FROM plans WHERE id = $1")
                .bind(plan_id)
                .fetch_one(&mut *tx)
                .await?;
            let conducted = Period::Month(deadline.year(), u8::from(deadline.month()));
            let round_id: i64 = sqlx::query_scalar(
                "INSERT INTO rounds (plan_id, year, conducted, is_final, introduction, status, deadline) \
                 VALUES ($1, $2, $3, $4, '', 'open', $5) RETURNING id",
            )
            .bind(plan_id)
            .bind(year)
            .bind(conducted.to_string())
            .bind(year >= end_year)
            .bind(format_date(deadline))
            .fetch_one(&mut *tx)
            .await?;
            let region_ids: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM regions WHERE healthcare_region_id = $1 ORDER BY position")
                    .bind(hr_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let goal_ids: Vec<i64> = sqlx::query_scalar(
                "SELECT g.id FROM goals g JOIN areas a ON a.id = g.area_id WHERE a.plan_id = $1 ORDER BY a.number, g.number",
            )
            .bind(plan_id)
            .fetch_all(&mut *tx)
            .await?;
            for rid in &region_ids {
                sqlx::query("INSERT INTO region_rounds (round_id, region_id, state, version, updated_at) VALUES ($1, $2, 'not_started', 1, $3)")
                    .bind(round_id)
                    .bind(rid)
                    .bind(timestamp(actor.at))
                    .execute(&mut *tx)
                    .await?;
                for gid in &goal_ids {
                    sqlx::query(
                        "INSERT INTO assessments (round_id, goal_id, region_id, level, comment, version, condensed_version) \
                         VALUES ($1, $2, $3, '', '', 1, 1)",
                    )
                    .bind(round_id)
                    .bind(gid)
                    .bind(rid)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            // Every care process gets this year's follow-up, starting from its latest goals.
            let processes: Vec<i64> = sqlx::query_scalar("SELECT id FROM processes WHERE plan_id = $1 ORDER BY id")
                .bind(plan_id)
                .fetch_all(&mut *tx)
                .await?;
            for pid in processes {
                let prev = sqlx::query(
                    "SELECT id, title, classification, plan_goals FROM process_followups WHERE process_id = $1 AND year < $2 ORDER BY year DESC",
                )
                .bind(pid)
                .bind(year)
                .fetch_optional(&mut *tx)
                .await?;
                let (prev_id, title, classification, plan_goals) = match prev {
                    Some(p) => (
                        Some(p.try_get::<i64, _>("id")?),
                        p.try_get::<String, _>("title")?,
                        p.try_get::<String, _>("classification")?,
                        p.try_get::<String, _>("plan_goals")?,
                    ),
                    None => (None, String::new(), Classification::Restricted.as_str().to_owned(), "[]".to_owned()),
                };
                let title = if title.is_empty() {
                    format!("Processuppföljning {year}")
                } else {
                    title.replace(&(year - 1).to_string(), &year.to_string())
                };
                let fid: i64 = sqlx::query_scalar(
                    "INSERT INTO process_followups (process_id, year, title, classification, plan_goals, comments, long_term, \
                     level_structuring, patient_involvement, other, version) VALUES ($1, $2, $3, $4, $5, '', '[]', '', '', '', 1) RETURNING id",
                )
                .bind(pid)
                .bind(year)
                .bind(&title)
                .bind(&classification)
                .bind(&plan_goals)
                .fetch_one(&mut *tx)
                .await?;
                if let Some(prev_id) = prev_id {
                    sqlx::query(
                        "INSERT INTO process_goals (followup_id, position, text, current_state, target_levels, target_date, followup) \
                         SELECT $1, position, text, current_state, target_levels, target_date, '' FROM process_goals WHERE followup_id = $2",
                    )
                    .bind(fid)
                    .bind(prev_id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            let subject = format!("uppföljning {year}");
            let new = format!("öppen, sista dag för svar {}", swedish_date(deadline));
            audit(&mut tx, actor, (Some(plan_id), Some(round_id), None, None), AuditField::RoundStatus, &subject, None, Some(&new), None)
                .await?;
            tx.commit().await?;
            Ok(())
        }

        pub(crate) async fn set_round_status(
            pool: &Pool,
            plan: &str,
            year: i32,
            status: RoundStatus,
            reason: Option<&str>,
            allow_incomplete: bool,
            actor: &Actor,
        ) -> Result<(), StoreError> {
            let reason = reason.map(|r| stored(TextKind::Reason, r, || "skälet".to_owned())).transpose()?;
            let reason = reason.as_deref();
            let mut tx = begin_write(pool).await?;
            let ids = round_ids(&mut tx, plan, year).await?;
            let reason = reason.map(str::trim).filter(|r| !r.is_empty());
            match status {
                RoundStatus::Published => {
                    if ids.status == RoundStatus::Published {
                        return Err(StoreError::Invalid(format!("uppföljningen {year} är redan publicerad")));
                    }
                    let pending: Vec<String> = sqlx::query_scalar(
                        "SELECT r.code FROM region_rounds s JOIN regions r ON r.id = s.region_id \
                         WHERE s.round_id = $1 AND s.state <> 'accepted' ORDER BY r.position",
                    )
                    .bind(ids.round_id)
                    .fetch_all(&mut *tx)
                    .await?;
                    if !pending.is_empty() && !allow_incomplete {
                        return Err(StoreError::Invalid(format!(
                            "{} har inte fått sina svar godkända; godkänn dem först eller publicera ändå",
                            pending.join(", ")
                        )));
                    }
                }
                RoundStatus::Open => {
                    if ids.status == RoundStatus::Open {
                        return Err(StoreError::Invalid(format!("uppföljningen {year} är redan öppen")));
                    }
                    if reason.is_none() {
                        return Err(StoreError::Invalid(
                            "ange ett skäl när en publicerad uppföljning öppnas igen".to_owned(),
                        ));
                    }
                }
            }
            sqlx::query("UPDATE rounds SET status = $1 WHERE id = $2")
                .bind(status.as_str())
                .bind(ids.round_id)
                .execute(&mut *tx)
                .await?;
            let subject = format!("uppföljning {year}");
            audit(
                &mut tx,
                actor,
                (Some(ids.plan_id), Some(ids.round_id), None, None),
                AuditField::RoundStatus,
                &subject,
                Some(ids.status.label()),
                Some(status.label()),
                reason,
            )
            .await?;
            tx.commit().await?;
            Ok(())
        }

        pub(crate) async fn round_work(pool: &Pool, plan: &str, year: i32) -> Result<RoundWork, StoreError> {
            let mut conn = pool.acquire().await?;
            let ids = round_ids(&mut conn, plan, year).await?;
            let meta = sqlx::query("SELECT deadline, narrative_version FROM rounds WHERE id = $1")
                .bind(ids.round_id)
                .fetch_one(&mut *conn)
                .await?;
            let deadline: Option<String> = meta.try_get("deadline")?;
            let narrative_version: i32 = meta.try_get("narrative_version")?;
            let mut regions = Vec::new();
            for r in sqlx::query(
                "SELECT r.code, s.state, s.reason, s.version, s.updated_at FROM region_rounds s JOIN regions r ON r.id = s.region_id \
                 WHERE s.round_id = $1 ORDER BY r.position",
            )
            .bind(ids.round_id)
            .fetch_all(&mut *conn)
            .await?
            {
                let state: String = r.try_get("state")?;
                regions.push(RegionWork {
                    region: RegionCode::parse(&r.try_get::<String, _>("code")?).map_err(corrupt)?,
                    state: RegionState::parse(&state).ok_or_else(|| corrupt(format!("status \"{state}\"")))?,
                    reason: r.try_get("reason")?,
                    version: r.try_get("version")?,
                    updated_at: r.try_get("updated_at")?,
                });
            }
            let mut cells = Vec::new();
            for c in sqlx::query(
                "SELECT a.number AS area_no, g.number AS goal_no, r.code, s.level, s.comment, s.condensed, s.version, \
                 s.condensed_version, s.updated_at, s.updated_by \
                 FROM assessments s JOIN goals g ON g.id = s.goal_id JOIN areas a ON a.id = g.area_id \
                 JOIN regions r ON r.id = s.region_id WHERE s.round_id = $1 ORDER BY a.number, g.number, r.position",
            )
            .bind(ids.round_id)
            .fetch_all(&mut *conn)
            .await?
            {
                let level: String = c.try_get("level")?;
                cells.push(Cell {
                    goal: GoalRef::new(u32_of(c.try_get("area_no")?)?, u32_of(c.try_get("goal_no")?)?),
                    region: RegionCode::parse(&c.try_get::<String, _>("code")?).map_err(corrupt)?,
                    level: Level::parse(&level).map_err(corrupt)?,
                    comment: c.try_get("comment")?,
                    condensed: c.try_get("condensed")?,
                    version: c.try_get("version")?,
                    condensed_version: c.try_get("condensed_version")?,
                    updated_at: c.try_get("updated_at")?,
                    updated_by: c.try_get("updated_by")?,
                });
            }
            let mut rcc_comments = BTreeMap::new();
            for c in sqlx::query(
                "SELECT a.number AS area_no, g.number AS goal_no, c.body, c.version FROM rcc_comments c \
                 JOIN goals g ON g.id = c.goal_id JOIN areas a ON a.id = g.area_id WHERE c.round_id = $1",
            )
            .bind(ids.round_id)
            .fetch_all(&mut *conn)
            .await?
            {
                rcc_comments.insert(
                    GoalRef::new(u32_of(c.try_get("area_no")?)?, u32_of(c.try_get("goal_no")?)?),
                    (c.try_get::<String, _>("body")?, c.try_get::<i32, _>("version")?),
                );
            }
            Ok(RoundWork {
                year,
                status: ids.status,
                deadline: deadline.as_deref().map(date_of).transpose()?,
                narrative_version,
                regions,
                cells,
                rcc_comments,
            })
        }

        /// Saves several cells of one region in one transaction: every version is checked first, and
        /// if any is stale nothing is written and every stale goal is named.
        pub(crate) async fn save_cells(
            pool: &Pool,
            plan: &str,
            year: i32,
            region: &RegionCode,
            edits: &[CellEdit],
            by_region: bool,
            actor: &Actor,
        ) -> Result<Vec<i32>, StoreError> {
            let edits = edits
                .iter()
                .map(|e| {
                    let comment = stored(TextKind::Comment, &e.comment, || format!("kommentaren till mål {} ({region})", e.goal))?;
                    Ok(CellEdit { comment, ..e.clone() })
                })
                .collect::<Result<Vec<CellEdit>, StoreError>>()?;
            let edits = edits.as_slice();
            let (mut tx, ids) = open_round_write(pool, plan, year).await?;
            let rid = region_db_id(&mut tx, ids.plan_id, region).await?;
            let state_text: String = sqlx::query_scalar("SELECT state FROM region_rounds WHERE round_id = $1 AND region_id = $2")
                .bind(ids.round_id)
                .bind(rid)
                .fetch_one(&mut *tx)
                .await?;
            let state = RegionState::parse(&state_text).ok_or_else(|| corrupt(format!("status \"{state_text}\"")))?;
            if by_region && !state.open_for_region() {
                return Err(StoreError::Locked(format!(
                    "{region}s svar för {year} är {} och kan inte ändras; RCC kan skicka tillbaka dem",
                    state.label().to_lowercase()
                )));
            }
            // Read every cell and check every version before writing anything.
            let mut rows = Vec::new();
            let mut stale = Vec::new();
            for e in edits {
                let gid = goal_db_id(&mut tx, ids.plan_id, e.goal).await?;
                let row = sqlx::query("SELECT id, level, comment, version FROM assessments WHERE round_id = $1 AND goal_id = $2 AND region_id = $3")
                    .bind(ids.round_id)
                    .bind(gid)
                    .bind(rid)
                    .fetch_one(&mut *tx)
                    .await?;
                let current: i32 = row.try_get("version")?;
                if current != e.expected_version {
                    stale.push((e.goal, current));
                }
                rows.push((gid, row.try_get::<i64, _>("id")?, row.try_get::<String, _>("level")?, row.try_get::<String, _>("comment")?, current));
            }
            if let [(_, current)] = stale.as_slice() {
                if edits.len() == 1 {
                    return Err(StoreError::Stale { current: *current });
                }
            }
            if !stale.is_empty() {
                return Err(StoreError::StaleCells(stale));
            }
            let mut versions = Vec::new();
            let mut changed = false;
            for (e, (gid, id, old_level, old_comment, current)) in edits.iter().zip(rows) {
                let new_level = e.level.to_string();
                let comment = e.comment.trim();
                if old_level == new_level && old_comment == comment {
                    versions.push(current);
                    continue;
                }
                changed = true;
                let done = sqlx::query(
                    "UPDATE assessments SET level = $1, comment = $2, version = version + 1, updated_at = $3, updated_by = $4 \
                     WHERE id = $5 AND version = $6",
                )
                .bind(&new_level)
                .bind(comment)
                .bind(timestamp(actor.at))
                .bind(&actor.name)
                .bind(id)
                .bind(current)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Stale { current: current + 1 });
                }
                let ids4 = (Some(ids.plan_id), Some(ids.round_id), Some(gid), Some(rid));
                let subject = format!("{year} mål {}, {region}", e.goal);
                if old_level != new_level {
                    audit(&mut tx, actor, ids4, AuditField::Level, &subject, opt(&old_level), opt(&new_level), None).await?;
                }
                if old_comment != comment {
                    audit(&mut tx, actor, ids4, AuditField::Comment, &subject, opt(&old_comment), opt(comment), None).await?;
                }
                versions.push(current + 1);
            }
            if changed && by_region && state == RegionState::NotStarted {
                sqlx::query("UPDATE region_rounds SET state = 'draft', version = version + 1, updated_at = $1 WHERE round_id = $2 AND region_id = $3")
                    .bind(timestamp(actor.at))
                    .bind(ids.round_id)
                    .bind(rid)
                    .execute(&mut *tx)
                    .await?;
                let subject = format!("{year} {region}: status");
                audit(
                    &mut tx,
                    actor,
                    (Some(ids.plan_id), Some(ids.round_id), None, Some(rid)),
                    AuditField::RegionState,
                    &subject,
                    Some(RegionState::NotStarted.as_str()),
                    Some(RegionState::Draft.as_str()),
                    None,
                )
                .await?;
            }
            tx.commit().await?;
            Ok(versions)
        }

        #[allow(clippy::too_many_arguments)]
        pub(crate) async fn save_condensed(
            pool: &Pool,
            plan: &str,
            year: i32,
            goal: GoalRef,
            region: &RegionCode,
            text: Option<&str>,
            expected: i32,
            actor: &Actor,
        ) -> Result<i32, StoreError> {
            let text = text.map(|t| stored(TextKind::Comment, t, || format!("den kondenserade kommentaren till mål {goal} ({region})"))).transpose()?;
            let text = text.as_deref();
            let (mut tx, ids) = open_round_write(pool, plan, year).await?;
            let gid = goal_db_id(&mut tx, ids.plan_id, goal).await?;
            let rid = region_db_id(&mut tx, ids.plan_id, region).await?;
            let row = sqlx::query("SELECT id, condensed, condensed_version FROM assessments WHERE round_id = $1 AND goal_id = $2 AND region_id = $3")
                .bind(ids.round_id)
                .bind(gid)
                .bind(rid)
                .fetch_one(&mut *tx)
                .await?;
            let current: i32 = row.try_get("condensed_version")?;
            if current != expected {
                return Err(StoreError::Stale { current });
            }
            let old: Option<String> = row.try_get("condensed")?;
            let new = text.map(str::trim).filter(|t| !t.is_empty());
            if old.as_deref() == new {
                return Ok(current);
            }
            let done = sqlx::query("UPDATE assessments SET condensed = $1, condensed_version = condensed_version + 1 WHERE id = $2 AND condensed_version = $3")
                .bind(new)
                .bind(row.try_get::<i64, _>("id")?)
                .bind(expected)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale { current: expected + 1 });
            }
            let subject = format!("{year} mål {goal}, {region}");
            audit(&mut tx, actor, (Some(ids.plan_id), Some(ids.round_id), Some(gid), Some(rid)), AuditField::Condensed, &subject, old.as_deref(), new, None)
                .await?;
            tx.commit().await?;
            Ok(expected + 1)
        }

        pub(crate) async fn save_rcc_comment(
            pool: &Pool,
            plan: &str,
            year: i32,
            goal: GoalRef,
            text: &str,
            expected: i32,
            actor: &Actor,
        ) -> Result<i32, StoreError> {
            let text = stored(TextKind::Comment, text, || format!("RCC:s kommentar till mål {goal}"))?;
            let text = text.as_str();
            let (mut tx, ids) = open_round_write(pool, plan, year).await?;
            let gid = goal_db_id(&mut tx, ids.plan_id, goal).await?;
            sqlx::query("INSERT INTO rcc_comments (round_id, goal_id, body, version) VALUES ($1, $2, '', 0) ON CONFLICT (round_id, goal_id) DO NOTHING")
                .bind(ids.round_id)
                .bind(gid)
                .execute(&mut *tx)
                .await?;
            let row = sqlx::query("SELECT body, version FROM rcc_comments WHERE round_id = $1 AND goal_id = $2")
                .bind(ids.round_id)
                .bind(gid)
                .fetch_one(&mut *tx)
                .await?;
            let current: i32 = row.try_get("version")?;
            if current != expected {
                return Err(StoreError::Stale { current });
            }
            let old: String = row.try_get("body")?;
            let text = text.trim();
            if old == text {
                return Ok(current);
            }
            let done = sqlx::query("UPDATE rcc_comments SET body = $1, version = version + 1 WHERE round_id = $2 AND goal_id = $3 AND version = $4")
                .bind(text)
                .bind(ids.round_id)
                .bind(gid)
                .bind(expected)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale { current: expected + 1 });
            }
            let subject = format!("{year} mål {goal}");
            audit(&mut tx, actor, (Some(ids.plan_id), Some(ids.round_id), Some(gid), None), AuditField::RccComment, &subject, opt(&old), opt(text), None)
                .await?;
            tx.commit().await?;
            Ok(expected + 1)
        }

        pub(crate) async fn change_region_state(
            pool: &Pool,
            plan: &str,
            year: i32,
            region: &RegionCode,
            action: &StateAction,
            expected: Option<i32>,
            actor: &Actor,
        ) -> Result<RegionState, StoreError> {
            let action = match action {
                StateAction::Return { reason } => StateAction::Return { reason: stored(TextKind::Reason, reason, || "skälet".to_owned())? },
                other => other.clone(),
            };
            let action = &action;
            let (mut tx, ids) = open_round_write(pool, plan, year).await?;
            let rid = region_db_id(&mut tx, ids.plan_id, region).await?;
            let row = sqlx::query("SELECT state, version FROM region_rounds WHERE round_id = $1 AND region_id = $2")
                .bind(ids.round_id)
                .bind(rid)
                .fetch_one(&mut *tx)
                .await?;
            let current: i32 = row.try_get("version")?;
            if let Some(expected) = expected.filter(|e| *e != current) {
                let _ = expected;
                return Err(StoreError::Stale { current });
            }
            let text: String = row.try_get("state")?;
            let from = RegionState::parse(&text).ok_or_else(|| corrupt(format!("status \"{text}\"")))?;
            let to = transition(from, action).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let reason = match action {
                StateAction::Return { reason } => Some(reason.trim().to_owned()),
                _ => None,
            };
            let keep_reason = matches!(action, StateAction::Save | StateAction::Submit);
            sqlx::query(
                "UPDATE region_rounds SET state = $1, reason = CASE WHEN $2 THEN reason ELSE $3 END, version = version + 1, updated_at = $4 \
                 WHERE round_id = $5 AND region_id = $6 AND version = $7",
            )
            .bind(to.as_str())
            .bind(keep_reason)
            .bind(reason.as_deref())
            .bind(timestamp(actor.at))
            .bind(ids.round_id)
            .bind(rid)
            .bind(current)
            .execute(&mut *tx)
            .await?;
            if from != to {
                let subject = format!("{year} {region}: status");
                audit(
                    &mut tx,
                    actor,
                    (Some(ids.plan_id), Some(ids.round_id), None, Some(rid)),
                    AuditField::RegionState,
                    &subject,
                    Some(from.as_str()),
                    Some(to.as_str()),
                    reason.as_deref(),
                )
                .await?;
            }
            tx.commit().await?;
            Ok(to)
        }

        /// Replaces the introduction and the summary sections of an open round as a whole. The audit
        /// event keeps the previous text, so no version is lost.
        pub(crate) async fn save_narrative(
            pool: &Pool,
            plan: &str,
            year: i32,
            introduction: &str,
            sections: &[SummarySection],
            expected: i32,
            actor: &Actor,
        ) -> Result<i32, StoreError> {
            let introduction = stored(TextKind::Long, introduction, || "inledningen".to_owned())?;
            let introduction = introduction.as_str();
            let sections = sections
                .iter()
                .map(|s| {
                    Ok(SummarySection {
                        heading: stored(TextKind::Line, &s.heading, || "en rubrik i sammanfattningen".to_owned())?,
                        text: stored(TextKind::Long, &s.text, || format!("texten under \"{}\"", s.heading.trim()))?,
                        claims: s.claims.clone(),
                    })
                })
                .collect::<Result<Vec<SummarySection>, StoreError>>()?;
            let sections = sections.as_slice();
            let (mut tx, ids) = open_round_write(pool, plan, year).await?;
            let row = sqlx::query("SELECT introduction, narrative_version FROM rounds WHERE id = $1")
                .bind(ids.round_id)
                .fetch_one(&mut *tx)
                .await?;
            let current: i32 = row.try_get("narrative_version")?;
            if current != expected {
                return Err(StoreError::Stale { current });
            }
            let old_intro: String = row.try_get("introduction")?;
            let mut old_sections = Vec::new();
            for s in sqlx::query("SELECT heading, body, claims FROM round_summary_sections WHERE round_id = $1 ORDER BY position")
                .bind(ids.round_id)
                .fetch_all(&mut *tx)
                .await?
            {
                old_sections.push(serde_json::json!({
                    "heading": s.try_get::<String, _>("heading")?,
                    "text": s.try_get::<String, _>("body")?,
                    "claims": serde_json::from_str::<serde_json::Value>(&s.try_get::<String, _>("claims")?).unwrap_or_default(),
                }));
            }
            let old = serde_json::json!({"introduction": old_intro, "summary": old_sections}).to_string();
            let new = serde_json::json!({
                "introduction": introduction,
                "summary": sections.iter().map(|s| serde_json::json!({
                    "heading": s.heading, "text": s.text, "claims": s.claims.to_json(),
                })).collect::<Vec<_>>(),
            })
            .to_string();
            if old == new {
                return Ok(current);
            }
            sqlx::query("UPDATE rounds SET introduction = $1, narrative_version = narrative_version + 1 WHERE id = $2 AND narrative_version = $3")
                .bind(introduction)
                .bind(ids.round_id)
                .bind(expected)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM round_summary_sections WHERE round_id = $1").bind(ids.round_id).execute(&mut *tx).await?;
            for (i, s) in sections.iter().enumerate() {
                sqlx::query("INSERT INTO round_summary_sections (round_id, position, heading, body, claims) VALUES ($1, $2, $3, $4, $5)")
                    .bind(ids.round_id)
                    .bind(pos(i))
                    .bind(&s.heading)
                    .bind(&s.text)
                    .bind(s.claims.to_json().to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            let subject = format!("uppföljning {year}: inledning och sammanfattning");
            audit(&mut tx, actor, (Some(ids.plan_id), Some(ids.round_id), None, None), AuditField::Narrative, &subject, Some(&old), Some(&new), None)
                .await?;
            tx.commit().await?;
            Ok(expected + 1)
        }

        async fn indicator_db_id(conn: &mut Conn, plan_id: i64, slug: &str) -> Result<i64, StoreError> {
            sqlx::query_scalar("SELECT id FROM indicators WHERE plan_id = $1 AND slug = $2")
                .bind(plan_id)
                .bind(slug)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("planen har ingen indikator \"{slug}\"")))
        }

        /// How a scope is stored: the `scope` column and the region's id.
        async fn scope_key(conn: &mut Conn, plan_id: i64, scope: &Scope) -> Result<(&'static str, Option<i64>), StoreError> {
            Ok(match scope {
                Scope::Region(c) => ("region", Some(region_db_id(conn, plan_id, c).await?)),
                Scope::HealthcareRegion => ("healthcare_region", None),
                Scope::National => ("national", None),
            })
        }

        /// The stored value of an indicator for a scope and period: (id, value, extracted).
        async fn indicator_value_at(
            conn: &mut Conn,
            iid: i64,
            key: (&str, Option<i64>),
            period: &Period,
        ) -> Result<Option<(i64, f64, Option<String>)>, StoreError> {
            let row = sqlx::query(
                "SELECT id, value, extracted FROM indicator_values WHERE indicator_id = $1 AND scope = $2 AND COALESCE(region_id, 0) = $3 AND period = $4",
            )
            .bind(iid)
            .bind(key.0)
            .bind(key.1.unwrap_or(0))
            .bind(period.to_string())
            .fetch_optional(&mut *conn)
            .await?;
            row.map(|r| Ok((r.try_get("id")?, r.try_get("value")?, r.try_get("extracted")?))).transpose()
        }

        /// Adds a value after the indicator's others.
        async fn insert_indicator_value(
            conn: &mut Conn,
            iid: i64,
            key: (&str, Option<i64>),
            period: &Period,
            value: f64,
            extracted: Option<&str>,
            note: &str,
        ) -> Result<(), StoreError> {
            let next: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM indicator_values WHERE indicator_id = $1")
                .bind(iid)
                .fetch_one(&mut *conn)
                .await?;
            sqlx::query(
                "INSERT INTO indicator_values (indicator_id, position, scope, region_id, period, value, extracted, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(iid)
            .bind(i32::try_from(next).unwrap_or(i32::MAX))
            .bind(key.0)
            .bind(key.1)
            .bind(period.to_string())
            .bind(value)
            .bind(extracted)
            .bind(note)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }

        /// Adds and changes indicator values, all or nothing, holding the write lock only for a few
        /// set-based statements: what is stored is read and compared first, outside any lock; the
        /// rows that differ are staged in a temporary table of this connection; one short write
        /// transaction then applies them, each change only if the value is still what was read
        /// (otherwise someone else changed it meanwhile, and nothing is written). Returns (added,
        /// changed).
        pub(crate) async fn import_indicator_values(
            pool: &Pool,
            plan: &str,
            inputs: &[uppfolj_domain::indicator_import::ValueInput],
            actor: &Actor,
        ) -> Result<(usize, usize), StoreError> {
            // 1. What is stored now: the plan's indicators, regions and values, in four queries.
            let started = std::time::Instant::now();
            let mut conn = pool.acquire().await?;
            let (plan_id, hr_id) = plan_ids(&mut conn, plan).await?;
            let mut indicator_ids: HashMap<String, i64> = HashMap::new();
            for r in sqlx::query("SELECT id, slug FROM indicators WHERE plan_id = $1").bind(plan_id).fetch_all(&mut *conn).await? {
                indicator_ids.insert(r.try_get("slug")?, r.try_get("id")?);
            }
            let mut region_ids: HashMap<String, i64> = HashMap::new();
            for r in sqlx::query("SELECT id, code FROM regions WHERE healthcare_region_id = $1").bind(hr_id).fetch_all(&mut *conn).await? {
                region_ids.insert(r.try_get("code")?, r.try_get("id")?);
            }
            // (indicator, scope, region or 0, period) → (value id, value, extracted)
            let mut stored_values: HashMap<(i64, String, i64, String), (i64, f64, Option<String>)> = HashMap::new();
            let mut next_position: HashMap<i64, i32> = HashMap::new();
            for r in sqlx::query(
                "SELECT v.id, v.indicator_id, v.scope, v.region_id, v.period, v.value, v.extracted, v.position \
                 FROM indicator_values v JOIN indicators i ON i.id = v.indicator_id WHERE i.plan_id = $1",
            )
            .bind(plan_id)
            .fetch_all(&mut *conn)
            .await?
            {
                let iid: i64 = r.try_get("indicator_id")?;
                let position: i32 = r.try_get("position")?;
                let next = next_position.entry(iid).or_insert(0);
                *next = (*next).max(position.saturating_add(1));
                let key = (iid, r.try_get("scope")?, r.try_get::<Option<i64>, _>("region_id")?.unwrap_or(0), r.try_get("period")?);
                stored_values.insert(key, (r.try_get("id")?, r.try_get("value")?, r.try_get("extracted")?));
            }

            // 2. What differs, in memory: each row to add or change, with the text of its audit event.
            struct Staged {
                /// The stored value a change replaces (`None`: a new value).
                value_id: Option<i64>,
                iid: i64,
                position: i32,
                scope: &'static str,
                region: Option<i64>,
                period: String,
                value: f64,
                extracted: Option<String>,
                old: Option<f64>,
                old_extracted: Option<String>,
                subject: String,
            }
            let mut staged: Vec<Staged> = Vec::new();
            for (n, v) in inputs.iter().enumerate() {
                if n % 2_000 == 1_999 {
                    // A long comparison lets the server's other requests run in between.
                    tokio::task::yield_now().await;
                }
                let iid = *indicator_ids
                    .get(v.indicator.as_str())
                    .ok_or_else(|| StoreError::NotFound(format!("planen har ingen indikator \"{}\"", v.indicator)))?;
                let (scope, region) = match &v.scope {
                    Scope::Region(c) => (
                        "region",
                        Some(*region_ids.get(c.as_str()).ok_or_else(|| StoreError::NotFound(format!("sjukvårdsregionen har ingen region {c}")))?),
                    ),
                    Scope::HealthcareRegion => ("healthcare_region", None),
                    Scope::National => ("national", None),
                };
                let period = v.period.to_string();
                let extracted = v.extracted.map(format_date);
                let subject = format!(
                    "indikator {} {} {}",
                    v.indicator,
                    if v.scope.notation().is_empty() { "sjukvårdsregionen" } else { v.scope.notation() },
                    v.period
                );
                match stored_values.get(&(iid, scope.to_owned(), region.unwrap_or(0), period.clone())) {
                    Some((id, old, old_extracted)) => {
                        if (old - v.value).abs() < 1e-12 && (extracted.is_none() || *old_extracted == extracted) {
                            continue;
                        }
                        staged.push(Staged {
                            value_id: Some(*id),
                            iid,
                            position: 0,
                            scope,
                            region,
                            period,
                            value: v.value,
                            extracted: extracted.or_else(|| old_extracted.clone()),
                            old: Some(*old),
                            old_extracted: old_extracted.clone(),
                            subject,
                        });
                    }
                    None => {
                        let next = next_position.entry(iid).or_insert(0);
                        staged.push(Staged {
                            value_id: None,
                            iid,
                            position: *next,
                            scope,
                            region,
                            period,
                            value: v.value,
                            extracted,
                            old: None,
                            old_extracted: None,
                            subject,
                        });
                        *next = next.saturating_add(1);
                    }
                }
            }
            let changed = staged.iter().filter(|s| s.value_id.is_some()).count();
            let added = staged.len() - changed;
            if staged.is_empty() {
                return Ok((0, 0));
            }
            let compared = started.elapsed();

            // 3. Staged in a temporary table of this connection: writing it takes no lock on the
            //    database, others keep saving meanwhile, and a crash leaves nothing behind.
            sqlx::query(
                "CREATE TEMP TABLE IF NOT EXISTS staged_indicator_values (seq INTEGER NOT NULL, value_id BIGINT, \
                 indicator_id BIGINT NOT NULL, position INTEGER NOT NULL, scope TEXT NOT NULL, region_id BIGINT, \
                 period TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, extracted TEXT, old_value DOUBLE PRECISION, \
                 old_extracted TEXT, subject TEXT NOT NULL, old_text TEXT, new_text TEXT NOT NULL)",
            )
            .execute(&mut *conn)
            .await?;
            sqlx::query("DELETE FROM staged_indicator_values").execute(&mut *conn).await?;
            {
                let mut stage = sqlx::Connection::begin(&mut *conn).await?;
                for (c, rows) in staged.chunks(BATCH_ROWS).enumerate() {
                    let mut q = sqlx::QueryBuilder::<$Db>::new(
                        "INSERT INTO staged_indicator_values (seq, value_id, indicator_id, position, scope, region_id, \
                         period, value, extracted, old_value, old_extracted, subject, old_text, new_text) ",
                    );
                    q.push_values(rows.iter().enumerate(), |mut b, (i, r)| {
                        b.push_bind(pos(c * BATCH_ROWS + i))
                            .push_bind(r.value_id)
                            .push_bind(r.iid)
                            .push_bind(r.position)
                            .push_bind(r.scope)
                            .push_bind(r.region)
                            .push_bind(r.period.as_str())
                            .push_bind(r.value)
                            .push_bind(r.extracted.as_deref())
                            .push_bind(r.old)
                            .push_bind(r.old_extracted.as_deref())
                            .push_bind(r.subject.as_str())
                            .push_bind(r.old.map(|o| o.to_string()))
                            .push_bind(r.value.to_string());
                    });
                    q.build().execute(&mut *stage).await?;
                }
                stage.commit().await?;
            }
            let staged_in = started.elapsed();

            // 4. Applied in one short write transaction: a few set-based statements, all or nothing.
            //    A change applies only to the value as it was read; if someone changed or removed one
            //    meanwhile, or added one the file adds, nothing is written.
            let applied = apply_staged_values(&mut conn, plan_id, actor).await;
            sqlx::query("DELETE FROM staged_indicator_values").execute(&mut *conn).await?;
            let locked = applied?;
            tracing::info!(
                rows = inputs.len(),
                added,
                changed,
                read_and_compared_ms = compared.as_millis() as u64,
                staged_ms = (staged_in - compared).as_millis() as u64,
                apply_transaction_ms = locked.as_millis() as u64,
                "indikatorvärden inlästa"
            );
            Ok((added, changed))
        }

        /// Applies the staged indicator values with their audit events; answers how long the write
        /// transaction took (on SQLite the time others' writes wait at most; PostgreSQL locks only
        /// the rows it changes).
        async fn apply_staged_values(
            conn: &mut Conn,
            plan_id: i64,
            actor: &Actor,
        ) -> Result<std::time::Duration, StoreError> {
            let moved = || {
                StoreError::Conflict(
                    "någon annan ändrade indikatorvärden medan filen lästes in; läs in filen igen".to_owned(),
                )
            };
            let mut tx = begin_write_on(conn).await?;
            let locked = std::time::Instant::now();
            let moved_meanwhile: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM staged_indicator_values s LEFT JOIN indicator_values v ON v.id = s.value_id \
                 WHERE s.value_id IS NOT NULL AND (v.id IS NULL OR v.value <> s.old_value \
                 OR COALESCE(v.extracted, '') <> COALESCE(s.old_extracted, ''))",
            )
            .fetch_one(&mut *tx)
            .await?;
            if moved_meanwhile > 0 {
                return Err(moved());
            }
            sqlx::query(
                "UPDATE indicator_values SET value = s.value, extracted = s.extracted FROM staged_indicator_values s \
                 WHERE s.value_id = indicator_values.id",
            )
            .execute(&mut *tx)
            .await?;
            let inserted = sqlx::query(
                "INSERT INTO indicator_values (indicator_id, position, scope, region_id, period, value, extracted, note) \
                 SELECT indicator_id, position, scope, region_id, period, value, extracted, '' \
                 FROM staged_indicator_values WHERE value_id IS NULL ORDER BY seq",
            )
            .execute(&mut *tx)
            .await;
            match inserted {
                Ok(_) => {}
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(moved()),
                Err(e) => return Err(e.into()),
            }
            sqlx::query(
                "INSERT INTO audit_events (at, actor_user_id, actor, plan_id, region_id, field, subject, old_value, new_value) \
                 SELECT $1, $2, $3, $4, region_id, $5, subject, old_text, new_text FROM staged_indicator_values ORDER BY seq",
            )
            .bind(timestamp(actor.at))
            .bind(actor.user_id)
            .bind(&actor.name)
            .bind(plan_id)
            .bind(AuditField::Indicator.as_str())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(locked.elapsed())
        }

        /// The definition of an indicator as stored (without its values), with its version and row id.
        async fn stored_definition(conn: &mut Conn, plan_id: i64, slug: &str) -> Result<Option<(i64, i32, Indicator)>, StoreError> {
            let Some(i) = sqlx::query(
                "SELECT id, version, slug, name, unit, higher_is_better, target, target_date, source, description \
                 FROM indicators WHERE plan_id = $1 AND slug = $2",
            )
            .bind(plan_id)
            .bind(slug)
            .fetch_optional(&mut *conn)
            .await?
            else {
                return Ok(None);
            };
            let iid: i64 = i.try_get("id")?;
            let mut goals = Vec::new();
            for g in sqlx::query(
                "SELECT a.number AS area_no, g.number AS goal_no FROM indicator_goals ig JOIN goals g ON g.id = ig.goal_id \
                 JOIN areas a ON a.id = g.area_id WHERE ig.indicator_id = $1 ORDER BY ig.position",
            )
            .bind(iid)
            .fetch_all(&mut *conn)
            .await?
            {
                goals.push(GoalRef::new(u32_of(g.try_get("area_no")?)?, u32_of(g.try_get("goal_no")?)?));
            }
            let target_date: Option<String> = i.try_get("target_date")?;
            Ok(Some((
                iid,
                i.try_get("version")?,
                Indicator {
                    slug: Slug::parse(&i.try_get::<String, _>("slug")?).map_err(corrupt)?,
                    name: i.try_get("name")?,
                    unit: i.try_get("unit")?,
                    higher_is_better: i.try_get("higher_is_better")?,
                    target: i.try_get("target")?,
                    target_date: target_date.as_deref().map(|d| parse_date(d).map_err(corrupt)).transpose()?,
                    source: i.try_get("source")?,
                    description: i.try_get("description")?,
                    goals,
                    values: Vec::new(),
                },
            )))
        }

        pub(crate) async fn indicator_versions(pool: &Pool, plan: &str) -> Result<Vec<(String, i32)>, StoreError> {
            let mut conn = pool.acquire().await?;
            let (plan_id, _) = plan_ids(&mut conn, plan).await?;
            let mut out = Vec::new();
            for r in sqlx::query("SELECT slug, version FROM indicators WHERE plan_id = $1 ORDER BY position")
                .bind(plan_id)
                .fetch_all(&mut *conn)
                .await?
            {
                out.push((r.try_get("slug")?, r.try_get("version")?));
            }
            Ok(out)
        }

        /// Adds an indicator (`expected_version` `None`) or changes one whose version is still
        /// `expected_version`; one audit event per changed field. Returns the new version.
        pub(crate) async fn save_indicator(
            pool: &Pool,
            plan: &str,
            def: &uppfolj_domain::indicator_def::Definition,
            expected_version: Option<i32>,
            actor: &Actor,
        ) -> Result<i32, StoreError> {
            let mut tx = begin_write(pool).await?;
            let (plan_id, _) = plan_ids(&mut tx, plan).await?;
            let slug = def.slug.as_str();
            let existing = stored_definition(&mut tx, plan_id, slug).await?;
            let mut goal_ids = Vec::new();
            for g in &def.goals {
                goal_ids.push(goal_db_id(&mut tx, plan_id, *g).await?);
            }
            let subject = format!("indikator {slug}");
            let (iid, version) = match (existing, expected_version) {
                (Some(_), None) => {
                    return Err(StoreError::Conflict(format!("det finns redan en indikator med kortnamnet \"{slug}\"")));
                }
                (None, Some(_)) => return Err(StoreError::NotFound(format!("planen har ingen indikator \"{slug}\""))),
                (Some((_, current, _)), Some(expected)) if current != expected => {
                    return Err(StoreError::Stale { current });
                }
                (Some((iid, current, old)), Some(_)) => {
                    let changes = uppfolj_domain::indicator_def::changes(&old, def);
                    if changes.is_empty() {
                        return Ok(current);
                    }
                    sqlx::query(
                        "UPDATE indicators SET name = $1, unit = $2, higher_is_better = $3, target = $4, target_date = $5, \
                         source = $6, description = $7, version = version + 1 WHERE id = $8 AND version = $9",
                    )
                    .bind(&def.name)
                    .bind(&def.unit)
                    .bind(def.higher_is_better)
                    .bind(def.target)
                    .bind(def.target_date.map(format_date))
                    .bind(&def.source)
                    .bind(&def.description)
                    .bind(iid)
                    .bind(current)
                    .execute(&mut *tx)
                    .await?;
                    for (what, before, after) in &changes {
                        audit(&mut tx, actor, (Some(plan_id), None, None, None), AuditField::Indicator, &format!("{subject}: {what}"), Some(before), Some(after), None).await?;
                    }
                    sqlx::query("DELETE FROM indicator_goals WHERE indicator_id = $1").bind(iid).execute(&mut *tx).await?;
                    (iid, current + 1)
                }
                (None, None) => {
                    let next: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(MAX(position) + 1, 0) AS BIGINT) FROM indicators WHERE plan_id = $1")
                        .bind(plan_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let iid: i64 = sqlx::query_scalar(
                        "INSERT INTO indicators (plan_id, position, slug, name, unit, higher_is_better, target, target_date, source, description, version) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) RETURNING id",
                    )
                    .bind(plan_id)
                    .bind(i32::try_from(next).unwrap_or(i32::MAX))
                    .bind(slug)
                    .bind(&def.name)
                    .bind(&def.unit)
                    .bind(def.higher_is_better)
                    .bind(def.target)
                    .bind(def.target_date.map(format_date))
                    .bind(&def.source)
                    .bind(&def.description)
                    .fetch_one(&mut *tx)
                    .await?;
                    audit(&mut tx, actor, (Some(plan_id), None, None, None), AuditField::Indicator, &subject, None, Some(&format!("ny indikator: {}", def.name)), None).await?;
                    (iid, 1)
                }
            };
            for (j, gid) in goal_ids.iter().enumerate() {
                sqlx::query("INSERT INTO indicator_goals (indicator_id, goal_id, position) VALUES ($1, $2, $3)")
                    .bind(iid)
                    .bind(gid)
                    .bind(i32::try_from(j).unwrap_or(i32::MAX))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(version)
        }

        /// Removes an indicator that has no values and no decided figures (a mistake, made right).
        pub(crate) async fn delete_indicator(pool: &Pool, plan: &str, slug: &str, expected_version: i32, actor: &Actor) -> Result<(), StoreError> {
            let mut tx = begin_write(pool).await?;
            let (plan_id, _) = plan_ids(&mut tx, plan).await?;
            let Some((iid, current, old)) = stored_definition(&mut tx, plan_id, slug).await? else {
                return Err(StoreError::NotFound(format!("planen har ingen indikator \"{slug}\"")));
            };
            if current != expected_version {
                return Err(StoreError::Stale { current });
            }
            let values: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM indicator_values WHERE indicator_id = $1").bind(iid).fetch_one(&mut *tx).await?;
            let decided: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM figure_decisions WHERE indicator_id = $1").bind(iid).fetch_one(&mut *tx).await?;
            if values > 0 {
                return Err(StoreError::Locked(format!(
                    "Indikatorn \"{}\" har {values} {} och kan därför inte tas bort; bara en indikator utan värden kan tas bort",
                    old.name,
                    if values == 1 { "värde" } else { "värden" }
                )));
            }
            if decided > 0 {
                return Err(StoreError::Locked(format!(
                    "Indikatorn \"{}\" kan inte tas bort: {decided} {} ur kommentarerna har bekräftats som dess värden, och de besluten ska gå att följa",
                    old.name,
                    if decided == 1 { "siffra" } else { "siffror" }
                )));
            }
            sqlx::query("DELETE FROM indicator_goals WHERE indicator_id = $1").bind(iid).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM indicators WHERE id = $1").bind(iid).execute(&mut *tx).await?;
            audit(&mut tx, actor, (Some(plan_id), None, None, None), AuditField::Indicator, &format!("indikator {slug}"), Some(&uppfolj_domain::indicator_def::describe(&old)), Some("borttagen"), None).await?;
            tx.commit().await?;
            Ok(())
        }

        /// Removes one value of an indicator (a figure recorded by mistake); the audit event keeps it.
        pub(crate) async fn delete_indicator_value(pool: &Pool, plan: &str, slug: &str, scope: &Scope, period: &Period, actor: &Actor) -> Result<(), StoreError> {
            let mut tx = begin_write(pool).await?;
            let (plan_id, _) = plan_ids(&mut tx, plan).await?;
            let iid = indicator_db_id(&mut tx, plan_id, slug).await?;
            let key = scope_key(&mut tx, plan_id, scope).await?;
            let who = if scope.notation().is_empty() { "sjukvårdsregionen" } else { scope.notation() };
            let Some((id, old, _)) = indicator_value_at(&mut tx, iid, key, period).await? else {
                return Err(StoreError::NotFound(format!("indikatorn {slug} har inget värde för {who} {period}")));
            };
            sqlx::query("DELETE FROM indicator_values WHERE id = $1").bind(id).execute(&mut *tx).await?;
            audit(&mut tx, actor, (Some(plan_id), None, None, key.1), AuditField::Indicator, &format!("indikator {slug} {who} {period}"), Some(&old.to_string()), Some("borttaget"), None).await?;
            tx.commit().await?;
            Ok(())
        }

        /// Every recorded change of an indicator: its definition and its values.
        pub(crate) async fn indicator_history(pool: &Pool, plan: &str, slug: &str) -> Result<Vec<AuditEvent>, StoreError> {
            let mut conn = pool.acquire().await?;
            let (plan_id, _) = plan_ids(&mut conn, plan).await?;
            // Slugs hold only a–z, digits and '-', so they are safe in a LIKE pattern.
            let subject = format!("indikator {slug}");
            let rows = sqlx::query(
                "SELECT at, actor, field, subject, old_value, new_value, reason FROM audit_events \
                 WHERE plan_id = $1 AND round_id IS NULL AND field = $2 AND (subject = $3 OR subject LIKE $4 OR subject LIKE $5) ORDER BY id",
            )
            .bind(plan_id)
            .bind(AuditField::Indicator.as_str())
            .bind(&subject)
            .bind(format!("{subject} %"))
            .bind(format!("{subject}:%"))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(event).collect()
        }

        pub(crate) async fn figure_decisions(pool: &Pool, plan: &str, year: i32) -> Result<Vec<FigureDecision>, StoreError> {
            let mut conn = pool.acquire().await?;
            let ids = round_ids(&mut conn, plan, year).await?;
            let mut out = Vec::new();
            for r in sqlx::query(
                "SELECT a.number AS area_no, g.number AS goal_no, d.author, d.scope, d.value, d.decision, i.slug, d.period, d.decided_by \
                 FROM figure_decisions d JOIN goals g ON g.id = d.goal_id JOIN areas a ON a.id = g.area_id \
                 LEFT JOIN indicators i ON i.id = d.indicator_id WHERE d.round_id = $1 ORDER BY d.id",
            )
            .bind(ids.round_id)
            .fetch_all(&mut *conn)
            .await?
            {
                out.push(FigureDecision {
                    goal: GoalRef::new(u32_of(r.try_get("area_no")?)?, u32_of(r.try_get("goal_no")?)?),
                    author: r.try_get("author")?,
                    scope: r.try_get("scope")?,
                    value: r.try_get("value")?,
                    confirmed: r.try_get::<String, _>("decision")? == "confirmed",
                    indicator: r.try_get("slug")?,
                    period: r.try_get("period")?,
                    decided_by: r.try_get("decided_by")?,
                });
            }
            Ok(out)
        }

        /// Records the RCC's decision on a figure from a comment; a confirmation adds the indicator value.
        pub(crate) async fn decide_figure(pool: &Pool, plan: &str, year: i32, d: &FigureInput, actor: &Actor) -> Result<(), StoreError> {
            let mut tx = begin_write(pool).await?;
            let ids = round_ids(&mut tx, plan, year).await?;
            let gid = goal_db_id(&mut tx, ids.plan_id, d.goal).await?;
            let taken: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM figure_decisions WHERE round_id = $1 AND goal_id = $2 AND author = $3 AND scope = $4 AND value = $5",
            )
            .bind(ids.round_id)
            .bind(gid)
            .bind(&d.author)
            .bind(d.scope.notation())
            .bind(d.value)
            .fetch_optional(&mut *tx)
            .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict("förslaget är redan bedömt".to_owned()));
            }
            let who = if d.scope.notation().is_empty() { "sjukvårdsregionen".to_owned() } else { d.scope.notation().to_owned() };
            let subject = format!("{year} mål {}: siffra {} för {who} i kommentar från {}", d.goal, d.value, d.author);
            let (indicator_id, period) = match &d.confirm {
                None => (None, None),
                Some((slug, period)) => {
                    let iid = indicator_db_id(&mut tx, ids.plan_id, slug.as_str()).await?;
                    let key = scope_key(&mut tx, ids.plan_id, &d.scope).await?;
                    if let Some((_, v, _)) = indicator_value_at(&mut tx, iid, key, period).await? {
                        return Err(StoreError::Conflict(format!(
                            "indikatorn {slug} har redan värdet {v} för {who} {period}; ändra det med en import av indikatorvärden"
                        )));
                    }
                    let note = format!("Kommentar från {}, mål {} ({year})", d.author, d.goal);
                    insert_indicator_value(&mut tx, iid, key, period, d.value, None, &note).await?;
                    (Some(iid), Some(period.to_string()))
                }
            };
            sqlx::query(
                "INSERT INTO figure_decisions (round_id, goal_id, author, scope, value, decision, indicator_id, period, decided_by, decided_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(ids.round_id)
            .bind(gid)
            .bind(&d.author)
            .bind(d.scope.notation())
            .bind(d.value)
            .bind(if indicator_id.is_some() { "confirmed" } else { "rejected" })
            .bind(indicator_id)
            .bind(&period)
            .bind(&actor.name)
            .bind(timestamp(actor.at))
            .execute(&mut *tx)
            .await?;
            let new = match (&d.confirm, &period) {
                (Some((slug, _)), Some(p)) => format!("bekräftad som {slug} {p}"),
                _ => "avvisad".to_owned(),
            };
            audit(&mut tx, actor, (Some(ids.plan_id), Some(ids.round_id), Some(gid), None), AuditField::Indicator, &subject, None, Some(&new), None).await?;
            tx.commit().await?;
            Ok(())
        }

        fn event(r: &<$Db as sqlx::Database>::Row) -> Result<AuditEvent, StoreError> {
            Ok(AuditEvent {
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                field: r.try_get("field")?,
                subject: r.try_get("subject")?,
                old: r.try_get("old_value")?,
                new: r.try_get("new_value")?,
                reason: r.try_get("reason")?,
            })
        }

        pub(crate) async fn cell_history(
            pool: &Pool,
            plan: &str,
            year: i32,
            goal: GoalRef,
            region: &RegionCode,
        ) -> Result<Vec<AuditEvent>, StoreError> {
            let mut conn = pool.acquire().await?;
            let ids = round_ids(&mut conn, plan, year).await?;
            let gid = goal_db_id(&mut conn, ids.plan_id, goal).await?;
            let rid = region_db_id(&mut conn, ids.plan_id, region).await?;
            sqlx::query(
                "SELECT at, actor, field, subject, old_value, new_value, reason FROM audit_events \
                 WHERE round_id = $1 AND goal_id = $2 AND region_id = $3 ORDER BY id",
            )
            .bind(ids.round_id)
            .bind(gid)
            .bind(rid)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(event)
            .collect()
        }

        pub(crate) async fn round_history(pool: &Pool, plan: &str, year: i32) -> Result<Vec<AuditEvent>, StoreError> {
            let mut conn = pool.acquire().await?;
            let ids = round_ids(&mut conn, plan, year).await?;
            sqlx::query("SELECT at, actor, field, subject, old_value, new_value, reason FROM audit_events WHERE round_id = $1 ORDER BY id")
                .bind(ids.round_id)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(event)
                .collect()
        }

        pub(crate) async fn dataset_as_of(pool: &Pool, slug: &str, year: i32, at: &str) -> Result<Option<Dataset>, StoreError> {
            let Some(mut data) = load_dataset(pool, slug).await? else { return Ok(None) };
            let mut conn = pool.acquire().await?;
            let ids = round_ids(&mut conn, slug, year).await?;
            let Some(round) = data.rounds.iter_mut().find(|r| r.year == year) else { return Ok(Some(data)) };
            for f in &mut round.goals {
                *f = GoalFollowUp::empty(f.goal);
            }
            round.states.clear();
            let rows = sqlx::query(
                "SELECT e.field, e.new_value, a.number AS area_no, g.number AS goal_no, r.code FROM audit_events e \
                 LEFT JOIN goals g ON g.id = e.goal_id LEFT JOIN areas a ON a.id = g.area_id \
                 LEFT JOIN regions r ON r.id = e.region_id WHERE e.round_id = $1 AND e.at <= $2 ORDER BY e.id",
            )
            .bind(ids.round_id)
            .bind(at)
            .fetch_all(&mut *conn)
            .await?;
            for row in rows {
                let field: String = row.try_get("field")?;
                let new: Option<String> = row.try_get("new_value")?;
                let region = row.try_get::<Option<String>, _>("code")?.map(|c| RegionCode::parse(&c)).transpose().map_err(corrupt)?;
                let goal = match (row.try_get::<Option<i32>, _>("area_no")?, row.try_get::<Option<i32>, _>("goal_no")?) {
                    (Some(a), Some(g)) => Some(GoalRef::new(u32_of(a)?, u32_of(g)?)),
                    _ => None,
                };
                let f = goal.and_then(|g| round.goals.iter_mut().find(|f| f.goal == g));
                match (field.as_str(), f, region) {
                    ("level", Some(f), Some(r)) => {
                        match new.as_deref().map(Level::parse).transpose().map_err(corrupt)? {
                            Some(l) if !l.is_blank() => f.levels.insert(r, l),
                            _ => f.levels.remove(&r),
                        };
                    }
                    ("comment", Some(f), Some(r)) => {
                        match new {
                            Some(t) => f.comments.insert(r, t),
                            None => f.comments.remove(&r),
                        };
                    }
                    ("condensed", Some(f), Some(r)) => {
                        match new {
                            Some(t) => f.condensed.insert(r, t),
                            None => f.condensed.remove(&r),
                        };
                    }
                    ("rcc_comment", Some(f), None) => f.rcc_comment = new,
                    ("region_state", None, Some(r)) => {
                        match new.as_deref().and_then(RegionState::parse) {
                            Some(s) if s != RegionState::NotStarted => round.states.insert(r, s),
                            _ => round.states.remove(&r),
                        };
                    }
                    _ => {}
                }
            }
            Ok(Some(data))
        }

        pub(crate) async fn action_plan(pool: &Pool, plan: &str, region: &RegionCode) -> Result<Vec<ActionPlanEntry>, StoreError> {
            let mut conn = pool.acquire().await?;
            let (plan_id, _) = plan_ids(&mut conn, plan).await?;
            let rid = region_db_id(&mut conn, plan_id, region).await?;
            let mut out = Vec::new();
            for g in sqlx::query(
                "SELECT g.id, a.number AS area_no, g.number AS goal_no, e.id AS entry_id, e.own_goal, e.current_state, e.version \
                 FROM goals g JOIN areas a ON a.id = g.area_id \
                 LEFT JOIN action_plan_entries e ON e.goal_id = g.id AND e.region_id = $2 AND e.plan_id = $1 \
                 WHERE a.plan_id = $1 ORDER BY a.number, g.number",
            )
            .bind(plan_id)
            .bind(rid)
            .fetch_all(&mut *conn)
            .await?
            {
                let entry_id: Option<i64> = g.try_get("entry_id")?;
                let mut activities = Vec::new();
                if let Some(eid) = entry_id {
                    for a in sqlx::query("SELECT id, text, responsible, due, status, version FROM activities WHERE entry_id = $1 ORDER BY id")
                        .bind(eid)
                        .fetch_all(&mut *conn)
                        .await?
                    {
                        activities.push(Activity {
                            id: a.try_get("id")?,
                            text: a.try_get("text")?,
                            responsible: a.try_get("responsible")?,
                            due: a.try_get::<Option<String>, _>("due")?.as_deref().map(date_of).transpose()?,
                            status: a.try_get("status")?,
                            version: a.try_get("version")?,
                        });
                    }
                }
                out.push(ActionPlanEntry {
                    goal: GoalRef::new(u32_of(g.try_get("area_no")?)?, u32_of(g.try_get("goal_no")?)?),
                    own_goal: g.try_get::<Option<String>, _>("own_goal")?.unwrap_or_default(),
                    current_state: g.try_get::<Option<String>, _>("current_state")?.unwrap_or_default(),
                    version: g.try_get::<Option<i32>, _>("version")?.unwrap_or(0),
                    activities,
                });
            }
            Ok(out)
        }

        /// The entry's id, creating an empty one (version 0) when the region has none for the goal.
        async fn entry_id(conn: &mut Conn, plan_id: i64, rid: i64, gid: i64) -> Result<i64, StoreError> {
            sqlx::query(
                "INSERT INTO action_plan_entries (plan_id, region_id, goal_id, own_goal, current_state, version) \
                 VALUES ($1, $2, $3, '', '', 0) ON CONFLICT (plan_id, region_id, goal_id) DO NOTHING",
            )
            .bind(plan_id)
            .bind(rid)
            .bind(gid)
            .execute(&mut *conn)
            .await?;
            Ok(sqlx::query_scalar("SELECT id FROM action_plan_entries WHERE plan_id = $1 AND region_id = $2 AND goal_id = $3")
                .bind(plan_id)
                .bind(rid)
                .bind(gid)
                .fetch_one(&mut *conn)
                .await?)
        }

        #[allow(clippy::too_many_arguments)]
        pub(crate) async fn save_action_plan_entry(
            pool: &Pool,
            plan: &str,
            region: &RegionCode,
            goal: GoalRef,
            own_goal: &str,
            current_state: &str,
            expected: i32,
            actor: &Actor,
        ) -> Result<i32, StoreError> {
            let own_goal = stored(TextKind::Comment, own_goal, || format!("regionens eget mål för mål {goal}"))?;
            let own_goal = own_goal.as_str();
            let current_state = stored(TextKind::Comment, current_state, || format!("nuläget för mål {goal}"))?;
            let current_state = current_state.as_str();
            let mut tx = begin_write(pool).await?;
            let (plan_id, _) = plan_ids(&mut tx, plan).await?;
            let gid = goal_db_id(&mut tx, plan_id, goal).await?;
            let rid = region_db_id(&mut tx, plan_id, region).await?;
            let eid = entry_id(&mut tx, plan_id, rid, gid).await?;
            let row = sqlx::query("SELECT own_goal, current_state, version FROM action_plan_entries WHERE id = $1")
                .bind(eid)
                .fetch_one(&mut *tx)
                .await?;
            let current: i32 = row.try_get("version")?;
            if current != expected {
                return Err(StoreError::Stale { current });
            }
            let (own_goal, current_state) = (own_goal.trim(), current_state.trim());
            let old = (row.try_get::<String, _>("own_goal")?, row.try_get::<String, _>("current_state")?);
            if old.0 == own_goal && old.1 == current_state {
                return Ok(current);
            }
            sqlx::query("UPDATE action_plan_entries SET own_goal = $1, current_state = $2, version = version + 1 WHERE id = $3 AND version = $4")
                .bind(own_goal)
                .bind(current_state)
                .bind(eid)
                .bind(expected)
                .execute(&mut *tx)
                .await?;
            let describe = |g: &str, s: &str| format!("Eget mål: {g}\nNuläge: {s}");
            let subject = format!("handlingsplan {region}, mål {goal}");
            audit(
                &mut tx,
                actor,
                (Some(plan_id), None, Some(gid), Some(rid)),
                AuditField::ActionPlan,
                &subject,
                Some(&describe(&old.0, &old.1)),
                Some(&describe(own_goal, current_state)),
                None,
            )
            .await?;
            tx.commit().await?;
            Ok(expected + 1)
        }

        fn describe_activity(a: &ActivityInput) -> String {
            format!(
                "{} · ansvarig: {} · klart: {} · status: {}",
                a.text.trim(),
                a.responsible.trim(),
                a.due.map(format_date).unwrap_or_else(|| "–".to_owned()),
                a.status
            )
        }

        fn check_activity(a: &ActivityInput) -> Result<(), StoreError> {
            if a.text.trim().is_empty() {
                return Err(StoreError::Invalid("aktiviteten saknar beskrivning".to_owned()));
            }
            if !crate::ACTIVITY_STATUSES.iter().any(|(k, _)| *k == a.status) {
                return Err(StoreError::Invalid(format!("\"{}\" är ingen status för en aktivitet", a.status)));
            }
            Ok(())
        }

        fn stored_activity(input: &ActivityInput) -> Result<ActivityInput, StoreError> {
            Ok(ActivityInput {
                text: stored(TextKind::Comment, &input.text, || "aktiviteten".to_owned())?,
                responsible: stored(TextKind::Line, &input.responsible, || "ansvarig".to_owned())?,
                due: input.due,
                status: input.status.clone(),
            })
        }

        pub(crate) async fn add_activity(
            pool: &Pool,
            plan: &str,
            region: &RegionCode,
            goal: GoalRef,
            input: &ActivityInput,
            actor: &Actor,
        ) -> Result<i64, StoreError> {
            let input = &stored_activity(input)?;
            check_activity(input)?;
            let mut tx = begin_write(pool).await?;
            let (plan_id, _) = plan_ids(&mut tx, plan).await?;
            let gid = goal_db_id(&mut tx, plan_id, goal).await?;
            let rid = region_db_id(&mut tx, plan_id, region).await?;
            let eid = entry_id(&mut tx, plan_id, rid, gid).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO activities (entry_id, text, responsible, due, status, version) VALUES ($1, $2, $3, $4, $5, 1) RETURNING id",
            )
            .bind(eid)
            .bind(input.text.trim())
            .bind(input.responsible.trim())
            .bind(input.due.map(format_date))
            .bind(&input.status)
            .fetch_one(&mut *tx)
            .await?;
            let subject = format!("handlingsplan {region}, mål {goal}: aktivitet");
            audit(&mut tx, actor, (Some(plan_id), None, Some(gid), Some(rid)), AuditField::Activity, &subject, None, Some(&describe_activity(input)), None)
                .await?;
            tx.commit().await?;
            Ok(id)
        }

        pub(crate) async fn update_activity(
            pool: &Pool,
            plan: &str,
            region: &RegionCode,
            id: i64,
            input: &ActivityInput,
            expected: i32,
            actor: &Actor,
        ) -> Result<i32, StoreError> {
            let input = &stored_activity(input)?;
            check_activity(input)?;
            let mut tx = begin_write(pool).await?;
            let (plan_id, _) = plan_ids(&mut tx, plan).await?;
            let rid = region_db_id(&mut tx, plan_id, region).await?;
            let row = sqlx::query(
                "SELECT t.text, t.responsible, t.due, t.status, t.version, e.goal_id, a.number AS area_no, g.number AS goal_no \
                 FROM activities t JOIN action_plan_entries e ON e.id = t.entry_id JOIN goals g ON g.id = e.goal_id \
                 JOIN areas a ON a.id = g.area_id WHERE t.id = $1 AND e.plan_id = $2 AND e.region_id = $3",
            )
            .bind(id)
            .bind(plan_id)
            .bind(rid)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("{region}s handlingsplan har ingen aktivitet {id}")))?;
            let current: i32 = row.try_get("version")?;
            if current != expected {
                return Err(StoreError::Stale { current });
            }
            let old = ActivityInput {
                text: row.try_get("text")?,
                responsible: row.try_get("responsible")?,
                due: row.try_get::<Option<String>, _>("due")?.as_deref().map(date_of).transpose()?,
                status: row.try_get("status")?,
            };
            sqlx::query("UPDATE activities SET text = $1, responsible = $2, due = $3, status = $4, version = version + 1 WHERE id = $5 AND version = $6")
                .bind(input.text.trim())
                .bind(input.responsible.trim())
                .bind(input.due.map(format_date))
                .bind(&input.status)
                .bind(id)
                .bind(expected)
                .execute(&mut *tx)
                .await?;
            let goal = GoalRef::new(u32_of(row.try_get("area_no")?)?, u32_of(row.try_get("goal_no")?)?);
            let subject = format!("handlingsplan {region}, mål {goal}: aktivitet");
            audit(
                &mut tx,
                actor,
                (Some(plan_id), None, Some(row.try_get("goal_id")?), Some(rid)),
                AuditField::Activity,
                &subject,
                Some(&describe_activity(&old)),
                Some(&describe_activity(input)),
                None,
            )
            .await?;
            tx.commit().await?;
            Ok(expected + 1)
        }

        struct FollowUpRow {
            id: i64,
            plan_id: i64,
            version: i32,
            signed: bool,
        }

        async fn followup_row(conn: &mut Conn, plan: &str, year: i32, process: &str) -> Result<FollowUpRow, StoreError> {
            let (plan_id, _) = plan_ids(conn, plan).await?;
            let row = sqlx::query(
                "SELECT f.id, f.version, f.signed_on FROM process_followups f JOIN processes p ON p.id = f.process_id \
                 WHERE p.plan_id = $1 AND p.slug = $2 AND f.year = $3",
            )
            .bind(plan_id)
            .bind(process)
            .bind(year)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("vårdprocessen \"{process}\" har ingen uppföljning för {year}")))?;
            Ok(FollowUpRow {
                id: row.try_get("id")?,
                plan_id,
                version: row.try_get("version")?,
                signed: row.try_get::<Option<String>, _>("signed_on")?.is_some(),
            })
        }

        fn followup_json(f: &ProcessFollowUp) -> String {
            serde_json::json!({
                "title": f.title,
                "goals": f.goals.iter().map(|g| serde_json::json!({
                    "text": g.text, "current_state": g.current_state, "target_levels": g.target_levels,
                    "target_date": g.target_date, "followup": g.followup,
                })).collect::<Vec<_>>(),
                "comments": f.comments,
                "long_term": f.long_term,
                "level_structuring": f.level_structuring,
                "patient_involvement": f.patient_involvement,
                "other": f.other,
            })
            .to_string()
        }

        pub(crate) async fn process_followup_version(pool: &Pool, plan: &str, year: i32, process: &str) -> Result<i32, StoreError> {
            let mut conn = pool.acquire().await?;
            Ok(followup_row(&mut conn, plan, year, process).await?.version)
        }

        /// A process follow-up with every text as it may be stored.
        fn stored_followup(f: &ProcessFollowUp) -> Result<ProcessFollowUp, StoreError> {
            let long = |t: &str, what: &str| stored(TextKind::Long, t, || what.to_owned());
            let comment = |t: &str, what: &str| stored(TextKind::Comment, t, || what.to_owned());
            let goals = f
                .goals
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let what = |field: &str| format!("{field} för processmål {}", i + 1);
                    Ok(ProcessGoal {
                        text: comment(&g.text, &what("texten"))?,
                        current_state: comment(&g.current_state, &what("nuläget"))?,
                        target_levels: g.target_levels.iter().map(|t| comment(t, &what("målnivån"))).collect::<Result<_, _>>()?,
                        target_date: stored(TextKind::Line, &g.target_date, || what("tidpunkten"))?,
                        followup: comment(&g.followup, &what("uppföljningen"))?,
                    })
                })
                .collect::<Result<Vec<ProcessGoal>, StoreError>>()?;
            Ok(ProcessFollowUp {
                title: stored(TextKind::Line, &f.title, || "rubriken".to_owned())?,
                goals,
                comments: long(&f.comments, "kommentarerna")?,
                long_term: f.long_term.iter().map(|t| comment(t, "långsiktigt förbättringsarbete")).collect::<Result<_, _>>()?,
                level_structuring: long(&f.level_structuring, "nivåstrukturering")?,
                patient_involvement: long(&f.patient_involvement, "patientsamverkan")?,
                other: long(&f.other, "övrigt aktuellt")?,
                ..f.clone()
            })
        }

        pub(crate) async fn save_process_followup(
            pool: &Pool,
            plan: &str,
            f: &ProcessFollowUp,
            expected: i32,
            actor: &Actor,
        ) -> Result<i32, StoreError> {
            let f = &stored_followup(f)?;
            let mut tx = begin_write(pool).await?;
            let row = followup_row(&mut tx, plan, f.year, f.process.as_str()).await?;
            if row.signed {
                return Err(StoreError::Locked(
                    "uppföljningen är signerad och kan inte ändras; RCC kan öppna den igen med ett skäl".to_owned(),
                ));
            }
            if row.version != expected {
                return Err(StoreError::Stale { current: row.version });
            }
            let Some(old) = load_dataset(pool, plan).await?.and_then(|d| {
                d.process_followups.into_iter().find(|x| x.process == f.process && x.year == f.year)
            }) else {
                return Err(StoreError::NotFound(format!("vårdprocessen \"{}\" har ingen uppföljning för {}", f.process, f.year)));
            };
            if f.goals.len() < old.goals.len() {
                return Err(StoreError::Invalid("mål kan inte tas bort ur en processuppföljning".to_owned()));
            }
            sqlx::query(
                "UPDATE process_followups SET title = $1, comments = $2, long_term = $3, level_structuring = $4, \
                 patient_involvement = $5, other = $6, version = version + 1 WHERE id = $7 AND version = $8",
            )
            .bind(&f.title)
            .bind(&f.comments)
            .bind(json_list(&f.long_term))
            .bind(&f.level_structuring)
            .bind(&f.patient_involvement)
            .bind(&f.other)
            .bind(row.id)
            .bind(expected)
            .execute(&mut *tx)
            .await?;
            for (i, g) in f.goals.iter().enumerate() {
                let q = if i < old.goals.len() {
                    "UPDATE process_goals SET text = $3, current_state = $4, target_levels = $5, target_date = $6, followup = $7 \
                     WHERE followup_id = $1 AND position = $2"
                } else {
                    "INSERT INTO process_goals (followup_id, position, text, current_state, target_levels, target_date, followup) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)"
                };
                sqlx::query(q)
                    .bind(row.id)
                    .bind(pos(i))
                    .bind(&g.text)
                    .bind(&g.current_state)
                    .bind(json_list(&g.target_levels))
                    .bind(&g.target_date)
                    .bind(&g.followup)
                    .execute(&mut *tx)
                    .await?;
            }
            let subject = format!("processuppföljning {} {}", f.process, f.year);
            audit(&mut tx, actor, (Some(row.plan_id), None, None, None), AuditField::ProcessFollowUp, &subject, Some(&followup_json(&old)), Some(&followup_json(f)), None)
                .await?;
            tx.commit().await?;
            Ok(expected + 1)
        }

        #[allow(clippy::too_many_arguments)]
        pub(crate) async fn sign_process_followup(
            pool: &Pool,
            plan: &str,
            year: i32,
            process: &str,
            name: &str,
            on: Date,
            expected: i32,
            actor: &Actor,
        ) -> Result<i32, StoreError> {
            let name = stored(TextKind::Line, name, || "namnet på den som signerar".to_owned())?;
            let name = name.as_str();
            let mut tx = begin_write(pool).await?;
            let row = followup_row(&mut tx, plan, year, process).await?;
            if row.signed {
                return Err(StoreError::Locked("uppföljningen är redan signerad".to_owned()));
            }
            if row.version != expected {
                return Err(StoreError::Stale { current: row.version });
            }
            let name = name.trim();
            if name.is_empty() {
                return Err(StoreError::Invalid("ange namnet på den som signerar".to_owned()));
            }
            sqlx::query("UPDATE process_followups SET signed_by = $1, signed_on = $2, version = version + 1 WHERE id = $3 AND version = $4")
                .bind(name)
                .bind(format_date(on))
                .bind(row.id)
                .bind(expected)
                .execute(&mut *tx)
                .await?;
            let subject = format!("processuppföljning {process} {year}: signering");
            let new = format!("signerad av {name} den {}", swedish_date(on));
            audit(&mut tx, actor, (Some(row.plan_id), None, None, None), AuditField::ProcessFollowUp, &subject, None, Some(&new), None).await?;
            tx.commit().await?;
            Ok(expected + 1)
        }

        pub(crate) async fn reopen_process_followup(
            pool: &Pool,
            plan: &str,
            year: i32,
            process: &str,
            reason: &str,
            actor: &Actor,
        ) -> Result<i32, StoreError> {
            let reason = stored(TextKind::Reason, reason, || "skälet".to_owned())?;
            let reason = reason.as_str();
            let mut tx = begin_write(pool).await?;
            let row = followup_row(&mut tx, plan, year, process).await?;
            if !row.signed {
                return Err(StoreError::Invalid("uppföljningen är inte signerad".to_owned()));
            }
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(StoreError::Invalid("ange ett skäl när en signerad uppföljning öppnas igen".to_owned()));
            }
            sqlx::query("UPDATE process_followups SET signed_by = NULL, signed_on = NULL, version = version + 1 WHERE id = $1")
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
            let subject = format!("processuppföljning {process} {year}: signering");
            audit(&mut tx, actor, (Some(row.plan_id), None, None, None), AuditField::ProcessFollowUp, &subject, Some("signerad"), Some("öppnad igen"), Some(reason))
                .await?;
            tx.commit().await?;
            Ok(row.version + 1)
        }

        const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, r.code AS region_code, u.process_slug, \
             u.restricted_access, u.password_hash, u.created_at FROM users u LEFT JOIN regions r ON r.id = u.region_id";

        fn user_record(r: &<$Db as sqlx::Database>::Row) -> Result<UserRecord, StoreError> {
            let role: String = r.try_get("role")?;
            Ok(UserRecord {
                account: Account {
                    id: r.try_get("id")?,
                    username: r.try_get("username")?,
                    display_name: r.try_get("display_name")?,
                    role: Role::parse(&role).ok_or_else(|| corrupt(format!("roll \"{role}\"")))?,
                    region: r.try_get::<Option<String>, _>("region_code")?.map(|c| RegionCode::parse(&c)).transpose().map_err(corrupt)?,
                    process: r.try_get::<Option<String>, _>("process_slug")?.map(|s| Slug::parse(&s)).transpose().map_err(corrupt)?,
                    restricted_access: r.try_get("restricted_access")?,
                },
                password_hash: r.try_get("password_hash")?,
                created_at: r.try_get("created_at")?,
            })
        }

        pub(crate) async fn create_user(pool: &Pool, u: &NewUser, actor: &Actor) -> Result<i64, StoreError> {
            let display_name = stored(TextKind::Line, &u.display_name, || "visningsnamnet".to_owned())?;
            let u = &NewUser { display_name, ..u.clone() };
            let mut tx = begin_write(pool).await?;
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                .bind(&u.username)
                .fetch_optional(&mut *tx)
                .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!("det finns redan en användare \"{}\"", u.username)));
            }
            let region_id = match &u.region {
                None => None,
                Some(code) => {
                    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM regions WHERE code = $1")
                        .bind(code.as_str())
                        .fetch_all(&mut *tx)
                        .await?;
                    match ids.as_slice() {
                        [id] => Some(*id),
                        [] => return Err(StoreError::NotFound(format!("det finns ingen region \"{code}\""))),
                        _ => return Err(StoreError::Invalid(format!("regionkoden \"{code}\" finns i flera sjukvårdsregioner"))),
                    }
                }
            };
            if let Some(p) = &u.process {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM processes WHERE slug = $1")
                    .bind(p.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                if n == 0 {
                    return Err(StoreError::NotFound(format!("det finns ingen vårdprocess \"{p}\"")));
                }
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (username, display_name, role, region_id, process_slug, restricted_access, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&u.username)
            .bind(&u.display_name)
            .bind(u.role.as_str())
            .bind(region_id)
            .bind(u.process.as_ref().map(Slug::as_str))
            .bind(u.restricted_access)
            .bind(&u.password_hash)
            .bind(timestamp(actor.at))
            .fetch_one(&mut *tx)
            .await?;
            let mut role = u.role.as_str().to_owned();
            if let Some(r) = &u.region {
                role.push_str(&format!(" ({r})"));
            }
            if let Some(p) = &u.process {
                role.push_str(&format!(" ({p})"));
            }
            let subject = format!("användare {}", u.username);
            audit(&mut tx, actor, (None, None, None, region_id), AuditField::Role, &subject, None, Some(&role), None).await?;
            tx.commit().await?;
            Ok(id)
        }

        pub(crate) async fn users(pool: &Pool) -> Result<Vec<UserRecord>, StoreError> {
            sqlx::query(&format!("{USER_SELECT} ORDER BY u.username")).fetch_all(pool).await?.iter().map(user_record).collect()
        }

        pub(crate) async fn user_by_username(pool: &Pool, username: &str) -> Result<Option<UserRecord>, StoreError> {
            sqlx::query(&format!("{USER_SELECT} WHERE u.username = $1"))
                .bind(username)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(user_record)
                .transpose()
        }

        pub(crate) async fn user_by_id(pool: &Pool, id: i64) -> Result<Option<UserRecord>, StoreError> {
            sqlx::query(&format!("{USER_SELECT} WHERE u.id = $1")).bind(id).fetch_optional(pool).await?.as_ref().map(user_record).transpose()
        }

        pub(crate) async fn set_password(pool: &Pool, user_id: i64, hash: &str, actor: &Actor) -> Result<(), StoreError> {
            let mut tx = begin_write(pool).await?;
            let name: String = sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("ingen användare med id {user_id}")))?;
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user_id).execute(&mut *tx).await?;
            let subject = format!("användare {name}");
            audit(&mut tx, actor, (None, None, None, None), AuditField::Password, &subject, None, Some("nytt lösenord"), None).await?;
            tx.commit().await?;
            Ok(())
        }

        pub(crate) async fn create_session(pool: &Pool, token_hash: &str, s: &SessionRecord, now: &str) -> Result<(), StoreError> {
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(pool).await?;
            sqlx::query("INSERT INTO sessions (token_hash, user_id, auth_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash)
                .bind(s.user_id)
                .bind(&s.auth_hash)
                .bind(now)
                .bind(&s.expires_at)
                .execute(pool)
                .await?;
            Ok(())
        }

        pub(crate) async fn session(pool: &Pool, token_hash: &str, now: &str) -> Result<Option<SessionRecord>, StoreError> {
            let Some(r) = sqlx::query("SELECT user_id, auth_hash, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash)
                .bind(now)
                .fetch_optional(pool)
                .await?
            else {
                return Ok(None);
            };
            Ok(Some(SessionRecord {
                user_id: r.try_get("user_id")?,
                auth_hash: r.try_get("auth_hash")?,
                expires_at: r.try_get("expires_at")?,
            }))
        }

        pub(crate) async fn delete_session(pool: &Pool, token_hash: &str) -> Result<(), StoreError> {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
            Ok(())
        }

        pub(crate) async fn create_token(pool: &Pool, user_id: i64, name: &str, token_hash: &str, actor: &Actor) -> Result<(), StoreError> {
            let mut tx = begin_write(pool).await?;
            sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)")
                .bind(user_id)
                .bind(name)
                .bind(token_hash)
                .bind(timestamp(actor.at))
                .execute(&mut *tx)
                .await?;
            let subject = format!("API-nyckel för användare {user_id}");
            audit(&mut tx, actor, (None, None, None, None), AuditField::Token, &subject, None, Some(name), None).await?;
            tx.commit().await?;
            Ok(())
        }

        pub(crate) async fn user_by_token(pool: &Pool, token_hash: &str) -> Result<Option<UserRecord>, StoreError> {
            sqlx::query(&format!("{USER_SELECT} JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1"))
                .bind(token_hash)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(user_record)
                .transpose()
        }
    };
}

/// `impl Store` for a backend type whose module has instantiated `store_common!` and `store_workflow!`
/// and defines `pool`, `run_migrations` and `BACKEND`.
macro_rules! store_impl {
    ($Store:ty) => {
        #[async_trait::async_trait]
        impl crate::Store for $Store {
            fn backend(&self) -> crate::Backend {
                BACKEND
            }
            async fn migrate(&self) -> Result<(), StoreError> {
                self.run_migrations().await
            }
            async fn is_empty(&self) -> Result<bool, StoreError> {
                Ok(count_plans(&self.pool).await? == 0)
            }
            async fn check_read(&self) -> Result<(), StoreError> {
                count_plans(&self.pool).await.map(|_| ())
            }
            async fn check_write(&self, now: &str) -> Result<(), StoreError> {
                let mut tx = begin_write(&self.pool).await?;
                sqlx::query("UPDATE health_checks SET checked_at = $1 WHERE id = 1")
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
            async fn import(&self, data: &Dataset, actor: &Actor, progress: Progress<'_>) -> Result<(), StoreError> {
                let mut tx = begin_write(&self.pool).await?;
                import_dataset(&mut tx, data, actor, progress).await?;
                tx.commit().await?;
                Ok(())
            }
            async fn plans(&self) -> Result<Vec<PlanListing>, StoreError> {
                list_plans(&self.pool).await
            }
            async fn dataset(&self, slug: &str) -> Result<Option<Dataset>, StoreError> {
                load_dataset(&self.pool, slug).await
            }
            async fn dataset_as_of(&self, slug: &str, year: i32, at: &str) -> Result<Option<Dataset>, StoreError> {
                dataset_as_of(&self.pool, slug, year, at).await
            }
            async fn open_round(&self, plan: &str, year: i32, deadline: Date, actor: &Actor) -> Result<(), StoreError> {
                open_round(&self.pool, plan, year, deadline, actor).await
            }
            async fn set_round_status(
                &self,
                plan: &str,
                year: i32,
                status: RoundStatus,
                reason: Option<&str>,
                allow_incomplete: bool,
                actor: &Actor,
            ) -> Result<(), StoreError> {
                set_round_status(&self.pool, plan, year, status, reason, allow_incomplete, actor).await
            }
            async fn round_work(&self, plan: &str, year: i32) -> Result<RoundWork, StoreError> {
                round_work(&self.pool, plan, year).await
            }
            async fn save_cells(
                &self,
                plan: &str,
                year: i32,
                region: &RegionCode,
                edits: &[CellEdit],
                by_region: bool,
                actor: &Actor,
            ) -> Result<Vec<i32>, StoreError> {
                save_cells(&self.pool, plan, year, region, edits, by_region, actor).await
            }
            async fn save_narrative(
                &self,
                plan: &str,
                year: i32,
                introduction: &str,
                sections: &[SummarySection],
                expected_version: i32,
                actor: &Actor,
            ) -> Result<i32, StoreError> {
                save_narrative(&self.pool, plan, year, introduction, sections, expected_version, actor).await
            }
            async fn import_indicator_values(
                &self,
                plan: &str,
                inputs: &[uppfolj_domain::indicator_import::ValueInput],
                actor: &Actor,
            ) -> Result<(usize, usize), StoreError> {
                import_indicator_values(&self.pool, plan, inputs, actor).await
            }
            async fn indicator_versions(&self, plan: &str) -> Result<Vec<(String, i32)>, StoreError> {
                indicator_versions(&self.pool, plan).await
            }
            async fn save_indicator(
                &self,
                plan: &str,
                def: &uppfolj_domain::indicator_def::Definition,
                expected_version: Option<i32>,
                actor: &Actor,
            ) -> Result<i32, StoreError> {
                save_indicator(&self.pool, plan, def, expected_version, actor).await
            }
            async fn delete_indicator(
                &self,
                plan: &str,
                slug: &str,
                expected_version: i32,
                actor: &Actor,
            ) -> Result<(), StoreError> {
                delete_indicator(&self.pool, plan, slug, expected_version, actor).await
            }
            async fn delete_indicator_value(
                &self,
                plan: &str,
                slug: &str,
                scope: &Scope,
                period: &Period,
                actor: &Actor,
            ) -> Result<(), StoreError> {
                delete_indicator_value(&self.pool, plan, slug, scope, period, actor).await
            }
            async fn indicator_history(&self, plan: &str, slug: &str) -> Result<Vec<AuditEvent>, StoreError> {
                indicator_history(&self.pool, plan, slug).await
            }
            async fn figure_decisions(&self, plan: &str, year: i32) -> Result<Vec<FigureDecision>, StoreError> {
                figure_decisions(&self.pool, plan, year).await
            }
            async fn decide_figure(
                &self,
                plan: &str,
                year: i32,
                input: &FigureInput,
                actor: &Actor,
            ) -> Result<(), StoreError> {
                decide_figure(&self.pool, plan, year, input, actor).await
            }
            async fn save_condensed(
                &self,
                plan: &str,
                year: i32,
                goal: GoalRef,
                region: &RegionCode,
                text: Option<&str>,
                expected_version: i32,
                actor: &Actor,
            ) -> Result<i32, StoreError> {
                save_condensed(&self.pool, plan, year, goal, region, text, expected_version, actor).await
            }
            async fn save_rcc_comment(
                &self,
                plan: &str,
                year: i32,
                goal: GoalRef,
                text: &str,
                expected_version: i32,
                actor: &Actor,
            ) -> Result<i32, StoreError> {
                save_rcc_comment(&self.pool, plan, year, goal, text, expected_version, actor).await
            }
            async fn change_region_state(
                &self,
                plan: &str,
                year: i32,
                region: &RegionCode,
                action: &StateAction,
                expected_version: Option<i32>,
                actor: &Actor,
            ) -> Result<RegionState, StoreError> {
                change_region_state(&self.pool, plan, year, region, action, expected_version, actor).await
            }
            async fn cell_history(
                &self,
                plan: &str,
                year: i32,
                goal: GoalRef,
                region: &RegionCode,
            ) -> Result<Vec<AuditEvent>, StoreError> {
                cell_history(&self.pool, plan, year, goal, region).await
            }
            async fn round_history(&self, plan: &str, year: i32) -> Result<Vec<AuditEvent>, StoreError> {
                round_history(&self.pool, plan, year).await
            }
            async fn action_plan(&self, plan: &str, region: &RegionCode) -> Result<Vec<ActionPlanEntry>, StoreError> {
                action_plan(&self.pool, plan, region).await
            }
            async fn save_action_plan_entry(
                &self,
                plan: &str,
                region: &RegionCode,
                goal: GoalRef,
                own_goal: &str,
                current_state: &str,
                expected_version: i32,
                actor: &Actor,
            ) -> Result<i32, StoreError> {
                save_action_plan_entry(&self.pool, plan, region, goal, own_goal, current_state, expected_version, actor)
                    .await
            }
            async fn add_activity(
                &self,
                plan: &str,
                region: &RegionCode,
                goal: GoalRef,
                input: &ActivityInput,
                actor: &Actor,
            ) -> Result<i64, StoreError> {
                add_activity(&self.pool, plan, region, goal, input, actor).await
            }
            async fn update_activity(
                &self,
                plan: &str,
                region: &RegionCode,
                id: i64,
                input: &ActivityInput,
                expected_version: i32,
                actor: &Actor,
            ) -> Result<i32, StoreError> {
                update_activity(&self.pool, plan, region, id, input, expected_version, actor).await
            }
            async fn process_followup_version(&self, plan: &str, year: i32, process: &str) -> Result<i32, StoreError> {
                process_followup_version(&self.pool, plan, year, process).await
            }
            async fn save_process_followup(
                &self,
                plan: &str,
                followup: &ProcessFollowUp,
                expected_version: i32,
                actor: &Actor,
            ) -> Result<i32, StoreError> {
                save_process_followup(&self.pool, plan, followup, expected_version, actor).await
            }
            async fn sign_process_followup(
                &self,
                plan: &str,
                year: i32,
                process: &str,
                name: &str,
                on: Date,
                expected_version: i32,
                actor: &Actor,
            ) -> Result<i32, StoreError> {
                sign_process_followup(&self.pool, plan, year, process, name, on, expected_version, actor).await
            }
            async fn reopen_process_followup(
                &self,
                plan: &str,
                year: i32,
                process: &str,
                reason: &str,
                actor: &Actor,
            ) -> Result<i32, StoreError> {
                reopen_process_followup(&self.pool, plan, year, process, reason, actor).await
            }
            async fn create_user(&self, user: &NewUser, actor: &Actor) -> Result<i64, StoreError> {
                create_user(&self.pool, user, actor).await
            }
            async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
                users(&self.pool).await
            }
            async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
                user_by_username(&self.pool, username).await
            }
            async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
                user_by_id(&self.pool, id).await
            }
            async fn set_password(&self, user_id: i64, password_hash: &str, actor: &Actor) -> Result<(), StoreError> {
                set_password(&self.pool, user_id, password_hash, actor).await
            }
            async fn create_session(
                &self,
                token_hash: &str,
                session: &SessionRecord,
                now: &str,
            ) -> Result<(), StoreError> {
                create_session(&self.pool, token_hash, session, now).await
            }
            async fn session(&self, token_hash: &str, now: &str) -> Result<Option<SessionRecord>, StoreError> {
                session(&self.pool, token_hash, now).await
            }
            async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
                delete_session(&self.pool, token_hash).await
            }
            async fn create_token(
                &self,
                user_id: i64,
                name: &str,
                token_hash: &str,
                actor: &Actor,
            ) -> Result<(), StoreError> {
                create_token(&self.pool, user_id, name, token_hash, actor).await
            }
            async fn user_by_token(&self, token_hash: &str) -> Result<Option<UserRecord>, StoreError> {
                user_by_token(&self.pool, token_hash).await
            }
            async fn close(&self) {
                self.pool.close().await;
            }
        }
    };
}
