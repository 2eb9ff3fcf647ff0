/**
 * The fault suite (issue 19): on a stack of separate processes (bench/faults/parts.ts), one
 * marketing SMS campaign per fault, each to an audience of its own inside its send window now
 * (bench/campaign-seed.ts), rate-limited and in lanes as a user launches it (`reachloop campaign
 * launch`). A fault hits once a share of the audience has been attempted; when the campaign has
 * ended and every status callback has been made, every message the sandbox accepted is counted
 * against the ledger (bench/faults/count.ts). Used by bench/faults.ts and test/faults.test.ts.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createPool, type Pool } from '../../db/pool';
import { connectClient } from '../../infra/temporal';
import type { SandboxMessage } from '../../sandbox/twilio-server';
import type { CampaignStatus } from '../../workflows/messages/campaign';
import { seedCampaignAudience, type SeedReport } from '../campaign-seed';
import { callbacksSettled, countCampaign, type FaultCounts } from './count';
import { startFaultStack, type FaultStack, type UnexpectedExit } from './parts';

export const FAULTS = {
  'worker-kill': 'SIGKILL the worker, start a new one',
  'temporal-restart': 'stop the Temporal server, start it again on the same database file after the downtime',
  'postgres-restart': 'fast shutdown of PostgreSQL, start it again on the same data folder after the downtime',
  'serve-restart': 'stop the HTTP server (SIGTERM), start it again after its downtime',
  'drop-responses': 'the sandbox accepts the next messages but loses their HTTP responses (half: the connection is reset; the other half: no answer, the client times out)',
} as const;
export type FaultName = keyof typeof FAULTS;
export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

export interface SuiteOptions {
  /** Recipients per fault (each fault's campaign has an audience of its own). */
  recipients: number;
  /** The campaign's rateLimit.sms, messages per second. */
  rate: number;
  lanes: number;
  batchSize: number;
  faults: readonly FaultName[];
  /** How long Temporal and PostgreSQL stay down. */
  downtimeMs: number;
  /**
   * How long the HTTP server stays down: longer than the provider tries a status callback again
   * (the sandbox: 6 tries over about 15 s), some outcomes only `reachloop ledger sweep` recovers.
   */
  serveDowntimeMs: number;
  /**
   * How many responses the sandbox loses, one after the other from the moment the fault hits (a
   * count rather than a time, so that the same blip hits whatever the rate).
   */
  dropResponses: number;
  /** The fault hits once this share of the audience has a ledger row sent or further (delivered, by its callback). */
  injectAt: number;
  /** Waited after the callbacks settled before counting. */
  settleMs: number;
  /**
   * When rows are left in `sent` or a message's final status is not in the ledger: run
   * `reachloop ledger sweep --older-than 0s` once, as its schedule would after SENT_SWEEP_AFTER,
   * and count again (the counts before it are kept in beforeSweep).
   */
  sweep: boolean;
  /** A campaign not ended by then is terminated and counted as it stands. */
  runTimeoutMs: number;
  temporalCliPath?: string;
  /** More environment for the reachloop processes (e.g. SEND_LEASE). */
  env?: NodeJS.ProcessEnv;
  /** Keep the stack's folder (data, logs) instead of deleting it. */
  keep?: boolean;
  log?: (line: string) => void;
}

export interface FaultRun {
  fault: FaultName;
  what: string;
  campaignId: number;
  /** completed | cancelled | failed | timed out */
  endedAs: string;
  /** Why it failed, or how long it was waited for. */
  endDetail?: string;
  /** Ledger rows sent or further when the fault hit (null: the campaign ended first). */
  injectedAfter: number | null;
  faultSeconds: number;
  launchToEndSeconds: number;
  counts: FaultCounts;
  /** The counts before `reachloop ledger sweep` ran, and what it reported (absent: it was not needed or not asked for). */
  beforeSweep?: FaultCounts;
  sweepReport?: unknown;
  /** What `reachloop campaign status` says at the end: its counts must be the sandbox's and the database's. */
  status: { byState: Record<string, number>; duplicates: number } | null;
  /** Parts that exited during this run without being asked to. */
  unexpectedExits: UnexpectedExit[];
}

