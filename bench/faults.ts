/**
 * Fault suite (issue 19): exactly once and nothing lost under every fault. On a stack of separate
 * processes (embedded PostgreSQL, the Temporal dev server on its own database file, the local
 * Twilio-shaped server, `reachloop worker`, `reachloop serve`), one marketing SMS campaign per
 * fault to its own audience inside its send window now, at --rate messages/s in --lanes lanes of
 * --batch-size; in turn: the worker SIGKILLed and started again, the Temporal server stopped for
 * --downtime seconds and started on the same database file, PostgreSQL fast-shut-down for
 * --downtime seconds and started on the same data, the HTTP server stopped for --serve-downtime
 * seconds (longer than the provider tries a status callback again), the provider's
 * responses lost for --drop-responses messages in a row (half reset, half never answered).
 * Then every message the sandbox accepted is counted against the ledger: duplicates, missing,
 * unknown provider ids, rows stuck in `sent`, status callbacks not applied; where rows are left
 * in `sent`, `reachloop ledger sweep --older-than 0s` runs once (as its schedule would after
 * SENT_SWEEP_AFTER) and everything is counted again (--no-sweep: not). Prints a table,
 * records the figures (bench/results/faults.json) and exits 1 when a fault broke an invariant.
 *
 * Run: npx tsx bench/faults.ts [--recipients 20000] [--rate 150] [--lanes 4] [--batch-size 1000]
 *        [--faults worker-kill,temporal-restart,postgres-restart,serve-restart,drop-responses]
 *        [--downtime 10] [--serve-downtime 20] [--drop-responses 40] [--inject-at 0.3] [--settle 0]
 *        [--no-sweep] [--keep] [--no-record]
 */
import './run-keys';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { record } from './record';
import { table, violations } from './faults/report';
import { FAULT_NAMES, FAULTS, runFaultSuite, type FaultName } from './faults/suite';

const { values: opts } = parseArgs({
  options: {
    recipients: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '150' },
    lanes: { type: 'string', default: '4' },
    'batch-size': { type: 'string', default: '1000' },
    faults: { type: 'string', default: FAULT_NAMES.join(',') },
    downtime: { type: 'string', default: '10' },
    'serve-downtime': { type: 'string', default: '20' },
    'drop-responses': { type: 'string', default: '40' },
    'inject-at': { type: 'string', default: '0.3' },
    settle: { type: 'string', default: '0' },
    keep: { type: 'boolean', default: false },
    'no-sweep': { type: 'boolean', default: false },
    'no-record': { type: 'boolean', default: false },
  },
});
const num = (name: keyof typeof opts) => Number(opts[name]);
const faults = String(opts.faults).split(',').map((f) => f.trim()) as FaultName[];
const unknown = faults.filter((f) => !(f in FAULTS));
const positive = ['recipients', 'rate', 'lanes', 'batch-size'] as const;
if (unknown.length || positive.some((k) => !(num(k) > 0)) || !(num('inject-at') > 0 && num('inject-at') < 1) || !(num('downtime') >= 0) || !(num('serve-downtime') >= 0) || !(Number.isInteger(num('drop-responses')) && num('drop-responses') >= 0) || !(num('settle') >= 0)) {
  console.error(`usage: bench/faults.ts [--recipients N] [--rate R] [--lanes L] [--batch-size B] [--faults ${FAULT_NAMES.join(',')}] [--downtime S] [--serve-downtime S] [--drop-responses N] [--inject-at 0..1] [--settle S] [--no-sweep] [--keep] [--no-record]`);
  process.exit(2);
}
const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const settings = {
  recipients: num('recipients'),
  rate: num('rate'),
  lanes: num('lanes'),
  batchSize: num('batch-size'),
  faults,
  downtimeMs: num('downtime') * 1000,
  serveDowntimeMs: num('serve-downtime') * 1000,
  dropResponses: num('drop-responses'),
  injectAt: num('inject-at'),
  settleMs: num('settle') * 1000,
  sweep: !opts['no-sweep'],
};
const loadAtStart = Number(os.loadavg()[0]!.toFixed(2));
const t0 = performance.now();
const result = await runFaultSuite({
  ...settings,
  // Sending alone takes recipients / rate; a fault and its retries add minutes at most.
  runTimeoutMs: Math.max(600_000, (settings.recipients / settings.rate) * 3_000),
  keep: opts.keep,
  log,
});
const failed = result.runs.filter((r) => Object.keys(violations(r)).length > 0);
const figures = {
  settings: {
    ...settings,
    stack: 'separate processes: embedded PostgreSQL, temporal server start-dev --db-filename, bench/faults/sandbox-process.ts, reachloop worker, reachloop serve (SMS_PROVIDER=twilio at the sandbox)',
    sendLease: process.env.SEND_LEASE ?? '45s (default)',
    campaign: 'marketing SMS under the contact policy, rateLimit.sms = rate, launched with reachloop campaign launch --lanes --batch-size',
  },
  seed: result.seed,
  runs: result.runs.map((r) => ({ ...r, violations: violations(r) })),
  seconds: Math.round((performance.now() - t0) / 1000),
  loadAverageAtStart: loadAtStart,
};
if (!opts['no-record']) record('faults', figures);
else console.log(JSON.stringify(figures, null, 2));
console.log(`\n${table(result.runs)}`);
for (const r of result.runs) for (const e of r.unexpectedExits) console.log(`\n${r.fault}: ${e.part} exited (code ${e.code}, signal ${e.signal}) at ${e.at}:\n${e.stderrTail}`);
if (result.dir) console.log(`\ndata and logs kept in ${result.dir}`);
console.log(failed.length ? `\nFAILED: ${failed.map((r) => `${r.fault} (${Object.entries(violations(r)).map(([k, n]) => `${k} ${n}`).join(', ')})`).join('; ')}` : '\nevery fault: 0 duplicates, 0 missing, 0 unknown ids, 0 stuck, every callback applied');
process.exit(failed.length ? 1 : 0);
