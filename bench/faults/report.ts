/** The fault suite's verdict per run and its table. */
import type { FaultRun } from './suite';

/** The invariants every fault must keep: name -> the run's figure (must be 0). */
export function violations(run: FaultRun): Record<string, number> {
  const c = run.counts;
  const out: Record<string, number> = {
    duplicates: c.duplicates,
    missing: c.missing,
    unknownProviderIds: c.unknownProviderIds,
    stuckInSent: c.stuckInSent,
    stuckInFlight: c.stuckInFlight,
    callbacksNotApplied: c.callbacksNotApplied,
  };
  if (run.endedAs !== 'completed') out.notCompleted = 1;
  out.statusCountsWrong = statusCountsWrong(run);
  return Object.fromEntries(Object.entries(out).filter(([, n]) => n !== 0));
}

/**
 * Figures of `reachloop campaign status` that differ from the truth: each state whose count is not
 * the recipients' rows in the database, and its duplicates when they are not the sandbox's.
 */
export function statusCountsWrong(run: FaultRun): number {
  const status = run.status;
  if (!status) return 1;
  const byState = Object.fromEntries(Object.entries(status.byState).filter(([, n]) => n !== 0));
  const states = new Set([...Object.keys(byState), ...Object.keys(run.counts.recipientStates)]);
  const wrong = [...states].filter((s) => (byState[s] ?? 0) !== (run.counts.recipientStates[s] ?? 0)).length;
  return wrong + (status.duplicates === run.counts.duplicates ? 0 : 1);
}

/** One column per fault, one row per figure. */
export function table(runs: readonly FaultRun[]): string {
  const rows: Array<[string, (r: FaultRun) => unknown]> = [
    ['campaign ended as', (r) => r.endedAs],
    ['fault after (sent)', (r) => r.injectedAfter ?? 'ended first'],
    ['fault seconds', (r) => r.faultSeconds],
    ['launch -> end seconds', (r) => r.launchToEndSeconds],
    ['recipients', (r) => r.counts.recipients],
    ['sandbox messages', (r) => r.counts.sandboxMessages],
    ['responses lost (fault)', (r) => r.counts.responsesLost],
    ['duplicates', (r) => r.counts.duplicates],
    ['missing', (r) => r.counts.missing],
    ['unknown provider ids', (r) => r.counts.unknownProviderIds],
    ['stuck in sent (pre-sweep)', (r) => r.beforeSweep?.stuckInSent ?? '-'],
    ['stuck in sent', (r) => r.counts.stuckInSent],
    ['stuck reserved/sending', (r) => r.counts.stuckInFlight],
    ['callbacks not applied', (r) => r.counts.callbacksNotApplied],
    ['callbacks refused', (r) => r.counts.callbacksRefused],
    ['callback retries', (r) => r.counts.callbackRetries],
    ['ledger unknown outcome', (r) => r.counts.unknownOutcome],
    ['status counts wrong', (r) => statusCountsWrong(r)],
    ['held by policy', (r) => Object.values(r.counts.heldByPolicy).reduce((a, b) => a + b, 0)],
    ['strays (earlier runs)', (r) => r.counts.strays],
    ['parts exited unasked', (r) => r.unexpectedExits.map((e) => e.part).join(',') || 0],
    ['verdict', (r) => (Object.keys(violations(r)).length ? 'FAIL' : 'ok')],
  ];
  const width = Math.max(16, ...runs.map((r) => r.fault.length + 2));
  const head = `${''.padEnd(26)}${runs.map((r) => r.fault.padStart(width)).join('')}`;
  return [head, ...rows.map(([name, f]) => `${name.padEnd(26)}${runs.map((r) => String(f(r)).padStart(width)).join('')}`)].join('\n');
}
