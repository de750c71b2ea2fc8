-- Answers to requests that carried an Idempotency-Key (a terminal agent resending the same
-- request file after a crash gets the stored answer: counted and logged once).
CREATE TABLE idempotent_responses (
    facility_code TEXT NOT NULL,
    key           TEXT NOT NULL,
    status        BIGINT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (facility_code, key)
);

-- 一括照会 jobs: the request (normalized items) and, when done, the results in input order.
CREATE TABLE batch_jobs (
    id            TEXT PRIMARY KEY,
    facility_code TEXT NOT NULL,
    terminal_name TEXT NOT NULL,
    cert_serial   TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    status        TEXT NOT NULL, -- queued | done
    request       TEXT NOT NULL,
    result        TEXT,
    finished_at   TIMESTAMPTZ
);
CREATE INDEX batch_jobs_status ON batch_jobs (status);
