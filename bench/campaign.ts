/**
 * Campaign benchmark (issue 5, Performance): >= 3,000 sends/s sustained from workflow through
 * decision, cap reservation, ledger and channel to a local Twilio-shaped HTTP sink; 1,000,000
 * recipients with open windows planned and sent in < 6 minutes; <= 20 Temporal history events
 * per 1,000 recipients; worker RSS flat (< 500 MB) from 10k to 1M; and, side by side, a
 * one-workflow-per-recipient design on 10,000 recipients.
 *
 * The whole contact policy is in the path: the campaign gives no window and no holiday option,
 * so every recipient is decided in the policy's window (09:00-21:00 local, narrower where the law
 * of the country or US state says so), off public holidays, under the policy's caps and the tier
 * cadence. The audience is chosen by the hour: only the mix entries (country, national prefixes)
 * whose every candidate zone is between 10:00 and 19:00 local and off a public holiday at the
 * instant of the run are seeded (bench/campaign-seed.ts openMix); none: the run fails at once.
 *
 * On a fresh embedded stack: seeds the audience with COPY (tier A, SMS consent), starts a
 * Twilio-shaped HTTP sink in this process (bench/sink-tally.ts), runs `reachloop worker --migrate`
 * processes with SMS_PROVIDER=twilio pointed at it, and measures the floor: the `twilio` library
 * with the same HTTP client (createTwilioSender, channels/twilio-http.ts) sending straight to
 * the same sink from as many processes, with the campaign's concurrency (bench/floor-sender.ts).
 * Then it launches a marketing SMS campaign (no rate limit, a deadline one hour after launch)
 * with `reachloop campaign launch` and measures it; its sustained sends/s over the floor's is
 * `ratioToFloor`. A recipient the policy still defers (a number with a zone outside the probe)
 * is skipped at the deadline, or, when its next opening falls before the deadline, the campaign
 * is cancelled as soon as nothing else is due (the run never waits for an opening). Then a
 * bench-only workflow (bench/per-recipient-workflow.ts, its own bundle, task queue and worker
 * processes) sends 10,000 other recipients one workflow each, through the same dispatch
 * activity and channel. Checks: the sink received exactly one message per recipient the
 * workflow decided SEND (campaign_decisions), no duplicates, the ledger and the status agree;
 * what the policy deferred or skipped is reported by decision, reason and rule.
 *
 * Run: npx tsx bench/campaign.ts [recipients, default 1000000] [--lanes 4] [--batch-size 1000]
 *        [--workers 2] [--per-recipient 10000 (0: skip)] [--floor 100000 (0: skip)]
 *        [--journey 100000 (default 0: skip)] [--cpu-prof DIR] [--no-record]
 *
 * --journey J also runs, on the same workers after the campaign, a two-step journey (core/campaign/
 * journey.ts) of J other recipients: step 2 due 30 s after step 1's send, transactional so that the
 * policy's caps and tier cadence do not hold step 2 for days; each step's sustained sends/s is
 * recorded next to the one-step campaign's.
 */
