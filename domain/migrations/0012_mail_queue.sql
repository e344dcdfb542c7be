-- The mail queue: every message is written here in the transaction of the
-- change it reports, and a sender delivers it afterwards (see
-- `domain::mail::sender`). A row is deleted once the mail server accepted
-- the message. Bodies can hold live links and codes: they are erased when
-- the sender gives up, and never logged.
--
-- Times are Unix seconds. `lease_until`/`leased_by`: the instance sending
-- the message now, so that with several instances each message goes out
-- once; a lease that outlives its holder (a killed process) simply expires.
-- `given_up_at`: set after a day of failed attempts, kept as the record of
-- a message that was never delivered (recipient, subject, last error).
CREATE TABLE mail_queue (
    id              TEXT PRIMARY KEY,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    leased_by       TEXT,
    last_error      TEXT,
    given_up_at     BIGINT
);

-- The sender's question: what is due, oldest first.
CREATE INDEX mail_queue_due ON mail_queue (next_attempt_at) WHERE given_up_at IS NULL;
