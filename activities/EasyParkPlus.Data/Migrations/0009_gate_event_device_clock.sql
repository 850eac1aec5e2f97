-- Why a gate event's device time was not trusted when it arrived (issue 16): 'ahead' of the arrival by more than
-- Gates:DeviceClockAheadTolerance, or 'stale', older than Gates:OfflineBufferHorizon. Such an event is still stored
-- and delivered; the workflows time it from received_at and hold its charge for an operator.
ALTER TABLE gates.events ADD COLUMN clock_flag text CHECK (clock_flag IN ('ahead', 'stale'));
CREATE INDEX ix_gate_events_clock_flag ON gates.events (received_at DESC) WHERE clock_flag IS NOT NULL;
