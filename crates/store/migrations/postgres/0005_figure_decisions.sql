-- What the RCC decided about a figure found in a comment: confirmed as an indicator value, or
-- rejected. A proposal is identified by round, goal, whose comment, whom it is about and the value.
-- Never edit this file once applied; add a new migration instead.
CREATE TABLE figure_decisions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES rounds(id),
    goal_id BIGINT NOT NULL REFERENCES goals(id),
    author TEXT NOT NULL,
    scope TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
    indicator_id BIGINT REFERENCES indicators(id),
    period TEXT,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    UNIQUE (round_id, goal_id, author, scope, value)
);
