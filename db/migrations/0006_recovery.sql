-- Changed-number recovery (seed 002): cases from detection to merge, the links candidates are found
-- through (shipping addresses; device ids get an index), the loyalty assets a merge moves, aliases of
-- merged contacts and the merge audit. Personal data sits beside a SHA-256 hash used for lookups.

-- Shipping addresses, by hash of the normalised address only (core/recovery/match.ts addressKey):
-- matching needs equality, never the address itself.
CREATE TABLE contact_addresses (
  contact_id    bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  address_hash  text NOT NULL,
  added_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (contact_id, address_hash)
);
CREATE INDEX contact_addresses_hash_idx ON contact_addresses (address_hash);
-- "A new account on the same device": overlap of device_ids.
CREATE INDEX contacts_device_ids_idx ON contacts USING gin (device_ids);

-- Loyalty assets that follow the person when identities merge.
CREATE TABLE orders (
  id            bigserial PRIMARY KEY,
  contact_id    bigint NOT NULL REFERENCES contacts (id),
  external_id   text NOT NULL UNIQUE,
  amount        numeric(14, 2) NOT NULL DEFAULT 0,
  currency      text,
  address_hash  text,
  placed_at     timestamptz NOT NULL
);
CREATE INDEX orders_contact_idx ON orders (contact_id, placed_at);

-- Points as a ledger of movements: a merge moves rows, the balance is their sum.
CREATE TABLE loyalty_points (
  id          bigserial PRIMARY KEY,
  contact_id  bigint NOT NULL REFERENCES contacts (id),
  delta       integer NOT NULL,
  reason      text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loyalty_points_contact_idx ON loyalty_points (contact_id);

CREATE TABLE coupons (
  id           bigserial PRIMARY KEY,
  contact_id   bigint NOT NULL REFERENCES contacts (id),
  code         text NOT NULL UNIQUE,
  value        numeric(14, 2) NOT NULL DEFAULT 0,
  expires_at   timestamptz,
  redeemed_at  timestamptz
);
CREATE INDEX coupons_contact_idx ON coupons (contact_id);

-- One case per detection of a dead number, from detection to its end. At most one open case per
-- contact; the RecoveryWorkflow of an open case has workflow_id recovery-<contact_id>.
CREATE TABLE recovery_cases (
  id                     bigserial PRIMARY KEY,
  contact_id             bigint NOT NULL REFERENCES contacts (id),        -- the customer whose number died
  old_phone_hash         text NOT NULL,
  detection_reason       text NOT NULL,     -- unreachable | number_empty | number_stopped | consecutive_failures | invalid_number | self_reported | operator
  candidate_contact_id   bigint REFERENCES contacts (id),
  candidate_phone_hash   text,
  candidate_e164         text,
  confidence             numeric(4, 3),
  evidence               jsonb NOT NULL DEFAULT '[]',                     -- [{kind, confidence, detail}]
  excluded               jsonb NOT NULL DEFAULT '[]',                     -- candidates not used, with the reason
  state                  text NOT NULL DEFAULT 'detected'
                         CHECK (state IN ('detected', 'matched', 'confirmation_sent', 'confirmed', 'refused', 'expired', 'cancelled')),
  workflow_id            text,
  follow_up_campaign_id  bigint,
  reply_kind             text,
  close_reason           text,
  reminders              integer NOT NULL DEFAULT 0,
  detected_at            timestamptz NOT NULL,
  matched_at             timestamptz,
  confirmation_sent_at   timestamptz,
  reminder_sent_at       timestamptz,
  replied_at             timestamptz,
  closed_at              timestamptz
);
CREATE UNIQUE INDEX recovery_cases_open_idx ON recovery_cases (contact_id) WHERE state IN ('detected', 'matched', 'confirmation_sent');
CREATE INDEX recovery_cases_candidate_idx ON recovery_cases (candidate_phone_hash) WHERE candidate_phone_hash IS NOT NULL;
CREATE INDEX recovery_cases_state_idx ON recovery_cases (state, detected_at);

-- Recovery confirmations have no campaign: one ledger row per (contact, step) all the same, so a
-- retried activity never sends a confirmation twice.
CREATE UNIQUE INDEX send_ledger_no_campaign_idx ON send_ledger (contact_id, step) WHERE campaign_id IS NULL;
CREATE INDEX send_ledger_recovery_idx ON send_ledger (contact_id, reserved_at) WHERE category = 'recovery';

-- A merged contact: the old record stays (history, audit) as an alias of the contact that holds
-- the person now.
CREATE TABLE contact_aliases (
  old_contact_id  bigint PRIMARY KEY REFERENCES contacts (id),
  contact_id      bigint NOT NULL REFERENCES contacts (id),
  old_phone_hash  text NOT NULL,
  case_id         bigint REFERENCES recovery_cases (id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (old_contact_id <> contact_id)
);
CREATE INDEX contact_aliases_contact_idx ON contact_aliases (contact_id);

-- Who merged what, when, and what moved.
CREATE TABLE merge_audit (
  id              bigserial PRIMARY KEY,
  case_id         bigint REFERENCES recovery_cases (id),
  old_contact_id  bigint NOT NULL,
  new_contact_id  bigint NOT NULL,
  actor           text NOT NULL,          -- recovery-workflow:<id> | operator:<name>
  cause           text NOT NULL,          -- confirm_reply | operator
  moved           jsonb NOT NULL,         -- table -> rows moved
  at              timestamptz NOT NULL
);
CREATE INDEX merge_audit_old_idx ON merge_audit (old_contact_id);
