//! The store's reads shaped to a page, on both backends: a shaped read is exactly the whole plan's
//! round (or the part asked for), the trend's tallies are the counts of the rounds they stand for,
//! every write moves the revisions of what it changed (and only those), and the statements use
//! their indexes.

use uppfolj_domain::{GoalRef, Level, Period, RegionCode, RoundStatus, Scope, StateAction};
use uppfolj_store::{CellEdit, CellsRead, IndicatorsRead, Previous, Shape, StoreError};

use super::store::{actor, plan, rn, store, vagen_in};
use crate::both_backends;
use crate::helpers::*;

both_backends!(a_shaped_read_is_the_whole_plans_round_or_the_part_asked_for, |backend| {
    a_shaped_read_is_the_whole_plans_round_or_the_part_asked_for(backend)
});

async fn a_shaped_read_is_the_whole_plans_round_or_the_part_asked_for(backend: Backend) {
    let (_db, store) = store(backend).await;
    let p = plan();
    let whole = store.dataset(&p).await.unwrap().unwrap();
    let (y2024, y2025) = (whole.round(2024).unwrap(), whole.round(2025).unwrap());

    // The report's read of 2025: the round, the published one before it, the tallies, everything else.
    let report = store.round_data(&p, 2025, &Shape::report()).await.unwrap();
    assert_eq!(report.rounds.iter().map(|r| r.year).collect::<Vec<_>>(), [2024, 2025]);
    assert_eq!(report.round(2024).unwrap(), y2024, "the previous round as the whole plan has it");
    assert_eq!(report.round(2025).unwrap(), y2025);
    assert_eq!(report.tallies, [y2024.tally(&whole)], "the stored tally is the published round's counts");
    assert_eq!(report.indicators, whole.indicators);
    assert_eq!(
        report.process_followups,
        whole.process_followups.iter().filter(|f| f.year == 2025).cloned().collect::<Vec<_>>()
    );
    assert_eq!((&report.plan, &report.healthcare_region), (&whole.plan, &whole.healthcare_region));
    // A trend drawn from the shaped read is the one drawn from the whole plan.
    assert_eq!(
        uppfolj_domain::analysis::trend(&report, report.round(2025).unwrap()),
        uppfolj_domain::analysis::trend(&whole, y2025)
    );

    // One area: that area's cells and nothing of the others.
    let area = store.round_data(&p, 2024, &Shape::cells().area(3)).await.unwrap();
    let round = area.round(2024).unwrap();
    assert_eq!(area.rounds.len(), 1);
    for f in &round.goals {
        let full = y2024.followup(f.goal).unwrap();
        if f.goal.area == 3 {
            assert_eq!(f, full, "goal {}", f.goal);
        } else {
            assert!(f.levels.is_empty() && f.comments.is_empty() && f.rcc_comment.is_none(), "goal {}", f.goal);
        }
    }
    assert_eq!(round.states, y2024.states);
    assert!(round.introduction.is_empty() && round.summary.is_empty(), "no narrative unless asked");
    assert!(area.indicators.is_empty() && area.process_followups.is_empty() && area.tallies.is_empty());

    // One region: its cells and state only; levels only: no texts.
    let one = store.round_data(&p, 2024, &Shape::cells().region(&rn())).await.unwrap();
    for f in &one.round(2024).unwrap().goals {
        assert!(f.levels.keys().chain(f.comments.keys()).all(|r| r == &rn()), "goal {}", f.goal);
        assert_eq!(f.level(&rn()), y2024.level(f.goal, &rn()));
    }
    assert_eq!(one.round(2024).unwrap().states.keys().collect::<Vec<_>>(), [&rn()]);
    let levels = store.round_data(&p, 2024, &Shape::levels()).await.unwrap();
    for f in &levels.round(2024).unwrap().goals {
        assert_eq!(f.levels, y2024.followup(f.goal).unwrap().levels);
        assert!(f.comments.is_empty() && f.condensed.is_empty() && f.rcc_comment.is_none());
    }
    let defs = Shape { indicators: IndicatorsRead::Definitions, ..Shape::default() };
    let defs = store.round_data(&p, 2024, &defs).await.unwrap();
    assert!(defs.rounds[0].goals.iter().all(|f| f.levels.is_empty()), "no cells unless asked");
    assert_eq!(defs.indicators.len(), whole.indicators.len());
    assert!(defs.indicators.iter().all(|i| i.values.is_empty()));
    assert_eq!(
        defs.indicators.iter().map(|i| &i.goals).collect::<Vec<_>>(),
        whole.indicators.iter().map(|i| &i.goals).collect::<Vec<_>>()
    );

    // The round before whatever its state, or only a published one.
    let any = Shape { previous: Previous::Any, cells: CellsRead::Levels, ..Shape::default() };
    assert_eq!(store.round_data(&p, 2025, &any).await.unwrap().rounds.len(), 2);
    let published = Shape { previous: Previous::Published, ..any.clone() };
    assert_eq!(store.round_data(&p, 2024, &published).await.unwrap().rounds.len(), 1, "none before 2024");

    // The region's form: last round's cells beside this round's frame, whose cells it reads as work.
    let form = Shape { previous: Previous::Any, previous_cells_only: true, ..Shape::cells().region(&rn()) };
    let v = store.round_work(&p, 2025, Some(&rn())).await.unwrap().cell(GoalRef::new(1, 1), &rn()).unwrap().version;
    let edit = CellEdit {
        goal: GoalRef::new(1, 1),
        level: Level::parse("P").unwrap(),
        comment: "Pågår.".to_owned(),
        expected_version: v,
    };
    store.save_cells(&p, 2025, &rn(), &[edit], false, &actor(1)).await.unwrap();
    let form = store.round_data(&p, 2025, &form).await.unwrap();
    let y2025 = store.dataset(&p).await.unwrap().unwrap().round(2025).unwrap().clone();
    assert!(y2025.goals.iter().any(|f| !f.level(&rn()).is_blank()), "a cell of this round to leave out");
    let (before, this) = (form.round(2024).unwrap(), form.round(2025).unwrap());
    for f in &before.goals {
        assert_eq!(f.level(&rn()), y2024.level(f.goal, &rn()), "goal {}", f.goal);
        assert_eq!(f.comment(&rn()), y2024.followup(f.goal).unwrap().comment(&rn()), "goal {}", f.goal);
    }
    assert!(this.goals.iter().all(|f| f.levels.is_empty() && f.comments.is_empty()), "no cells of this round");
    assert_eq!(this.states.get(&rn()), y2025.states.get(&rn()), "but its frame");

    // What is not there is named.
    let missing = |r: Result<uppfolj_domain::Dataset, StoreError>| match r {
        Err(StoreError::NotFound(m)) => m,
        other => panic!("expected NotFound, got {other:?}"),
    };
    assert!(missing(store.round_data(&p, 2019, &Shape::default()).await).contains("2019"));
    assert!(missing(store.round_data(&p, 2024, &Shape::cells().area(99)).await).contains("område 99"));
    let nowhere = RegionCode::parse("XX").unwrap();
    assert!(missing(store.round_data(&p, 2024, &Shape::cells().region(&nowhere)).await).contains("XX"));
    let meta = store.round_meta(&p, 2025).await.unwrap();
    assert_eq!(meta.rounds, [(2024, RoundStatus::Published), (2025, RoundStatus::Open)]);
    assert_eq!(meta.status, RoundStatus::Open);
}

