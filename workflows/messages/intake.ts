/** The AudienceIntake workflow's input, report and progress query (`reachloop audience import`). */
import { defineQuery } from '@temporalio/workflow';

export interface IntakeInput {
  importId: number;
  /** Records read from the file (the header excluded). */
  rowsRead: number;
  /** Rows the upload validated, normalised and staged for the merge. */
  validRows: number;
  /** Rows rejected while reading and validating the file, by reason. */
  rejectedByReason: Record<string, number>;
  /** Valid rows' optional fields left empty or cleaned, by reason (absent in runs started before warnings existed). */
  warningsByReason?: Record<string, number>;
  /** Merge activities in flight at once. */
  parallelism: number;
  /** Hash ranges of the merge phase. */
  partitions: number;
  /** Carried across continue-as-new. */
  state?: IntakeState;
}

export interface IntakeState {
  nextPartition: number;
  indexed: boolean;
  totals: IntakeTotals;
}

/** What the merge counted: a partition's result, the running totals and the report share these. */
export interface IntakeCounts {
  contacts: number;
  created: number;
  quarantined: number;
  quarantinedByReason: Record<string, number>;
  tiers: Record<string, number>;
  /** Contacts per candidate time zone. */
  timeZones: Record<string, number>;
}

export interface IntakeTotals extends IntakeCounts {
  consentNever?: Record<string, number>;
  /** Staged rows without a phone whose customer id named no contact, by reason. */
  rejectedAtIndex?: Record<string, number>;
}

export interface IntakeReport extends IntakeCounts {
  importId: number;
  rowsRead: number;
  accepted: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  /** Accepted rows imported with an optional field left empty or cleaned (one per field), by reason. */
  warnings?: number;
  warningsByReason?: Record<string, number>;
  /** Valid rows that merged into another row of the same file. */
  mergedDuplicates: number;
  /** Contacts of the file that were in reachloop already (updated, or unchanged by a re-import); absent in reports of older runs. */
  existing?: number;
  /** Rows whose consent is never marketing consent (a bought or rented list: contact policy consent.sources), by source. */
  consentNever?: Record<string, number>;
}

export interface IntakeProgress {
  phase: 'indexing' | 'merging' | 'finishing';
  /** Rows staged by the upload. */
  totalRows: number;
  partitions: number;
  partitionsMerged: number;
}

export const intakeProgress = defineQuery<IntakeProgress>('intakeProgress');
