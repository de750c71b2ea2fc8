-- Issue 23: the access log partitioned by month (UTC), so retention drops whole partitions
-- and a person's entries are found by one index search per partition. A DEFAULT partition
-- takes any entry outside the prepared months; the store creates the coming months ahead.
ALTER TABLE access_log RENAME TO access_log_unpartitioned;
ALTER INDEX access_log_pkey RENAME TO access_log_unpartitioned_pkey;
ALTER INDEX access_log_facility_at RENAME TO access_log_unpartitioned_facility_at;
ALTER INDEX access_log_person RENAME TO access_log_unpartitioned_person;

CREATE SEQUENCE access_log_entry_id;
SELECT setval('access_log_entry_id',
              COALESCE((SELECT max(id) FROM access_log_unpartitioned), 0) + 1, false);

CREATE TABLE access_log (
    id            BIGINT NOT NULL DEFAULT nextval('access_log_entry_id'),
    at            TIMESTAMPTZ NOT NULL,
    facility_code TEXT NOT NULL,
    terminal_name TEXT NOT NULL,
    cert_serial   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL,
    person_hash   BYTEA NOT NULL,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
ALTER SEQUENCE access_log_entry_id OWNED BY access_log.id;
CREATE INDEX access_log_facility_at ON access_log (facility_code, at);
CREATE INDEX access_log_person ON access_log (person_hash, id);
CREATE TABLE access_log_default PARTITION OF access_log DEFAULT;

-- A partition for every month that has entries, and for this month and the next three.
DO $$
DECLARE m date;
BEGIN
    FOR m IN
        SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC')::date FROM access_log_unpartitioned
        UNION
        SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => k))::date
        FROM generate_series(0, 3) AS k
    LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF access_log FOR VALUES FROM (%L) TO (%L)',
            'access_log_' || to_char(m, 'YYYYMM'),
            m::timestamp AT TIME ZONE 'UTC',
            (m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
    END LOOP;
END $$;

INSERT INTO access_log (id, at, facility_code, terminal_name, cert_serial, kind, status, person_hash)
SELECT id, at, facility_code, terminal_name, cert_serial, kind, status, person_hash
FROM access_log_unpartitioned;
DROP TABLE access_log_unpartitioned;
