import type { CampaignDefinition } from '../core/campaign/definition';
import type { Pool } from './pool';

export interface CampaignRow {
  id: number;
  name: string;
  category: 'marketing' | 'transactional';
  definition: CampaignDefinition;
  status: string;
  workflowId: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  cancelReason: string | null;
  createdAt: string;
  launchedAt: string | null;
  finishedAt: string | null;
}

const toRow = (r: Record<string, any>): CampaignRow => ({
  id: Number(r.id),
  name: r.name,
  category: r.category,
  definition: r.definition,
  status: r.status,
  workflowId: r.workflow_id,
  approvedBy: r.approved_by,
  approvedAt: r.approved_at?.toISOString() ?? null,
  cancelReason: r.cancel_reason,
  createdAt: r.created_at.toISOString(),
  launchedAt: r.launched_at?.toISOString() ?? null,
  finishedAt: r.finished_at?.toISOString() ?? null,
});

export async function insertCampaign(pool: Pool, def: CampaignDefinition): Promise<number> {
  const { rows } = await pool.query<{ id: string }>('INSERT INTO campaigns (name, category, definition) VALUES ($1, $2, $3) RETURNING id', [def.name, def.category, def]);
  return Number(rows[0]!.id);
}

/**
 * The campaign of one scheduled time of a template (migration 0029): created once per run key,
 * a copy of the template's definition named after the time; `created` is false when it exists.
 */
export async function insertScheduledRun(pool: Pool, templateId: number, runKey: string, scheduledFor: Date): Promise<{ id: number; created: boolean; workflowId: string | null }> {
  const { rows } = await pool.query(
    `WITH t AS (SELECT id, category, definition, name || ' ' || to_char($3::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') AS run_name FROM campaigns WHERE id = $1),
     ins AS (
       INSERT INTO campaigns (name, category, definition, template_id, run_key, scheduled_for)
       SELECT t.run_name, t.category, jsonb_set(t.definition, '{name}', to_jsonb(t.run_name)), t.id, $2, $3
       FROM t
       ON CONFLICT (run_key) DO NOTHING
       RETURNING id, workflow_id)
     SELECT id, workflow_id, true AS created FROM ins
     UNION ALL SELECT id, workflow_id, false FROM campaigns WHERE run_key = $2 AND NOT EXISTS (SELECT 1 FROM ins)`,
    [templateId, runKey, scheduledFor],
  );
  if (!rows[0]) throw new Error(`campaign ${templateId} does not exist: its schedule has nothing to run`);
  return { id: Number(rows[0].id), created: rows[0].created, workflowId: rows[0].workflow_id };
}

export async function getCampaign(pool: Pool, id: number): Promise<CampaignRow | undefined> {
  const { rows } = await pool.query('SELECT * FROM campaigns WHERE id = $1', [id]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

export async function listCampaigns(pool: Pool, limit = 50): Promise<CampaignRow[]> {
  const { rows } = await pool.query('SELECT * FROM campaigns ORDER BY id DESC LIMIT $1', [limit]);
  return rows.map(toRow);
}

/** The campaign runs under this workflow now (once: a later call keeps the first id and time). */
export async function markCampaignLaunched(pool: Pool, id: number, workflowId: string): Promise<void> {
  await pool.query(`UPDATE campaigns SET workflow_id = $2, status = 'launched', launched_at = COALESCE(launched_at, now()) WHERE id = $1 AND workflow_id IS NULL`, [id, workflowId]);
}

export async function setCampaignStatus(pool: Pool, id: number, status: string, extra: { approvedBy?: string; cancelReason?: string; workflowId?: string } = {}): Promise<void> {
  await pool.query(
    `UPDATE campaigns SET status = $2,
       approved_by = COALESCE($3, approved_by), approved_at = CASE WHEN $3::text IS NULL THEN approved_at ELSE now() END,
       cancel_reason = COALESCE($4, cancel_reason), workflow_id = COALESCE($5, workflow_id),
       launched_at = CASE WHEN $2 = 'launched' THEN now() ELSE launched_at END,
       finished_at = CASE WHEN $2 IN ('completed', 'cancelled', 'failed') THEN now() ELSE finished_at END
     WHERE id = $1`,
    [id, status, extra.approvedBy ?? null, extra.cancelReason ?? null, extra.workflowId ?? null],
  );
}
