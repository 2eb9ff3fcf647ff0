/** The smoke flow's messages (foundation check: workflow -> activity -> Postgres). */
import { defineQuery, defineSignal } from '@temporalio/workflow';

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
