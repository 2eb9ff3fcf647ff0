/**
 * Data subject requests (issue 17 item 4), run from the one plan of personal-data columns
 * (core/privacy/personal-data.ts): the erasure of a person (the export is db/privacy-export.ts;
 * both read the person through db/person.ts), and the send-time checks of erased identifiers.
 * Queries only; services/privacy.ts audits and orders them. Table and column names come from the plan, never
 * from input.
 */
import type { PoolClient } from 'pg';
import { BY_IDENTIFIER, ERASED_MARKER, PERSONAL_DATA, redactStrings, type ErasureAction } from '../core/privacy/personal-data';
import { dataCodec } from '../infra/data-keys';
import { heldLines, IMPORT_LINE_FAMILIES, OF_HELD_LINES_SQL, readPerson, UNATTACHED_EVENTS_SQL, unattachedEventsParams, type ImportLineTable, type PersonIdentifiers } from './person';
import type { Pool } from './pool';
import { insertSuppressions } from './suppressions';

/**
 * The SQL expression erasure writes into a column (column names come from the plan in core/privacy,
 * never from input); 'sealed_marker' is the statement's $2, the marker encrypted (sealedMarker).
 */
export function erasedValue(column: string, action: ErasureAction): string {
  switch (action) {
    case 'null':
      return 'NULL';
    case 'sealed_marker':
      return '$2';
    case 'empty_array':
      return `'{}'`;
    case 'empty_object':
      return `'{}'::jsonb`;
    case 'empty_list':
      return `'[]'::jsonb`;
    case 'numbers_only':
      return `COALESCE((SELECT jsonb_object_agg(k, v) FROM jsonb_each(${column}) AS x(k, v) WHERE jsonb_typeof(v) IN ('number', 'boolean')), '{}'::jsonb)`;
  }
}

/**
 * SQL condition for the send-time checks, given the contact as `c`: the contact was erased, or it
 * holds an identifier of an erased person (kept as keyed hashes in erased_identifiers): its
 * number's hash, or one of its e-mail addresses' hashes. An address (or a number) imported again
 * on any contact never messages the person again. Every path that sends reads it: the campaign
 * recipients (db/recipients.ts, folded into a 'manual' suppression by suppressionsOf), the
 * consent confirmations' selection, the recovery scan, its candidates and the recovery SMS
 * (erasedContacts). Probes per contact (its e-mails by the primary key, each hash in
 * erased_identifiers', the number's hash by erased_identifiers' key): written as scalar subqueries
 * with LIMIT 1, because PostgreSQL turned an EXISTS into one hashed subplan that read all of
 * contact_emails for every batch (bench/erased-check.ts).
 */
export const ERASED_IDENTIFIER_SQL = `(c.erased_at IS NOT NULL
  OR (SELECT true FROM erased_identifiers x WHERE x.kind = 'phone' AND x.hash = c.phone_hash LIMIT 1) IS NOT NULL
  OR (SELECT true FROM contact_emails e JOIN erased_identifiers x ON x.kind = 'email' AND x.hash = e.email_hash WHERE e.contact_id = c.id LIMIT 1) IS NOT NULL)`;

/** The contacts among `ids` that were erased or hold an erased identifier (ERASED_IDENTIFIER_SQL): nothing is sent to them. */
export async function erasedContacts(db: Pool | PoolClient, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>(`SELECT c.id FROM contacts c WHERE c.id = ANY($1::bigint[]) AND ${ERASED_IDENTIFIER_SQL}`, [ids]);
  return new Set(rows.map((r) => Number(r.id)));
}

/** Whether a number (by its keyed hash) belonged to an erased person: for a number no contact holds (a reported new number). */
export async function isErasedPhoneHash(db: Pool | PoolClient, hash: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM erased_identifiers WHERE kind = 'phone' AND hash = $1`, [hash]);
  return rows.length > 0;
}

/** Open changed-number cases of the contact (as the customer or as the candidate): a workflow still acts on them. */
export async function openCasesOf(db: Pool | PoolClient, contactId: number): Promise<number[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM recovery_cases WHERE (contact_id = $1 OR candidate_contact_id = $1) AND state IN ('detected', 'matched', 'confirmation_sent') ORDER BY id`,
    [contactId],
  );
  return rows.map((r) => Number(r.id));
}

export interface ErasureCounts {
  contacts: number[];
  rows: Record<string, number>;
}

/**
 * Erases one contact (and the older contacts merged into it: db/person.ts readPerson, the set the
 * export reads too) inside the caller's transaction: the keyed hashes of number and addresses kept
 * in erased_identifiers, an 'all' suppression (kind manual, source erasure) on the anonymised row,
 * every personal-data column of the plan nulled or anonymised, rows that only identify deleted,
 * every reject and warning of an import line that held the number, an address or the name
 * emptied (line number and reason kept). Idempotent.
 */
