import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { createSandboxSmsSender } from '../channels/sandbox-sms';
import { base64Key, DataCodec, parseDataKeys } from '../infra/data-codec';
import { installDataKeys } from '../infra/data-keys';
import { queryPlain, seedContactsBulk } from './helpers/contacts';
import { isolatedDatabase, runCli, startTestWorker, type TestDatabase, type TestWorker } from './helpers/harness';

// `reachloop keys rotate` while a campaign sends: every value moves from the old key to the new
// one in short batches while the worker (already given the new key set) decrypts recipients and
// writes under the new key; the campaign completes with every contact sent to once, each at its
// own number, and afterwards no value is under the old key.

const NOW = new Date('2026-11-18T15:00:00Z'); // Wednesday 10:00 in New York
const PHONES = Array.from({ length: 120 }, (_, i) => `+1212555${String(1000 + i)}`);

let db: TestDatabase;
let worker: TestWorker;
let env: Record<string, string>;
const sms = createSandboxSmsSender();
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-key-rotation-'));

const oldKeys = parseDataKeys(process.env.REACHLOOP_DATA_KEYS!) as Array<{ id: string; key: Buffer }>;
const lookupKey = base64Key(process.env.REACHLOOP_LOOKUP_KEY!)!;
const NEW = { id: 'r2', key: randomBytes(32) };
const rotatedSet = `${NEW.id}:${NEW.key.toString('base64')},${process.env.REACHLOOP_DATA_KEYS}`;

async function cli(args: string[], extra: Record<string, string> = {}) {
  const r = await runCli(args, { ...env, ...extra }, 120_000);
  if (r.code !== 0) throw new Error(`reachloop ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}
const status = async (id: number) => JSON.parse((await cli(['campaign', 'status', String(id), '--json'])).stdout) as { phase: string; byState: Record<string, number> };

beforeAll(async () => {
  db = await isolatedDatabase();
  await seedContactsBulk(db.pool, PHONES.map((phone) => ({ phone, name: 'Sam', consent: ['sms'] })));
  // Step 2 of a rotation: every process gets the new key first (the old one still in the set).
  installDataKeys(new DataCodec([NEW, ...oldKeys], NEW.id, lookupKey));
  worker = await startTestWorker(defaultActivityDeps(db.pool, { sms, now: () => NOW }));
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue, REACHLOOP_DATA_KEYS: rotatedSet };
});

afterAll(async () => {
  await worker?.stop();
  await db?.drop();
});

describe('keys rotate', () => {
  it('re-encrypts every value while a campaign runs: 0 duplicates, 0 lost, each send to its own number, nothing left under the old key', async () => {
    const before = JSON.parse((await cli(['keys', 'status', '--json'])).stdout);
    expect(before.byColumn['contacts.phone_enc']).toEqual({ [oldKeys[0]!.id]: PHONES.length });

    const file = path.join(dir, 'slow.yaml');
    writeFileSync(file, 'name: slow\ncategory: marketing\nbrand: Acme\nchannels: { A: sms, B: sms, C: sms }\nfallback: false\nrateLimit: { sms: 20 }\ntemplates:\n  sms: { en: "Hi {{name}}, 20% off at {{brand}}." }\n');
    const created = JSON.parse((await cli(['campaign', 'create', file, '--json'])).stdout);
    await cli(['campaign', 'launch', String(created.id)]);
    for (let i = 0; i < 200 && sms.sent().length < 10; i++) await new Promise((r) => setTimeout(r, 100));
    expect(sms.sent().length).toBeGreaterThanOrEqual(10);

    const rotation = JSON.parse((await cli(['keys', 'rotate', '--batch', '25', '--json'])).stdout);
    const during = await status(created.id);
    expect(during.phase).not.toBe('completed'); // the rotation ran while the campaign was sending
    expect(sms.sent().length).toBeLessThan(PHONES.length);
    expect(rotation).toMatchObject({ activeKey: NEW.id, remaining: 0, retiredKeys: [oldKeys[0]!.id] });
    expect(rotation.rotated['contacts.phone_enc'] + rotation.rotated['contacts.name_enc']).toBeGreaterThan(0);

    let done = during;
    for (let i = 0; i < 240 && done.phase !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      done = await status(created.id);
    }
    expect(done.phase).toBe('completed');
    expect(done.byState).toEqual({ sent: PHONES.length });

    const sent = sms.sent();
    expect(sent).toHaveLength(PHONES.length); // 0 lost
    expect(new Set(sent.map((m) => m.to)).size).toBe(PHONES.length); // 0 duplicates
    expect(new Set(sent.map((m) => m.to))).toEqual(new Set(PHONES));
    const toOf = new Map(sent.map((m) => [m.providerId, m.to]));
    const ledger = await queryPlain(db.pool, `SELECT l.provider_id, c.phone_enc FROM send_ledger l JOIN contacts c ON c.id = l.contact_id WHERE l.campaign_id = $1`, [created.id]);
    expect(ledger).toHaveLength(PHONES.length);
    for (const l of ledger) expect(toOf.get(l.provider_id), l.provider_id).toBe(l.phone_e164); // each to its own contact's number

    const after = JSON.parse((await cli(['keys', 'status', '--json'])).stdout);
    for (const [column, byKey] of Object.entries(after.byColumn as Record<string, Record<string, number>>)) expect(Object.keys(byKey).filter((k) => k !== NEW.id), column).toEqual([]);
    expect(after.byColumn['contacts.phone_enc']).toEqual({ [NEW.id]: PHONES.length });
    // The old key can now leave the set: a process without it starts.
    await cli(['keys', 'status'], { REACHLOOP_DATA_KEYS: `${NEW.id}:${NEW.key.toString('base64')}` });
    // A second run finds nothing to do.
    expect(JSON.parse((await cli(['keys', 'rotate', '--json'])).stdout)).toMatchObject({ remaining: 0, rotated: { 'contacts.phone_enc': 0 } });
  });

  it('refuses a bad --batch with a usage error', async () => {
    const r = await runCli(['keys', 'rotate', '--batch', '0'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--batch must be a whole number from 1 to 100000');
  });
});
