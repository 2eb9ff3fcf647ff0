import { holidayRule } from '../holidays';
import { isOpenAt, nextOpening, SendWindowError, type HolidayOption, type WindowPolicy } from '../send-window';
import type { ValidityStatus } from '../score';
import { DEFAULT_TIER_CHANNELS, type CampaignDefinition, type TierName } from './definition';

/**
 * The send decision for one recipient at one instant (brief section 2): SEND, DEFER(until) or
 * SKIP, each with its reason. Pure: everything it looks at is passed in, read at send time, so
 * opt-outs, suppressions, tier changes and quarantine written while a campaign runs count.
 * Caps are applied after this, atomically in the database (see applyCap).
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
  | 'outside_window';
export type DeferReason = 'cap_reached' | 'quiet_hours' | 'holiday' | 'outside_window' | 'not_started';
export type Channel = 'sms' | 'email';

export type Decision =
  | { kind: 'SEND'; channel: Channel; reason: 'ok' | 'fallback_channel' }
  | { kind: 'DEFER'; until: number; reason: DeferReason; channel: Channel }
  | { kind: 'SKIP'; reason: SkipReason; detail?: string };

export interface RecipientSnapshot {
  contactId: number;
  tier: TierName;
  country: string | null;
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
  /** Consent for this campaign's purpose, per channel (only marketing needs it). */
  consent: Readonly<Record<Channel, boolean>>;
}

export interface DecisionRules {
  category: CampaignDefinition['category'];
  tiers: readonly TierName[] | undefined;
  channels: Readonly<Record<TierName, Channel | 'none'>>;
  fallback: boolean;
  window: WindowPolicy;
  countryWindows: Readonly<Record<string, WindowPolicy>>;
  holidays: 'skip' | 'defer' | 'ignore';
  startAt: number | null;
  deadline: number | null;
  /** Channels the campaign has a template for. */
  templated: ReadonlySet<Channel>;
}

export function rulesOf(c: CampaignDefinition): DecisionRules {
  const templated = new Set<Channel>();
  if (c.templates.sms) templated.add('sms');
  if (c.templates.email) templated.add('email');
  return {
    category: c.category,
    tiers: c.audience.tiers,
    channels: { ...DEFAULT_TIER_CHANNELS, ...c.channels },
    fallback: c.fallback,
    window: c.window,
    countryWindows: c.countryWindows,
    holidays: c.holidays,
    startAt: c.startAt ? Date.parse(c.startAt) : null,
    deadline: c.deadline ? Date.parse(c.deadline) : null,
    templated,
  };
}

type Availability = { ok: true } | { ok: false; reason: SkipReason };

function availability(r: RecipientSnapshot, channel: Channel, rules: DecisionRules): Availability {
  if (!rules.templated.has(channel)) return { ok: false, reason: 'no_channel' };
  if (r.optedOut[channel]) return { ok: false, reason: 'opted_out' };
  if (rules.category === 'marketing' && r.complained[channel]) return { ok: false, reason: 'complaint' };
  if (r.suppressed[channel]) return { ok: false, reason: 'suppressed' };
  if (channel === 'sms' && (!r.smsEligible || r.validity === 'unreachable')) return { ok: false, reason: 'invalid_number' };
  if (channel === 'email' && !r.hasEmail) return { ok: false, reason: 'no_channel' };
  if (rules.category === 'marketing' && !r.consent[channel]) return { ok: false, reason: 'no_consent' };
  return { ok: true };
}

const other = (c: Channel): Channel => (c === 'sms' ? 'email' : 'sms');

/** Which channel, or why none: the tier's channel, else (with fallback) the other one. */
export function chooseChannel(r: RecipientSnapshot, rules: DecisionRules): { channel: Channel; fallback: boolean } | { skip: SkipReason } {
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
  return { skip: first.reason };
}

/** Window and holiday calendar for a recipient, memoisable by (country, zones). */
export interface LocalTiming {
  decide(now: number): { open: true } | { open: false; until: number; reason: DeferReason } | { skip: SkipReason; detail: string };
}

