-- Complaints (issue 15 item 6): abuse feedback reports (ARF), provider spam reports, complaint
-- replies and carrier blocks, one row each with its proof. report_key is unique, so a replayed
-- report counts once: 'email:ledger:<id>' (one complaint per e-mail sent, whichever route reported
-- it), 'sms:reply:<MessageSid>', 'sms:ledger:<id>' (a 30004 block). contacts.complaints is the
-- count the score and the tier read; it is incremented in the same transaction as the insert.
CREATE TABLE complaints (
  id           bigserial PRIMARY KEY,
  contact_id   bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  channel      text NOT NULL CHECK (channel IN ('sms', 'email')),
  source       text NOT NULL,                     -- arf | provider_webhook | sms_reply | twilio:30004
  report_key   text NOT NULL UNIQUE,
  ledger_id    bigint,                            -- the send complained about, when known
  at           timestamptz NOT NULL,              -- when the complaint was made (or received)
  proof        jsonb NOT NULL DEFAULT '{}',
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaints_contact_idx ON complaints (contact_id, at);
