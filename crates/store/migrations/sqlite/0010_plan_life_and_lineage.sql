-- A plan's life: draft (only RCC staff see it; no rounds), adopted, closed (after its final round).
ALTER TABLE plans ADD COLUMN status TEXT NOT NULL DEFAULT 'adopted' CHECK (status IN ('draft', 'adopted', 'closed'));

-- Plans that follow plans: a plan may name the plan of the period before, and each of its goals the
-- goals of that plan it carries on (link: continues, split or merge). A goal without a row here is new.
ALTER TABLE plans ADD COLUMN predecessor_id INTEGER REFERENCES plans(id);

CREATE TABLE goal_links (
    goal_id INTEGER NOT NULL REFERENCES goals(id),
    predecessor_goal_id INTEGER NOT NULL REFERENCES goals(id),
    link TEXT NOT NULL CHECK (link IN ('continues', 'split', 'merge')),
    position INTEGER NOT NULL,
    PRIMARY KEY (goal_id, predecessor_goal_id)
);

-- Following a goal forward (which goals carry this one on).
CREATE INDEX goal_links_predecessor ON goal_links (predecessor_goal_id);
