//! Indicators as long-lived series of the healthcare region. An indicator is defined in one plan,
//! which keeps it; a plan whose goals carry that plan's goals on is linked to it through its goals,
//! so that the figures of 2024 and of 2026 are one series, on both plans' pages and charts. What a
//! plan sees, which plans a change of a series changes, and a series carried on by a new plan (in
//! the app, or by a data file that names the plan before).

use sqlx::Row as _;
use uppfolj_domain::ids::format_date;
use uppfolj_domain::{Indicator, Scope};

use super::{Conn, Tx};
use crate::StoreError;

/// The indicators plan `$1` sees: its own, and the series of other plans (of the plans before it)
/// that its goals are linked to. An indicator is a long-lived series of the healthcare region: the
/// plan it was defined in keeps it, and a plan whose goals carry that plan's goals on links them
/// to it, so that the figures of 2024 and of 2026 are one series on both plans' pages.
pub(super) const SEEN_BY_PLAN: &str = "(i.plan_id = $1 OR i.id IN (SELECT ig.indicator_id FROM indicator_goals ig \
     JOIN goals g ON g.id = ig.goal_id JOIN areas a ON a.id = g.area_id WHERE a.plan_id = $1))";

/// The series a plan sees in its order: those of the plans before first, then its own.
pub(super) const SERIES_ORDER: &str = "ORDER BY CASE WHEN i.plan_id = $1 THEN 1 ELSE 0 END, i.position, i.id";

/// The plans that see indicator `iid` (the one it was defined in and those whose goals are linked
/// to it): a change of it changes their pages too.
pub(super) async fn series_plans(conn: &mut Conn, iid: i64) -> Result<Vec<i64>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT plan_id FROM indicators WHERE id = $1 UNION SELECT a.plan_id FROM indicator_goals ig \
         JOIN goals g ON g.id = ig.goal_id JOIN areas a ON a.id = g.area_id WHERE ig.indicator_id = $1",
    )
    .bind(iid)
    .fetch_all(&mut *conn)
    .await?)
}

/// Marks every plan that sees indicator `iid` as changed by `tx`.
pub(super) async fn touch_series(tx: &mut Tx<'_>, iid: i64) -> Result<(), StoreError> {
    for plan in series_plans(tx, iid).await? {
        tx.touch_plan(plan);
    }
    Ok(())
}

/// Links the goals of plan `plan_id` that carry goals of the plan before on to those goals'
/// indicators: a successor written in the app goes on with the series of the goals it continues.
pub(super) async fn link_successor(tx: &mut Tx<'_>, plan_id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO indicator_goals (indicator_id, goal_id, position) \
         SELECT ig.indicator_id, l.goal_id, MIN(ig.position) FROM goal_links l \
         JOIN indicator_goals ig ON ig.goal_id = l.predecessor_goal_id \
         JOIN goals g ON g.id = l.goal_id JOIN areas a ON a.id = g.area_id WHERE a.plan_id = $1 \
         GROUP BY ig.indicator_id, l.goal_id",
    )
    .bind(plan_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The series of the plan before (`before_id`) that a data file's indicator of the same short name
/// carries on: its goals (of the new plan, `goal_ids`) are linked to it and its values not yet in
/// the series added. `None`: the plan before sees no such series, and the indicator is a new one.
/// The definition must be the series' own and a value the series already has the same: a file
/// that says otherwise is refused, naming the indicator and what differs, and nothing is written.
pub(super) async fn continue_series(
    tx: &mut Tx<'_>,
    before_id: i64,
    ind: &Indicator,
    goal_ids: &[i64],
    region_id: &(dyn Fn(&uppfolj_domain::RegionCode) -> Result<i64, StoreError> + Sync),
) -> Result<Option<i64>, StoreError> {
    let Some(row) = sqlx::query(&format!(
        "SELECT i.id, i.name, i.unit, i.higher_is_better, i.target, i.target_date, i.source, i.description \
         FROM indicators i WHERE {SEEN_BY_PLAN} AND i.slug = $2"
    ))
    .bind(before_id)
    .bind(ind.slug.as_str())
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let iid: i64 = row.try_get("id")?;
    let slug = &ind.slug;
    let differs = |what: &str| {
        StoreError::Invalid(format!(
            "indikatorn {slug} fortsätter serien med samma kortnamn i planen före, men dess {what} skiljer sig från \
             seriens; ändra definitionen i appen, eller skriv den som serien har den"
        ))
    };
    let target_date: Option<String> = row.try_get("target_date")?;
    let same = [
        ("namn", row.try_get::<String, _>("name")? == ind.name),
        ("enhet", row.try_get::<String, _>("unit")? == ind.unit),
        ("riktning (higher_is_better)", row.try_get::<bool, _>("higher_is_better")? == ind.higher_is_better),
        ("målvärde", row.try_get::<Option<f64>, _>("target")? == ind.target),
        ("måldatum", target_date == ind.target_date.map(format_date)),
        ("källa", row.try_get::<String, _>("source")? == ind.source),
        ("beskrivning", row.try_get::<String, _>("description")? == ind.description),
    ];
    if let Some((what, _)) = same.iter().find(|(_, same)| !same) {
        return Err(differs(what));
    }
    for (j, gid) in goal_ids.iter().enumerate() {
        sqlx::query("INSERT INTO indicator_goals (indicator_id, goal_id, position) VALUES ($1, $2, $3)")
            .bind(iid)
            .bind(gid)
            .bind(super::pos(j))
            .execute(&mut **tx)
            .await?;
    }
    let stored = sqlx::query("SELECT scope, region_id, period, value FROM indicator_values WHERE indicator_id = $1")
        .bind(iid)
        .fetch_all(&mut **tx)
        .await?;
    let mut have = std::collections::HashMap::new();
    for v in &stored {
        let key = (v.try_get::<String, _>("scope")?, v.try_get::<Option<i64>, _>("region_id")?, v.try_get("period")?);
        have.insert(key, v.try_get::<f64, _>("value")?);
    }
    let mut new = Vec::new();
    for v in &ind.values {
        let (scope, rid) = match &v.scope {
            Scope::Region(c) => ("region", Some(region_id(c)?)),
            Scope::HealthcareRegion => ("healthcare_region", None),
            Scope::National => ("national", None),
        };
        let period = v.period.to_string();
        match have.get(&(scope.to_owned(), rid, period.clone())) {
            Some(old) if *old == v.value => continue,
            Some(old) => {
                let who = if v.scope.notation().is_empty() { "sjukvårdsregionen" } else { v.scope.notation() };
                return Err(StoreError::Invalid(format!(
                    "indikatorn {slug} fortsätter serien i planen före, som har värdet {old} för {who} {period}; \
                     filen säger {}",
                    v.value
                )));
            }
            None => new.push((scope, rid, period, v.extracted.map(format_date), v)),
        }
    }
    let first = i32::try_from(stored.len()).unwrap_or(i32::MAX);
    let mut rows = super::bulk::Rows::new(
        "indicator_values",
        &["indicator_id", "position", "scope", "region_id", "period", "value", "extracted", "note"],
    );
    for (j, (scope, rid, period, extracted, v)) in new.iter().enumerate() {
        rows.push([
            iid.into(),
            first.saturating_add(super::pos(j)).into(),
            (*scope).into(),
            (*rid).into(),
            period.as_str().into(),
            v.value.into(),
            extracted.as_deref().into(),
            v.note.as_str().into(),
        ]);
    }
    super::bulk::insert(tx, &rows).await?;
    Ok(Some(iid))
}
