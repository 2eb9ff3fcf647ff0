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
