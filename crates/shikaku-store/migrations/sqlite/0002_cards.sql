-- The emulated J-LIS register: every 利用者証明用電子証明書 issued to a virtual card, and
-- whose 個人番号 it belongs to (as the keyed hash used by qualification loads).
CREATE TABLE jpki_certs (
    serial         TEXT PRIMARY KEY, -- lower-case hex
    card_id        TEXT NOT NULL,
    my_number_hash BLOB NOT NULL,
    fingerprint    BLOB NOT NULL,
    not_before     TEXT NOT NULL,
    not_after      TEXT NOT NULL,
    issued_at      TEXT NOT NULL,
    revoked_at     TEXT
);
CREATE INDEX jpki_certs_card ON jpki_certs (card_id);

-- 初回登録: the holder agreed to use the card as a health-insurance card.
CREATE TABLE card_registrations (
    my_number_hash BLOB PRIMARY KEY,
    facility_code  TEXT NOT NULL,
    registered_at  TEXT NOT NULL
);

-- Consents given at a facility's card reader (kind: drugs | checkups).
CREATE TABLE consents (
    id             INTEGER PRIMARY KEY,
    my_number_hash BLOB NOT NULL,
    facility_code  TEXT NOT NULL,
    kind           TEXT NOT NULL,
    given_at       TEXT NOT NULL,
    expires_at     TEXT NOT NULL
);
CREATE INDEX consents_person ON consents (my_number_hash, facility_code, kind);
