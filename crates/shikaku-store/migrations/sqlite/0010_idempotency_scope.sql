-- Issue 21, finding 4: an Idempotency-Key is unique among one terminal's requests to one
-- endpoint and bound to the digest of the request body; the answer keeps the access-log
-- entries its first request wrote (replays log them again, marked); answers expire after
-- 24 hours (created_at in Unix seconds, deleted by the server's sweep). Stored answers of
-- the earlier shape are personal data without an owner scope: dropped.
DROP TABLE idempotent_responses;
CREATE TABLE idempotent_responses (
    facility_code  TEXT NOT NULL,
    terminal_name  TEXT NOT NULL,
    endpoint       TEXT NOT NULL,
    key            TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    status         BIGINT NOT NULL,
    body           TEXT NOT NULL,
    logged         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (facility_code, terminal_name, endpoint, key)
);
CREATE INDEX idempotent_responses_created ON idempotent_responses (created_at);
