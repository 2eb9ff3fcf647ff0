import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { getCampaign, insertCampaign } from '../../db/campaigns';
import { campaignScheduleId, scheduledCampaignWorkflowId } from '../../workflows/ids';
import { clampWarnings, readCampaignFile } from '../campaign-file';
import { CliError, emit, UsageError, type GlobalOptions } from '../cli-kit';
import { timingOf, upsertSchedule } from '../schedules';
import { withSession, withTemporal } from '../session';
import { scheduledCampaignWorkflow } from '../../workflows/scheduled-campaign';

export interface ScheduleView {
  scheduleId: string;
  workflowType: string;
  spec: string;
  timeZone: string;
  paused: boolean;
  note: string | null;
  /** Next run times, ISO in UTC and in the schedule's zone. */
  nextRuns: Array<{ utc: string; local: string }>;
  recentRuns: Array<{ scheduledAt: string; workflowId: string }>;
}

type CalendarRange = { start: number | string; end?: number | string; step?: number };
const FULL: Record<string, [number | string, number | string]> = { minute: [0, 59], hour: [0, 23], dayOfMonth: [1, 31], month: ['JANUARY', 'DECEMBER'], dayOfWeek: ['SUNDAY', 'SATURDAY'] };

/** A calendar of Temporal's (ranges per field) as the cron fields it came from: "0 10 * * MONDAY". */
function calendarLine(c: Record<string, CalendarRange[]>): string {
  const field = (name: string) => {
    const ranges = c[name] ?? [];
    if (!ranges.length) return '*';
    return ranges
      .map((r) => {
        const end = r.end ?? r.start;
        const full = FULL[name];
        const span = full && r.start === full[0] && end === full[1] ? '*' : end === r.start ? String(r.start) : `${r.start}-${end}`;
        return r.step && r.step > 1 ? `${span}/${r.step}` : span;
      })
      .join(',');
  };
  return ['minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'].map(field).join(' ');
}

function viewOf(scheduleId: string, d: ScheduleDescription): ScheduleView {
  const zone = d.spec.timezone ?? 'UTC';
  const spec = [
    ...(d.spec.intervals ?? []).map((i) => `every ${typeof i.every === 'number' ? `${i.every / 1000}s` : i.every}`),
    ...(d.spec.calendars ?? []).map((c) => `calendar ${calendarLine(c as unknown as Record<string, CalendarRange[]>)}`),
    ...((d.spec as { cronExpressions?: string[] }).cronExpressions ?? []).map((c) => `cron ${c}`),
  ].join('; ');
  return {
    scheduleId,
    workflowType: d.action.type === 'startWorkflow' ? String(d.action.workflowType) : d.action.type,
    spec: spec || '(none)',
    timeZone: zone,
    paused: d.state.paused,
    note: d.state.note ?? null,
    nextRuns: d.info.nextActionTimes.slice(0, 5).map((t) => ({ utc: t.toISOString(), local: DateTime.fromJSDate(t, { zone }).toFormat("ccc yyyy-LL-dd HH:mm ZZZZ") })),
    recentRuns: d.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: 'workflow' in a.action ? a.action.workflow.workflowId : '-' })),
  };
}

const renderView = (v: ScheduleView) =>
  [
    `${v.scheduleId}  ${v.workflowType}  ${v.paused ? 'PAUSED' : 'active'}`,
    `  when       ${v.spec}${v.timeZone !== 'UTC' ? ` (${v.timeZone})` : ''}`,
    ...(v.note ? [`  note       ${v.note}`] : []),
    `  next runs  ${v.nextRuns.map((r) => r.local).join('\n             ') || '-'}`,
    ...(v.recentRuns.length ? [`  recent     ${v.recentRuns.map((r) => `${r.scheduledAt} ${r.workflowId}`).join('\n             ')}`] : []),
  ].join('\n');

async function describe(client: Client, id: string): Promise<ScheduleView> {
  try {
    return viewOf(id, await client.schedule.getHandle(id).describe());
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new CliError(`no schedule "${id}"; see \`reachloop schedule list\``);
    throw err;
  }
}

