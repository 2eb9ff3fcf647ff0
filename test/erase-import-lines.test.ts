import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { dataCodec } from '../infra/data-keys';
import { isolatedDatabase, runCli, startTestWorker, type TestDatabase, type TestWorker } from './helpers/harness';
import { findPersonalData } from './helpers/pii-scan';

// Erasure and the per-line records of imports (issue 17 review): a line that holds the person in
// any of its records (one warning naming the number, the sealed raw line naming the address) has
// every warning and reject of that line emptied, not only the record that matched: the line's other
// warning (an e-mail without its domain beside the number) named the same person and stayed for
// the retention period. Lines of other people keep their details.
//
// The warnings are written as imports wrote them before they stopped quoting values (rows kept
// until their retention period ends); the sealed raw line is how rejects keep lines today.

const NOW = new Date('2026-11-25T12:00:00Z');
const ERASED = { phone: '+8613800007771', email: 'li.erasable@example.com' };
const OTHER = { phone: '+12125550177' };

let db: TestDatabase;
let worker: TestWorker;
let env: Record<string, string>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-erase-lines-'));

async function cli(args: string[]) {
  const r = await runCli(args, env, 120_000);
  if (r.code !== 0) throw new Error(`reachloop ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  db = await isolatedDatabase();
  worker = await startTestWorker(defaultActivityDeps(db.pool, { now: () => NOW }));
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue };
});
afterAll(async () => {
  await worker?.stop();
  await db?.drop();
});

describe('privacy erase and the lines of imports', () => {
  it('empties every warning and reject of a line that holds the person, and leaves other lines alone', async () => {
    const file = path.join(dir, 'people.csv');
    writeFileSync(file, ['phone,email,name', `${ERASED.phone},${ERASED.email},Li`, `${OTHER.phone},,Omar`].join('\n'));
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
