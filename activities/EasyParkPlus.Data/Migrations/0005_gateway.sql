-- The ocpp-gateway's charger side (ocpp-gateway/.../Ocpp): station logins, the last known connector
-- states, the transaction events received from stations (also the outbox towards the workflows),
-- meter values, id tokens and the per-facility power allocations.
CREATE SCHEMA IF NOT EXISTS gateway;

-- OCPP security profile 1: HTTP Basic with the station id as user name. Only the password's hash
-- is stored (ASP.NET Core PasswordHasher format).
CREATE TABLE gateway.station_credentials (
    station_id   text PRIMARY KEY REFERENCES charging.chargers (station_id) ON DELETE CASCADE,
    secret_hash  text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

-- Last StatusNotification per connector, read by the api and the operator console.
CREATE TABLE gateway.connector_status (
    station_id    text NOT NULL,
    evse_id       integer NOT NULL,
    connector_id  integer NOT NULL,
    status        text NOT NULL CHECK (status IN ('Available', 'Occupied', 'Reserved', 'Unavailable', 'Faulted')),
    device_time   timestamptz NOT NULL,
    received_at   timestamptz NOT NULL,
    PRIMARY KEY (station_id, evse_id, connector_id)
);

-- Each TransactionEvent once: a station replaying its offline queue hits the unique key. The row is
-- persisted before the station gets its answer; delivered_at stays NULL until IDeviceEventSink took it.
CREATE TABLE gateway.transaction_events (
    seq              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id       text NOT NULL,
    transaction_id   text NOT NULL,
    seq_no           integer NOT NULL CHECK (seq_no >= 0),
    event_type       text NOT NULL CHECK (event_type IN ('Started', 'Updated', 'Ended')),
    evse_id          integer,
    connector_id     integer,
    device_time      timestamptz NOT NULL,
    trigger_reason   text NOT NULL,
    charging_state   text,
    energy_wh        bigint,
    id_token         text,
    remote_start_id  integer,
    stopped_reason   text,
    offline          boolean NOT NULL DEFAULT false,
    payload          jsonb NOT NULL,
    received_at      timestamptz NOT NULL,
    delivered_at     timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    last_error       text,
    CONSTRAINT uq_transaction_events UNIQUE (station_id, transaction_id, seq_no)
);
CREATE INDEX ix_transaction_events_pending ON gateway.transaction_events (next_attempt_at) WHERE delivered_at IS NULL;

-- MeterValues messages outside transactions (kept raw; the energy of a transaction travels with its events).
CREATE TABLE gateway.meter_values (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id   text NOT NULL,
    evse_id      integer NOT NULL,
    energy_wh    bigint,
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL
);

-- Tokens (RFID cards, app tokens) a station may present in Authorize, mapped to customers.
CREATE TABLE gateway.id_tokens (
    id_token     text PRIMARY KEY,
    customer_id  uuid NOT NULL REFERENCES accounts.customers (id),
    blocked      boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Power granted per charging session within its facility's budget; re-balanced on every reserve/release.
CREATE TABLE gateway.power_allocations (
    facility_id   text NOT NULL,
    session_id    text NOT NULL,
    station_id    text NOT NULL,
    evse_id       integer NOT NULL,
    requested_w   integer NOT NULL CHECK (requested_w > 0),
    allocated_w   integer NOT NULL CHECK (allocated_w >= 0),
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (facility_id, session_id)
);

-- Which gateway instance holds each connected station's WebSocket; a command arriving at another
-- instance is forwarded to internal_url. Claimed before the upgrade, removed (own claim only) on close.
CREATE TABLE gateway.station_owners (
    station_id    text PRIMARY KEY,
    instance_id   text NOT NULL,
    internal_url  text NOT NULL,
    claimed_at    timestamptz NOT NULL
);
