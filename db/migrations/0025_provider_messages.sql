-- Provider messages the send ledger did not expect are kept, never ignored (issue 19).
--
-- A second message of one ledger row: a status callback names the row (?ledgerId= in its URL) but
-- carries another MessageSid than the row's provider_id (two attempts of one batch both sent).
-- Adopted here as a duplicate send of that row; later callbacks and the sweep keep its status.
CREATE TABLE ledger_provider_messages (
  provider_id    text PRIMARY KEY,
  ledger_id      bigint NOT NULL REFERENCES send_ledger (id),
  status         text NOT NULL,
  error_code     text,
  first_seen_at  timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  -- When the sweep last asked the provider about it (reachloop ledger sweep).
  swept_at       timestamptz
);
CREATE INDEX ledger_provider_messages_ledger_idx ON ledger_provider_messages (ledger_id);

-- A row's provider id replaced by another (a late API response of another attempt recorded over
-- the id a callback had reconciled): the replaced one stays known as an adopted message.
CREATE FUNCTION keep_replaced_provider_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ledger_provider_messages (provider_id, ledger_id, status, error_code, first_seen_at, updated_at)
  VALUES (OLD.provider_id, OLD.id, COALESCE(OLD.provider_status, 'sent'), OLD.error_code, now(), now())
  ON CONFLICT (provider_id) DO NOTHING;
  RETURN NEW;
END $$;
CREATE TRIGGER send_ledger_provider_id_replaced AFTER UPDATE OF provider_id ON send_ledger
  FOR EACH ROW WHEN (OLD.provider_id IS NOT NULL AND NEW.provider_id IS DISTINCT FROM OLD.provider_id)
  EXECUTE FUNCTION keep_replaced_provider_id();

-- Status callbacks of messages no ledger row knows, whose URL names no ledger row (or one that
-- does not exist): stored, one row per message with its furthest status, and listed by
-- `reachloop ledger orphans`.
CREATE TABLE orphan_provider_messages (
  provider_id    text PRIMARY KEY,
  -- The callback URL's ledgerId when it named a row that does not exist.
  named_ledger   text,
  status         text NOT NULL,
  error_code     text,
  callbacks      integer NOT NULL,
  first_seen_at  timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);

-- When the sweep last asked the provider about a row stuck in 'sent': a row the provider still
-- reports as sent is asked again only after another SENT_SWEEP_AFTER.
ALTER TABLE send_ledger ADD COLUMN swept_at timestamptz;
