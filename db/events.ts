import { dataCodec } from '../infra/data-keys';
import type { PoolClient } from 'pg';
import type { FoldableEvent } from '../core/event-fold';
import { isStandardTag } from '../core/events';
import { copyRows } from './copy';
import type { Pool } from './pool';
import { inTransaction } from './transaction';

/** One event as stored. Personal data: only the phone's hash, never the number. */
export interface EventRow {
  eventId: string;
  contactId: number | null;
  phoneHash: string | null;
  tag: string | null;
  rawTag: string;
  occurredAt: string;
  properties: Record<string, unknown>;
  source: string;
  importId: number | null;
  /** The customer id it named when no contact had it yet (with whose ids, null = any source's): it attaches when an import links the id. */
  customerRef?: string | null;
  customerSource?: string | null;
}

/**
 * Inserts events, skipping event ids already stored (dedupe). Rows go in sorted by event id, so
 * two batches inserting overlapping ids wait for each other instead of deadlocking.
 * Returns the event ids this call inserted.
 */
export async function insertEvents(client: PoolClient, rows: readonly EventRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const sorted = [...rows].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  const { rows: inserted } = await client.query<{ event_id: string }>(
    `INSERT INTO events (event_id, contact_id, phone_hash, tag, raw_tag, occurred_at, properties, source, import_id, customer_ref, customer_source)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::jsonb[], $8::text[], $9::bigint[], $10::text[], $11::text[])
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [
      sorted.map((r) => r.eventId),
      sorted.map((r) => r.contactId),
      sorted.map((r) => r.phoneHash),
      sorted.map((r) => r.tag),
      sorted.map((r) => r.rawTag),
      sorted.map((r) => r.occurredAt),
      sorted.map((r) => JSON.stringify(r.properties)),
      sorted.map((r) => r.source),
      sorted.map((r) => r.importId),
      sorted.map((r) => r.customerRef ?? null),
      sorted.map((r) => r.customerSource ?? null),
    ],
  );
  return new Set(inserted.map((r) => r.event_id));
}

/** Contact ids of these phone hashes (those that are contacts). */
export async function contactIdsByHash(client: PoolClient, hashes: readonly string[]): Promise<Map<string, number>> {
  if (hashes.length === 0) return new Map();
  const { rows } = await client.query<{ id: string; phone_hash: string }>('SELECT id, phone_hash FROM contacts WHERE phone_hash = ANY($1::text[])', [hashes]);
  return new Map(rows.map((r) => [r.phone_hash, Number(r.id)]));
}

/** The contacts that hold these customer ids, of any source: (source, id) -> contact id and phone hash. */
export async function contactsByCustomerId(client: PoolClient, externalIds: readonly string[]): Promise<Array<{ source: string; externalId: string; contactId: number; phoneHash: string }>> {
  if (externalIds.length === 0) return [];
  const { rows } = await client.query<{ source: string; external_id: string; contact_id: string; phone_hash: string }>(
    `SELECT x.source, x.external_id, x.contact_id, c.phone_hash FROM contact_external_ids x JOIN contacts c ON c.id = x.contact_id WHERE x.external_id = ANY($1::text[])`,
    [externalIds],
  );
  return rows.map((r) => ({ source: r.source, externalId: r.external_id, contactId: Number(r.contact_id), phoneHash: r.phone_hash }));
}

/**
 * Attaches events that named these customer ids before a contact had them (any source's when
 * the event named none). Returns, per contact that got events, the standard tags attached.
 */
export async function attachCustomerEvents(client: PoolClient, links: ReadonlyArray<{ source: string; externalId: string; contactId: number }>): Promise<Map<number, string[]>> {
  if (links.length === 0) return new Map();
  const { rows } = await client.query<{ contact_id: string; tag: string | null }>(
    `UPDATE events e SET contact_id = x.id FROM unnest($1::text[], $2::text[], $3::bigint[]) AS x(source, ref, id)
     WHERE e.contact_id IS NULL AND e.customer_ref = x.ref AND (e.customer_source IS NULL OR e.customer_source = x.source) RETURNING e.contact_id, e.tag`,
    [links.map((l) => l.source), links.map((l) => l.externalId), links.map((l) => l.contactId)],
  );
  return tagsByContact(rows);
}

function tagsByContact(rows: ReadonlyArray<{ contact_id: string; tag: string | null }>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const r of rows) {
    const id = Number(r.contact_id);
    const tags = out.get(id) ?? [];
    if (r.tag) tags.push(r.tag);
    out.set(id, tags);
  }
  return out;
}

/** Which of these contact ids exist, with their phone hash. */
export async function existingContacts(client: PoolClient, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await client.query<{ id: string; phone_hash: string }>('SELECT id, phone_hash FROM contacts WHERE id = ANY($1::bigint[])', [ids]);
  return new Map(rows.map((r) => [Number(r.id), r.phone_hash]));
}

/**
 * What the fold needs of each contact: every purchase, every standard-tag event since `since`,
 * and the latest login/register before it (for "last login N days ago").
 */
export async function readFoldEvents(client: PoolClient, contactIds: readonly number[], since: Date): Promise<Map<number, FoldableEvent[]>> {
  const out = new Map<number, FoldableEvent[]>(contactIds.map((id) => [id, []]));
  if (contactIds.length === 0) return out;
  const { rows } = await client.query<{ contact_id: string; event_id: string; tag: string; occurred_at: Date; properties: Record<string, unknown> }>(
    `SELECT contact_id, event_id, tag, occurred_at, properties FROM events
       WHERE contact_id = ANY($1::bigint[]) AND tag IS NOT NULL AND (tag = 'purchase' OR occurred_at >= $2)
     UNION ALL
     SELECT * FROM (
       SELECT DISTINCT ON (contact_id) contact_id, event_id, tag, occurred_at, properties FROM events
       WHERE contact_id = ANY($1::bigint[]) AND tag IN ('login', 'register') AND occurred_at < $2
       ORDER BY contact_id, occurred_at DESC) older_login`,
    [contactIds, since],
  );
  for (const r of rows) {
    if (!isStandardTag(r.tag)) continue;
    out.get(Number(r.contact_id))?.push({ eventId: r.event_id, tag: r.tag, occurredAt: r.occurred_at.toISOString(), properties: r.properties });
  }
  return out;
}

/**
 * Attaches events that arrived for these numbers before they were contacts. Returns, per contact
 * that got events, the standard tags attached (for the tier history's cause).
 */
export async function attachPendingEvents(client: PoolClient, byHash: ReadonlyMap<string, number>): Promise<Map<number, string[]>> {
  if (byHash.size === 0) return new Map();
  const { rows } = await client.query<{ contact_id: string; tag: string | null }>(
    `UPDATE events e SET contact_id = x.id FROM unnest($1::text[], $2::bigint[]) AS x(hash, id)
     WHERE e.contact_id IS NULL AND e.phone_hash = x.hash RETURNING e.contact_id, e.tag`,
    [[...byHash.keys()], [...byHash.values()]],
  );
  return tagsByContact(rows);
}

// ---- events import: staging, rejects, options ----

export const eventRowsTable = (importId: number) => `event_rows_${importId}`;

export interface EventImportOptions {
  source: string;
  defaultCountry: string | null;
  /** The mapping rules document as given (validated by the CLI, parsed again by the activity). */
  rules: unknown;
  rulesFile: string | null;
  /** Whose customer ids the events name (an audience import's --source); null/absent = any source's. */
  idSource?: string | null;
}

export async function createEventImport(pool: Pool, fileName: string, options: EventImportOptions): Promise<number> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string }>('INSERT INTO event_imports (file_name, options) VALUES ($1, $2) RETURNING id', [fileName, options]);
    const id = Number(rows[0]!.id);
    await client.query(`CREATE UNLOGGED TABLE ${eventRowsTable(id)} (seq integer PRIMARY KEY, line_no integer NOT NULL, raw text NOT NULL)`);
    return id;
  });
}

export async function eventImportOptions(pool: Pool, importId: number): Promise<EventImportOptions> {
  const { rows } = await pool.query<{ options: EventImportOptions }>('SELECT options FROM event_imports WHERE id = $1', [importId]);
  if (!rows[0]) throw new Error(`event import ${importId} does not exist`);
  return rows[0].options;
}

export async function readStagedEvents(pool: Pool, importId: number, fromSeq: number, toSeq: number): Promise<Array<{ seq: number; line: number; raw: string }>> {
  const { rows } = await pool.query<{ seq: number; line_no: number; raw: string }>(
    `SELECT seq, line_no, raw FROM ${eventRowsTable(importId)} WHERE seq >= $1 AND seq < $2 ORDER BY seq`,
    [fromSeq, toSeq],
  );
  return rows.map((r) => ({ seq: r.seq, line: r.line_no, raw: r.raw }));
}

export interface EventRejectRecord {
  line: number;
  reason: string;
  detail: string;
  raw: string;
}

const RAW_LIMIT = 500;

export async function recordEventRejects(client: PoolClient, importId: number, rejects: readonly EventRejectRecord[]): Promise<void> {
  if (rejects.length === 0) return;
  await copyRows(
    client,
    'event_import_rejects',
    ['import_id', 'line_no', 'reason', 'detail', 'raw_enc'],
    rejects.map((r) => [importId, r.line, r.reason, r.detail, dataCodec().encrypt(r.raw.length > RAW_LIMIT ? `${r.raw.slice(0, RAW_LIMIT)}…` : r.raw)]),
  );
}

export async function dropEventStaging(pool: Pool, importId: number): Promise<void> {
  await pool.query(`DROP TABLE IF EXISTS ${eventRowsTable(importId)}`);
}

// ---- batch results (retry-safe counts) ----

export async function recordedBatch<T>(client: PoolClient | Pool, jobId: string, batch: string): Promise<T | undefined> {
  const { rows } = await client.query<{ result: T }>('SELECT result FROM job_batches WHERE job_id = $1 AND batch = $2', [jobId, batch]);
  return rows[0]?.result;
}

export async function recordBatch(client: PoolClient, jobId: string, batch: string, result: unknown): Promise<void> {
  await client.query('INSERT INTO job_batches (job_id, batch, result) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [jobId, batch, JSON.stringify(result)]);
}

export async function forgetBatches(pool: Pool, jobId: string): Promise<void> {
  await pool.query('DELETE FROM job_batches WHERE job_id = $1', [jobId]);
}
