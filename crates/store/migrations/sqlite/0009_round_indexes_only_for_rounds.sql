-- The audit log's two indexes by round hold only events of a round. An indicator's events have no
-- round (their own index is audit_events_plan), and an import of 100 000 values writes 100 000 of
-- them under the write lock: without two index entries each, that lock is held a good deal shorter.
-- Every read through these indexes asks for `round_id = $n`, which a partial index serves.
DROP INDEX audit_events_cell;
CREATE INDEX audit_events_cell ON audit_events (round_id, goal_id, region_id, at) WHERE round_id IS NOT NULL;
DROP INDEX audit_events_round;
CREATE INDEX audit_events_round ON audit_events (round_id, id) WHERE round_id IS NOT NULL;
