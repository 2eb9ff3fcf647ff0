/** The sweep of ledger rows left in 'sent' (`reachloop ledger sweep`): input, report and progress. */
import { defineQuery } from '@temporalio/workflow';

/** Where a sweep is: SMS ledger rows by id, then adopted second messages by provider id; null when done. */
export type LedgerSweepCursor = { phase: 'rows' | 'adopted'; after: string } | null;

export interface LedgerSweepInput {
  /** Rows and messages whose last word from the provider is older than this are asked about (SENT_SWEEP_AFTER). */
  olderThanMs: number;
  /**
   * Messages first sent longer ago than this are not asked about any more (SENT_SWEEP_GIVE_UP): a
   * carrier that never returns a receipt would have them asked about after every olderThanMs, for
   * ever. Absent in sweeps (and schedules) made before it: every quiet message is asked about.
   */
  giveUpMs?: number;
  pageSize: number;
  /** Provider requests in flight at once. */
  concurrency: number;
  /** Ask the provider and report what would change; write nothing. */
  dryRun: boolean;
  /** Carried over continue-as-new. */
  state?: { cursor: LedgerSweepCursor; totals: LedgerSweepTotals };
}

export interface LedgerSweepTotals {
  /** Messages asked about. */
  checked: number;
  /** Of those, the ones whose status moved (or, in a dry run, would move). */
  changed: number;
  /** "sent -> delivered", "sent -> undelivered", ... of the changed ones. */
  byTransition: Record<string, number>;
  /** Asked about, the provider still reports them as not final. */
  stillPending: number;
  /** Adopted second messages (duplicate sends) among the checked. */
  duplicatesChecked: number;
  /** The provider has no such message (it answered 404). */
  missingAtProvider: number;
  /** Provider requests that failed (tried again by the next sweep). */
  errors: number;
  pages: number;
}

export type LedgerSweepReport = LedgerSweepTotals & { dryRun: boolean; olderThanMs: number; giveUpMs?: number };

export const ledgerSweepProgress = defineQuery<LedgerSweepTotals & { phase: 'rows' | 'adopted' | 'done' }>('ledgerSweepProgress');
