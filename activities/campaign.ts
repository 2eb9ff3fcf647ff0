import { parseCampaign } from '../core/campaign/definition';
import { rulesOf } from '../core/campaign/decision';
import { journeyOf } from '../core/campaign/journey';
import type { ScorePolicy } from '../core/score-policy';
import type { EmailSender } from '../channels/email';
import type { SmsSender } from '../channels/sms';
import { createLinkCoder, type LinkCoder } from '../channels/tracked-link';
import { cancelRemaining, planRecipients, releaseClaims } from '../db/campaign-recipients';
import { getCampaign, setCampaignStatus } from '../db/campaigns';
import type { Pool } from '../db/pool';
import { dispatchBatch, type CampaignJourney, type DispatchInput, type DispatchResult } from './dispatch';
import type { LinkContext } from '../services/messages';

/** loadCampaignPlan: what the campaign workflow needs of its definition. */
export interface CampaignPlan {
  name: string;
  category: 'marketing' | 'transactional';
  requireApproval: boolean;
  startAt: number | null;
  /** Until startAt, by the activities' clock; 0 when it has passed or there is none. */
  startInMs: number;
  deadline: number | null;
  /** Messages per second per channel for the whole campaign; null = unlimited. */
  rate: { sms: number | null; email: number | null };
}

export interface CampaignDeps {
  pool: Pool;
  sms: SmsSender;
  email: EmailSender;
  publicBaseUrl: string;
  signingSecret: string;
  log: (message: string) => void;
  /** The clock every decision, cap and ledger row uses (tests give the test server's). */
  now: () => Date | Promise<Date>;
  /** Re-scores contacts whose send the provider refused (services/feedback.ts). */
  policy: ScorePolicy;
  /** The lease of each batch's attempt (activities/send-attempt.ts). */
  sendLeaseMs: number;
}

export const createCampaignActivities = (deps: CampaignDeps) => {
  const definitions = new Map<number, CampaignJourney>();
  const load = async (campaignId: number): Promise<CampaignJourney> => {
    let hit = definitions.get(campaignId);
    if (!hit) {
      const row = await getCampaign(deps.pool, campaignId);
      if (!row) throw new Error(`campaign ${campaignId} does not exist`);
      const def = parseCampaign(row.definition);
      // Every step decides with its own definition (core/campaign/journey.ts); one step, 'main', without steps.
      const steps = journeyOf(def).map((s) => ({ ...s, rules: rulesOf(s.def) }));
      hit = { def, steps: new Map(steps.map((s) => [s.id, s])), first: steps[0]! };
      definitions.set(campaignId, hit);
    }
    return hit;
  };
  // Tracked links (definition links.track): codes under the signing secret, made when first needed.
  let coder: LinkCoder | undefined;
  const linkingFor = (campaignId: number): LinkContext => ({
    campaignId,
    publicBaseUrl: deps.publicBaseUrl,
    codeOf: (k) => (coder ??= createLinkCoder(deps.signingSecret))(k),
  });

  return {
    async loadCampaignPlan(input: { campaignId: number; startAt?: string }): Promise<CampaignPlan> {
      const { def } = await load(input.campaignId);
      const now = (await deps.now()).getTime();
      const startAt = input.startAt ? Date.parse(input.startAt) : def.startAt ? Date.parse(def.startAt) : null;
      return {
        name: def.name,
        category: def.category,
        requireApproval: def.requireApproval,
        startAt,
        startInMs: startAt === null ? 0 : Math.max(0, startAt - now),
        deadline: def.deadline ? Date.parse(def.deadline) : null,
        rate: { sms: def.rateLimit.sms ?? null, email: def.rateLimit.email ?? null },
      };
    },

    async setCampaignState(input: { campaignId: number; status: string; approvedBy?: string; cancelReason?: string }): Promise<void> {
      await setCampaignStatus(deps.pool, input.campaignId, input.status, {
        ...(input.approvedBy ? { approvedBy: input.approvedBy } : {}),
        ...(input.cancelReason ? { cancelReason: input.cancelReason } : {}),
      });
    },

    async planCampaign(input: { campaignId: number }): Promise<{ planned: number }> {
      const { def, first } = await load(input.campaignId);
      return { planned: await planRecipients(deps.pool, input.campaignId, def, await deps.now(), first.id) };
    },

    async releaseStaleClaims(input: { campaignId: number; keepPrefix: string }): Promise<number> {
      return releaseClaims(deps.pool, input.campaignId, input.keepPrefix);
    },

    async cancelCampaignRecipients(input: { campaignId: number; reason: string }): Promise<number> {
      return cancelRemaining(deps.pool, input.campaignId, input.reason);
    },

    /** One batch of recipients (activities/dispatch.ts): decided at send time, sent at most once. */
    async dispatchCampaignBatch(input: DispatchInput): Promise<DispatchResult> {
      return dispatchBatch(deps, await load(input.campaignId), linkingFor(input.campaignId), input);
    },
  };
};
