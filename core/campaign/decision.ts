import { CONTACT_POLICY, type ContactPolicy } from '../policy/contact-policy';
import { capRulesFor, effectiveHolidays, noMarketingTier, windowSources, type CampaignTerms, type NamedCapRule, type Place } from '../policy/effective';
import { tierCadenceId } from '../policy/contact-policy';
import type { ValidityStatus } from '../score-policy';
import { channelsOf, type CampaignDefinition, type TierName } from './definition';
import { localTiming, type DeferReason, type LocalTiming, type TimingSpec, type Whereabouts } from './timing';

export type { DeferReason, LocalTiming };

/**
 * The send decision for one recipient at one instant (brief section 2): SEND, DEFER(until) or
 * SKIP, each with its reason and, where the contact policy or the campaign decided, the rule
 * (`outside_window:us-fl-ftsa`, `cap:tier-cadence-B`, `holiday:CN`). Pure: everything it looks at
 * is passed in, read at send time, so opt-outs, suppressions, tier changes and quarantine
 * written while a campaign runs count. Caps are applied after this, atomically in the database
 * (see applyCap).
 */
export type SkipReason =
  | 'opted_out'
  | 'complaint'
  | 'suppressed'
  | 'quarantined'
  | 'tier_excluded'
  | 'no_consent'
  | 'invalid_number'
  | 'no_channel'
  | 'deadline_passed'
  | 'holiday'
  | 'outside_window'
  // A later step of a journey (core/campaign/journey.ts): the contact ordered or opted out, or engaged.
  | 'journey_exit'
  | 'journey_engaged';
export type Channel = 'sms' | 'email';

export type Decision =
  | { kind: 'SEND'; channel: Channel; reason: 'ok' | 'fallback_channel' }
  | { kind: 'DEFER'; until: number; reason: DeferReason; channel: Channel; rule?: string }
  | { kind: 'SKIP'; reason: SkipReason; detail?: string; rule?: string };

export interface RecipientSnapshot {
  contactId: number;
  tier: TierName;
  country: string | null;
  /** State or province the number presumes (core/phone/subdivision.ts), without its country. */
  subdivision: string | null;
  timeZones: readonly string[];
  /** Zones of the whole country, for a number whose own zone is unknown. */
  countryZones: readonly string[];
  validity: ValidityStatus;
  smsEligible: boolean;
  hasEmail: boolean;
  quarantined: boolean;
  /** Silent numbers: prefer a cheaper channel. */
  preferCheaperChannel: boolean;
  /** The contact's own opt-out (STOP, unsubscribe), per channel. */
  optedOut: Readonly<Record<Channel, boolean>>;
  /** A complaint on the channel, or the complaint block list ('all'): no marketing there (core/complaints.ts). */
  complained: Readonly<Record<Channel, boolean>>;
  /** Other suppressions: bounces, carrier blocks, invalid numbers. */
  suppressed: Readonly<Record<Channel, boolean>>;
  /** Consent for this campaign's purpose, per channel (only marketing needs it), as the contact policy counts it (core/policy/consent.ts). */
  consent: Readonly<Record<Channel, boolean>>;
  /** Per channel without consent: the policy rule that refused it (consent-explicit-eu, consent-never-purchased-list); absent = no consent stored (consent-required). */
  consentRefusedBy?: Readonly<Partial<Record<Channel, string>>>;
}

export interface DecisionRules {
  policy: ContactPolicy;
  /** What the campaign asked for; the policy tightens it per recipient. */
  terms: CampaignTerms;
  category: CampaignDefinition['category'];
  tiers: readonly TierName[] | undefined;
  channels: Readonly<Record<TierName, Channel | 'none'>>;
  fallback: boolean;
  /** Holidays as the policy and the campaign together decide. */
  holidays: 'defer' | 'skip' | null;
  startAt: number | null;
  deadline: number | null;
  /** Channels the campaign has a template for. */
  templated: ReadonlySet<Channel>;
}

export function termsOf(c: CampaignDefinition): CampaignTerms {
  return {
    category: c.category,
    urgent: c.urgent,
    window: c.window ?? null,
    countryWindows: c.countryWindows,
    holidays: c.holidays ?? null,
    workingDaysOnly: c.workingDaysOnly,
    caps: c.caps,
  };
}

export function rulesOf(c: CampaignDefinition, policy: ContactPolicy = CONTACT_POLICY): DecisionRules {
  const templated = new Set<Channel>();
  if (c.templates.sms) templated.add('sms');
  if (c.templates.email) templated.add('email');
  const terms = termsOf(c);
  return {
    policy,
    terms,
    category: c.category,
    tiers: c.audience.tiers,
    channels: channelsOf(c),
    fallback: c.fallback,
    holidays: effectiveHolidays(policy, terms),
    startAt: c.startAt ? Date.parse(c.startAt) : null,
    deadline: c.deadline ? Date.parse(c.deadline) : null,
    templated,
  };
}

/** The timing rules for a place and channel. */
export function timingSpec(rules: DecisionRules, place: Place, channel: Channel): TimingSpec {
  return { sources: windowSources(rules.policy, rules.terms, place, channel), holidays: rules.holidays, workingDaysOnly: rules.terms.workingDaysOnly };
}

/** Every cap of a recipient (policy, tier cadence, region, campaign). */
export const capsFor = (rules: DecisionRules, r: Pick<RecipientSnapshot, 'country' | 'subdivision' | 'tier'>): NamedCapRule[] =>
  capRulesFor(rules.policy, rules.terms, r, r.tier);

