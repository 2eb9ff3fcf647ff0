-- Hash columns hold lower-case hex (SHA-256), which sorts the same under every collation, so they
-- compare bytewise ("C") instead of through the database's locale: strcoll on 64-character keys
-- was a visible share of PostgreSQL's time in a million-row import (every unique-index insert,
-- every lookup and sort by hash). Only the indexes on these columns are rebuilt.
ALTER TABLE contacts ALTER COLUMN phone_hash TYPE text COLLATE "C";
ALTER TABLE contact_emails ALTER COLUMN email_hash TYPE text COLLATE "C";
ALTER TABLE events ALTER COLUMN phone_hash TYPE text COLLATE "C";
ALTER TABLE pending_opt_outs ALTER COLUMN phone_hash TYPE text COLLATE "C";
ALTER TABLE contact_addresses ALTER COLUMN address_hash TYPE text COLLATE "C";
ALTER TABLE orders ALTER COLUMN address_hash TYPE text COLLATE "C";
ALTER TABLE contact_aliases ALTER COLUMN old_phone_hash TYPE text COLLATE "C";
ALTER TABLE recovery_candidates ALTER COLUMN old_phone_hash TYPE text COLLATE "C";
ALTER TABLE recovery_cases ALTER COLUMN old_phone_hash TYPE text COLLATE "C";
ALTER TABLE recovery_cases ALTER COLUMN candidate_phone_hash TYPE text COLLATE "C";
