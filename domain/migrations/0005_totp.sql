-- TOTP two-factor authentication, and sessions that are half signed in.
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;                       -- base32; NULL when 2FA is off
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0; -- last 30-second step accepted: each code works once
-- full: signed in. totp: password done, code pending. totp_setup: password
-- done in an org that requires 2FA, which the account must set up first.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';
ALTER TABLE sessions ADD COLUMN totp_pending TEXT;                      -- secret this session is setting up
ALTER TABLE sessions ADD COLUMN totp_failures BIGINT NOT NULL DEFAULT 0;
