-- The date an insurer's file covers (its extract date, given at import with --data-as-of);
-- NULL when not given: the load date stands for it.
ALTER TABLE insurer_data ADD COLUMN covers_on DATE;
