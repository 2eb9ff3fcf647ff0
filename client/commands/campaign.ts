import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { campaignProgress } from '../../db/campaign-progress';
import { getCampaign, insertCampaign, listCampaigns } from '../../db/campaigns';
import { listDecisions } from '../../db/decisions';
import { journeyOf } from '../../core/campaign/journey';
import { clampWarnings, readCampaignFile } from '../campaign-file';
import type { Pool } from '../../db/pool';
import { providerMessageCounts } from '../../db/provider-messages';
import { campaignWorkflowId } from '../../workflows/ids';
import { campaignStatus, cancelCampaign, pauseCampaign, resumeCampaign, type CampaignStatus } from '../../workflows/messages/campaign';
import { CliError, emit, UsageError, type GlobalOptions } from '../cli-kit';
import { withPool, withSession } from '../session';
import { progressBar, progressLines } from '../progress';
import { registerCampaignReport } from './campaign-report';
import { approveCampaign, launchCampaign } from '../../services/campaign-launch';

const idArg = (v: string) => {
  if (!/^\d+$/.test(v)) throw new UsageError(`campaign id must be a number, got "${v}"`);
  return Number(v);
};

export function registerCampaign(program: Command): void {
  const campaign = program
    .command('campaign')
    .description('create, launch and steer campaigns')
    .addHelpText(
      'after',
      `
A campaign file (YAML or JSON) names the audience (tiers, tags, countries, limit), the channel per
tier, templates per channel and language, the send window in recipient local time, holidays,
start time, deadline, rate limits and whether an approval is required. Every recipient is
decided at send time: SEND, DEFER(until) or SKIP, with a reason (see \`campaign decisions\`).

  reachloop campaign create winter-sale.yaml
  reachloop campaign launch 12 --at 2026-12-01T09:00:00+08:00
  reachloop campaign status 12 --watch
  reachloop campaign report 12 --html winter-sale.html`,
    );

  campaign
    .command('create <file>')
    .description('validate a campaign file and store it (prints the campaign id)')
    .option('--json', 'print as JSON')
    .action(async (file: string, flags: GlobalOptions) => {
      const def = readCampaignFile(file);
      const { clamps, text } = clampWarnings(def);
      process.stderr.write(text);
      await withPool(async (pool) => {
        const id = await insertCampaign(pool, def);
        emit({ id, name: def.name, category: def.category, clamped: clamps }, flags, (c) => `campaign ${c.id} created: ${c.name} (${c.category})`);
      });
    });

  campaign
    .command('launch <id-or-file>')
    .description('start the campaign workflow (a file is created first)')
    .option('--at <time>', 'start time, ISO 8601 with offset (default: the file\'s startAt, else now)')
    .option('--lanes <n>', 'batches in flight at once', '4')
    .option('--batch-size <n>', 'recipients per batch', '1000')
    .option('--json', 'print as JSON')
    .action(async (key: string, flags: GlobalOptions & { at?: string; lanes: string; batchSize: string }) => {
      if (flags.at !== undefined && Number.isNaN(Date.parse(flags.at))) throw new UsageError(`--at must be an ISO 8601 time, got "${flags.at}"`);
      const lanes = Number(flags.lanes);
      const batchSize = Number(flags.batchSize);
      if (!Number.isInteger(lanes) || lanes < 1 || lanes > 64) throw new UsageError('--lanes must be 1..64');
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new UsageError('--batch-size must be 1..100000');
      const def = /^\d+$/.test(key) ? undefined : readCampaignFile(key);
      if (def) process.stderr.write(clampWarnings(def).text);
      await withSession(async ({ pool, client, taskQueue }) => {
        const id = def ? await insertCampaign(pool, def) : idArg(key);
        const row = await getCampaign(pool, id);
        if (!row) throw new CliError(`no campaign ${id}`);
        if (row.workflowId) throw new CliError(`campaign ${id} was launched already (${row.status}); see \`reachloop campaign status ${id}\``);
        const { workflowId } = await launchCampaign({ pool, client: client, taskQueue }, id, { lanes, batchSize, ...(flags.at ? { startAt: new Date(flags.at).toISOString() } : {}) });
        emit({ id, workflowId, requireApproval: row.definition.requireApproval }, flags, (r) =>
          `campaign ${r.id} launched (workflow ${r.workflowId})${r.requireApproval ? `; waiting for \`reachloop campaign approve ${r.id} --by NAME\`` : ''}`,
        );
      });
    });

  campaign
    .command('status <id>')
    .description('counts by state, tier, channel and time zone, and the next wake-up')
    .option('--watch', 'refresh until the campaign ends, with a progress bar (a line per change when stderr is not a terminal)')
    .option('--json', 'print as JSON')
    .action(async (key: string, flags: GlobalOptions & { watch?: boolean }) => {
      const id = idArg(key);
      await withSession(async ({ client, pool }) => {
        const handle = client.workflow.getHandle(await workflowIdOf(pool, id));
        const definition = (await getCampaign(pool, id))?.definition;
        const steps = definition ? journeyOf(definition).map((s) => s.id) : [];
        // The counts are the database's truth (a retried batch made the workflow's running tally
        // drift, even below zero); the workflow tells the phase, approval and next wake-up.
        const read = async (): Promise<StatusView> => {
          const status = await handle.query(campaignStatus).catch((err) => {
            throw new CliError(`campaign ${id} has no running or finished workflow: ${(err as Error).message.split('\n')[0]}`);
          });
          const [{ dueNow: _due, nextAt: _next, byStep, ...truth }, messages] = await Promise.all([campaignProgress(pool, id, new Date()), providerMessageCounts(pool, { campaignId: id })]);
          return { ...status, ...truth, planned: truth.planned || status.planned, ...(steps.length > 1 ? { byStep: Object.fromEntries(steps.map((s) => [s, byStep[s] ?? {}])) } : {}), duplicates: messages.duplicates };
        };
        let status = await read();
        if (flags.watch) {
          const bar = progressBar('sending', 'recipients', !flags.json);
          const lines = progressLines(flags);
          const show = (s: StatusView) => {
            bar.update(doneCount(s), s.planned ?? 0);
            lines(`${s.phase}${s.paused ? ' (paused)' : ''}: ${doneCount(s)}/${s.planned ?? 0} ${s.byStep ? 'messages' : 'recipients'} done (${Object.entries(s.byState).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ') || 'none yet'})`);
          };
          while (!['completed', 'cancelled'].includes(status.phase)) {
            show(status);
            await new Promise((r) => setTimeout(r, 1000));
            status = await read();
          }
          show(status);
          bar.stop();
        }
        emit(status, flags, renderStatus);
      });
    });

  const signal = (name: string, description: string, send: (handle: ReturnType<Client['workflow']['getHandle']>, flags: Record<string, string>, client: Client) => Promise<void>, extra?: (c: Command) => Command) => {
    let cmd = campaign.command(`${name} <id>`).description(description).option('--json', 'print the status after it as JSON');
    if (extra) cmd = extra(cmd);
    cmd.action(async (key: string, flags: GlobalOptions & Record<string, string>) => {
      const id = idArg(key);
      await withSession(async ({ client, pool }) => {
        const handle = client.workflow.getHandle(await workflowIdOf(pool, id));
        await send(handle, flags, client).catch((err) => {
          throw new CliError(`cannot ${name} campaign ${id}: ${(err as Error).message.split('\n')[0]}`);
        });
        emit(await handle.query(campaignStatus), flags, (s) => `campaign ${id}: ${name} sent; now ${s.phase}${s.approvedBy ? `, approved by ${s.approvedBy}` : ''}`);
      });
    });
  };
  signal('approve', 'approve a campaign that requires approval', (h, f, client) => approveCampaign({ client }, h.workflowId, f.by!), (c) => c.requiredOption('--by <name>', 'who approves'));
  signal('pause', 'stop sending after the current batches (resume continues)', (h) => h.signal(pauseCampaign));
  signal('resume', 'continue a paused campaign', (h) => h.signal(resumeCampaign));
  signal('cancel', 'stop for good; remaining recipients are skipped', (h, f) => h.signal(cancelCampaign, { reason: f.reason! }), (c) => c.requiredOption('--reason <text>', 'why (kept in the audit trail)'));

  campaign
    .command('list')
    .description('campaigns, newest first')
    .option('--json', 'print as JSON')
    .action(async (flags: GlobalOptions) => {
      await withPool(async (pool) => {
        const rows = (await listCampaigns(pool)).map(({ definition: _d, ...r }) => r);
        emit(rows, flags, (list) => (list.length ? list.map((c) => `${String(c.id).padStart(5)}  ${c.status.padEnd(18)} ${c.category.padEnd(13)} ${c.name}`).join('\n') : 'no campaigns yet'));
      });
    });

  campaign
    .command('decisions <id>')
    .description('the audit trail: who got what, when and why')
    .option('--reason <reason>', 'only decisions with this reason (e.g. cap_reached, opted_out, quiet_hours)')
    .option('--rule <rule>', 'only decisions this rule made (e.g. outside_window:us-fl-ftsa, cap:tier-cadence-B, holiday:CN)')
    .option('--contact <id>', 'only this contact')
    .option('--limit <n>', 'at most this many rows', '200')
    .option('--json', 'print as JSON')
    .action(async (key: string, flags: GlobalOptions & { reason?: string; rule?: string; contact?: string; limit: string }) => {
      const id = idArg(key);
      await withPool(async (pool) => {
        const list = await listDecisions(pool, id, { reason: flags.reason ?? null, rule: flags.rule ?? null, contactId: flags.contact ? Number(flags.contact) : null, limit: Number(flags.limit) });
        emit(list, flags, (l) =>
          l.length
            ? l.map((d) => `${d.at}  contact ${String(d.contactId).padEnd(8)} ${d.decision.padEnd(5)} ${d.rule ?? d.reason}${d.channel ? ` via ${d.channel}` : ''}${d.until ? ` until ${d.until}` : ''}${d.detail ? `  (${d.detail})` : ''}`).join('\n')
            : 'no decisions match',
        );
      });
    });

  registerCampaignReport(campaign, { idArg });
}

