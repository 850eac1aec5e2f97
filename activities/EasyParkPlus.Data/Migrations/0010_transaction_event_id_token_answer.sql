-- What the gateway answered a station about a TransactionEvent's idToken, kept with the event (issue 16): only a
-- token it accepted as registered to a customer bills that customer; Unknown or Invalid bills nobody.
ALTER TABLE gateway.transaction_events
    ADD COLUMN id_token_type text,
    ADD COLUMN id_token_status text CHECK (id_token_status IN ('Accepted', 'Invalid', 'Unknown'));
