-- Foundation: healthcare regions, plans, goals, rounds with levels and comments, process follow-ups,
-- indicators. Never edit this file once applied; add a new migration instead.
CREATE TABLE healthcare_regions (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    federation TEXT NOT NULL,
    rcc TEXT NOT NULL,
    rcc_location TEXT NOT NULL
);

CREATE TABLE regions (
    id INTEGER PRIMARY KEY,
    healthcare_region_id INTEGER NOT NULL REFERENCES healthcare_regions(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (healthcare_region_id, code)
);

CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    healthcare_region_id INTEGER NOT NULL REFERENCES healthcare_regions(id),
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    start_year INTEGER NOT NULL,
    end_year INTEGER NOT NULL,
    adopted_by TEXT NOT NULL,
    adopted_on TEXT NOT NULL
);

CREATE TABLE areas (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    UNIQUE (plan_id, number)
);

CREATE TABLE goals (
    id INTEGER PRIMARY KEY,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    targets TEXT NOT NULL,
    part_names TEXT,
    UNIQUE (area_id, number)
);

CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    year INTEGER NOT NULL,
    conducted TEXT NOT NULL,
    is_final BOOLEAN NOT NULL,
    introduction TEXT NOT NULL,
    UNIQUE (plan_id, year)
);

CREATE TABLE round_summary_sections (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    position INTEGER NOT NULL,
    heading TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (round_id, position)
);

CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    goal_id INTEGER NOT NULL REFERENCES goals(id),
    region_id INTEGER NOT NULL REFERENCES regions(id),
    level TEXT NOT NULL,
    comment TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (round_id, goal_id, region_id)
);

CREATE TABLE rcc_comments (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    goal_id INTEGER NOT NULL REFERENCES goals(id),
    body TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (round_id, goal_id)
);

CREATE TABLE processes (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    leader_name TEXT NOT NULL,
    leader_title TEXT NOT NULL,
    leader_organisation TEXT NOT NULL,
    UNIQUE (plan_id, slug)
);

CREATE TABLE process_followups (
    id INTEGER PRIMARY KEY,
    process_id INTEGER NOT NULL REFERENCES processes(id),
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    classification TEXT NOT NULL,
    plan_goals TEXT NOT NULL,
    signed_by TEXT,
    signed_on TEXT,
    comments TEXT NOT NULL,
    long_term TEXT NOT NULL,
    level_structuring TEXT NOT NULL,
    patient_involvement TEXT NOT NULL,
    other TEXT NOT NULL,
    UNIQUE (process_id, year)
);

CREATE TABLE process_goals (
    id INTEGER PRIMARY KEY,
    followup_id INTEGER NOT NULL REFERENCES process_followups(id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    current_state TEXT NOT NULL,
    target_levels TEXT NOT NULL,
    target_date TEXT NOT NULL,
    followup TEXT NOT NULL,
    UNIQUE (followup_id, position)
);

CREATE TABLE indicators (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    position INTEGER NOT NULL,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    higher_is_better BOOLEAN NOT NULL,
    target DOUBLE PRECISION,
    target_date TEXT,
    source TEXT NOT NULL,
    description TEXT NOT NULL,
    UNIQUE (plan_id, slug)
);

CREATE TABLE indicator_goals (
    indicator_id INTEGER NOT NULL REFERENCES indicators(id),
    goal_id INTEGER NOT NULL REFERENCES goals(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (indicator_id, goal_id)
);

CREATE TABLE indicator_values (
    id INTEGER PRIMARY KEY,
    indicator_id INTEGER NOT NULL REFERENCES indicators(id),
    position INTEGER NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('region', 'healthcare_region', 'national')),
    region_id INTEGER REFERENCES regions(id),
    period TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    extracted TEXT,
    note TEXT NOT NULL,
    CHECK ((scope = 'region') = (region_id IS NOT NULL))
);
CREATE UNIQUE INDEX indicator_values_unique ON indicator_values (indicator_id, scope, COALESCE(region_id, 0), period);
