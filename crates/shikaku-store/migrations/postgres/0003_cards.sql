-- The emulated J-LIS register: every 利用者証明用電子証明書 issued to a virtual card, and
-- whose 個人番号 it belongs to (as the keyed hash used by qualification loads).
CREATE TABLE jpki_certs (
    serial         TEXT PRIMARY KEY, -- lower-case hex
    card_id        TEXT NOT NULL,
    my_number_hash BYTEA NOT NULL,
    fingerprint    BYTEA NOT NULL,
    not_before     TIMESTAMPTZ NOT NULL,
    not_after      TIMESTAMPTZ NOT NULL,
    issued_at      TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ
);
CREATE INDEX jpki_certs_card ON jpki_certs (card_id);

-- 初回登録: the holder agreed to use the card as a health-insurance card.
CREATE TABLE card_registrations (
    my_number_hash BYTEA PRIMARY KEY,
    facility_code  TEXT NOT NULL,
    registered_at  TIMESTAMPTZ NOT NULL
);

-- Consents given at a facility's card reader (kind: drugs | checkups).
CREATE TABLE consents (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    my_number_hash BYTEA NOT NULL,
    facility_code  TEXT NOT NULL,
    kind           TEXT NOT NULL,
    given_at       TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX consents_person ON consents (my_number_hash, facility_code, kind);
