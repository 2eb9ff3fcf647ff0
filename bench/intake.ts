/**
 * Intake benchmark (issue: 1,000,000 contacts in <= 60 s and <= 2.5x a bare libphonenumber
 * parse + validate of the same rows, peak RSS of worker and CLI < 500 MB).
 * Starts a fresh embedded stack, runs `reachloop worker` and `reachloop audience import` as
 * separate processes (as an operator would), samples their peak RSS, and records the figures
 * with where the time went (phases from the workflow history, CPU seconds per process kind) and
 * the machine's load average. Run: npx tsx bench/intake.ts [rows] [worker processes, default 2]
 * Knobs for experiments: BENCH_CPU_PROF=DIR writes CPU profiles of the workers and the CLI (all
 * threads); BENCH_NODE_OPTIONS replaces the NODE_OPTIONS of CLI and workers (default: a 320 MB heap
 * cap for both, and 64 MB semi-spaces for the workers as README recommends); BENCH_BATCH_SIZE and
 * BENCH_PARALLELISM set the import's --batch-size (default 20000) and --parallelism; BENCH_CRM=1 adds a
 * CRM export's columns (customer id, registration, first order, order count, currency, address).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';
import { loadConfig } from '../infra/config';
import { projectRoot } from '../infra/paths';
import { startStack } from '../infra/stack';
import { CsvRecordReader } from '../core/intake/csv';
import { generateContacts } from '../client/demo/sample-audience';
import { connectClient } from '../infra/temporal';
import { intakeWorkflowId } from '../workflows/ids';
import { record } from './record';
import { cpuSeconds, descendants, peakRssMiB, threadCpuSeconds } from './proc';

const rows = Number(process.argv[2] ?? 1_000_000);
const s1 = (x: number) => Number(x.toFixed(1));
/** Worker processes: Temporal spreads the batch activities over them (the scale-out path). */
const workerCount = Number(process.argv[3] ?? 2);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'reachloop-bench-'));
chmodSync(scratch, 0o755);
const file = path.join(scratch, 'contacts.csv');

console.error(`generating ${rows} rows ...`);
// BENCH_CRM=1: the file also holds a CRM export's columns (customer id, dates, order count, currency, address).
const crm = process.env.BENCH_CRM === '1';
await generateContacts(file, rows, 42, { crm });

// Baseline: a bare libphonenumber-js parse + isValid of the phone column of the same rows.
const phones: Array<[string, CountryCode | undefined]> = [];
{
  const reader = new CsvRecordReader();
  const take = (events: ReturnType<CsvRecordReader['push']>) => {
    for (const e of events) if (e.kind === 'record' && e.line > 1) phones.push([e.cells[0]!, (e.cells[3] || undefined) as CountryCode | undefined]);
  };
  take(reader.push(readFileSync(file, 'utf8')));
  take(reader.end());
}
const t0 = performance.now();
let validBare = 0;
for (const [p, c] of phones) {
  try {
    if (parsePhoneNumberWithError(p, c ?? 'CN').isValid()) validBare++;
  } catch {
    // invalid
  }
}
const bareMs = performance.now() - t0;
phones.length = 0;
console.error(`bare parse+validate: ${Math.round(bareMs)} ms (${validBare} valid)`);

const config = loadConfig({ REACHLOOP_STATE_DIR: path.join(scratch, 'state') });
const stack = await startStack(config);
const env = { ...process.env, NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? '--max-old-space-size=320', TEMPORAL_ADDRESS: stack.temporalAddress, DATABASE_URL: stack.databaseUrl, REACHLOOP_STATE_DIR: config.stateDir, LOG_LEVEL: 'warn' };
// Workers as README recommends running them for bulk work, with 64 MB semi-spaces: a merge leaves
// only short-lived objects behind, and with V8's default 16 MB a quarter of its CPU was scavenges.
const workerEnv = { ...env, NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? `${env.NODE_OPTIONS} --max-semi-space-size=64` };
const bin = path.join(projectRoot, 'bin', 'reachloop.mjs');
/** Rows per merge activity (the CLI's --batch-size). */
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 20_000);

const startWorker = async () => {
  // BENCH_CPU_PROF=DIR: V8 CPU profiles of the workers (written when they stop).
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const worker = spawn(process.execPath, [...prof, bin, 'worker', '--migrate'], { env: workerEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    worker.stderr!.on('data', (c) => {
      err += c;
      if (err.includes('worker running')) resolve();
    });
    worker.once('exit', (code) => reject(new Error(`worker exited ${code}: ${err}`)));
  });
  return worker;
};
const workers: Array<Awaited<ReturnType<typeof startWorker>>> = [];
for (let i = 0; i < workerCount; i++) workers.push(await startWorker());

// CPU seconds of the import alone: the CLI (reaped child of this process), the workers and this
// stack's PostgreSQL (other PostgreSQL servers may run on the machine), less what they had used.
const comm = (pid: number) => (existsSync(`/proc/${pid}/comm`) ? readFileSync(`/proc/${pid}/comm`, 'utf8').trim() : '');
const postgresCpu = () => descendants(process.pid).filter((pid) => comm(pid) === 'postgres').reduce((a, pid) => a + cpuSeconds(pid, true), 0);
const workersCpu = () => workers.reduce((a, w) => a + cpuSeconds(w.pid), 0);
const reapedCpu = () => cpuSeconds(process.pid, true) - cpuSeconds(process.pid);
const threadsBefore = workers.map((w) => threadCpuSeconds(w.pid));
const cpuBefore = { cli: reapedCpu(), workers: workersCpu(), postgres: postgresCpu() };
const loadBefore = os.loadavg()[0]!;

