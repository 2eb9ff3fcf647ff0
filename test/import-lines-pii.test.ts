import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { dataCodec } from '../infra/data-keys';
import { isolatedDatabase, runCli, startTestWorker, type TestDatabase, type TestWorker } from './helpers/harness';
import { needlesOf } from './helpers/pii-needles';
import { findPersonalData } from './helpers/pii-scan';

// The per-line records of imports and personal data (issue 17 review). A warning or a reject says
// what was wrong with a field or a line, never its value: a value in the wrong column (a number in
// a date, an address in a customer id, a line that is only an address) stays out of the plain
// columns import_warnings.detail and import_rejects.detail (and the events import's); the operator
// has the line number and the line itself, sealed. And erasure scrubs a line as a whole: a line
// that holds the person in any of its records (one warning naming the number, the sealed raw line
// naming the address) has every warning and reject of that line emptied, not only the record that
// matched; lines of other people keep their details.

const NOW = new Date('2026-11-25T12:00:00Z');
const IN_DATE = '+8613800007771'; // a number in last_order_at
const IN_OPT_IN = 'jane.doe@example.com'; // an address in opt_in_at
const BAD_EMAIL = 'john.smith@example'; // an address without its top-level domain
const IN_VALUE = '+8613800007772'; // a number in order_value
const IN_CURRENCY = 'Zora Quillfeather'; // a name in the currency column
const AS_CUSTOMER_ID = 'mara.unknown@example.org'; // an address as the customer id of a row without phone
const JSON_LINE = 'ivo.plain@example.net'; // a JSON Lines record that is only an address
const EVENT_LINE = '+8613800007773'; // an events line that is only a number
const ERASED = { phone: '+8613800007781', email: 'li.erasable@example.com' };
const OTHER = { phone: '+12125550177' };

let db: TestDatabase;
let worker: TestWorker;
let env: Record<string, string>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-import-lines-'));

