-- Issue 22: card challenges live in the store, so a nonce from one node is accepted by
-- another, once. Only the nonce's SHA-256 is kept.
CREATE TABLE card_challenges (
    nonce_hash      TEXT PRIMARY KEY,
    terminal_serial TEXT NOT NULL,
    expires_at      TEXT NOT NULL
);
CREATE INDEX card_challenges_expiry ON card_challenges (expires_at);
