/**
 * Who a person is in the database, for the data subject requests (db/privacy.ts erases it,
 * db/privacy-export.ts exports it): the contact, every older contact merged into it (a changed
 * number: the recovery merge makes the old contact an alias of the new one), and what identifies
 * the person under any of them (numbers, e-mail addresses, customer ids, name, shipping address).
 * One reading for both, so that the export holds what the erasure removes. Queries only.
 */
import type { PoolClient } from 'pg';
import { BY_IDENTIFIER } from '../core/privacy/personal-data';
import { dataCodec } from '../infra/data-keys';
import type { Pool } from './pool';

/** What identifies the person in text: the number (E.164 digits, national digits), addresses, name, shipping address. */
export interface PersonIdentifiers {
  digits: string[];
  texts: string[];
}

/** One contact of the person, its identifiers decrypted. */
export interface PersonContact {
  id: number;
  /** The contact it was merged into (an alias), when, and by which changed-number case; null for the contact asked about. */
  merged: { into: number; at: Date; caseId: number | null } | null;
  erased: boolean;
  phoneHash: string;
  /** The number as stored: the erasure's marker on an erased contact. */
  phone: string;
  emails: string[];
  emailHashes: string[];
  externalIds: string[];
}

export interface Person {
  /** The contact asked about first, then the contacts merged into it (and into those), in the order found. */
  contacts: PersonContact[];
  /** What identifies the person under any of its contacts (import lines are matched against it). */
  identifiers: PersonIdentifiers;
}

/**
 * The person behind a contact: the contact, the older contacts merged into it (transitively),
 * each with its identifiers, and the identifiers of all. `identify` gives the digit strings a
 * number is written with (none for the erasure's marker). With `lock` (inside the erasure's
 * transaction) each contact row is locked.
 */
