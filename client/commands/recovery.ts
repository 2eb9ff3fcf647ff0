import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { reportNumberChange } from '../../services/number-change';
import { scanDeadContacts } from '../../services/recovery-detect';
import { parseDurationMs } from '../../core/duration';
import { funnelOf, renderFunnel } from '../../core/recovery/funnel';
import { maskPhone } from '../../core/mask';
import { normalizePhone, type CountryCode } from '../../core/phone';
import type { Pool } from '../../db/pool';
import { DEAD_AFTER_FAILURES } from '../../db/number-change';
import { funnelCounts, getCase, listCases, type RecoveryCase } from '../../db/recovery';
import { mergeAuditOf } from '../../db/recovery-merge';
import { recoveryScanScheduleId, recoveryWorkflowId, scheduledRecoveryScanWorkflowId } from '../../workflows/ids';
import { cancelRecovery } from '../../workflows/messages/recovery';
import type { RecoveryScanInput } from '../../workflows/messages/recovery-scan';
import { recoveryOptionsOf, startOrSignalRecovery, type RecoveryOptions } from '../../services/recovery-lifecycle';
import { progressLine } from '../progress';
import { deleteSchedule, timingOf, upsertSchedule } from '../schedules';
import { CliError, configOrExit, emit, UsageError, type GlobalOptions } from '../cli-kit';
import { withPool, withSession } from '../session';
import { recoveryScanWorkflow } from '../../workflows/recovery-scan';

const STATES = ['detected', 'matched', 'confirmation_sent', 'confirmed', 'refused', 'expired', 'cancelled'];

interface RunFlags extends GlobalOptions {
  replyWithin?: string;
  followUpCampaign?: string;
  brand?: string;
}

