-- Single sign-on: an org's OpenID Connect identity provider, and the
-- accounts linked to a subject at that provider.

-- One provider per org. Its row's presence means SSO is offered; the org's
-- `sso_required` makes it the only way in. `client_secret` is read only to
-- redeem authorization codes: never logged, never returned by the API.
-- `scopes` and `jit_domains` are space-separated lists ('' = none):
-- `scopes` besides `openid`; `jit_domains` the email domains whose people
-- get an account at their first sign-in (just-in-time).
CREATE TABLE org_sso (
    org_id        TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    issuer        TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    jit_domains   TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- An account signs in through the provider as (issuer, subject): the `sub`
-- claim is the provider's stable id for a person (OpenID Connect Core 1.0
-- §5.7: the email may change, the pair never does). An account is linked
-- to at most one subject per issuer.
CREATE TABLE sso_identities (
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    issuer     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, issuer, subject),
    UNIQUE (account_id, issuer)
);
