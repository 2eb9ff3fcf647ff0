-- Per-token API rate windows shared by every server process (server/api-rate-store.ts): one row
-- per token (or 'legacy'), its current fixed window's start and the requests counted in it.
CREATE TABLE api_rate_windows (
  key        text PRIMARY KEY,
  started_at timestamptz NOT NULL,
  count      integer NOT NULL CHECK (count > 0)
);
