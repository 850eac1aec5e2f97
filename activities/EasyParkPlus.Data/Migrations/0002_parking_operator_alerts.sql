-- Operator alerts raised by workflows (overstays, unpaid exits, declined cards). One alert per
-- workflow and kind, so a retried activity never pages an operator twice.

CREATE TABLE parking.operator_alerts (
    id               uuid PRIMARY KEY,
    workflow_id      text NOT NULL,
    facility_id      text NOT NULL,
    kind             text NOT NULL,
    message          text NOT NULL,
    raised_at        timestamptz NOT NULL,
    acknowledged_at  timestamptz,
    acknowledged_by  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_operator_alerts_workflow_kind UNIQUE (workflow_id, kind)
);
CREATE INDEX ix_operator_alerts_open ON parking.operator_alerts (facility_id, raised_at DESC) WHERE acknowledged_at IS NULL;