async function cli(args: string[]) {
  const r = await runCli(args, env, 120_000);
  if (r.code !== 0) throw new Error(`reachloop ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
const write = (name: string, lines: string[]) => {
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n'));
  return file;
};

beforeAll(async () => {
  db = await isolatedDatabase();
  worker = await startTestWorker(defaultActivityDeps(db.pool, { now: () => NOW }));
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue };
});
afterAll(async () => {
  await worker?.stop();
  await db?.drop();
});

describe('import warnings and rejects hold no raw value', () => {
  it('says what was wrong with a field or a line without quoting it', async () => {
    const csv = write('people.csv', [
      'customer_id,phone,email,name,last_order_at,opt_in_at,order_value,currency',
      `c1,+12125550401,${BAD_EMAIL},Ann,${IN_DATE},${IN_OPT_IN},${IN_VALUE},${IN_CURRENCY}`,
      `${AS_CUSTOMER_ID},,,,,,,`,
    ]);
    const imported = await cli(['audience', 'import', csv, '--source', 'shop', '--json']);
    expect(imported).toMatchObject({ accepted: 1 });
    const jsonl = write('people.jsonl', [JSON.stringify({ phone: '+12125550402', name: 'Ben' }), JSON_LINE]);
    expect(await cli(['audience', 'import', jsonl, '--source', 'shop', '--json'])).toMatchObject({ accepted: 1 });
    const events = write('events.jsonl', [JSON.stringify({ event_id: 'e1', event: 'login', phone: '+12125550401', occurred_at: '2026-11-24T10:00:00Z' }), EVENT_LINE]);
    await cli(['events', 'import', events, '--json']);

    const warnings = (await db.pool.query(`SELECT field, reason, detail FROM import_warnings ORDER BY field`)).rows;
    expect(warnings).toEqual(
      expect.arrayContaining([
        { field: 'currency', reason: 'invalid_currency', detail: 'currency is not an ISO 4217 code (got 17 characters: letters, spaces)' },
        { field: 'email', reason: 'invalid_email', detail: expect.stringMatching(/^not an e-mail address .*\(got 18 characters: letters, symbols\)$/) },
        { field: 'last_order_at', reason: 'invalid_date', detail: 'last_order_at is not a date (got 14 characters: digits, symbols)' },
        { field: 'opt_in_at', reason: 'invalid_date', detail: 'opt_in_at is not a date (got 20 characters: letters, symbols)' },
        { field: 'order_value', reason: 'invalid_order_value', detail: 'order_value is not a non-negative amount (got 14 characters: digits, symbols)' },
      ]),
    );
    const rejects = (await db.pool.query(`SELECT reason, detail FROM import_rejects ORDER BY reason`)).rows;
    expect(rejects).toEqual([
      { reason: 'malformed_row', detail: "not JSON: Unexpected token 'i'" },
      { reason: 'missing_phone', detail: expect.stringContaining('the customer id (24 characters: letters, symbols) is not known') },
    ]);
    expect((await db.pool.query(`SELECT reason, detail FROM event_import_rejects`)).rows).toEqual([{ reason: 'malformed_line', detail: "not JSON: Unexpected token '+'" }]);

    const needles = needlesOf([IN_DATE, IN_OPT_IN, IN_VALUE, AS_CUSTOMER_ID, JSON_LINE, EVENT_LINE]);
    expect(await findPersonalData(db.pool, needles)).toEqual([]);
    expect(await findPersonalData(db.pool, { texts: [BAD_EMAIL, IN_CURRENCY] })).toEqual([]);
    // The lines are kept sealed for the operator (until the retention period ends): the scan finds them there.
    expect(await findPersonalData(db.pool, { texts: [AS_CUSTOMER_ID, JSON_LINE], digits: [EVENT_LINE.slice(1)] }, { sealed: true })).not.toEqual([]);
  });
});

describe('privacy erase and the lines of imports', () => {
  // The warnings are written as imports wrote them before they stopped quoting values (rows kept
  // until their retention period ends); the sealed raw line is how rejects keep lines today.
  it('empties every warning and reject of a line that holds the person, and leaves other lines alone', async () => {
    const file = write('erasable.csv', ['phone,email,name', `${ERASED.phone},${ERASED.email},Li`, `${OTHER.phone},,Omar`]);
    const { importId } = await cli(['audience', 'import', file, '--source', 'shop', '--json']);
    const warn = (line: number, field: string, reason: string, detail: string) =>
      db.pool.query(`INSERT INTO import_warnings (import_id, line_no, field, reason, detail) VALUES ($1, $2, $3, $4, $5)`, [importId, line, field, reason, detail]);
    // Line 7: one warning names the number, the other an address the person wrote without its domain.
    await warn(7, 'last_order_at', 'invalid_date', `last_order_at is not a date: "${ERASED.phone}"`);
    await warn(7, 'email', 'invalid_email', 'not an e-mail address (expected name@domain.tld): "john.smith@example"');
    // Line 8: rejected; its sealed raw line holds the address, its detail and its warning say nothing of it.
    await db.pool.query(`INSERT INTO import_rejects (import_id, line_no, reason, detail, raw_enc) VALUES ($1, 8, 'missing_phone', 'no phone number, and the customer id (5 characters: letters, digits) is not known', $2)`, [
      importId,
      dataCodec().encrypt(`C-778,,${ERASED.email},Li`),
    ]);
    await warn(8, 'opt_in_at', 'invalid_date', 'opt_in_at is not a date: "Li W."');
    // Line 9: somebody else's.
    await warn(9, 'email', 'invalid_email', 'not an e-mail address (expected name@domain.tld): "omar@example"');

    // The export holds what the erasure empties: every record of the person's lines, no other line's.
    const exported = await cli(['privacy', 'export', ERASED.phone, '--reason', 'DSR-2026-000776 access']);
    const linesOf = (rows: Array<{ line_no: number; field?: string }>) => rows.map((r) => `${r.line_no}${r.field ? ` ${r.field}` : ''}`);
    expect(linesOf(exported.heldByIdentifier.import_warnings)).toEqual(['7 email', '7 last_order_at', '8 opt_in_at']);
    expect(linesOf(exported.heldByIdentifier.import_rejects)).toEqual(['8']);

    const erased = await cli(['privacy', 'erase', ERASED.phone, '--reason', 'DSR-2026-000777 erasure', '--yes', '--json']);
    expect(erased.rows).toMatchObject({ import_warnings: 3, import_rejects: 1 });

    const warnings = (await db.pool.query(`SELECT line_no, field, reason, detail FROM import_warnings WHERE import_id = $1 ORDER BY line_no, field`, [importId])).rows;
    expect(warnings).toEqual([
      { line_no: 7, field: 'email', reason: 'invalid_email', detail: '' },
      { line_no: 7, field: 'last_order_at', reason: 'invalid_date', detail: '' },
      { line_no: 8, field: 'opt_in_at', reason: 'invalid_date', detail: '' },
      { line_no: 9, field: 'email', reason: 'invalid_email', detail: 'not an e-mail address (expected name@domain.tld): "omar@example"' },
    ]);
    expect((await db.pool.query(`SELECT line_no, reason, detail, raw_enc FROM import_rejects WHERE import_id = $1`, [importId])).rows).toEqual([
      { line_no: 8, reason: 'missing_phone', detail: '', raw_enc: null },
    ]);
    expect(await findPersonalData(db.pool, { texts: [ERASED.email, 'john.smith@example', 'Li W.'], digits: [ERASED.phone.slice(1)] }, { sealed: true })).toEqual([]);
  });
});
