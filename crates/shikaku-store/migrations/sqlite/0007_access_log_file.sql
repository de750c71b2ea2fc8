-- The access log moves to its own database file, attached to every connection as `log`
-- (see sqlite.rs: a write to the main file empties every reader's page cache, and the log is
-- written on every lookup). The rows are copied over at start-up from this renamed table,
-- idempotently, and the table is dropped once the copy is committed.
ALTER TABLE access_log RENAME TO access_log_moved;
