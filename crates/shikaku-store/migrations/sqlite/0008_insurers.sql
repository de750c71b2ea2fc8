-- The insurer register (保険者名簿): the name shown for an insurer number. Numbers not in it
-- are shown with a name derived from the number (法別番号 and 都道府県).
CREATE TABLE insurers (
    number     TEXT PRIMARY KEY,             -- 保険者番号 (8 digits, or 6 for 国保)
    name       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
