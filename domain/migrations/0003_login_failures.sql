-- Failed password sign-ins, for the org's lockout rule.
-- Keyed by a hash of the typed email and org, whether or not such an
-- account exists: a lockout then looks the same for unknown accounts and
-- tells nobody which accounts exist.
CREATE TABLE login_failures (
    subject   TEXT NOT NULL,                      -- base64url SHA-256 of email, NUL, org short name
    failed_at BIGINT NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures(subject, failed_at);
CREATE INDEX login_failures_time ON login_failures(failed_at);
