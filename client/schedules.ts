/**
 * Interval schedules of the periodic jobs (number recheck, recovery scan): create or update one
 * by id, and delete it. A run that would overlap the previous one is skipped.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';

export interface IntervalSchedule {
  scheduleId: string;
  /** e.g. "6h" (core/duration.ts parseScheduleInterval). */
  every: string;
  workflowType: string;
  args: unknown[];
  taskQueue: string;
  /** Prefix of the runs' workflow ids (Temporal appends the scheduled time). */
  workflowId: string;
}

export async function upsertSchedule(client: Client, s: IntervalSchedule): Promise<{ scheduleId: string; created: boolean; every: string; taskQueue: string; nextRunAt: string | null }> {
  const action = { type: 'startWorkflow' as const, workflowType: s.workflowType, args: s.args, taskQueue: s.taskQueue, workflowId: s.workflowId };
  const spec = { intervals: [{ every: s.every }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP };
  let created = true;
  try {
    await client.schedule.create({ scheduleId: s.scheduleId, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    created = false;
    await client.schedule.getHandle(s.scheduleId).update((prev) => ({ ...prev, spec, action, policies }));
  }
  const d = await client.schedule.getHandle(s.scheduleId).describe();
  return { scheduleId: s.scheduleId, created, every: s.every, taskQueue: s.taskQueue, nextRunAt: d.info.nextActionTimes[0]?.toISOString() ?? null };
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
