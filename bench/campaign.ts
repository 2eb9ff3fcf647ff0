/**
 * Campaign benchmark (issue 5, Performance): >= 3,000 sends/s sustained from workflow through
 * decision, cap reservation, ledger and channel to a local Twilio-shaped HTTP sink; 1,000,000
 * recipients with open windows planned and sent in < 6 minutes; <= 20 Temporal history events
 * per 1,000 recipients; worker RSS flat (< 500 MB) from 10k to 1M; and, side by side, a
 * one-workflow-per-recipient design on 10,000 recipients.
 *
 * On a fresh embedded stack: seeds the audience with COPY (tier A, SMS consent, a mix of
 * countries and zones), starts a Twilio-shaped HTTP sink in this process (bench/sink-tally.ts),
 * runs `reachloop worker --migrate` processes with SMS_PROVIDER=twilio pointed at it, launches
 * a marketing SMS campaign (window 00:00-24:00, no rate limit) with `reachloop campaign launch`,
 * and measures. Then a bench-only workflow (bench/per-recipient-workflow.ts, its own bundle,
 * task queue and worker processes) sends 10,000 other recipients one workflow each, through the
 * same dispatch activity and channel. Every message the sink received is checked: one per
 * recipient, no duplicates, or the benchmark fails.
 *
 * Run: npx tsx bench/campaign.ts [recipients, default 1000000] [--lanes 4] [--batch-size 1000]
 *        [--workers 2] [--per-recipient 10000 (0: skip)] [--cpu-prof DIR] [--no-record]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign, planRecipients, setCampaignStatus } from '../db/campaigns';
import { connectPool } from '../db/pool';
import { loadConfig } from '../infra/config';
import { projectRoot } from '../infra/paths';
import { startStack } from '../infra/stack';
import { connectClient } from '../infra/temporal';
import type { CampaignStatus } from '../workflows/shared';
import { campaignStatus } from '../workflows/shared';
import { seedCampaignAudience } from './campaign-seed';
import { startBenchSink } from './sink-tally';
import { commOf, cpuSeconds, descendants, machineBusySeconds, parentOf, peakRssMiB, rssMiB } from './proc';
import { record } from './record';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    lanes: { type: 'string', default: '4' },
    'batch-size': { type: 'string', default: '1000' },
    workers: { type: 'string', default: '2' },
    'per-recipient': { type: 'string', default: '10000' },
    'cpu-prof': { type: 'string' },
    'no-record': { type: 'boolean', default: false },
  },
});
const N = Number(positionals[0] ?? 1_000_000);
const lanes = Number(opts.lanes);
const batchSize = Number(opts['batch-size']);
const workerCount = Number(opts.workers);
const M = Number(opts['per-recipient']);
if (![N, lanes, batchSize, workerCount].every((n) => Number.isInteger(n) && n > 0) || !(Number.isInteger(M) && M >= 0))
  throw new Error('usage: bench/campaign.ts [recipients] [--lanes N] [--batch-size M] [--workers W] [--per-recipient R] [--cpu-prof DIR]');

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const secs = (ms: number) => Number((ms / 1000).toFixed(1));
const HEAP = '--max-old-space-size=320';
const FROM = '+15005550006';
const MAIN_BRAND = 'RL Batch';
const SINGLE_BRAND = 'RL Single';
const PER_RECIPIENT_QUEUE = 'reachloop-bench-per-recipient';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'reachloop-bench-campaign-'));
chmodSync(scratch, 0o755);
const loadAtStart = os.loadavg()[0]!;

/** Everything this run started, stopped on the way out even when a check fails. */
const children = new Set<ChildProcess>();
let stopStack: (() => Promise<void>) | undefined;
let stopSink: (() => Promise<void>) | undefined;
async function cleanup(): Promise<void> {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await stopSink?.().catch(() => {});
  await stopStack?.().catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
}

