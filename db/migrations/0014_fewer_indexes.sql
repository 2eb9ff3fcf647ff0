-- Indexes every import paid for, per row, without a query that needed them.
--
-- contacts.tier (four values) and contacts.country (a few dozen): campaign planning, the only
-- filter on them, selects a large share of all contacts in id order, which the planner does by
-- scanning contacts anyway. They cost 1.3 s of PostgreSQL CPU per half a million contacts an
-- import creates, and a rescore that moved a contact to another tier could not be a HOT update.
DROP INDEX contacts_tier_idx;
DROP INDEX contacts_country_idx;

-- tier_history had two: its id and (contact_id, at). One key on (contact_id, id) serves both
-- readers (a contact's history, in order; the cascade and the merge of a changed number).
ALTER TABLE tier_history DROP CONSTRAINT tier_history_pkey, ADD PRIMARY KEY (contact_id, id);
DROP INDEX tier_history_contact_idx;
