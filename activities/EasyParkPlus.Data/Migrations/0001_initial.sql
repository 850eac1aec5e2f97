-- EasyParkPlus data model: one schema per bounded context. The workflow engine owns its own
-- schema ("engine") and migrates it itself; nothing here touches it.
-- Foreign keys stay inside a schema: a context refers to another one by id only, so a schema can
-- move to its own database later without untangling constraints.
-- Money is bigint cents; times are timestamptz (UTC); enums are snake_case text with CHECKs.

CREATE SCHEMA IF NOT EXISTS parking;
CREATE SCHEMA IF NOT EXISTS reservation;
CREATE SCHEMA IF NOT EXISTS charging;
CREATE SCHEMA IF NOT EXISTS billing;
CREATE SCHEMA IF NOT EXISTS accounts;
CREATE SCHEMA IF NOT EXISTS analytics;

-- ---------------------------------------------------------------- parking

CREATE TABLE parking.facilities (
    id          text PRIMARY KEY CHECK (id ~ '^[A-Z]{3}$'),
    name        text NOT NULL,
    city        text NOT NULL,
    time_zone   text NOT NULL,
    address     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE parking.levels (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    facility_id  text NOT NULL REFERENCES parking.facilities (id),
    number       integer NOT NULL,
    name         text NOT NULL,
    CONSTRAINT uq_levels_facility_number UNIQUE (facility_id, number)
);

CREATE TABLE parking.spaces (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    facility_id         text NOT NULL REFERENCES parking.facilities (id),
    level_id            uuid NOT NULL REFERENCES parking.levels (id),
    label               text NOT NULL,
    space_type          text NOT NULL CHECK (space_type IN ('regular', 'ev', 'accessible')),
    status              text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'occupied', 'reserved', 'maintenance')),
    -- Who holds the space: the occupying parking session, or the reservation it is reserved for.
    parking_session_id  uuid,
    reservation_id      uuid,
    status_changed_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_spaces_facility_label UNIQUE (facility_id, label),
    CONSTRAINT ck_spaces_holder CHECK (
        (status = 'occupied' AND parking_session_id IS NOT NULL)
        OR (status = 'reserved' AND reservation_id IS NOT NULL AND parking_session_id IS NULL)
        OR (status IN ('available', 'maintenance') AND parking_session_id IS NULL AND reservation_id IS NULL))
);
-- A session or reservation holds at most one space: this is what makes allocation idempotent.
CREATE UNIQUE INDEX uq_spaces_parking_session ON parking.spaces (parking_session_id) WHERE parking_session_id IS NOT NULL;
CREATE UNIQUE INDEX uq_spaces_reservation ON parking.spaces (reservation_id) WHERE reservation_id IS NOT NULL;
CREATE INDEX ix_spaces_facility_type_status ON parking.spaces (facility_id, space_type, status);

