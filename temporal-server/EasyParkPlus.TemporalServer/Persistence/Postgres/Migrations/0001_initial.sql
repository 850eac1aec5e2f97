-- The server's own schema. Keys are (namespace name, workflow id, run id); text keys compare by code point ("C").

-- Raised inside a commit batch when a guard does not hold; SQLSTATE TP409 becomes CommitConflictException.
CREATE FUNCTION temporal.expect(ok boolean, what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ok THEN
        RAISE EXCEPTION '%', what USING ERRCODE = 'TP409';
    END IF;
END
$$;

CREATE TABLE temporal.namespaces (
    name text COLLATE "C" PRIMARY KEY,
    record jsonb NOT NULL,
    revision bigint NOT NULL
);

-- One row per run: its state (version-guarded) as of the last commit.
CREATE TABLE temporal.runs (
    namespace text COLLATE "C" NOT NULL,
    workflow_id text COLLATE "C" NOT NULL,
    run_id text COLLATE "C" NOT NULL,
    version bigint NOT NULL,
    state bytea NOT NULL,
    PRIMARY KEY (namespace, workflow_id, run_id)
);

-- Dense, append-only histories: event ids from 1 without gaps, each a serialized HistoryEvent.
CREATE TABLE temporal.events (
    namespace text COLLATE "C" NOT NULL,
    workflow_id text COLLATE "C" NOT NULL,
    run_id text COLLATE "C" NOT NULL,
    event_id bigint NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (namespace, workflow_id, run_id, event_id)
);

CREATE TABLE temporal.current_runs (
    namespace text COLLATE "C" NOT NULL,
    workflow_id text COLLATE "C" NOT NULL,
    run_id text COLLATE "C" NOT NULL,
    status integer NOT NULL,
    start_request_id text NOT NULL,
    start_time timestamptz NOT NULL,
    PRIMARY KEY (namespace, workflow_id)
);

-- Task rows are named by what they are for, so adding twice or deleting a gone one is harmless.
-- lease_until: a claim holds the row until then; -infinity = unclaimed.
CREATE TABLE temporal.timer_tasks (
    namespace text COLLATE "C" NOT NULL,
    workflow_id text COLLATE "C" NOT NULL,
    run_id text COLLATE "C" NOT NULL,
    kind smallint NOT NULL,
    entity text COLLATE "C" NOT NULL,
    stamp bigint NOT NULL,
    fire_time timestamptz NOT NULL,
    lease_until timestamptz NOT NULL DEFAULT '-infinity',
    PRIMARY KEY (namespace, workflow_id, run_id, kind, entity, stamp)
);
CREATE INDEX timer_tasks_due ON temporal.timer_tasks (fire_time);

CREATE TABLE temporal.queue_tasks (
    namespace text COLLATE "C" NOT NULL,
    workflow_id text COLLATE "C" NOT NULL,
    run_id text COLLATE "C" NOT NULL,
    type smallint NOT NULL,
    scheduled_event_id bigint NOT NULL,
    stamp bigint NOT NULL,
    task_queue text COLLATE "C" NOT NULL,
    created_time timestamptz NOT NULL,
    lease_until timestamptz NOT NULL DEFAULT '-infinity',
    PRIMARY KEY (namespace, workflow_id, run_id, type, scheduled_event_id, stamp)
);
CREATE INDEX queue_tasks_queue ON temporal.queue_tasks (namespace, task_queue, type, created_time);

CREATE TABLE temporal.transfer_tasks (
    namespace text COLLATE "C" NOT NULL,
    workflow_id text COLLATE "C" NOT NULL,
    run_id text COLLATE "C" NOT NULL,
    kind smallint NOT NULL,
    event_id bigint NOT NULL,
    created_time timestamptz NOT NULL,
    lease_until timestamptz NOT NULL DEFAULT '-infinity',
    PRIMARY KEY (namespace, workflow_id, run_id, kind, event_id)
);

-- The store's visibility records, written in the same transaction as the history.
CREATE TABLE temporal.visibility (
    namespace text COLLATE "C" NOT NULL,
    run_id text COLLATE "C" NOT NULL,
    workflow_id text COLLATE "C" NOT NULL,
    start_time timestamptz NOT NULL,
    record bytea NOT NULL,
    PRIMARY KEY (namespace, run_id)
);
CREATE INDEX visibility_order ON temporal.visibility (namespace, start_time DESC, run_id);
