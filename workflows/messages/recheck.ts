/** The number recheck workflow's input, report and progress query (`reachloop audience recheck`). */
import { defineQuery } from '@temporalio/workflow';

export interface RecheckInput {
  /** Only contacts whose recheck_after has come. */
  dueOnly: boolean;
  /** After a pass, sleep until the numbers that asked for a recheck in hours are due, and recheck them. */
  followUp: boolean;
  /** Follow-up passes at most (then the regular cycle takes over). */
  maxFollowUps: number;
  /** Follow-ups look this far ahead for pending short rechecks. */
  followUpHorizonHours: number;
  batchSize: number;
  state?: RecheckState;
}

export interface RecheckTotals {
  checked: number;
  /** core/recheck.ts RecheckOutcome -> count. */
  byOutcome: Record<string, number>;
  /** `from->to` number status -> count. */
  byTransition: Record<string, number>;
  tierChanges: number;
  upgraded: number;
  downgraded: number;
}

export interface RecheckState {
  jobId: string;
  pass: number;
  afterId: number;
  dueOnly: boolean;
  followUps: number;
  totals: RecheckTotals;
  passes: RecheckTotals[];
}

export interface RecheckReport extends RecheckTotals {
  passes: RecheckTotals[];
  /** Numbers still waiting for a short recheck (beyond the follow-ups), and when the first is due. */
  pendingShortRechecks: number;
  nextRecheckAt: string | null;
}

export interface RecheckProgress {
  phase: 'checking' | 'waiting' | 'done';
  pass: number;
  totals: RecheckTotals;
  passes: RecheckTotals[];
  /** While waiting: when the follow-up pass runs, and for how many numbers. */
  nextRecheckAt: string | null;
  pendingShortRechecks: number;
}

export const recheckProgress = defineQuery<RecheckProgress>('recheckProgress');
