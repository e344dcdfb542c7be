-- Whether the account's password met the rule for a password that is the
-- only factor (15 characters) when it was set: an account whose password
-- is shorter — allowed while it has a passkey or 2FA — cannot remove its
-- last passkey or turn 2FA off until it has a longer one
-- (domain::account::ways_in). Unknown for passwords set before this
-- migration: counted as short, which only asks for a password change
-- before the last second factor goes.
ALTER TABLE accounts ADD COLUMN password_enough_alone BOOLEAN NOT NULL DEFAULT FALSE;
