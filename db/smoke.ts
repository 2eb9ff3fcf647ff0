/** The smoke flow's table: a workflow writes a row per step through an activity, the CLI reads them back. */
import type { Pool } from './pool';

/** Records one step of a smoke run; idempotent: a retried activity gets the row the first attempt wrote. */
export async function insertSmokeStep(pool: Pool, s: { workflowId: string; label: string; step: string }): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO smoke_runs (workflow_id, label, step) VALUES ($1, $2, $3)
     ON CONFLICT (workflow_id, step) DO UPDATE SET label = EXCLUDED.label
     RETURNING id`,
    [s.workflowId, s.label, s.step],
  );
  return rows[0]!.id;
}

/** The smoke rows of these ids, in id order. */
export async function smokeRows(pool: Pool, ids: readonly string[]): Promise<Array<{ id: string; step: string; recordedAt: Date }>> {
  const { rows } = await pool.query<{ id: string; step: string; recorded_at: Date }>('SELECT id, step, recorded_at FROM smoke_runs WHERE id = ANY($1::bigint[]) ORDER BY id', [ids]);
  return rows.map((r) => ({ id: r.id, step: r.step, recordedAt: r.recorded_at }));
}
