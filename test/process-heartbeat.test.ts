import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../infra/config';
import { startServices, type RunningServices } from '../infra/services';
import { STALE_CHAIN_MESSAGE } from '../infra/heartbeat';
import { isolatedDatabase, runCli, uniqueName, type TestDatabase } from './helpers/harness';

// A running server beats in process_heartbeats: `keys rotate-lookup` refuses while it does, and a
// server left running through a forced rotation stops at its next beat instead of hashing with the
// old chain (every lookup would miss; a STOP from a known number would be kept as a stranger's).

let db: TestDatabase;
let env: Record<string, string>;
let services: RunningServices | undefined;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  db = await isolatedDatabase();
  // A queue no worker polls: only the heartbeat can tell that the server runs.
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: uniqueName('no-worker'), NEW_LOOKUP_KEY: randomBytes(32).toString('base64') };
  const config = loadConfig({ ...process.env, ...env, HTTP_PORT: String(await freePort()) });
  services = await startServices({ config, temporalAddress: env.TEMPORAL_ADDRESS!, databaseUrl: db.url, worker: false, http: true, migrate: false, heartbeatMs: 200 });
});
afterAll(async () => {
  await services?.stop();
  await db?.drop();
});

const beats = async () => (await db.pool.query(`SELECT roles, pid, seen_at FROM process_heartbeats`)).rows;

describe('process heartbeats', () => {
  it('a running server beats', async () => {
    const first = await beats();
    expect(first).toEqual([expect.objectContaining({ roles: 'http', pid: process.pid })]);
    await new Promise((r) => setTimeout(r, 600));
    expect((await beats())[0].seen_at.getTime()).toBeGreaterThan(first[0].seen_at.getTime());
  });

  it('rotate-lookup refuses while a server beats, and changes nothing', async () => {
    const before = (await db.pool.query(`SELECT fingerprint FROM data_key_checks WHERE key_id = 'lookup'`)).rows[0].fingerprint;
    const r = await runCli(['keys', 'rotate-lookup', '--new-key-env', 'NEW_LOOKUP_KEY', '--yes'], env, 120_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 reachloop process\(es\) are running on this database \(http pid \d+ on .+, beat \d+s ago\): stop the server and every worker first/);
    expect((await db.pool.query(`SELECT fingerprint FROM data_key_checks WHERE key_id = 'lookup'`)).rows[0].fingerprint).toBe(before);
  });

  it('a server left running through a forced rotation stops at its next beat, and its beat row goes', async () => {
    let settled: string | undefined;
    services!.done.then(
      () => (settled = 'resolved'),
      (err: Error) => (settled = err.message),
    );
    const r = await runCli(['keys', 'rotate-lookup', '--new-key-env', 'NEW_LOOKUP_KEY', '--yes', '--force', '--json'], env, 120_000);
    expect(r.code, r.stderr).toBe(0);
    for (let i = 0; i < 50 && settled === undefined; i++) await new Promise((res) => setTimeout(res, 100));
    expect(settled).toBe(STALE_CHAIN_MESSAGE);
    await services!.stop();
    services = undefined;
    expect(await beats()).toEqual([]);
  });
});
