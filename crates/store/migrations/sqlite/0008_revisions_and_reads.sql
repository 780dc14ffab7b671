-- Pages that cost what they show (issue 11).
-- Never edit this file once applied; add a new migration instead.

-- A counter per plan and per round that moves on in the transaction of every recorded change: a
-- round's change moves the round's, a change of the plan itself (indicators, process follow-ups,
-- action plans, a round opened, published or reopened) the plan's. A cached page of a round is kept
-- under the plan's counter and those of the round and the rounds before it.
ALTER TABLE plans ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rounds ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

-- How many goals each region had at each level in a published round: what a trend shows of the
-- rounds before, without reading their cells. Written when a round is published (or imported as
-- published), removed when it is reopened.
CREATE TABLE round_tallies (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    region_id INTEGER NOT NULL REFERENCES regions(id),
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
