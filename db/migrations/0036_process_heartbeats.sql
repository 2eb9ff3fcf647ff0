-- Every running worker and HTTP server beats here (infra/heartbeat.ts): `keys rotate-lookup`
-- refuses while one is alive, and a process learns at its next beat that the lookup key chain
-- was rotated under it (the fingerprint in data_key_checks is no longer its own) and stops.
CREATE TABLE process_heartbeats (
  id                  text PRIMARY KEY,            -- random per process start
  roles               text NOT NULL,               -- 'worker', 'http' or 'worker+http'
  host                text NOT NULL,
  pid                 integer NOT NULL,
  lookup_fingerprint  text NOT NULL,               -- of the chain the process hashes with
  started_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  seen_at             timestamptz NOT NULL DEFAULT clock_timestamp()
);
