import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { detectAndMatch } from '../../activities/recovery';
import { funnelOf, renderFunnel } from '../../core/recovery/funnel';
import { maskPhone } from '../../core/mask';
import { normalizePhone, type CountryCode } from '../../core/phone';
import { sha256Hex } from '../../db/contacts';
import { connectPool, type Pool } from '../../db/pool';
import { findDeadContacts, funnelCounts, getCase, listCases, type RecoveryCase } from '../../db/recovery';
import { connectClient } from '../../infra/temporal';
import { recoveryWorkflowId } from '../../workflows/ids';
import { cancelRecovery } from '../../workflows/shared';
import { startOrSignalRecovery, type RecoveryOptions } from '../recovery/lifecycle';
import { CliError, configOrExit, emit, resolveDatabaseUrl, resolveTemporalAddress, UsageError, type GlobalOptions } from '../cli-kit';

const STATES = ['detected', 'matched', 'confirmation_sent', 'confirmed', 'refused', 'expired', 'cancelled'];

interface RunFlags extends GlobalOptions {
  replyHours: string;
  followUpCampaign?: string;
  brand: string;
}

/** `reachloop recovery ...`: the changed-number recovery funnel. */
export function registerRecovery(program: Command): void {
  const recovery = program.command('recovery').description('changed-number recovery: find dead numbers, confirm the new one by SMS, merge');
  const runOptions = (c: Command) =>
    c
      .option('--reply-hours <h>', 'how long the candidate has to answer', '72')
      .option('--follow-up-campaign <id>', 'marketing campaign that offers the welcome-back after a merge')
      .option('--brand <name>', 'brand in the confirmation SMS', 'reachloop')
      .option('--json', 'print as JSON');

  runOptions(
    recovery
      .command('scan')
      .description('find dead numbers (unreachable, empty/stopped, consecutive failures, feedback), match candidates, start cases')
      .option('--min-failures <n>', 'consecutive delivery failures that make a number dead', '2')
      .option('--limit <n>', 'contacts per scan', '10000')
      .option('--dry-run', 'match and record, start no workflow'),
  ).action(async (flags: RunFlags & { minFailures: string; limit: string; dryRun?: boolean }) => {
    await withDeps(flags, async (pool, run) => {
      const dead = await findDeadContacts(pool, { minFailures: int(flags.minFailures, '--min-failures'), limit: int(flags.limit, '--limit') });
      const results = [];
      for (let i = 0; i < dead.length; i += 500) results.push(...(await detectAndMatch(pool, dead.slice(i, i + 500), new Date())));
      let started = 0;
      if (!flags.dryRun) for (const r of results) if (r.case.state === 'matched') (await run(r.case), started++);
      const summary = { dead: dead.length, casesOpened: results.filter((r) => r.created).length, matched: results.filter((r) => r.matched).length, workflowsStarted: started };
      emit(summary, flags, (s) => `dead numbers ${s.dead}; cases opened ${s.casesOpened}; matched ${s.matched}; confirmations started ${s.workflowsStarted}`);
    });
  });

  runOptions(
    recovery
      .command('start <contact-id>')
      .description('open a case for a contact with a number the customer reported, and ask that number')
      .requiredOption('--candidate <number>', 'the new number (E.164 or national with --default-country)')
      .option('--default-country <CC>', 'country for a number written without country code'),
  ).action(async (contactId: string, flags: RunFlags & { candidate: string; defaultCountry?: string }) => {
    const phone = normalizePhone(flags.candidate, { defaultCountry: flags.defaultCountry?.toUpperCase() as CountryCode | undefined });
    if (!phone.ok) throw new UsageError(`--candidate: ${phone.message}`);
    await withDeps(flags, async (pool, run) => {
      const [r] = await detectAndMatch(pool, [{ contactId: int(contactId, 'contact id'), reason: 'self_reported', selfReportedE164: phone.e164 }], new Date());
      if (!r) throw new CliError(`no contact ${contactId}`);
      if (r.case.state !== 'matched') throw new CliError(`case ${r.case.id} not started: ${r.case.state === 'detected' ? `the number cannot be used (${JSON.stringify(r.case.excluded)})` : `it is ${r.case.state}`}`);
      const workflowId = await run(r.case);
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
        const audit = (await pool.query('SELECT actor, moved, at FROM merge_audit WHERE case_id = $1', [k.id])).rows;
        emit({ ...masked(k), merge: audit[0] ?? null }, flags, (x) =>
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
      const config = configOrExit();
      await withPool(async (pool) => {
        const k = await getCase(pool, int(id, 'case id'));
        if (!k) throw new CliError(`no recovery case ${id}`);
        const client = await connectClient(resolveTemporalAddress(config), config.temporal.namespace);
        try {
          await client.workflow.getHandle(recoveryWorkflowId(k.contactId)).signal(cancelRecovery, { reason: flags.reason });
        } finally {
          await client.connection.close();
        }
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

/** `reachloop audience export-hashed`: registered beside `audience` by client/main.ts. */
export function registerExportHashed(program: Command): void {
  const audience = program.commands.find((c) => c.name() === 'audience') ?? program.command('audience');
  audience
    .command('export-hashed')
    .description('SHA-256 of E.164 numbers and lowercased e-mails for ad-platform customer match; raw data never leaves')
    .requiredOption('--out <file>', 'CSV file to write (phone_sha256,email_sha256)')
    .option('--segment <segment>', 'recovery (open cases and unmatched dead numbers) or all', 'recovery')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: GlobalOptions & { out: string; segment: string }) => {
      if (!['recovery', 'all'].includes(flags.segment)) throw new UsageError('--segment must be recovery or all');
      await withPool(async (pool) => emit(await exportHashed(pool, flags.out, flags.segment as 'recovery' | 'all'), flags, (s) => `${s.rows} rows (${s.emails} with e-mail) written to ${s.out}`));
    });
}

/**
 * Google Customer Match and Meta custom audiences take SHA-256 hex of the phone in E.164 with the
 * leading + (Google: "+" and country code; Meta's docs strip the + - the digits are what count)
 * and of the trimmed, lowercased e-mail. Exported with the +, as Google documents.
 */
export async function exportHashed(pool: Pool, out: string, segment: 'recovery' | 'all'): Promise<{ out: string; rows: number; emails: number }> {
  const where =
    segment === 'all'
      ? `NOT EXISTS (SELECT 1 FROM contact_aliases a WHERE a.old_contact_id = c.id)`
      : `EXISTS (SELECT 1 FROM recovery_cases k WHERE k.contact_id = c.id AND k.state IN ('detected', 'matched', 'confirmation_sent', 'expired'))`;
  const { rows } = await pool.query(
    `SELECT c.phone_e164, (SELECT min(e.email) FROM contact_emails e WHERE e.contact_id = c.id) AS email FROM contacts c WHERE ${where} ORDER BY c.id`,
  );
  const file = createWriteStream(out, { mode: 0o600 });
  file.write('phone_sha256,email_sha256\n');
  let emails = 0;
  for (const r of rows) {
    const email = r.email ? sha256Hex(String(r.email).trim().toLowerCase()) : '';
    if (email) emails++;
    file.write(`${sha256Hex(r.phone_e164)},${email}\n`);
  }
  await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { out, rows: rows.length, emails };
}

function masked(k: RecoveryCase) {
  return { ...k, candidateE164: k.candidateE164 ? maskPhone(k.candidateE164) : null };
}

function int(s: string, what: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${what} must be a whole number, got "${s}"`);
  return n;
}

async function withPool<T>(fn: (pool: Pool) => Promise<T>): Promise<T> {
  const config = configOrExit();
  const pool = await connectPool(resolveDatabaseUrl(config), 4);
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

async function withDeps(flags: RunFlags, fn: (pool: Pool, run: (k: RecoveryCase) => Promise<string>) => Promise<void>): Promise<void> {
  const config = configOrExit();
  const hours = Number(flags.replyHours);
  if (!(hours > 0)) throw new UsageError(`--reply-hours must be positive, got "${flags.replyHours}"`);
  const opts: RecoveryOptions = {
    taskQueue: config.temporal.taskQueue,
    replyTimeoutMs: hours * 3_600_000,
    reminderAfterMs: Math.round((hours * 3_600_000 * 2) / 3),
    followUpCampaignId: flags.followUpCampaign ? int(flags.followUpCampaign, '--follow-up-campaign') : null,
    brand: flags.brand,
  };
  await withPool(async (pool) => {
    const client = await connectClient(resolveTemporalAddress(config), config.temporal.namespace);
    try {
      await fn(pool, (k) => startOrSignalRecovery(client, pool, k, opts));
    } finally {
      await client.connection.close();
    }
  });
}
