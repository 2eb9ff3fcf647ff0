-- The feedback loop: Twilio status callbacks and inbound messages, delivery outcomes written back to
-- the contact, and numbers that went dead handed to the recovery funnel.

-- Every verified Twilio webhook, keyed by its replay key (MessageSid, status, signature hash):
-- the replay guard (a key seen before is answered 200 and not applied again, several server
-- processes share it) and the audit of what the provider told us. Written in the same transaction
-- as the effect, so a request that failed half-way is applied on Twilio's retry.
CREATE TABLE twilio_webhooks (
  replay_key   text PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('status', 'inbound')),
  message_sid  text NOT NULL,
  status       text NOT NULL,
  error_code   integer,
  ledger_id    bigint,                            -- send_ledger row it applied to (status callbacks)
  contact_id   bigint,
  result       text NOT NULL,                     -- applied | stale | unmatched | opt_out | opt_in | help | reply | ...
  received_at  timestamptz NOT NULL DEFAULT now()
);
-- Append-only in time order: a BRIN index serves pruning old receipts and time-range audits at a
-- fraction of a b-tree's cost per insert (thousands of callbacks a second).
CREATE INDEX twilio_webhooks_received_idx ON twilio_webhooks USING brin (received_at);

-- When the provider's status last moved, and when the final outcome was written back to the contact
-- (once per message: a replayed or late callback never counts twice).
ALTER TABLE send_ledger
  ADD COLUMN provider_status_at timestamptz,
  ADD COLUMN feedback_at        timestamptz;
-- A ledger row is updated four or five times (reserved, sending, sent, then each callback): room on
-- its page lets PostgreSQL update it in place (HOT) without touching its indexes.
ALTER TABLE send_ledger SET (fillfactor = 70);
-- Likewise contacts: every final delivery outcome re-scores its contact (activity, score, parts;
-- no indexed column changes unless the tier moves), so leave room for in-place updates.
ALTER TABLE contacts SET (fillfactor = 85);

-- Numbers that went dead (consecutive delivery failures, an invalid number): the changed-number
-- recovery funnel picks open cases up. At most one open case per contact. old_phone_hash keeps
-- which number died, so a case stays meaningful after the contact's number changes.
CREATE TABLE recovery_candidates (
  id              bigserial PRIMARY KEY,
  contact_id      bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  old_phone_hash  text NOT NULL,
  reason          text NOT NULL,                  -- consecutive_failures | invalid_number
  evidence        jsonb NOT NULL DEFAULT '{}',    -- error codes, ledger ids, message sids
  status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'recovered', 'closed')),
  detected_at     timestamptz NOT NULL DEFAULT now(),
  closed_at       timestamptz
);
CREATE UNIQUE INDEX recovery_candidates_open_idx ON recovery_candidates (contact_id) WHERE status IN ('open', 'in_progress');
CREATE INDEX recovery_candidates_status_idx ON recovery_candidates (status, detected_at);
