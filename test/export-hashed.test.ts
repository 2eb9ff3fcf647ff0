import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, runCli, type TestDatabase } from './helpers/harness';

// `reachloop audience export-hashed`: SHA-256 of the E.164 number (with its +) and of the trimmed,
// lowercased e-mail, for ad-platform customer match. No raw number or address leaves.

let db: TestDatabase;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-export-hashed-'));
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

beforeAll(async () => {
  db = await isolatedDatabase();
  await seedContacts(db.pool, [{ phone: '+8613800138001', email: 'Li.Wei@Example.com' }, { phone: '+12125550199' }]);
});
afterAll(() => db?.drop());

describe('audience export-hashed', () => {
  it('--segment all writes one hashed row per contact, readable by its owner only', async () => {
    const out = path.join(dir, 'all.csv');
    const r = await runCli(['audience', 'export-hashed', '--reason', 'test export', '--out', out, '--segment', 'all', '--json'], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ out, rows: 2, emails: 1 });
    const text = readFileSync(out, 'utf8');
    expect(text).toBe(`phone_sha256,email_sha256\n${sha('+8613800138001')},${sha('li.wei@example.com')}\n${sha('+12125550199')},\n`);
    expect(text).not.toMatch(/8613800138001|example\.com/i);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    // Audited: who, why, which segment and how many rows (no contact: an export of many).
    const audit = (await db.pool.query(`SELECT actor, action, contact_id, reason, detail FROM access_audit`)).rows;
    expect(audit).toEqual([{ actor: expect.stringMatching(/^cli:/), action: 'audience.export_hashed', contact_id: null, reason: 'test export', detail: { segment: 'all', rows: 2, emails: 1 } }]);
  });

  it('leaves out erased contacts and contacts holding an erased e-mail or number, and never writes a marker', async () => {
    const [gone] = await seedContacts(db.pool, [{ phone: '+12125550170', email: 'gone@example.com' }]);
    const erase = await runCli(['privacy', 'erase', String(gone), '--reason', 'DSR-31 erasure', '--yes', '--json'], { DATABASE_URL: db.url });
    expect(erase.code, erase.stderr).toBe(0);
    // Re-imported afterwards: its e-mail on a new number (the erased row keeps the number's keyed hash).
    await seedContacts(db.pool, [{ phone: '+12125550171', email: 'gone@example.com' }]); // as intake normalises it
    const out = path.join(dir, 'after-erasure.csv');
    const r = await runCli(['audience', 'export-hashed', '--reason', 'test export', '--out', out, '--segment', 'all', '--json'], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ out, rows: 2, emails: 1 });
    const text = readFileSync(out, 'utf8');
    expect(text).toBe(`phone_sha256,email_sha256\n${sha('+8613800138001')},${sha('li.wei@example.com')}\n${sha('+12125550199')},\n`);
    for (const v of ['erased', '[erased]', 'gone@example.com', '+12125550170', '+12125550171']) expect(text).not.toContain(sha(v));
  });

  it('refuses to export without a reason, and writes nothing', async () => {
    const out = path.join(dir, 'unreasoned.csv');
    const r = await runCli(['audience', 'export-hashed', '--out', out, '--segment', 'all'], { DATABASE_URL: db.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--reason: a reason is required');
    expect(existsSync(out)).toBe(false);
  });

  it('the default segment (recovery) is empty without recovery cases; a bad segment is a usage error', async () => {
    const out = path.join(dir, 'recovery.csv');
    const r = await runCli(['audience', 'export-hashed', '--reason', 'test export', '--out', out], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('0 rows (0 with e-mail)');
    const bad = await runCli(['audience', 'export-hashed', '--reason', 'test export', '--out', out, '--segment', 'everyone'], { DATABASE_URL: db.url });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--segment must be recovery or all');
  });
});
