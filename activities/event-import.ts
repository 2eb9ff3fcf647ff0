import { Context } from '@temporalio/activity';
import { parseTagRules } from '../core/events';
import { jsonSyntaxProblem } from '../core/input-shape';
import type { CountryCode } from '../core/phone';
import { completeImport } from '../db/import-jobs';
import { dropEventStaging, eventImportOptions, forgetBatches, readStagedEvents, recordedBatch, recordEventRejects } from '../db/events';
import { recordWarnings } from '../db/import-lines';
import type { EventImportReport } from '../workflows/messages/events-import';
import type { EventBatchSummary } from '../core/event-summary';
import { ingestEvents, type EventDeps, type EventInput } from '../services/events';

/** The activities of an events import (workflows/events-import.ts): its batches, and its end. */
export const createEventActivities = (deps: EventDeps) => ({
  /** One batch of an events import: lines [fromSeq, toSeq). Retry-safe: a committed batch returns its recorded summary. */
  async ingestEventImportBatch(input: { importId: number; fromSeq: number; toSeq: number }): Promise<EventBatchSummary> {
    const job = { id: `event-import-${input.importId}`, batch: String(input.fromSeq) };
    const done = await recordedBatch<EventBatchSummary>(deps.pool, job.id, job.batch);
    if (done) return done;
    const options = await eventImportOptions(deps.pool, input.importId);
    const rules = parseTagRules(options.rules, options.rulesFile ?? undefined);
    const staged = await readStagedEvents(deps.pool, input.importId, input.fromSeq, input.toSeq);
    const raws = new Map(staged.map((s) => [s.line, s.raw]));
    const inputs: EventInput[] = staged.map((s) => {
      try {
        return { key: s.line, raw: JSON.parse(s.raw) };
      } catch (err) {
        return { key: s.line, malformed: `not JSON: ${jsonSyntaxProblem(err)}` };
      }
    });
    const { summary } = await ingestEvents(deps, inputs, {
      rules,
      defaultCountry: (options.defaultCountry ?? undefined) as CountryCode | undefined,
      defaultSource: options.source,
      idSource: options.idSource ?? null,
      importId: input.importId,
      publicApi: false,
      job,
      onCommit: async (client, results) => {
        await recordEventRejects(
          client,
          input.importId,
          results.flatMap((r) => (r.status === 'rejected' ? [{ line: r.key, reason: r.reason, detail: r.message, raw: raws.get(r.key) ?? '' }] : [])),
        );
        const warnings = results.flatMap((r) => (r.status !== 'rejected' && r.warnings ? r.warnings.map((w) => ({ line: r.key, ...w })) : []));
        await recordWarnings(client, 'event_import_warnings', input.importId, warnings);
      },
    });
    Context.current().heartbeat();
    return summary;
  },

  /** Stores the report, drops the staging table and the batch records. */
  async finishEventImport(input: { importId: number; report: EventImportReport }): Promise<EventImportReport> {
    await completeImport(deps.pool, 'events', input.importId, input.report);
    await dropEventStaging(deps.pool, input.importId);
    await forgetBatches(deps.pool, `event-import-${input.importId}`);
    return input.report;
  },
});
