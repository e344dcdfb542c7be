-- Rate limits as fixed-window counters: one row per (subject, window),
-- bumped with a single upsert, so a limit costs one statement per request
-- and holds across every instance sharing the database. Replaces the
-- one-row-per-event table of 0004.
DROP TABLE rate_events;
CREATE TABLE rate_counters (
    subject      TEXT NOT NULL,     -- what is limited and for whom, e.g. "ceremony-ip:203.0.113.7"
    window_start BIGINT NOT NULL,   -- unix seconds, a multiple of the window length
    expires_at   BIGINT NOT NULL,   -- end of the window: the row is useless after it
    hits         BIGINT NOT NULL,
    PRIMARY KEY (subject, window_start)
);
CREATE INDEX rate_counters_expiry ON rate_counters(expires_at);
