-- Journeys (issue 16 item 1): a campaign of several steps (core/campaign/journey.ts). A recipient
-- has one row per step it reached: step 1's rows are planned with the audience; a later step's
-- row is added when the step before it was sent to that contact, due `waitDays` after that send
-- (step_since), and decided at its own send time like any other row. A single-step campaign keeps
-- its one row per contact with step 'main', as before (the ledger's step for it too).
-- The holdout: a deterministic share of the audience (a hash of campaign and contact) planned as
-- skipped with holdout = true, never messaged, so the report can compare its orders (uplift).
ALTER TABLE campaign_recipients
  ADD COLUMN step       text NOT NULL DEFAULT 'main',
  ADD COLUMN step_since timestamptz,
  ADD COLUMN holdout    boolean NOT NULL DEFAULT false;
ALTER TABLE campaign_recipients DROP CONSTRAINT campaign_recipients_pkey;
ALTER TABLE campaign_recipients ADD PRIMARY KEY (campaign_id, contact_id, step);

-- Which step a decision was taken for ('main' for a single-step campaign and every older row).
ALTER TABLE campaign_decisions ADD COLUMN step text NOT NULL DEFAULT 'main';