both_backends!(every_write_moves_the_revisions_of_what_it_changed, |backend| {
    every_write_moves_the_revisions_of_what_it_changed(backend)
});

async fn every_write_moves_the_revisions_of_what_it_changed(backend: Backend) {
    let (_db, store) = store(backend).await;
    let p = plan();
    let a = actor(1);
    let revs = || async {
        (store.round_meta(&p, 2024).await.unwrap().revision, store.round_meta(&p, 2025).await.unwrap().revision)
    };
    // `change` must move 2025's pages on, and 2024's only when `earlier`.
    macro_rules! moves {
        ($what:expr, $earlier:expr, $write:expr) => {{
            let (before_2024, before_2025) = revs().await;
            $write;
            let (after_2024, after_2025) = revs().await;
            assert!(after_2025 > before_2025, "{}: 2025's revision moves on", $what);
            if $earlier {
                assert!(after_2024 > before_2024, "{}: 2024's revision moves on", $what);
            } else {
                assert_eq!(after_2024, before_2024, "{}: 2024's pages are not changed by it", $what);
            }
        }};
    }
    let work = store.round_work(&p, 2025, None).await.unwrap();
    let cell = work.cell(GoalRef::new(1, 1), &rn()).unwrap().clone();
    let edit = |v| CellEdit {
        goal: GoalRef::new(1, 1),
        level: Level::parse("P").unwrap(),
        comment: "Ny.".to_owned(),
        expected_version: v,
    };
    moves!("a cell", false, store.save_cells(&p, 2025, &rn(), &[edit(cell.version)], false, &a).await.unwrap());
    // A refused write moves nothing.
    let before = revs().await;
    assert!(matches!(
        store.save_cells(&p, 2025, &rn(), &[edit(cell.version)], false, &a).await,
        Err(StoreError::Stale(_))
    ));
    assert_eq!(revs().await, before, "a refused write moves no revision");
    let condensed = [uppfolj_store::CondensedEdit {
        goal: GoalRef::new(1, 1),
        text: Some("Kort.".to_owned()),
        expected_version: cell.condensed_version,
    }];
    moves!("a condensed comment", false, store.save_condensed(&p, 2025, &rn(), &condensed, &a).await.unwrap());
    let rcc =
        [uppfolj_store::RccCommentEdit { goal: GoalRef::new(1, 1), text: "RCC.".to_owned(), expected_version: 0 }];
    moves!("an RCC comment", false, store.save_rcc_comments(&p, 2025, &rcc, &a).await.unwrap());
    moves!(
        "the narrative",
        false,
        store.save_narrative(&p, 2025, "Inledning.", &[], work.narrative_version, &a).await.unwrap()
    );
    moves!(
        "a region's state",
        false,
        store.change_region_state(&p, 2025, &rn(), &StateAction::Submit, None, &a).await.unwrap()
    );
    // The plan's own things are on every round's pages.
    let value = uppfolj_domain::indicator_import::ValueInput {
        row: 2,
        indicator: uppfolj_domain::Slug::parse("svf-ledtid").unwrap(),
        scope: Scope::Region(rn()),
        period: Period::Year(2025),
        value: 61.0,
        extracted: None,
    };
    moves!("an indicator value", true, store.import_indicator_values(&p, &[value], &a).await.unwrap());
    let data = store.dataset(&p).await.unwrap().unwrap();
    let f = data.process_followups.iter().find(|f| f.year == 2025).unwrap().clone();
    let fv = store.process_followup_version(&p, 2025, &vagen_in()).await.unwrap();
    let changed = uppfolj_domain::ProcessFollowUp { other: "Ändrat.".to_owned(), ..f };
    moves!("a process follow-up", true, store.save_process_followup(&p, &changed, fv, &a).await.unwrap());
    moves!(
        "an action plan",
        true,
        store.save_action_plan_entry(&p, &rn(), GoalRef::new(1, 1), "Eget mål.", "", 0, &a).await.unwrap()
    );
    // Reopening 2024 changes 2024 and what 2025's trend counts.
    moves!(
        "reopening 2024",
        true,
        store.set_round_status(&p, 2024, RoundStatus::Open, Some("Rättelse."), false, &a).await.unwrap()
    );
    let meta = store.round_meta(&p, 2025).await.unwrap();
    assert_eq!(meta.rounds, [(2024, RoundStatus::Open), (2025, RoundStatus::Open)]);
    // An open round has no tally; published again, it has its counts back.
    let trend = Shape { trend: true, ..Shape::default() };
    assert!(store.round_data(&p, 2025, &trend).await.unwrap().tallies.is_empty(), "a reopened round is not in trends");
    moves!(
        "publishing 2024",
        true,
        store.set_round_status(&p, 2024, RoundStatus::Published, None, true, &a).await.unwrap()
    );
    let whole = store.dataset(&p).await.unwrap().unwrap();
    let tallies = store.round_data(&p, 2025, &trend).await.unwrap().tallies;
    assert_eq!(tallies, [whole.round(2024).unwrap().tally(&whole)]);
}

