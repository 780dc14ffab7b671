//! The store at its own boundary, on both backends: every versioned write refused when it is based on
//! an old version, and concurrent saves on one version — 16 writers at once — of every kind of
//! versioned thing: exactly one wins, the others are refused as stale, and only the winner's change
//! is in the audit history. (On PostgreSQL's READ COMMITTED a check of the version followed by an
//! unchecked update lets more than one through; SQLite's `BEGIN IMMEDIATE` hides that.)

use std::sync::Arc;

use uppfolj_domain::{ActivityStatus, GoalRef, RegionCode, Slug, StateAction, SummarySection};
use uppfolj_store::{Actor, CellEdit, CondensedEdit, RccCommentEdit, Store, StoreError};

use crate::both_backends;
use crate::helpers::*;

const WRITERS: usize = 16;

/// A database with the demo, its 2025 round open, and the store opened on it as the app opens it.
pub(crate) async fn store(backend: Backend) -> (TestDb, Arc<dyn Store>) {
    let db = TestDb::new(backend).await;
    cli_ok(&db, &["demo"]);
    cli_ok(&db, &["round", "open", "--plan", PLAN, "--year", "2025", "--deadline", "2026-03-31"]);
    let store = uppfolj_store::connect(&db.url).await.expect("connect");
    (db, store)
}

pub(crate) fn actor(i: usize) -> Actor {
    Actor::system(&format!("skrivare {i}"), time::macros::datetime!(2026-01-15 10:00 UTC))
}

pub(crate) fn plan() -> Slug {
    Slug::parse(PLAN).unwrap()
}

pub(crate) fn vagen_in() -> Slug {
    Slug::parse("vagen-in").unwrap()
}

pub(crate) fn rn() -> RegionCode {
    RegionCode::parse("RN").unwrap()
}

/// What the writers got: the one that won, and how many were refused as stale.
struct Outcome {
    winners: Vec<usize>,
    stale: usize,
    other: Vec<String>,
}

/// Runs `WRITERS` writes at the same time, writer `i` through `write(i)`.
async fn race<F, Fut, T>(write: F) -> Outcome
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
    T: Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(WRITERS));
    let tasks: Vec<_> = (0..WRITERS)
        .map(|i| {
            let barrier = barrier.clone();
            let fut = write(i);
            tokio::spawn(async move {
                barrier.wait().await;
                (i, fut.await)
            })
        })
        .collect();
    let mut out = Outcome { winners: Vec::new(), stale: 0, other: Vec::new() };
    for t in tasks {
        match t.await.expect("writer") {
            (i, Ok(_)) => out.winners.push(i),
            (_, Err(StoreError::Stale(_))) => out.stale += 1,
            (_, Err(e)) => out.other.push(e.to_string()),
        }
    }
    out
}

/// Exactly one writer won, every other was refused as stale, and the audit history holds the
/// winner's marker (`marker(what, i)`) and no loser's.
async fn exactly_one(db: &TestDb, what: &str, o: Outcome) {
    assert!(o.other.is_empty(), "{what}: unexpected errors {:?}", o.other);
    assert_eq!(o.winners.len(), 1, "{what}: {} writers won on the same version", o.winners.len());
    assert_eq!(o.stale, WRITERS - 1, "{what}");
    let winner = o.winners[0];
    for i in 0..WRITERS {
        let n = sql_count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE new_value LIKE $1 OR reason LIKE $1",
            &[&format!("%{what} skrivare-{i}-%")],
        )
        .await;
        if i == winner {
            assert!(n >= 1, "{what}: the winner's change is in the history");
        } else {
            assert_eq!(n, 0, "{what}: writer {i} was refused but its change is in the history");
        }
    }
}

/// What writer `i` writes in the race over `what`, to be found in the history.
fn marker(what: &str, i: usize) -> String {
    format!("Text ({what} skrivare-{i}-).")
}

