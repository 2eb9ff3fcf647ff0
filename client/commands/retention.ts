import { randomBytes } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import { manualRetentionWorkflowId, retentionScheduleId, scheduledRetentionWorkflowId } from '../../workflows/ids';
import { retentionProgress, type RetentionInput, type RetentionReport } from '../../workflows/messages/retention';
import { retentionWorkflow } from '../../workflows/retention';
import { CliError, emit, importFlags, UsageError, type GlobalOptions } from '../cli-kit';
import { withTemporal } from '../session';
import { pollProgress, progressLine } from '../progress';
import { deleteSchedule, timingOf, upsertSchedule } from '../schedules';

interface RetentionFlags extends GlobalOptions {
  batchSize: string;
  dryRun?: boolean;
  schedule?: string;
  cron?: string;
  tz?: string;
  unschedule?: boolean;
}

/** `reachloop privacy retention`: rows kept past the contact policy's retention periods, purged now or on a schedule. */
export function registerRetention(privacy: Command): void {
  privacy
    .command('retention')
    .description("purge rows kept longer than the contact policy's retention periods (raw text of rejected lines, old events, webhook receipts, ...); now, or on a schedule")
    .option('--batch-size <n>', 'rows per batch (one transaction each)', '5000')
    .option('--dry-run', 'count what is due, change nothing')
    .option('--schedule <every>', 'create or update the retention schedule instead, e.g. "every 1d"')
    .option('--cron <expr>', 'or on a calendar: cron fields "minute hour day month weekday", e.g. "30 3 * * *"')
    .option('--tz <zone>', 'the time zone of --cron (default UTC)')
    .option('--unschedule', 'delete the retention schedule')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
The periods are the contact policy's retention section (reachloop policy show): for each kind of
row, the days it is kept. Rejected import lines keep their line number and reason; their raw text
is emptied after its period. Only rows older than their period are touched; running it twice
purges nothing the second time. It runs in a worker, batch by batch.

Examples:
  reachloop privacy retention --dry-run
  reachloop privacy retention --cron "30 3 * * *" --tz Europe/Berlin
  reachloop privacy retention --unschedule`,
    )
    .action(async (flags: RetentionFlags) => {
      const batchSize = importFlags.positive('batch-size', flags.batchSize, 100_000);
      const timing = timingOf(flags);
      if (flags.dryRun && (timing || flags.unschedule)) throw new UsageError('--dry-run runs once: it does not go with --schedule, --cron or --unschedule');
      const input: RetentionInput = { batchSize, dryRun: !!flags.dryRun };
      await withTemporal(async (client, config) => {
        if (flags.unschedule) return emit(await deleteSchedule(client, retentionScheduleId()), flags, (r) => (r.deleted ? `deleted schedule ${r.scheduleId}` : `no schedule ${r.scheduleId}`));
        if (timing) {
          const s = await upsertSchedule(client, { scheduleId: retentionScheduleId(), timing, workflowType: retentionWorkflow, args: [input], taskQueue: config.temporal.taskQueue, workflowId: scheduledRetentionWorkflowId() });
          return emit(s, flags, (x) => `${x.created ? 'created' : 'updated'} schedule ${x.scheduleId}: retention purge every ${x.every} on task queue ${x.taskQueue}; next run ${x.nextRunAt ?? '-'}`);
        }
        const workflowId = manualRetentionWorkflowId(randomBytes(4).toString('hex'));
        const handle = await client.workflow.start(retentionWorkflow, { taskQueue: config.temporal.taskQueue, workflowId, args: [input] });
        const line = progressLine(flags);
        const poll = pollProgress(() => handle.query(retentionProgress), (p) => line(`retention: ${p.kind ?? 'done'}; ${Object.values(p.purged).reduce((a, b) => a + b, 0)} row(s) so far`));
        let report: RetentionReport;
        try {
          report = await handle.result();
        } catch (err) {
          if (err instanceof WorkflowFailedError) throw new CliError(`the retention purge failed: ${err.cause?.message ?? err.message}`);
          throw err;
        } finally {
          await poll.stop();
          line(null);
        }
        emit({ workflowId, ...report }, flags, (r) =>
          [
            `retention ${r.workflowId}${r.dryRun ? ' (dry run: nothing changed)' : ''}: ${r.total} row(s) ${r.dryRun ? 'due' : 'purged'}`,
            ...r.kinds.map((k) => `  ${k.kind.padEnd(22)} kept ${String(k.days).padStart(4)} days (before ${k.before.slice(0, 10)}): ${k.rows}`),
          ].join('\n'),
        );
      });
    });
}
