import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { retentionScheduleId } from '../workflows/ids';
import type { RetentionInput } from '../workflows/messages/retention';
import { queryPlain, seal, seedContacts } from './helpers/contacts';
import { isolatedDatabase, runCli, startTestWorker, temporalClient, type TestDatabase, type TestWorker } from './helpers/harness';
import type { Client } from '@temporalio/client';

// `reachloop privacy retention` against a real worker, Temporal and PostgreSQL, the worker's clock
// pinned: rows of every kind just older and just younger than the contact policy's period; the
// purge (in batches of 2) touches only the older ones, a rejected line keeps its number and reason,
// a second run purges nothing; --dry-run counts without changing; the schedule is created,
// updated and deleted like the ledger sweep's.

const NOW = new Date('2026-12-06T00:00:00Z');
const daysAgo = (d: number, plusMs = 0) => new Date(NOW.getTime() - d * 86_400_000 + plusMs);
const OLDER = -60_000; // a minute past the period
const YOUNGER = 60_000; // a minute inside it

let db: TestDatabase;
let worker: TestWorker;
let env: Record<string, string>;
let client: Client;

beforeAll(async () => {
  db = await isolatedDatabase();
  worker = await startTestWorker(defaultActivityDeps(db.pool, { now: () => NOW }));
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue };
  client = await temporalClient();
  await seed();
}, 60_000);
afterAll(async () => {
  await client?.connection.close();
  await worker?.stop();
  await db?.drop();
});

/** Two of each kind past its period (old) and one inside it (new). */
async function seed(): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => db.pool.query(sql, params);
  const [contact] = await seedContacts(db.pool, [{ phone: '+12125550171' }]);
  for (const [label, at] of [['old', daysAgo(30, OLDER)], ['new', daysAgo(30, YOUNGER)]] as const) {
    const imp = (await q(`INSERT INTO imports (file_name, file_sha256, options, created_at) VALUES ($1, '', '{}', $2) RETURNING id`, [`${label}.csv`, at])).rows[0].id;
    const evi = (await q(`INSERT INTO event_imports (file_name, options, created_at) VALUES ($1, '{}', $2) RETURNING id`, [`${label}.jsonl`, at])).rows[0].id;
    const n = label === 'old' ? 2 : 1;
    for (let line = 2; line < 2 + n; line++) {
      await q(`INSERT INTO import_rejects (import_id, line_no, reason, detail, raw_enc) VALUES ($1, $2, 'invalid_phone', 'not a number', $3)`, [imp, line, seal(`${label} raw ${line}`)]);
      await q(`INSERT INTO event_import_rejects (import_id, line_no, reason, detail, raw_enc) VALUES ($1, $2, 'bad_json', 'x', $3)`, [evi, line, seal(`${label} raw ${line}`)]);
    }
  }
  for (const [label, at] of [['old', daysAgo(90, OLDER)], ['new', daysAgo(90, YOUNGER)]] as const) {
    const imp = (await q(`INSERT INTO imports (file_name, file_sha256, options, created_at) VALUES ($1, '', '{}', $2) RETURNING id`, [`w-${label}.csv`, at])).rows[0].id;
    const evi = (await q(`INSERT INTO event_imports (file_name, options, created_at) VALUES ($1, '{}', $2) RETURNING id`, [`w-${label}.jsonl`, at])).rows[0].id;
    for (let i = 0; i < (label === 'old' ? 2 : 1); i++) {
      await q(`INSERT INTO import_warnings (import_id, line_no, field, reason, detail) VALUES ($1, $2, 'email', 'invalid_email', 'x')`, [imp, i + 2]);
      await q(`INSERT INTO event_import_warnings (import_id, line_no, field, reason, detail) VALUES ($1, $2, 'amount', 'bad', 'x')`, [evi, i + 2]);
    }
    for (let i = 0; i < (label === 'old' ? 2 : 1); i++) await q(`INSERT INTO events (event_id, phone_hash, raw_tag, occurred_at, source, received_at) VALUES ($1, 'h', 'login', $2, 's', $2)`, [`u-${label}-${i}`, at]);
  }
  for (const [label, at] of [['old', daysAgo(730, OLDER)], ['new', daysAgo(730, YOUNGER)]] as const)
    for (let i = 0; i < (label === 'old' ? 2 : 1); i++) await q(`INSERT INTO events (event_id, contact_id, raw_tag, occurred_at, source) VALUES ($1, $2, 'login', $3, 's')`, [`c-${label}-${i}`, contact, at]);
  for (const [label, at] of [['old', daysAgo(30, OLDER)], ['new', daysAgo(30, YOUNGER)]] as const) {
    for (let i = 0; i < (label === 'old' ? 2 : 1); i++) {
      const attempt = (await q(`INSERT INTO send_attempts (scope, owner, started_at, lease_until, finished_at) VALUES ($1, 'test', $2, $2, $2) RETURNING id`, [`s-${label}-${i}`, at])).rows[0].id;
      if (label === 'old' && i === 0)
        await q(`INSERT INTO send_ledger (contact_id, step, channel, category, state, reserved_at, attempt_id) VALUES ($1, 'confirm', 'sms', 'recovery', 'delivered', $2, $3)`, [contact, at, attempt]);
      await q(`INSERT INTO number_lookup_cache (phone_hash, provider, status, looked_up_at) VALUES ($1, 'sandbox', 'active', $2)`, [`lk-${label}-${i}`, at]);
    }
  }
  await q(`INSERT INTO send_attempts (scope, owner, lease_until) VALUES ('live', 'test', $1)`, [NOW]); // not finished: kept
  for (const [label, at] of [['old', daysAgo(90, OLDER)], ['new', daysAgo(90, YOUNGER)]] as const)
    for (let i = 0; i < (label === 'old' ? 2 : 1); i++)
      await q(`INSERT INTO twilio_webhooks (replay_key, kind, message_sid, status, result, received_at) VALUES ($1, 'status', 'SM1', 'delivered', 'applied', $2)`, [`k-${label}-${i}`, at]);
  for (const [label, at] of [['old', daysAgo(1095, OLDER)], ['new', daysAgo(1095, YOUNGER)]] as const)
    for (let i = 0; i < (label === 'old' ? 2 : 1); i++) await q(`INSERT INTO access_audit (actor, action, contact_id, reason, at) VALUES ('cli:test', 'contact.show', $1, $2, $3)`, [contact, `${label} read`, at]);
}

