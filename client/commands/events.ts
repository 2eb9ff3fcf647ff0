import type { Command } from 'commander';
import { DEFAULT_TAG_RULES, parseTagRules, STANDARD_TAGS, TagRulesError } from '../../core/events';
import { setImportWorkflow } from '../../db/import-jobs';
import type { EventImportOptions } from '../../db/events';
import type { Pool } from '../../db/pool';
import type { Client } from '@temporalio/client';
import { eventImportWorkflowId } from '../../workflows/ids';
import { eventImportProgress, type EventImportInput, type EventImportReport } from '../../workflows/messages/events-import';
import { emit, importFlags, UsageError, type GlobalOptions } from '../cli-kit';
import { withSession } from '../session';
import { uploadEventsFile } from '../events/upload';
import { writeLinesFile } from '../intake/rejects-file';
import { pollProgress, progressBar } from '../progress';
import { eventsImportWorkflow } from '../../workflows/events-import';

interface ImportFlags extends GlobalOptions {
  mapping?: string;
  fields?: string;
  idSource?: string;
  source?: string;
  defaultCountry?: string;
  rejects?: string;
  warnings?: string;
  batchSize: string;
  parallelism: string;
  progress: boolean;
}

export function registerEvents(program: Command): void {
  const events = program.command('events').description('behaviour events: import them; they update activity, order value, score and tier');
  events
    .command('import <file>')
    .description('import a JSON Lines file of behaviour events through the EventsImport workflow')
    .option('--mapping <rules.json>', 'mapping rules: source event names -> standard tags, property and field renames')
    .option('--fields <json|file>', 'the source\'s field names, e.g. \'{"ts": "occurred_at", "customer_id": "external_id"}\' (added to the rules\' "fields")')
    .option('--id-source <name>', 'whose customer ids the events name: the --source of the audience import that brought them (default: any source, when one contact has the id)')
    .option('--source <name>', 'source recorded for events that name none (default: the file name)')
    .option('--default-country <CC>', 'ISO country for phone numbers written without a country code')
    .option('--rejects <file>', 'where to write rejected lines (default: FILE.rejects.csv)')
    .option('--warnings <file>', 'where to write the warnings of stored events (default: FILE.warnings.csv)')
    .option('--batch-size <lines>', 'lines per batch activity (one transaction each)', '5000')
    .option('--parallelism <n>', 'batch activities in flight at once', '2')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
One event per line:
  {"event_id": "ord-981-paid", "event": "order_paid", "phone": "+8613800138000",
   "occurred_at": "2026-11-20T10:15:00+08:00", "source": "shop",
   "properties": {"order_id": "981", "product_id": "p-7", "price": 129.0, "quantity": 1}}
"event" may also be spelled "tag" or "name"; "occurred_at" may be "timestamp" (ISO 8601 with an
offset, or epoch milliseconds). The contact is named by "phone", by "external_id" (or
"customer_id": the customer id an audience import kept, of the source --id-source names; the
phone beside it is used when no contact has the id yet) or by "contact_id": the contact's
reference (ct_..., as "reachloop contact show" prints it) or, in these files only, its
sequential id.

A source whose lines name these fields otherwise maps them with --fields (or "fields" in the
rules file), each pair either way round:
  --fields '{"ts": "occurred_at", "props": "properties", "country_hint": "country", "customer_id": "external_id"}'

Standard tags: ${STANDARD_TAGS.join(', ')}.
Built-in source names: ${Object.entries(DEFAULT_TAG_RULES).map(([k, v]) => `${k} -> ${v}`).join(', ')}.
Names are compared normalised (ItemDetailView = item-detail-view = item_detail_view).

A rules file adds (or, with "replaceDefaults": true, replaces) source names, and renames
properties per tag:
  {"tags": {"itemDetail": "product_view", "paySuccess": "purchase"},
   "properties": {"purchase": {"order_id": "orderNo", "price": "payAmount"}}}

Events are deduplicated by event_id (re-importing a file changes nothing). An unknown source
name is stored raw and counted under "unknown tags". An event for a number or customer id that is
not a contact's yet is stored and counted as unmatched; it attaches when an import brings it. An
event with a missing or malformed property (a product_view without "sku") is stored without it
and counts as activity; it is reported as a warning with its line. Lines that cannot be used (no
event id or name, no contact named, no usable time, not JSON) are rejected by reason and written
with their line number to the rejects file; the good lines are never dropped because a neighbour
was bad.`,
    )
    .action(async (file: string, flags: ImportFlags) => runImport(file, flags));
}

function parseFlags(file: string, flags: ImportFlags) {
  importFlags.file(file);
  const country = importFlags.country(flags.defaultCountry);
  let rules: unknown = null;
  if (flags.mapping) {
    rules = importFlags.mappingJson(flags.mapping);
    checkRules(rules, `--mapping ${flags.mapping}`);
  }
  if (flags.fields) {
    const fields = importFlags.mappingJson(flags.fields, 'fields');
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw new UsageError(`--fields must be a JSON object such as {"ts": "occurred_at"}`);
    const doc = (rules ?? {}) as { fields?: Record<string, string> };
    if (doc === null || typeof doc !== 'object') throw new UsageError('--mapping must be a JSON object');
    rules = { ...doc, fields: { ...doc.fields, ...(fields as Record<string, string>) } };
    checkRules(rules, '--fields');
  }
  const options: EventImportOptions = {
    source: flags.source ?? file.split('/').pop()!,
    defaultCountry: country ?? null,
    rules,
    rulesFile: flags.mapping ?? null,
    idSource: flags.idSource?.trim() || null,
  };
  return {
    options,
    batchSize: importFlags.positive('batch-size', flags.batchSize, 100_000),
    parallelism: importFlags.positive('parallelism', flags.parallelism, 32),
    rejectsFile: flags.rejects ?? `${file}.rejects.csv`,
    warningsFile: flags.warnings ?? `${file}.warnings.csv`,
  };
}

function checkRules(rules: unknown, what: string): void {
  try {
    parseTagRules(rules);
  } catch (err) {
    if (err instanceof TagRulesError) throw new UsageError(`${what}: ${err.issues.join('; ')}`);
    throw err;
  }
}

async function runImport(file: string, flags: ImportFlags): Promise<void> {
  const { options, batchSize, parallelism, rejectsFile, warningsFile } = parseFlags(file, flags);
  await withSession(async (s) => {
    const result = await importEvents(s, file, options, { batchSize, parallelism, rejectsFile, warningsFile, progress: flags.progress && !flags.json });
    emit(result, flags, renderEventReport);
  });
}

export type EventImportResult = EventImportReport & { file: string; sha256: string; rejectsFile: string | null; warningsFile: string | null };

/** Upload, run the EventsImport workflow to the end, write the rejects and warnings files: the import (the CLI's and the demo's). */
export async function importEvents(
  s: { pool: Pool; client: Client; taskQueue: string },
  file: string,
  options: EventImportOptions,
  run: { batchSize: number; parallelism: number; rejectsFile: string; warningsFile?: string; progress: boolean },
): Promise<EventImportResult> {
  const reading = progressBar('reading', 'bytes', run.progress);
  const upload = await uploadEventsFile(s.pool, file, options, (bytes, total) => reading.update(bytes, total));
  reading.stop();
  const input: EventImportInput = { importId: upload.importId, totalRows: upload.totalRows, batchSize: run.batchSize, parallelism: run.parallelism, parseRejected: upload.parseRejected };
  const workflowId = eventImportWorkflowId(upload.importId);
  const handle = await s.client.workflow.start(eventsImportWorkflow, { taskQueue: s.taskQueue, workflowId, args: [input] });
  await setImportWorkflow(s.pool, 'events', upload.importId, workflowId);
  const processing = progressBar('ingesting', 'lines', run.progress);
  const poll = pollProgress(() => handle.query(eventImportProgress), (p) => processing.update(p.rowsDone, p.totalRows));
  let report: EventImportReport;
  try {
    report = await handle.result();
  } finally {
    await poll.stop();
    processing.stop();
  }
  const written = report.rejected > 0 ? await writeLinesFile(s.pool, upload.importId, run.rejectsFile, 'event_import_rejects') : 0;
  const warningsFile = run.warningsFile ?? `${file}.warnings.csv`;
  const warned = (report.warnings ?? 0) > 0 ? await writeLinesFile(s.pool, upload.importId, warningsFile, 'event_import_warnings') : 0;
  return { ...report, file, sha256: upload.sha256, rejectsFile: written ? run.rejectsFile : null, warningsFile: warned ? warningsFile : null };
}

export function renderEventReport(r: EventImportResult): string {
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `    ${k.padEnd(24)} ${n}`)
      .join('\n') || '    (none)';
  const unknown = Object.values(r.unknownTags).reduce((a, b) => a + b, 0);
  return [
    `events import ${r.importId} of ${r.file}`,
    `  lines read           ${r.read}`,
    `  stored               ${r.stored}${r.unmatched ? ` (${r.unmatched} for numbers that are not contacts yet)` : ''}`,
    list(r.tags),
    `  duplicates           ${r.duplicates}`,
    `  unknown tags         ${unknown} (stored raw)`,
    ...(unknown ? [list(r.unknownTags)] : []),
    `  rejected             ${r.rejected}${r.rejectsFile ? `  -> ${r.rejectsFile}` : ''}`,
    list(r.rejectedByReason),
    `  warnings             ${r.warnings ?? 0} (stored without a missing or malformed property)${r.warningsFile ? `  -> ${r.warningsFile}` : ''}`,
    ...((r.warnings ?? 0) > 0 ? [list(r.warningsByReason ?? {})] : []),
    `  contacts re-scored   ${r.contactsRescored} (${r.tierChanges} changed tier)`,
  ].join('\n');
}
