-- One row that `/healthz/ready` updates to prove the database takes writes (a read-only or full
-- disk shows there, not first in a user's save).
-- Never edit this file once applied; add a new migration instead.
CREATE TABLE health_checks (
    id INTEGER PRIMARY KEY,
    checked_at TEXT NOT NULL
);
INSERT INTO health_checks (id, checked_at) VALUES (1, '');
