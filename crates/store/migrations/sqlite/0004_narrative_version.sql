-- The introduction and the RCC's summary of a round are edited in the app: one version for both, so
-- that two editors never overwrite each other. Never edit this file once applied.
ALTER TABLE rounds ADD COLUMN narrative_version INTEGER NOT NULL DEFAULT 1;
