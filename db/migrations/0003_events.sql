-- Behaviour events (seed 004) and number re-verification (seed 001).

-- Every behaviour event, deduplicated by the sender's event id. The phone number is the join key:
-- phone_hash (sha256 of the E.164 number, never the number itself) is kept for every event named
-- by phone, so that an event for a number that is not a contact yet (contact_id NULL) attaches
-- when the number becomes one. tag is the standard tag; NULL = the source name maps to none
-- (kept raw in raw_tag and reported, never dropped).
CREATE TABLE events (
  id           bigserial PRIMARY KEY,
  event_id     text NOT NULL UNIQUE,
  contact_id   bigint REFERENCES contacts (id) ON DELETE SET NULL,
  phone_hash   text,
  tag          text,
  raw_tag      text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  properties   jsonb NOT NULL DEFAULT '{}',
  source       text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  import_id    bigint,                              -- event_imports.id, NULL for the HTTP API
  CHECK (contact_id IS NOT NULL OR phone_hash IS NOT NULL)
);
-- The fold reads a contact's events by tag and time.
CREATE INDEX events_contact_idx ON events (contact_id, tag, occurred_at) WHERE contact_id IS NOT NULL;
CREATE INDEX events_unmatched_idx ON events (phone_hash) WHERE contact_id IS NULL;
CREATE INDEX events_unknown_tag_idx ON events (raw_tag) WHERE tag IS NULL;

-- `reachloop events import` runs: options (source, default country, mapping rules) and the report.
-- Each import stages its lines in an UNLOGGED table event_rows_<id> (seq, line_no, raw), created by
-- the upload and dropped when the import finishes.
CREATE TABLE event_imports (
  id           bigserial PRIMARY KEY,
  file_name    text NOT NULL,
  file_sha256  text NOT NULL DEFAULT '',
  options      jsonb NOT NULL,
  status       text NOT NULL DEFAULT 'uploading' CHECK (status IN ('uploading', 'processing', 'completed', 'failed')),
  rows_read    integer NOT NULL DEFAULT 0,
  workflow_id  text,
  report       jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);

CREATE TABLE event_import_rejects (
  import_id  bigint NOT NULL REFERENCES event_imports (id) ON DELETE CASCADE,
  line_no    integer NOT NULL,
  reason     text NOT NULL,
  detail     text NOT NULL,
  raw        text NOT NULL,                       -- the line as read (truncated), for the operator
  PRIMARY KEY (import_id, line_no)
);

-- Results of finished batch activities, written in the batch's own transaction: a retried
-- activity whose first attempt committed returns the recorded result instead of counting twice.
CREATE TABLE job_batches (
  job_id   text NOT NULL,
  batch    text NOT NULL,
  result   jsonb NOT NULL,
  done_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, batch)
);

-- What the rechecks found, one row per change of a number's status (and per inconclusive answer).
CREATE TABLE number_checks (
  id           bigserial PRIMARY KEY,
  contact_id   bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  at           timestamptz NOT NULL,
  lookup       text NOT NULL,                     -- the NumberLookup's name
  answer       text NOT NULL,
  from_status  text NOT NULL,
  to_status    text NOT NULL,
  outcome      text NOT NULL                      -- core/recheck.ts RECHECK_OUTCOMES
);
CREATE INDEX number_checks_contact_idx ON number_checks (contact_id, at);

-- prefer_cheaper_channel: a silent number stays reachable, but campaigns should pick the cheaper
-- channel. The registration counts were only in the score explanation; re-scoring from events and
-- rechecks needs them, so they get columns (backfilled from score_parts: [group, input, value, ...]).
ALTER TABLE contacts
  ADD COLUMN prefer_cheaper_channel    boolean NOT NULL DEFAULT false,
  ADD COLUMN same_range_registrations  integer NOT NULL DEFAULT 0,
  ADD COLUMN same_device_registrations integer NOT NULL DEFAULT 0;

UPDATE contacts c SET
  prefer_cheaper_channel = (c.number_status = 'silent'),
  same_range_registrations = COALESCE((SELECT (p ->> 2)::int FROM jsonb_array_elements(c.score_parts) p WHERE p ->> 1 = 'sameRangeRegistrations' LIMIT 1), 0),
  same_device_registrations = COALESCE((SELECT (p ->> 2)::int FROM jsonb_array_elements(c.score_parts) p WHERE p ->> 1 = 'sameDeviceRegistrations' LIMIT 1), 0)
WHERE c.number_status = 'silent' OR c.risk_points > 0;
