import { defineQuery } from '@temporalio/workflow';

/** The scheduled changed-number scan (`reachloop recovery scan --schedule`). */
export interface RecoveryScanInput {
  minFailures: number;
  pageSize: number;
  /** Options of the cases it starts (task queue, reply window, brand, follow-up campaign). */
  options: { taskQueue: string; replyTimeoutMs?: number; reminderAfterMs?: number; followUpCampaignId?: number | null; brand?: string };
  /** Carried over continue-as-new. */
  state?: { afterId: number; totals: RecoveryScanTotals };
}

export interface RecoveryScanTotals {
  dead: number;
  casesOpened: number;
  matched: number;
  workflowsStarted: number;
  pages: number;
}

export const recoveryScanProgress = defineQuery<RecoveryScanTotals>('recoveryScanProgress');
