/** The retention purge (`reachloop privacy retention`): input, report and progress. */
import { defineQuery } from '@temporalio/workflow';

export interface RetentionInput {
  /** Rows per batch (one transaction each). */
  batchSize: number;
  /** Count what is due; change nothing. */
  dryRun: boolean;
  /** Carried over continue-as-new: the cutoffs fixed at the start, where the purge is, the totals. */
  state?: { cutoffs: Array<{ kind: string; days: number; before: string }>; at: number; purged: Record<string, number> };
}

export interface RetentionReport {
  dryRun: boolean;
  /** Per kind of row (the contact policy's retention section): days kept, cutoff, rows purged (or due, in a dry run). */
  kinds: Array<{ kind: string; days: number; before: string; rows: number }>;
  total: number;
}

export const retentionProgress = defineQuery<{ kind: string | null; purged: Record<string, number> }>('retentionProgress');
