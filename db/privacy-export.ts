/**
 * What a data subject request's export reads (issue 17 item 4), from the one plan of
 * personal-data columns (core/privacy/personal-data.ts): every row about a contact, table by table,
 * and the rows held by the person's numbers, customer ids and addresses without a contact id,
 * found as the erasure finds them (db/person.ts). Queries only; services/privacy.ts audits and
 * assembles them. Table and column names come from the plan, never from input.
 */
import { BY_IDENTIFIER, PERSONAL_DATA, type TablePlan } from '../core/privacy/personal-data';
import { dataCodec } from '../infra/data-keys';
import { hasIdentifiers, lineHoldsSql, linePatterns, textHoldsPerson, UNATTACHED_EVENTS_SQL, unattachedEventsParams, type Person } from './person';
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
 * the person it is held by, instead of the hash); rejected import lines holding a number's digits,
 * an address, the name or the shipping address (the raw text decrypted), and warnings holding them
 * or of those lines. Erased contacts among them are skipped: what is kept of them (keyed hashes)
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
  const ids = person.identifiers;
  for (const l of BY_IDENTIFIER.importLines) {
    if (!hasIdentifiers(ids)) {
      held[l.table] = [];
      continue;
    }
    const holds = lineHoldsSql(l.columns);
    if ('sealed' in l) {
      const { rows } = await pool.query(`SELECT *, (${holds}) AS by_text FROM ${l.table} WHERE ${l.sealed} IS NOT NULL OR ${holds} ORDER BY import_id, line_no`, linePatterns(ids));
      const holdsPerson = textHoldsPerson(ids);
      held[l.table] = rows
        .filter((r) => r.by_text || holdsPerson(dataCodec().decrypt(r[l.sealed] as Buffer)))
        .map((r) => {
          delete r.by_text;
          return exportRow(l.table, r);
        });
    } else {
      const lines = held[l.of] ?? [];
      const { rows } = await pool.query(
        `SELECT * FROM ${l.table} WHERE ${holds} OR (import_id, line_no) IN (SELECT * FROM unnest($3::bigint[], $4::int[])) ORDER BY import_id, line_no, field`,
        [...linePatterns(ids), lines.map((r) => r.import_id), lines.map((r) => r.line_no)],
      );
      held[l.table] = rows.map((r) => exportRow(l.table, r));
    }
  }
  return held;
}
