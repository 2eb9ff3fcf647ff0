import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { buildServer } from '../server';
import { isolatedDatabase, runCli, startTestWorker, type TestDatabase, type TestWorker } from './helpers/harness';

// An erased contact's reference is gone (README, Privacy) and stays gone (issue 17 review): neither
// `contact show` nor an event naming the person's number gives the anonymised row a new ct_
// reference, and the API answers for it as for a number no contact holds.

const NOW = new Date('2026-11-25T12:00:00Z');
const ERASED = '+12125550188';
const KEPT = '+12125550189';
const STRANGER = '+12125550187';

let db: TestDatabase;
let worker: TestWorker;
let env: Record<string, string>;
let app: FastifyInstance;
let base: string;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-erased-ref-'));

async function cli(args: string[]) {
  const r = await runCli(args, env, 120_000);
  if (r.code !== 0) throw new Error(`reachloop ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
const refOf = async (id: number): Promise<string | null> => (await db.pool.query('SELECT public_id FROM contacts WHERE id = $1', [id])).rows[0].public_id;

beforeAll(async () => {
  db = await isolatedDatabase();
  worker = await startTestWorker(defaultActivityDeps(db.pool, { now: () => NOW }));
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue };
  app = buildServer({ pool: db.pool });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await worker?.stop();
  await db?.drop();
});

describe('an erased contact has no reference', () => {
  it('contact show and an event by the number give the erased row no new reference; the API answers as for an unknown number', async () => {
    const file = path.join(dir, 'people.csv');
    writeFileSync(file, ['phone,name', `${ERASED},Erin`, `${KEPT},Kai`].join('\n'));
    await cli(['audience', 'import', file, '--source', 'shop', '--json']);
    const shown = await cli(['contact', 'show', ERASED, '--reason', 'ticket 2026-12-06', '--json']);
    const erasedId = shown.id as number;
    expect(shown.publicId).toMatch(/^ct_[0-9a-f]{32}$/);
    await cli(['privacy', 'erase', ERASED, '--reason', 'DSR-2026-000123 erasure', '--yes', '--json']);
    expect(await refOf(erasedId)).toBeNull();

    // contact show of the anonymised row (by its id): no reference shown, none given.
    const again = await cli(['contact', 'show', String(erasedId), '--reason', 'ticket 2026-12-07', '--json']);
    expect(again.publicId).toBeNull();
    expect(await refOf(erasedId)).toBeNull();

    // An event naming the erased number through the API: answered as one naming a number nobody holds.
    const token = (await cli(['token', 'create', '--scope', 'events:write', '--name', 'shop-events', '--json'])).secret;
    const post = async (phone: string, id: string) => {
      const res = await fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: [{ event_id: id, event: 'login', phone, occurred_at: '2026-11-25T10:00:00Z' }] }),
      });
      const { results } = (await res.json()) as { results: Array<Record<string, unknown>> };
      const { event_id: _id, index: _i, ...rest } = results[0]!;
      return rest;
    };
    const forErased = await post(ERASED, 'ev-erased');
    const forStranger = await post(STRANGER, 'ev-stranger');
    expect(forErased).toEqual(forStranger);
    expect(forErased).toMatchObject({ contact_id: null });
    expect(await refOf(erasedId)).toBeNull();
    // A contact that was not erased still gets its reference when an event names it.
    expect(await post(KEPT, 'ev-kept')).toMatchObject({ contact_id: expect.stringMatching(/^ct_[0-9a-f]{32}$/) });
  });
});
