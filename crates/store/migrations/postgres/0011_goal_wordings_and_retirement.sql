-- After adoption a goal's wording may be corrected (with a reason, in the audit log), and a goal may
-- be retired from a given year. The goal row keeps its current wording and a version for the
-- correction form; each wording it had before is kept with the moment it was replaced, so that a
-- round published before a correction shows the goal as it read then.
ALTER TABLE goals ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE goals ADD COLUMN retired_from INTEGER;

CREATE TABLE goal_wordings (
    goal_id BIGINT NOT NULL REFERENCES goals(id),
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    targets TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (goal_id, version)
);

-- An indicator is a series that every plan whose goals are linked to it shows: a plan's indicators
-- are found from its goals.
CREATE INDEX indicator_goals_goal ON indicator_goals (goal_id);
