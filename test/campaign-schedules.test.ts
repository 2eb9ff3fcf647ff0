import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { campaignScheduleId } from '../workflows/ids';
import { scheduledTimeOf } from '../workflows/scheduled-campaign';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, runCli, startTestWorker, temporalClient, type TestDatabase, type TestWorker } from './helpers/harness';
import { numbersOpenAt } from './helpers/open-numbers';

// Issue 16: win-back on Temporal Schedules. A weekly calendar in New York across the end of DST
// (2026-11-01): Temporal's own matching times, two runs made by a backfill over them (each one
// campaign, the second held by the series cooldown), the same times again (no new campaign), a
// trigger (a new campaign that sends nobody twice), pause and delete through the CLI.

const CLOCK = new Date('2026-11-04T15:00:00Z'); // the worker's clock: recipients open, no holiday
let db: TestDatabase;
let worker: TestWorker;
let client: Client;
let env: Record<string, string>;
let dir: string;
let phones: string[];
let recent: number;
let scheduleId: string;

beforeAll(async () => {
  db = await isolatedDatabase();
  worker = await startTestWorker(defaultActivityDeps(db.pool, { now: () => CLOCK }));
  client = await temporalClient();
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue };
  dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-schedules-'));
  phones = numbersOpenAt(CLOCK, 4, 8100);
  const ids = await seedContacts(db.pool, phones.map((phone) => ({ phone, tier: 'A' as const })));
  // Three lapsed customers (last order 100 days ago) and one recent buyer (10 days): only the lapsed are won back.
  await db.pool.query(`UPDATE contacts SET last_order_at = $2::timestamptz - interval '100 days' WHERE id = ANY($1::bigint[])`, [ids.slice(0, 3), CLOCK]);
  await db.pool.query(`UPDATE contacts SET last_order_at = $2::timestamptz - interval '10 days' WHERE id = $1`, [ids[3], CLOCK]);
  recent = ids[3]!;
});
afterAll(async () => {
  if (scheduleId) await client?.schedule.getHandle(scheduleId).delete().catch(() => {});
  await worker?.stop();
  await client?.connection.close();
  await db?.drop();
});

const campaignsOfSeries = async (templateId: number) =>
  (await db.pool.query(`SELECT id, run_key, scheduled_for, status, name, definition ->> 'name' AS definition_name FROM campaigns WHERE template_id = $1 ORDER BY scheduled_for`, [templateId])).rows;
const sendsPerContact = async () =>
  (await db.pool.query(`SELECT contact_id, count(*)::int AS n FROM send_ledger WHERE category = 'marketing' AND state <> 'released' GROUP BY contact_id`)).rows;