export function localTiming(r: Pick<RecipientSnapshot, 'country' | 'timeZones' | 'countryZones'>, rules: DecisionRules): LocalTiming {
  const window = (r.country && rules.countryWindows[r.country]) || rules.window;
  let holidays: HolidayOption | undefined;
  if (rules.holidays !== 'ignore' && r.country) {
    try {
      holidays = holidayRule(r.country, null, rules.holidays);
    } catch {
      holidays = undefined; // no calendar for this country
    }
  }
  const zoneOpts = { countryZones: r.countryZones };
  // A batch decides all its recipients at one instant: the answer for the last instant is kept.
  let lastNow: number | undefined;
  let last: ReturnType<LocalTiming['decide']> | undefined;
  const compute = (now: number): ReturnType<LocalTiming['decide']> => {
    let next;
    try {
      next = nextOpening(now, r.timeZones, window, { ...zoneOpts, ...(holidays ? { holidays } : {}) });
    } catch (err) {
      // No usable zone at all (unknown zone and no country): never guess a local time.
      if (err instanceof SendWindowError) return { skip: 'outside_window', detail: `no local time known: ${err.message}` };
      throw err;
    }
    if (next.kind === 'skip') return { skip: 'holiday', detail: next.reason };
    if (next.kind === 'none') return { skip: 'outside_window', detail: next.reason };
    if (next.at.getTime() <= now) return { open: true };
    let reason: DeferReason = 'outside_window';
    // 'holiday' when the calendar pushed the opening back (also before the window on a holiday);
    // 'quiet_hours' only inside the daily range on an allowed weekday.
    const plain = holidays ? nextOpening(now, r.timeZones, window, zoneOpts) : next;
    if (plain.kind === 'open' && plain.at.getTime() < next.at.getTime()) reason = 'holiday';
    else if (isOpenAt(now, r.timeZones, { start: window.start, end: window.end, days: window.days }, zoneOpts)) reason = 'quiet_hours';
    return { open: false, until: next.at.getTime(), reason };
  };
  return {
    decide(now) {
      if (now !== lastNow || !last) {
        last = compute(now);
        lastNow = now;
      }
      return last;
    },
  };
}

/** The decision before caps. `timing` lets a batch share window computations between recipients. */
export function decide(r: RecipientSnapshot, rules: DecisionRules, now: number, timing: LocalTiming = localTiming(r, rules)): Decision {
  if (rules.deadline !== null && now >= rules.deadline) return { kind: 'SKIP', reason: 'deadline_passed' };
  if (rules.tiers && !rules.tiers.includes(r.tier)) return { kind: 'SKIP', reason: 'tier_excluded', detail: `tier ${r.tier}` };
  if (rules.category === 'marketing' && r.quarantined) return { kind: 'SKIP', reason: 'quarantined' };
  const choice = chooseChannel(r, rules);
  if ('skip' in choice) return { kind: 'SKIP', reason: choice.skip };
  if (rules.startAt !== null && now < rules.startAt) return { kind: 'DEFER', until: rules.startAt, reason: 'not_started', channel: choice.channel };
  const t = timing.decide(now);
  if ('skip' in t) return { kind: 'SKIP', reason: t.skip, detail: t.detail };
  if (!t.open) return withinDeadline({ kind: 'DEFER', until: t.until, reason: t.reason, channel: choice.channel }, rules);
  return { kind: 'SEND', channel: choice.channel, reason: choice.fallback ? 'fallback_channel' : 'ok' };
}

/** A SEND that the cap refused becomes DEFER until the cap frees (or SKIP past the deadline). */
export function applyCap(d: Decision & { kind: 'SEND' }, cap: { ok: true } | { ok: false; freeAt: number }, rules: DecisionRules): Decision {
  if (cap.ok) return d;
  return withinDeadline({ kind: 'DEFER', until: cap.freeAt, reason: 'cap_reached', channel: d.channel }, rules);
}

function withinDeadline(d: Decision & { kind: 'DEFER' }, rules: DecisionRules): Decision {
  if (rules.deadline !== null && d.until >= rules.deadline) return { kind: 'SKIP', reason: 'deadline_passed', detail: `next chance ${new Date(d.until).toISOString()} (${d.reason}) is past the deadline` };
  return d;
}
