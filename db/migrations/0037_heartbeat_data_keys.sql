-- The data keys each running process holds (infra/heartbeat.ts): `keys rotate` refuses to
-- re-encrypt under a key that a live process lacks (it would fail on every value moved), and
-- names those processes. A map of key id to DataCodec.fingerprint(id); '{}' for rows written
-- before this column (their processes beat again with it once restarted).
ALTER TABLE process_heartbeats ADD COLUMN data_keys jsonb NOT NULL DEFAULT '{}'::jsonb;
