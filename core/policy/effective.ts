/**
 * What the contact policy and a campaign together allow for one recipient: the campaign can
 * tighten the policy, never loosen it. Windows are intersected (the campaign's, the product
 * default or the transactional night window, every regional rule of the recipient's country and
 * state), caps are added up (the policy's per channel, the tier's cadence, regional caps, the
 * campaign's own), holidays take the stricter of the two. Every piece keeps the id of the rule
 * that imposes it, so a DEFER or SKIP can name it.
 *
 * Pure: no I/O, no clock.
 */
import { intersectPolicies, ruleCovers, rulesFor } from '../regional-rules';
import type { WindowPolicy } from '../send-window';
import { tierCadenceId, type ContactPolicy, type RegionalRule, type TierName } from './contact-policy';

export type SendChannel = 'sms' | 'email';
export type Category = 'marketing' | 'transactional';
export type HolidayChoice = 'skip' | 'defer' | 'ignore';

/** What a campaign asks for, before the policy. */
export interface CampaignTerms {
  category: Category;
  /** Transactional only: one-time codes and alerts go at any hour; other notices wait out the night. */
  urgent: boolean;
  /** The campaign's own window; null when it gives none. */
  window: WindowPolicy | null;
  countryWindows: Readonly<Record<string, WindowPolicy>>;
  holidays: HolidayChoice | null;
  /** Send on working days only (weekends off, official make-up workdays on). */
  workingDaysOnly: boolean;
  caps: Partial<Record<SendChannel, readonly { max: number; perHours: number }[]>> | undefined;
}

/** Where a recipient is, as far as their number and profile tell. */
export interface Place {
  country: string | null;
  /** State or province code without its country ('FL'); null when unknown. */
  subdivision: string | null;
}

/** A window and the rule that imposes it. */
export interface WindowSource {
  id: string;
  window: WindowPolicy;
}

export interface NamedCapRule {
  id: string;
  /** 'any': every marketing message counts, whatever its channel (tier cadence). */
  channel: SendChannel | 'any';
  max: number;
  perHours: number;
}

export const CAMPAIGN_WINDOW_ID = 'campaign-window';
export const CAMPAIGN_CAP_ID = 'campaign-cap';
export const CAMPAIGN_WORKING_DAYS_ID = 'campaign-working-days';
/** Marketing never goes to a tier whose cadence is "none" (tier D). */
export const noMarketingTier = (policy: ContactPolicy, tier: TierName): boolean => policy.tiers[tier].cadence.everyDays === null;
export const holidayRuleId = (country: string, subdivision: string | null): string => `holiday:${country}${subdivision ? `-${subdivision}` : ''}`;

const windowOf = (w: { start: string; end: string }): WindowPolicy => ({ start: w.start, end: w.end });
/** State rules before federal ones, so that a DEFER names the most specific rule. */
const mostSpecificFirst = (a: RegionalRule, b: RegionalRule): number => b.region.length - a.region.length;

/**
 * The regional rules for a place and channel. A US number whose state is unknown gets every US
 * state's rules too: the strictest US window and caps.
 */
export function regionalRulesAt(policy: ContactPolicy, place: Place, channel: SendChannel): RegionalRule[] {
  if (!place.country) return [];
  const rules =
    place.country === 'US' && !place.subdivision
      ? policy.regionalRules.filter((r) => (r.region === 'US' || r.region.startsWith('US-')) && ruleCovers(r, channel))
      : rulesFor(place.country, place.subdivision, channel, policy);
  return [...rules].sort(mostSpecificFirst);
}

/** Every window that applies, most specific law first, the campaign's own last. */
export function windowSources(policy: ContactPolicy, terms: CampaignTerms, place: Place, channel: SendChannel): WindowSource[] {
  const out: WindowSource[] = [];
  if (terms.category === 'marketing') {
    for (const r of regionalRulesAt(policy, place, channel)) if (r.window) out.push({ id: r.id, window: r.window });
    out.push({ id: policy.windows.marketing.id, window: windowOf(policy.windows.marketing) });
  } else if (!terms.urgent) {
    out.push({ id: policy.windows.transactionalNonUrgent.id, window: windowOf(policy.windows.transactionalNonUrgent) });
  }
  const own = (place.country && terms.countryWindows[place.country]) || terms.window;
  if (own) out.push({ id: CAMPAIGN_WINDOW_ID, window: own });
  return out;
}

export const ALWAYS_OPEN: WindowPolicy = { start: '00:00', end: '24:00' };

/** The intersection of the sources; the ids of the ones that leave nothing open when they do not overlap. */
export function effectiveWindow(sources: readonly WindowSource[]): { window: WindowPolicy } | { conflict: string[] } {
  let window: WindowPolicy | null = ALWAYS_OPEN;
  for (const s of sources) {
    window = window && intersectPolicies(window, s.window);
    if (!window) return { conflict: sources.slice(0, sources.indexOf(s) + 1).map((x) => x.id) };
  }
  return { window: window! };
}

/** Holidays: marketing takes the stricter of the policy and the campaign; transactional only what it asks. */
export function effectiveHolidays(policy: ContactPolicy, terms: CampaignTerms): 'defer' | 'skip' | null {
  if (terms.category !== 'marketing') return terms.holidays === 'ignore' ? null : terms.holidays;
  return terms.holidays === 'skip' || policy.holidays.marketing === 'skip' ? 'skip' : 'defer';
}

/** Every cap that applies to a marketing send to this recipient; none for transactional messages. */
export function capRulesFor(policy: ContactPolicy, terms: CampaignTerms, place: Place, tier: TierName): NamedCapRule[] {
  if (terms.category !== 'marketing') return [];
  const out: NamedCapRule[] = policy.caps.marketing.map((c) => ({ id: c.id, channel: c.channel, max: c.max, perHours: c.perHours }));
  const every = policy.tiers[tier].cadence.everyDays;
  if (every !== null) out.push({ id: tierCadenceId(tier), channel: 'any', max: 1, perHours: every * 24 });
  for (const channel of ['sms', 'email'] as const) {
    for (const r of regionalRulesAt(policy, place, channel)) {
      if (r.maxPer24h !== null) out.push({ id: r.id, channel, max: r.maxPer24h, perHours: 24 });
      if (r.maxPer30d !== null) out.push({ id: r.id, channel, max: r.maxPer30d, perHours: 30 * 24 });
    }
    for (const c of terms.caps?.[channel] ?? []) out.push({ id: CAMPAIGN_CAP_ID, channel, max: c.max, perHours: c.perHours });
  }
  return out;
}
