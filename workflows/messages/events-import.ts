/** The events import workflow's input, report and progress query (`reachloop events import`). */
import { defineQuery } from '@temporalio/workflow';
import type { EventBatchSummary } from '../../core/event-summary';

export interface EventImportInput {
  importId: number;
  /** Lines staged by the upload, numbered 1..totalRows. */
  totalRows: number;
  batchSize: number;
  parallelism: number;
  /** Lines rejected while reading the file (too long), by reason. */
  parseRejected: Record<string, number>;
  /** Carried across continue-as-new. */
  state?: { nextSeq: number; totals: EventBatchSummary };
}

export interface EventImportReport extends EventBatchSummary {
  importId: number;
}

export interface EventImportProgress {
  totalRows: number;
  rowsDone: number;
}

export const eventImportProgress = defineQuery<EventImportProgress>('eventImportProgress');
