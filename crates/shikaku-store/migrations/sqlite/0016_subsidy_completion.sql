-- What the seed's subsidy application names besides the costs: the system vendor who did the
-- work, the receipt's number and the day the set-up was completed (導入完了日). Rows filed
-- before this migration have none.
ALTER TABLE subsidy_applications ADD COLUMN vendor TEXT NOT NULL DEFAULT '';
ALTER TABLE subsidy_applications ADD COLUMN receipt_number TEXT NOT NULL DEFAULT '';
ALTER TABLE subsidy_applications ADD COLUMN completed_on TEXT;
