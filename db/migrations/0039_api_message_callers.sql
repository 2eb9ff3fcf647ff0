-- Whose message it is: the API caller that sent it (`token:<id>` or `legacy`, server/api.ts). Only
-- that caller reads it back (GET /v1/messages/:id), and an Idempotency-Key is the caller's own
-- (its hash covers the caller), so one token can neither read another's messages nor learn their
-- contacts' references by walking the sequential message ids. Rows written before have none and
-- stay readable by any messages:send caller, as they were.
ALTER TABLE api_messages ADD COLUMN caller text;
