import type { Pool } from '../db/pool';

export interface SmokeStep {
  workflowId: string;
  label: string;
  step: 'started' | 'finished';
}

export const createSmokeActivities = (deps: { pool: Pool }) => ({
  /** Idempotent: a retried activity returns the row the first attempt wrote. */
  async recordSmokeStep(s: SmokeStep): Promise<string> {
    const { rows } = await deps.pool.query<{ id: string }>(
      `INSERT INTO smoke_runs (workflow_id, label, step) VALUES ($1, $2, $3)
       ON CONFLICT (workflow_id, step) DO UPDATE SET label = EXCLUDED.label
       RETURNING id`,
      [s.workflowId, s.label, s.step],
    );
    return rows[0]!.id;
  },
});
