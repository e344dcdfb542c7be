-- The audit trail: sign-ins (successes and failures with their cause) and
-- every change to how an account signs in. Append-only.
CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,                 -- random UUID
    at          BIGINT NOT NULL,
    event       TEXT NOT NULL,                    -- e.g. sign_in.password, passkey.added
    outcome     TEXT NOT NULL,                    -- success | failure
    cause       TEXT,                             -- why it failed (for people reading the trail, never sent to clients)
    account_id  TEXT,                             -- when known
    org_id      TEXT,                             -- when known
    client_addr TEXT,
    user_agent  TEXT
);
CREATE INDEX audit_events_account ON audit_events(account_id, at);
CREATE INDEX audit_events_at ON audit_events(at);
