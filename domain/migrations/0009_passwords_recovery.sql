-- Passwords become optional, and the ways back in get their tables.

-- A passkey-only account has no password: its `password_hash` is the
-- empty string, which no PHC string ever is. (SQLite cannot drop the NOT
-- NULL of a column without rebuilding the table and every table that
-- references it; the store reads '' as "no password" in one place.)

-- Mailed and printed links: password resets and enrollment links join the
-- re-authentication links. Links that no session asked for (reset,
-- enrollment) have an empty `session_hash`. `created_at` says when the
-- link was made, whatever its lifetime.
ALTER TABLE email_tokens ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX email_tokens_account ON email_tokens(account_id, purpose);

-- One-time recovery codes: ten per account, each stored as an argon2id
-- PHC string. The ten share one salt, so a typed code is hashed once and
-- compared with each (a code has 50 random bits: a slow hash is what
-- resists offline guessing; NIST SP 800-63B-4 §3.1.2.2). A used code's
-- row is deleted.
CREATE TABLE recovery_codes (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, code_hash)
);
