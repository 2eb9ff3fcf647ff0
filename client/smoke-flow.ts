import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Pool } from '../db/pool';
import { smokeRows } from '../db/smoke';
import { smokeWorkflowId } from '../workflows/ids';
import type { SmokeResult } from '../workflows/messages/smoke';
import { smokeWorkflow } from '../workflows/smoke';

export interface SmokeReport {
  workflowId: string;
  label: string;
  releasedEarly: boolean;
  /** The rows as read back from PostgreSQL, not as the workflow reported them. */
  rows: Array<{ id: string; step: string; recordedAt: string }>;
}

export const newSmokeLabel = () => `${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;

/** Runs the smoke workflow to completion and reads what it wrote back from PostgreSQL. */
export async function runSmokeFlow(client: Client, pool: Pool, taskQueue: string, label: string, waitSeconds: number): Promise<SmokeReport> {
  const workflowId = smokeWorkflowId(label);
  const result: SmokeResult = await client.workflow.execute(smokeWorkflow, {
    taskQueue,
    workflowId,
    args: [{ label, waitSeconds }],
    workflowExecutionTimeout: '1 hour',
  });
  const rows = await smokeRows(pool, result.rowIds);
  return {
    workflowId,
    label,
    releasedEarly: result.releasedEarly,
    rows: rows.map((r) => ({ id: r.id, step: r.step, recordedAt: r.recordedAt.toISOString() })),
  };
}

export function renderSmoke(r: SmokeReport): string {
  const lines = r.rows.map((row) => `  row ${row.id}  ${row.step.padEnd(8)} ${row.recordedAt}`);
  return [`smoke flow ${r.workflowId} completed; read back from PostgreSQL:`, ...lines].join('\n');
}
