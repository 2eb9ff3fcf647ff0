-- API security (issue 17 item 5).
--
-- Bearer tokens of the JSON API, each with its scopes and rate, created and revoked with
-- `reachloop token create|list|revoke`. Only the SHA-256 of a token is kept: a token is 256 random
-- bits, so its digest cannot be reversed or guessed, and a leaked table opens nothing. Revoked
-- tokens stay listed (revoked_at) and never authenticate again.
CREATE TABLE api_tokens (
  id              bigserial PRIMARY KEY,
  name            text COLLATE "C" NOT NULL UNIQUE,
  token_hash      bytea NOT NULL UNIQUE,
  scopes          text[] NOT NULL CHECK (cardinality(scopes) > 0),
  rate_max        integer NOT NULL CHECK (rate_max > 0),
  rate_window_ms  integer NOT NULL CHECK (rate_window_ms > 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_used_at    timestamptz,
  revoked_at      timestamptz
);

-- The contact's reference in the API: ct_ + 32 hex digits of gen_random_uuid (122 random bits,
-- PostgreSQL's strong random source), so a caller cannot guess or enumerate customers as it could
-- the sequential id. Given when a contact is first shown (`contact show`, an API answer), not at
-- insert: the intake's COPY of a million contacts pays nothing for it, and this ALTER rewrites no
-- table (a nullable column without a default).
ALTER TABLE contacts ADD COLUMN public_id text COLLATE "C";
CREATE UNIQUE INDEX contacts_public_id_key ON contacts (public_id) WHERE public_id IS NOT NULL;

-- A reported number change for a customer whose current number is still reachable: the current
-- number is told (and, where the contact policy's consent.numberChange says so, must agree)
-- before anything merges. NULL: the current number is dead, nobody to tell (the case as before).
ALTER TABLE recovery_cases
  ADD COLUMN current_check text CHECK (current_check IN ('notify', 'consent')),
  ADD COLUMN current_notice_sent_at timestamptz,
  ADD COLUMN current_reply text CHECK (current_reply IN ('consent', 'refuse')),
  ADD COLUMN current_replied_at timestamptz;
-- The inbound webhook finds the case a current number's answer belongs to.
CREATE INDEX recovery_cases_current_check_idx ON recovery_cases (old_phone_hash) WHERE current_check IS NOT NULL AND state IN ('matched', 'confirmation_sent');
