import { executeChild, ParentClosePolicy, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { campaignWorkflow } from './campaign';
import type { CampaignStatus } from './messages/campaign';

const { createScheduledRun } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1 second', maximumInterval: '30 seconds' } });

/** The time a schedule appended to the workflow id ("<prefix>-2026-12-07T02:00:00Z"), or null. */
export function scheduledTimeOf(workflowId: string): string | null {
  const m = /-(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)$/.exec(workflowId);
  return m ? m[1]! : null;
}

/**
 * One run of a campaign schedule (`reachloop winback schedule`): the campaign of this scheduled
 * time, created once from the template (the workflow id, which holds the time, is its key), run as
 * a normal CampaignWorkflow. A second start of the same time (a backfill over it, a catch-up)
 * finds the campaign made and runs nothing; a trigger is a new time and a new campaign, whose
 * audience the series cooldown and the contact policy's caps still hold.
 */
export async function scheduledCampaignWorkflow(input: { templateId: number }): Promise<{ campaignId: number; ran: boolean; status?: CampaignStatus }> {
  const info = workflowInfo();
  const scheduledFor = scheduledTimeOf(info.workflowId) ?? new Date(info.startTime).toISOString();
  const run = await createScheduledRun({ templateId: input.templateId, runKey: info.workflowId, scheduledFor });
  if (!run.created) return { campaignId: run.campaignId, ran: false };
  const status = await executeChild(campaignWorkflow, {
    workflowId: run.workflowId,
    args: [{ campaignId: run.campaignId }],
    // The campaign outlives this run if the run is terminated: it has its own operator controls.
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  return { campaignId: run.campaignId, ran: true, status };
}
