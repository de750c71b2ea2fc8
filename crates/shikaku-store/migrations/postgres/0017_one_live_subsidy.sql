-- A facility has at most one live subsidy application (under review, returned or approved):
-- two concurrent submissions cannot both be stored. 'withdrawn' and 'rejected' ones stay as
-- history and do not count.
CREATE UNIQUE INDEX subsidy_applications_one_live ON subsidy_applications (facility_code)
    WHERE status IN ('submitted', 'returned', 'approved');
