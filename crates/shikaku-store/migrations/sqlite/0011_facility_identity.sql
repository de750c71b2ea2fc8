-- Issue 21, finding 1: who a facility is. The facility register (地方厚生局's lists) that a
-- registration must match; accounts that stay pending until activated with a one-time code
-- sent by post to the registered address; sessions signed in before `sessions_from` are void.
CREATE TABLE facility_register (
    code        TEXT PRIMARY KEY,            -- 医療機関等コード (10 digits)
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,               -- hospital | clinic | dental-clinic | pharmacy
    postal_code TEXT NOT NULL,               -- 7 digits
    address     TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
ALTER TABLE accounts ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE accounts ADD COLUMN sessions_from TEXT;
CREATE TABLE activation_letters (
    facility_code   TEXT PRIMARY KEY REFERENCES facilities (code),
    reason          TEXT NOT NULL,           -- registered | transferred
    requested_at    TEXT NOT NULL,
    code_hash       TEXT,                    -- argon2id of the code; set when printed
    printed_at      TEXT,
    expires_at      TEXT,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    used_at         TEXT
);
