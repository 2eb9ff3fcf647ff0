/**
 * Intake benchmark (issue: 1,000,000 contacts in <= 60 s and <= 2.5x a bare libphonenumber
 * parse + validate of the same rows, peak RSS of worker and CLI < 500 MB).
 * Starts a fresh embedded stack, runs `reachloop worker` and `reachloop audience import` as
 * separate processes (as an operator would), samples their peak RSS, and records the figures.
 * Run: npx tsx bench/intake.ts [rows] [worker processes, default 2]
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
import { record } from './record';

const rows = Number(process.argv[2] ?? 1_000_000);
/** Worker processes: Temporal spreads the batch activities over them (the scale-out path). */
const workerCount = Number(process.argv[3] ?? 2);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'reachloop-bench-'));
chmodSync(scratch, 0o755);
const file = path.join(scratch, 'contacts.csv');

console.error(`generating ${rows} rows ...`);
await generateContacts(file, rows);

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
const env = { ...process.env, NODE_OPTIONS: '--max-old-space-size=320', TEMPORAL_ADDRESS: stack.temporalAddress, DATABASE_URL: stack.databaseUrl, REACHLOOP_STATE_DIR: config.stateDir, LOG_LEVEL: 'warn' };
const bin = path.join(projectRoot, 'bin', 'reachloop.mjs');

const startWorker = async () => {
  const worker = spawn(process.execPath, [bin, 'worker', '--migrate'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
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

const peak = (pid: number | undefined) => {
  const status = pid && existsSync(`/proc/${pid}/status`) ? readFileSync(`/proc/${pid}/status`, 'utf8') : '';
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : 0;
};
let cliPeak = 0;
let workerPeak = 0;
const started = performance.now();
const cli = spawn(process.execPath, [bin, 'audience', 'import', file, '--json', '--no-progress', '--default-country', 'CN', '--batch-size', '10000'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
const sampler = setInterval(() => {
  cliPeak = Math.max(cliPeak, peak(cli.pid));
  for (const w of workers) workerPeak = Math.max(workerPeak, peak(w.pid));
}, 100);
let stdout = '';
let stderr = '';
cli.stdout!.on('data', (c) => (stdout += c));
cli.stderr!.on('data', (c) => (stderr += c));
const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
const importMs = performance.now() - started;
clearInterval(sampler);
for (const w of workers) workerPeak = Math.max(workerPeak, peak(w.pid));
if (code !== 0) throw new Error(`import failed (${code}): ${stderr}`);
const report = JSON.parse(stdout);

for (const w of workers) {
  w.kill('SIGTERM');
  await new Promise((r) => w.once('exit', r));
}
await stack.stop();
rmSync(scratch, { recursive: true, force: true });

record('intake', {
  rows,
  workerProcesses: workerCount,
  importSeconds: Number((importMs / 1000).toFixed(1)),
  rowsPerSecond: Math.round(rows / (importMs / 1000)),
  bareParseValidateSeconds: Number((bareMs / 1000).toFixed(1)),
  ratioToBareParse: Number((importMs / bareMs).toFixed(2)),
  peakRssMiB: { cli: Math.round(cliPeak), workerMax: Math.round(workerPeak) },
  report: { accepted: report.accepted, rejected: report.rejected, created: report.created, mergedDuplicates: report.mergedDuplicates, tiers: report.tiers, timeZones: Object.keys(report.timeZones).length },
});