both_backends!(concurrent_saves_of_cells, |backend| async move {
    let (db, store) = store(backend).await;
    let version = store.round_work(&plan(), 2025, None).await.unwrap().cell(GoalRef::new(1, 1), &rn()).unwrap().version;
    let o = race(|i| {
        let store = store.clone();
        async move {
            let edits = [
                CellEdit {
                    goal: GoalRef::new(1, 1),
                    level: uppfolj_domain::Level::parse("P").unwrap(),
                    comment: marker("cells", i),
                    expected_version: version,
                },
                CellEdit {
                    goal: GoalRef::new(1, 2),
                    level: uppfolj_domain::Level::parse("U").unwrap(),
                    comment: marker("cells", i),
                    expected_version: version,
                },
            ];
            store.save_cells(&plan(), 2025, &rn(), &edits, false, &actor(i)).await
        }
    })
    .await;
    exactly_one(&db, "cells", o).await;
});

both_backends!(concurrent_saves_of_the_narrative, |backend| async move {
    let (db, store) = store(backend).await;
    let version = store.round_work(&plan(), 2025, None).await.unwrap().narrative_version;
    let o = race(|i| {
        let store = store.clone();
        async move {
            let section = SummarySection {
                heading: format!("Rubrik {i}"),
                text: marker("narrative", i),
                claims: Default::default(),
            };
            store.save_narrative(&plan(), 2025, &marker("narrative", i), &[section], version, &actor(i)).await
        }
    })
    .await;
    exactly_one(&db, "narrative", o).await;
    let sections = sql_count(
        &db,
        "SELECT COUNT(*) FROM round_summary_sections s JOIN rounds r ON r.id = s.round_id WHERE r.year = 2025",
        &[],
    )
    .await;
    assert_eq!(sections, 1, "only the winner's sections are stored");
});

both_backends!(concurrent_changes_of_a_regions_state, |backend| async move {
    let (db, store) = store(backend).await;
    store.change_region_state(&plan(), 2025, &rn(), &StateAction::Submit, None, &actor(99)).await.unwrap();
    let version = store.round_work(&plan(), 2025, None).await.unwrap().region(&rn()).unwrap().version;
    let o = race(|i| {
        let store = store.clone();
        async move {
            let back = StateAction::Return { reason: marker("region state", i) };
            store.change_region_state(&plan(), 2025, &rn(), &back, Some(version), &actor(i)).await
        }
    })
    .await;
    exactly_one(&db, "region state", o).await;
});

both_backends!(concurrent_saves_of_a_condensed_comment, |backend| async move {
    let (db, store) = store(backend).await;
    let version =
        store.round_work(&plan(), 2025, None).await.unwrap().cell(GoalRef::new(1, 1), &rn()).unwrap().condensed_version;
    let o = race(|i| {
        let store = store.clone();
        async move {
            let edits = [
                CondensedEdit {
                    goal: GoalRef::new(1, 1),
                    text: Some(marker("condensed comment", i)),
                    expected_version: version,
                },
                CondensedEdit {
                    goal: GoalRef::new(1, 2),
                    text: Some(marker("condensed comment", i)),
                    expected_version: version,
                },
            ];
            store.save_condensed(&plan(), 2025, &rn(), &edits, &actor(i)).await
        }
    })
    .await;
    exactly_one(&db, "condensed comment", o).await;
});

both_backends!(concurrent_saves_of_an_rcc_comment, |backend| async move {
    let (db, store) = store(backend).await;
    let o = race(|i| {
        let store = store.clone();
        async move {
            let edits = [
                RccCommentEdit { goal: GoalRef::new(1, 1), text: marker("RCC comment", i), expected_version: 0 },
                RccCommentEdit { goal: GoalRef::new(1, 2), text: marker("RCC comment", i), expected_version: 0 },
            ];
            store.save_rcc_comments(&plan(), 2025, &edits, &actor(i)).await
        }
    })
    .await;
    exactly_one(&db, "RCC comment", o).await;
});

both_backends!(concurrent_saves_of_an_indicator_definition, |backend| async move {
    let (db, store) = store(backend).await;
    let data = store.dataset(&plan()).await.unwrap().unwrap();
    let indicator = data.indicators.iter().find(|i| i.slug.as_str() == "svf-ledtid").unwrap().clone();
    let version = store
        .indicator_versions(&plan())
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.slug.as_str() == "svf-ledtid")
        .unwrap()
        .version;
    let o = race(|i| {
        let store = store.clone();
        let mut def = uppfolj_domain::indicator_def::Definition::of(&indicator);
        def.description = marker("indicator definition", i);
        async move { store.save_indicator(&plan(), &def, Some(version), &actor(i)).await }
    })
    .await;
    exactly_one(&db, "indicator definition", o).await;
});

