import type { Command } from 'commander';
import { z } from 'zod';
import { INTAKE_FIELDS } from '../../core/intake/fields';
import type { ImportOptions } from '../../db/intake';
import { connectPool, type Pool } from '../../db/pool';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../infra/temporal';
import { intakeWorkflowId } from '../../workflows/ids';
import { intakeProgress, type IntakeInput, type IntakeReport } from '../../workflows/shared';
import { configOrExit, emit, importFlags, resolveDatabaseUrl, resolveTemporalAddress, UsageError, type GlobalOptions } from '../cli-kit';
import { writeRejectsFile } from '../intake/rejects-file';
import { uploadFile } from '../intake/upload';
import { pollProgress, progressBar } from '../progress';
import { registerRecheck } from './recheck';
import { registerTiers } from './tiers';

interface ImportFlags extends GlobalOptions {
  source?: string;
  defaultCountry?: string;
  consentPurpose: string;
  mapping?: string;
  format?: string;
  rejects?: string;
  batchSize: string;
  parallelism: string;
  progress: boolean;
}

const mappingSchema = z.partialRecord(z.enum(INTAKE_FIELDS), z.string().min(1));

export function registerAudience(program: Command): void {
  const audience = program.command('audience').description('import, clean, score and tier contacts');
  audience
    .command('import <file>')
    .description('import a CSV (with header) or JSON Lines file of contacts through the AudienceIntake workflow')
    .option('--source <name>', 'where the list comes from (recorded with every consent)', undefined)
    .option('--default-country <CC>', 'ISO country for numbers written without a country code, e.g. CN')
    .option('--consent-purpose <purpose>', 'purpose of the consent given by opt-in times in the file', 'marketing')
    .option('--mapping <file.json>', `which column holds which field, e.g. {"phone": "Mobile"}; fields: ${INTAKE_FIELDS.join(', ')}`)
    .option('--format <csv|jsonl>', 'file format (default: from the extension; .jsonl/.ndjson are JSON Lines)')
    .option('--rejects <file>', 'where to write rejected rows (default: FILE.rejects.csv)')
    .option('--batch-size <rows>', 'rows per merge activity (one hash range of the numbers)', '20000')
    .option('--parallelism <n>', 'merge activities in flight at once', '4')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Every row is validated (phone to E.164, e-mail, dates, amounts), enriched (country, region,
currency, language, time zones), merged by number (latest transaction wins, tags and consents
are united), scored and tiered. Rejected rows are written with line number and reason to the
rejects file and to PostgreSQL; good rows are never dropped because a neighbour was bad.
Importing the same file again changes nothing.

Example:
  reachloop audience import customers.csv --default-country CN --source crm-2026-11`,
    )
    .action(async (file: string, flags: ImportFlags) => runImport(file, flags));
  registerRecheck(audience);
  registerTiers(audience);
}

function parseFlags(file: string, flags: ImportFlags): { options: ImportOptions; batchSize: number; parallelism: number; rejectsFile: string } {
  importFlags.file(file);
  const format = flags.format ?? (/\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : 'csv');
  if (format !== 'csv' && format !== 'jsonl') throw new UsageError(`--format must be csv or jsonl, got "${flags.format}"`);
  const country = importFlags.country(flags.defaultCountry);
  let mapping: Record<string, string> = {};
  if (flags.mapping) {
    const checked = mappingSchema.safeParse(importFlags.mappingJson(flags.mapping));
    if (!checked.success) throw new UsageError(`--mapping ${flags.mapping} must be an object of field -> column name; fields: ${INTAKE_FIELDS.join(', ')}`);
    mapping = checked.data as Record<string, string>;
  }
  return {
    options: { source: flags.source ?? file.split('/').pop()!, defaultCountry: country ?? null, consentPurpose: flags.consentPurpose, mapping, format },
    batchSize: importFlags.positive('batch-size', flags.batchSize, 1_000_000),
    parallelism: importFlags.positive('parallelism', flags.parallelism, 64),
    rejectsFile: flags.rejects ?? `${file}.rejects.csv`,
  };
}

async function runImport(file: string, flags: ImportFlags): Promise<void> {
  const { options, batchSize, parallelism, rejectsFile } = parseFlags(file, flags);
  const config = configOrExit();
  const client = await connectClient(resolveTemporalAddress(config), config.temporal.namespace);
  const pool = await connectPool(resolveDatabaseUrl(config), 4);
  try {
    const result = await importAudience({ pool, client, taskQueue: config.temporal.taskQueue }, file, options, { batchSize, parallelism, rejectsFile, progress: flags.progress && !flags.json });
    emit(result, flags, renderReport);
  } finally {
    await pool.end();
    await client.connection.close();
  }
}

export type ImportResult = IntakeReport & { file: string; sha256: string; rejectsFile: string | null };

/** Upload, run the AudienceIntake workflow to the end, write the rejects file: the import. */
export async function importAudience(
  s: { pool: Pool; client: Client; taskQueue: string },
  file: string,
  options: ImportOptions,
  run: { batchSize: number; parallelism: number; rejectsFile: string; progress: boolean },
): Promise<ImportResult> {
  const reading = progressBar('reading', 'bytes', run.progress);
  const upload = await uploadFile(s.pool, file, options, (bytes, total) => reading.update(bytes, total));
  reading.stop();
  const input: IntakeInput = {
    importId: upload.importId,
    rowsRead: upload.rowsRead,
    validRows: upload.validRows,
    rejectedByReason: upload.rejectedByReason,
    parallelism: run.parallelism,
    partitions: partitionsFor(upload.validRows, run.batchSize),
  };
  const workflowId = intakeWorkflowId(upload.importId);
  const handle = await s.client.workflow.start('audienceIntakeWorkflow', { taskQueue: s.taskQueue, workflowId, args: [input] });
  // Every reject is known once the upload is done: the rejects file is written while the merge runs.
  const rejected = Object.values(upload.rejectedByReason).some((n) => n > 0);
  const rejectsWritten = rejected ? writeRejectsFile(s.pool, upload.importId, run.rejectsFile) : Promise.resolve(0);
  rejectsWritten.catch(() => {}); // awaited below
  await s.pool.query('UPDATE imports SET workflow_id = $2 WHERE id = $1', [upload.importId, workflowId]);
  const processing = progressBar('merging', 'rows', run.progress);
  const poll = pollProgress(
    () => handle.query(intakeProgress),
    (p) => processing.update(Math.round((p.partitionsMerged / p.partitions) * p.totalRows), p.totalRows),
  );
  let report: IntakeReport;
  try {
    report = await handle.result();
  } finally {
    await poll.stop();
    processing.stop();
  }
  return { ...report, file, sha256: upload.sha256, rejectsFile: (await rejectsWritten) ? run.rejectsFile : null };
}

/** Merge partitions of about batchSize staged rows each: what one activity holds in memory stays small. */
const partitionsFor = (rows: number, batchSize: number) => Math.min(4_096, Math.max(1, Math.ceil(rows / batchSize)));

export function renderReport(r: ImportResult): string {
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `    ${k.padEnd(24)} ${n}`)
      .join('\n') || '    (none)';
  const zones = Object.entries(r.timeZones);
  return [
    `import ${r.importId} of ${r.file}`,
    `  rows read            ${r.rowsRead}`,
    `  accepted             ${r.accepted}`,
    `  merged duplicates    ${r.mergedDuplicates}`,
    `  contacts written     ${r.contacts} (${r.created} new)`,
    `  rejected             ${r.rejected}${r.rejectsFile ? `  -> ${r.rejectsFile}` : ''}`,
    list(r.rejectedByReason),
    `  quarantined          ${r.quarantined}`,
    list(r.quarantinedByReason),
    ...(r.consentNever && Object.keys(r.consentNever).length
      ? [`  never consent        ${Object.values(r.consentNever).reduce((a, b) => a + b, 0)} rows (bought or rented lists: no marketing)`, list(r.consentNever)]
      : []),
    `  tiers                ${['A', 'B', 'C', 'D'].map((t) => `${t} ${r.tiers[t] ?? 0}`).join('  ')}`,
    `  time zones covered   ${zones.length}${zones.length ? `: ${zones.slice(0, 8).map(([z, n]) => `${z} ${n}`).join(', ')}${zones.length > 8 ? ', …' : ''}` : ''}`,
  ].join('\n');
}
