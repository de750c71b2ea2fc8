-- Issue 21, finding 1: who a facility is. The facility register (地方厚生局's lists) that a
-- registration must match; accounts that stay pending until activated with a one-time code
-- sent by post to the registered address; sessions signed in before `sessions_from` are void.
CREATE TABLE facility_register (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    address     TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
ALTER TABLE accounts ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE accounts ADD COLUMN sessions_from TIMESTAMPTZ;
CREATE TABLE activation_letters (
    facility_code   TEXT PRIMARY KEY REFERENCES facilities (code),
    reason          TEXT NOT NULL,
    requested_at    TIMESTAMPTZ NOT NULL,
    code_hash       TEXT,
    printed_at      TIMESTAMPTZ,
    expires_at      TIMESTAMPTZ,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    used_at         TIMESTAMPTZ
);
