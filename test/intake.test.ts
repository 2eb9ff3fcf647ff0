import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { intakeWorkflowId } from '../workflows/ids';
import { uploadFile } from '../client/intake/upload';
import { dropStaging, validTable } from '../db/intake';
import { isolatedDatabase, runCli, startTestWorker, temporalClient, type TestDatabase, type TestWorker } from './helpers/harness';
import { plain, queryPlain, sortBy } from './helpers/contacts';
import { phoneHash } from '../db/contacts';

let db: TestDatabase;
let worker: TestWorker;
let client: Client;
let env: Record<string, string>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-intake-'));

beforeAll(async () => {
  db = await isolatedDatabase();
  worker = await startTestWorker(defaultActivityDeps(db.pool, { now: () => new Date('2026-11-25T12:00:00Z') }));
  client = await temporalClient();
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue };
});
afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await db?.drop();
});

const importFile = async (name: string, content: string | Buffer, args: string[] = []) => {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  const res = await runCli(['audience', 'import', file, '--json', ...args], env);
  if (res.code !== 0) throw new Error(`import failed (${res.code}): ${res.stderr}`);
  return { report: JSON.parse(res.stdout), file };
};

const snapshot = async () => {
  const contacts = await db.pool.query(
    `SELECT phone_hash, phone_enc, name_enc, channel_tags, sources, last_order_at, order_value, score, tier, time_zones, quarantined FROM contacts ORDER BY phone_hash`,
  );
  const consents = await db.pool.query('SELECT contact_id, channel, purpose, granted_at, proof FROM consents ORDER BY 1, 2, 3');
  const emails = { rows: sortBy(await queryPlain(db.pool, 'SELECT contact_id, email_enc FROM contact_emails'), (r) => `${r.contact_id}\t${r.email}`) };
  const history = await db.pool.query('SELECT count(*)::int AS n FROM tier_history');
  return { contacts: plain(contacts.rows), consents: consents.rows, emails: emails.rows, history: history.rows[0].n };
};

