-- The follow-up round as a workflow: round status, region states, condensed comments, accounts,
-- sessions, API tokens, the audit log, local action plans, editable process follow-ups.
-- Never edit this file once applied; add a new migration instead.
ALTER TABLE rounds ADD COLUMN status TEXT NOT NULL DEFAULT 'published';
ALTER TABLE rounds ADD COLUMN deadline TEXT;

ALTER TABLE assessments ADD COLUMN condensed TEXT;
ALTER TABLE assessments ADD COLUMN condensed_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE assessments ADD COLUMN updated_at TEXT;
ALTER TABLE assessments ADD COLUMN updated_by TEXT;

ALTER TABLE process_followups ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE region_rounds (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES rounds(id),
    region_id BIGINT NOT NULL REFERENCES regions(id),
    state TEXT NOT NULL,
    reason TEXT,
    version INTEGER NOT NULL,
    updated_at TEXT,
    UNIQUE (round_id, region_id)
);

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    region_id BIGINT REFERENCES regions(id),
    process_slug TEXT,
    restricted_access BOOLEAN NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    auth_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE audit_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TEXT NOT NULL,
    actor_user_id BIGINT REFERENCES users(id),
    actor TEXT NOT NULL,
    plan_id BIGINT REFERENCES plans(id),
    round_id BIGINT REFERENCES rounds(id),
    goal_id BIGINT REFERENCES goals(id),
    region_id BIGINT REFERENCES regions(id),
    field TEXT NOT NULL,
    subject TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    reason TEXT
);
CREATE INDEX audit_events_cell ON audit_events (round_id, goal_id, region_id, at);

CREATE TABLE action_plan_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES plans(id),
    region_id BIGINT NOT NULL REFERENCES regions(id),
    goal_id BIGINT NOT NULL REFERENCES goals(id),
    own_goal TEXT NOT NULL,
    current_state TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (plan_id, region_id, goal_id)
);

CREATE TABLE activities (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id BIGINT NOT NULL REFERENCES action_plan_entries(id),
    text TEXT NOT NULL,
    responsible TEXT NOT NULL,
    due TEXT,
    status TEXT NOT NULL,
    version INTEGER NOT NULL
);
