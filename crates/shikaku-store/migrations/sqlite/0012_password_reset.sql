-- Issue 21: a forgotten password is reset through a single-use link mailed to the facility's
-- registered address, valid 30 minutes. Only the SHA-256 of the link's token is stored.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    login      TEXT NOT NULL REFERENCES accounts (login),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX password_resets_login ON password_resets (login);