let cliPeak = 0;
let workerPeak = 0;
const started = performance.now();
const startedAt = Date.now();
const cliProf = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
const cli = spawn(process.execPath, [...cliProf, bin, 'audience', 'import', file, '--json', '--no-progress', '--default-country', 'CN', '--batch-size', String(BATCH_SIZE), ...(process.env.BENCH_PARALLELISM ? ['--parallelism', process.env.BENCH_PARALLELISM] : [])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
const sampler = setInterval(() => {
  cliPeak = Math.max(cliPeak, peakRssMiB(cli.pid));
  for (const w of workers) workerPeak = Math.max(workerPeak, peakRssMiB(w.pid));
}, 100);
let stdout = '';
let stderr = '';
cli.stdout!.on('data', (c) => (stdout += c));
cli.stderr!.on('data', (c) => (stderr += c));
const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
const importMs = performance.now() - started;
const endedAt = Date.now();
clearInterval(sampler);
for (const w of workers) workerPeak = Math.max(workerPeak, peakRssMiB(w.pid));
const cpu = { cli: reapedCpu() - cpuBefore.cli, workers: workersCpu() - cpuBefore.workers, postgres: postgresCpu() - cpuBefore.postgres };
const loadAfter = os.loadavg()[0]!;
const workerThreads: Record<string, number> = {};
workers.forEach((w, i) => {
  for (const [name, s] of Object.entries(threadCpuSeconds(w.pid))) workerThreads[name] = s1((workerThreads[name] ?? 0) + s - (threadsBefore[i]![name] ?? 0));
});
if (code !== 0) throw new Error(`import failed (${code}): ${stderr}`);
const report = JSON.parse(stdout);
const phases = await phasesOf(report.importId);

for (const w of workers) {
  w.kill('SIGTERM');
  await new Promise((r) => w.once('exit', r));
}
await stack.stop();
rmSync(scratch, { recursive: true, force: true });

record('intake', {
  rows,
  ...(crm ? { columns: 'crm' } : {}),
  workerProcesses: workerCount,
  importSeconds: s1(importMs / 1000),
  rowsPerSecond: Math.round(rows / (importMs / 1000)),
  bareParseValidateSeconds: s1(bareMs / 1000),
  ratioToBareParse: Number((importMs / bareMs).toFixed(2)),
  peakRssMiB: { cli: Math.round(cliPeak), workerMax: Math.round(workerPeak) },
  phasesSeconds: phases,
  cpuSeconds: { cli: s1(cpu.cli), workers: s1(cpu.workers), postgres: s1(cpu.postgres), workerThreads },
  // Other work on the machine slows every phase: the 1-minute load average before and after.
  loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(loadAfter.toFixed(2)) },
  report: { accepted: report.accepted, rejected: report.rejected, warnings: report.warnings, created: report.created, mergedDuplicates: report.mergedDuplicates, tiers: report.tiers, timeZones: Object.keys(report.timeZones).length },
});

/**
 * Where the time went, from the workflow's histories (every continue-as-new run): the upload
 * (the CLI before the workflow starts), each activity type's span (first scheduled to last
 * completed), and the CLI's tail after the workflow.
 */
async function phasesOf(importId: number): Promise<Record<string, number>> {
  const client = await connectClient(stack.temporalAddress, config.temporal.namespace);
  try {
    const wfId = intakeWorkflowId(importId);
    const ms = (t: unknown) => {
      const x = t as { seconds: number | { toNumber(): number }; nanos?: number };
      return (typeof x.seconds === 'number' ? x.seconds : x.seconds.toNumber()) * 1000 + (x.nanos ?? 0) / 1e6;
    };
    const spans = new Map<string, { first: number; last: number }>();
    let wfStart = Infinity;
    let wfEnd = 0;
    for await (const wf of client.workflow.list({ query: `WorkflowId = '${wfId}'` })) {
      const events = (await client.workflow.getHandle(wfId, wf.runId).fetchHistory()).events ?? [];
      wfStart = Math.min(wfStart, ms(events[0]!.eventTime));
      wfEnd = Math.max(wfEnd, ms(events[events.length - 1]!.eventTime));
      const scheduled = new Map<string, { type: string; at: number }>();
      for (const e of events) {
        if (e.activityTaskScheduledEventAttributes) scheduled.set(String(e.eventId), { type: e.activityTaskScheduledEventAttributes.activityType!.name!, at: ms(e.eventTime) });
        const done = e.activityTaskCompletedEventAttributes;
        if (!done) continue;
        const s = scheduled.get(String(done.scheduledEventId))!;
        const span = spans.get(s.type) ?? { first: Infinity, last: 0 };
        spans.set(s.type, { first: Math.min(span.first, s.at), last: Math.max(span.last, ms(e.eventTime)) });
      }
    }
    const out: Record<string, number> = { upload: s1((wfStart - startedAt) / 1000) };
    for (const [type, { first, last }] of spans) out[type] = s1((last - first) / 1000);
    out.afterWorkflow = s1((endedAt - wfEnd) / 1000);
    return out;
  } finally {
    await client.connection.close();
  }
}
