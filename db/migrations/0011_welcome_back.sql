-- The welcome-back offered after a changed-number merge: a one-person copy of the follow-up
-- campaign (RECOVERY_FOLLOW_UP_CAMPAIGN), created in the merge transaction, launched after it.
ALTER TABLE recovery_cases ADD COLUMN welcome_back_campaign_id bigint REFERENCES campaigns (id);