/** `reachloop recovery ...`: the changed-number recovery funnel. */
export function registerRecovery(program: Command): void {
  const recovery = program.command('recovery').description('changed-number recovery: find dead numbers, confirm the new one by SMS, merge');
  const runOptions = (c: Command) =>
    c
      .option('--reply-within <duration>', 'how long the candidate has to answer, e.g. 72h or 3d (one reminder at two thirds; default RECOVERY_REPLY_WITHIN, 72h)')
      .option('--follow-up-campaign <id>', 'marketing campaign that offers the welcome-back after a merge (default RECOVERY_FOLLOW_UP_CAMPAIGN)')
      .option('--brand <name>', 'brand in the confirmation SMS (default BRAND_NAME)')
      .option('--json', 'print as JSON');

  runOptions(
    recovery
      .command('scan')
      .description('find dead numbers, match each customer\'s likely new number, and ask it to confirm (now, or on a schedule)')
      .option('--min-failures <n>', 'consecutive delivery failures that make a number dead', String(DEAD_AFTER_FAILURES))
      .option('--page-size <n>', 'contacts per page (one transaction of matching each)', '500')
      .option('--dry-run', 'match and record the cases, start no workflow (nothing is sent)')
      .option('--schedule <every>', 'create or update the scan schedule instead, e.g. "every 6h"')
      .option('--cron <expr>', 'or on a calendar: cron fields "minute hour day month weekday", e.g. "0 */6 * * *"')
      .option('--tz <zone>', 'the time zone of --cron (default UTC)')
      .option('--unschedule', 'delete the scan schedule')
      .addHelpText(
        'after',
        `
A number is dead when a recheck found it empty or stopped, outcomes marked it unreachable, or
--min-failures deliveries in a row failed (30003/30005/30006...). For each such customer the scan
looks for a likely new number through the customer's own links (same e-mail on a newer account,
same device, same shipping address), never a number of another active customer or a quarantined
one, and starts a RecoveryWorkflow (id recovery-<contact id>) that sends ONE confirmation SMS in
the candidate's local daytime and waits for Y (merge) or T/STOP (suppress). Customers whose case
was refused or went unanswered are not asked again. Running the scan twice starts nothing twice.

Examples:
  reachloop recovery scan --dry-run --json     # who would be asked
  reachloop recovery scan --reply-within 48h
  reachloop recovery scan --schedule "every 6h"
  reachloop recovery funnel`,
      ),
  ).action(async (flags: RunFlags & { minFailures: string; pageSize: string; dryRun?: boolean; schedule?: string; cron?: string; tz?: string; unschedule?: boolean }) => {
    const minFailures = int(flags.minFailures, '--min-failures');
    const pageSize = int(flags.pageSize, '--page-size');
    if (pageSize < 1 || pageSize > 10_000) throw new UsageError(`--page-size must be from 1 to 10000, got "${flags.pageSize}"`);
    const timing = timingOf(flags);
    if (flags.dryRun && (timing || flags.unschedule)) throw new UsageError('--dry-run runs once: it does not go with --schedule, --cron or --unschedule');
    await withDeps(flags, async ({ pool, client, options }) => {
      if (flags.unschedule) return emit(await deleteSchedule(client, recoveryScanScheduleId()), flags, (r) => (r.deleted ? `deleted schedule ${r.scheduleId}` : `no schedule ${r.scheduleId}`));
      if (timing) {
        const input: RecoveryScanInput = { minFailures, pageSize, options };
        const s = await upsertSchedule(client, { scheduleId: recoveryScanScheduleId(), timing, workflowType: recoveryScanWorkflow, args: [input], taskQueue: options.taskQueue, workflowId: scheduledRecoveryScanWorkflowId() });
        return emit(s, flags, (x) => `${x.created ? 'created' : 'updated'} schedule ${x.scheduleId}: recovery scan every ${x.every} on task queue ${x.taskQueue}; next run ${x.nextRunAt ?? '-'}`);
      }
      const bar = progressLine(flags);
      const total = await scanAllDeadContacts({ pool, client, options }, {
        minFailures,
        pageSize,
        dryRun: !!flags.dryRun,
        onPage: (t) => bar(`scanned ${t.dead} dead numbers; matched ${t.matched}; asked ${t.workflowsStarted}`),
      });
      bar(null);
      emit(total, flags, (s) => `dead numbers ${s.dead}; cases opened ${s.casesOpened}; matched ${s.matched}; ${s.dryRun ? 'dry run: no confirmation started' : `confirmations started ${s.workflowsStarted}`}`);
    });
  });

  runOptions(
    recovery
      .command('start <contact-id>')
      .description('the customer reported a new number: open a case for the contact and ask that number to confirm')
      .requiredOption('--candidate <number>', 'the new number (E.164 or national with --default-country)')
      .option('--default-country <CC>', 'country for a number written without country code'),
  ).action(async (contactId: string, flags: RunFlags & { candidate: string; defaultCountry?: string }) => {
    const phone = normalizePhone(flags.candidate, { defaultCountry: flags.defaultCountry?.toUpperCase() as CountryCode | undefined });
    if (!phone.ok) throw new UsageError(`--candidate: ${phone.message}`);
    const id = int(contactId, 'contact id');
    await withDeps(flags, async ({ pool, client, options }) => {
      const r = await reportNumberChange(pool, id, phone.e164, new Date());
      if (r.kind === 'no_contact') throw new CliError(`no contact ${contactId}`);
      if (r.kind === 'merged') throw new CliError(`contact ${id} was merged into contact ${r.into}: start the case there`);
      if (r.kind === 'erased') throw new CliError(`contact ${id} was erased or holds an erased person's number or address: no case, nothing sent`);
      if (r.kind === 'busy') throw new CliError(`case ${r.case.id} is already ${r.case.state === 'confirmation_sent' ? 'asking' : 'open for'} another number: \`reachloop recovery cancel ${r.case.id}\` first`);
      if (r.kind === 'unusable') throw new CliError(`case ${r.case.id} not started: the number cannot be used (${JSON.stringify(r.excluded)})`);
      const workflowId = await startOrSignalRecovery(client, pool, r.case, options);
      emit({ caseId: r.case.id, workflowId, candidate: maskPhone(phone.e164) }, flags, (x) => `case ${x.caseId}: asking ${x.candidate} (workflow ${x.workflowId})`);
    });
  });

  recovery
    .command('list')
    .description('recovery cases, newest first')
    .option('--state <state>', `only this state: ${STATES.join(', ')}`)
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print as JSON')
    .action(async (flags: GlobalOptions & { state?: string; limit: string }) => {
      if (flags.state && !STATES.includes(flags.state)) throw new UsageError(`--state must be one of ${STATES.join(', ')}`);
      await withPool(async (pool) => {
        const cases = (await listCases(pool, { ...(flags.state ? { state: flags.state } : {}), limit: int(flags.limit, '--limit') })).map(masked);
        emit(cases, flags, (cs) => cs.map((k) => `${String(k.id).padStart(6)}  ${k.state.padEnd(17)} contact ${k.contactId} -> ${k.candidateE164 ?? '-'}  conf ${k.confidence ?? '-'}  ${k.detectionReason}`).join('\n') || 'no cases');
      });
    });

  recovery
    .command('show <case-id>')
    .description('one case: detection, candidate, evidence, what was sent, the outcome')
    .option('--json', 'print as JSON')
    .action(async (id: string, flags: GlobalOptions) => {
      await withPool(async (pool) => {
        const k = await getCase(pool, int(id, 'case id'));
        if (!k) throw new CliError(`no recovery case ${id}`);
        const merge = (await mergeAuditOf(pool, k.id)) ?? null;
        emit({ ...masked(k), merge }, flags, (x) =>
          [
            `case ${x.id}  ${x.state}${x.closeReason ? ` (${x.closeReason})` : ''}  workflow ${x.workflowId ?? '-'}`,
            `  contact ${x.contactId}, detected ${x.detectedAt} (${x.detectionReason})`,
            `  candidate ${x.candidateE164 ?? '-'} (contact ${x.candidateContactId ?? '-'}), confidence ${x.confidence ?? '-'}`,
            ...x.evidence.map((e) => `    ${e.kind} ${e.confidence}: ${e.detail}`),
            `  confirmation ${x.confirmationSentAt ?? '-'}; reminder ${x.reminderSentAt ?? '-'}; reply ${x.replyKind ?? '-'} ${x.repliedAt ?? ''}`,
            x.merge ? `  merged by ${x.merge.actor} at ${x.merge.at.toISOString()}: ${JSON.stringify(x.merge.moved)}` : '',
          ].filter(Boolean).join('\n'),
        );
      });
    });

  recovery
    .command('cancel <case-id>')
    .description('stop a running case (nothing more is sent)')
    .option('--reason <text>', 'why', 'operator')
    .action(async (id: string, flags: { reason: string }) => {
      await withSession(async ({ pool, client }) => {
        const k = await getCase(pool, int(id, 'case id'));
        if (!k) throw new CliError(`no recovery case ${id}`);
        await client.workflow.getHandle(recoveryWorkflowId(k.contactId)).signal(cancelRecovery, { reason: flags.reason });
        process.stdout.write(`case ${k.id}: cancel requested\n`);
      });
    });

  recovery
    .command('funnel')
    .description('detected -> matched -> confirmation sent -> confirmed / refused / expired, counts and rates')
    .option('--since <date>', 'only cases detected since (ISO 8601)')
    .option('--json', 'print as JSON')
    .action(async (flags: GlobalOptions & { since?: string }) => {
      const since = flags.since ? new Date(flags.since) : undefined;
      if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since must be a date, got "${flags.since}"`);
      await withPool(async (pool) => emit(funnelOf(await funnelCounts(pool, since)), flags, renderFunnel));
    });
}

function masked(k: RecoveryCase) {
  return { ...k, candidateE164: k.candidateE164 ? maskPhone(k.candidateE164) : null };
}

function int(s: string, what: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${what} must be a whole number, got "${s}"`);
  return n;
}

/** Runs fn with a session and the recovery options of the flags over the configuration (checked first). */
async function withDeps(flags: RunFlags, fn: (deps: { pool: Pool; client: Client; options: RecoveryOptions }) => Promise<void>): Promise<void> {
  const config = configOrExit();
  const replyWithinMs = flags.replyWithin === undefined ? undefined : parseDurationMs(flags.replyWithin);
  if (replyWithinMs === null || (replyWithinMs !== undefined && replyWithinMs < 1_000)) throw new UsageError(`--reply-within must be a duration such as 72h, 3d or 90m, got "${flags.replyWithin}"`);
  const options = recoveryOptionsOf(config, {
    ...(replyWithinMs !== undefined ? { replyWithinMs } : {}),
    ...(flags.followUpCampaign ? { followUpCampaignId: int(flags.followUpCampaign, '--follow-up-campaign') } : {}),
    ...(flags.brand ? { brand: flags.brand } : {}),
  });
  await withSession(({ pool, client }) => fn({ pool, client, options }));
}

export interface ScanTotal {
  dead: number;
  casesOpened: number;
  matched: number;
  workflowsStarted: number;
  dryRun: boolean;
}

/**
 * A whole recovery scan from the client: every page of dead contacts, their cases opened and
 * matched, a RecoveryWorkflow started for each match (`reachloop recovery scan`, and the demo's
 * changed-number scene).
 */
export async function scanAllDeadContacts(
  deps: { pool: Pool; client: Client; options: RecoveryOptions },
  o: { minFailures: number; pageSize: number; dryRun?: boolean; onPage?: (total: ScanTotal) => void },
): Promise<ScanTotal> {
  const { pool, client, options } = deps;
  const total: ScanTotal = { dead: 0, casesOpened: 0, matched: 0, workflowsStarted: 0, dryRun: !!o.dryRun };
  for (let afterId = 0; ; ) {
    const page = await scanDeadContacts(pool, { afterId, limit: o.pageSize, minFailures: o.minFailures, at: new Date(), dryRun: !!o.dryRun, start: (k) => startOrSignalRecovery(client, pool, k, options) });
    total.dead += page.dead;
    total.casesOpened += page.casesOpened;
    total.matched += page.matched;
    total.workflowsStarted += page.workflowsStarted;
    o.onPage?.(total);
    if (page.lastId === null) return total;
    afterId = page.lastId;
  }
}
