-- What a customer file says of a contact's orders besides the last one (issue 20), as the score
-- reads it: the source's own order count (order_count counts the purchase events), the first
-- order (with the count and the last order: the repurchase interval from the orders' span) and
-- the currency of order_value. IF NOT EXISTS: the CRM import's migration adds the same columns.
ALTER TABLE contacts
  ADD COLUMN IF NOT EXISTS source_order_count integer,
  ADD COLUMN IF NOT EXISTS first_order_at     timestamptz,
  ADD COLUMN IF NOT EXISTS order_currency     text;
