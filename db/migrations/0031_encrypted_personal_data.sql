-- Personal data encrypted at rest (issue 17): each value AES-256-GCM under a named data key
-- (infra/data-codec.ts: [id length][key id][IV][tag][ciphertext]) in a bytea column beside the
-- keyed lookup hash. The plaintext columns become nullable here; the step that runs after the
-- SQL migrations (db/personal-data.ts) encrypts the rows written before, re-keys every lookup
-- hash from bare SHA-256 to HMAC, and then drops the plaintext columns.

ALTER TABLE contacts
  ADD COLUMN phone_enc bytea,
  ADD COLUMN name_enc bytea,
  ADD COLUMN shipping_address_enc bytea,
  ALTER COLUMN phone_e164 DROP NOT NULL;
ALTER TABLE contact_emails
  ADD COLUMN email_enc bytea,
  ALTER COLUMN email DROP NOT NULL;
ALTER TABLE recovery_cases ADD COLUMN candidate_enc bytea;
ALTER TABLE import_rejects
  ADD COLUMN raw_enc bytea,
  ALTER COLUMN raw DROP NOT NULL;
ALTER TABLE event_import_rejects
  ADD COLUMN raw_enc bytea,
  ALTER COLUMN raw DROP NOT NULL;

-- One fingerprint per key this database has seen (an HMAC of a constant under the key: it tells
-- keys apart, it reveals nothing): a process started with another key under a known id, or
-- without a key still encrypting values, or with another lookup key, refuses to start.
CREATE TABLE data_key_checks (
  key_id       text COLLATE "C" PRIMARY KEY,     -- a data key's id, or 'lookup'
  fingerprint  text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- Steps of the legacy conversion still to do; the step after the migrations deletes each when done.
CREATE TABLE personal_data_pending (step text PRIMARY KEY);
INSERT INTO personal_data_pending VALUES ('rehash');