async function main(): Promise<void> {
  // --- the stack, the sink, the workers ---------------------------------------------------------
  const config = loadConfig({ REACHLOOP_STATE_DIR: path.join(scratch, 'state') });
  const stack = await startStack(config);
  stopStack = () => stack.stop();
  const authToken = randomBytes(16).toString('hex');
  const sink = await startBenchSink({ authToken, brands: [MAIN_BRAND, SINGLE_BRAND] });
  stopSink = () => sink.stop();
  const tally = sink;
  // The sink sends no status callbacks (sink-tally.ts); any that came would be counted here.
  let callbacks = 0;
  const callbackServer = createServer((req, res) => {
    callbacks++;
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => callbackServer.listen(0, '127.0.0.1', r));
  const callbackPort = (callbackServer.address() as { port: number }).port;

  const profDir = opts['cpu-prof'] ? path.resolve(opts['cpu-prof']) : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });
  const env = {
    ...process.env,
    NODE_OPTIONS: HEAP,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    DATABASE_URL: stack.databaseUrl,
    REACHLOOP_STATE_DIR: config.stateDir,
    LOG_LEVEL: 'warn',
    SMS_PROVIDER: 'twilio',
    TWILIO_API_BASE: sink.url,
    TWILIO_ACCOUNT_SID: sink.accountSid,
    TWILIO_AUTH_TOKEN: authToken,
    TWILIO_FROM: FROM,
    PUBLIC_BASE_URL: `http://127.0.0.1:${callbackPort}`,
  };
  const bin = path.join(projectRoot, 'bin', 'reachloop.mjs');

  async function startProcess(args: string[], ready: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), ...args], { env, stdio: ['ignore', 'ignore', 'pipe'], cwd: projectRoot });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (c) => {
        err += c;
        if (err.includes(ready)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)));
    });
    child.removeAllListeners('exit');
    // From here on whatever the process reports (warnings, failed activities) goes to our stderr.
    child.stderr!.removeAllListeners('data');
    child.stderr!.on('data', (c) => process.stderr.write(`[worker ${child.pid}] ${c}`));
    children.add(child);
    return child;
  }
  async function stopProcess(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  async function cli(args: string[]): Promise<any> {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    if (code !== 0) throw new Error(`reachloop ${args.join(' ')} failed (${code}): ${err}`);
    return JSON.parse(out);
  }

  log(`stack up (Temporal ${stack.temporalAddress}); starting ${workerCount} worker processes`);
  const workers: ChildProcess[] = [];
  for (let i = 0; i < workerCount; i++) workers.push(await startProcess([bin, 'worker', '--migrate'], 'worker running'));

  const pool = await connectPool(stack.databaseUrl, 4);
  log(`seeding ${N} + ${M} contacts with COPY ...`);
  const seeded = await seedCampaignAudience(pool, [
    { count: N, tag: 'bench-main' },
    ...(M ? [{ count: M, tag: 'bench-per-recipient' }] : []),
  ]);
  log(`seeded ${seeded.contacts} contacts in ${seeded.seconds.toFixed(1)} s (${seeded.timeZones} zones, ${seeded.multiZone} multi-zone numbers)`);

  const definition = (name: string, tag: string, brand: string) => ({
    name,
    category: 'marketing',
    brand,
    audience: { tiers: ['A'], tags: [tag] },
    channels: { A: 'sms' },
    templates: {
      sms: {
        en: '{{brand}}: hi {{name}}, our winter sale starts today, 20% off everything.',
        zh: '{{brand}}：{{name}}您好，冬季特卖今天开始，全场八折。',
      },
    },
    window: { start: '00:00', end: '24:00' },
    holidays: 'ignore',
  });

  // --- CPU accounting of this stack's processes --------------------------------------------------
  function cpuSnapshot() {
    const groups: Record<string, number> = { workers: 0, postgres: 0, temporal: 0, other: 0 };
    const workerPids = new Set([...workers, ...perRecipientWorkers].map((w) => w.pid));
    for (const pid of descendants(process.pid)) {
      const comm = commOf(pid);
      const g = workerPids.has(pid) ? 'workers' : comm === 'postgres' ? 'postgres' : comm === 'temporal' ? 'temporal' : 'other';
      // The postmaster also accounts for the backends it reaped (pool connections come and go).
      groups[g]! += cpuSeconds(pid, comm === 'postgres' && commOf(parentOf(pid)) !== 'postgres');
    }
    const self = process.cpuUsage();
    groups.benchAndSink = (self.user + self.system) / 1e6;
    groups.machine = machineBusySeconds();
    return groups;
  }
  const cpuDelta = (a: Record<string, number>, b: Record<string, number>, seconds: number) =>
    Object.fromEntries(Object.keys(b).map((k) => [k, Number(((b[k]! - (a[k] ?? 0)) / seconds).toFixed(2))]));
  let perRecipientWorkers: ChildProcess[] = [];

  // --- 1. the batch design: CampaignWorkflow -----------------------------------------------------
  const client: Client = await connectClient(stack.temporalAddress, config.temporal.namespace);
  const file = path.join(scratch, 'campaign.json');
  writeFileSync(file, JSON.stringify(definition(`bench ${N}`, 'bench-main', MAIN_BRAND)));
  const workerPeak = workers.map(() => 0);
  let rssAt10k: number[] | null = null;
  const rssSampler = setInterval(() => {
    workers.forEach((w, i) => {
      workerPeak[i] = Math.max(workerPeak[i]!, peakRssMiB(w.pid));
    });
    // Peak RSS of each worker up to the 10,000th message at the sink.
    if (rssAt10k === null && tally.total() >= Math.min(10_000, N)) rssAt10k = workers.map((w) => Math.round(peakRssMiB(w.pid)));
  }, 100);

  log(`launching: reachloop campaign launch --lanes ${lanes} --batch-size ${batchSize}`);
  const cpu0 = cpuSnapshot();
  const launchStarted = performance.now();
  const launched = await cli(['campaign', 'launch', file, '--lanes', String(lanes), '--batch-size', String(batchSize), '--json']);
  const handle = client.workflow.getHandle(launched.workflowId as string);
  let lastLog = 0;
  const progress = setInterval(async () => {
    const s: CampaignStatus | undefined = await handle.query(campaignStatus).catch(() => undefined);
    if (!s) return;
    const sent = s.byState.sent ?? 0;
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(`${s.phase}: ${sent} sent of ${s.planned ?? '?'} planned; worker RSS now ${workers.map((w) => Math.round(rssMiB(w.pid))).join('/')} MiB`);
    }
  }, 2000);
  const final = await handle.result();
  const launchToDoneMs = performance.now() - launchStarted;
  clearInterval(progress);
  const cpu1 = cpuSnapshot();
  clearInterval(rssSampler);
  workers.forEach((w, i) => (workerPeak[i] = Math.max(workerPeak[i]!, peakRssMiB(w.pid))));
  rssAt10k ??= workers.map((w) => Math.round(peakRssMiB(w.pid)));
  log(`campaign ${launched.id} ${final.phase} in ${secs(launchToDoneMs)} s: ${JSON.stringify(final.byState)}`);

  // History of every run of the chain (continue-as-new), newest first, walked back by workflow id.
  const tsMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(String(t.seconds ?? 0)) * 1000 + (t.nanos ?? 0) / 1e6 : 0);
  async function historyChain(workflowId: string) {
    const runs: Array<{ runId: string; events: number; startMs: number; endMs: number; plan?: { scheduledMs: number; completedMs: number } }> = [];
    let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
    while (runId) {
      const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
      const run: (typeof runs)[number] = { runId, events: events.length, startMs: tsMs(events[0]?.eventTime), endMs: tsMs(events.at(-1)?.eventTime) };
      const planEvent = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'planCampaign');
      if (planEvent) {
        const done = events.find((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '') === String(planEvent.eventId));
        if (done) run.plan = { scheduledMs: tsMs(planEvent.eventTime), completedMs: tsMs(done.eventTime) };
      }
      runs.unshift(run);
      runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    }
    return runs;
  }
  const chain = await historyChain(launched.workflowId);
  const batchEvents = chain.reduce((n, r) => n + r.events, 0);
  const firstRun = chain[0]!;
  const workflowMs = chain.at(-1)!.endMs - firstRun.startMs;
  const planMs = firstRun.plan ? firstRun.plan.completedMs - firstRun.plan.scheduledMs : null;
  const batchCpu = cpuDelta(cpu0, cpu1, launchToDoneMs / 1000);
  const batchRss = { at10k: rssAt10k, atEnd: workerPeak.map(Math.round) };
  log(`CPU cores used (launch -> done): ${JSON.stringify(batchCpu)}`);
  log(`history: ${chain.length} runs, ${batchEvents} events; planning ${planMs === null ? '?' : secs(planMs)} s; worker peak RSS at 10k ${rssAt10k.join('/')} MiB, at end ${batchRss.atEnd.join('/')} MiB`);
  for (const w of workers) await stopProcess(w);

  // --- 2. one workflow per recipient --------------------------------------------------------------
  let single: Record<string, unknown> | null = null;
  let singleCampaignId: number | null = null;
  if (M > 0) {
    log(`per-recipient design: bundling bench/per-recipient-workflow.ts, starting ${workerCount} bench workers`);
    const { code } = await bundleWorkflowCode({ workflowsPath: path.join(projectRoot, 'bench', 'per-recipient-workflow.ts'), logger: quietLogger() });
    const bundlePath = path.join(scratch, 'per-recipient-bundle.js');
    writeFileSync(bundlePath, code);
    for (let i = 0; i < workerCount; i++)
      perRecipientWorkers.push(await startProcess(['--import', 'tsx', path.join(projectRoot, 'bench', 'per-recipient-worker.ts'), bundlePath, PER_RECIPIENT_QUEUE], 'bench worker running'));
    const def = parseCampaign(definition(`bench per-recipient ${M}`, 'bench-per-recipient', SINGLE_BRAND));
    singleCampaignId = await insertCampaign(pool, def);
    const planned = await planRecipients(pool, singleCampaignId, def, new Date());
    await setCampaignStatus(pool, singleCampaignId, 'running');
    if (planned !== M) throw new Error(`per-recipient campaign planned ${planned}, expected ${M}`);

    const peaks = perRecipientWorkers.map(() => 0);
    const sampler = setInterval(() => perRecipientWorkers.forEach((w, i) => (peaks[i] = Math.max(peaks[i]!, peakRssMiB(w.pid)))), 100);
    const ids = Array.from({ length: M }, (_, i) => `bench-per-recipient-${singleCampaignId}-${i + 1}`);
    const c0 = cpuSnapshot();
    const started = performance.now();
    await inParallel(ids, 64, async (workflowId) => {
      await client.workflow.start('perRecipientSendWorkflow', { taskQueue: PER_RECIPIENT_QUEUE, workflowId, args: [{ campaignId: singleCampaignId! }] });
    });
    const startedAllMs = performance.now() - started;
    let sent = 0;
    await inParallel(ids, 128, async (workflowId) => {
      const n = (await client.workflow.getHandle(workflowId).result()) as number;
      sent += n;
    });
    const elapsedMs = performance.now() - started;
    const c1 = cpuSnapshot();
    clearInterval(sampler);
    perRecipientWorkers.forEach((w, i) => (peaks[i] = Math.max(peaks[i]!, peakRssMiB(w.pid))));
    if (sent !== M) throw new Error(`per-recipient workflows report ${sent} sends, expected ${M}`);
    let events = 0;
    await inParallel(ids, 32, async (workflowId) => {
      const n = ((await client.workflow.getHandle(workflowId).fetchHistory()).events ?? []).length;
      events += n;
    });
    single = {
      recipients: M,
      workflows: M,
      seconds: secs(elapsedMs),
      startAllWorkflowsSeconds: secs(startedAllMs),
      sendsPerSecond: Math.round(M / (elapsedMs / 1000)),
      historyEvents: events,
      historyEventsPer1000: Math.round((events / M) * 1000),
      peakRssMiB: peaks.map(Math.round),
      cpuCoresUsed: cpuDelta(c0, c1, elapsedMs / 1000),
    };
    log(`per-recipient: ${M} in ${secs(elapsedMs)} s, ${events} history events; CPU cores used ${JSON.stringify(single.cpuCoresUsed)}`);
    for (const w of perRecipientWorkers) await stopProcess(w);
  }

  // --- checks: exactly one message per recipient at the sink, ledger agrees -----------------------
  if (tally.unknown() !== 0) throw new Error(`FAILED: the sink received ${tally.unknown()} messages of no benchmark campaign`);
  const check = (brand: string, expected: number, what: string) => {
    const mine = tally.of(brand);
    const distinct = new Set(mine.to).size;
    const duplicates = mine.to.length - distinct;
    if (mine.to.length !== expected || duplicates !== 0)
      throw new Error(`FAILED (${what}): the sink received ${mine.to.length} messages for ${expected} recipients, ${duplicates} duplicates`);
    return { messages: mine.to.length, duplicates, times: [...mine.acceptedAt].sort((x, y) => x - y) };
  };
  const mainSink = check(MAIN_BRAND, N, 'batch design');
  const singleSink = M ? check(SINGLE_BRAND, M, 'per-recipient design') : null;
  const { rows: ledger } = await pool.query<{ campaign_id: string; state: string; n: number }>(
    'SELECT campaign_id, state, count(*)::int AS n FROM send_ledger GROUP BY 1, 2 ORDER BY 1, 2',
  );
  const ledgerSent = (id: number) => ledger.filter((r) => Number(r.campaign_id) === id && r.state === 'sent').reduce((n, r) => n + r.n, 0);
  if (ledgerSent(launched.id) !== N || (singleCampaignId !== null && ledgerSent(singleCampaignId) !== M) || ledger.some((r) => r.state !== 'sent'))
    throw new Error(`FAILED: ledger does not show every recipient sent exactly once: ${JSON.stringify(ledger)}`);
  if ((final.byState.sent ?? 0) !== N) throw new Error(`FAILED: campaign status says ${final.byState.sent} sent of ${N}`);

  /** Rate over the middle 90% of sends (ramp-up and tail excluded) and over all of them. */
  function rates(times: number[]) {
    const n = times.length;
    const lo = Math.floor(n * 0.05);
    const hi = Math.max(lo + 1, Math.ceil(n * 0.95) - 1);
    const span = (a: number, b: number) => Math.max(1, times[b]! - times[a]!) / 1000;
    return { sustained: Math.round((hi - lo) / span(lo, hi)), overall: Math.round(n / span(0, n - 1)), sendingSeconds: secs(times[n - 1]! - times[0]!) };
  }
  const mainRates = rates(mainSink.times);
  const singleRates = singleSink ? rates(singleSink.times) : null;

  await pool.end();
  await client.connection.close();
  callbackServer.close();

  const figures = {
    recipients: N,
    settings: { workerProcesses: workerCount, lanes, batchSize, workerHeap: HEAP, window: '00:00-24:00', rateLimit: null, sink: 'bench/sink-tally.ts (node:http, Twilio Messages API shape) via the twilio library', twilioHttpClient: 'LeanRequestClient on undici (channels/twilio-http.ts)' },
    seed: { contacts: seeded.contacts, seconds: Number(seeded.seconds.toFixed(1)), countries: seeded.countries, timeZones: seeded.timeZones, multiZoneNumbers: seeded.multiZone },
    batch: {
      launchToCompletedSeconds: secs(launchToDoneMs),
      workflowStartToCloseSeconds: secs(workflowMs),
      planSeconds: planMs === null ? null : secs(planMs),
      sendingSeconds: mainRates.sendingSeconds,
      sustainedSendsPerSecond: mainRates.sustained,
      overallSendsPerSecond: Math.round(N / (launchToDoneMs / 1000)),
      historyRuns: chain.length,
      historyEvents: batchEvents,
      historyEventsPer1000: Number(((batchEvents / N) * 1000).toFixed(1)),
      workerPeakRssMiB: batchRss,
      cpuCoresUsed: batchCpu,
      cpuMsPerSend: Object.fromEntries(Object.entries(batchCpu).map(([k, cores]) => [k, Number(((cores * launchToDoneMs) / N).toFixed(3))])),
      sinkMessages: mainSink.messages,
      duplicates: mainSink.duplicates,
    },
    perRecipient: single && singleRates ? { ...single, sustainedSendsPerSecond: singleRates.sustained, sinkMessages: singleSink!.messages, duplicates: singleSink!.duplicates } : null,
    statusCallbacksReceived: callbacks,
    loadAverageAtStart: Number(loadAtStart.toFixed(2)),
    targets: {
      sendsPerSecond3000: mainRates.sustained >= 3000,
      plannedAndSentUnder6Minutes: N >= 1_000_000 ? launchToDoneMs < 360_000 : null,
      historyEventsPer1000Max20: (batchEvents / N) * 1000 <= 20,
      workerRssUnder500MiB: Math.max(...batchRss.atEnd) < 500,
    },
  };
  if (!opts['no-record']) record('campaign', figures);
  else console.log(JSON.stringify(figures, null, 2));

  const row = (k: string, a: unknown, b: unknown) => console.log(`${k.padEnd(30)} ${String(a).padStart(16)} ${String(b ?? '-').padStart(16)}`);
  console.log();
  row('', 'batch (campaign)', 'per recipient');
  row('recipients', N, M || '-');
  row('seconds (launch -> done)', figures.batch.launchToCompletedSeconds, single?.seconds);
  row('sustained sends/s', mainRates.sustained, singleRates?.sustained);
  row('overall sends/s', figures.batch.overallSendsPerSecond, single?.sendsPerSecond);
  row('history events / 1,000', figures.batch.historyEventsPer1000, single?.historyEventsPer1000);
  row('worker peak RSS MiB (10k)', rssAt10k.join('/'), '');
  row('worker peak RSS MiB (end)', batchRss.atEnd.join('/'), (single?.peakRssMiB as number[] | undefined)?.join('/'));
  row('sink messages / duplicates', `${mainSink.messages}/${mainSink.duplicates}`, singleSink ? `${singleSink.messages}/${singleSink.duplicates}` : '-');
}

try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit();

async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

function quietLogger() {
  const noop = () => {};
  return { log: noop, trace: noop, debug: noop, info: noop, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };
}
