-- Gate controllers (barriers at facility entrances and exits), the vehicle events they report and
-- the commands sent to them. Owned by the ocpp-gateway's gate side (ocpp-gateway/.../Gates).
CREATE SCHEMA IF NOT EXISTS gates;

-- One row per gate controller. It logs in with HTTP Basic (user = id); only the secret's hash is
-- stored (ASP.NET Core PasswordHasher format).
CREATE TABLE gates.gates (
    id           text PRIMARY KEY,
    facility_id  text NOT NULL REFERENCES parking.facilities (id),
    lane         text NOT NULL CHECK (lane IN ('entry', 'exit')),
    secret_hash  text NOT NULL,
    description  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    disabled_at  timestamptz
);
CREATE INDEX ix_gates_facility ON gates.gates (facility_id);

-- Vehicle-detected events, persisted before the controller gets its ack. The event id is the
-- controller's own, so a replayed offline buffer hits the unique key and is not stored twice.
-- The table is also the outbox towards the workflows: delivered_at stays NULL until the device
-- event sink accepted the event; next_attempt_at is the retry schedule.
CREATE TABLE gates.events (
    seq              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    gate_id          text NOT NULL REFERENCES gates.gates (id),
    event_id         text NOT NULL,
    facility_id      text NOT NULL,
    direction        text NOT NULL CHECK (direction IN ('entry', 'exit')),
    plate            text NOT NULL,
    device_time      timestamptz NOT NULL,
    photo_ref        text,
    received_at      timestamptz NOT NULL,
    delivered_at     timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    last_error       text,
    CONSTRAINT uq_gate_events_event UNIQUE (gate_id, event_id)
);
CREATE INDEX ix_gate_events_pending ON gates.events (next_attempt_at, seq) WHERE delivered_at IS NULL;

-- Commands sent to gates, with their outcome, for the operator's audit trail.
CREATE TABLE gates.commands (
    id            uuid PRIMARY KEY,
    gate_id       text NOT NULL REFERENCES gates.gates (id),
    kind          text NOT NULL CHECK (kind IN ('openBarrier', 'showMessage')),
    session_id    text,
    text          text,
    status        text NOT NULL CHECK (status IN ('sent', 'acknowledged', 'rejected', 'timedOut', 'offline')),
    created_at    timestamptz NOT NULL,
    completed_at  timestamptz
);
CREATE INDEX ix_gate_commands_gate_time ON gates.commands (gate_id, created_at);

-- Which gateway instance holds each connected gate's WebSocket, so a command that arrives at
-- another instance is forwarded to internal_url. A row is replaced when the gate connects
-- elsewhere and removed when its socket closes.
CREATE TABLE gates.gate_owners (
    gate_id       text PRIMARY KEY REFERENCES gates.gates (id),
    instance_id   text NOT NULL,
    internal_url  text NOT NULL,
    claimed_at    timestamptz NOT NULL
);