export async function erasePersonalData(client: PoolClient, contactId: number, identify: (e164: string) => string[], at: Date): Promise<ErasureCounts> {
  const counts: Record<string, number> = {};
  const add = (k: string, n: number | null) => (counts[k] = (counts[k] ?? 0) + (n ?? 0));
  const person = await readPerson(client, contactId, identify, { lock: true });
  for (const c of person.contacts) {
    const id = c.id;
    await client.query(
      `INSERT INTO erased_identifiers (kind, hash, contact_id, erased_at)
       SELECT kind, hash, $1, $2 FROM unnest($3::text[], $4::text[]) AS x(kind, hash) ON CONFLICT (kind, hash) DO NOTHING`,
      [id, at, ['phone', ...c.emailHashes.map(() => 'email')], [c.phoneHash, ...c.emailHashes]],
    );
    // Through the one writer of suppressions; a manual one already there (a merged alias) stays, its proof emptied below.
    await insertSuppressions(client, [{ contactId: id, channel: 'all', kind: 'manual', source: 'erasure', proof: {} }], at);

    add('events (unmatched)', (await client.query(`DELETE FROM events WHERE ${UNATTACHED_EVENTS_SQL}`, unattachedEventsParams([c]))).rowCount);
    add(BY_IDENTIFIER.pendingOptOuts.table, (await client.query(`UPDATE pending_opt_outs SET proof = '{}' WHERE phone_hash = $1 AND proof <> '{}'`, [c.phoneHash])).rowCount);
    add(BY_IDENTIFIER.lookupCache.table, (await client.query('DELETE FROM number_lookup_cache WHERE phone_hash = $1', [c.phoneHash])).rowCount);
    add('campaigns (message texts)', await redactMessageTexts(client, id));

    for (const p of PERSONAL_DATA) {
      if (p.deleteRows) add(p.table, (await client.query(`DELETE FROM ${p.table} WHERE ${p.by} = $1`, [id])).rowCount);
      else if (Object.keys(p.columns).length) {
        const actions = Object.entries(p.columns);
        const sets = actions.map(([col, action]) => `${col} = ${erasedValue(col, action)}`);
        const params: unknown[] = actions.some(([, a]) => a === 'sealed_marker') ? [id, sealedMarker()] : [id];
        add(p.table, (await client.query(`UPDATE ${p.table} SET ${sets.join(', ')} WHERE ${p.by} = $1`, params)).rowCount);
      }
    }
    await client.query('UPDATE contacts SET erased_at = COALESCE(erased_at, $2), sms_eligible = false, updated_at = $2 WHERE id = $1', [id, at]);
  }
  for (const tables of IMPORT_LINE_FAMILIES) for (const [table, n] of Object.entries(await scrubLines(client, tables, person.identifiers))) add(table, n);
  return { contacts: person.contacts.map((c) => c.id), rows: counts };
}

/** The single API messages' texts to this contact (their campaigns' templates), every string replaced by the marker. */
async function redactMessageTexts(client: PoolClient, contactId: number): Promise<number> {
  const { rows } = await client.query<{ id: string; templates: unknown }>(
    `SELECT c.id, c.definition -> 'templates' AS templates FROM campaigns c WHERE c.id IN (SELECT campaign_id FROM api_messages WHERE contact_id = $1) FOR UPDATE`,
    [contactId],
  );
  for (const r of rows) await client.query(`UPDATE campaigns SET definition = jsonb_set(definition, '{templates}', $2::jsonb) WHERE id = $1`, [r.id, JSON.stringify(redactStrings(r.templates))]);
  return rows.length;
}

/** The marker an erased number holds, encrypted like any number (readers decrypt it to ERASED_MARKER). */
const sealedMarker = () => dataCodec().encrypt(ERASED_MARKER);

/** Every reject and warning of the import lines that hold the person (db/person.ts heldLines): text emptied, raw line dropped. Rows changed, by table. */
async function scrubLines(client: PoolClient, tables: readonly ImportLineTable[], person: PersonIdentifiers): Promise<Record<string, number>> {
  const lines = await heldLines(client, tables, person);
  if (lines[0].length === 0) return {};
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const sets = [...t.columns.map((c) => `${c} = ''`), ...('sealed' in t ? [`${t.sealed} = NULL`] : [])];
    const changes = [...t.columns.map((c) => `${c} <> ''`), ...('sealed' in t ? [`${t.sealed} IS NOT NULL`] : [])];
    counts[t.table] = (await client.query(`UPDATE ${t.table} SET ${sets.join(', ')} WHERE ${OF_HELD_LINES_SQL} AND (${changes.join(' OR ')})`, lines)).rowCount ?? 0;
  }
  return counts;
}
