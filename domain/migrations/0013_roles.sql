-- What an account may do in its org: `member` (its own account only),
-- `admin` (the org's members and settings), `owner` (an admin who can
-- also make and unmake owners). An org keeps at least one owner once it
-- has one (`domain::admin::members`).
ALTER TABLE accounts ADD COLUMN role TEXT NOT NULL DEFAULT 'member'
    CHECK (role IN ('member', 'admin', 'owner'));

-- The admin console's members page reads an org's accounts by email
-- through the UNIQUE (org_id, email) index accounts already has.

-- Who did it, when that is not the account the entry concerns: the admin
-- who removed a member or changed their role.
ALTER TABLE audit_events ADD COLUMN actor_id TEXT;

-- The org's security log, newest first.
CREATE INDEX audit_events_org ON audit_events(org_id, at);
