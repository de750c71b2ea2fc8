-- Issue 23: room on every page of qualifications for the next version of its rows. A daily
-- delta changes names, end dates and ratios, none of them indexed, so with free space on
-- the row's own page PostgreSQL makes a heap-only update (HOT) and writes none of the four
-- indexes; on full pages (the default fillfactor 100, and a first load fills every page)
-- each changed row cost an entry in each index (bench/RESULTS.md, 2026-12-04: 500,000 changed
-- rows into 10M). Pages written from now on keep 10% free; VACUUM reclaims the old versions.
ALTER TABLE qualifications SET (fillfactor = 90);
