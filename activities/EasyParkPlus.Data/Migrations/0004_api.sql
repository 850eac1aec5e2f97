-- Tables the api owns: Idempotency-Key replays, the audit trail of operator actions on workflows,
-- and the Stripe webhook events already handled (deduplicated by Stripe's event id).
CREATE SCHEMA IF NOT EXISTS api;

CREATE TABLE api.idempotency_keys (
    scope          text NOT NULL,          -- the caller: "sub:<id>" or "anon"
    key            text NOT NULL,
    method         text NOT NULL,
    path           text NOT NULL,
    request_hash   text NOT NULL,          -- SHA-256 of method, path and body: same key + other body is refused
    status_code    integer,                -- NULL while the first request is still running
    content_type   text,
    location       text,
    response_body  bytea,
    created_at     timestamptz NOT NULL DEFAULT now(),
    completed_at   timestamptz,
    PRIMARY KEY (scope, key)
);
CREATE INDEX ix_idempotency_keys_created ON api.idempotency_keys (created_at);

CREATE TABLE api.operator_audit (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at     timestamptz NOT NULL,
    actor_id        text NOT NULL,
    actor_email     text,
    action          text NOT NULL CHECK (action IN ('signal', 'cancel', 'terminate')),
    workflow_id     text NOT NULL,
    run_id          text,
    detail          jsonb NOT NULL DEFAULT '{}'::jsonb,
    outcome         text NOT NULL,
    correlation_id  text
);
CREATE INDEX ix_operator_audit_workflow ON api.operator_audit (workflow_id, occurred_at);

CREATE TABLE api.stripe_webhook_events (
    event_id     text PRIMARY KEY,
    type         text NOT NULL,
    object_id    text,
    received_at  timestamptz NOT NULL DEFAULT now(),
    payload      jsonb NOT NULL
);
