-- 薬剤情報 (kind 'drugs') and 特定健診情報 (kind 'checkups'), keyed per person at an insurer.
-- `data` is the record as JSON with fixed-point decimals as strings (never floats).
CREATE TABLE medical_records (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           TEXT NOT NULL,
    insurer_number TEXT NOT NULL,
    person_ref     TEXT NOT NULL,
    record_date    DATE NOT NULL,
    record_key     TEXT NOT NULL,
    data           TEXT NOT NULL,
    row_hash       BYTEA NOT NULL,
    import_id      BIGINT NOT NULL REFERENCES imports(id),
    updated_at     TIMESTAMPTZ NOT NULL,
    CONSTRAINT medical_records_key UNIQUE (kind, insurer_number, person_ref, record_key)
);
CREATE INDEX medical_records_person ON medical_records (insurer_number, person_ref, kind, record_date);