CREATE TABLE parking.parking_sessions (
    id                   uuid PRIMARY KEY,
    workflow_id          text NOT NULL CONSTRAINT uq_parking_sessions_workflow UNIQUE,
    facility_id          text NOT NULL REFERENCES parking.facilities (id),
    plate                text NOT NULL CHECK (plate ~ '^[A-Z0-9]{1,12}$'),
    space_type           text NOT NULL CHECK (space_type IN ('regular', 'ev', 'accessible')),
    space_id             uuid REFERENCES parking.spaces (id),
    vehicle_id           uuid,
    customer_id          uuid,
    reservation_id       uuid,
    subscription_id      uuid,
    status               text NOT NULL CHECK (status IN ('active', 'exited', 'completed', 'payment_failed', 'cancelled')),
    entry_device_at      timestamptz NOT NULL,
    entry_received_at    timestamptz NOT NULL,
    exit_device_at       timestamptz,
    exit_received_at     timestamptz,
    price_cents          bigint NOT NULL DEFAULT 0,
    prepaid_credit_cents bigint NOT NULL DEFAULT 0,
    amount_due_cents     bigint NOT NULL DEFAULT 0,
    amount_paid_cents    bigint NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_parking_sessions_facility_status ON parking.parking_sessions (facility_id, status);
CREATE INDEX ix_parking_sessions_plate ON parking.parking_sessions (plate, entry_device_at DESC);
CREATE INDEX ix_parking_sessions_customer ON parking.parking_sessions (customer_id) WHERE customer_id IS NOT NULL;

-- ---------------------------------------------------------------- reservation

CREATE TABLE reservation.reservations (
    id                  uuid PRIMARY KEY,
    workflow_id         text NOT NULL CONSTRAINT uq_reservations_workflow UNIQUE,
    customer_id         uuid NOT NULL,
    facility_id         text NOT NULL,
    space_type          text NOT NULL CHECK (space_type IN ('regular', 'ev', 'accessible')),
    plate               text CHECK (plate ~ '^[A-Z0-9]{1,12}$'),
    slot_start          timestamptz NOT NULL,
    slot_end            timestamptz NOT NULL,
    status              text NOT NULL CHECK (status IN ('booked', 'fulfilled', 'no_show', 'cancelled')),
    prepaid_cents       bigint NOT NULL DEFAULT 0 CHECK (prepaid_cents >= 0),
    refunded_cents      bigint NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0),
    parking_session_id  uuid,
    cancelled_at        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_reservations_slot CHECK (slot_end > slot_start),
    CONSTRAINT ck_reservations_refund CHECK (refunded_cents <= prepaid_cents)
);
CREATE INDEX ix_reservations_customer ON reservation.reservations (customer_id, slot_start DESC);
CREATE INDEX ix_reservations_facility_slot ON reservation.reservations (facility_id, slot_start);

-- Capacity promised to a reservation for its slot, one row per reservation. Held capacity is
-- counted against the spaces of the type (not in maintenance) when booking, and against the free
-- spaces when a walk-in asks for one during the slot; at arrival it becomes a concrete space.
CREATE TABLE reservation.capacity_holds (
    reservation_id      uuid PRIMARY KEY,
    facility_id         text NOT NULL,
    space_type          text NOT NULL CHECK (space_type IN ('regular', 'ev', 'accessible')),
    slot_start          timestamptz NOT NULL,
    slot_end            timestamptz NOT NULL,
    status              text NOT NULL CHECK (status IN ('held', 'promoted', 'consumed', 'released')),
    space_id            uuid,
    parking_session_id  uuid,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_capacity_holds_slot CHECK (slot_end > slot_start)
);
CREATE INDEX ix_capacity_holds_active ON reservation.capacity_holds (facility_id, space_type, slot_start, slot_end)
    WHERE status <> 'released';

-- ---------------------------------------------------------------- charging

