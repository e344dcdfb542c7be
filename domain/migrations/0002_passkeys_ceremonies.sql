-- Passkeys (WebAuthn credentials) and the server-side state of WebAuthn ceremonies.

-- A passkey belongs to exactly one account. The credential id is unique
-- across all accounts: the database, not only the code, refuses a second
-- registration of the same authenticator credential anywhere.
CREATE TABLE passkeys (
    id              TEXT PRIMARY KEY,          -- random UUID, used in API paths
    account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    credential_id   TEXT NOT NULL UNIQUE,      -- base64url of the WebAuthn credential id
    credential      TEXT NOT NULL,             -- webauthn-rs Passkey as JSON: public key, counter, flags
    name            TEXT NOT NULL,             -- shown on the card; editable
    aaguid          TEXT NOT NULL,             -- authenticator model (all zeros when not disclosed)
    backup_eligible BOOLEAN NOT NULL,
    backed_up       BOOLEAN NOT NULL,          -- synced to other devices
    transports      TEXT NOT NULL,             -- JSON array reported by the browser
    sign_count      BIGINT NOT NULL,           -- last signature counter seen (0 = not kept)
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT
);
CREATE INDEX passkeys_account ON passkeys(account_id);

-- A ceremony lives from its start to its finish, at most a few minutes, and
-- is deleted when finished ("taken"), so each challenge is usable once.
-- The state never leaves the server; the client only holds the random id.
CREATE TABLE ceremonies (
    id           TEXT PRIMARY KEY,            -- random 128 bits, base64url
    purpose      TEXT NOT NULL,               -- register | login | reauth
    session_hash TEXT,                        -- session that started it (register, reauth)
    account_id   TEXT,                        -- account it is for, when known at the start
    state        TEXT NOT NULL,               -- webauthn-rs ceremony state as JSON
    expires_at   BIGINT NOT NULL
);
CREATE INDEX ceremonies_expires ON ceremonies(expires_at);

-- Random keys the server generates once and every instance shares
-- (e.g. the key that derives decoy credential ids for unknown accounts).
CREATE TABLE server_keys (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL                         -- base64url
);