export function registerSchedule(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('Temporal Schedules of reachloop: scheduled campaigns (winback schedule), rechecks, recovery scans, ledger sweeps')
    .addHelpText(
      'after',
      `
Every periodic job runs on a Temporal Schedule (no cron of reachloop's own): scheduled
campaigns (\`reachloop winback schedule\`), the number recheck (\`audience recheck --schedule\`),
the recovery scan (\`recovery scan --schedule\`) and the sweep of SMS left in 'sent' (\`ledger sweep
--schedule\`). Next run times are shown in the schedule's own time zone.

Examples:
  reachloop schedule list
  reachloop schedule describe campaign-schedule-12
  reachloop schedule pause campaign-schedule-12 --note "holiday freeze"
  reachloop schedule trigger campaign-schedule-12`,
    );

  schedule
    .command('list')
    .description('every schedule in the namespace, with its next run')
    .option('--json', 'print as JSON')
    .action(async (flags: GlobalOptions) =>
      withTemporal(async (client) => {
        const views: ScheduleView[] = [];
        for await (const s of client.schedule.list()) views.push(await describe(client, s.scheduleId));
        emit(views, flags, (vs) => (vs.length ? vs.map((v) => `${v.scheduleId.padEnd(32)} ${(v.paused ? 'paused' : 'active').padEnd(7)} ${v.nextRuns[0]?.local ?? '-'}   ${v.spec}`).join('\n') : 'no schedules'));
      }),
    );

  schedule
    .command('describe <id>')
    .description('a schedule: what it runs, when (next five runs, local and UTC), recent runs')
    .option('--json', 'print as JSON')
    .action(async (id: string, flags: GlobalOptions) => withTemporal(async (client) => emit(await describe(client, id), flags, renderView)));

  for (const [name, what] of [
    ['pause', 'stop starting runs (a running one goes on)'],
    ['unpause', 'start runs again from the next scheduled time'],
  ] as const)
    schedule
      .command(`${name} <id>`)
      .description(what)
      .option('--note <text>', 'why, shown by describe')
      .option('--json', 'print as JSON')
      .action(async (id: string, flags: GlobalOptions & { note?: string }) =>
        withTemporal(async (client) => {
          await describe(client, id);
          const handle = client.schedule.getHandle(id);
          await (name === 'pause' ? handle.pause(flags.note) : handle.unpause(flags.note));
          emit(await describe(client, id), flags, (v) => `${name === 'pause' ? 'paused' : 'unpaused'} ${v.scheduleId}`);
        }),
      );

  schedule
    .command('trigger <id>')
    .description('start a run now (its own time: a scheduled campaign makes a new campaign, which the series cooldown and the caps still hold)')
    .option('--json', 'print as JSON')
    .action(async (id: string, flags: GlobalOptions) =>
      withTemporal(async (client) => {
        await describe(client, id);
        await client.schedule.getHandle(id).trigger();
        emit({ scheduleId: id, triggered: true }, flags, () => `triggered ${id}`);
      }),
    );

  schedule
    .command('delete <id>')
    .description('delete the schedule (runs already started go on)')
    .option('--json', 'print as JSON')
    .action(async (id: string, flags: GlobalOptions) =>
      withTemporal(async (client) => {
        await describe(client, id);
        await client.schedule.getHandle(id).delete();
        emit({ scheduleId: id, deleted: true }, flags, () => `deleted ${id}`);
      }),
    );
}

export function registerWinback(program: Command): void {
  const winback = program.command('winback').description('win-back campaigns on a Temporal Schedule');
  winback
    .command('schedule <file-or-id>')
    .description('run a campaign (file or id, kept as the template) on a calendar: one campaign per scheduled time')
    .requiredOption('--cron <expr>', 'when, as cron fields "minute hour day month weekday", e.g. "0 10 * * MON"')
    .requiredOption('--tz <zone>', 'IANA time zone the calendar is in, e.g. Asia/Shanghai (DST handled)')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      `
Each scheduled time makes one campaign, a copy of the template named after the time, and runs it
as any campaign (decided at send time under the contact policy). The time is part of its
workflow id, so an overlap, a catch-up or a second start of the same time never makes a second
campaign. Give the template an audience that fits a series, e.g.:

  audience:
    tiers: [A, B]
    lastOrder: { olderThanDays: 60, withinDays: 180 }   # no purchase in 60-180 days
    seriesCooldownDays: 30                               # no run of this series messaged them in 30 days

Examples:
  reachloop winback schedule winback.yaml --cron "0 10 * * MON" --tz Asia/Shanghai
  reachloop schedule describe campaign-schedule-12`,
    )
    .action(async (key: string, flags: GlobalOptions & { cron: string; tz: string }) => {
      const timing = timingOf({ cron: flags.cron, tz: flags.tz });
      const def = /^\d+$/.test(key) ? undefined : readCampaignFile(key);
      if (def) process.stderr.write(clampWarnings(def).text);
      try {
        await withSession(async ({ pool, client, taskQueue }) => {
          const templateId = def ? await insertCampaign(pool, def) : Number(key);
          const row = await getCampaign(pool, templateId);
          if (!row) throw new CliError(`no campaign ${templateId}`);
          if (row.workflowId) throw new CliError(`campaign ${templateId} was launched itself; schedule a campaign that is only a template (\`campaign create\`)`);
          const s = await upsertSchedule(client, {
            scheduleId: campaignScheduleId(templateId),
            timing: timing!,
            workflowType: scheduledCampaignWorkflow,
            args: [{ templateId }],
            taskQueue,
            workflowId: scheduledCampaignWorkflowId(templateId),
            // A run due while the last one still runs (recipients deferred for days) waits for it,
            // so that its audience is chosen after the last run's sends (the series cooldown).
            overlap: ScheduleOverlapPolicy.BUFFER_ONE,
          });
          emit({ ...(await describe(client, s.scheduleId)), templateId, created: s.created }, flags, (v) => `${v.created ? 'created' : 'updated'} ${v.scheduleId} for campaign ${templateId} (${row.name})\n${renderView(v)}`);
        });
      } catch (err) {
        if (err instanceof Error && /invalid cron|cron/i.test(err.message) && !(err instanceof CliError)) throw new UsageError(`--cron "${flags.cron}": ${err.message.split('\n')[0]}`);
        throw err;
      }
    });
}
