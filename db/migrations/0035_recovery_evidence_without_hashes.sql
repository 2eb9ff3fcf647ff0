-- A changed-number case kept 12-digit prefixes of keyed hashes in its evidence ("email 3fa2…")
-- and its excluded candidates (phoneHashPrefix). With the lookup key, a prefix of a number's hash
-- is enough to find the number by enumerating the numbering plan, and a prefix cannot follow a
-- lookup key rotation (`reachloop keys rotate-lookup`). Cases now say what matched in words only;
-- this rewrites the cases written before.
UPDATE recovery_cases SET evidence = (
  SELECT coalesce(jsonb_agg(CASE e->>'kind'
      WHEN 'same_email' THEN jsonb_set(e, '{detail}', '"a shared e-mail address"')
      WHEN 'same_device' THEN jsonb_set(e, '{detail}', '"a shared device"')
      WHEN 'same_address' THEN jsonb_set(e, '{detail}', '"a shared shipping address"')
      ELSE e END ORDER BY n), '[]'::jsonb)
  FROM jsonb_array_elements(evidence) WITH ORDINALITY AS x(e, n))
WHERE jsonb_typeof(evidence) = 'array' AND evidence::text ~ '"(email|device|address) [0-9a-f]';

UPDATE recovery_cases SET excluded = (
  SELECT coalesce(jsonb_agg(e - 'phoneHashPrefix' ORDER BY n), '[]'::jsonb)
  FROM jsonb_array_elements(excluded) WITH ORDINALITY AS x(e, n))
WHERE jsonb_typeof(excluded) = 'array' AND excluded::text LIKE '%phoneHashPrefix%';
