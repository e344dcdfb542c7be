-- Single-use tokens sent by email (re-authentication links). Only a
-- SHA-256 of the token is stored; the row is deleted when used.
CREATE TABLE email_tokens (
    token_hash   TEXT PRIMARY KEY,
    purpose      TEXT NOT NULL,              -- reauth
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    session_hash TEXT NOT NULL,              -- the session that asked, which the token refreshes
    expires_at   BIGINT NOT NULL
);
CREATE INDEX email_tokens_expires ON email_tokens(expires_at);

-- Requests that send email, for rate limits per email address, per client
-- address and per account (see rate_limit.rs).
CREATE TABLE rate_events (
    subject    TEXT NOT NULL,                -- e.g. "org-list-email:" + SHA-256 of the email
    created_at BIGINT NOT NULL
);
CREATE INDEX rate_events_subject ON rate_events(subject, created_at);
CREATE INDEX rate_events_time ON rate_events(created_at);
