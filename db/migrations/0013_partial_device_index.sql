-- Most contacts carry no device id, yet a GIN index still stores an entry for every empty array:
-- a million-row import paid for half a million of them. Only contacts with device ids are indexed
-- now; the one query that joins on device ids (recovery links) says `device_ids <> '{}'` so the
-- planner can use this index.
DROP INDEX contacts_device_ids_idx;
CREATE INDEX contacts_device_ids_idx ON contacts USING gin (device_ids) WHERE device_ids <> '{}';
