/**
 * Signals, queries and updates: defined once here, imported by workflows, the CLI, the HTTP
 * server and tests. Only @temporalio/workflow's define* helpers (deterministic, no I/O).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

// ---- smoke flow (foundation check: workflow -> activity -> Postgres) ----

export interface SmokeInput {
  label: string;
  /** How long the workflow waits between its two steps unless released early. */
  waitSeconds: number;
}

export interface SmokeResult {
  label: string;
  /** Row ids the activities wrote; the CLI reads them back from Postgres. */
  rowIds: string[];
  releasedEarly: boolean;
}

export interface SmokeProgress {
  step: 'starting' | 'waiting' | 'finished';
  releasedEarly: boolean;
}

export const smokeRelease = defineSignal('smokeRelease');
export const smokeProgress = defineQuery<SmokeProgress>('smokeProgress');

// ---- audience intake ----

export interface IntakeInput {
  importId: number;
  /** Records staged by the upload, numbered 1..totalRows. */
  totalRows: number;
  /** Rejects found while reading the file (malformed rows), by reason. */
  parseRejected: Record<string, number>;
  batchSize: number;
  /** Batch activities in flight at once. */
  parallelism: number;
  /** Hash ranges of the merge phase. */
  partitions: number;
  /** Carried across continue-as-new. */
  state?: IntakeState;
}

export interface IntakeState {
  nextSeq: number;
  nextPartition: number;
  indexed: boolean;
  totals: IntakeTotals;
}

export interface IntakeTotals {
  read: number;
  valid: number;
  rejected: Record<string, number>;
  contacts: number;
  created: number;
  quarantined: number;
  quarantinedByReason: Record<string, number>;
  tiers: Record<string, number>;
}

export interface IntakeBatchResult {
  read: number;
  valid: number;
  rejected: Record<string, number>;
}

export interface IntakePartitionResult {
  contacts: number;
  created: number;
  quarantined: number;
  quarantinedByReason: Record<string, number>;
  tiers: Record<string, number>;
  tierChanges: number;
}

export interface IntakeReport {
  importId: number;
  rowsRead: number;
  accepted: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  /** Valid rows that merged into another row of the file or into an existing contact. */
  mergedDuplicates: number;
  contacts: number;
  created: number;
  quarantined: number;
  quarantinedByReason: Record<string, number>;
  tiers: Record<string, number>;
  /** Contacts per candidate time zone. */
  timeZones: Record<string, number>;
}

export interface IntakeProgress {
  phase: 'normalising' | 'merging' | 'finishing' | 'done';
  totalRows: number;
  rowsNormalised: number;
  partitions: number;
  partitionsMerged: number;
}

export const intakeProgress = defineQuery<IntakeProgress>('intakeProgress');
