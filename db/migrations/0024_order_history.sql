-- The first order a customer file names (issue 20): with order_count and last_order_at the score
-- derives the repurchase interval from the orders' count and span. IF NOT EXISTS: the import's
-- mapping of the file's order fields adds the same column.
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS first_order_at timestamptz;