/**
 * Window computations shared by the recipients of a batch with the same channel, place and
 * zones: one LocalTiming each.
 */
export class TimingCache {
  private readonly timings = new Map<string, LocalTiming>();
  constructor(private readonly rules: DecisionRules) {}
  get(w: Whereabouts, channel: Channel): LocalTiming {
    const key = `${channel}|${w.country}|${w.subdivision}|${w.timeZones.join(',')}|${w.countryZones.join(',')}`;
    let t = this.timings.get(key);
    if (!t) this.timings.set(key, (t = localTiming(w, timingSpec(this.rules, w, channel))));
    return t;
  }
}

type Availability = { ok: true } | { ok: false; reason: SkipReason; rule?: string };
type Skip = { skip: SkipReason; rule?: string };

function availability(r: RecipientSnapshot, channel: Channel, rules: DecisionRules): Availability {
  if (!rules.templated.has(channel)) return { ok: false, reason: 'no_channel' };
  if (r.optedOut[channel]) return { ok: false, reason: 'opted_out' };
  if (rules.category === 'marketing' && r.complained[channel]) return { ok: false, reason: 'complaint' };
  if (r.suppressed[channel]) return { ok: false, reason: 'suppressed' };
  if (channel === 'sms' && (!r.smsEligible || r.validity === 'unreachable')) return { ok: false, reason: 'invalid_number' };
  if (channel === 'email' && !r.hasEmail) return { ok: false, reason: 'no_channel' };
  if (rules.category === 'marketing' && !r.consent[channel])
    return { ok: false, reason: 'no_consent', rule: `no_consent:${r.consentRefusedBy?.[channel] ?? rules.policy.consent.required.id}` };
  return { ok: true };
}

const other = (c: Channel): Channel => (c === 'sms' ? 'email' : 'sms');

/** Which channel, or why none: the tier's channel, else (with fallback) the other one. */
export function chooseChannel(r: RecipientSnapshot, rules: DecisionRules): { channel: Channel; fallback: boolean } | Skip {
  const preferred = rules.channels[r.tier];
  if (preferred === 'none') return { skip: 'no_channel' };
  const first = availability(r, preferred, rules);
  // A silent number keeps its tier, but e-mail is tried first when it is available.
  if (first.ok && rules.fallback && preferred === 'sms' && r.preferCheaperChannel && availability(r, 'email', rules).ok) return { channel: 'email', fallback: true };
  if (first.ok) return { channel: preferred, fallback: false };
  // An opt-out or a complaint on the preferred channel is no reason to switch channels for marketing.
  if (rules.fallback && !((first.reason === 'opted_out' || first.reason === 'complaint') && rules.category === 'marketing')) {
    const second = availability(r, other(preferred), rules);
    if (second.ok) return { channel: other(preferred), fallback: true };
  }
  return first.rule ? { skip: first.reason, rule: first.rule } : { skip: first.reason };
}

/** The decision before caps. `timings` lets a batch share window computations between recipients. */
export function decide(r: RecipientSnapshot, rules: DecisionRules, now: number, timings: TimingCache = new TimingCache(rules)): Decision {
  if (rules.deadline !== null && now >= rules.deadline) return { kind: 'SKIP', reason: 'deadline_passed' };
  if (rules.tiers && !rules.tiers.includes(r.tier)) return { kind: 'SKIP', reason: 'tier_excluded', detail: `tier ${r.tier}` };
  if (rules.category === 'marketing' && r.quarantined) return { kind: 'SKIP', reason: 'quarantined' };
  if (rules.category === 'marketing' && noMarketingTier(rules.policy, r.tier))
    return { kind: 'SKIP', reason: 'tier_excluded', detail: `tier ${r.tier}: no marketing contact`, rule: `tier_excluded:${tierCadenceId(r.tier)}` };
  const choice = chooseChannel(r, rules);
  if ('skip' in choice) return { kind: 'SKIP', reason: choice.skip, ...(choice.rule ? { rule: choice.rule } : {}) };
  if (rules.startAt !== null && now < rules.startAt) return { kind: 'DEFER', until: rules.startAt, reason: 'not_started', channel: choice.channel };
  const t = timings.get(r, choice.channel).decide(now);
  if ('skip' in t) return { kind: 'SKIP', reason: t.skip, detail: t.detail, rule: t.rule };
  if (!t.open) return withinDeadline({ kind: 'DEFER', until: t.until, reason: t.reason, channel: choice.channel, rule: t.rule }, rules);
  return { kind: 'SEND', channel: choice.channel, reason: choice.fallback ? 'fallback_channel' : 'ok' };
}

/** A SEND that the cap refused becomes DEFER until the cap frees (or SKIP past the deadline). */
export function applyCap(d: Decision & { kind: 'SEND' }, cap: { ok: true } | { ok: false; freeAt: number; rule: string }, rules: DecisionRules): Decision {
  if (cap.ok) return d;
  return withinDeadline({ kind: 'DEFER', until: cap.freeAt, reason: 'cap_reached', channel: d.channel, rule: `cap:${cap.rule}` }, rules);
}

function withinDeadline(d: Decision & { kind: 'DEFER' }, rules: DecisionRules): Decision {
  if (rules.deadline !== null && d.until >= rules.deadline)
    return { kind: 'SKIP', reason: 'deadline_passed', detail: `next chance ${new Date(d.until).toISOString()} (${d.rule ?? d.reason}) is past the deadline`, ...(d.rule ? { rule: d.rule } : {}) };
  return d;
}