export async function readPerson(db: Pool | PoolClient, contactId: number, identify: (e164: string) => string[], opts: { lock?: boolean } = {}): Promise<Person> {
  const merged = new Map<number, PersonContact['merged']>([[contactId, null]]);
  const ids = [contactId];
  for (let i = 0; i < ids.length; i++) {
    const { rows } = await db.query<{ old_contact_id: string; created_at: Date; case_id: string | null }>(
      'SELECT old_contact_id, created_at, case_id FROM contact_aliases WHERE contact_id = $1 ORDER BY created_at, old_contact_id',
      [ids[i]],
    );
    for (const r of rows) {
      const id = Number(r.old_contact_id);
      if (merged.has(id)) continue;
      merged.set(id, { into: ids[i]!, at: r.created_at, caseId: r.case_id === null ? null : Number(r.case_id) });
      ids.push(id);
    }
  }
  const codec = dataCodec();
  const contacts: PersonContact[] = [];
  const identifiers: PersonIdentifiers = { digits: [], texts: [] };
  for (const id of ids) {
    const { rows } = await db.query(
      `SELECT c.phone_hash, c.phone_enc, c.name_enc, c.shipping_address_enc, c.erased_at,
         COALESCE((SELECT array_agg(e.email_enc) FROM contact_emails e WHERE e.contact_id = c.id), '{}') AS emails,
         COALESCE((SELECT array_agg(e.email_hash) FROM contact_emails e WHERE e.contact_id = c.id), '{}') AS email_hashes,
         COALESCE((SELECT array_agg(x.external_id) FROM contact_external_ids x WHERE x.contact_id = c.id), '{}') AS external_ids
       FROM contacts c WHERE c.id = $1${opts.lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    const row = rows[0];
    if (!row) continue;
    const c: PersonContact = {
      id,
      merged: merged.get(id) ?? null,
      erased: row.erased_at !== null,
      phoneHash: row.phone_hash,
      phone: codec.decrypt(row.phone_enc),
      emails: (row.emails as Buffer[]).map((e) => codec.decrypt(e)),
      emailHashes: row.email_hashes,
      externalIds: row.external_ids,
    };
    contacts.push(c);
    const name = codec.decryptOrNull(row.name_enc);
    const address = codec.decryptOrNull(row.shipping_address_enc);
    // An erased row holds the marker, which is no number (identify gives none), also after a re-import of the number
    // (the stored number wins the merge): lines rejected later that hold only the number are left to retention.
    identifiers.digits.push(...identify(c.phone));
    identifiers.texts.push(...c.emails, ...[name, address].filter((t): t is string => typeof t === 'string' && t.trim().length >= 4));
  }
  return { contacts, identifiers: { digits: [...new Set(identifiers.digits)], texts: [...new Set(identifiers.texts)] } };
}

/** SQL condition on `events`: an event that never attached to a contact, held by a number's keyed hash ($1) or a source's customer id ($2). */
export const UNATTACHED_EVENTS_SQL = 'contact_id IS NULL AND (phone_hash = ANY($1::text[]) OR customer_ref = ANY($2::text[]))';

/** The parameters of UNATTACHED_EVENTS_SQL for these contacts. */
export const unattachedEventsParams = (cs: readonly PersonContact[]) => [cs.map((c) => c.phoneHash), cs.flatMap((c) => c.externalIds)];

/**
 * SQL condition on an import-line table: one of the plain `columns` holds the person's number as
 * digits ($1, LIKE patterns) or an address, name or shipping address ($2, ILIKE patterns); the
 * parameters are linePatterns(person).
 */
const lineHoldsSql = (columns: readonly string[]) =>
  columns.map((col) => `(regexp_replace(${col}, '[^0-9]', '', 'g') LIKE ANY($1::text[]) OR ${col} ILIKE ANY($2::text[]))`).join(' OR ');

const linePatterns = (person: PersonIdentifiers): [string[], string[]] => [
  person.digits.map((d) => `%${d}%`),
  person.texts.map((t) => `%${t.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`),
];

/** Whether a text (a sealed raw import line, decrypted) holds the person: the number's digits, or an identifying text in any case. */
function textHoldsPerson(person: PersonIdentifiers): (text: string) => boolean {
  const texts = person.texts.map((t) => t.toLowerCase());
  return (line) => {
    const digits = line.replace(/[^0-9]/g, '');
    const lower = line.toLowerCase();
    return person.digits.some((d) => digits.includes(d)) || texts.some((t) => lower.includes(t));
  };
}

/** Whether the person has anything to match import lines by. */
const hasIdentifiers = (person: PersonIdentifiers) => person.digits.length > 0 || person.texts.length > 0;

/** A table of import lines in the plan (core/privacy/personal-data.ts BY_IDENTIFIER.importLines). */
export type ImportLineTable = (typeof BY_IDENTIFIER.importLines)[number];

/** The plan's import-line tables by kind of import: a rejects table (with its sealed raw line), then the warnings tables of its lines (`of`). */
export const IMPORT_LINE_FAMILIES: ReadonlyArray<readonly ImportLineTable[]> = BY_IDENTIFIER.importLines.flatMap((r) =>
  'sealed' in r ? [[r, ...BY_IDENTIFIER.importLines.filter((w) => 'of' in w && w.of === r.table)]] : [],
);

/** SQL condition on an import-line table: the row is of one of the lines heldLines found (its two arrays are $1 and $2). */
export const OF_HELD_LINES_SQL = '(import_id, line_no) IN (SELECT * FROM unnest($1::bigint[], $2::int[]))';

/**
 * The lines of one kind of import (IMPORT_LINE_FAMILIES) that hold the person: a reject's or a
 * warning's text holds a number's digits, an address, the name or the shipping address (matched
 * in SQL), or the sealed raw line does (decrypted and matched here). The whole line is the
 * person's, every reject and warning of it (a line's other warning names the same person: an
 * e-mail written without its domain beside the number). As [import ids, line numbers], the
 * parameters of OF_HELD_LINES_SQL.
 */
export async function heldLines(db: Pool | PoolClient, tables: readonly ImportLineTable[], person: PersonIdentifiers): Promise<[string[], number[]]> {
  if (!hasIdentifiers(person)) return [[], []];
  const byText = tables.map((t) => `SELECT import_id, line_no FROM ${t.table} WHERE ${lineHoldsSql(t.columns)}`).join(' UNION ');
  const held = (await db.query<{ import_id: string; line_no: number }>(byText, linePatterns(person))).rows;
  const holds = textHoldsPerson(person);
  for (const t of tables) {
    if (!('sealed' in t)) continue;
    const { rows } = await db.query<{ import_id: string; line_no: number; v: Buffer }>(`SELECT import_id, line_no, ${t.sealed} AS v FROM ${t.table} WHERE ${t.sealed} IS NOT NULL`);
    held.push(...rows.filter((r) => holds(dataCodec().decrypt(r.v))));
  }
  return [held.map((r) => r.import_id), held.map((r) => r.line_no)];
}
