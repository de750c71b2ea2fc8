-- 薬剤情報 (kind 'drugs') and 特定健診情報 (kind 'checkups'), keyed per person at an insurer.
-- `data` is the record as JSON with fixed-point decimals as strings (never floats).
CREATE TABLE medical_records (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    insurer_number TEXT NOT NULL,
    person_ref     TEXT NOT NULL,
    record_date    TEXT NOT NULL, -- YYYY-MM-DD: 調剤/処方年月日 or 健診実施日
    record_key     TEXT NOT NULL, -- what makes the record unique for the person
    data           TEXT NOT NULL,
    row_hash       BLOB NOT NULL,
    import_id      INTEGER NOT NULL REFERENCES imports(id),
    updated_at     TEXT NOT NULL,
    CONSTRAINT medical_records_key UNIQUE (kind, insurer_number, person_ref, record_key)
);
CREATE INDEX medical_records_person ON medical_records (insurer_number, person_ref, kind, record_date);
