-- The audit log's two indexes by round hold only events of a round. An indicator's events have no
-- round (their own index is audit_events_plan), and an import of 100 000 values writes 100 000 of
-- them under the write lock: without two index entries each, that lock is held a good deal shorter.
-- Every read through these indexes asks for `round_id = $n`, which a partial index serves.
--
-- And, as on PostgreSQL since 0008, the audit log without foreign keys: only the store writes it,
-- always with ids it has just read in the same transaction, and nothing it refers to is ever
-- deleted; checking five keys per event is a third of the time an import holds the write lock.
-- SQLite cannot drop a constraint, so the table is copied (ids and order kept).
CREATE TABLE audit_events_copy (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_user_id INTEGER,
    actor TEXT NOT NULL,
    plan_id INTEGER,
    round_id INTEGER,
    goal_id INTEGER,
    region_id INTEGER,
    field TEXT NOT NULL,
    subject TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    reason TEXT
);
INSERT INTO audit_events_copy (id, at, actor_user_id, actor, plan_id, round_id, goal_id, region_id, field, subject,
    old_value, new_value, reason)
SELECT id, at, actor_user_id, actor, plan_id, round_id, goal_id, region_id, field, subject, old_value, new_value, reason
FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_copy RENAME TO audit_events;
CREATE INDEX audit_events_cell ON audit_events (round_id, goal_id, region_id, at) WHERE round_id IS NOT NULL;
CREATE INDEX audit_events_round ON audit_events (round_id, id) WHERE round_id IS NOT NULL;
CREATE INDEX audit_events_plan ON audit_events (plan_id, field, id) WHERE round_id IS NULL;