/** Rejected lines with their raw text decrypted ('' once purged), ordered by text and line. */
const rejectLines = (rows: Array<Record<string, any>>) =>
  rows.map((r) => ({ line_no: r.line_no, reason: r.reason, raw: (r.raw as string | null) ?? '' })).sort((a, b) => (a.raw === b.raw ? a.line_no - b.line_no : a.raw < b.raw ? -1 : 1));

const snapshot = async () => ({
  importRejects: rejectLines(await queryPlain(db.pool, `SELECT line_no, reason, raw_enc FROM import_rejects`)),
  eventImportRejects: rejectLines(await queryPlain(db.pool, `SELECT line_no, reason, raw_enc FROM event_import_rejects`)),
  importWarnings: (await db.pool.query(`SELECT count(*)::int AS n FROM import_warnings`)).rows[0].n,
  eventImportWarnings: (await db.pool.query(`SELECT count(*)::int AS n FROM event_import_warnings`)).rows[0].n,
  events: (await db.pool.query(`SELECT event_id FROM events ORDER BY event_id`)).rows.map((r) => r.event_id),
  sendAttempts: (await db.pool.query(`SELECT scope FROM send_attempts ORDER BY scope`)).rows.map((r) => r.scope),
  ledger: (await db.pool.query(`SELECT state, attempt_id FROM send_ledger`)).rows,
  webhooks: (await db.pool.query(`SELECT replay_key FROM twilio_webhooks ORDER BY 1`)).rows.map((r) => r.replay_key),
  lookups: (await db.pool.query(`SELECT phone_hash FROM number_lookup_cache ORDER BY 1`)).rows.map((r) => r.phone_hash),
  audit: (await db.pool.query(`SELECT reason FROM access_audit ORDER BY 1`)).rows.map((r) => r.reason),
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function cli(args: string[]): Promise<any> {
  const r = await runCli(['privacy', 'retention', ...args], env, 120_000);
  if (r.code !== 0) throw new Error(`reachloop privacy retention ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
const rowsOf = (report: { kinds: Array<{ kind: string; rows: number }> }) => Object.fromEntries(report.kinds.map((k) => [k.kind, k.rows]));

describe('reachloop privacy retention', () => {
  it('--dry-run counts what is past its period and changes nothing', async () => {
    const before = await snapshot();
    const dry = await cli(['--dry-run', '--json']);
    expect(dry.dryRun).toBe(true);
    expect(rowsOf(dry)).toEqual({ importRejectsRaw: 2, eventImportRejectsRaw: 2, importWarnings: 2, eventImportWarnings: 2, events: 2, unmatchedEvents: 2, sendAttempts: 2, twilioWebhooks: 2, lookupCache: 2, accessAudit: 2 });
    expect(await snapshot()).toEqual(before);
  });

  it('purges only rows older than their period, in batches; rejected lines keep number and reason; a second run purges nothing', async () => {
    const report = await cli(['--batch-size', '2', '--json']);
    expect(report.total).toBe(20);
    expect(rowsOf(report).importRejectsRaw).toBe(2);
    const after = await snapshot();
    expect(after.importRejects).toEqual([
      { line_no: 2, reason: 'invalid_phone', raw: '' },
      { line_no: 3, reason: 'invalid_phone', raw: '' },
      { line_no: 2, reason: 'invalid_phone', raw: 'new raw 2' },
    ]);
    expect(after.eventImportRejects.map((r) => r.raw)).toEqual(['', '', 'new raw 2']);
    expect(after.importWarnings).toBe(1);
    expect(after.eventImportWarnings).toBe(1);
    expect(after.events).toEqual(['c-new-0', 'u-new-0']);
    expect(after.sendAttempts).toEqual(['live', 's-new-0']);
    expect(after.ledger).toEqual([{ state: 'delivered', attempt_id: null }]); // the ledger row stays
    expect(after.webhooks).toEqual(['k-new-0']);
    expect(after.lookups).toEqual(['lk-new-0']);
    expect(after.audit).toEqual(['new read']);
    const again = await cli(['--json']);
    expect(again.total).toBe(0);
  });

  it('creates, updates and deletes its schedule', async () => {
    const created = await cli(['--cron', '30 3 * * *', '--tz', 'Europe/Berlin', '--json']);
    expect(created).toMatchObject({ scheduleId: retentionScheduleId(), created: true, every: '30 3 * * * (Europe/Berlin)' });
    const handle = client.schedule.getHandle(retentionScheduleId());
    try {
      const d = await handle.describe();
      expect(d.spec.timezone).toBe('Europe/Berlin');
      expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'retentionWorkflow', taskQueue: worker.taskQueue });
      expect((d.action as { args: RetentionInput[] }).args[0]).toEqual({ batchSize: 5000, dryRun: false });
      const updated = await cli(['--schedule', 'every 1d', '--json']);
      expect(updated).toMatchObject({ created: false, every: '1d' });
      await handle.trigger();
      await expect.poll(async () => (await handle.describe()).info.recentActions.length, { timeout: 20_000 }).toBeGreaterThan(0);
      const run = (await handle.describe()).info.recentActions[0]!.action.workflow;
      expect(await client.workflow.getHandle(run.workflowId, run.firstExecutionRunId).result()).toMatchObject({ dryRun: false, total: 0 });
    } finally {
      expect(await cli(['--unschedule', '--json'])).toEqual({ scheduleId: retentionScheduleId(), deleted: true });
    }
  });

  it('refuses bad options with a usage error', async () => {
    for (const args of [['--schedule', '1m'], ['--dry-run', '--schedule', '1d'], ['--tz', 'Europe/Berlin'], ['--batch-size', '0'], ['--cron', 'often']]) {
      const r = await runCli(['privacy', 'retention', ...args], env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }
  });
});