describe('win-back on a Temporal Schedule', () => {
  it('weekly at 10:00 New York across the end of DST: one campaign per scheduled time, caps and the series cooldown hold', async () => {
    const file = path.join(dir, 'winback.yaml');
    writeFileSync(
      file,
      [
        'name: winback',
        'category: marketing',
        'audience:',
        '  tiers: [A, B]',
        '  lastOrder: { olderThanDays: 60, withinDays: 180 }',
        '  seriesCooldownDays: 30',
        'channels: { A: sms, B: sms }',
        'templates:',
        '  sms: { en: "We miss you at {{brand}}: 10% off this week" }',
      ].join('\n'),
    );
    const bad = await runCli(['winback', 'schedule', file, '--cron', '0 10 * *', '--tz', 'America/New_York'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--cron must have five fields/);
    expect((await runCli(['winback', 'schedule', file, '--cron', '0 10 * * MON', '--tz', 'Mars/Olympus'], env)).stderr).toMatch(/--tz must be an IANA time zone/);

    const made = await runCli(['winback', 'schedule', file, '--cron', '0 10 * * MON', '--tz', 'America/New_York', '--json'], env);
    expect(made.code, made.stderr).toBe(0);
    const view = JSON.parse(made.stdout);
    scheduleId = view.scheduleId;
    const templateId: number = view.templateId;
    expect(scheduleId).toBe(campaignScheduleId(templateId));
    expect(view.timeZone).toBe('America/New_York');
    expect(view.nextRuns.length).toBeGreaterThan(0);
    for (const r of view.nextRuns) expect(r.local).toMatch(/^Mon \d{4}-\d{2}-\d{2} 10:00 E[SD]T$/);

    // Temporal's calendar in the zone: 10:00 EDT is 14:00 UTC, 10:00 EST (after 1 November) 15:00 UTC.
    // protobufjs takes a plain number where its types say Long.
    const seconds = (iso: string) => (Date.parse(iso) / 1000) as never;
    const matching = await client.workflowService.listScheduleMatchingTimes({
      namespace: 'default',
      scheduleId,
      startTime: { seconds: seconds('2026-10-19T00:00:00Z') },
      endTime: { seconds: seconds('2026-11-03T00:00:00Z') },
    });
    expect((matching.startTime ?? []).map((t) => new Date(Number(t.seconds) * 1000).toISOString())).toEqual(['2026-10-19T14:00:00.000Z', '2026-10-26T14:00:00.000Z', '2026-11-02T15:00:00.000Z']);

    // The two runs on either side of the change, as a catch-up makes them: one after the other.
    const handle = client.schedule.getHandle(scheduleId);
    await handle.backfill([{ start: new Date('2026-10-25T00:00:00Z'), end: new Date('2026-11-03T00:00:00Z'), overlap: ScheduleOverlapPolicy.BUFFER_ALL }]);
    await expect.poll(async () => (await campaignsOfSeries(templateId)).map((c) => c.status), { timeout: 60_000, interval: 250 }).toEqual(['completed', 'completed']);
    const runs = await campaignsOfSeries(templateId);
    expect(runs.map((c) => c.scheduled_for.toISOString())).toEqual(['2026-10-26T14:00:00.000Z', '2026-11-02T15:00:00.000Z']);
    expect(runs.map((c) => scheduledTimeOf(c.run_key))).toEqual(['2026-10-26T14:00:00Z', '2026-11-02T15:00:00Z']);
    // Each run is named after the template and its scheduled time in UTC, in the row and in its definition.
    expect(runs.map((c) => [c.name, c.definition_name])).toEqual([['winback 2026-10-26T14:00Z', 'winback 2026-10-26T14:00Z'], ['winback 2026-11-02T15:00Z', 'winback 2026-11-02T15:00Z']]);
    // The lapsed three got one win-back each; the recent buyer none; the second run planned nobody (cooldown).
    let sends = await sendsPerContact();
    expect(sends.map((r) => r.n)).toEqual([1, 1, 1]);
    expect(sends.map((r) => Number(r.contact_id))).not.toContain(recent);
    const planned = async (id: number) => (await db.pool.query(`SELECT count(*)::int AS n FROM campaign_recipients WHERE campaign_id = $1`, [id])).rows[0].n;
    expect([await planned(runs[0].id), await planned(runs[1].id)]).toEqual([3, 0]);

    // The same times again: the workflows find their campaigns and run nothing.
    await handle.backfill([{ start: new Date('2026-10-25T00:00:00Z'), end: new Date('2026-11-03T00:00:00Z'), overlap: ScheduleOverlapPolicy.BUFFER_ALL }]);
    await expect.poll(async () => (await handle.describe()).info.recentActions.length, { timeout: 30_000, interval: 250 }).toBeGreaterThanOrEqual(4);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await campaignsOfSeries(templateId)).length).toBe(2);

    // A trigger is its own time: a third campaign, which messages nobody a second time.
    const trig = await runCli(['schedule', 'trigger', scheduleId], env);
    expect(trig.code, trig.stderr).toBe(0);
    await expect.poll(async () => (await campaignsOfSeries(templateId)).filter((c) => c.status === 'completed').length, { timeout: 60_000, interval: 250 }).toBe(3);
    sends = await sendsPerContact();
    expect(sends.map((r) => r.n)).toEqual([1, 1, 1]);
  });

  it('list, describe, pause and unpause through the CLI; an unknown schedule is one clear line', async () => {
    const list = await runCli(['schedule', 'list', '--json'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).map((s: { scheduleId: string }) => s.scheduleId)).toContain(scheduleId);
    const paused = await runCli(['schedule', 'pause', scheduleId, '--note', 'holiday freeze', '--json'], env);
    expect(JSON.parse(paused.stdout)).toMatchObject({ scheduleId, paused: true, note: 'holiday freeze' });
    const text = await runCli(['schedule', 'describe', scheduleId], env);
    expect(text.stdout).toMatch(/PAUSED/);
    expect(text.stdout).toMatch(/calendar 0 10 \* \* MONDAY \(America\/New_York\)/);
    expect(JSON.parse((await runCli(['schedule', 'unpause', scheduleId, '--json'], env)).stdout).paused).toBe(false);
    const missing = await runCli(['schedule', 'describe', 'no-such-schedule'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toEqual(['error: no schedule "no-such-schedule"; see `reachloop schedule list`']);
  });
});
