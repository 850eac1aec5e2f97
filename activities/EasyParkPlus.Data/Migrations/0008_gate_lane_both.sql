-- A lane may serve both directions (a single-lane car park whose barrier opens either way); an
-- entry-only or exit-only gate is refused the other direction by the gateway (issue 16).
ALTER TABLE gates.gates DROP CONSTRAINT gates_lane_check;
ALTER TABLE gates.gates ADD CONSTRAINT gates_lane_check CHECK (lane IN ('entry', 'exit', 'both'));
