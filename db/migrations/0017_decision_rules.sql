-- Every DEFER/SKIP names the rule that decided it (the contact policy's or the campaign's id,
-- e.g. 'outside_window:us-fl-ftsa', 'cap:tier-cadence-B', 'holiday:CN'); SEND rows have none.
ALTER TABLE campaign_decisions ADD COLUMN rule text;
