-- A login is a session: its refresh tokens are one family and its access tokens carry its id (sid), so logging out,
-- or presenting a rotated refresh token again after the grace window, revokes them all together (issue 16).
CREATE TABLE accounts.auth_sessions (
    id              uuid PRIMARY KEY,
    customer_id     uuid NOT NULL REFERENCES accounts.customers (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    revoked_reason  text
);
CREATE INDEX ix_auth_sessions_customer ON accounts.auth_sessions (customer_id);

-- successor_sealed: the pair a rotation issued, AES-GCM sealed under a key derived from the rotated token, so a second
-- refresh within the grace window gets the same pair; useless without the old token, which only its hash stands for.
ALTER TABLE accounts.refresh_tokens
    ADD COLUMN session_id uuid REFERENCES accounts.auth_sessions (id) ON DELETE CASCADE,
    ADD COLUMN successor_sealed bytea;
CREATE INDEX ix_refresh_tokens_session ON accounts.refresh_tokens (session_id);
