import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { REGULAR_RECHECK_DAYS } from '../../core/number-status';
import { manualRecheckWorkflowId, recheckScheduleId, scheduledRecheckWorkflowId } from '../../workflows/ids';
import { recheckProgress, type RecheckInput, type RecheckReport, type RecheckTotals } from '../../workflows/messages/recheck';
import { deleteSchedule, timingOf, upsertSchedule } from '../schedules';
import { CliError, emit, UsageError, type GlobalOptions } from '../cli-kit';
import { withTemporal } from '../session';
import { recheckWorkflow } from '../../workflows/recheck';

interface RecheckFlags extends GlobalOptions {
  dueOnly?: boolean;
  followUp: boolean;
  wait?: boolean;
  batchSize: string;
  schedule?: string;
  cron?: string;
  tz?: string;
  unschedule?: boolean;
}

/** `reachloop audience recheck`: registered under `audience` by client/commands/audience.ts. */
export function registerRecheck(audience: Command): void {
  audience
    .command('recheck')
    .description('re-validate numbers through the carrier lookup, now or on a schedule')
    .option('--due-only', 'only contacts whose recheck time has come (default: every contact)')
    .option('--no-follow-up', 'do not stay to recheck switched-off numbers hours later')
    .option('--wait', 'wait for the follow-up rechecks too (default: return after the first pass)')
    .option('--batch-size <n>', 'numbers per lookup batch (one transaction each)', '1000')
    .option('--schedule <every>', 'create or update the recheck schedule instead, e.g. "every 90d" or "every 6h"')
    .option('--cron <expr>', 'or on a calendar: cron fields "minute hour day month weekday", e.g. "0 3 * * *"')
    .option('--tz <zone>', 'the time zone of --cron (default UTC)')
    .option('--unschedule', 'delete the recheck schedule')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
What each answer does (the change is re-scored and re-tiered with cause "recheck"):
  empty, stopped           out of SMS lists (kept and marked); rechecked in the regular cycle
  switched off             rechecked in 6 hours; out of service in 24 hours
  silent                   stays reachable, flagged to prefer a cheaper channel (e-mail)
  active after unreachable revived: back on SMS lists, tier recomputed (usually upgraded)
  unknown                  inconclusive: the stored status stays, asked again in 24 hours
Every contact is due again ${REGULAR_RECHECK_DAYS} days after its last check. A first pass checks every contact
(or the due ones with --due-only); the workflow then sleeps until the numbers that asked for a
recheck in hours are due and checks them again (at most 4 follow-ups), so the command returns
after the first pass while the workflow keeps the follow-ups.

A schedule runs the workflow with --due-only: "every 6h" keeps both the short rechecks and the
quarterly cycle (each number is looked up when it is due); "every 90d" rechecks quarterly only.

Examples:
  reachloop audience recheck --due-only
  reachloop audience recheck --schedule "every 6h"`,
    )
    .action(async (flags: RecheckFlags) => {
      const batchSize = Number(flags.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new UsageError(`--batch-size must be a whole number from 1 to 10000, got "${flags.batchSize}"`);
      const timing = timingOf(flags);
      await withTemporal(async (client, config) => {
        const input: RecheckInput = { dueOnly: !!flags.dueOnly, followUp: flags.followUp, maxFollowUps: 4, followUpHorizonHours: 48, batchSize };
        if (flags.unschedule) emit(await deleteSchedule(client, recheckScheduleId()), flags, (r) => (r.deleted ? `deleted schedule ${r.scheduleId}` : `no schedule ${r.scheduleId}`));
        else if (timing) {
          const args: [RecheckInput] = [{ ...input, dueOnly: true, followUp: true }];
          const s = await upsertSchedule(client, { scheduleId: recheckScheduleId(), timing, workflowType: recheckWorkflow, args, taskQueue: config.temporal.taskQueue, workflowId: scheduledRecheckWorkflowId() });
          emit({ ...s, dueOnly: true }, flags, renderSchedule);
        }
        else emit(await runNow(client, config.temporal.taskQueue, input, !!flags.wait || !flags.followUp), flags, renderRun);
      });
    });
}

export interface RecheckRun extends RecheckTotals {
  workflowId: string;
  /** done: every pass ran; waiting: the first pass ran, follow-ups are pending in the workflow. */
  phase: 'done' | 'waiting';
  passes: RecheckTotals[];
  pendingShortRechecks: number;
  nextRecheckAt: string | null;
}

async function runNow(client: Client, taskQueue: string, input: RecheckInput, waitForAll: boolean): Promise<RecheckRun> {
  const workflowId = manualRecheckWorkflowId();
  // One manual recheck at a time: a new one replaces a previous one waiting for its follow-ups
  // (the new one's follow-ups cover the same numbers: they are found by their recheck time).
  const handle = await client.workflow.start(recheckWorkflow, { taskQueue, workflowId, args: [input], workflowIdConflictPolicy: 'TERMINATE_EXISTING' });
  const done = async (): Promise<Omit<RecheckRun, 'workflowId'>> => ({ ...(await unwrap(handle.result() as Promise<RecheckReport>)), phase: 'done' });
  if (waitForAll) return { workflowId, ...(await done()) };
  // Return once the first pass is over. No long-poll on the result is left open (it would keep
  // this process alive while the workflow sleeps until its follow-up).
  for (;;) {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return { workflowId, ...(await done()) };
    const p = await handle.query(recheckProgress).catch(() => undefined);
    if (p && p.phase !== 'checking') {
      return { workflowId, ...p.totals, passes: p.passes, pendingShortRechecks: p.pendingShortRechecks, nextRecheckAt: p.nextRecheckAt, phase: p.phase === 'done' ? 'done' : 'waiting' };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function unwrap<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof WorkflowFailedError) throw new CliError(`the recheck failed: ${err.cause?.message ?? err.message}`);
    throw err;
  }
}

function renderSchedule(s: Awaited<ReturnType<typeof upsertSchedule>>): string {
  return `${s.created ? 'created' : 'updated'} schedule ${s.scheduleId}: recheck due numbers every ${s.every} on task queue ${s.taskQueue}; next run ${s.nextRunAt ?? '-'}`;
}

function renderRun(r: RecheckRun): string {
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `    ${k.padEnd(28)} ${n}`)
      .join('\n') || '    (none)';
  return [
    `recheck ${r.workflowId}: ${r.passes.length} pass(es), ${r.checked} number(s) looked up`,
    `  outcomes`,
    list(r.byOutcome),
    `  status transitions`,
    list(r.byTransition),
    `  tier changes         ${r.tierChanges} (${r.upgraded} up, ${r.downgraded} down)`,
    r.phase === 'waiting'
      ? `  follow-up            ${r.pendingShortRechecks} number(s) due again from ${r.nextRecheckAt}; the workflow rechecks them then`
      : `  pending short rechecks ${r.pendingShortRechecks}${r.nextRecheckAt ? ` (first due ${r.nextRecheckAt})` : ''}`,
  ].join('\n');
}
