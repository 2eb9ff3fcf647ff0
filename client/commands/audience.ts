import type { Command } from 'commander';
import { checkMapping, INTAKE_FIELDS, MappingError } from '../../core/intake/fields';
import { setImportWorkflow } from '../../db/import-jobs';
import type { ImportOptions } from '../../db/intake';
import type { Pool } from '../../db/pool';
import type { Client } from '@temporalio/client';
import { intakeWorkflowId } from '../../workflows/ids';
import { intakeProgress, type IntakeInput, type IntakeReport } from '../../workflows/messages/intake';
import { emit, importFlags, UsageError, type GlobalOptions } from '../cli-kit';
import { withSession } from '../session';
import { writeLinesFile } from '../intake/rejects-file';
import { uploadFile } from '../intake/upload';
import { pollProgress, progressBar } from '../progress';
import { registerRecheck } from './recheck';
import { registerTiers } from './tiers';
import { audienceIntakeWorkflow } from '../../workflows/intake';

interface ImportFlags extends GlobalOptions {
  source?: string;
  defaultCountry?: string;
  consentPurpose: string;
  mapping?: string;
  format?: string;
  rejects?: string;
  warnings?: string;
  batchSize: string;
  parallelism: string;
  progress: boolean;
}

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
    .option('--warnings <file>', 'where to write the warnings of imported rows (default: FILE.warnings.csv)')
    .option('--batch-size <rows>', 'rows per merge activity (one hash range of the numbers)', '20000')
    .option('--parallelism <n>', 'merge activities in flight at once', '4')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Every row is validated (phone to E.164, e-mail, dates, amounts), enriched (country, region,
currency, language, time zones), merged by number (latest transaction wins, tags and consents
are united, the survivor's channel tag is the primary one), scored and tiered. A row is rejected
only when it cannot be used: no usable phone number, bytes that are not text, a broken record.
A bad optional field (an e-mail that is no address, a date such as 31/02/2026 or "yesterday", a
negative amount) is left empty and the row imported with a warning; so is a control byte (NUL)
stripped from text. Rejects and warnings are written with line number and reason to their files
and to PostgreSQL. Importing the same file again changes nothing.

Columns are found by their header (case, spaces and punctuation ignored; common names in English
and Chinese): phone, email, name, country, last_order_at, order_value, order_count, currency (of
order_value, ISO 4217; default the country's), first_order_at, registered_at (created_at,
signup_date...), channel_tag, opt_in_at, consent_source, device_id, shipping_address and
external_id (the source's customer id: customer_id, 客户编号...). A customer id is kept per
--source: a later import or an events file naming the same id reaches the same contact.

Example:
  reachloop audience import customers.csv --default-country CN --source crm-2026-11
  reachloop audience import export.csv --source crm --mapping '{"external_id": "Kundennummer"}'`,
    )
    .action(async (file: string, flags: ImportFlags) => runImport(file, flags));
  registerRecheck(audience);
  registerTiers(audience);
}

function parseFlags(file: string, flags: ImportFlags): { options: ImportOptions; batchSize: number; parallelism: number; rejectsFile: string; warningsFile: string } {
  importFlags.file(file);
  const format = flags.format ?? (/\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : 'csv');
  if (format !== 'csv' && format !== 'jsonl') throw new UsageError(`--format must be csv or jsonl, got "${flags.format}"`);
  const country = importFlags.country(flags.defaultCountry);
  let mapping: Record<string, string> = {};
  if (flags.mapping) {
    try {
      mapping = checkMapping(importFlags.mappingJson(flags.mapping)) as Record<string, string>;
    } catch (err) {
      if (err instanceof MappingError) throw new UsageError(`--mapping ${flags.mapping}: ${err.message}`);
      throw err;
    }
  }
  return {
    options: { source: flags.source ?? file.split('/').pop()!, defaultCountry: country ?? null, consentPurpose: flags.consentPurpose, mapping, format },
    batchSize: importFlags.positive('batch-size', flags.batchSize, 1_000_000),
    parallelism: importFlags.positive('parallelism', flags.parallelism, 64),
    rejectsFile: flags.rejects ?? `${file}.rejects.csv`,
    warningsFile: flags.warnings ?? `${file}.warnings.csv`,
  };
}

async function runImport(file: string, flags: ImportFlags): Promise<void> {
  const { options, batchSize, parallelism, rejectsFile, warningsFile } = parseFlags(file, flags);
  await withSession(async (s) => {
    const result = await importAudience(s, file, options, { batchSize, parallelism, rejectsFile, warningsFile, progress: flags.progress && !flags.json });
    emit(result, flags, renderReport);
  });
}

export type ImportResult = IntakeReport & { file: string; sha256: string; rejectsFile: string | null; warningsFile: string | null };

/** Upload, run the AudienceIntake workflow to the end, write the rejects file: the import. */
export async function importAudience(
  s: { pool: Pool; client: Client; taskQueue: string },
  file: string,
  options: ImportOptions,
  run: { batchSize: number; parallelism: number; rejectsFile: string; warningsFile?: string; progress: boolean },
): Promise<ImportResult> {
  const reading = progressBar('reading', 'bytes', run.progress);
  const upload = await uploadFile(s.pool, file, options, (bytes, total) => reading.update(bytes, total));
  reading.stop();
  const input: IntakeInput = {
    importId: upload.importId,
    rowsRead: upload.rowsRead,
    validRows: upload.validRows,
    rejectedByReason: upload.rejectedByReason,
    warningsByReason: upload.warningsByReason,
    parallelism: run.parallelism,
    partitions: partitionsFor(upload.validRows, run.batchSize),
  };
  const workflowId = intakeWorkflowId(upload.importId);
  const handle = await s.client.workflow.start(audienceIntakeWorkflow, { taskQueue: s.taskQueue, workflowId, args: [input] });
  // Every reject is known once the upload is done: the rejects file is written while the merge runs.
  const rejected = Object.values(upload.rejectedByReason).some((n) => n > 0);
  const rejectsWritten = rejected ? writeLinesFile(s.pool, upload.importId, run.rejectsFile, 'import_rejects') : Promise.resolve(0);
  rejectsWritten.catch(() => {}); // awaited below
  await setImportWorkflow(s.pool, 'contacts', upload.importId, workflowId);
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
  let rejects = await rejectsWritten;
  // Rows without a phone whose customer id named no contact were rejected by the workflow: the file is written again.
  if (report.rejected > sumOf(upload.rejectedByReason)) rejects = await writeLinesFile(s.pool, upload.importId, run.rejectsFile, 'import_rejects');
  const warnings = run.warningsFile !== undefined && (report.warnings ?? 0) > 0 ? await writeLinesFile(s.pool, upload.importId, run.warningsFile, 'import_warnings') : 0;
  return { ...report, file, sha256: upload.sha256, rejectsFile: rejects ? run.rejectsFile : null, warningsFile: warnings ? run.warningsFile! : null };
}

const sumOf = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

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
    `  merged duplicates    ${r.mergedDuplicates} (rows of this file merged into another of its rows)`,
    `  contacts written     ${r.contacts} (${r.created} new${r.existing !== undefined ? `, ${r.existing} already here` : ''})`,
    `  rejected             ${r.rejected}${r.rejectsFile ? `  -> ${r.rejectsFile}` : ''}`,
    list(r.rejectedByReason),
    ...(r.warningsByReason
      ? [`  warnings             ${r.warnings ?? 0} (rows imported with a field left empty or cleaned)${r.warningsFile ? `  -> ${r.warningsFile}` : ''}`, list(r.warningsByReason)]
      : []),
    `  quarantined          ${r.quarantined}`,
    list(r.quarantinedByReason),
    ...(r.consentNever && Object.keys(r.consentNever).length
      ? [`  never consent        ${Object.values(r.consentNever).reduce((a, b) => a + b, 0)} rows (bought or rented lists: no marketing)`, list(r.consentNever)]
      : []),
    `  tiers                ${['A', 'B', 'C', 'D'].map((t) => `${t} ${r.tiers[t] ?? 0}`).join('  ')}`,
    `  time zones covered   ${zones.length}${zones.length ? `: ${zones.slice(0, 8).map(([z, n]) => `${z} ${n}`).join(', ')}${zones.length > 8 ? ', …' : ''}` : ''}`,
  ].join('\n');
}
