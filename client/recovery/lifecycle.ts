/**
 * Client side of the RecoveryWorkflow: start a case's workflow, or signal the one already running
 * for that customer (signalWithStart on the deterministic id), so a second detection never starts
 * a second case. Used by the CLI, the scan, tests (and the inbound webhook for replies).
 */
import type { Client } from '@temporalio/client';
import { setCaseWorkflow } from '../../db/recovery';
import type { Pool } from '../../db/pool';
import { recoveryWorkflowId } from '../../workflows/ids';
import { recoveryDetected, recoveryReply, type RecoveryInput } from '../../workflows/shared';

export interface RecoveryOptions {
  taskQueue: string;
  replyTimeoutMs?: number;
  reminderAfterMs?: number;
  followUpCampaignId?: number | null;
  brand?: string;
}

export async function startOrSignalRecovery(client: Client, pool: Pool, k: { id: number; contactId: number; detectionReason: string }, opts: RecoveryOptions): Promise<string> {
  const workflowId = recoveryWorkflowId(k.contactId);
  const input: RecoveryInput = {
    contactId: k.contactId,
    caseId: k.id,
    ...(opts.replyTimeoutMs !== undefined ? { replyTimeoutMs: opts.replyTimeoutMs } : {}),
    ...(opts.reminderAfterMs !== undefined ? { reminderAfterMs: opts.reminderAfterMs } : {}),
    followUpCampaignId: opts.followUpCampaignId ?? null,
    ...(opts.brand ? { brand: opts.brand } : {}),
  };
  await client.workflow.signalWithStart('recoveryWorkflow', {
    taskQueue: opts.taskQueue,
    workflowId,
    args: [input],
    signal: recoveryDetected,
    signalArgs: [{ reason: k.detectionReason }],
  });
  await setCaseWorkflow(pool, k.id, workflowId, opts.followUpCampaignId ?? null);
  return workflowId;
}

/** What the inbound webhook does with an answer from a candidate number. */
export async function signalRecoveryReply(client: Client, contactId: number, reply: 'confirm' | 'refuse' | 'unclear', messageSid?: string): Promise<void> {
  await client.workflow.getHandle(recoveryWorkflowId(contactId)).signal(recoveryReply, { reply, ...(messageSid ? { messageSid } : {}) });
}
