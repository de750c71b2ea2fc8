-- When each insurer's qualification data was last loaded: the date an answer's data is "as
-- of" (issue 26 §2). Written in the import's transaction for every insurer in the file; rows
-- loaded before this migration take their newest row's time.
CREATE TABLE insurer_data (
    insurer_number TEXT PRIMARY KEY,
    loaded_at      TIMESTAMPTZ NOT NULL,
    import_id      BIGINT NOT NULL
);
INSERT INTO insurer_data (insurer_number, loaded_at, import_id)
SELECT insurer_number, MAX(updated_at), MAX(import_id) FROM qualifications GROUP BY insurer_number;
