-- Scheduled campaigns (issue 16): a campaign created as a template (`reachloop winback schedule`)
-- is run by a Temporal Schedule; each scheduled time makes one campaign, a copy of the template,
-- keyed by the workflow id of that time (run_key), so an overlap, a catch-up or a second start of
-- the same time finds the same campaign and never a second one. template_id names the series.
ALTER TABLE campaigns
  ADD COLUMN template_id   bigint REFERENCES campaigns (id),
  ADD COLUMN run_key       text UNIQUE,
  ADD COLUMN scheduled_for timestamptz;
CREATE INDEX campaigns_template_idx ON campaigns (template_id) WHERE template_id IS NOT NULL;