/**
 * The workflow's status with the database's counts, and the duplicate sends adopted from the
 * provider's callbacks. A journey's `planned` counts a row per recipient and step reached (a step's
 * rows are added as the step before it is sent), so it grows; byStep splits it, in the steps' order.
 */
type StatusView = CampaignStatus & { duplicates: number; byStep?: Record<string, Record<string, number>> };

const doneCount = (s: CampaignStatus) => ['sent', 'skipped', 'failed', 'unknown'].reduce((n, k) => n + (s.byState[k] ?? 0), 0);

function renderStatus(s: StatusView): string {
  const line = (label: string, counts: Record<string, number>) => {
    const entries = Object.entries(counts).filter(([, n]) => n !== 0).sort((a, b) => b[1] - a[1]);
    return `  ${label.padEnd(18)} ${entries.length ? entries.map(([k, n]) => `${k} ${n}`).join(', ') : '-'}`;
  };
  return [
    `campaign ${s.campaignId} ${s.name} (${s.category}): ${s.phase}${s.paused ? ' (paused)' : ''}`,
    `  planned            ${s.planned ?? '-'}${s.byStep ? ' messages (a row per recipient and step reached so far)' : ''}`,
    line('by state', s.byState),
    ...Object.entries(s.byStep ?? {}).map(([step, counts]) => line(`step ${step}`, counts)),
    line('sent by tier', s.sentByTier),
    line('sent by channel', s.sentByChannel),
    line('sent by time zone', s.sentByZone),
    line('deferred now (why)', s.deferredByReason),
    line('skipped (why)', s.skippedByReason),
    `  duplicate sends    ${s.duplicates}${s.duplicates ? ' (a recipient got a message twice: reachloop ledger sweep keeps their status)' : ''}`,
    `  approved by        ${s.approvedBy ?? '-'}`,
    `  next wake-up       ${s.nextWakeAt ? new Date(s.nextWakeAt).toISOString() : '-'}`,
    ...(s.cancelReason ? [`  cancelled          ${s.cancelReason}`] : []),
  ].join('\n');
}

/** The workflow a campaign runs under: the one it was launched with (a message of the API: message-<key hash>), else campaign-<id>. */
async function workflowIdOf(pool: Pool, id: number): Promise<string> {
  return (await getCampaign(pool, id))?.workflowId ?? campaignWorkflowId(id);
}
