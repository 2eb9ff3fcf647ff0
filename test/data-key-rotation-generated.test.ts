import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { valuesByKey } from '../db/key-rotation';
import { loadConfig } from '../infra/config';
import { dataCodecOf, installDataKeys } from '../infra/data-keys';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, runCli, uniqueName, type TestDatabase } from './helpers/harness';
import { startServeProcess } from './helpers/serve-process';

// Data-key rotation on the embedded default: no REACHLOOP_DATA_KEYS, the keys generated under the
// state folder. `keys rotate --generate` adds a key to the generated file as the active one and
// re-encrypts under it; afterwards every command runs without any variable. A stale key file (a
// rotation with REACHLOOP_DATA_KEYS set for one command) is named in the error, and `doctor` fails
// on it with the fix.

let db: TestDatabase;
let env: Record<string, string>;
let keysFile: string;

beforeAll(async () => {
  db = await isolatedDatabase({ migrated: false });
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-generated-data-keys-'));
  keysFile = path.join(stateDir, 'data-keys');
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: uniqueName('tq'), REACHLOOP_STATE_DIR: stateDir, REACHLOOP_DATA_KEYS: '', REACHLOOP_LOOKUP_KEY: '' };
  const migrated = await runCli(['migrate'], env, 120_000);
  expect(migrated.code, migrated.stderr).toBe(0); // generates k1 and records it
  installDataKeys(dataCodecOf(loadConfig({ ...process.env, ...env })));
  await seedContacts(db.pool, [
    { phone: '+12125550181', email: 'gen.one@example.com', name: 'Gen One' },
    { phone: '+12125550182' },
  ]);
}, 240_000);
afterAll(async () => {
  await db?.drop();
});

const doctorDataKeys = async () => {
  const r = await runCli(['doctor', '--json'], env, 120_000);
  return { code: r.code, check: (JSON.parse(r.stdout) as Array<{ name: string; status: string; detail: string; fix?: string }>).find((c) => c.name === 'data keys')! };
};

describe('keys rotate --generate on the embedded default', () => {
  it('is refused while a server runs on the generated keys (it cannot hold a key not generated yet), and leaves the file as it was', async () => {
    const before = readFileSync(keysFile, 'utf8');
    const serve = await startServeProcess({ ...env, LOOKUP_PROVIDER: 'none' });
    try {
      const r = await runCli(['keys', 'rotate', '--generate'], env, 120_000);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`1 running reachloop process\\(es\\) do not hold the new active data key "k2": http pid ${serve.child.pid} on \\S+ \\(holds k1, .*stop them first`));
      expect(readFileSync(keysFile, 'utf8')).toBe(before);
      expect(existsSync(`${keysFile}.next`)).toBe(false);
      expect(await valuesByKey(db.pool)).toMatchObject({ 'contacts.phone_enc': { k1: 2 } });
    } finally {
      await serve.stop();
    }
  }, 240_000);

  it('adds a generated key as the active one, re-encrypts everything under it, and every command runs afterwards without a variable', async () => {
    const before = readFileSync(keysFile, 'utf8').trim();
    expect(before).toMatch(/^k1:[^,]+$/);
    const r = await runCli(['keys', 'rotate', '--generate', '--json'], env, 120_000);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ activeKey: 'k2', remaining: 0, rotated: { 'contacts.phone_enc': 2, 'contacts.name_enc': 1, 'contact_emails.email_enc': 1 } });
    const after = readFileSync(keysFile, 'utf8').trim().split(',');
    expect(after).toHaveLength(2);
    expect(after[0]).toMatch(/^k2:/);
    expect(after[1]).toBe(before); // the old key kept
    expect(await valuesByKey(db.pool)).toMatchObject({ 'contacts.phone_enc': { k2: 2 }, 'contact_emails.email_enc': { k2: 1 } });
    const status = await runCli(['keys', 'status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ activeKey: 'k2' });
    const doctor = await doctorDataKeys();
    expect(doctor.check).toMatchObject({ status: 'warn' }); // generated keys: a warning, not a failure
  }, 240_000);

  it('rotated with REACHLOOP_DATA_KEYS set for one command, the generated file is stale: the error names the file (not the variable), and doctor fails with the fix', async () => {
    const fromFile = readFileSync(keysFile, 'utf8').trim();
    const lookup = readFileSync(path.join(path.dirname(keysFile), 'lookup-key'), 'utf8').trim();
    const once = await runCli(['keys', 'rotate', '--json'], { ...env, REACHLOOP_DATA_KEYS: `k7:${randomBytes(32).toString('base64')},${fromFile}`, REACHLOOP_LOOKUP_KEY: lookup }, 120_000);
    expect(once.code, once.stderr).toBe(0); // as the reviewer did: everything now under k7, which no file holds
    const refused = await runCli(['keys', 'status'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`the generated key file ${keysFile} has no key "k7", which encrypts stored personal data: restore that file from a backup`);
    expect(refused.stderr).not.toContain('REACHLOOP_DATA_KEYS');
    const doctor = await doctorDataKeys();
    expect(doctor.code).toBe(1);
    expect(doctor.check).toMatchObject({ status: 'fail', detail: expect.stringContaining(`the generated key file ${keysFile} has no key "k7"`), fix: expect.stringContaining(`restore ${keysFile}`) });
  }, 240_000);

  it('--generate is refused when the keys come from the environment', async () => {
    const r = await runCli(['keys', 'rotate', '--generate'], { ...env, REACHLOOP_DATA_KEYS: process.env.REACHLOOP_DATA_KEYS!, REACHLOOP_LOOKUP_KEY: process.env.REACHLOOP_LOOKUP_KEY! });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--generate is only for keys generated under the state folder');
  }, 120_000);
});
