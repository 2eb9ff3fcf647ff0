-- Single transactional messages of the HTTP API (POST /v1/messages). Each is a one-recipient
-- transactional campaign (its text in the campaign's definition, so the workflow carries only the
-- campaign id) started under a workflow id derived from the caller's idempotency key. The key is
-- kept as its SHA-256 (no caller text is needed to answer a replay), with a fingerprint of the
-- request body, so that the same key with another body is refused.
CREATE TABLE api_messages (
  id           bigserial PRIMARY KEY,
  key_hash     text COLLATE "C" NOT NULL UNIQUE,
  body_hash    text NOT NULL,
  campaign_id  bigint NOT NULL REFERENCES campaigns (id),
  contact_id   bigint NOT NULL REFERENCES contacts (id),
  channel      text NOT NULL CHECK (channel IN ('sms', 'email')),
  urgent       boolean NOT NULL,
  workflow_id  text NOT NULL,
  started_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_messages_campaign_idx ON api_messages (campaign_id);
