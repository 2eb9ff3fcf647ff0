-- The hashes of a single API message are keyed lookup hashes (infra/data-codec.ts lookupHash), no
-- longer bare SHA-256: the body holds the recipient's number (and a client's Idempotency-Key may),
-- so a bare SHA-256 gave the number away to anyone who enumerated the numbers of a country. Both
-- are re-hashed with the lookup key chain by `keys rotate-lookup`, and nulled when the person is
-- erased. The step after the SQL migrations re-keys the rows written before this one
-- (db/messages.ts rekeyLegacyMessageHashes) and deletes this pending step. A database still
-- waiting for the conversion of migration 0031 ('rehash') gets them re-keyed by that conversion.
ALTER TABLE api_messages ALTER COLUMN key_hash DROP NOT NULL, ALTER COLUMN body_hash DROP NOT NULL;
INSERT INTO personal_data_pending SELECT 'rekey_message_hashes' WHERE NOT EXISTS (SELECT 1 FROM personal_data_pending WHERE step = 'rehash') ON CONFLICT DO NOTHING;
