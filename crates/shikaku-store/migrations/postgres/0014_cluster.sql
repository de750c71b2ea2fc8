-- Issue 22: state the nodes of a cluster share instead of keeping it in their memory.

-- Failed portal logins, per (client, login) and per client, under keyed hashes; a row older
-- than the longest wait (15 minutes) is forgotten.
CREATE TABLE login_failures (
    key_hash TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_last ON login_failures (last_at);

-- 該当資格なし answers, which every node's no-match limits count (the card numbers and the
-- birth date only as keyed hashes); kept for the longest window (24 hours).
CREATE TABLE no_match_events (
    id            BIGSERIAL PRIMARY KEY,
    node          TEXT NOT NULL,
    facility_code TEXT NOT NULL,
    terminal_name TEXT NOT NULL,
    card_hash     TEXT NOT NULL,
    birth_hash    TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX no_match_events_at ON no_match_events (at);

-- 一括照会 jobs are run by the node that holds the job's lease; a node that dies leaves the
-- job to another once the lease ends.
ALTER TABLE batch_jobs ADD COLUMN claimed_by TEXT;
ALTER TABLE batch_jobs ADD COLUMN claimed_until TIMESTAMPTZ;
