-- Short tracked links in SMS (core/links.ts, server/links.ts): the campaign dispatch writes one
-- row per distinct URL of a message before the message is sent; GET /l/CODE redirects to url and
-- records a link_click event for the contact. The code is derived from (campaign, contact, url)
-- under the signing secret, so a retried send writes the same row again (ON CONFLICT DO NOTHING).
-- Only URLs stored here are ever redirected to: there is no open redirect.
CREATE TABLE tracked_links (
  code            text PRIMARY KEY,
  campaign_id     bigint REFERENCES campaigns (id) ON DELETE CASCADE,
  contact_id      bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  ledger_id       bigint,                          -- the send_ledger row of the message it went out in
  url             text NOT NULL CHECK (url ~* '^https?://'),
  created_at      timestamptz NOT NULL DEFAULT now(),
  clicks          integer NOT NULL DEFAULT 0,      -- counted clicks (link_click events stored), not previews
  first_click_at  timestamptz,
  last_click_at   timestamptz
);
CREATE INDEX tracked_links_campaign_idx ON tracked_links (campaign_id);
