-- The facility portal (医療機関等向けポータルサイト): facilities and their accounts, operator
-- accounts, sessions, the card-reader, use and certificate applications, the preparation steps
-- done, subsidy applications with their documents, and the history of every decision.

CREATE TABLE facilities (
    code          TEXT PRIMARY KEY,          -- 医療機関等コード (10 digits)
    name          TEXT NOT NULL,
    category      TEXT NOT NULL,             -- hospital | large-chain-pharmacy | clinic | pharmacy
    prefecture    TEXT NOT NULL,             -- 都道府県番号 (2 digits, from the code)
    postal_code   TEXT NOT NULL,
    address       TEXT NOT NULL,
    phone         TEXT NOT NULL,
    contact_name  TEXT NOT NULL,
    email         TEXT NOT NULL,
    planned_start TEXT,
    planned_setup TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX facilities_prefecture ON facilities (prefecture);
CREATE INDEX facilities_category ON facilities (category);

CREATE TABLE accounts (
    login         TEXT PRIMARY KEY,          -- the 医療機関等コード, or an operator's name
    role          TEXT NOT NULL,             -- facility | operator
    facility_code TEXT REFERENCES facilities (code),
    password_hash TEXT NOT NULL,             -- argon2id PHC string
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until  TEXT,
    created_at    TEXT NOT NULL
);

CREATE TABLE portal_sessions (
    token_hash BLOB PRIMARY KEY,             -- SHA-256 of the session id in the cookie
    data       TEXT NOT NULL,                   -- the session's record (JSON)
    expires_at TEXT NOT NULL
);
CREATE INDEX portal_sessions_expiry ON portal_sessions (expires_at);

CREATE TABLE reader_applications (
    id             TEXT PRIMARY KEY,
    facility_code  TEXT NOT NULL REFERENCES facilities (code),
    maker          TEXT NOT NULL,
    quantity       BIGINT NOT NULL,
    applied_on     TEXT NOT NULL,            -- decides the subsidy rule set
    status         TEXT NOT NULL,            -- applied | scheduled | cancelled
    delivery_month TEXT,                     -- YYYY-MM, set by an operator
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX reader_applications_facility ON reader_applications (facility_code);
CREATE INDEX reader_applications_status ON reader_applications (status, created_at);

CREATE TABLE use_applications (
    facility_code TEXT PRIMARY KEY REFERENCES facilities (code),
    line_type     TEXT NOT NULL,             -- ip-vpn | ipsec-ike
    provider      TEXT NOT NULL,
    customer_id   TEXT,                      -- お客さまID (IP-VPN over NTT)
    start_month   TEXT NOT NULL,             -- YYYY-MM
    test_month    TEXT,
    online_claims BOOLEAN NOT NULL,
    setup_date    TEXT NOT NULL,
    submitted_at  TEXT NOT NULL
);

CREATE TABLE cert_applications (
    id            TEXT PRIMARY KEY,
    facility_code TEXT NOT NULL REFERENCES facilities (code),
    terminal_name TEXT NOT NULL,
    os            TEXT NOT NULL,
    status        TEXT NOT NULL,             -- applied | issued | downloaded | rejected | revoked
    serial        TEXT,
    p12           BLOB,                      -- kept only until the one download
    p12_password  TEXT,
    applied_at    TEXT NOT NULL,
    decided_at    TEXT,
    downloaded_at TEXT
);
CREATE INDEX cert_applications_facility ON cert_applications (facility_code);
CREATE INDEX cert_applications_status ON cert_applications (status, applied_at);

CREATE TABLE facility_steps (
    facility_code TEXT NOT NULL REFERENCES facilities (code),
    step          TEXT NOT NULL,
    done_on       TEXT NOT NULL,             -- JST
    done_at       TEXT NOT NULL,
    PRIMARY KEY (facility_code, step)
);
CREATE INDEX facility_steps_step ON facility_steps (step, done_on);

CREATE TABLE subsidy_applications (
    id             TEXT PRIMARY KEY,
    facility_code  TEXT NOT NULL REFERENCES facilities (code),
    status         TEXT NOT NULL,            -- submitted | returned | approved | rejected
    readers        BIGINT NOT NULL,
    reader_applied TEXT NOT NULL,
    cost_lines     TEXT NOT NULL,            -- JSON [{"label":…,"amount":…}]
    cost_total     BIGINT NOT NULL,
    rule_set       TEXT NOT NULL,
    subsidy        BIGINT NOT NULL,
    reason         TEXT,
    submitted_at   TEXT NOT NULL,
    decided_at     TEXT
);
CREATE INDEX subsidy_applications_facility ON subsidy_applications (facility_code);
CREATE INDEX subsidy_applications_status ON subsidy_applications (status, submitted_at);

CREATE TABLE subsidy_documents (
    application_id TEXT NOT NULL REFERENCES subsidy_applications (id),
    kind           TEXT NOT NULL,            -- receipt | receipt-breakdown | completion-report
    file_name      TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    sha256         BLOB NOT NULL,
    body           BLOB NOT NULL,
    uploaded_at    TEXT NOT NULL,
    PRIMARY KEY (application_id, kind)
);

CREATE TABLE portal_events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,             -- the account's login
    facility_code TEXT NOT NULL,
    subject       TEXT NOT NULL,             -- e.g. reader:ID, cert:ID, subsidy:ID
    action        TEXT NOT NULL,
    detail        TEXT NOT NULL
);
CREATE INDEX portal_events_subject ON portal_events (subject, seq);
CREATE INDEX portal_events_facility ON portal_events (facility_code, seq);
