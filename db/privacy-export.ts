/**
 * What a data subject request's export reads (issue 17 item 4), from the one plan of
 * personal-data columns (core/privacy/personal-data.ts): every row about a contact, table by table,
 * and the rows held by the person's numbers, customer ids and addresses without a contact id,
 * found as the erasure finds them (db/person.ts). Queries only; services/privacy.ts audits and
 * assembles them. Table and column names come from the plan, never from input.
 */
import { BY_IDENTIFIER, PERSONAL_DATA, type TablePlan } from '../core/privacy/personal-data';
import { dataCodec } from '../infra/data-keys';
import { heldLines, IMPORT_LINE_FAMILIES, OF_HELD_LINES_SQL, UNATTACHED_EVENTS_SQL, unattachedEventsParams, type Person } from './person';
import { ENCRYPTED_COLUMNS } from './personal-data';
import { openSealed, SEALED_FIELDS } from './sealed-fields';
import type { Pool } from './pool';

export type ExportRow = Record<string, unknown>;
export type ExportTables = Record<string, ExportRow[]>;

/** The export's key of a plan entry: the table, or table.by when a table is read by another column. */
export const exportKey = (p: TablePlan) => (PERSONAL_DATA.find((q) => q.table === p.table) === p ? p.table : `${p.table}.${p.by}`);

/** A row as exported: lookup hashes left out, values encrypted at rest decrypted under the name of the column they replaced, sealed text opened as `body`. */
function exportRow(table: string, r: ExportRow, omits: readonly string[] = []): ExportRow {
  for (const c of omits) delete r[c];
  for (const c of ENCRYPTED_COLUMNS) {
    if (c.table !== table || !(c.enc in r)) continue;
    r[c.plain] = dataCodec().decryptOrNull(r[c.enc] as Buffer | null);
    delete r[c.enc];
  }
  for (const f of SEALED_FIELDS) if (f.table === table && f.column in r) r[f.column] = openSealed(f, r[f.column]);
  return r;
}

/** Every row about the contact in every table of the plan, lookup hashes left out. */
export async function readPersonalData(pool: Pool, contactId: number): Promise<ExportTables> {
  const out: ExportTables = {};
  for (const p of PERSONAL_DATA) {
    const { rows } = await pool.query(`SELECT * FROM ${p.table} WHERE ${p.by} = $1 ORDER BY ${p.orderBy}`, [contactId]);
    out[exportKey(p)] = rows.map((r) => exportRow(p.table, r, p.exportOmits));
  }
  return out;
}

/**
 * The rows about the person that no contact id names (core/privacy/personal-data.ts BY_IDENTIFIER),
 * by table: events that never attached, held by a number's keyed hash or a customer id; opt-outs
 * waiting for a number; the carrier lookup cached for a number (each with `phone`, the number of
 * the person it is held by, instead of the hash); every reject (its raw text decrypted) and
 * warning of an import line that holds a number's digits, an address, the name or the shipping
 * address in any of them (db/person.ts heldLines, as the erasure finds them). Erased contacts among them are skipped: what is kept of them (keyed hashes)
 * is a suppression, no longer the person's data.
 */
export async function readHeldByIdentifier(pool: Pool, person: Person): Promise<ExportTables> {
  const live = person.contacts.filter((c) => !c.erased);
  const phoneOf = new Map(live.map((c) => [c.phoneHash, c.phone]));
  const hashes = [...phoneOf.keys()];
  const byNumber = async (table: string, where: string, params: unknown[], orderBy: string): Promise<ExportRow[]> => {
    const { rows } = await pool.query(`SELECT * FROM ${table} WHERE ${where} ORDER BY ${orderBy}`, params);
    return rows.map((r) => {
      const phone = phoneOf.get(r.phone_hash) ?? null;
      return { ...exportRow(table, r, ['phone_hash']), phone };
    });
  };
  const held: ExportTables = {
    [BY_IDENTIFIER.unmatchedEvents.table]: await byNumber('events', UNATTACHED_EVENTS_SQL, unattachedEventsParams(live), 'occurred_at, id'),
    [BY_IDENTIFIER.pendingOptOuts.table]: await byNumber('pending_opt_outs', 'phone_hash = ANY($1::text[])', [hashes], 'received_at, channel'),
    [BY_IDENTIFIER.lookupCache.table]: await byNumber('number_lookup_cache', 'phone_hash = ANY($1::text[])', [hashes], 'looked_up_at, phone_hash'),
  };
  // Import lines: every reject and warning of a line that holds the person, as the erasure empties them.
  for (const tables of IMPORT_LINE_FAMILIES) {
    const lines = await heldLines(pool, tables, person.identifiers);
    for (const t of tables) {
      const { rows } = await pool.query(`SELECT * FROM ${t.table} WHERE ${OF_HELD_LINES_SQL} ORDER BY import_id, line_no${'sealed' in t ? '' : ', field'}`, lines);
      held[t.table] = rows.map((r) => exportRow(t.table, r));
    }
  }
  return held;
}
