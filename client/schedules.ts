/**
 * Temporal Schedules of reachloop's periodic jobs (number recheck, recovery scan, scheduled
 * campaigns): create or update one by id, on an interval ("every 6h") or a cron calendar in a
 * time zone ("0 10 * * MON" in Asia/Shanghai), and delete it. A run that would overlap the
 * previous one is skipped. `reachloop schedule` lists and steers them (client/commands/schedule.ts).
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { IANAZone } from 'luxon';
import { parseScheduleInterval } from '../core/duration';
import { UsageError } from './cli-kit';

/** When a schedule runs: an interval, or cron calendars in an IANA time zone (DST handled by Temporal). */
export type ScheduleTiming = { every: string } | { cron: string; timeZone: string };

/**
 * A schedule's action names its workflow by the function (workflows/*.ts), so that the args are
 * checked against its parameters; Temporal takes the function's name as the workflow type.
 */
export interface IntervalSchedule<W extends Workflow = Workflow> {
  scheduleId: string;
  /** e.g. "6h" (core/duration.ts parseScheduleInterval); or give `timing`. */
  every?: string;
  timing?: ScheduleTiming;
  workflowType: W;
  args: Parameters<W>;
  taskQueue: string;
  /** Prefix of the runs' workflow ids (Temporal appends the scheduled time). */
  workflowId: string;
  /** What a run due while the last one still runs does: SKIP (default) or BUFFER_ONE (waits for it). */
  overlap?: ScheduleOverlapPolicy;
}

/** A five-field cron line (minute hour day-of-month month day-of-week), as Temporal's calendars take it. */
const CRON = /^\s*(\S+\s+){4}\S+\s*$/;

/**
 * The timing a command's flags ask for: --schedule "every 6h", or --cron "0 10 * * MON" with
 * --tz ZONE; undefined when neither is given. Throws UsageError for a bad or contradictory one.
 */
export function timingOf(flags: { schedule?: string | undefined; cron?: string | undefined; tz?: string | undefined; unschedule?: boolean | undefined }): ScheduleTiming | undefined {
  const asked = [flags.schedule !== undefined && '--schedule', flags.cron !== undefined && '--cron', flags.unschedule && '--unschedule'].filter(Boolean);
  if (asked.length > 1) throw new UsageError(`${asked.join(' and ')} exclude each other`);
  if (flags.tz !== undefined && flags.cron === undefined) throw new UsageError('--tz goes with --cron');
  if (flags.schedule !== undefined) {
    const every = parseScheduleInterval(flags.schedule);
    if (every === null) throw new UsageError(`--schedule must look like "every 90d", "every 6h" or "every 30m" (5 minutes to a year), got "${flags.schedule}"`);
    return { every };
  }
  if (flags.cron === undefined) return undefined;
  if (!CRON.test(flags.cron)) throw new UsageError(`--cron must have five fields "minute hour day month weekday", e.g. "0 10 * * MON"; got "${flags.cron}"`);
  const timeZone = flags.tz ?? 'UTC';
  if (!IANAZone.isValidZone(timeZone)) throw new UsageError(`--tz must be an IANA time zone such as Asia/Shanghai or America/New_York; got "${timeZone}"`);
  return { cron: flags.cron.trim(), timeZone };
}

export async function upsertSchedule<W extends Workflow>(client: Client, s: IntervalSchedule<W>): Promise<{ scheduleId: string; created: boolean; every: string; taskQueue: string; nextRunAt: string | null }> {
  // Typed by IntervalSchedule<W> at the call; Temporal's action type does not narrow a generic W.
  const action = { type: 'startWorkflow' as const, workflowType: s.workflowType as Workflow, args: s.args as unknown[], taskQueue: s.taskQueue, workflowId: s.workflowId };
  const timing: ScheduleTiming = s.timing ?? { every: s.every! };
  const spec = 'every' in timing ? { intervals: [{ every: timing.every }] } : { cronExpressions: [timing.cron], timezone: timing.timeZone };
  const policies = { overlap: s.overlap ?? ScheduleOverlapPolicy.SKIP };
  let created = true;
  try {
    await client.schedule.create({ scheduleId: s.scheduleId, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    created = false;
    await client.schedule.getHandle(s.scheduleId).update((prev) => ({ ...prev, spec, action, policies }));
  }
  const d = await client.schedule.getHandle(s.scheduleId).describe();
  const every = 'every' in timing ? timing.every : `${timing.cron} (${timing.timeZone})`;
  return { scheduleId: s.scheduleId, created, every, taskQueue: s.taskQueue, nextRunAt: d.info.nextActionTimes[0]?.toISOString() ?? null };
}

export async function deleteSchedule(client: Client, scheduleId: string): Promise<{ scheduleId: string; deleted: boolean }> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
    return { scheduleId, deleted: true };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return { scheduleId, deleted: false };
    throw err;
  }
}