export interface SuiteResult {
  seed: Pick<SeedReport, 'contacts' | 'at' | 'countries' | 'timeZones' | 'multiZone'>;
  runs: FaultRun[];
  /** Where the data and logs are, when kept. */
  dir: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => Number((ms / 1000).toFixed(1));

async function inject(fault: FaultName, stack: FaultStack, o: SuiteOptions): Promise<void> {
  switch (fault) {
    case 'worker-kill':
      await stack.worker.stop('SIGKILL');
      return stack.worker.start();
    case 'temporal-restart':
      await stack.temporal.stop();
      await sleep(o.downtimeMs);
      return stack.temporal.start();
    case 'postgres-restart':
      await stack.postgres.stop();
      await sleep(o.downtimeMs);
      return stack.postgres.start();
    case 'serve-restart':
      await stack.serve.stop('SIGTERM');
      await sleep(o.serveDowntimeMs);
      return stack.serve.start();
    case 'drop-responses': {
      const reset = Math.ceil(o.dropResponses / 2);
      const hang = o.dropResponses - reset;
      // The sandbox's rules apply in order and each is used up after `times` messages.
      await stack.admin.setRules([{ loseResponse: 'reset', times: reset }, ...(hang ? [{ loseResponse: 'hang' as const, times: hang }] : [])]);
    }
  }
}

/** Starts the stack, seeds one audience per fault, runs the faults one after the other. */
export async function runFaultSuite(o: SuiteOptions): Promise<SuiteResult> {
  const log = o.log ?? (() => {});
  const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-faults-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as the postgres user when we are root
  let stack: FaultStack | undefined;
  let pool: Pool | undefined;
  let client: Client | undefined;
  try {
    stack = await startFaultStack(dir, { ...(o.temporalCliPath ? { temporalCliPath: o.temporalCliPath } : {}), ...(o.env ? { env: o.env } : {}), log });
    pool = createPool(stack.databaseUrl, 3);
    const seed = await seedCampaignAudience(pool, o.faults.map((f, i) => ({ count: o.recipients, tag: tagOf(i, f) })), new Date());
    log(`seeded ${seed.contacts} contacts in ${seed.seconds.toFixed(1)} s: ${Object.entries(seed.countries).map(([c, n]) => `${c} ${n}`).join(', ')}`);
    client = await connectClient(stack.temporalAddress, 'default');
    const runs: FaultRun[] = [];
    for (const [i, fault] of o.faults.entries()) runs.push(await runOne(stack, pool, client, fault, tagOf(i, fault), dir, o, log));
    return { seed: { contacts: seed.contacts, at: seed.at, countries: seed.countries, timeZones: seed.timeZones, multiZone: seed.multiZone }, runs, dir: o.keep ? dir : null };
  } finally {
    await client?.connection.close().catch(() => {});
    await pool?.end().catch(() => {});
    await stack?.stop();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

const tagOf = (i: number, fault: FaultName) => `fault-${i + 1}-${fault}`;

async function runOne(stack: FaultStack, pool: Pool, client: Client, fault: FaultName, tag: string, dir: string, o: SuiteOptions, log: (line: string) => void): Promise<FaultRun> {
  // Whatever an earlier fault left dead is started again (its exit was recorded there).
  for (const part of [stack.postgres, stack.temporal, stack.sandbox, stack.worker, stack.serve]) if (!part.running()) await part.start();
  await stack.admin.setRules([]);
  await stack.admin.clear();
  const exitsBefore = stack.unexpectedExits.length;
  const file = path.join(dir, `${tag}.json`);
  writeFileSync(file, JSON.stringify(campaignFile(tag, o.rate)));
  const launched = (await stack.cli(['campaign', 'launch', file, '--lanes', String(o.lanes), '--batch-size', String(o.batchSize)])) as { id: number; workflowId: string };
  const started = performance.now();
  log(`${fault}: campaign ${launched.id} launched to ${o.recipients} recipients at ${o.rate}/s`);

  const ended = waitForEnd(client, launched.workflowId, o.runTimeoutMs);
  let injectedAfter: number | null = null;
  let faultMs = 0;
  const threshold = Math.max(1, Math.floor(o.recipients * o.injectAt));
  for (;;) {
    // A batch marks all its rows `sending` before its first call and records them `sent` after its
    // last, but each status callback moves its row (by the ledger id in its URL) as it comes.
    const sent = await pool
      .query<{ n: number }>(`SELECT count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 AND state NOT IN ('reserved', 'sending')`, [launched.id])
      .then((r) => r.rows[0]!.n, () => 0);
    if (sent >= threshold) {
      injectedAfter = sent;
      log(`${fault}: ${sent} sent; ${FAULTS[fault]}`);
      const t0 = performance.now();
      await inject(fault, stack, o);
      faultMs = performance.now() - t0;
      log(`${fault}: done in ${secs(faultMs)} s`);
      break;
    }
    if (ended.done) break;
    await sleep(200);
  }
  const end = await ended.promise;
  const launchToEndMs = performance.now() - started;
  log(`${fault}: campaign ${end.endedAs}${end.endDetail ? ` (${end.endDetail})` : ''} after ${secs(launchToEndMs)} s`);

  let messages = await settle(stack, pool, launched.id, o.settleMs);
  let counts = await countCampaign(pool, launched.id, messages);
  let swept: Pick<FaultRun, 'beforeSweep' | 'sweepReport'> = {};
  if (o.sweep && (counts.stuckInSent > 0 || counts.callbacksNotApplied > 0)) {
    log(`${fault}: ${counts.stuckInSent} rows in sent, ${counts.callbacksNotApplied} outcomes not in the ledger: reachloop ledger sweep --older-than 0s`);
    const sweepReport = await stack.cli(['ledger', 'sweep', '--older-than', '0s']);
    swept = { beforeSweep: counts, sweepReport };
    messages = await stack.admin.messages({ direction: 'outbound-api' });
    counts = await countCampaign(pool, launched.id, messages);
  }
  return {
    fault,
    what: FAULTS[fault],
    campaignId: launched.id,
    endedAs: end.endedAs,
    ...(end.endDetail ? { endDetail: end.endDetail } : {}),
    injectedAfter,
    faultSeconds: secs(faultMs),
    launchToEndSeconds: secs(launchToEndMs),
    counts,
    ...swept,
    status: await stack.cli(['campaign', 'status', String(launched.id)]).then(
      (s) => {
        const v = s as { byState: Record<string, number>; duplicates?: number };
        return { byState: v.byState, duplicates: v.duplicates ?? 0 };
      },
      (err) => {
        log(`${fault}: campaign status failed: ${(err as Error).message}`);
        return null;
      },
    ),
    unexpectedExits: stack.unexpectedExits.slice(exitsBefore),
  };
}

/** A marketing SMS campaign to the tag's contacts under the contact policy, with an hour's deadline. */
function campaignFile(tag: string, rate: number) {
  return {
    name: `faults ${tag}`,
    category: 'marketing',
    brand: 'RL Faults',
    audience: { tiers: ['A'], tags: [tag] },
    channels: { A: 'sms' },
    templates: { sms: { en: '{{brand}}: hi {{name}}, our winter sale starts today, 20% off everything.', zh: '{{brand}}：{{name}}您好，冬季特卖今天开始，全场八折。' } },
    rateLimit: { sms: rate },
    deadline: new Date(Date.now() + 3_600_000).toISOString(),
  };
}

/** The workflow's result, waited for across Temporal's downtime; terminated past the timeout. */
function waitForEnd(client: Client, workflowId: string, timeoutMs: number) {
  const state = { done: false, promise: undefined as unknown as Promise<{ endedAs: string; endDetail?: string; status: CampaignStatus | null }> };
  state.promise = (async () => {
    const deadline = Date.now() + timeoutMs;
    try {
      while (Date.now() < deadline) {
        try {
          const status = (await Promise.race([client.workflow.getHandle(workflowId).result(), sleep(deadline - Date.now()).then(() => null)])) as CampaignStatus | null;
          if (status) return { endedAs: status.phase, status };
        } catch (err) {
          const name = (err as Error).name;
          if (name === 'WorkflowFailedError') return { endedAs: 'failed', endDetail: (err as Error).message, status: null };
          await sleep(1_000); // the server is down: ask again
        }
      }
      await client.workflow.getHandle(workflowId).terminate('fault suite: run timed out').catch(() => {});
      return { endedAs: 'timed out', endDetail: `not ended ${secs(timeoutMs)} s after launch: terminated`, status: null };
    } finally {
      state.done = true;
    }
  })();
  return state;
}

/**
 * Waits until every message the sandbox accepted has made its final status callback and nothing
 * new arrived for two seconds, then until the ledger stops changing, then `extraMs`.
 */
async function settle(stack: FaultStack, pool: Pool, campaignId: number, extraMs: number): Promise<SandboxMessage[]> {
  const deadline = Date.now() + 120_000;
  let last = -1;
  let messages: SandboxMessage[] = [];
  for (;;) {
    messages = await stack.admin.messages({ direction: 'outbound-api' });
    if ((messages.length === last && callbacksSettled(messages)) || Date.now() > deadline) break;
    last = messages.length;
    await sleep(2_000);
  }
  let before = '';
  for (let i = 0; i < 30; i++) {
    const { rows } = await pool.query('SELECT state, count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 GROUP BY 1 ORDER BY 1', [campaignId]);
    const now = JSON.stringify(rows);
    if (now === before) break;
    before = now;
    await sleep(1_000);
  }
  if (extraMs > 0) {
    await sleep(extraMs);
    messages = await stack.admin.messages({ direction: 'outbound-api' });
  }
  return messages;
}
