-- Privacy (issue 17 items 3 and 4): the access audit, erased identifiers, retention.

-- Every read of a contact's personal data through the CLI or the API, every export and every
-- erasure: who (the API token's name, or the CLI's operating-system user), what (the action), which
-- contact (its id; NULL for an export of many), why (the operator's --reason), when, and a small
-- detail without personal data (counts, the segment, the route). Written in the same command or
-- request as the read: a read that cannot be audited fails. No foreign key: the rows about an
-- erased contact stay, and they name it by id only.
CREATE TABLE access_audit (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL,                    -- cli:<os user> | api:<token name>
  action      text NOT NULL,                    -- contact.show | contact.api_read | privacy.export | privacy.erase | audience.export_hashed ...
  contact_id  bigint,
  reason      text NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX access_audit_contact_idx ON access_audit (contact_id, at) WHERE contact_id IS NOT NULL;
CREATE INDEX access_audit_at_idx ON access_audit USING brin (at);

-- What an erasure keeps of the person: the keyed hashes of their number and e-mail addresses.
-- The send-time check reads the e-mail ones, so that an address imported again, on any contact,
-- is suppressed (the number's hash also stays on the anonymised contact row, with its suppression,
-- which a re-import of the number merges into). Nothing here can be read back into a value.
CREATE TABLE erased_identifiers (
  kind        text NOT NULL CHECK (kind IN ('phone', 'email')),
  hash        text COLLATE "C" NOT NULL,
  contact_id  bigint NOT NULL,                  -- the erased contact (anonymised row)
  erased_at   timestamptz NOT NULL,
  PRIMARY KEY (kind, hash)
);

-- When a contact was erased (NULL: never). The row stays, anonymised, so that campaign counts and
-- reports still add up and the suppression stays attached to the number's keyed hash.
ALTER TABLE contacts ADD COLUMN erased_at timestamptz;
