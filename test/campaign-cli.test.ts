import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { createSandboxSmsSender } from '../channels/sandbox-sms';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, runCli, startTestWorker, type TestDatabase, type TestWorker } from './helpers/harness';

// The operator's commands as a user runs them (`reachloop campaign ...` child processes) against
// a real worker, Temporal and PostgreSQL: create, launch, status from the database's truth,
// decisions with the rule, approve, pause, resume, status --watch, report, cancel.

const NOW = new Date('2026-11-18T15:00:00Z'); // Wednesday 10:00 in New York: inside every window
const PHONES = ['+12125550301', '+12125550302', '+12125550303'];

let db: TestDatabase;
let worker: TestWorker;
let env: Record<string, string>;
const sms = createSandboxSmsSender();
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-campaign-cli-'));

beforeAll(async () => {
  db = await isolatedDatabase();
  worker = await startTestWorker(defaultActivityDeps(db.pool, { sms, now: () => NOW }));
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue };
  await seedContacts(db.pool, PHONES.map((phone) => ({ phone, name: 'Sam' })));
});

afterAll(async () => {
  await worker?.stop();
  await db?.drop();
});

function campaignFile(name: string, extra = ''): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\ncategory: marketing\nbrand: Acme\nchannels: { A: sms, B: sms, C: sms }\nfallback: false\ntemplates:\n  sms: { en: "Hi {{name}}, 20% off at {{brand}}." }\n${extra}`);
  return file;
}

async function cli(args: string[]) {
  const r = await runCli(args, env, 120_000);
  if (r.code !== 0) throw new Error(`reachloop ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

async function statusUntil(id: number, done: (s: { phase: string }) => boolean) {
  for (let i = 0; i < 120; i++) {
    const s = JSON.parse((await cli(['campaign', 'status', String(id), '--json'])).stdout);
    if (done(s)) return s;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`campaign ${id} did not get there`);
}

