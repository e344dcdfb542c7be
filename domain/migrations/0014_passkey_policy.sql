-- An org's passkey policy (`domain::policy::OrgPolicy`): `off` (passkeys
-- are neither added nor used), `offered` (the default), or `required`:
-- members without a passkey are asked for one at each sign-in, and from
-- `passkeys_required_from` (Unix seconds) on, a sign-in without a passkey
-- opens only the step that adds one.
ALTER TABLE orgs ADD COLUMN passkeys TEXT NOT NULL DEFAULT 'offered'
    CHECK (passkeys IN ('off', 'offered', 'required'));
ALTER TABLE orgs ADD COLUMN passkeys_required_from BIGINT NOT NULL DEFAULT 0;
-- Only passkeys bound to one device count: synced ones (backup eligible)
-- are refused at registration and at sign-in.
ALTER TABLE orgs ADD COLUMN device_bound_only BOOLEAN NOT NULL DEFAULT FALSE;

-- The passkey nudge after a sign-in without one: "Not now" asks again
-- from `passkey_nudge_after` (Unix seconds); "Don't ask again" sets
-- `passkey_nudge_off` (an org that requires passkeys asks anyway).
ALTER TABLE accounts ADD COLUMN passkey_nudge_after BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN passkey_nudge_off BOOLEAN NOT NULL DEFAULT FALSE;
