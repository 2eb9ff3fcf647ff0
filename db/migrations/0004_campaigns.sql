-- Campaigns, their recipients, every send decision, the send ledger (exactly-once and caps),
-- and suppressions (opt-outs and the like), read by every send decision at send time.

CREATE TABLE campaigns (
  id               bigserial PRIMARY KEY,
  name             text NOT NULL,
  category         text NOT NULL CHECK (category IN ('marketing', 'transactional')),
  definition       jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft', 'launched', 'awaiting_approval', 'scheduled', 'running', 'paused', 'completed', 'cancelled', 'failed')),
  workflow_id      text,
  approved_by      text,
  approved_at      timestamptz,
  cancel_reason    text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  launched_at      timestamptz,
  finished_at      timestamptz
);

-- One row per recipient: where it stands now. The audience lives here, never in workflow history.
CREATE TABLE campaign_recipients (
  campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  contact_id   bigint NOT NULL REFERENCES contacts (id),
  tier         char(1) NOT NULL,
  time_zone    text NOT NULL,                  -- first candidate zone, for status counts
  state        text NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'deferred', 'claimed', 'sent', 'skipped', 'failed', 'unknown')),
  next_at      timestamptz NOT NULL,
  claim_key    text,
  channel      text,
  last_reason  text,
  decisions    integer NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, contact_id)
);
CREATE INDEX campaign_recipients_due_idx ON campaign_recipients (campaign_id, next_at) WHERE state IN ('pending', 'deferred');
CREATE INDEX campaign_recipients_claim_idx ON campaign_recipients (campaign_id, claim_key) WHERE claim_key IS NOT NULL;

-- The audit trail: every decision, with its reason, as taken at send time.
CREATE TABLE campaign_decisions (
  id           bigserial PRIMARY KEY,
  campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  contact_id   bigint NOT NULL,
  at           timestamptz NOT NULL,
  decision     text NOT NULL CHECK (decision IN ('SEND', 'DEFER', 'SKIP')),
  reason       text NOT NULL,
  until        timestamptz,
  channel      text,
  detail       text
);
CREATE INDEX campaign_decisions_campaign_idx ON campaign_decisions (campaign_id, contact_id);

-- Exactly-once: a row exists before the provider is called; (campaign, contact, step) is unique.
-- Marketing rows also count against the contact's caps on their channel.
CREATE TABLE send_ledger (
  id                  bigserial PRIMARY KEY,
  campaign_id         bigint REFERENCES campaigns (id),
  contact_id          bigint NOT NULL REFERENCES contacts (id),
  step                text NOT NULL,
  channel             text NOT NULL CHECK (channel IN ('sms', 'email')),
  category            text NOT NULL CHECK (category IN ('marketing', 'transactional', 'recovery')),
  state               text NOT NULL DEFAULT 'reserved'
                      CHECK (state IN ('reserved', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'unknown', 'released')),
  idempotency_key     uuid NOT NULL DEFAULT gen_random_uuid(),
  reserved_at         timestamptz NOT NULL,
  attempt_started_at  timestamptz,
  sent_at             timestamptz,
  provider_id         text,
  provider_status     text,
  error_code          text,
  error_message       text,
  segments            integer,
  encoding            text,
  UNIQUE (campaign_id, contact_id, step)
);
CREATE INDEX send_ledger_caps_idx ON send_ledger (contact_id, channel, reserved_at) WHERE category = 'marketing';
CREATE UNIQUE INDEX send_ledger_provider_idx ON send_ledger (provider_id) WHERE provider_id IS NOT NULL;

-- Opt-outs and other suppressions, per contact and channel ('all' covers both).
CREATE TABLE suppressions (
  contact_id  bigint NOT NULL REFERENCES contacts (id),
  channel     text NOT NULL CHECK (channel IN ('sms', 'email', 'all')),
  kind        text NOT NULL CHECK (kind IN ('opt_out', 'complaint', 'bounce', 'carrier_block', 'invalid_number', 'manual')),
  source      text NOT NULL,
  proof       jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (contact_id, channel, kind)
);