describe('reachloop campaign, as an operator runs it', () => {
  it('create -> launch -> status (counts from the database) -> decisions', async () => {
    const created = JSON.parse((await cli(['campaign', 'create', campaignFile('plain'), '--json'])).stdout);
    expect(created).toMatchObject({ name: 'plain', category: 'marketing', clamped: [] });
    const launched = JSON.parse((await cli(['campaign', 'launch', String(created.id), '--json'])).stdout);
    expect(launched.workflowId).toBe(`campaign-${created.id}`);
    const status = await statusUntil(created.id, (s) => s.phase === 'completed');
    expect(status.planned).toBe(3);
    expect(status.byState).toEqual({ sent: 3 });
    const human = await cli(['campaign', 'status', String(created.id)]);
    expect(human.stdout).toMatch(/by state\s+sent 3/);
    const decisions = JSON.parse((await cli(['campaign', 'decisions', String(created.id), '--json'])).stdout);
    expect(decisions.map((d: { decision: string }) => d.decision)).toEqual(['SEND', 'SEND', 'SEND']);
  });

  it('a second campaign the same day is held by the policy caps; decisions --rule filters by the rule', async () => {
    const created = JSON.parse((await cli(['campaign', 'create', campaignFile('again', 'deadline: 2026-11-18T17:00:00Z\n'), '--json'])).stdout);
    await cli(['campaign', 'launch', String(created.id)]);
    const status = await statusUntil(created.id, (s) => s.phase === 'completed');
    expect(status.byState).toEqual({ skipped: 3 });
    const held = JSON.parse((await cli(['campaign', 'decisions', String(created.id), '--rule', 'cap:tier-cadence-A', '--json'])).stdout);
    expect(held).toHaveLength(3);
    expect(held[0]).toMatchObject({ decision: 'SKIP', reason: 'deadline_passed', rule: 'cap:tier-cadence-A' });
    const human = await cli(['campaign', 'decisions', String(created.id)]);
    expect(human.stdout).toContain('cap:tier-cadence-A');
  });

  it('a campaign that needs approval waits for `campaign approve`; one cancelled never sends', async () => {
    const gated = JSON.parse((await cli(['campaign', 'launch', campaignFile('gated', 'requireApproval: true\naudience: { limit: 1 }\ndeadline: 2026-11-18T17:00:00Z\n'), '--json'])).stdout);
    expect(gated.requireApproval).toBe(true);
    await statusUntil(gated.id, (s) => s.phase === 'awaiting_approval');
    const approved = JSON.parse((await cli(['campaign', 'approve', String(gated.id), '--by', 'ops-lead', '--json'])).stdout);
    expect(approved.approvedBy).toBe('ops-lead');
    await statusUntil(gated.id, (s) => s.phase === 'completed');

    const sentBefore = sms.sent().length;
    const later = JSON.parse((await cli(['campaign', 'launch', campaignFile('later', 'startAt: 2026-11-18T16:30:00Z\ndeadline: 2026-11-18T17:00:00Z\n'), '--json'])).stdout);
    await statusUntil(later.id, (s) => s.phase === 'scheduled');
    await cli(['campaign', 'cancel', String(later.id), '--reason', 'wrong audience']);
    const status = await statusUntil(later.id, (s) => s.phase === 'cancelled');
    expect(status.cancelReason).toBe('wrong audience');
    expect(sms.sent().length).toBe(sentBefore);
  });

  it('pause holds an approved campaign, resume finishes it; status --watch follows it to the end with progress; report counts it', async () => {
    // Two contacts nobody has messaged yet (the ones above are capped for the day).
    const fresh = await seedContacts(db.pool, [{ phone: '+12125550311', name: 'Pat' }, { phone: '+12125550312', name: 'Kim' }]);
    const sentBefore = sms.sent().length;
    const file = campaignFile('paused', `requireApproval: true\naudience: { contactIds: [${fresh.join(', ')}] }\n`);
    const { id } = JSON.parse((await cli(['campaign', 'launch', file, '--json'])).stdout);
    await statusUntil(id, (s) => s.phase === 'awaiting_approval');

    const paused = JSON.parse((await cli(['campaign', 'pause', String(id), '--json'])).stdout);
    expect(paused.paused).toBe(true);
    await cli(['campaign', 'approve', String(id), '--by', 'ops-lead']);
    // Approved while paused: it plans, then holds every send.
    const held = await statusUntil(id, (s) => s.phase === 'paused');
    expect(held).toMatchObject({ approvedBy: 'ops-lead', paused: true });
    expect(held.byState.sent ?? 0).toBe(0);
    expect(sms.sent().length).toBe(sentBefore);

    // A watcher started on the paused campaign runs until the campaign ends.
    let watchEnded = false;
    const watching = runCli(['campaign', 'status', String(id), '--watch'], env, 120_000).then((r) => ((watchEnded = true), r));
    await new Promise((r) => setTimeout(r, 2_500));
    expect(watchEnded).toBe(false);
    expect(sms.sent().length).toBe(sentBefore);

    const resumed = await runCli(['campaign', 'resume', String(id)], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`^campaign ${id}: resume sent; now \\w+`));
    const watched = await watching;
    expect(watched.code, watched.stderr).toBe(0);
    // The final status on stdout; on stderr (not a terminal: no bar) a line per change of progress.
    expect(watched.stdout).toMatch(new RegExp(`^campaign ${id} paused \\(marketing\\): completed$`, 'm'));
    expect(watched.stdout).toMatch(/by state\s+sent 2/);
    const progress = watched.stderr.trim().split('\n');
    expect(progress[0]).toMatch(/^paused \(paused\): 0\/2 recipients done/);
    expect(progress.at(-1)).toBe('completed: 2/2 recipients done (sent 2)');
    expect(sms.sent().length).toBe(sentBefore + 2);

    // A finished campaign: --watch returns at once; --json keeps stderr clean for scripts.
    const again = await runCli(['campaign', 'status', String(id), '--watch', '--json'], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
    expect(JSON.parse(again.stdout)).toMatchObject({ phase: 'completed', byState: { sent: 2 } });

    const report = JSON.parse((await cli(['campaign', 'report', String(id), '--json'])).stdout);
    expect(report.recipients).toEqual({ planned: 2, byState: { sent: 2 } });
    expect(report.funnel).toMatchObject({ sent: 2, messages: 2 });
    expect(report.decisions).toEqual([{ decision: 'SEND', reason: 'ok', rule: null, decisions: 2, contacts: 2 }]);
    const text = await cli(['campaign', 'report', String(id)]);
    expect(text.stdout).toMatch(new RegExp(`^campaign ${id} paused \\(marketing\\): completed$`, 'm'));
  });

  it('refuses bad input with a usage error, and an unknown campaign with a one-line error', async () => {
    const usage = await runCli(['campaign', 'status', 'twelve'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim().split('\n')).toHaveLength(1);
    const missing = await runCli(['campaign', 'pause', '999999999999'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/999999999999/);
  });
});
