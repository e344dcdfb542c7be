-- Organizations, their accounts, and signed-in sessions.
-- One set of migrations serves SQLite and PostgreSQL: keep to portable SQL
-- (TEXT, BIGINT, BOOLEAN; binary values are stored base64url-encoded as TEXT).
-- Times are Unix seconds (BIGINT) so that SQLite and PostgreSQL store them alike.

-- A tenant of the console. Settings are per org.
CREATE TABLE orgs (
    id                TEXT PRIMARY KEY,              -- random UUID
    short_name        TEXT NOT NULL UNIQUE,          -- what people type: "acme"
    name              TEXT NOT NULL,                 -- display name: "Acme Security"
    sso_required      BOOLEAN NOT NULL DEFAULT FALSE,
    require_2fa       BOOLEAN NOT NULL DEFAULT FALSE,
    max_session_secs  BIGINT NOT NULL DEFAULT 5184000, -- 60 days
    idle_timeout_secs BIGINT NOT NULL DEFAULT 604800,  -- 7 days
    lockout_attempts  BIGINT NOT NULL DEFAULT 6,       -- failed attempts allowed per 15 minutes
    lockout_secs      BIGINT NOT NULL DEFAULT 900,     -- how long a lockout lasts
    created_at        BIGINT NOT NULL
);

-- One person's membership in one org. The same email may appear in several
-- orgs; each row is a separate account with its own credentials.
CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,                  -- random UUID; also the WebAuthn user handle
    org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    email         TEXT NOT NULL,                     -- normalised: trimmed, lower case
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,                     -- argon2id PHC string
    created_at    BIGINT NOT NULL,
    UNIQUE (org_id, email)
);
CREATE INDEX accounts_email ON accounts(email);

-- A signed-in browser. Only a SHA-256 of the cookie token is stored, so a
-- read of this table does not yield usable sessions.
CREATE TABLE sessions (
    token_hash       TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at       BIGINT NOT NULL,
    last_seen_at     BIGINT NOT NULL,
    authenticated_at BIGINT NOT NULL,                -- last sign-in or re-authentication
    auth_method      TEXT NOT NULL                   -- password | password_totp | passkey | email_link
);
CREATE INDEX sessions_account ON sessions(account_id);
