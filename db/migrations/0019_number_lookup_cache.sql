-- Answers of the paid carrier lookup (LOOKUP_PROVIDER=twilio: Twilio Lookup v2), one row per
-- number, so that a re-import, a second recheck pass or another worker within LOOKUP_CACHE_TTL
-- does not pay for the same number again. Keyed by the phone hash (no number is stored); the
-- provider is part of the answer, so switching providers never serves another one's answers.
-- Inconclusive answers (unknown) are not kept.
CREATE TABLE number_lookup_cache (
  phone_hash   text COLLATE "C" PRIMARY KEY,
  provider     text NOT NULL,
  status       text NOT NULL,
  line_type    text,
  looked_up_at timestamptz NOT NULL
);