CREATE TABLE charging.chargers (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    station_id        text NOT NULL CONSTRAINT uq_chargers_station UNIQUE,
    facility_id       text NOT NULL,
    vendor            text,
    model             text,
    serial_number     text,
    firmware_version  text,
    max_power_w       integer NOT NULL CHECK (max_power_w > 0),
    last_boot_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_chargers_facility ON charging.chargers (facility_id);

CREATE TABLE charging.evses (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    charger_id   uuid NOT NULL REFERENCES charging.chargers (id) ON DELETE CASCADE,
    evse_number  integer NOT NULL CHECK (evse_number > 0),
    -- The parking space this EVSE's cable reaches (parking.spaces.id), when known.
    space_id     uuid,
    max_power_w  integer NOT NULL CHECK (max_power_w > 0),
    CONSTRAINT uq_evses_charger_number UNIQUE (charger_id, evse_number)
);

CREATE TABLE charging.connectors (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    evse_id           uuid NOT NULL REFERENCES charging.evses (id) ON DELETE CASCADE,
    connector_number  integer NOT NULL CHECK (connector_number > 0),
    connector_type    text NOT NULL,
    CONSTRAINT uq_connectors_evse_number UNIQUE (evse_id, connector_number)
);

CREATE TABLE charging.charging_sessions (
    id                   uuid PRIMARY KEY,
    workflow_id          text NOT NULL CONSTRAINT uq_charging_sessions_workflow UNIQUE,
    charger_id           uuid NOT NULL REFERENCES charging.chargers (id),
    evse_id              uuid NOT NULL REFERENCES charging.evses (id),
    connector_number     integer,
    transaction_id       text NOT NULL,
    customer_id          uuid,
    parking_session_id   uuid,
    status               text NOT NULL CHECK (status IN ('active', 'completed', 'failed')),
    started_device_at    timestamptz NOT NULL,
    started_received_at  timestamptz NOT NULL,
    ended_device_at      timestamptz,
    ended_received_at    timestamptz,
    meter_start_wh       bigint,
    meter_stop_wh        bigint,
    energy_wh            bigint NOT NULL DEFAULT 0 CHECK (energy_wh >= 0),
    idle_seconds         bigint NOT NULL DEFAULT 0 CHECK (idle_seconds >= 0),
    billed_idle_minutes  bigint NOT NULL DEFAULT 0 CHECK (billed_idle_minutes >= 0),
    session_fee_cents    bigint NOT NULL DEFAULT 0,
    energy_charge_cents  bigint NOT NULL DEFAULT 0,
    idle_fee_cents       bigint NOT NULL DEFAULT 0,
    total_cents          bigint NOT NULL DEFAULT 0,
    stop_reason          text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- OCPP transaction ids are unique per charging station.
    CONSTRAINT uq_charging_sessions_transaction UNIQUE (charger_id, transaction_id)
);
CREATE INDEX ix_charging_sessions_status ON charging.charging_sessions (status) WHERE status = 'active';

-- Cumulative meter readings (Energy.Active.Import.Register) with the charger's own timestamps.
-- (session, seq_no, device_at) makes a re-delivered TransactionEvent a no-op.
CREATE TABLE charging.energy_readings (
    id                   bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    charging_session_id  uuid NOT NULL REFERENCES charging.charging_sessions (id) ON DELETE CASCADE,
    seq_no               integer NOT NULL,
    device_at            timestamptz NOT NULL,
    received_at          timestamptz NOT NULL,
    energy_wh            bigint NOT NULL CHECK (energy_wh >= 0),
    power_w              integer,
    CONSTRAINT uq_energy_readings_event UNIQUE (charging_session_id, seq_no, device_at)
);

CREATE TABLE charging.charging_state_events (
    id                   bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    charging_session_id  uuid NOT NULL REFERENCES charging.charging_sessions (id) ON DELETE CASCADE,
    seq_no               integer NOT NULL,
    device_at            timestamptz NOT NULL,
    received_at          timestamptz NOT NULL,
    state                text NOT NULL CHECK (state IN ('charging', 'ev_connected', 'suspended_ev', 'suspended_evse', 'idle')),
    CONSTRAINT uq_charging_state_events_event UNIQUE (charging_session_id, seq_no)
);

-- ---------------------------------------------------------------- billing

CREATE TABLE billing.invoices (
    id                  uuid PRIMARY KEY,
    source_workflow_id  text NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('parking', 'charging', 'reservation', 'subscription')),
    -- Distinguishes several invoices of one workflow and kind, e.g. the period of a monthly renewal.
    reference           text NOT NULL DEFAULT '',
    customer_id         uuid,
    facility_id         text,
    currency            text NOT NULL DEFAULT 'usd',
    total_cents         bigint NOT NULL,
    status              text NOT NULL CHECK (status IN ('open', 'paid', 'void', 'uncollectible')),
    issued_at           timestamptz NOT NULL,
    paid_at             timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_invoices_source UNIQUE (source_workflow_id, kind, reference)
);
CREATE INDEX ix_invoices_customer ON billing.invoices (customer_id, issued_at DESC) WHERE customer_id IS NOT NULL;

