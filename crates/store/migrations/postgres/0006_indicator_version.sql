-- Indicator definitions are edited in the app: a version for each, so that two people editing the
-- same definition cannot overwrite each other unknowingly.
-- Never edit this file once applied; add a new migration instead.
ALTER TABLE indicators ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