both_backends!(concurrent_corrections_of_a_goal, |backend| async move {
    let (db, store) = store(backend).await;
    let goal = uppfolj_domain::GoalRef::new(3, 3);
    let o = race(|i| {
        let store = store.clone();
        let text = marker("goal wording", i);
        async move { store.correct_goal(&plan(), goal, &text, &[], "Rättelse", 1, &actor(i)).await }
    })
    .await;
    exactly_one(&db, "goal wording", o).await;
    // One earlier wording kept: the adopted one, once.
    let w = store.goal_wordings(&plan(), goal).await.unwrap();
    assert_eq!((w.version, w.earlier.len()), (2, 1));
});

both_backends!(concurrent_saves_of_a_process_followup, |backend| async move {
    let (db, store) = store(backend).await;
    let data = store.dataset(&plan()).await.unwrap().unwrap();
    let followup =
        data.process_followups.iter().find(|f| f.year == 2025 && f.process.as_str() == "vagen-in").unwrap().clone();
    let version = store.process_followup_version(&plan(), 2025, &vagen_in()).await.unwrap();
    let o = race(|i| {
        let store = store.clone();
        let mut f = followup.clone();
        f.other = marker("process follow-up", i);
        async move { store.save_process_followup(&plan(), &f, version, &actor(i)).await }
    })
    .await;
    exactly_one(&db, "process follow-up", o).await;
});

both_backends!(an_action_plan_entry_and_an_activity_saved_on_one_version, |backend| async move {
    let (db, store) = store(backend).await;
    let o = race(|i| {
        let store = store.clone();
        async move {
            store
                .save_action_plan_entry(
                    &plan(),
                    &rn(),
                    GoalRef::new(1, 1),
                    &marker("action plan entry", i),
                    "",
                    0,
                    &actor(i),
                )
                .await
        }
    })
    .await;
    exactly_one(&db, "action plan entry", o).await;
    let input = uppfolj_store::ActivityInput {
        text: "Utbilda".to_owned(),
        responsible: "RN".to_owned(),
        due: None,
        status: ActivityStatus::Planned,
    };
    let id = store.add_activity(&plan(), &rn(), GoalRef::new(1, 1), &input, &actor(99)).await.unwrap();
    let o = race(|i| {
        let store = store.clone();
        let input = uppfolj_store::ActivityInput { text: marker("activity", i), ..input.clone() };
        async move { store.update_activity(&plan(), &rn(), id, &input, 1, &actor(i)).await }
    })
    .await;
    exactly_one(&db, "activity", o).await;
});

both_backends!(every_versioned_write_is_refused_when_stale, |backend| every_versioned_write_is_refused_when_stale(
    backend
));

