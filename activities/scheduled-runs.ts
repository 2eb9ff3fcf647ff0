import { insertScheduledRun, markCampaignLaunched } from '../db/campaigns';
import type { Pool } from '../db/pool';
import { campaignWorkflowId } from '../workflows/ids';

export interface ScheduledRunInput {
  templateId: number;
  /** The workflow id of this scheduled time (the schedule's prefix plus the time): one campaign per key. */
  runKey: string;
  /** ISO time the schedule meant this run for. */
  scheduledFor: string;
}

export interface ScheduledRun {
  campaignId: number;
  /** false: this time's campaign existed already (a second start of the same time): nothing to run. */
  created: boolean;
  workflowId: string;
}

/** The campaigns of a Temporal Schedule's runs (workflows/scheduled-campaign.ts). */
export const createScheduledRunActivities = (deps: { pool: Pool }) => ({
  /** Creates this time's campaign from the template, once, and marks it launched under its workflow id. */
  async createScheduledRun(input: ScheduledRunInput): Promise<ScheduledRun> {
    const run = await insertScheduledRun(deps.pool, input.templateId, input.runKey, new Date(input.scheduledFor));
    const workflowId = campaignWorkflowId(run.id);
    if (run.created) await markCampaignLaunched(deps.pool, run.id, workflowId);
    return { campaignId: run.id, created: run.created, workflowId };
  },
});
