/**
 * Launching and approving a campaign: the one way every caller starts a CampaignWorkflow (the CLI's
 * `campaign launch`, the demo, the welcome-back after a recovery merge, the SMS double opt-in,
 * the single-message API) and approves one (`campaign approve`, the demo). Use case layer: edges
 * and activities call it; it calls db/ and Temporal's client.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { markCampaignLaunched } from '../db/campaigns';
import type { Pool } from '../db/pool';
import { campaignWorkflowId } from '../workflows/ids';
import { approveCampaign as approveSignal, type CampaignInput } from '../workflows/messages/campaign';
import { campaignWorkflow } from '../workflows/campaign';

export interface LaunchDeps {
  pool: Pool;
  client: Client;
  taskQueue: string;
}

export interface LaunchOptions {
  lanes?: number;
  batchSize?: number;
  /** ISO start time (default: the definition's startAt, else now). */
  startAt?: string;
  /** Another id than campaign-<id> (a message of the API: message-<key hash>). */
  workflowId?: string;
  /** Never a second run under this id, even once the first has completed (the API's idempotency). */
  rejectDuplicate?: boolean;
}

/**
 * Starts the campaign's workflow and marks the campaign launched. Idempotent: a second call (a
 * retried activity, a repeated request) finds the workflow started and changes nothing.
 */
export async function launchCampaign(deps: LaunchDeps, campaignId: number, o: LaunchOptions = {}): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = o.workflowId ?? campaignWorkflowId(campaignId);
  const input: CampaignInput = { campaignId, ...(o.lanes ? { lanes: o.lanes } : {}), ...(o.batchSize ? { batchSize: o.batchSize } : {}), ...(o.startAt ? { startAt: o.startAt } : {}) };
  let started = true;
  try {
    await deps.client.workflow.start(campaignWorkflow, {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [input],
      ...(o.rejectDuplicate ? { workflowIdReusePolicy: 'REJECT_DUPLICATE' as const } : {}),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    started = false;
  }
  await markCampaignLaunched(deps.pool, campaignId, workflowId);
  return { workflowId, started };
}

/** Approves a campaign waiting for approval (the first approver is kept). */
export async function approveCampaign(deps: { client: Client }, workflowId: string, by: string): Promise<void> {
  await deps.client.workflow.getHandle(workflowId).signal(approveSignal, { by });
}
