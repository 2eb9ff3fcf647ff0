/**
 * What the contact policy changes in a campaign: every place where the campaign asks for more
 * than the policy allows (a wider window, a looser cap, holidays ignored, a channel for tier D) is
 * clamped, and each clamp is reported with the rule that does it. Used by `reachloop policy check`
 * and printed as warnings when a campaign is created. Pure.
 */
import type { CampaignDefinition } from '../campaign/definition';
import { ruleCovers } from '../regional-rules';
import type { WindowPolicy } from '../send-window';
import { tierCadenceId, type ContactPolicy } from './contact-policy';
import { CAMPAIGN_CAP_ID } from './effective';

export interface Clamp {
  /** The campaign field concerned, e.g. 'window', 'countryWindows.US', 'caps.sms', 'holidays'. */
  field: string;
  /** The policy rule that overrides it. */
  rule: string;
  message: string;
}

const span = (w: { start: string; end: string }) => `${w.start}–${w.end}`;
const wider = (campaign: WindowPolicy, rule: { start: string; end: string }) => campaign.start < rule.start || campaign.end > rule.end;

function windowClamps(policy: ContactPolicy, def: CampaignDefinition, field: string, w: WindowPolicy, country: string | null): Clamp[] {
  if (def.category === 'transactional') {
    const night = policy.windows.transactionalNonUrgent;
    if (def.urgent || !wider(w, night)) return [];
    return [{ field, rule: night.id, message: `${field} ${span(w)} is wider than the non-urgent transactional window ${span(night)}: sends wait for it` }];
  }
  const out: Clamp[] = [];
  const product = policy.windows.marketing;
  if (wider(w, product)) out.push({ field, rule: product.id, message: `${field} ${span(w)} is wider than the product default ${span(product)}: no marketing outside it` });
  const channels = new Set<'sms' | 'email'>([...(def.templates.sms ? (['sms'] as const) : []), ...(def.templates.email ? (['email'] as const) : [])]);
  // What is left after the product default, against each law that narrows it further.
  const left = { start: w.start > product.start ? w.start : product.start, end: w.end < product.end ? w.end : product.end };
  for (const r of policy.regionalRules) {
    if (!r.window || ![...channels].some((c) => ruleCovers(r, c))) continue;
    if (country !== null && r.region !== country && !r.region.startsWith(`${country}-`)) continue;
    if (wider(left, r.window)) out.push({ field, rule: r.id, message: `${field} ${span(w)}: recipients in ${r.region} get at most ${span(r.window)}` });
  }
  return out;
}

function capClamps(policy: ContactPolicy, def: CampaignDefinition): Clamp[] {
  const out: Clamp[] = [];
  for (const channel of ['sms', 'email'] as const) {
    for (const c of def.caps?.[channel] ?? []) {
      const tighter = policy.caps.marketing.filter((p) => p.channel === channel && p.perHours <= c.perHours && p.max < c.max);
      for (const p of tighter)
        out.push({ field: `caps.${channel}`, rule: p.id, message: `caps.${channel} ${c.max} per ${c.perHours} h is looser than ${p.id} (${p.max} per ${p.perHours} h): both count, across all campaigns` });
    }
  }
  return out;
}

/** Every clamp the policy applies to the campaign (empty: the campaign only tightens). */
export function checkCampaign(policy: ContactPolicy, def: CampaignDefinition): Clamp[] {
  const out: Clamp[] = [];
  if (def.window) out.push(...windowClamps(policy, def, 'window', def.window, null));
  for (const [country, w] of Object.entries(def.countryWindows)) out.push(...windowClamps(policy, def, `countryWindows.${country}`, w, country));
  if (def.category === 'marketing') {
    if (def.holidays === 'ignore')
      out.push({ field: 'holidays', rule: 'holidays', message: `holidays: ignore is not allowed for marketing: public holidays ${policy.holidays.marketing === 'skip' ? 'skip' : 'defer'} the send (policy holidays.marketing)` });
    out.push(...capClamps(policy, def));
    for (const tier of ['A', 'B', 'C', 'D'] as const) {
      if (policy.tiers[tier].cadence.everyDays !== null) continue;
      const asked = def.channels[tier];
      if (asked && asked !== 'none') out.push({ field: `channels.${tier}`, rule: tierCadenceId(tier), message: `channels.${tier}: ${asked} is ignored: tier ${tier} gets no marketing` });
    }
  }
  return out;
}

/** What applies to the campaign besides its own settings, for `policy check` (one line each). */
export function appliedRules(policy: ContactPolicy, def: CampaignDefinition): string[] {
  if (def.category === 'transactional')
    return [
      def.urgent
        ? 'transactional, urgent: sent at any hour and on holidays; never to an opted-out contact; not counted against marketing caps'
        : `transactional: sent between ${span(policy.windows.transactionalNonUrgent)} recipient-local time (${policy.windows.transactionalNonUrgent.id}), holidays ignored, never to an opted-out contact, not counted against marketing caps`,
    ];
  const caps = policy.caps.marketing.map((c) => `${c.id} ${c.max} per ${c.perHours} h`).join(', ');
  const cadence = (['A', 'B', 'C', 'D'] as const).map((t) => `${t} ${policy.tiers[t].cadence.label}`).join(', ');
  const regional = policy.regionalRules.filter((r) => r.window || r.maxPer24h !== null).map((r) => `${r.region} ${r.window ? span(r.window) : ''}${r.maxPer24h !== null ? ` max ${r.maxPer24h}/24 h` : ''} (${r.id})`);
  return [
    `window: the product default ${span(policy.windows.marketing)} (${policy.windows.marketing.id})${def.window ? `, intersected with the campaign's ${span(def.window)}` : ''}`,
    `regional law, by the recipient's country and state: ${regional.join('; ')}`,
    `caps across all campaigns: ${caps}${def.caps ? `, plus the campaign's own (${CAMPAIGN_CAP_ID})` : ''}`,
    `tier cadence (one marketing message per period, any channel): ${cadence}`,
    `holidays: ${def.holidays === 'skip' ? 'skip' : policy.holidays.marketing} on the public holidays of the recipient's country and region${def.workingDaysOnly ? '; weekends off, official make-up workdays on (workingDaysOnly)' : ''}`,
  ];
}
