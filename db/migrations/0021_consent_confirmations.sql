-- The double opt-in of SMS marketing where the contact policy turns it on (consent.doubleOptIn,
-- e.g. DE): one row per contact, channel and purpose that was asked to confirm ("Reply YES to
-- receive offers by SMS"), by which transactional campaign; a YES sets consents.double_opt_in and
-- confirmed_at here, with the reply as proof (message SID, text, time). Nobody is asked twice.
CREATE TABLE consent_confirmations (
  contact_id   bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  channel      text NOT NULL CHECK (channel IN ('sms')),
  purpose      text NOT NULL,
  campaign_id  bigint REFERENCES campaigns (id) ON DELETE SET NULL,
  asked_at     timestamptz NOT NULL,
  confirmed_at timestamptz,
  proof        jsonb,
  PRIMARY KEY (contact_id, channel, purpose)
);
