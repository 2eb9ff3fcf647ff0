import { beforeAll, describe, expect, inject, it } from 'vitest';
import { violations } from '../bench/faults/report';
import { runFaultSuite, type FaultName, type FaultRun } from '../bench/faults/suite';

// The fault suite of bench/faults.ts at CI size: the stack as separate processes (PostgreSQL,
// the Temporal dev server on its own database file, the local Twilio-shaped server, `reachloop
// worker`, `reachloop serve`), one campaign per fault to recipients inside their window now, and
// every message the sandbox accepted counted against the ledger. Each fault must leave 0
// duplicates, 0 missing, 0 unknown provider ids, 0 rows stuck in `sent` or in flight, every
// status callback applied (after one `reachloop ledger sweep` where rows were left in `sent`), and
// `reachloop campaign status` telling the database's counts and the sandbox's duplicates.
const RECIPIENTS = 1_500;
// 4 connection resets, then 4 responses never given: each fails its batch's attempt, and the lane
// backs off before the retry (40 took up to 80 s). Before attempt fencing these 8 gave 82 duplicates.
const DROPPED = 8;
const FAULTS: FaultName[] = ['worker-kill', 'temporal-restart', 'serve-restart', 'drop-responses'];
const runs = new Map<FaultName, FaultRun>();

beforeAll(async () => {
  const result = await runFaultSuite({
    recipients: RECIPIENTS,
    rate: 300,
    // Several lanes in flight when the fault hits, as at full size.
    lanes: 4,
    batchSize: 250,
    faults: FAULTS,
    downtimeMs: 10_000,
    serveDowntimeMs: 20_000,
    dropResponses: DROPPED,
    injectAt: 0.3,
    settleMs: 0,
    sweep: true,
    runTimeoutMs: 120_000,
    temporalCliPath: inject('temporalCliPath'),
    // The shortest lease the worker accepts (Twilio's 15 s call timeout plus a quarter): a batch
    // retried after the worker was killed waits for it, and the default 45 s is time CI has not.
    env: { SEND_LEASE: '19s' },
  });
  for (const r of result.runs) runs.set(r.fault, r);
}, 420_000);

describe('the fault suite at CI size', () => {
  it.each(FAULTS)('%s mid-campaign: exactly once, nothing lost, nothing stuck', (fault) => {
    const run = runs.get(fault)!;
    // The fault hit while the campaign was sending, and every recipient was due now.
    expect(run.injectedAfter).toBeGreaterThan(0);
    expect(run.injectedAfter).toBeLessThan(RECIPIENTS);
    expect(run.counts.recipients).toBe(RECIPIENTS);
    if (fault === 'drop-responses') expect(run.counts.responsesLost).toBe(DROPPED);
    // Down longer than the sandbox tries a callback again: some outcomes reach the ledger only by the sweep.
    if (fault === 'serve-restart') expect(run.beforeSweep?.stuckInSent).toBeGreaterThan(0);
    expect(violations(run), JSON.stringify({ counts: run.counts, status: run.status, exits: run.unexpectedExits })).toEqual({});
    expect(run.counts.sandboxMessages).toBe(RECIPIENTS - Object.values(run.counts.heldByPolicy).reduce((a, b) => a + b, 0));
  });
});
