/**
 * How the score policy tiers a brand's first real import (issue 20): a generated CRM-like export
 * of 100,000 customers and its year of events (bench/crm-file.ts, deterministic for the seed)
 * imported as a new user would, with `reachloop audience import` and `reachloop events import`
 * as separate processes, then `reachloop audience tiers --json` and `--calibrate`. Records the
 * distribution after the file alone and after the events, each tier's score range and e-mail
 * reach, and the thresholds calibration would propose. Not a speed benchmark: durations are
 * printed for orientation only.
 *
 * On a fresh embedded stack, with a worker in this process whose clock is pinned to the file's
 * as-of instant (recency does not drift with the day of the run) and whose carrier lookup (the
 * sandbox's, the only fake) reports the file's dead numbers as not in service.
 *
 * Run: npx tsx bench/crm-tiers.ts [rows, default 100000] [seed, default 20] [--no-record]
 */
import './run-keys';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultActivityDeps } from '../activities';
import { createSandboxLookup } from '../channels/sandbox-lookup';
import type { NumberStatus } from '../core/number-status';
import { CURRENT_SCORE_POLICY } from '../core/score-policy';
import { migrate } from '../db/migrate';
import { connectPool } from '../db/pool';
import { loadConfig } from '../infra/config';
import { projectRoot } from '../infra/paths';
import { startStack } from '../infra/stack';
import { connectWorkerConnection } from '../infra/temporal';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createWorker } from '../worker';
import { generateCrmFiles } from './crm-file';
import { record } from './record';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const rows = Number(args[0] ?? 100_000);
const seed = Number(args[1] ?? 20);
const AS_OF = new Date('2026-11-25T12:00:00Z');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'reachloop-crm-tiers-'));
chmodSync(scratch, 0o755);

console.error(`generating ${rows} customers and their events (seed ${seed}) ...`);
const files = await generateCrmFiles(path.join(scratch, 'crm'), rows, { seed, asOf: AS_OF });
console.error(JSON.stringify(files.summary));

const config = loadConfig({ REACHLOOP_STATE_DIR: path.join(scratch, 'state') });
const stack = await startStack(config);
const pool = await connectPool(stack.databaseUrl, 12);
await migrate(pool);
Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await connectWorkerConnection(stack.temporalAddress, config.temporal.namespace);
const lookup = createSandboxLookup(new Map<string, NumberStatus>(files.dead.map((e164) => [e164, 'empty'])));
const worker = await createWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, deps: defaultActivityDeps(pool, { lookup, now: () => AS_OF }) });
const running = worker.run();

const env = { ...process.env, TEMPORAL_ADDRESS: stack.temporalAddress, DATABASE_URL: stack.databaseUrl, REACHLOOP_STATE_DIR: config.stateDir, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, LOG_LEVEL: 'warn' };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function cli(...argv: string[]): Promise<any> {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'reachloop.mjs'), ...argv, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`reachloop ${argv.join(' ')} failed (${code}): ${stderr}`);
  console.error(`reachloop ${argv.slice(0, 2).join(' ')}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return JSON.parse(stdout);
}

try {
  const contacts = await cli('audience', 'import', files.contacts, '--no-progress', '--source', 'crm-export');
  const afterFile = (await cli('audience', 'tiers')).distribution;
  const events = await cli('events', 'import', files.events, '--no-progress');
  const report = await cli('audience', 'tiers', '--calibrate');
  const d = report.distribution;
  const c = report.calibration;
  const shares = (dist: typeof d) =>
    Object.fromEntries((['A', 'B', 'C', 'D'] as const).map((t) => [t, { count: dist.tiers[t].count, share: Number(((100 * dist.tiers[t].count) / dist.total).toFixed(1)) }]));
  const figures = {
    rows,
    seed,
    asOf: AS_OF.toISOString(),
    policy: CURRENT_SCORE_POLICY.version,
    file: files.summary,
    import: { accepted: contacts.accepted, rejected: contacts.rejected, rejectedByReason: contacts.rejectedByReason, contacts: contacts.contacts, quarantined: contacts.quarantined },
    tiersAfterFileAlone: shares(afterFile),
    events: { read: events.read, stored: events.stored, rejected: events.rejected, unmatched: events.unmatched, contactsRescored: events.contactsRescored, tierChanges: events.tierChanges },
    tiers: shares(d),
    scoreRanges: d.tiers,
    calibration: { version: c.version, shares: c.basedOn.shares, contacts: c.basedOn.contacts, thresholds: c.thresholds, byScoreAlone: c.byScoreAlone },
  };
  if (process.argv.includes('--no-record')) console.log(JSON.stringify(figures, null, 2));
  else record('crm-tiers', figures);
} finally {
  worker.shutdown();
  await running.catch(() => {});
  await connection.close();
  await pool.end();
  await stack.stop();
  rmSync(scratch, { recursive: true, force: true });
}
