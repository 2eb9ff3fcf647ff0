import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { valuesByKey } from '../db/key-rotation';
import { loadConfig } from '../infra/config';
import { dataCodecOf, installDataKeys } from '../infra/data-keys';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, runCli, uniqueName, type TestDatabase } from './helpers/harness';
import { startServeProcess, type ServeProcess } from './helpers/serve-process';

// `reachloop keys rotate` against a running `reachloop serve` (a child process, as an operator runs
// it) that holds only the old data key: the rotation is refused before anything moves, naming the
// server; once the server is restarted with new,old it runs and the server keeps answering. A
// server left on old keys through a forced rotation answers 500 and logs why (DataKeyError).

const key = () => randomBytes(32).toString('base64');
const K1 = `k1:${key()}`;
const K2 = `k2:${key()}`;
const K3 = `k3:${key()}`;
const PHONE = '+12125550177';

let db: TestDatabase;
let env: Record<string, string>;
let serve: ServeProcess | undefined;
let ref: string;
let token: string;

async function startServe(dataKeys: string): Promise<ServeProcess> {
  return startServeProcess({ ...env, REACHLOOP_DATA_KEYS: dataKeys });
}

async function stopServe(): Promise<void> {
  const s = serve;
  serve = undefined;
  await s?.stop();
}

const profile = () => fetch(`${serve!.url}/v1/contacts/${ref}?reason=${encodeURIComponent('ticket 7 callback')}`, { headers: { authorization: `Bearer ${token}` } });
const rotate = (dataKeys: string, ...flags: string[]) => runCli(['keys', 'rotate', '--json', ...flags], { ...env, REACHLOOP_DATA_KEYS: dataKeys }, 120_000);
const phoneKeys = async () => (await valuesByKey(db.pool))['contacts.phone_enc'];

beforeAll(async () => {
  db = await isolatedDatabase({ migrated: false });
  env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    DATABASE_URL: db.url,
    TEMPORAL_TASK_QUEUE: uniqueName('no-worker'),
    REACHLOOP_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'reachloop-key-rotation-')),
    REACHLOOP_DATA_KEYS: K1,
    REACHLOOP_LOOKUP_KEY: key(),
    LOOKUP_PROVIDER: 'none',
  };
  const migrated = await runCli(['migrate'], env, 120_000);
  expect(migrated.code, migrated.stderr).toBe(0); // records k1 as the database's key
  installDataKeys(dataCodecOf(loadConfig({ ...process.env, ...env })));
  const [id] = await seedContacts(db.pool, [{ phone: PHONE, email: 'kay.rotation@example.com' }]);
  ref = (await db.pool.query(`UPDATE contacts SET public_id = 'ct_' || replace(gen_random_uuid()::text, '-', '') WHERE id = $1 RETURNING public_id`, [id])).rows[0].public_id;
  const created = await runCli(['token', 'create', '--scope', 'contacts:read', '--name', 'support-desk', '--json'], env);
  expect(created.code, created.stderr).toBe(0);
  token = JSON.parse(created.stdout).secret;
}, 240_000);

afterAll(async () => {
  await stopServe();
  await db?.drop();
});

describe('keys rotate while reachloop serve runs', () => {
  it('is refused, before anything moves, while the server holds only the old key, naming the server and the fix', async () => {
    serve = await startServe(K1);
    expect((await profile()).status).toBe(200);
    const r = await rotate(`${K2},${K1}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`1 running reachloop process\\(es\\) do not hold the new active data key "k2": http pid ${serve.child.pid} on \\S+ \\(holds k1, beat \\d+s ago\\)\\. .*restart them with REACHLOOP_DATA_KEYS=new,old first`),
    );
    expect(await phoneKeys()).toEqual({ k1: 1 });
    expect((await profile()).status).toBe(200);
  }, 240_000);

  it('runs once the server is restarted with new,old, and the server keeps reading', async () => {
    await stopServe();
    serve = await startServe(`${K2},${K1}`);
    const r = await rotate(`${K2},${K1}`);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ activeKey: 'k2', remaining: 0, retiredKeys: ['k1'] });
    expect(await phoneKeys()).toEqual({ k2: 1 });
    expect((await profile()).status).toBe(200);
  }, 240_000);

  it('forced past a server without the key: the server answers 500 and logs the DataKeyError with its route, no personal data', async () => {
    const r = await rotate(`${K3},${K2}`, '--force');
    expect(r.code, r.stderr).toBe(0);
    const answer = await profile();
    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ error: 'internal error' });
    await expect
      .poll(() => serve!.output(), { timeout: 10_000 })
      .toMatch(/GET \/v1\/contacts\/:ref: DataKeyError: a stored value is encrypted under data key \\?"k3\\?", which REACHLOOP_DATA_KEYS does not hold: .*start it again with that key/);
    expect(serve!.output()).not.toContain(PHONE.slice(1));
    expect(serve!.output()).not.toContain('kay.rotation@example.com');
  }, 240_000);
});
