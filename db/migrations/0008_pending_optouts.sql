-- Opt-outs from numbers that are not contacts yet (a STOP from a number we never imported): kept
-- by phone hash with their proof, and turned into the contact's suppression when intake creates
-- the contact (activities/intake.ts), so the number comes in already opted out. An opt-in (START)
-- from the number before that removes it. One row per number and channel; the first proof is kept.
CREATE TABLE pending_opt_outs (
  phone_hash   text NOT NULL,
  channel      text NOT NULL CHECK (channel IN ('sms', 'email', 'all')),
  source       text NOT NULL,
  proof        jsonb NOT NULL DEFAULT '{}',
  received_at  timestamptz NOT NULL,
  PRIMARY KEY (phone_hash, channel)
);
