-- Linkage integrity (issue 26 §1): sets of qualification rows linked to one 個人番号 (by its
-- keyed hash) that do not describe one person. While `state` is `open` the rows are never
-- used to show data through the 個人番号; `corrected` when a later file made them agree,
-- `confirmed` when an operator confirmed "same person" for exactly the rows of `rows_key`.
CREATE TABLE link_suspects (
    id             BIGSERIAL PRIMARY KEY,
    my_number_hash BYTEA NOT NULL UNIQUE,
    reason         TEXT NOT NULL,          -- birth_date | sex | name
    rows_key       TEXT NOT NULL,          -- insurer:person_ref, sorted, comma-separated
    state          TEXT NOT NULL,          -- open | corrected | confirmed
    found_at       TIMESTAMPTZ NOT NULL,
    checked_at     TIMESTAMPTZ NOT NULL,
    resolved_at    TIMESTAMPTZ,
    resolved_by    TEXT,
    note           TEXT
);
CREATE INDEX link_suspects_state ON link_suspects (state, id);
-- The rows involved, as found (card numbers and the insurer's person reference; no 個人番号).
CREATE TABLE link_suspect_rows (
    suspect_id     BIGINT NOT NULL REFERENCES link_suspects(id) ON DELETE CASCADE,
    insurer_number TEXT NOT NULL,
    symbol         TEXT NOT NULL,
    number         TEXT NOT NULL,
    branch         TEXT NOT NULL,
    person_ref     TEXT NOT NULL,
    qualified_from DATE NOT NULL
);
CREATE INDEX link_suspect_rows_suspect ON link_suspect_rows (suspect_id);
CREATE INDEX link_suspect_rows_insurer ON link_suspect_rows (insurer_number, suspect_id);
-- Every change of a suspect's state, with who and why.
CREATE TABLE link_suspect_events (
    id         BIGSERIAL PRIMARY KEY,
    suspect_id BIGINT NOT NULL REFERENCES link_suspects(id) ON DELETE CASCADE,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,             -- found | corrected | reopened | confirmed
    note       TEXT NOT NULL
);
CREATE INDEX link_suspect_events_suspect ON link_suspect_events (suspect_id, id);