async fn every_versioned_write_is_refused_when_stale(backend: Backend) {
    let (db, store) = store(backend).await;
    let p = plan();
    let stale = |r: Result<i32, StoreError>, what: &str| match r {
        Err(StoreError::Stale(c)) => assert!(!c.is_empty(), "{what}"),
        other => panic!("{what}: a write based on an old version gave {other:?}"),
    };
    let a = actor(1);
    let work = store.round_work(&p, 2025, None).await.unwrap();
    let cell = work.cell(GoalRef::new(1, 1), &rn()).unwrap().clone();
    let edit = |text: &str, v| CellEdit {
        goal: GoalRef::new(1, 1),
        level: uppfolj_domain::Level::parse("P").unwrap(),
        comment: text.to_owned(),
        expected_version: v,
    };
    store.save_cells(&p, 2025, &rn(), &[edit("Först.", cell.version)], false, &a).await.unwrap();
    match store.save_cells(&p, 2025, &rn(), &[edit("Skrivet-på-gammal-version.", cell.version)], false, &a).await {
        Err(e @ StoreError::Stale(_)) => assert_eq!(e.stale_goals(), [(GoalRef::new(1, 1), cell.version + 1)]),
        other => panic!("cells: {other:?}"),
    }
    let v = work.narrative_version;
    store.save_narrative(&p, 2025, "Först.", &[], v, &a).await.unwrap();
    stale(store.save_narrative(&p, 2025, "Skrivet-på-gammal-version.", &[], v, &a).await, "narrative");
    let cv = cell.condensed_version;
    let condensed =
        |t: &str| [CondensedEdit { goal: GoalRef::new(1, 1), text: Some(t.to_owned()), expected_version: cv }];
    store.save_condensed(&p, 2025, &rn(), &condensed("Först."), &a).await.unwrap();
    stale(
        store.save_condensed(&p, 2025, &rn(), &condensed("Skrivet-på-gammal-version."), &a).await.map(|_| 0),
        "condensed",
    );
    let rcc = |t: &str| [RccCommentEdit { goal: GoalRef::new(1, 1), text: t.to_owned(), expected_version: 0 }];
    store.save_rcc_comments(&p, 2025, &rcc("Först."), &a).await.unwrap();
    stale(store.save_rcc_comments(&p, 2025, &rcc("Skrivet-på-gammal-version."), &a).await.map(|_| 0), "RCC comment");
    let rv = work.region(&rn()).unwrap().version;
    store.change_region_state(&p, 2025, &rn(), &StateAction::Submit, Some(rv), &a).await.unwrap();
    let back = StateAction::Return { reason: "Komplettera.".to_owned() };
    stale(store.change_region_state(&p, 2025, &rn(), &back, Some(rv), &a).await.map(|_| 0), "region state");
    let data = store.dataset(&p).await.unwrap().unwrap();
    let ind = data.indicators.iter().find(|i| i.slug.as_str() == "svf-ledtid").unwrap();
    let iv = store.indicator_versions(&p).await.unwrap().into_iter().find(|v| v.slug == ind.slug).unwrap().version;
    let mut def = uppfolj_domain::indicator_def::Definition::of(ind);
    def.description = "Först.".to_owned();
    store.save_indicator(&p, &def, Some(iv), &a).await.unwrap();
    def.description = "Skrivet-på-gammal-version.".to_owned();
    stale(store.save_indicator(&p, &def, Some(iv), &a).await, "indicator definition");
    let new = uppfolj_domain::indicator_def::Definition { slug: Slug::parse("ny-indikator").unwrap(), ..def.clone() };
    store.save_indicator(&p, &new, None, &a).await.unwrap();
    stale(store.delete_indicator(&p, &new.slug, 0, &a).await.map(|_| 0), "removing an indicator");
    let f = data.process_followups.iter().find(|f| f.year == 2025).unwrap().clone();
    let fv = store.process_followup_version(&p, 2025, &vagen_in()).await.unwrap();
    store
        .save_process_followup(&p, &uppfolj_domain::ProcessFollowUp { other: "Först.".to_owned(), ..f.clone() }, fv, &a)
        .await
        .unwrap();
    stale(
        store
            .save_process_followup(
                &p,
                &uppfolj_domain::ProcessFollowUp { other: "Skrivet-på-gammal-version.".to_owned(), ..f },
                fv,
                &a,
            )
            .await,
        "process follow-up",
    );
    let on = time::macros::date!(2026 - 01 - 15);
    stale(store.sign_process_followup(&p, 2025, &vagen_in(), "Processledaren", on, fv, &a).await, "signing");
    store.save_action_plan_entry(&p, &rn(), GoalRef::new(1, 1), "Först.", "", 0, &a).await.unwrap();
    stale(
        store.save_action_plan_entry(&p, &rn(), GoalRef::new(1, 1), "Skrivet-på-gammal-version.", "", 0, &a).await,
        "action plan entry",
    );
    let input = uppfolj_store::ActivityInput {
        text: "Utbilda".to_owned(),
        responsible: "RN".to_owned(),
        due: None,
        status: ActivityStatus::Planned,
    };
    let id = store.add_activity(&p, &rn(), GoalRef::new(1, 1), &input, &a).await.unwrap();
    store
        .update_activity(
            &p,
            &rn(),
            id,
            &uppfolj_store::ActivityInput { text: "Först.".to_owned(), ..input.clone() },
            1,
            &a,
        )
        .await
        .unwrap();
    stale(
        store
            .update_activity(
                &p,
                &rn(),
                id,
                &uppfolj_store::ActivityInput { text: "Skrivet-på-gammal-version.".to_owned(), ..input },
                1,
                &a,
            )
            .await,
        "activity",
    );
    // None of the refused writes left a trace.
    assert_eq!(
        sql_count(&db, "SELECT COUNT(*) FROM audit_events WHERE new_value LIKE '%Skrivet-på-gammal-version%'", &[])
            .await,
        0
    );
}
