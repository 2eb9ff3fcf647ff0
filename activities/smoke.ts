import type { Pool } from '../db/pool';
import { insertSmokeStep } from '../db/smoke';

export interface SmokeStep {
  workflowId: string;
  label: string;
  step: 'started' | 'finished';
}

export const createSmokeActivities = (deps: { pool: Pool }) => ({
  /** Idempotent: a retried activity returns the row the first attempt wrote. */
  async recordSmokeStep(s: SmokeStep): Promise<string> {
    return insertSmokeStep(deps.pool, s);
  },
});
