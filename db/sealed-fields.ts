/**
 * Free text sealed inside JSON columns (issue 17 item 2): the body of an inbound SMS, which people
 * fill with their e-mail, a new number or an address, is stored only encrypted, as the base64 of an
 * encrypted value (infra/data-codec.ts) under `body_sealed`, wherever it is kept: the sms_reply
 * event and the proofs of opt-outs, complaints and SMS double opt-ins. A JSON field rather than a
 * bytea column: the body travels with its proof wherever the proof is copied (a pending opt-out
 * becoming a suppression, a merge, a YES confirming a consent), and erasure's rules for these
 * columns (strings dropped, proofs emptied) already remove it.
 *
 * The one list of such fields: the export opens them, `keys status|rotate` count and re-encrypt them
 * (db/key-rotation.ts), `reachloop migrate` seals the plain bodies written before (sealLegacyBodies).
 */
import type { PoolClient } from 'pg';
import { dataCodec } from '../infra/data-keys';
import { inClientTransaction } from './transaction';

export interface SealedField {
  table: string;
  column: string;
  /** json columns are cast to jsonb to be written, and back. */
  type: 'jsonb' | 'json';
  /** Where the sealed text is, and where the plain text was (and is shown, opened). */
  sealed: readonly string[];
  plain: readonly string[];
  /** The rows that hold inbound bodies (no other row is read, converted or rotated). */
  where?: string;
}

const body = (table: string, column: string, extra: Partial<SealedField> = {}): SealedField => ({ table, column, type: 'jsonb', sealed: ['body_sealed'], plain: ['body'], ...extra });

export const SEALED_FIELDS: readonly SealedField[] = [
  body('events', 'properties', { where: `tag = 'sms_reply' AND source = 'twilio'` }),
  body('suppressions', 'proof'),
  body('pending_opt_outs', 'proof'),
  body('complaints', 'proof'),
  body('consent_confirmations', 'proof'),
  body('consents', 'proof', { type: 'json', sealed: ['doubleOptIn', 'body_sealed'], plain: ['doubleOptIn', 'body'] }),
];

/** The name of a sealed field in `keys status` and rotation reports: events.properties.body_sealed. */
export const sealedFieldName = (f: SealedField) => `${f.table}.${f.column}.${f.sealed.join('.')}`;

const pathOf = (p: readonly string[]) => `'{${p.join(',')}}'`;

/** SQL: the sealed value of a row as bytea (NULL where there is none, or the row is not one of `where`). */
export const sealedValueSql = (f: SealedField) => {
  const v = `decode(${f.column} #>> ${pathOf(f.sealed)}, 'base64')`;
  return f.where ? `(CASE WHEN ${f.where} THEN ${v} END)` : v;
};

/** SQL: the column with the sealed value replaced by `v` (bytea). */
export const sealedSetSql = (f: SealedField, v: string) =>
  `${f.column} = jsonb_set(${f.column}::jsonb, ${pathOf(f.sealed)}, to_jsonb(translate(encode(${v}, 'base64'), E'\\n', '')))${f.type === 'json' ? '::json' : ''}`;

/** The fields of an inbound body as stored: `{ body_sealed }`. */
export const sealedBody = (text: string) => ({ body_sealed: dataCodec().seal(text) });

/** A table's JSON value (a proof, an event's properties) with its sealed text opened, as `body` (readers of one column). */
export function openedIn(table: string, column: string, value: unknown): unknown {
  const f = SEALED_FIELDS.find((x) => x.table === table && x.column === column);
  return f ? openSealed(f, value) : value;
}

/** The value with `fn` applied to its opened text (see openedIn), e.g. to mask it for display. */
export function mapOpenedIn(table: string, column: string, value: unknown, fn: (text: string) => string): unknown {
  const f = SEALED_FIELDS.find((x) => x.table === table && x.column === column);
  if (!f) return value;
  const key = f.plain[f.plain.length - 1]!;
  return editStringAt(value, f.plain.slice(0, -1), key, (o) => (o[key] = fn(o[key] as string)));
}

/** A row's JSON value with its sealed text opened back under the plain name (the export). */
export function openSealed(f: SealedField, value: unknown): unknown {
  const sealed = f.sealed[f.sealed.length - 1]!;
  return editStringAt(value, f.sealed.slice(0, -1), sealed, (o) => {
    o[f.plain[f.plain.length - 1]!] = dataCodec().open(o[sealed] as string);
    delete o[sealed];
  });
}

/** A copy of a JSON value edited at the object under `parent` when that object holds a string at `key`; else the value itself. */
function editStringAt(value: unknown, parent: readonly string[], key: string, edit: (o: Record<string, unknown>) => void): unknown {
  const at = (v: unknown) => parent.reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), v) as Record<string, unknown> | undefined;
  if (typeof at(value)?.[key] !== 'string') return value;
  const copy = structuredClone(value);
  edit(at(copy)!);
  return copy;
}

const BATCH = 5_000;

/**
 * Seals the inbound bodies stored in clear before migration 0034, in batches (each batch one
 * transaction: a body is never both sealed and plain); the pending step is deleted when none is
 * left. Idempotent: a sealed row has no plain body any more.
 */
export async function sealLegacyBodies(client: PoolClient): Promise<number> {
  const { rows: table } = await client.query(`SELECT to_regclass('personal_data_pending') AS t`);
  if (!table[0]?.t) return 0; // migrated only up to before 0031
  const { rows: pending } = await client.query(`SELECT 1 FROM personal_data_pending WHERE step = 'seal_bodies'`);
  if (pending.length === 0) return 0;
  const codec = dataCodec();
  let sealed = 0;
  for (const f of SEALED_FIELDS) {
    const plain = `${f.column} #>> ${pathOf(f.plain)}`;
    for (;;) {
      const n = await inClientTransaction(client, async () => {
        const { rows } = await client.query<{ t: string; v: string }>(
          `SELECT ctid::text AS t, ${plain} AS v FROM ${f.table} WHERE ${plain} IS NOT NULL${f.where ? ` AND ${f.where}` : ''} LIMIT ${BATCH} FOR UPDATE`,
        );
        if (rows.length === 0) return 0;
        await client.query(
          `UPDATE ${f.table} x SET ${f.column} = jsonb_set(${f.column}::jsonb #- ${pathOf(f.plain)}, ${pathOf(f.sealed)}, to_jsonb(u.s))${f.type === 'json' ? '::json' : ''}
           FROM unnest($1::tid[], $2::text[]) u(t, s) WHERE x.ctid = u.t`,
          [rows.map((r) => r.t), rows.map((r) => codec.seal(r.v))],
        );
        return rows.length;
      });
      sealed += n;
      if (n < BATCH) break;
    }
  }
  await client.query(`DELETE FROM personal_data_pending WHERE step = 'seal_bodies'`);
  return sealed;
}
