-- Sessions become records: a public id apart from the token hash, the
-- client that opened them, how the person signed in, and the passkey that
-- opened or last re-authenticated them (so deleting that passkey ends them).
-- Sessions from before this migration lack those facts: they end, and
-- everyone signs in once more after the upgrade.
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN id TEXT NOT NULL DEFAULT '';            -- random UUID, safe to show
ALTER TABLE sessions ADD COLUMN signin_method TEXT NOT NULL DEFAULT 'password'; -- how it was opened (AuthMethod)
ALTER TABLE sessions ADD COLUMN client_addr TEXT;                       -- as the server saw it
ALTER TABLE sessions ADD COLUMN user_agent TEXT;                        -- at most 300 characters
-- The passkey columns reference the passkey, so that a session cannot be
-- recorded for a passkey deleted a moment before (a sign-in racing the
-- deletion fails instead); the deletion ends such sessions itself and
-- clears the reference of the one session that stays.
ALTER TABLE sessions ADD COLUMN passkey_id TEXT REFERENCES passkeys(id) ON DELETE SET NULL;        -- the passkey that opened it
ALTER TABLE sessions ADD COLUMN reauth_passkey_id TEXT REFERENCES passkeys(id) ON DELETE SET NULL; -- the passkey of its last re-authentication
-- A half-signed-in session enrolling its first second factor proves the
-- mailbox too: the code mailed to the account, stored hashed.
ALTER TABLE sessions ADD COLUMN mailbox_code_hash TEXT;                 -- base64url SHA-256 of the mailed code
CREATE UNIQUE INDEX sessions_id ON sessions(id);
CREATE INDEX sessions_passkey ON sessions(passkey_id);
CREATE INDEX sessions_reauth_passkey ON sessions(reauth_passkey_id);

-- Every password or code check reserves an attempt here first, in one
-- statement, so that at most `lockout_attempts` checks run per window for
-- one (email, org) however many requests arrive at once, on any instance.
-- Replaces the one-row-per-failure table of 0003.
DROP TABLE login_failures;
CREATE TABLE secret_attempts (
    subject      TEXT PRIMARY KEY,  -- base64url SHA-256 of canonical email, NUL, org short name
    window_start BIGINT NOT NULL,   -- unix seconds: the first attempt of this window
    attempts     BIGINT NOT NULL,   -- reserved in this window: failed or still being checked
    failures     BIGINT NOT NULL,   -- checked and wrong in this window
    locked_until BIGINT NOT NULL    -- unix seconds; 0 when not locked
);

-- Audit entries name the session they concern (its public id), where one does.
ALTER TABLE audit_events ADD COLUMN session_id TEXT;