/// Each statement's plan on SQLite, one line per step.
async fn plan_of(db: &TestDb, statement: &str) -> String {
    use sqlx::{Connection, Row};
    let mut c = sqlx::SqliteConnection::connect(&db.url).await.expect("connect");
    let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {statement}")).fetch_all(&mut c).await.expect(statement);
    rows.iter().map(|r| r.get::<String, _>("detail")).collect::<Vec<_>>().join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shaped_reads_use_their_indexes() {
    // SQLite's plans are deterministic; PostgreSQL's depend on the table sizes, so they are shown on
    // national data in BENCHMARKS.md (scripts/bench-pages prints them).
    let (db, _store) = store(Backend::Sqlite).await;
    let cases = [
        (
            "SELECT round_id, goal_id, region_id, level FROM assessments WHERE round_id IN (1, 2) AND region_id = 1",
            "assessments",
        ),
        (
            "SELECT round_id, goal_id, region_id, level FROM assessments WHERE round_id IN (1) AND goal_id IN (SELECT id FROM goals WHERE area_id = 3)",
            "assessments",
        ),
        ("SELECT round_id, goal_id, body FROM rcc_comments WHERE round_id IN (1)", "rcc_comments"),
        ("SELECT round_id, region_id, state FROM region_rounds WHERE round_id IN (1)", "region_rounds"),
        ("SELECT round_id, region_id, level, goals FROM round_tallies WHERE round_id IN (1, 2)", "round_tallies"),
        ("SELECT at FROM audit_events WHERE round_id = 1 ORDER BY id DESC LIMIT 100 OFFSET 0", "audit_events"),
        (
            "SELECT at FROM audit_events WHERE round_id = 1 AND goal_id = 1 AND region_id = 1 ORDER BY id DESC LIMIT 100",
            "audit_events",
        ),
        (
            "SELECT at FROM audit_events WHERE plan_id = 1 AND round_id IS NULL AND field = 'indicator' ORDER BY id DESC LIMIT 100",
            "audit_events",
        ),
        ("SELECT value FROM indicator_values WHERE indicator_id IN (1, 2, 3)", "indicator_values"),
        (
            "SELECT p.revision, r.year, r.status, r.revision FROM plans p LEFT JOIN rounds r ON r.plan_id = p.id WHERE p.slug = 'x' ORDER BY r.year",
            "rounds",
        ),
        ("SELECT id FROM activities WHERE entry_id = 1", "activities"),
    ];
    for (statement, table) in cases {
        let plan = plan_of(&db, statement).await;
        assert!(
            !plan.lines().any(|l| l.starts_with(&format!("SCAN {table}")) || l.starts_with("SCAN v")),
            "{statement}:\n{plan}"
        );
        assert!(plan.contains("USING") && plan.contains("INDEX"), "{statement} uses an index:\n{plan}");
        // A cell's few changes may be sorted; a round's and a plan's many are read in order.
        if statement.contains("ORDER BY id DESC") && !statement.contains("goal_id") {
            assert!(!plan.contains("TEMP B-TREE"), "{statement} reads the index in order:\n{plan}");
        }
    }
}