CREATE TABLE billing.invoice_line_items (
    id                bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    invoice_id        uuid NOT NULL REFERENCES billing.invoices (id) ON DELETE CASCADE,
    position          integer NOT NULL,
    code              text NOT NULL,
    description       text NOT NULL,
    quantity          numeric(18, 3) NOT NULL,
    unit              text NOT NULL,
    unit_price_cents  bigint NOT NULL,
    amount_cents      bigint NOT NULL,
    CONSTRAINT uq_invoice_line_items_position UNIQUE (invoice_id, position)
);

CREATE TABLE billing.payments (
    id                        uuid PRIMARY KEY,
    invoice_id                uuid REFERENCES billing.invoices (id),
    customer_id               uuid,
    idempotency_key           text NOT NULL CONSTRAINT uq_payments_idempotency_key UNIQUE,
    stripe_payment_intent_id  text CONSTRAINT uq_payments_stripe_payment_intent UNIQUE,
    status                    text NOT NULL CHECK (status IN ('pending', 'requires_payment_method', 'requires_confirmation',
                                  'requires_action', 'processing', 'requires_capture', 'succeeded', 'canceled', 'failed')),
    capture_method            text NOT NULL CHECK (capture_method IN ('automatic', 'manual')),
    currency                  text NOT NULL DEFAULT 'usd',
    amount_cents              bigint NOT NULL CHECK (amount_cents >= 0),
    amount_authorized_cents   bigint NOT NULL DEFAULT 0,
    amount_captured_cents     bigint NOT NULL DEFAULT 0,
    failure_code              text,
    failure_message           text,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_payments_invoice ON billing.payments (invoice_id) WHERE invoice_id IS NOT NULL;

CREATE TABLE billing.refunds (
    id                uuid PRIMARY KEY,
    payment_id        uuid NOT NULL REFERENCES billing.payments (id),
    idempotency_key   text NOT NULL CONSTRAINT uq_refunds_idempotency_key UNIQUE,
    stripe_refund_id  text CONSTRAINT uq_refunds_stripe_refund UNIQUE,
    amount_cents      bigint NOT NULL CHECK (amount_cents > 0),
    reason            text,
    status            text NOT NULL CHECK (status IN ('pending', 'requires_action', 'succeeded', 'failed', 'canceled')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE billing.receipts (
    id           uuid PRIMARY KEY,
    -- The customer-facing receipt number, gap-tolerant and increasing.
    number       bigint GENERATED BY DEFAULT AS IDENTITY CONSTRAINT uq_receipts_number UNIQUE,
    invoice_id   uuid NOT NULL REFERENCES billing.invoices (id) CONSTRAINT uq_receipts_invoice UNIQUE,
    payment_id   uuid REFERENCES billing.payments (id),
    total_cents  bigint NOT NULL,
    emailed_to   text,
    issued_at    timestamptz NOT NULL
);

CREATE TABLE billing.subscription_plans (
    code                 text PRIMARY KEY,
    name                 text NOT NULL,
    -- NULL: the plan covers every facility.
    facility_id          text,
    monthly_price_cents  bigint NOT NULL CHECK (monthly_price_cents >= 0),
    active               boolean NOT NULL DEFAULT true
);

CREATE TABLE billing.subscriptions (
    id                    uuid PRIMARY KEY,
    workflow_id           text NOT NULL CONSTRAINT uq_subscriptions_workflow UNIQUE,
    customer_id           uuid NOT NULL,
    plan_code             text NOT NULL REFERENCES billing.subscription_plans (code),
    -- The plan's facility scope when bought (NULL: all facilities), kept if the plan changes later.
    facility_id           text,
    status                text NOT NULL CHECK (status IN ('active', 'past_due', 'suspended', 'cancelled')),
    price_cents           bigint NOT NULL CHECK (price_cents >= 0),
    anchor_at             timestamptz NOT NULL,
    current_period_start  timestamptz NOT NULL,
    current_period_end    timestamptz NOT NULL,
    payment_method_id     uuid,
    past_due_since        timestamptz,
    cancelled_at          timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_subscriptions_period CHECK (current_period_end > current_period_start)
);
CREATE INDEX ix_subscriptions_customer ON billing.subscriptions (customer_id, status);

-- ---------------------------------------------------------------- accounts

CREATE TABLE accounts.customers (
    id                  uuid PRIMARY KEY,
    email               text NOT NULL CONSTRAINT uq_customers_email UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
    name                text NOT NULL,
    role                text NOT NULL CHECK (role IN ('driver', 'operator', 'admin')),
    -- ASP.NET Core PasswordHasher<T> format (base64, versioned); NULL for accounts without a password.
    password_hash       text,
    stripe_customer_id  text CONSTRAINT uq_customers_stripe_customer UNIQUE,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts.payment_methods (
    id                        uuid PRIMARY KEY,
    customer_id               uuid NOT NULL REFERENCES accounts.customers (id) ON DELETE CASCADE,
    stripe_customer_id        text NOT NULL,
    stripe_payment_method_id  text NOT NULL CONSTRAINT uq_payment_methods_stripe UNIQUE,
    brand                     text NOT NULL,
    last4                     text NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
    exp_month                 integer CHECK (exp_month BETWEEN 1 AND 12),
    exp_year                  integer,
    is_default                boolean NOT NULL DEFAULT false,
    created_at                timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_payment_methods_default ON accounts.payment_methods (customer_id) WHERE is_default;

CREATE TABLE accounts.vehicles (
    id           uuid PRIMARY KEY,
    customer_id  uuid NOT NULL REFERENCES accounts.customers (id) ON DELETE CASCADE,
    plate        text NOT NULL CHECK (plate ~ '^[A-Z0-9]{1,12}$'),
    fuel         text NOT NULL CHECK (fuel IN ('ice', 'ev')),
    kind         text NOT NULL CHECK (kind IN ('car', 'motorcycle', 'van', 'truck')),
    nickname     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_vehicles_customer_plate UNIQUE (customer_id, plate)
);
CREATE INDEX ix_vehicles_plate ON accounts.vehicles (plate);

CREATE TABLE accounts.refresh_tokens (
    id              uuid PRIMARY KEY,
    customer_id     uuid NOT NULL REFERENCES accounts.customers (id) ON DELETE CASCADE,
    -- Only a hash of the token is stored, so a database leak does not leak sessions.
    token_hash      text NOT NULL CONSTRAINT uq_refresh_tokens_hash UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    replaced_by_id  uuid REFERENCES accounts.refresh_tokens (id)
);
CREATE INDEX ix_refresh_tokens_customer ON accounts.refresh_tokens (customer_id);

-- Gate controllers authenticate with an id and a secret; only the secret's hash is stored.
CREATE TABLE accounts.device_credentials (
    id           text PRIMARY KEY,
    facility_id  text NOT NULL,
    secret_hash  text NOT NULL,
    description  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

-- ---------------------------------------------------------------- analytics

CREATE TABLE analytics.occupancy_events (
    id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    facility_id         text NOT NULL,
    space_id            uuid,
    space_type          text NOT NULL CHECK (space_type IN ('regular', 'ev', 'accessible')),
    parking_session_id  uuid NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('occupied', 'vacated')),
    occurred_at         timestamptz NOT NULL,
    recorded_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_occupancy_events_session_kind UNIQUE (parking_session_id, kind)
);
CREATE INDEX ix_occupancy_events_facility_time ON analytics.occupancy_events (facility_id, occurred_at);
