import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, runCli, type TestDatabase } from './helpers/harness';

// `privacy export --out FILE` writes a new owner-only file and never another: an existing file is
// refused (it would keep its own permissions and readers), and so is a folder that does not exist,
// both before anything is read or audited.

const PHONE = '+12125550401';
let db: TestDatabase;
let env: Record<string, string>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-export-file-'));
const audits = async () => (await db.pool.query(`SELECT count(*)::int AS n FROM access_audit WHERE action LIKE 'privacy.export%'`)).rows[0].n as number;

beforeAll(async () => {
  db = await isolatedDatabase();
  env = { DATABASE_URL: db.url };
  await seedContacts(db.pool, [{ phone: PHONE, name: 'Ada' }]);
});
afterAll(async () => {
  await db?.drop();
});

describe('privacy export --out', () => {
  it('refuses a folder that does not exist, before reading or auditing anything', async () => {
    const r = await runCli(['privacy', 'export', PHONE, '--reason', 'DSR-301', '--out', path.join(dir, 'missing', 'x.json')], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out .*x\.json: there is no folder .*missing/);
    expect(await audits()).toBe(0);
  });

  it('writes a new file readable by its owner only', async () => {
    const file = path.join(dir, 'dsr-301.json');
    const r = await runCli(['privacy', 'export', PHONE, '--reason', 'DSR-301', '--out', file], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).profile).toMatchObject({ phone: PHONE, name: 'Ada' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await audits()).toBe(1);
  });

  it('never overwrites a file: refused, the file unchanged, nothing read', async () => {
    const file = path.join(dir, 'shared.json');
    writeFileSync(file, 'kept\n', { mode: 0o644 });
    const r = await runCli(['privacy', 'export', PHONE, '--reason', 'DSR-302', '--out', file], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out .*shared\.json exists: remove it or name a new file/);
    expect(readFileSync(file, 'utf8')).toBe('kept\n');
    expect(await audits()).toBe(1);
  });
});
