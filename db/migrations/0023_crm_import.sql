-- What a CRM export holds (issue 20): the source's own customer id, dates, order count, currency
-- and shipping address on the contact; per-row warnings of imports; events joined by customer id.

-- The source's own facts, as a score reads them and as recovery judges "newer" by them.
ALTER TABLE contacts
  ADD COLUMN channel_tag        text,          -- the survivor's tag among channel_tags (the primary one)
  ADD COLUMN registered_at      timestamptz,   -- registration / creation in the source (earliest seen)
  ADD COLUMN first_order_at     timestamptz,   -- first order per the source (earliest seen)
  ADD COLUMN source_order_count integer,       -- orders the source counts (order_count counts the events' own)
  ADD COLUMN order_currency     text,          -- ISO 4217 code of order_value
  ADD COLUMN shipping_address   text;         -- the latest, as written; every one is hashed in contact_addresses

-- A contact with one tag: that one is its primary tag.
UPDATE contacts SET channel_tag = channel_tags[1] WHERE cardinality(channel_tags) = 1;

-- The source's own customer id, per source (the import's source name): the join key of later
-- imports and of events (like an external id). The latest import, then the latest line of it,
-- holds it: (import_id, line_no) orders the statements whatever order the merges commit in.
CREATE TABLE contact_external_ids (
  source       text NOT NULL,
  external_id  text NOT NULL,
  contact_id   bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  import_id    bigint NOT NULL,
  line_no      integer NOT NULL,
  PRIMARY KEY (source, external_id)
);
CREATE INDEX contact_external_ids_contact_idx ON contact_external_ids (contact_id);
CREATE INDEX contact_external_ids_id_idx ON contact_external_ids (external_id);

-- Rows imported with an optional field left empty or cleaned, one row per field: line and reason.
CREATE TABLE import_warnings (
  import_id  bigint NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
  line_no    integer NOT NULL,
  field      text NOT NULL,
  reason     text NOT NULL,
  detail     text NOT NULL
);
CREATE INDEX import_warnings_idx ON import_warnings (import_id, line_no);

CREATE TABLE event_import_warnings (
  import_id  bigint NOT NULL REFERENCES event_imports (id) ON DELETE CASCADE,
  line_no    integer NOT NULL,
  field      text NOT NULL,
  reason     text NOT NULL,
  detail     text NOT NULL
);
CREATE INDEX event_import_warnings_idx ON event_import_warnings (import_id, line_no);

-- An event may name its contact by the source's customer id: kept (with the source it belongs
-- to, NULL = any) so that it attaches when an import links that id to a contact.
ALTER TABLE events
  ADD COLUMN customer_ref    text,
  ADD COLUMN customer_source text,
  DROP CONSTRAINT IF EXISTS events_check,
  ADD CONSTRAINT events_subject_check CHECK (contact_id IS NOT NULL OR phone_hash IS NOT NULL OR customer_ref IS NOT NULL);
CREATE INDEX events_unmatched_customer_idx ON events (customer_ref) WHERE contact_id IS NULL AND customer_ref IS NOT NULL;
