-- Inquiries (問い合わせフォーム) with their threads, and the outbox of e-mails.

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE inquiries (
    id            INTEGER PRIMARY KEY,       -- the ticket number (shown as Q000042)
    facility_code TEXT REFERENCES facilities (code),  -- NULL from the public form
    category      TEXT NOT NULL,
    subject       TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    status        TEXT NOT NULL,             -- open | in_progress | answered | closed
    assignee      TEXT,                      -- an operator's login
    sender_hash   BLOB NOT NULL,             -- keyed hash of the client or account (rate limit)
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX inquiries_status ON inquiries (status, updated_at);
CREATE INDEX inquiries_updated ON inquiries (updated_at);
CREATE INDEX inquiries_facility ON inquiries (facility_code, updated_at);
CREATE INDEX inquiries_assignee ON inquiries (assignee, updated_at);
CREATE INDEX inquiries_sender ON inquiries (sender_hash, created_at);
CREATE INDEX inquiries_email ON inquiries (contact_email, created_at);

CREATE TABLE inquiry_messages (
    inquiry_id      INTEGER NOT NULL REFERENCES inquiries (id),
    seq             BIGINT NOT NULL,
    author_role     TEXT NOT NULL,           -- facility | public | operator
    author          TEXT,                    -- the account's login (NULL for the public form)
    body            TEXT NOT NULL,
    attachment_name TEXT,
    attachment_type TEXT,
    attachment      BLOB,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (inquiry_id, seq)
);

CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    inquiry_id      INTEGER REFERENCES inquiries (id),
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT,                    -- NULL once sent or given up
    sent_at         TEXT,
    last_error      TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX mail_outbox_inquiry ON mail_outbox (inquiry_id);
