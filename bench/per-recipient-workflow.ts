/**
 * Benchmark only (bench/campaign.ts): the one-workflow-per-recipient design, for comparison
 * with CampaignWorkflow's batches. Each workflow sends one recipient through the product's own
 * dispatch activity (decision at send time, atomic cap reservation, ledger, Twilio channel)
 * with a batch of one. Bundled for a bench-only worker on its own task queue; never part of
 * the product's workflow bundle.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { dispatchCampaignBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export async function perRecipientSendWorkflow(input: { campaignId: number }): Promise<number> {
  const r = await dispatchCampaignBatch({ campaignId: input.campaignId, claimKey: workflowInfo().workflowId, limit: 1, rate: { sms: null, email: null } });
  return r.sentByChannel.sms ?? 0;
}
