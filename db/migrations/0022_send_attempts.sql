-- Fencing of send attempts (issue 19). Every activity attempt that calls a provider holds a lease
-- here: it renews lease_until while it works and sets finished_at when it has recorded its
-- results. A ledger row in 'sending' names the attempt that owns it (attempt_id). A later attempt
-- of the same batch (scope), or one that meets a row another attempt owns, waits until that
-- attempt has finished or its lease has run out before it reconciles or sends; an attempt never
-- starts a provider call with less lease left than the call's timeout, and a lease that ran out is
-- never renewed. Times are PostgreSQL's (clock_timestamp()), the one clock every worker shares.
CREATE TABLE send_attempts (
  id           bigserial PRIMARY KEY,
  scope        text NOT NULL,                  -- the batch: campaign:<id>:<claim key>, recovery:<case>:<kind>
  owner        text NOT NULL,                  -- workflow id / activity id / attempt number, for the audit
  started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  lease_until  timestamptz NOT NULL,
  finished_at  timestamptz
);
CREATE INDEX send_attempts_live_idx ON send_attempts (scope, id) WHERE finished_at IS NULL;

ALTER TABLE send_ledger ADD COLUMN attempt_id bigint REFERENCES send_attempts (id);
