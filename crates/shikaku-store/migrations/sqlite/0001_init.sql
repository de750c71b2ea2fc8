-- One row per committed import (who, when, what file).
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    file_name   TEXT    NOT NULL,
    operator    TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,
    finished_at TEXT,
    inserted    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0
);

-- Qualification periods (資格情報). Key: insurer_number, symbol, number, branch, qualified_from.
CREATE TABLE qualifications (
    id               INTEGER PRIMARY KEY,
    insurer_number   TEXT    NOT NULL,
    symbol           TEXT    NOT NULL, -- '' when the card has no 記号
    number           TEXT    NOT NULL,
    branch           TEXT    NOT NULL,
    qualified_from   TEXT    NOT NULL, -- YYYY-MM-DD
    qualified_until  TEXT,             -- first day not covered; NULL = still covered
    person_ref       TEXT    NOT NULL,
    insured_category INTEGER NOT NULL,
    name             TEXT    NOT NULL,
    name_kana        TEXT    NOT NULL,
    sex              INTEGER NOT NULL,
    birth_date       TEXT    NOT NULL,
    copay_ratio      INTEGER NOT NULL,
    limit_category   TEXT,
    specific_disease INTEGER,
    my_number_hash   BLOB,             -- HMAC-SHA-256 of 個人番号; never the number itself
    row_hash         BLOB    NOT NULL, -- SHA-256 of the row's content, for unchanged detection
    import_id        INTEGER NOT NULL REFERENCES imports(id),
    updated_at       TEXT    NOT NULL,
    CONSTRAINT qualifications_key UNIQUE (insurer_number, symbol, number, branch, qualified_from)
);
CREATE INDEX qualifications_person ON qualifications (insurer_number, person_ref);
CREATE INDEX qualifications_my_number ON qualifications (my_number_hash) WHERE my_number_hash IS NOT NULL;

-- Previous versions of updated qualification rows.
CREATE TABLE qualification_history (
    id               INTEGER PRIMARY KEY,
    qualification_id INTEGER NOT NULL REFERENCES qualifications(id),
    replaced_by      INTEGER NOT NULL REFERENCES imports(id),
    replaced_at      TEXT    NOT NULL,
    insurer_number   TEXT    NOT NULL,
    symbol           TEXT    NOT NULL,
    number           TEXT    NOT NULL,
    branch           TEXT    NOT NULL,
    qualified_from   TEXT    NOT NULL,
    qualified_until  TEXT,
    person_ref       TEXT    NOT NULL,
    insured_category INTEGER NOT NULL,
    name             TEXT    NOT NULL,
    name_kana        TEXT    NOT NULL,
    sex              INTEGER NOT NULL,
    birth_date       TEXT    NOT NULL,
    copay_ratio      INTEGER NOT NULL,
    limit_category   TEXT,
    specific_disease INTEGER,
    my_number_hash   BLOB,
    import_id        INTEGER NOT NULL,
    updated_at       TEXT    NOT NULL
);
CREATE INDEX qualification_history_qualification ON qualification_history (qualification_id);

-- Client certificates of facility terminals, issued by the system's CA.
CREATE TABLE terminal_certs (
    serial        TEXT PRIMARY KEY, -- lower-case hex
    facility_code TEXT NOT NULL,
    terminal_name TEXT NOT NULL,
    fingerprint   BLOB NOT NULL,    -- SHA-256 of the DER certificate
    not_before    TEXT NOT NULL,
    not_after     TEXT NOT NULL,
    issued_at     TEXT NOT NULL,
    revoked_at    TEXT
);
CREATE INDEX terminal_certs_facility ON terminal_certs (facility_code, terminal_name);

-- Every eligibility access; person_hash is a keyed hash, never names or numbers.
CREATE TABLE access_log (
    id            INTEGER PRIMARY KEY,
    at            TEXT    NOT NULL,
    facility_code TEXT    NOT NULL,
    terminal_name TEXT    NOT NULL,
    cert_serial   TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    person_hash   BLOB    NOT NULL
);
CREATE INDEX access_log_facility_at ON access_log (facility_code, at);
CREATE INDEX access_log_person ON access_log (person_hash);
