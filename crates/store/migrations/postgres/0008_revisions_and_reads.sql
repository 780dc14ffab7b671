-- Pages that cost what they show (issue 11).
-- Never edit this file once applied; add a new migration instead.

-- A counter per plan and per round that moves on in the transaction of every recorded change: a
-- round's change moves the round's, a change of the plan itself (indicators, process follow-ups,
-- action plans, a round opened, published or reopened) the plan's. A cached page of a round is kept
-- under the plan's counter and those of the round and the rounds before it.
ALTER TABLE plans ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rounds ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

-- How many goals each region had at each level in a published round: what a trend shows of the
-- rounds before, without reading their cells. Written when a round is published (or imported as
-- published), removed when it is reopened.
CREATE TABLE round_tallies (
    round_id BIGINT NOT NULL REFERENCES rounds(id),
    region_id BIGINT NOT NULL REFERENCES regions(id),
    level TEXT NOT NULL,
    goals INTEGER NOT NULL,
    PRIMARY KEY (round_id, region_id, level)
);
INSERT INTO round_tallies (round_id, region_id, level, goals)
SELECT s.round_id, s.region_id, s.level, COUNT(*) FROM assessments s JOIN rounds r ON r.id = s.round_id
WHERE r.status = 'published' AND s.level <> '' GROUP BY s.round_id, s.region_id, s.level;

-- The indexes the shaped reads and the paginated histories use.
CREATE INDEX audit_events_round ON audit_events (round_id, id);
-- The plan's own changes (indicators, process follow-ups): a round's are found by audit_events_round.
CREATE INDEX audit_events_plan ON audit_events (plan_id, field, id) WHERE round_id IS NULL;
CREATE INDEX activities_entry ON activities (entry_id);

-- The audit log's references are written by the store alone, from ids it read in the same
-- transaction, and nothing they point to is ever deleted (plans, rounds, goals, regions and users
-- stay). PostgreSQL checked each of them with a trigger per row and reference, a third of the time
-- of a national import (every imported value is an event); SQLite checks them in process, cheaply,
-- and keeps them.
ALTER TABLE audit_events
    DROP CONSTRAINT IF EXISTS audit_events_actor_user_id_fkey,
    DROP CONSTRAINT IF EXISTS audit_events_plan_id_fkey,
    DROP CONSTRAINT IF EXISTS audit_events_round_id_fkey,
    DROP CONSTRAINT IF EXISTS audit_events_goal_id_fkey,
    DROP CONSTRAINT IF EXISTS audit_events_region_id_fkey;
