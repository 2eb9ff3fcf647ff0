-- Audience: contacts keyed by phone, their e-mails, consents, tier history, and imports.
-- Personal data (phone_e164, email) sits beside a SHA-256 hash column used for every lookup,
-- so encrypting the personal columns at rest later leaves the schema's shape as it is.

CREATE TABLE contacts (
  id              bigserial PRIMARY KEY,
  phone_hash      text NOT NULL UNIQUE,          -- sha256 hex of the E.164 number
  phone_e164      text NOT NULL,
  phone_extension text,
  line_type       text NOT NULL,
  country         text,
  region          text,
  currency        text,
  language        text,
  time_zones      text[] NOT NULL DEFAULT '{}',
  name            text,
  validity        text NOT NULL DEFAULT 'unknown'
                  CHECK (validity IN ('reachable', 'suspected_disconnected', 'unreachable', 'unknown')),
  number_status   text NOT NULL DEFAULT 'unknown'
                  CHECK (number_status IN ('active', 'empty', 'stopped', 'switched_off', 'out_of_service', 'silent', 'unknown')),
  sms_eligible    boolean NOT NULL DEFAULT true,
  channel_tags    text[] NOT NULL DEFAULT '{}',
  sources         text[] NOT NULL DEFAULT '{}',
  device_ids      text[] NOT NULL DEFAULT '{}',
  last_order_at   timestamptz,
  order_value     numeric(14, 2),
  order_count     integer NOT NULL DEFAULT 0,
  activity        jsonb NOT NULL DEFAULT '{}',   -- counters and last-seen times from events
  complaints      integer NOT NULL DEFAULT 0,
  risk_points     integer NOT NULL DEFAULT 0,
  risk_reasons    text[] NOT NULL DEFAULT '{}',
  quarantined     boolean NOT NULL DEFAULT false,
  score           integer NOT NULL DEFAULT 0,
  score_parts     jsonb NOT NULL DEFAULT '[]',
  tier            char(1) NOT NULL DEFAULT 'D' CHECK (tier IN ('A', 'B', 'C', 'D')),
  tier_reasons    text[] NOT NULL DEFAULT '{}',
  policy_version  text NOT NULL DEFAULT '',
  rechecked_at    timestamptz,
  recheck_after   timestamptz,
  first_seen_at   timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_tier_idx ON contacts (tier);
CREATE INDEX contacts_country_idx ON contacts (country);
CREATE INDEX contacts_recheck_idx ON contacts (recheck_after) WHERE recheck_after IS NOT NULL;

CREATE TABLE contact_emails (
  contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  email_hash  text NOT NULL,                     -- sha256 hex of the normalised address
  email       text NOT NULL,
  added_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (contact_id, email_hash)
);
CREATE INDEX contact_emails_hash_idx ON contact_emails (email_hash);

-- One row per contact, channel and purpose: the union of consents, keeping the earliest proof.
CREATE TABLE consents (
  contact_id    bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  channel       text NOT NULL CHECK (channel IN ('sms', 'email')),
  purpose       text NOT NULL,
  source        text NOT NULL,
  granted_at    timestamptz NOT NULL,
  double_opt_in boolean NOT NULL DEFAULT false,
  proof         jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (contact_id, channel, purpose)
);

CREATE TABLE tier_history (
  id          bigserial PRIMARY KEY,
  contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  at          timestamptz NOT NULL DEFAULT now(),
  from_tier   char(1),
  to_tier     char(1) NOT NULL,
  score       integer NOT NULL,
  cause       text NOT NULL,                     -- import:<id>, event:<tag>, outcome:<code>, recheck
  reasons     text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX tier_history_contact_idx ON tier_history (contact_id, at);

CREATE TABLE imports (
  id            bigserial PRIMARY KEY,
  file_name     text NOT NULL,
  file_sha256   text NOT NULL,
  options       jsonb NOT NULL,
  status        text NOT NULL DEFAULT 'uploading'
                CHECK (status IN ('uploading', 'processing', 'completed', 'failed')),
  rows_read     integer NOT NULL DEFAULT 0,     -- records handed to the workflow (header excluded)
  workflow_id   text,
  report        jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);

-- Each import also has two UNLOGGED staging tables of its own, intake_rows_<id> (as read) and
-- intake_valid_<id> (normalised), created by the upload and dropped when the import finishes.

CREATE TABLE import_rejects (
  import_id  bigint NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
  line_no    integer NOT NULL,
  reason     text NOT NULL,
  detail     text NOT NULL,
  raw        text NOT NULL,                      -- the row as read (truncated), for the operator
  PRIMARY KEY (import_id, line_no)
);
