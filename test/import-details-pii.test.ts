import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { isolatedDatabase, runCli, startTestWorker, type TestDatabase, type TestWorker } from './helpers/harness';
import { needlesOf } from './helpers/pii-needles';
import { findPersonalData } from './helpers/pii-scan';

// The per-line records of imports (issue 17 review): a warning or a reject says what was wrong
// with a field or a line, never its value. A value in the wrong column (a number in a date, an
// address in a customer id, a line that is only an address) stays out of the plain columns
// import_warnings.detail and import_rejects.detail (and the events import's); the operator has
// the line number and the line itself, sealed.

const NOW = new Date('2026-11-25T12:00:00Z');
const IN_DATE = '+8613800007771'; // a number in last_order_at
const IN_OPT_IN = 'jane.doe@example.com'; // an address in opt_in_at
const BAD_EMAIL = 'john.smith@example'; // an address without its top-level domain
const IN_VALUE = '+8613800007772'; // a number in order_value
const IN_CURRENCY = 'Zora Quillfeather'; // a name in the currency column
const AS_CUSTOMER_ID = 'mara.unknown@example.org'; // an address as the customer id of a row without phone
const JSON_LINE = 'ivo.plain@example.net'; // a JSON Lines record that is only an address
const EVENT_LINE = '+8613800007773'; // an events line that is only a number

let db: TestDatabase;
let worker: TestWorker;
let env: Record<string, string>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-import-details-'));

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
