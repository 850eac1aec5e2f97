-- The workflow engine's own schema. Every table is keyed by workflow_id first, so the engine could be
-- distributed by workflow id (Citus) without any hot-path query joining across executions.

CREATE SCHEMA IF NOT EXISTS engine;

-- Raises a conflict the store maps to "drop your work and reload": used as a guard inside batches, so a
-- batch of statements either applies as a whole or not at all (one round trip, one commit).
CREATE OR REPLACE FUNCTION engine.expect(actual bigint, expected bigint, what text, code text DEFAULT 'EP001')
RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    IF actual IS DISTINCT FROM expected THEN
        RAISE EXCEPTION 'engine guard failed: %', what USING ERRCODE = code;
    END IF;
    RETURN actual;
END $$;

CREATE SEQUENCE engine.claim_tokens;

CREATE TABLE engine.executions (
    workflow_id                text        NOT NULL,
    run_id                     text        NOT NULL,
    workflow_type              text        NOT NULL,
    task_queue                 text        NOT NULL,
    status                     smallint    NOT NULL,            -- 1 running, 2 completed, 3 failed, 4 canceled, 5 terminated, 6 continued-as-new, 7 timed out
    next_event_id              bigint      NOT NULL,            -- optimistic concurrency on the history
    start_time                 timestamptz NOT NULL,
    close_time                 timestamptz,
    request_id                 text,
    parent_workflow_id         text,
    parent_run_id              text,
    parent_initiated_event_id  bigint,
    parent_close_policy        smallint,
    cancel_requested           boolean     NOT NULL DEFAULT false,
    search_attributes          jsonb       NOT NULL DEFAULT '{}',
    result                     jsonb,
    failure                    jsonb,
    continued_as_run_id        text,
    workflow_task_failure      jsonb,
    run_seq                    bigint      GENERATED ALWAYS AS IDENTITY,   -- orders the runs of one id
    PRIMARY KEY (workflow_id, run_id)
);
-- At most one running execution per workflow id.
CREATE UNIQUE INDEX executions_one_running ON engine.executions (workflow_id) WHERE status = 1;
CREATE INDEX executions_latest ON engine.executions (workflow_id, run_seq DESC);
CREATE INDEX executions_by_start ON engine.executions (start_time DESC, run_id DESC);
CREATE INDEX executions_by_type ON engine.executions (workflow_type, start_time DESC);
CREATE INDEX executions_by_status ON engine.executions (status, start_time DESC);
CREATE INDEX executions_search ON engine.executions USING gin (search_attributes jsonb_path_ops);
CREATE INDEX executions_running_children ON engine.executions (parent_workflow_id, parent_run_id) WHERE status = 1 AND parent_workflow_id IS NOT NULL;
CREATE INDEX executions_closed ON engine.executions (close_time) WHERE close_time IS NOT NULL;

CREATE TABLE engine.history (
    workflow_id  text        NOT NULL,
    run_id       text        NOT NULL,
    event_id     bigint      NOT NULL,
    event_type   text        NOT NULL,
    event_time   timestamptz NOT NULL,
    attributes   jsonb       NOT NULL,
    PRIMARY KEY (workflow_id, run_id, event_id)
);

-- At most one per run (invariant 3). due_at is when it may be claimed: the visible time while waiting,
-- the end of the lease while claimed, so one index serves fresh tasks and expired leases alike.
CREATE TABLE engine.workflow_tasks (
    workflow_id  text        NOT NULL,
    run_id       text        NOT NULL,
    task_queue   text        NOT NULL,
    due_at       timestamptz NOT NULL,
    claimed_by   text,
    claim_token  bigint      NOT NULL DEFAULT 0,
    attempt      integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (workflow_id, run_id)
);
CREATE INDEX workflow_tasks_due ON engine.workflow_tasks (task_queue, due_at);

CREATE TABLE engine.activity_tasks (
    workflow_id          text        NOT NULL,
    run_id               text        NOT NULL,
    scheduled_event_id   bigint      NOT NULL,
    workflow_type        text        NOT NULL,
    task_queue           text        NOT NULL,
    activity_type        text        NOT NULL,
    input                jsonb       NOT NULL,
    attempt              integer     NOT NULL DEFAULT 1,
    start_to_close_ms    bigint,
    heartbeat_timeout_ms bigint,
    deadline             timestamptz,                 -- schedule-to-close
    retry_policy         jsonb       NOT NULL,
    scheduled_time       timestamptz NOT NULL,
    visible_at           timestamptz NOT NULL,        -- when the next attempt may start
    claimed_by           text,
    claim_token          bigint      NOT NULL DEFAULT 0,
    lease_until          timestamptz,
    started_time         timestamptz,
    last_heartbeat       timestamptz,
    heartbeat_details    jsonb,
    last_failure         jsonb,
    trace_parent         text,
    PRIMARY KEY (workflow_id, run_id, scheduled_event_id)
);
CREATE INDEX activity_tasks_ready ON engine.activity_tasks (task_queue, visible_at) WHERE claimed_by IS NULL;
CREATE INDEX activity_tasks_leases ON engine.activity_tasks (lease_until) WHERE claimed_by IS NOT NULL;
CREATE INDEX activity_tasks_deadlines ON engine.activity_tasks (deadline) WHERE deadline IS NOT NULL;

CREATE TABLE engine.timers (
    workflow_id       text        NOT NULL,
    run_id            text        NOT NULL,
    started_event_id  bigint      NOT NULL,
    fire_at           timestamptz NOT NULL,
    PRIMARY KEY (workflow_id, run_id, started_event_id)
);
CREATE INDEX timers_due ON engine.timers (fire_at);

-- Signals are idempotent by request id (invariant 7).
CREATE TABLE engine.signal_requests (
    workflow_id  text        NOT NULL,
    request_id   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (workflow_id, request_id)
);

-- Processes waiting for a workflow to close: a close notifies only when someone listens, because NOTIFY
-- serialises committing transactions and must stay off the hot path.
CREATE TABLE engine.close_watchers (
    workflow_id  text        NOT NULL,
    watcher      text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workflow_id, watcher)
);