describe('audience import', () => {
  it('imports the good rows of a hostile CSV, reports each bad one with its line and reason, and each bad optional field as a warning', async () => {
    const big = 'X'.repeat(1 << 20);
    const lines = [
      '\uFEFFphone,email,name,country,last_order_at,order_value,channel,opt_in_at', // 1 BOM header
      '+86 138 0013 8000,li@example.com,"Li, Wei",CN,2026-10-01,250,wechat,2026-01-05', // 2 good
      `13900139000,,"${big}",CN,,,,`, // 3 1 MB name -> imported without it, warning field_too_long
      '"+1 (212) 555-0142",bob@example.com,"Bob ""The Builder""\nSmith",US,,,web,', // 4-5 quoted newline, good
      '+44 7911 123456,x@example.com,=cmd|\' /C calc\'!A0,GB,,,,', // 6 formula injection in a name: stored as text
      "+61 2 9374 4000,,Robert'); DROP TABLE contacts;--,AU,,,,", // 7 SQL injection text: stored as text
      '1,2', // 8 wrong column count
      '+49 30 123456,,Bad date,DE,2026-13-45,,,', // 9 invalid date -> imported without it, warning
      '+33 6 12 34 56 78,,"never closed,FR,,,,', // 10 unterminated quote
      '+81 90 1234 5678,,Taro,JP,,,,', // 11 good, after the unterminated quote
    ];
    const text = `${lines.join('\r\n')}\r\n`;
    // Invalid UTF-8 in a name on one more line (12); a NUL byte in a name on line 13.
    const content = Buffer.concat([
      Buffer.from(text),
      Buffer.from('+65 8123 4567,,'), Buffer.from([0xff, 0xfe]), Buffer.from(',SG,,,,\r\n'),
      Buffer.from('+82 10 1234 5678,,Kim'), Buffer.from([0x00]), Buffer.from('Ji,KR,,,,\r\n'),
    ]);
    const { report, file } = await importFile('hostile.csv', content);
    expect(report.rowsRead).toBe(11);
    expect(report.rejectedByReason).toEqual({ wrong_column_count: 1, malformed_row: 1, invalid_encoding: 1 });
    expect(report.accepted).toBe(8);
    expect(report.contacts).toBe(8);
    expect(report).toMatchObject({ warnings: 3, warningsByReason: { field_too_long: 1, invalid_date: 1, control_characters: 1 } });
    const rejects = readFileSync(`${file}.rejects.csv`, 'utf8');
    const rejectLines = rejects.trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 2).join(','));
    expect(rejectLines).toEqual(['"8","wrong_column_count"', '"10","malformed_row"', '"12","invalid_encoding"']);
    const warnings = readFileSync(`${file}.warnings.csv`, 'utf8').trim().split('\n');
    expect(warnings[0]).toBe('line,field,reason,detail');
    expect(warnings.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['"3","name","field_too_long"', '"9","last_order_at","invalid_date"', '"13","name","control_characters"']);
    expect(report.warningsFile).toBe(`${file}.warnings.csv`);
    const rows = sortBy(await queryPlain(db.pool, 'SELECT phone_enc, name_enc, last_order_at FROM contacts'), (r) => r.phone_e164);
    expect(rows.map((r) => [r.phone_e164, r.name])).toEqual([
      ['+12125550142', 'Bob "The Builder" Smith'],
      ['+447911123456', "=cmd|' /C calc'!A0"],
      ['+4930123456', 'Bad date'],
      ['+61293744000', "Robert'); DROP TABLE contacts;--"],
      ['+819012345678', 'Taro'],
      ['+821012345678', 'KimJi'],
      ['+8613800138000', 'Li, Wei'],
      ['+8613900139000', null],
    ]);
    expect(rows.find((r) => r.phone_e164 === '+4930123456').last_order_at).toBeNull();
    const pg = await db.pool.query(`SELECT (SELECT count(*)::int FROM import_rejects WHERE import_id = $1) AS rejects, (SELECT count(*)::int FROM import_warnings WHERE import_id = $1) AS warnings`, [report.importId]);
    expect(pg.rows[0]).toEqual({ rejects: 3, warnings: 3 });
    const human = await runCli(['audience', 'import', file], env);
    expect(human.stdout).toMatch(/warnings\s+3 \(rows imported with a field left empty or cleaned\)/);
    expect(human.stdout).toMatch(/invalid_date\s+1/);
  });

  it('validates on worker threads exactly as on the main thread (large files): staged rows and rejects', async () => {
    const rows = ['phone,email,name,country,last_order_at,order_value,channel,opt_in_at'];
    const odd = ['1,2', '+49 30 123456,,Bad date,DE,2026-13-45,,,', `13900139000,,"${'X'.repeat(5000)}",CN,,,,`, '+33 6 12 34 56 78,,"never closed,FR,,,,'];
    for (let i = 0; i < 30_000; i++)
      rows.push(i % 97 === 0 ? odd[(i / 97) % odd.length]! : `+86 138 ${String(i % 10_000).padStart(4, '0')} ${String(i).padStart(4, '0').slice(-4)},u${i}@example.com,"N, ${i}",CN,2026-0${1 + (i % 9)}-01,${i % 300},web,2026-01-0${1 + (i % 9)}T10:00:00Z`);
    const file = path.join(dir, 'threads.csv');
    writeFileSync(file, `${rows.join('\r\n')}\r\n`);
    const options = { source: 't', defaultCountry: 'CN', consentPurpose: 'marketing', mapping: {}, format: 'csv' as const };
    const staged = async (threads: number) => {
      const up = await uploadFile(db.pool, file, options, () => {}, { threads });
      const data = await db.pool.query(`SELECT part, phone_hash, seq, line_no, range_key, device_key, data FROM ${validTable(up.importId)} ORDER BY seq`);
      const rejects = { rows: await queryPlain(db.pool, 'SELECT line_no, reason, detail, raw_enc FROM import_rejects WHERE import_id = $1 ORDER BY line_no', [up.importId]) };
      const warnings = await db.pool.query('SELECT line_no, field, reason, detail FROM import_warnings WHERE import_id = $1 ORDER BY line_no, field', [up.importId]);
      await dropStaging(db.pool, up.importId);
      return { counts: [up.rowsRead, up.validRows, up.rejectedByReason, up.warningsByReason], data: data.rows, rejects: rejects.rows, warnings: warnings.rows };
    };
    const inline = await staged(0);
    expect(inline.data.length).toBeGreaterThan(10_000);
    expect(new Set(inline.rejects.map((r) => r.reason))).toEqual(new Set(['wrong_column_count', 'malformed_row']));
    expect(new Set(inline.warnings.map((r) => r.reason))).toEqual(new Set(['invalid_date', 'field_too_long']));
    expect(await staged(2)).toEqual(inline);
  });

  it('merges duplicates: latest transaction wins, tags and sources unite, the earliest consent and its proof are kept', async () => {
    const csv = [
      'phone,email,channel,last_order_at,order_value,opt_in_at',
      '+8613711112222,a@example.com,app,2026-03-01,100,2026-02-01',
      '013711112222,,wechat,2026-09-01,300,2026-05-01', // trunk 0 + default country: the same number
      '+86 137 1111 2222,b@example.com,web,2026-05-01,50,2026-01-15',
    ].join('\n');
    const { report } = await importFile('dups.csv', csv, ['--default-country', 'CN', '--source', 'crm']);
    expect(report).toMatchObject({ accepted: 3, created: 1, mergedDuplicates: 2, existing: 0 });
    const c = (await db.pool.query(`SELECT * FROM contacts WHERE phone_hash = $1`, [phoneHash('+8613711112222')])).rows[0];
    expect(c.last_order_at.toISOString()).toBe('2026-09-01T00:00:00.000Z');
    expect(Number(c.order_value)).toBe(300);
    expect(c.channel_tags).toEqual(['app', 'web', 'wechat']);
    const consents = (await db.pool.query('SELECT channel, granted_at, proof FROM consents WHERE contact_id = $1 ORDER BY channel', [c.id])).rows;
    expect(consents.map((k) => [k.channel, k.granted_at.toISOString(), k.proof.line])).toEqual([
      ['email', '2026-01-15T00:00:00.000Z', 4],
      ['sms', '2026-01-15T00:00:00.000Z', 4],
    ]);
    const emails = sortBy(await queryPlain(db.pool, 'SELECT email_enc FROM contact_emails WHERE contact_id = $1', [c.id]), (e) => e.email);
    expect(emails.map((e) => e.email)).toEqual(['a@example.com', 'b@example.com']);
  });

  it('re-importing the same file changes nothing', async () => {
    const csv = ['phone,name,last_order_at,order_value,opt_in_at,channel', '+14155552671,Ann,2026-11-01,500,2026-01-01,web', '+442079460000,Ben,,,2026-03-01,shop'].join('\n');
    await importFile('again.csv', csv);
    const before = await snapshot();
    const { report } = await importFile('again.csv', csv);
    // Issue 19: a re-import of an unchanged file is not every row a merged duplicate.
    expect(report).toMatchObject({ accepted: 2, created: 0, mergedDuplicates: 0, existing: 2 });
    expect(await snapshot()).toEqual(before);
  });

  it('reads JSON Lines, maps columns with --mapping, and keeps the rows out of workflow history', async () => {
    const mapping = path.join(dir, 'map.json');
    writeFileSync(mapping, JSON.stringify({ phone: 'mobile_no', email: 'mail' }));
    const jsonl = [
      JSON.stringify({ mobile_no: '+8615500001111', mail: 'Secret.Person@Example.com', order_value: 99 }),
      '{not json',
      JSON.stringify([1, 2]),
      JSON.stringify({ mobile_no: '+12025550199', mail: null }),
    ].join('\n');
    const { report } = await importFile('people.jsonl', jsonl, ['--mapping', mapping]);
    expect(report).toMatchObject({ rowsRead: 4, accepted: 2, rejectedByReason: { malformed_row: 2 } });
    const history = JSON.stringify(await client.workflow.getHandle(intakeWorkflowId(report.importId)).fetchHistory());
    for (const secret of ['8615500001111', 'secret.person', '12025550199']) expect(history.toLowerCase()).not.toContain(secret);
  });

  it('explains a contact through `contact show`: score parts sum to the total, tier and its history', async () => {
    const res = await runCli(['contact', 'show', '--reason', 'test read', '+14155552671', '--json'], env);
    expect(res.code).toBe(0);
    const p = JSON.parse(res.stdout);
    expect(p.phone).toBe('+141****2671');
    const total = p.score.parts.reduce((a: number, x: { points: number }) => a + x.points, 0);
    expect(Math.round(total)).toBe(p.score.total);
    expect(p.tier.reasons.length).toBeGreaterThan(0);
    expect(p.tierHistory[0]).toMatchObject({ from: null, cause: expect.stringMatching(/^import:\d+$/) });
    expect(p.consents[0]).toMatchObject({ channel: 'sms', purpose: 'marketing' });
  });

  it('rejects bad options with a usage error', async () => {
    const res = await runCli(['audience', 'import', path.join(dir, 'nope.csv')], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('no such file');
    writeFileSync(path.join(dir, 'x.csv'), 'phone\n1\n');
    const bad = await runCli(['audience', 'import', path.join(dir, 'x.csv'), '--default-country', 'China'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--default-country must be a two-letter ISO code');
  });
});
