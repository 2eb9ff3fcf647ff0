import { randomBytes } from 'node:crypto';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { parseDurationMs } from '../../core/duration';
import { listOrphans, providerMessageCounts } from '../../db/provider-messages';
import { ledgerSweepScheduleId, manualLedgerSweepWorkflowId, scheduledLedgerSweepWorkflowId } from '../../workflows/ids';
import { ledgerSweepProgress, type LedgerSweepInput, type LedgerSweepReport } from '../../workflows/messages/ledger-sweep';
import { CliError, emit, UsageError, type GlobalOptions } from '../cli-kit';
import { pollProgress, progressLine } from '../progress';
import { deleteSchedule, timingOf, upsertSchedule } from '../schedules';
import { withPool, withTemporal } from '../session';
import { ledgerSweepWorkflow } from '../../workflows/ledger-sweep';

interface SweepFlags extends GlobalOptions {
  olderThan?: string;
  giveUpAfter?: string;
  pageSize: string;
  concurrency: string;
  dryRun?: boolean;
  schedule?: string;
  cron?: string;
  tz?: string;
  unschedule?: boolean;
}

/** `reachloop ledger ...`: the send ledger against the provider's own record. */
export function registerLedger(program: Command): void {
  const ledger = program.command('ledger').description("the send ledger against the provider's record: reconcile messages whose outcome never came, list messages nobody sent");
  ledger
    .command('sweep')
    .description("ask the provider about SMS left in 'sent' (a status callback lost) and apply what it says; now, or on a schedule")
    .option('--older-than <duration>', 'only messages the provider has said nothing of for this long, e.g. 1h or 0s (default SENT_SWEEP_AFTER, 1h)')
    .option('--give-up-after <duration>', 'ask no more about messages sent longer ago than this, e.g. 7d or 72h (default SENT_SWEEP_GIVE_UP, 7d)')
    .option('--page-size <n>', 'messages per page (one transaction each)', '500')
    .option('--concurrency <n>', 'provider requests in flight at once', '8')
    .option('--dry-run', 'ask the provider and report what would change; write nothing')
    .option('--schedule <every>', 'create or update the sweep schedule instead, e.g. "15m" or "every 1h"')
    .option('--cron <expr>', 'or on a calendar: cron fields "minute hour day month weekday", e.g. "*/15 * * * *"')
    .option('--tz <zone>', 'the time zone of --cron (default UTC)')
    .option('--unschedule', 'delete the sweep schedule')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
A status callback can be lost (the webhook server was down longer than the provider retries, the
provider gave up): the ledger row then stays 'sent' although the message was delivered or not.
The sweep fetches each such message from the provider (Twilio: GET /Messages/{Sid}.json) once the
provider has said nothing of it for --older-than, and applies its status exactly as its status
callback would have been applied: the ledger moves forward (never back), the outcome reaches the
contact once (score, opt-outs on 21610, dead numbers to recovery). Second messages of one ledger
row (duplicate sends, adopted from their callbacks) are swept the same way. A message the provider
still reports as sent is asked again after another --older-than, until it was sent longer ago than
--give-up-after (some carriers never return a final receipt: it stays 'sent', counted as given up
in the report, and is not asked about again). Running it twice changes nothing
the second time. It runs in a worker (the worker holds the provider's credentials).

Examples:
  reachloop ledger sweep --dry-run            # what would change
  reachloop ledger sweep --older-than 30m --json
  reachloop ledger sweep --schedule 15m       # every 15 minutes, deadline SENT_SWEEP_AFTER
  reachloop ledger sweep --unschedule`,
    )
    .action(async (flags: SweepFlags) => {
      const pageSize = whole(flags.pageSize, '--page-size', 1, 10_000);
      const concurrency = whole(flags.concurrency, '--concurrency', 1, 64);
      const timing = timingOf(flags);
      if (flags.dryRun && (timing || flags.unschedule)) throw new UsageError('--dry-run runs once: it does not go with --schedule, --cron or --unschedule');
      const olderThan = flags.olderThan === undefined ? undefined : parseDurationMs(flags.olderThan);
      if (olderThan === null) throw new UsageError(`--older-than must be a duration such as 1h, 30m or 0s, got "${flags.olderThan}"`);
      const giveUp = flags.giveUpAfter === undefined ? undefined : parseDurationMs(flags.giveUpAfter);
      if (giveUp === null || giveUp === 0) throw new UsageError(`--give-up-after must be a duration such as 7d or 72h, got "${flags.giveUpAfter}"`);
      await withTemporal(async (client, config) => {
        const input: LedgerSweepInput = { olderThanMs: olderThan ?? config.sentSweepAfterMs, giveUpMs: giveUp ?? config.sentSweepGiveUpMs, pageSize, concurrency, dryRun: !!flags.dryRun };
        if (flags.unschedule) return emit(await deleteSchedule(client, ledgerSweepScheduleId()), flags, (r) => (r.deleted ? `deleted schedule ${r.scheduleId}` : `no schedule ${r.scheduleId}`));
        if (timing) {
          const s = await upsertSchedule(client, { scheduleId: ledgerSweepScheduleId(), timing, workflowType: ledgerSweepWorkflow, args: [input], taskQueue: config.temporal.taskQueue, workflowId: scheduledLedgerSweepWorkflowId() });
          return emit({ ...s, olderThanMs: input.olderThanMs }, flags, (x) =>
            `${x.created ? 'created' : 'updated'} schedule ${x.scheduleId}: sweep SMS quiet for ${duration(x.olderThanMs)} every ${x.every} on task queue ${x.taskQueue}; next run ${x.nextRunAt ?? '-'}`,
          );
        }
        const report = await sweepNow(client, config.temporal.taskQueue, input, flags);
        await withPool(async (pool) => {
          const now = Date.now();
          const [counts, orphans] = await Promise.all([providerMessageCounts(pool, { stuckBefore: new Date(now - input.olderThanMs), givenUpBefore: new Date(now - input.giveUpMs!) }), listOrphans(pool, 0)]);
          emit({ ...report, stuckInSent: counts.stuckInSent, givenUp: counts.givenUp, duplicates: counts.duplicates, orphans: orphans.total }, flags, renderSweep);
        });
      });
    });

  ledger
    .command('orphans')
    .description('status callbacks of messages no ledger row knows (sent by something else, or naming a ledger row that does not exist)')
    .option('--limit <n>', 'at most this many, newest first', '100')
    .option('--json', 'print as JSON')
    .action(async (flags: GlobalOptions & { limit: string }) => {
      const limit = whole(flags.limit, '--limit', 1, 100_000);
      await withPool(async (pool) =>
        emit(await listOrphans(pool, limit), flags, (r) =>
          [
            `${r.total} orphan message(s)${r.total > r.orphans.length ? `, newest ${r.orphans.length} shown` : ''}`,
            ...r.orphans.map((o) => `  ${o.providerId}  ${o.status.padEnd(11)} ${o.errorCode ?? '-'.padEnd(5)}  ${o.callbacks} callback(s), first ${o.firstSeenAt}${o.namedLedger ? `, named ledger row ${o.namedLedger} (none such)` : ''}`),
          ].join('\n'),
        ),
      );
    });
}

/** Runs one sweep in a worker and waits for it, a progress line meanwhile. */
async function sweepNow(client: Client, taskQueue: string, input: LedgerSweepInput, flags: GlobalOptions): Promise<LedgerSweepReport & { workflowId: string }> {
  const workflowId = manualLedgerSweepWorkflowId(randomBytes(4).toString('hex'));
  const handle = await client.workflow.start(ledgerSweepWorkflow, { taskQueue, workflowId, args: [input] });
  const line = progressLine(flags);
  const poll = pollProgress(() => handle.query(ledgerSweepProgress), (p) => line(`sweep: ${p.checked} message(s) asked, ${p.changed} changed, ${p.errors} error(s) (${p.phase})`));
  try {
    return { workflowId, ...((await handle.result()) as LedgerSweepReport) };
  } catch (err) {
    if (err instanceof WorkflowFailedError) throw new CliError(`the sweep failed: ${err.cause?.message ?? err.message}`);
    throw err;
  } finally {
    await poll.stop();
    line(null);
  }
}

function renderSweep(r: LedgerSweepReport & { workflowId: string; stuckInSent: number; givenUp: number; duplicates: number; orphans: number }): string {
  const moves = Object.entries(r.byTransition).sort((a, b) => b[1] - a[1]);
  return [
    `sweep ${r.workflowId}${r.dryRun ? ' (dry run: nothing written)' : ''}: ${r.checked} message(s) quiet for ${duration(r.olderThanMs)} asked, ${r.changed} ${r.dryRun ? 'would change' : 'changed'}`,
    ...moves.map(([k, n]) => `  ${k.padEnd(28)} ${n}`),
    `  still pending at the provider ${r.stillPending}`,
    `  duplicate sends asked about   ${r.duplicatesChecked}`,
    `  unknown to the provider       ${r.missingAtProvider}`,
    `  requests failed               ${r.errors}${r.errors ? ' (asked again by the next sweep)' : ''}`,
    `ledger now: ${r.stuckInSent} SMS quiet in 'sent' for ${duration(r.olderThanMs)}${r.givenUp ? ` (${r.givenUp} of them sent over ${duration(r.giveUpMs ?? 0)} ago: given up, not asked again)` : ''}, ${r.duplicates} duplicate send(s), ${r.orphans} orphan message(s) (reachloop ledger orphans)`,
  ].join('\n');
}

const duration = (ms: number) => (ms % 86_400_000 === 0 && ms > 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 && ms > 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 && ms > 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);

function whole(s: string, what: string, min: number, max: number): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${what} must be a whole number from ${min} to ${max}, got "${s}"`);
  return n;
}