import './run-keys';
import { dataCodec } from '../infra/data-keys';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign, setCampaignStatus } from '../db/campaigns';
import { planRecipients } from '../db/campaign-recipients';
import { connectPool } from '../db/pool';
import { loadConfig } from '../infra/config';
import { projectRoot } from '../infra/paths';
import { startStack } from '../infra/stack';
import { connectClient } from '../infra/temporal';
import type { CampaignStatus } from '../workflows/messages/campaign';
import { SEND_CONCURRENCY } from '../activities/dispatch-send';
import { campaignStatus, cancelCampaign } from '../workflows/messages/campaign';
import { OPEN_FROM, OPEN_UNTIL, seedCampaignAudience } from './campaign-seed';
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
    journey: { type: 'string', default: '0' },
    floor: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'no-record': { type: 'boolean', default: false },
  },
});
const N = Number(positionals[0] ?? 1_000_000);
const lanes = Number(opts.lanes);
const batchSize = Number(opts['batch-size']);
const workerCount = Number(opts.workers);
const M = Number(opts['per-recipient']);
const F = Number(opts.floor ?? 100_000);
const J = Number(opts.journey);
if (![N, lanes, batchSize, workerCount].every((n) => Number.isInteger(n) && n > 0) || ![M, F, J].every((n) => Number.isInteger(n) && n >= 0))
  throw new Error('usage: bench/campaign.ts [recipients] [--lanes N] [--batch-size M] [--workers W] [--per-recipient R] [--floor F] [--cpu-prof DIR]');

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const secs = (ms: number) => Number((ms / 1000).toFixed(1));
const HEAP = '--max-old-space-size=320';
const FROM = '+15005550006';
const MAIN_BRAND = 'RL Batch';
const SINGLE_BRAND = 'RL Single';
const FLOOR_BRAND = 'RL Floor';
const JOURNEY_BRAND = 'RL Journey';
/** Step 2 of the journey starts with its own literal prefix, so the sink tallies the steps apart. */
const JOURNEY_STEP2 = 'RL Step2';
/** The journey's step 2 is due this long after step 1's send to the contact. */
const JOURNEY_WAIT_S = 30;
/** Deferrals past this (after launch) end as SKIP deadline_passed. */
const DEADLINE_MS = 3_600_000;
const CANCEL_REASON = 'bench: nothing due before the next opening';
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
  const sink = await startBenchSink({ authToken, brands: [MAIN_BRAND, SINGLE_BRAND, FLOOR_BRAND, JOURNEY_BRAND, JOURNEY_STEP2] });
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
  const seedAt = new Date();
  log(`seeding ${N} + ${M} contacts with COPY, of the countries between ${OPEN_FROM} and ${OPEN_UNTIL} local now ...`);
  const seeded = await seedCampaignAudience(
    pool,
    [{ count: N, tag: 'bench-main' }, ...(M ? [{ count: M, tag: 'bench-per-recipient' }] : []), ...(J ? [{ count: J, tag: 'bench-journey' }] : [])],
    seedAt,
  );
  log(`seeded ${seeded.contacts} contacts in ${seeded.seconds.toFixed(1)} s (${seeded.timeZones} zones, ${seeded.multiZone} multi-zone numbers)`);
  log(`countries: ${seeded.mix.map((m) => `${m.country}${m.prefixes ? ` ${m.prefixes.join('/')}` : ''}`).join(', ')}`);
  log(`left out: ${seeded.excluded.map((x) => `${x.country}${x.prefix ? ` ${x.prefix}` : ''} (${x.why})`).join(', ') || 'none'}`);

  // No window, no holiday option: the contact policy's defaults; a deadline so that no deferral holds the run.
  const definition = (name: string, tag: string, brand: string, deadline: Date) => ({
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
    deadline: deadline.toISOString(),
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

  // --- 0. the floor: the twilio library straight to the sink --------------------------------------
  let floor: Record<string, unknown> | null = null;
  let floorSustained: number | null = null;
  if (F > 0) {
    const perProcess = Math.ceil((lanes * SEND_CONCURRENCY) / workerCount);
    log(`floor: ${F} messages through createTwilioSender straight to the sink, ${workerCount} processes x ${perProcess} in flight`);
    const { rows: sealed } = await pool.query<{ phone_enc: Buffer }>(
      `SELECT phone_enc FROM contacts WHERE channel_tags && ARRAY['bench-main'] ORDER BY id LIMIT $1`,
      [F],
    );
    const rows = sealed.map((r) => ({ phone_e164: dataCodec().decrypt(r.phone_enc) }));
    const numbersFile = path.join(scratch, 'floor-numbers.txt');
    // The audience's numbers, again from the first when the floor is longer than the audience.
    writeFileSync(numbersFile, Array.from({ length: F }, (_, i) => rows[i % rows.length]!.phone_e164).join('\n'));
    const share = Math.ceil(F / workerCount);
    const senders: Array<{ child: ChildProcess; out: Promise<string> }> = [];
    for (let i = 0; i < workerCount && i * share < F; i++) {
      const args = ['--import', 'tsx', path.join(projectRoot, 'bench', 'floor-sender.ts'), numbersFile, String(i * share), String(Math.min(share, F - i * share)), String(perProcess), FLOOR_BRAND];
      const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'], cwd: projectRoot });
      children.add(child);
      let out = '';
      child.stdout!.on('data', (c) => (out += c));
      const exited = once(child, 'exit').then(([code]) => {
        if (code !== 0) throw new Error(`floor sender exited ${code}`);
        return out;
      });
      let err = '';
      await Promise.race([
        new Promise<void>((resolve) =>
          child.stderr!.on('data', (c) => {
            err += c;
            if (err.includes('floor ready')) resolve();
          }),
        ),
        exited.then(() => Promise.reject(new Error(`floor sender ended before it was ready: ${err}`))),
      ]);
      senders.push({ child, out: exited });
    }
    const t0 = performance.now();
    for (const s of senders) s.child.stdin!.end('go\n');
    const reports = (await Promise.all(senders.map((s) => s.out))).map((o) => JSON.parse(o) as { sent: number; failed: number });
    const floorMs = performance.now() - t0;
    const sent = reports.reduce((n, r) => n + r.sent, 0);
    const failed = reports.reduce((n, r) => n + r.failed, 0);
    const floorSink = tally.of(FLOOR_BRAND);
    if (sent !== F || failed !== 0 || floorSink.to.length !== F)
      throw new Error(`FAILED (floor): ${sent} sent, ${failed} refused, the sink received ${floorSink.to.length} of ${F}`);
    const r = rates([...floorSink.acceptedAt].sort((x, y) => x - y));
    floorSustained = r.sustained;
    floor = {
      messages: F,
      processes: senders.length,
      inFlightPerProcess: perProcess,
      seconds: secs(floorMs),
      sustainedSendsPerSecond: r.sustained,
      overallSendsPerSecond: Math.round(F / (floorMs / 1000)),
      what: 'createTwilioSender (twilio library, LeanRequestClient on undici) straight to the same sink: no Temporal, decision, ledger or PostgreSQL (bench/floor-sender.ts)',
    };
    log(`floor: ${F} in ${secs(floorMs)} s, sustained ${r.sustained}/s`);
  }

  // --- 1. the batch design: CampaignWorkflow -----------------------------------------------------
  const client: Client = await connectClient(stack.temporalAddress, config.temporal.namespace);
  const file = path.join(scratch, 'campaign.json');
  const deadline = new Date(Date.now() + DEADLINE_MS);
  writeFileSync(file, JSON.stringify(definition(`bench ${N}`, 'bench-main', MAIN_BRAND, deadline)));
  const workerPeak = workers.map(() => 0);
  let rssAt10k: number[] | null = null;
  const rssSampler = setInterval(() => {
    workers.forEach((w, i) => {
      workerPeak[i] = Math.max(workerPeak[i]!, peakRssMiB(w.pid));
    });
    // Peak RSS of each worker up to the 10,000th message at the sink.
    if (rssAt10k === null && tally.of(MAIN_BRAND).to.length >= Math.min(10_000, N)) rssAt10k = workers.map((w) => Math.round(peakRssMiB(w.pid)));
  }, 100);

  log(`launching: reachloop campaign launch --lanes ${lanes} --batch-size ${batchSize}`);
  const cpu0 = cpuSnapshot();
  const launchStarted = performance.now();
  const launched = await cli(['campaign', 'launch', file, '--lanes', String(lanes), '--batch-size', String(batchSize), '--json']);
  const handle = client.workflow.getHandle(launched.workflowId as string);
  let lastLog = 0;
  // Nothing due and a deferred recipient's opening before the deadline: the workflow would sleep
  // until then. The benchmark cancels it instead and reports what was still deferred.
  let waiting: { atMs: number; status: CampaignStatus } | null = null;
  const progress = setInterval(async () => {
    const s: CampaignStatus | undefined = await handle.query(campaignStatus).catch(() => undefined);
    if (!s) return;
    const sent = s.byState.sent ?? 0;
    if (s.phase === 'waiting' && !waiting) {
      waiting = { atMs: performance.now(), status: s };
      log(`waiting: nothing due until ${s.nextWakeAt ? new Date(s.nextWakeAt).toISOString() : '?'} (${JSON.stringify(s.byState)}); cancelling the rest`);
      await handle.signal(cancelCampaign, { reason: CANCEL_REASON }).catch((err) => log(`cancel failed: ${err}`));
    }
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(`${s.phase}: ${sent} sent of ${s.planned ?? '?'} planned; worker RSS now ${workers.map((w) => Math.round(rssMiB(w.pid))).join('/')} MiB`);
    }
  }, 1000);
  const final = await handle.result();
  const waited = waiting as { atMs: number; status: CampaignStatus } | null;
  const launchToDoneMs = (waited ? waited.atMs : performance.now()) - launchStarted;
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

  // --- 1b. a two-step journey (--journey J) on its own audience, the same workers -----------------
  // Transactional, so that the contact policy's caps and tier cadence (one marketing message a
  // week for tier A) do not hold step 2 for days: the run measures the journey's machinery (a step
  // per batch, the engagement and exit checks, the next step's rows) with both steps sent.
  let journey: Record<string, unknown> | null = null;
  if (J > 0) {
    const jfile = path.join(scratch, 'journey.json');
    const base = definition(`bench journey ${J}`, 'bench-journey', JOURNEY_BRAND, new Date(Date.now() + DEADLINE_MS));
    writeFileSync(jfile, JSON.stringify({
      ...base,
      category: 'transactional',
      exitOn: ['purchase', 'opt_out'],
      steps: [
        { id: 's1' },
        { id: 's2', waitDays: JOURNEY_WAIT_S / 86_400, audience: { noEngagementSinceStep: true },
          templates: { sms: { en: `${JOURNEY_STEP2}: hi {{name}}, a reminder: 20% off ends soon.`, zh: `${JOURNEY_STEP2}：{{name}}您好，八折即将结束。` } } },
      ],
    }));
    log(`journey: two steps of ${J} recipients, step 2 due ${JOURNEY_WAIT_S} s after step 1's send`);
    const jc0 = cpuSnapshot();
    const started = performance.now();
    const launchedJ = await cli(['campaign', 'launch', jfile, '--lanes', String(lanes), '--batch-size', String(batchSize), '--json']);
    const journeyId = launchedJ.id as number;
    const finalJ: CampaignStatus = await client.workflow.getHandle(launchedJ.workflowId as string).result();
    const elapsedMs = performance.now() - started;
    const jc1 = cpuSnapshot();
    const chainJ = await historyChain(launchedJ.workflowId as string);
    const eventsJ = chainJ.reduce((n, r) => n + r.events, 0);
    const { rows: bySteps } = await pool.query<{ step: string; n: number }>(
      `SELECT step, count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 AND state = 'sent' GROUP BY 1 ORDER BY 1`,
      [journeyId],
    );
    const ledgerOf = (step: string) => bySteps.find((r) => r.step === step)?.n ?? 0;
    const steps = [['s1', JOURNEY_BRAND], ['s2', JOURNEY_STEP2]].map(([step, brand]) => {
      const t = tally.of(brand!);
      const duplicates = t.to.length - new Set(t.to).size;
      if (t.to.length !== ledgerOf(step!) || duplicates !== 0)
        throw new Error(`FAILED (journey ${step}): the sink received ${t.to.length} messages, the ledger says ${ledgerOf(step!)} sent, ${duplicates} duplicates`);
      const times = [...t.acceptedAt].sort((x, y) => x - y);
      return { step, sent: t.to.length, ...(times.length ? rates(times) : { sustained: 0, overall: 0, sendingSeconds: 0 }), firstAt: times[0] ?? 0, lastAt: times.at(-1) ?? 0 };
    });
    const [s1, s2] = steps as [(typeof steps)[number], (typeof steps)[number]];
    const oneStep = rates([...tally.of(MAIN_BRAND).acceptedAt].sort((x, y) => x - y));
    if (s1.sent === 0 || s2.sent !== s1.sent) throw new Error(`FAILED (journey): step 1 sent ${s1.sent}, step 2 ${s2.sent} (nobody engaged: every step-1 recipient is due step 2)`);
    journey = {
      recipients: J,
      category: 'transactional (no caps or cadence between the steps)',
      waitBetweenStepsSeconds: JOURNEY_WAIT_S,
      endedAs: finalJ.phase,
      launchToCompletedSeconds: secs(elapsedMs),
      steps: steps.map(({ firstAt: _f, lastAt: _l, ...rest }) => ({
        ...rest,
        ratioToFloor: floorSustained ? Number((rest.sustained / floorSustained).toFixed(2)) : null,
        ratioToOneStepCampaign: oneStep.sustained ? Number((rest.sustained / oneStep.sustained).toFixed(2)) : null,
      })),
      step2StartedAfterStep1EndedSeconds: secs(s2.firstAt - s1.lastAt),
      historyRuns: chainJ.length,
      historyEvents: eventsJ,
      historyEventsPer1000Messages: Number(((eventsJ / (s1.sent + s2.sent)) * 1000).toFixed(1)),
      cpuCoresUsed: cpuDelta(jc0, jc1, elapsedMs / 1000),
    };
    log(`journey: ${JSON.stringify(journey)}`);
  }
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
    const def = parseCampaign(definition(`bench per-recipient ${M}`, 'bench-per-recipient', SINGLE_BRAND, new Date(Date.now() + DEADLINE_MS)));
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
    // Each workflow decides its one recipient: sent, or deferred / skipped by the policy (never waited for).
    if (sent > M) throw new Error(`per-recipient workflows report ${sent} sends for ${M} recipients`);
    let events = 0;
    await inParallel(ids, 32, async (workflowId) => {
      const n = ((await client.workflow.getHandle(workflowId).fetchHistory()).events ?? []).length;
      events += n;
    });
    single = {
      recipients: M,
      sent,
      workflows: M,
      seconds: secs(elapsedMs),
      startAllWorkflowsSeconds: secs(startedAllMs),
      sendsPerSecond: Math.round(sent / (elapsedMs / 1000)),
      historyEvents: events,
      historyEventsPer1000: Math.round((events / M) * 1000),
      peakRssMiB: peaks.map(Math.round),
      cpuCoresUsed: cpuDelta(c0, c1, elapsedMs / 1000),
    };
    log(`per-recipient: ${sent} sent of ${M} in ${secs(elapsedMs)} s, ${events} history events; CPU cores used ${JSON.stringify(single.cpuCoresUsed)}`);
    for (const w of perRecipientWorkers) await stopProcess(w);
  }

  // --- checks: one message per recipient the workflow decided SEND, no duplicates, ledger agrees --
  if (tally.unknown() !== 0) throw new Error(`FAILED: the sink received ${tally.unknown()} messages of no benchmark campaign`);
  /** Recipients with a SEND decision (campaign_decisions), and what the policy decided for the others. */
  async function decisionsOf(campaignId: number) {
    const { rows: [sendRow] } = await pool.query<{ n: number }>(
      `SELECT count(DISTINCT contact_id)::int AS n FROM campaign_decisions WHERE campaign_id = $1 AND decision = 'SEND'`,
      [campaignId],
    );
    const { rows } = await pool.query<{ decision: string; reason: string; rule: string | null; n: number }>(
      `SELECT decision, reason, rule, count(*)::int AS n FROM campaign_decisions
       WHERE campaign_id = $1 AND decision <> 'SEND' GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC`,
      [campaignId],
    );
    const { rows: states } = await pool.query<{ state: string; reason: string | null; n: number }>(
      `SELECT state, last_reason AS reason, count(*)::int AS n FROM campaign_recipients WHERE campaign_id = $1 GROUP BY 1, 2 ORDER BY 1, 3 DESC`,
      [campaignId],
    );
    const byRule: Record<string, Record<string, number>> = {};
    for (const r of rows) (byRule[r.decision] ??= {})[`${r.reason} ${r.rule ?? '-'}`] = r.n;
    const finalStates: Record<string, number> = {};
    for (const r of states) finalStates[r.state === 'sent' ? 'sent' : `${r.state} (${r.reason ?? '-'})`] = r.n;
    return { decidedSend: sendRow!.n, notSent: byRule, finalStates };
  }
  const check = (brand: string, expected: number, what: string) => {
    const mine = tally.of(brand);
    const distinct = new Set(mine.to).size;
    const duplicates = mine.to.length - distinct;
    if (mine.to.length !== expected || duplicates !== 0)
      throw new Error(`FAILED (${what}): the sink received ${mine.to.length} messages for ${expected} recipients decided SEND, ${duplicates} duplicates`);
    return { messages: mine.to.length, duplicates, times: [...mine.acceptedAt].sort((x, y) => x - y) };
  };
  const mainDecisions = await decisionsOf(launched.id);
  const singleDecisions = singleCampaignId !== null ? await decisionsOf(singleCampaignId) : null;
  const sentN = mainDecisions.decidedSend;
  if (sentN === 0) throw new Error(`FAILED: the policy let no recipient through: ${JSON.stringify(mainDecisions)}`);
  const mainSink = check(MAIN_BRAND, sentN, 'batch design');
  const singleSink = singleDecisions ? check(SINGLE_BRAND, singleDecisions.decidedSend, 'per-recipient design') : null;
  if (single && single.sent !== singleDecisions!.decidedSend) throw new Error(`FAILED: per-recipient workflows report ${single.sent} sends, ${singleDecisions!.decidedSend} decided SEND`);
  const { rows: ledger } = await pool.query<{ campaign_id: string; state: string; n: number }>(
    'SELECT campaign_id, state, count(*)::int AS n FROM send_ledger GROUP BY 1, 2 ORDER BY 1, 2',
  );
  const ledgerSent = (id: number) => ledger.filter((r) => Number(r.campaign_id) === id && r.state === 'sent').reduce((n, r) => n + r.n, 0);
  if (ledgerSent(launched.id) !== sentN || (singleCampaignId !== null && ledgerSent(singleCampaignId) !== singleDecisions!.decidedSend) || ledger.some((r) => r.state !== 'sent' && r.state !== 'released'))
    throw new Error(`FAILED: ledger does not show every recipient decided SEND sent exactly once: ${JSON.stringify(ledger)}`);
  if ((final.byState.sent ?? 0) !== sentN) throw new Error(`FAILED: campaign status says ${final.byState.sent} sent, ${sentN} decided SEND`);

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
    settings: {
      workerProcesses: workerCount,
      lanes,
      batchSize,
      workerHeap: HEAP,
      policy: 'contact-policy.v1 in every decision: the campaign sets no window and no holiday option (the policy default 09:00-21:00 local intersected with the regional law, public holidays deferred), tier A cadence and SMS caps apply',
      audience: `countries and prefixes whose every candidate zone was between ${OPEN_FROM} and ${OPEN_UNTIL} local and off public holidays at the seed instant`,
      deadline: `${DEADLINE_MS / 60_000} min after launch (a deferral past it is skipped; one before it cancels the rest once nothing else is due)`,
      rateLimit: null,
      sink: 'bench/sink-tally.ts (node:http, Twilio Messages API shape) via the twilio library', twilioHttpClient: 'LeanRequestClient on undici (channels/twilio-http.ts)' },
    seed: {
      contacts: seeded.contacts,
      seconds: Number(seeded.seconds.toFixed(1)),
      at: seeded.at,
      countries: seeded.countries,
      mix: seeded.mix.map((m) => ({ country: m.country, weight: m.weight, ...(m.prefixes ? { prefixes: m.prefixes } : {}) })),
      leftOut: seeded.excluded.map((x) => `${x.country}${x.prefix ? ` ${x.prefix}` : ''}: ${x.why}`),
      timeZones: seeded.timeZones,
      multiZoneNumbers: seeded.multiZone,
    },
    floor,
    batch: {
      recipients: N,
      sent: sentN,
      endedAs: final.phase,
      ...(waited ? { cancelledWhileWaitingUntil: waited.status.nextWakeAt ? new Date(waited.status.nextWakeAt).toISOString() : null } : {}),
      decisionsOtherThanSend: mainDecisions.notSent,
      finalStates: mainDecisions.finalStates,
      launchToCompletedSeconds: secs(launchToDoneMs),
      workflowStartToCloseSeconds: secs(workflowMs),
      planSeconds: planMs === null ? null : secs(planMs),
      sendingSeconds: mainRates.sendingSeconds,
      sustainedSendsPerSecond: mainRates.sustained,
      ratioToFloor: floorSustained ? Number((mainRates.sustained / floorSustained).toFixed(2)) : null,
      overallSendsPerSecond: Math.round(sentN / (launchToDoneMs / 1000)),
      historyRuns: chain.length,
      historyEvents: batchEvents,
      historyEventsPer1000: Number(((batchEvents / N) * 1000).toFixed(1)),
      workerPeakRssMiB: batchRss,
      cpuCoresUsed: batchCpu,
      cpuMsPerSend: Object.fromEntries(Object.entries(batchCpu).map(([k, cores]) => [k, Number(((cores * launchToDoneMs) / sentN).toFixed(3))])),
      sinkMessages: mainSink.messages,
      duplicates: mainSink.duplicates,
    },
    perRecipient:
      single && singleRates
        ? { ...single, sustainedSendsPerSecond: singleRates.sustained, sinkMessages: singleSink!.messages, duplicates: singleSink!.duplicates, decisionsOtherThanSend: singleDecisions!.notSent }
        : null,
    journey,
    statusCallbacksReceived: callbacks,
    loadAverageAtStart: Number(loadAtStart.toFixed(2)),
    targets: {
      sendsPerSecond3000: mainRates.sustained >= 3000,
      plannedAndSentUnder6Minutes: N >= 1_000_000 ? launchToDoneMs < 360_000 : null,
      historyEventsPer1000Max20: (batchEvents / N) * 1000 <= 20,
      workerRssUnder500MiB: Math.max(...batchRss.atEnd) < 500,
    },
  };
  // A run with a journey is recorded apart (bench/results/campaign-journey.json): the one-step
  // campaign's own record (1,000,000 recipients) stays as it is.
  if (!opts['no-record']) record(J > 0 ? 'campaign-journey' : 'campaign', figures);
  else console.log(JSON.stringify(figures, null, 2));

  const row = (k: string, a: unknown, b: unknown) => console.log(`${k.padEnd(30)} ${String(a).padStart(16)} ${String(b ?? '-').padStart(16)}`);
  console.log();
  row('', 'batch (campaign)', 'per recipient');
  row('recipients', N, M || '-');
  row('sent (decided SEND)', sentN, single?.sent);
  row('seconds (launch -> done)', figures.batch.launchToCompletedSeconds, single?.seconds);
  row('sustained sends/s', mainRates.sustained, singleRates?.sustained);
  row('overall sends/s', figures.batch.overallSendsPerSecond, single?.sendsPerSecond);
  row('floor sustained sends/s', floorSustained ?? '-', '');
  row('ratio to floor', figures.batch.ratioToFloor ?? '-', '');
  row('history events / 1,000', figures.batch.historyEventsPer1000, single?.historyEventsPer1000);
  row('worker peak RSS MiB (10k)', rssAt10k.join('/'), '');
  row('worker peak RSS MiB (end)', batchRss.atEnd.join('/'), (single?.peakRssMiB as number[] | undefined)?.join('/'));
  row('sink messages / duplicates', `${mainSink.messages}/${mainSink.duplicates}`, singleSink ? `${singleSink.messages}/${singleSink.duplicates}` : '-');
  console.log(`\ncountries (${OPEN_FROM}-${OPEN_UNTIL} local at ${seeded.at}): ${Object.entries(seeded.countries).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  for (const [what, d] of [['batch', mainDecisions], ['per recipient', singleDecisions]] as const) {
    if (!d) continue;
    const lines = Object.entries(d.notSent).flatMap(([kind, m]) => Object.entries(m).map(([k, n]) => `  ${kind} ${k}: ${n}`));
    console.log(`${what}: ${d.decidedSend} decided SEND; other decisions (reason rule): ${lines.length ? `\n${lines.join('\n')}` : 'none'}`);
  }
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
