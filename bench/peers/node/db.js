// One SQLite file through better-sqlite3: the schema, and every statement
// prepared once at start-up.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS orgs (
  id                TEXT PRIMARY KEY,
  short_name        TEXT NOT NULL UNIQUE,
  name              TEXT NOT NULL,
  max_session_secs  INTEGER NOT NULL DEFAULT 5184000, -- 60 days
  idle_timeout_secs INTEGER NOT NULL DEFAULT 604800,  -- 7 days
  created_at        INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS accounts (
  id            TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  email         TEXT NOT NULL,              -- trimmed, lower case
  display_name  TEXT NOT NULL,
  password_hash TEXT NOT NULL,              -- argon2id PHC string
  user_handle   TEXT NOT NULL,              -- WebAuthn user.id: 16 random bytes, base64url
  created_at    INTEGER NOT NULL,
  UNIQUE (org_id, email)
);
CREATE UNIQUE INDEX IF NOT EXISTS accounts_user_handle ON accounts(user_handle);

CREATE TABLE IF NOT EXISTS passkeys (
  id              TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  credential_id   TEXT NOT NULL,            -- base64url
  public_key      BLOB NOT NULL,            -- COSE key
  counter         INTEGER NOT NULL,         -- last signature counter seen (0 = not kept)
  user_handle     TEXT NOT NULL,            -- the account's user handle, as the authenticator holds it
  transports      TEXT NOT NULL,            -- JSON array
  backup_eligible INTEGER NOT NULL,
  backed_up       INTEGER NOT NULL,
  aaguid          TEXT NOT NULL,
  name            TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  last_used_at    INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS passkeys_credential_id ON passkeys(credential_id);
CREATE INDEX IF NOT EXISTS passkeys_user_handle ON passkeys(user_handle);
CREATE INDEX IF NOT EXISTS passkeys_account ON passkeys(account_id);

CREATE TABLE IF NOT EXISTS sessions (
  token_hash       TEXT PRIMARY KEY,        -- SHA-256 of the cookie token, base64url
  account_id       TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  created_at       INTEGER NOT NULL,
  last_seen_at     INTEGER NOT NULL,
  authenticated_at INTEGER NOT NULL,
  auth_method      TEXT NOT NULL             -- password | passkey
);
CREATE INDEX IF NOT EXISTS sessions_account ON sessions(account_id);

CREATE TABLE IF NOT EXISTS ceremonies (
  id           TEXT PRIMARY KEY,            -- 16 random bytes, base64url
  purpose      TEXT NOT NULL,               -- login | register
  session_hash TEXT,                        -- the session that started it (register)
  account_id   TEXT,                        -- the account it is for, when known ('' = none can match)
  challenge    TEXT NOT NULL,
  expires_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ceremonies_expires ON ceremonies(expires_at);

CREATE TABLE IF NOT EXISTS server_keys (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
);
`;

export function openDb(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
}

const SESSION_COLUMNS = `
  s.token_hash, s.account_id, s.created_at, s.last_seen_at, s.authenticated_at, s.auth_method,
  a.email, a.display_name, a.user_handle, o.short_name AS org_short_name, o.name AS org_name,
  o.max_session_secs, o.idle_timeout_secs`;

// Every statement the server runs, prepared once.
export function prepare(db) {
  return {
    orgByShortName: db.prepare('SELECT * FROM orgs WHERE short_name = ?'),
    accountByEmail: db.prepare('SELECT * FROM accounts WHERE org_id = ? AND email = ?'),

    insertSession: db.prepare(
      `INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, authenticated_at, auth_method)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    sessionByHash: db.prepare(
      `SELECT ${SESSION_COLUMNS} FROM sessions s
       JOIN accounts a ON a.id = s.account_id
       JOIN orgs o ON o.id = a.org_id
       WHERE s.token_hash = ?`,
    ),
    touchSession: db.prepare('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?'),
    deleteSession: db.prepare('DELETE FROM sessions WHERE token_hash = ?'),

    sweepCeremonies: db.prepare('DELETE FROM ceremonies WHERE expires_at < ?'),
    insertCeremony: db.prepare(
      `INSERT INTO ceremonies (id, purpose, session_hash, account_id, challenge, expires_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    // Taking a ceremony deletes it: a challenge is usable once.
    takeCeremony: db.prepare(
      `DELETE FROM ceremonies WHERE id = ? AND purpose = ?
       RETURNING session_hash, account_id, challenge, expires_at`,
    ),

    passkeysOfAccount: db.prepare(
      'SELECT credential_id, transports FROM passkeys WHERE account_id = ? ORDER BY created_at, id',
    ),
    passkeyByCredentialId: db.prepare('SELECT * FROM passkeys WHERE credential_id = ?'),
    insertPasskey: db.prepare(
      `INSERT INTO passkeys (id, account_id, credential_id, public_key, counter, user_handle, transports,
                             backup_eligible, backed_up, aaguid, name, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // The counter is compared again inside the UPDATE, so two sign-ins
    // racing with the same counter cannot both succeed.
    recordPasskeyUse: db.prepare(
      `UPDATE passkeys SET counter = @counter, backed_up = @backedUp, last_used_at = @now
       WHERE id = @id AND ((@counter = 0 AND counter = 0) OR @counter > counter)`,
    ),
    accountWithOrg: db.prepare(
      `SELECT a.*, o.short_name AS org_short_name, o.name AS org_name, o.max_session_secs
       FROM accounts a JOIN orgs o ON o.id = a.org_id WHERE a.id = ?`,
    ),
  };
}

// A random key generated once and kept in the database.
export function serverKey(db, name) {
  const found = db.prepare('SELECT value FROM server_keys WHERE name = ?').get(name);
  if (found) return found.value;
  db.prepare('INSERT OR IGNORE INTO server_keys (name, value) VALUES (?, ?)').run(name, randomBytes(32));
  return db.prepare('SELECT value FROM server_keys WHERE name = ?').get(name).value;
}
