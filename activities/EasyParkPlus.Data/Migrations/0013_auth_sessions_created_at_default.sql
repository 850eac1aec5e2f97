-- Every created_at column defaults to now() (the EF model declares it for all of them, SchemaDriftTests compare);
-- 0011 left it out for auth_sessions. The api sets it from its TimeProvider, so existing rows are unchanged.
ALTER TABLE accounts.auth_sessions ALTER COLUMN created_at SET DEFAULT now();
