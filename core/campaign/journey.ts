import type { CampaignDefinition } from './definition';

/**
 * Journeys (issue 16): a campaign of steps, e.g. an SMS, then three days later an e-mail to
 * whoever did not click, reply or order. Each step is a campaign definition of its own (the
 * campaign's, with the step's channels and templates) decided at its own send time through the
 * same decision and caps as any campaign; the ledger row of a send is keyed by the step's id.
 * A definition without `steps` is one step, 'main', exactly as before journeys.
 */
export interface JourneyStep {
  id: string;
  /** The campaign definition this step decides and sends with. */
  def: CampaignDefinition;
  /** Days after the previous step's send (0 for the first step). */
  waitDays: number;
  /** Skip contacts who clicked, replied or ordered since the previous step's send. */
  noEngagementSinceStep: boolean;
  /** The step after this one, or null. */
  next: string | null;
}

export const SINGLE_STEP = 'main';
const DAY_MS = 86_400_000;

export function journeyOf(def: CampaignDefinition): JourneyStep[] {
  if (!def.steps) return [{ id: SINGLE_STEP, def, waitDays: 0, noEngagementSinceStep: false, next: null }];
  return def.steps.map((s, i, all) => ({
    id: s.id,
    def: { ...def, channels: { ...def.channels, ...s.channels }, templates: s.templates ?? def.templates },
    waitDays: s.waitDays ?? 0,
    noEngagementSinceStep: s.audience.noEngagementSinceStep,
    next: all[i + 1]?.id ?? null,
  }));
}

/** When the step after a send at `sentAt` is due. */
export const nextStepDueAt = (next: JourneyStep, sentAt: Date): Date => new Date(sentAt.getTime() + next.waitDays * DAY_MS);

/** What a contact did since the previous step's send (opt-outs: any, at any time). */
export interface EngagementFacts {
  purchase: boolean;
  click: boolean;
  reply: boolean;
  optOut: boolean;
}

export type JourneySkip = { kind: 'SKIP'; reason: 'journey_exit' | 'journey_engaged'; rule: string };

/**
 * Whether a later step leaves the contact out before the usual decision: an exit condition of
 * the campaign (`exitOn`), else engagement since the previous step when the step asks for none.
 * The first step has no previous send and is never gated here.
 */
export function journeyGate(step: JourneyStep, exitOn: CampaignDefinition['exitOn'] = [], facts: EngagementFacts): JourneySkip | null {
  if (exitOn.includes('purchase') && facts.purchase) return { kind: 'SKIP', reason: 'journey_exit', rule: 'journey_exit:purchase' };
  if (exitOn.includes('opt_out') && facts.optOut) return { kind: 'SKIP', reason: 'journey_exit', rule: 'journey_exit:opt_out' };
  if (step.noEngagementSinceStep) {
    const what = facts.click ? 'click' : facts.reply ? 'reply' : facts.purchase ? 'order' : null;
    if (what) return { kind: 'SKIP', reason: 'journey_engaged', rule: `journey_engaged:${what}` };
  }
  return null;
}
