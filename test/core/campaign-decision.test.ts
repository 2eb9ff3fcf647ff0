import { afterEach, describe, expect, it } from 'vitest';
import { DateTime, Settings } from 'luxon';
import windowVectors from '../fixtures/send_windows.json';
import holidayVectors from '../fixtures/holidays.json';
import zoneVectors from '../fixtures/phone_timezones.json';
import { parseCampaign } from '../../core/campaign/definition';
import {
  applyCap,
  chooseChannel,
  capsFor,
  decide,
  rulesOf,
  TimingCache,
  type Decision,
  type DecisionRules,
  type RecipientSnapshot,
} from '../../core/campaign/decision';
import { capCheck } from '../../core/frequency';
import { countryLevelTimeZones } from '../../core/phone';

// ---------- fixtures and helpers ----------

const ms = (s: string): number => Date.parse(s);
const iso = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');
const HOUR = 3_600_000;
const MIN = 60_000;

const NONE = { sms: false, email: false } as const;
const BOTH = { sms: true, email: true } as const;

/** A reachable, consented, tier A contact in London with an e-mail address. */
function recipient(over: Partial<RecipientSnapshot> = {}): RecipientSnapshot {
  return {
    contactId: 1,
    tier: 'A',
    country: 'GB',
    subdivision: null,
    timeZones: ['Europe/London'],
    countryZones: countryLevelTimeZones('44'),
    validity: 'reachable',
    smsEligible: true,
    hasEmail: true,
    quarantined: false,
    preferCheaperChannel: false,
    optedOut: NONE,
    complained: NONE,
    suppressed: NONE,
    consent: BOTH,
    ...over,
  };
}

const TEMPLATES = {
  sms: { en: '{{brand}}: 20% off today, {{name}}. Reply STOP to opt out' },
  email: { en: { subject: '{{brand}} spring sale', text: 'Hi {{name}}, 20% off today. Unsubscribe: {{unsubscribe_url}}' } },
};

function campaign(over: Record<string, unknown> = {}) {
  return parseCampaign({ name: 'spring sale', category: 'marketing', templates: TEMPLATES, ...over });
}
const rules = (over: Record<string, unknown> = {}): DecisionRules => rulesOf(campaign(over));

/** Tuesday 2026-06-16 11:00 BST: inside 09:00–20:00 in London, no holiday anywhere near. */
const NOW = ms('2026-06-16T10:00:00Z');

// ---------- 1. every decision and reason ----------

interface Case {
  r?: Partial<RecipientSnapshot>;
  c?: Record<string, unknown>;
  /** Adjust the rules beyond what a valid definition allows (e.g. a channel without a template). */
  tweak?: (rules: DecisionRules) => DecisionRules;
  now?: number;
  want: Partial<Decision> & { kind: Decision['kind'] };
}

// CN recipient: National Day block 2026-10-01..07 (taken from the holidays fixture below).
const CN = { country: 'CN', timeZones: ['Asia/Shanghai'], countryZones: countryLevelTimeZones('86') } as const;
const cn2026 = (holidayVectors.countries.CN as unknown as Record<string, { holidays: { date: string }[]; makeup_workdays: string[] }>)['2026']!;
const cnDaysOff = new Set(cn2026.holidays.map((h) => h.date));
/** First date on or after `from` that is a CN working day per the State Council notice (fixture). */
function firstCnWorkingDay(from: string): string {
  for (let d = from; ; d = DateTime.fromISO(d).plus({ days: 1 }).toISODate()!) {
    const weekday = DateTime.fromISO(d).weekday;
    const weekend = weekday >= 6 && !cn2026.makeup_workdays.includes(d);
    if (!cnDaysOff.has(d) && !weekend) return d;
  }
}
const afterNationalDay = firstCnWorkingDay('2026-10-01');
/** 09:00 in Shanghai (UTC+8 all year) on that date. */
const cnOpening = ms(`${afterNationalDay}T09:00:00+08:00`);

const CASES: Record<string, Case> = {
  // ----- SKIP -----
  'SKIP opted_out: marketing SMS opt-out does not fall back to a consented e-mail': {
    r: { optedOut: { sms: true, email: false } },
    want: { kind: 'SKIP', reason: 'opted_out' },
  },
  'SKIP opted_out: opted out of both channels': { r: { tier: 'B', optedOut: BOTH }, want: { kind: 'SKIP', reason: 'opted_out' } },
  'SKIP opted_out: transactional never ignores an opt-out': {
    r: { optedOut: BOTH },
    c: { category: 'transactional' },
    want: { kind: 'SKIP', reason: 'opted_out' },
  },
  'SKIP opted_out: transactional SMS opt-out with fallback off': {
    r: { optedOut: { sms: true, email: false } },
    c: { category: 'transactional', fallback: false },
    want: { kind: 'SKIP', reason: 'opted_out' },
  },
  'SKIP opted_out: opt-out wins over a suppression on the same channel': {
    r: { optedOut: { sms: true, email: false }, suppressed: { sms: true, email: false } },
    want: { kind: 'SKIP', reason: 'opted_out' },
  },
  'SKIP complaint: a complaint on SMS stops marketing SMS and is no reason to switch to e-mail': {
    r: { complained: { sms: true, email: false } },
    want: { kind: 'SKIP', reason: 'complaint' },
  },
  'SKIP complaint: on the block list (both channels)': { r: { tier: 'B', complained: BOTH }, want: { kind: 'SKIP', reason: 'complaint' } },
  'SEND ok: a complaint stops marketing only, transactional e-mail still goes': {
    r: { tier: 'B', complained: BOTH },
    c: { category: 'transactional', channels: { B: 'email' } },
    want: { kind: 'SEND', channel: 'email', reason: 'ok' },
  },
  'SEND ok: a complaint on e-mail leaves marketing SMS': {
    r: { complained: { sms: false, email: true } },
    want: { kind: 'SEND', channel: 'sms', reason: 'ok' },
  },
  'SKIP suppressed: SMS suppressed, fallback off': {
    r: { suppressed: { sms: true, email: false } },
    c: { fallback: false },
    want: { kind: 'SKIP', reason: 'suppressed' },
  },
  'SKIP suppressed: both channels suppressed': { r: { suppressed: BOTH }, want: { kind: 'SKIP', reason: 'suppressed' } },
  'SKIP quarantined: marketing': { r: { quarantined: true }, want: { kind: 'SKIP', reason: 'quarantined' } },
  'SKIP tier_excluded: audience is tier B only': {
    c: { audience: { tiers: ['B'] } },
    want: { kind: 'SKIP', reason: 'tier_excluded', detail: 'tier A' },
  },
  'SKIP no_consent: marketing without SMS consent, fallback off': {
    r: { consent: { sms: false, email: true } },
    c: { fallback: false },
    want: { kind: 'SKIP', reason: 'no_consent', rule: 'no_consent:consent-required' },
  },
  'SKIP no_consent: marketing without any consent': { r: { consent: NONE }, want: { kind: 'SKIP', reason: 'no_consent', rule: 'no_consent:consent-required' } },
  'SKIP no_consent names the policy rule that refused the stored consent': {
    r: { consent: { sms: false, email: false }, consentRefusedBy: { sms: 'consent-explicit-eu' } },
    want: { kind: 'SKIP', reason: 'no_consent', rule: 'no_consent:consent-explicit-eu' },
  },
  'SKIP invalid_number: SMS to an unreachable number, no e-mail address': {
    r: { validity: 'unreachable', hasEmail: false },
    want: { kind: 'SKIP', reason: 'invalid_number' },
  },
  'SKIP invalid_number: number not SMS-eligible (landline), fallback off': {
    r: { smsEligible: false },
    c: { fallback: false },
    want: { kind: 'SKIP', reason: 'invalid_number' },
  },
  'SKIP invalid_number: transactional too': {
    r: { validity: 'unreachable', hasEmail: false },
    c: { category: 'transactional' },
    want: { kind: 'SKIP', reason: 'invalid_number' },
  },
  'SKIP tier_excluded: tier D gets no marketing (policy tier cadence none)': {
    r: { tier: 'D' },
    want: { kind: 'SKIP', reason: 'tier_excluded', rule: 'tier_excluded:tier-cadence-D' },
  },
  'SKIP tier_excluded: tier D gets no marketing even with an explicit channel': {
    r: { tier: 'D' },
    c: { channels: { D: 'email' } },
    want: { kind: 'SKIP', reason: 'tier_excluded', rule: 'tier_excluded:tier-cadence-D' },
  },
  'SKIP no_channel: tier B (e-mail) without an e-mail address, fallback off': {
    r: { tier: 'B', hasEmail: false },
    c: { fallback: false },
    want: { kind: 'SKIP', reason: 'no_channel' },
  },
  'SKIP no_channel: no template for the tier channel': {
    tweak: (x) => ({ ...x, templated: new Set(['email'] as const), fallback: false }),
    want: { kind: 'SKIP', reason: 'no_channel' },
  },
  'SKIP deadline_passed: now is the deadline': {
    c: { deadline: '2026-06-16T10:00:00Z' },
    want: { kind: 'SKIP', reason: 'deadline_passed' },
  },
  'SKIP deadline_passed: deadline wins over every other reason': {
    r: { optedOut: BOTH, tier: 'D' },
    c: { deadline: '2026-06-16T09:00:00Z' },
    want: { kind: 'SKIP', reason: 'deadline_passed' },
  },
  'SKIP deadline_passed: the next window opening is past the deadline': {
    // 21:30 BST; next opening 2026-06-17 09:00 BST = 08:00Z; deadline 07:00Z.
    c: { deadline: '2026-06-17T07:00:00Z' },
    now: ms('2026-06-16T20:30:00Z'),
    want: { kind: 'SKIP', reason: 'deadline_passed', detail: 'next chance 2026-06-17T08:00:00.000Z (outside_window:product-default-window) is past the deadline', rule: 'outside_window:product-default-window' },
  },
  'SKIP holiday: holidays "skip", CN recipient on National Day': {
    r: CN,
    c: { holidays: 'skip' },
    now: ms('2026-10-01T10:00:00+08:00'),
    want: { kind: 'SKIP', reason: 'holiday', rule: 'holiday:CN' },
  },
  'SKIP outside_window: candidate zones never share the window': {
    r: { country: null, timeZones: ['Asia/Shanghai', 'America/New_York'], countryZones: [] },
    c: { window: { start: '09:00', end: '12:00' } },
    want: { kind: 'SKIP', reason: 'outside_window' },
  },

  // ----- DEFER -----
  'DEFER not_started: before startAt': {
    c: { startAt: '2026-06-17T00:00:00Z' },
    want: { kind: 'DEFER', reason: 'not_started', until: ms('2026-06-17T00:00:00Z'), channel: 'sms' },
  },
  'DEFER outside_window: 23:30 local, until 09:00 local next day': {
    now: ms('2026-06-16T22:30:00Z'),
    want: { kind: 'DEFER', reason: 'outside_window', until: ms('2026-06-17T09:00:00+01:00'), channel: 'sms', rule: 'outside_window:product-default-window' },
  },
  'DEFER quiet_hours: lunch break 12:00–13:30 local': {
    c: { window: { start: '09:00', end: '20:00', quietHours: [{ start: '12:00', end: '13:30' }] } },
    now: ms('2026-06-16T12:30:00+01:00'),
    want: { kind: 'DEFER', reason: 'quiet_hours', until: ms('2026-06-16T13:30:00+01:00'), channel: 'sms', rule: 'quiet_hours:campaign-window' },
  },
  'DEFER outside_window: a weekday-only window on a Saturday is not quiet hours': {
    c: { window: { start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5] } },
    now: ms('2026-06-20T11:00:00+01:00'), // Saturday
    want: { kind: 'DEFER', reason: 'outside_window', until: ms('2026-06-22T09:00:00+01:00'), channel: 'sms', rule: 'outside_window:campaign-window' },
  },
  'DEFER holiday: CN National Day 10:00 local, deferred to the first working-day window': {
    r: CN,
    now: ms('2026-10-01T10:00:00+08:00'),
    want: { kind: 'DEFER', reason: 'holiday', until: cnOpening, channel: 'sms', rule: 'holiday:CN' },
  },
  'DEFER holiday: CN National Day 07:00 local (before the window) is still a holiday deferral': {
    r: CN,
    now: ms('2026-10-01T07:00:00+08:00'),
    want: { kind: 'DEFER', reason: 'holiday', until: cnOpening, channel: 'sms' },
  },
  'DEFER holiday: 21:00 the evening before National Day waits for the block to end, not for the morning': {
    r: CN,
    now: ms('2026-09-30T21:00:00+08:00'),
    want: { kind: 'DEFER', reason: 'holiday', until: cnOpening, channel: 'sms' },
  },
  'DEFER outside_window: 21:00 on the last day off, next morning is a working day': {
    r: CN,
    now: ms('2026-10-07T21:00:00+08:00'),
    want: { kind: 'DEFER', reason: 'outside_window', until: cnOpening, channel: 'sms' },
  },
  'DEFER holiday: a campaign with holidays "ignore" is clamped to the policy for marketing': {
    r: CN,
    c: { holidays: 'ignore' },
    now: ms('2026-10-03T15:00:00+08:00'),
    want: { kind: 'DEFER', reason: 'holiday', until: cnOpening, channel: 'sms', rule: 'holiday:CN' },
  },
  'DEFER outside_window: a campaign window wider than the product default is clamped to it': {
    c: { window: { start: '07:00', end: '23:00' } },
    now: ms('2026-06-16T21:30:00Z'), // 22:30 BST
    want: { kind: 'DEFER', reason: 'outside_window', until: ms('2026-06-17T09:00:00+01:00'), channel: 'sms', rule: 'outside_window:product-default-window' },
  },
  'DEFER outside_window: New York at 22:30 under a 07:00–23:00 campaign (TCPA 08:00–21:00 and the product 21:00)': {
    r: { country: 'US', subdivision: 'NY', timeZones: ['America/New_York'], countryZones: [] },
    c: { window: { start: '07:00', end: '23:00' } },
    now: ms('2026-06-16T22:30:00-04:00'),
    want: { kind: 'DEFER', reason: 'outside_window', until: ms('2026-06-17T09:00:00-04:00'), channel: 'sms', rule: 'outside_window:us-tcpa-hours' },
  },
  'DEFER outside_window: Florida at 20:30 (Fla. Stat. 501.616: 08:00–20:00)': {
    r: { country: 'US', subdivision: 'FL', timeZones: ['America/New_York'], countryZones: [] },
    now: ms('2026-06-16T20:30:00-04:00'),
    want: { kind: 'DEFER', reason: 'outside_window', until: ms('2026-06-17T09:00:00-04:00'), channel: 'sms', rule: 'outside_window:us-fl-ftsa' },
  },
  'DEFER outside_window: a US number whose state is unknown gets the strictest US window (CT 09:00–20:00)': {
    r: { country: 'US', subdivision: null, timeZones: ['America/New_York'], countryZones: [] },
    now: ms('2026-06-16T20:15:00-04:00'),
    want: { kind: 'DEFER', reason: 'outside_window', until: ms('2026-06-17T09:00:00-04:00'), channel: 'sms' },
  },
  'SEND ok: e-mail to Florida at 20:30: the state rule covers calls and texts only': {
    r: { country: 'US', subdivision: 'FL', tier: 'B', timeZones: ['America/New_York'], countryZones: [] },
    now: ms('2026-06-16T20:30:00-04:00'),
    want: { kind: 'SEND', channel: 'email', reason: 'ok' },
  },
  'SEND ok: transactional ignores holidays': {
    r: CN,
    c: { category: 'transactional' },
    now: ms('2026-10-03T15:00:00+08:00'),
    want: { kind: 'SEND', channel: 'sms', reason: 'ok' },
  },
  'DEFER outside_window: a non-urgent transactional message waits out the night (policy transactional-night)': {
    r: { country: 'US', subdivision: 'NY', timeZones: ['America/New_York'], countryZones: [] },
    c: { category: 'transactional' },
    now: ms('2026-12-25T23:00:00-05:00'),
    want: { kind: 'DEFER', reason: 'outside_window', until: ms('2026-12-26T07:00:00-05:00'), channel: 'sms', rule: 'outside_window:transactional-night' },
  },
  'SEND ok: an urgent transactional message (one-time code) at 23:00 on Christmas Day': {
    r: { country: 'US', subdivision: 'NY', timeZones: ['America/New_York'], countryZones: [] },
    c: { category: 'transactional', urgent: true },
    now: ms('2026-12-25T23:00:00-05:00'),
    want: { kind: 'SEND', channel: 'sms', reason: 'ok' },
  },
  'SKIP opted_out: an urgent transactional message never goes to an SMS opt-out': {
    r: { country: 'US', subdivision: 'NY', timeZones: ['America/New_York'], countryZones: [], optedOut: { sms: true, email: false }, hasEmail: false },
    c: { category: 'transactional', urgent: true },
    now: ms('2026-12-25T23:00:00-05:00'),
    want: { kind: 'SKIP', reason: 'opted_out' },
  },
  'DEFER holiday: a working-days-only campaign waits out a Chinese weekend': {
    r: CN,
    c: { workingDaysOnly: true },
    now: ms('2026-09-19T10:00:00+08:00'), // Saturday
    want: { kind: 'DEFER', reason: 'holiday', until: ms('2026-09-20T09:00:00+08:00'), channel: 'sms', rule: 'holiday:campaign-working-days' },
  },
  'SEND ok: a working-days-only campaign sends on the make-up workday 2026-09-20 (a Sunday)': {
    r: CN,
    c: { workingDaysOnly: true },
    now: ms('2026-09-20T10:00:00+08:00'),
    want: { kind: 'SEND', channel: 'sms', reason: 'ok' },
  },

  // ----- SEND -----
  'SEND ok: tier A by SMS': { want: { kind: 'SEND', channel: 'sms', reason: 'ok' } },
  'SEND ok: tier B by e-mail': { r: { tier: 'B' }, want: { kind: 'SEND', channel: 'email', reason: 'ok' } },
  'SEND ok: tier C by e-mail': { r: { tier: 'C' }, want: { kind: 'SEND', channel: 'email', reason: 'ok' } },
  'SEND ok: a transactional message reaches tier D': { r: { tier: 'D' }, c: { category: 'transactional' }, want: { kind: 'SEND', channel: 'sms', reason: 'ok' } },
  'SEND ok: transactional to a quarantined contact': {
    r: { quarantined: true },
    c: { category: 'transactional' },
    want: { kind: 'SEND', channel: 'sms', reason: 'ok' },
  },
  'SEND ok: transactional needs no consent': {
    r: { consent: NONE },
    c: { category: 'transactional' },
    want: { kind: 'SEND', channel: 'sms', reason: 'ok' },
  },
  'SEND ok: at exactly startAt': {
    c: { startAt: '2026-06-16T10:00:00Z' },
    want: { kind: 'SEND', channel: 'sms', reason: 'ok' },
  },
  'SEND ok: a suspected-disconnected number is still tried': {
    r: { validity: 'suspected_disconnected' },
    want: { kind: 'SEND', channel: 'sms', reason: 'ok' },
  },
  'SEND fallback_channel: number not SMS-eligible -> e-mail': {
    r: { smsEligible: false },
    want: { kind: 'SEND', channel: 'email', reason: 'fallback_channel' },
  },
  'SEND fallback_channel: unreachable number -> e-mail': {
    r: { validity: 'unreachable' },
    want: { kind: 'SEND', channel: 'email', reason: 'fallback_channel' },
  },
  'SEND fallback_channel: SMS suppressed (not an opt-out) -> e-mail': {
    r: { suppressed: { sms: true, email: false } },
    want: { kind: 'SEND', channel: 'email', reason: 'fallback_channel' },
  },
  'SEND fallback_channel: no SMS consent (not an opt-out) -> consented e-mail': {
    r: { consent: { sms: false, email: true } },
    want: { kind: 'SEND', channel: 'email', reason: 'fallback_channel' },
  },
  'SEND fallback_channel: tier B without e-mail address -> SMS': {
    r: { tier: 'B', hasEmail: false },
    want: { kind: 'SEND', channel: 'sms', reason: 'fallback_channel' },
  },
  'SEND fallback_channel: transactional SMS opt-out covers SMS only -> e-mail': {
    r: { optedOut: { sms: true, email: false } },
    c: { category: 'transactional' },
    want: { kind: 'SEND', channel: 'email', reason: 'fallback_channel' },
  },
  'SEND fallback_channel: silent number prefers e-mail': {
    r: { preferCheaperChannel: true },
    want: { kind: 'SEND', channel: 'email', reason: 'fallback_channel' },
  },
  'SEND ok: silent number without usable e-mail keeps SMS': {
    r: { preferCheaperChannel: true, hasEmail: false },
    want: { kind: 'SEND', channel: 'sms', reason: 'ok' },
  },
  'SEND ok: silent number, e-mail opted out, keeps SMS': {
    r: { preferCheaperChannel: true, optedOut: { sms: false, email: true } },
    want: { kind: 'SEND', channel: 'sms', reason: 'ok' },
  },
};

describe('decide(): SEND / DEFER / SKIP with each reason', () => {
  it.each(Object.entries(CASES))('%s', (_name, c) => {
    let x = rules(c.c);
    if (c.tweak) x = c.tweak(x);
    const d = decide(recipient(c.r), x, c.now ?? NOW);
    expect(d).toMatchObject(c.want);
    if (c.want.kind === 'SEND') expect(d).toEqual(c.want); // no extra fields on a SEND
  });

  it('the CN fixture puts the first working day after National Day on 2026-10-08 (Thursday)', () => {
    expect(afterNationalDay).toBe('2026-10-08');
    expect(iso(cnOpening)).toBe('2026-10-08T01:00:00Z');
  });

  it('holiday skip says which day and holiday', () => {
    const d = decide(recipient(CN), rules({ holidays: 'skip' }), ms('2026-10-01T10:00:00+08:00'));
    expect(d.kind === 'SKIP' && d.detail).toMatch(/2026-10-01.*Asia\/Shanghai.*国庆节/);
  });

  it('holidays "ignore" does not send marketing on National Day (the policy defers it)', () => {
    expect(decide(recipient(CN), rules({ holidays: 'ignore' }), ms('2026-10-01T10:00:00+08:00'))).toMatchObject({ kind: 'DEFER', reason: 'holiday', rule: 'holiday:CN' });
  });

  it('a country without a holiday calendar still gets its window', () => {
    // 'AQ' (Antarctica) is not in date-holidays: no calendar, the window alone applies.
    const r = recipient({ country: 'AQ', timeZones: ['UTC'], countryZones: ['UTC'] });
    expect(decide(r, rules(), ms('2026-06-16T10:00:00Z')).kind).toBe('SEND');
    expect(decide(r, rules(), ms('2026-06-16T21:00:00Z'))).toMatchObject({ kind: 'DEFER', reason: 'outside_window', until: ms('2026-06-17T09:00:00Z'), rule: 'outside_window:product-default-window' });
  });

  it('reads the snapshot at send time: an opt-out written mid-campaign changes the decision', () => {
    const x = rules();
    expect(decide(recipient(), x, NOW).kind).toBe('SEND');
    expect(decide(recipient({ optedOut: { sms: true, email: false } }), x, NOW)).toMatchObject({ kind: 'SKIP', reason: 'opted_out' });
  });

  it('a shared TimingCache gives the same answers as a fresh one', () => {
    const x = rules();
    const shared = new TimingCache(x);
    for (const now of [NOW, ms('2026-06-16T22:30:00Z'), ms('2026-06-17T08:00:00Z')]) {
      expect(decide(recipient({ contactId: 7 }), x, now, shared)).toEqual(decide(recipient({ contactId: 7 }), x, now));
    }
  });
});

describe('chooseChannel(): fallback policy', () => {
  // The policy in chooseChannel's comment: an opt-out on the preferred channel is no reason to
  // switch channels for marketing; other unavailability is, when the campaign allows fallback.
  it.each([
    ['marketing, SMS opt-out, fallback on', 'marketing', true, { optedOut: { sms: true, email: false } }, { skip: 'opted_out' }],
    ['marketing, e-mail opt-out (tier B), fallback on', 'marketing', true, { tier: 'B', optedOut: { sms: false, email: true } }, { skip: 'opted_out' }],
    ['transactional, SMS opt-out, fallback on', 'transactional', true, { optedOut: { sms: true, email: false } }, { channel: 'email', fallback: true }],
    ['marketing, invalid number, fallback on', 'marketing', true, { smsEligible: false }, { channel: 'email', fallback: true }],
    ['marketing, invalid number, fallback off', 'marketing', false, { smsEligible: false }, { skip: 'invalid_number' }],
    ['marketing, invalid number, fallback on, e-mail opted out', 'marketing', true, { smsEligible: false, optedOut: { sms: false, email: true } }, { skip: 'invalid_number' }],
    ['marketing, invalid number, fallback on, no e-mail consent', 'marketing', true, { smsEligible: false, consent: { sms: true, email: false } }, { skip: 'invalid_number' }],
    ['transactional, invalid number, fallback on, no e-mail consent', 'transactional', true, { smsEligible: false, consent: NONE }, { channel: 'email', fallback: true }],
    ['marketing, tier B no address, fallback off', 'marketing', false, { tier: 'B', hasEmail: false }, { skip: 'no_channel' }],
    ['silent number, fallback on', 'marketing', true, { preferCheaperChannel: true }, { channel: 'email', fallback: true }],
    ['silent number on an e-mail tier changes nothing', 'marketing', true, { tier: 'B', preferCheaperChannel: true }, { channel: 'email', fallback: false }],
  ] as const)('%s', (_name, category, fallback, r, want) => {
    expect(chooseChannel(recipient(r as Partial<RecipientSnapshot>), rules({ category, fallback }))).toEqual(want);
  });

  it('fallback never goes to a channel without a template', () => {
    const smsOnly: DecisionRules = { ...rules(), templated: new Set(['sms'] as const) };
    expect(chooseChannel(recipient({ smsEligible: false }), smsOnly)).toEqual({ skip: 'invalid_number' });
  });
});

describe('applyCap(): a SEND the cap refuses', () => {
  const send = { kind: 'SEND', channel: 'sms', reason: 'ok' } as const;

  it.each([
    ['cap ok: the SEND stands', { ok: true } as const, {}, send],
    ['cap reached: DEFER cap_reached until the cap frees, same channel', { ok: false, freeAt: ms('2026-06-17T07:00:00Z'), rule: 'sms-daily' } as const, {}, { kind: 'DEFER', reason: 'cap_reached', until: ms('2026-06-17T07:00:00Z'), channel: 'sms', rule: 'cap:sms-daily' }],
    ['cap frees exactly at the deadline: SKIP deadline_passed', { ok: false, freeAt: ms('2026-06-17T07:00:00Z'), rule: 'sms-daily' } as const, { deadline: '2026-06-17T07:00:00Z' }, { kind: 'SKIP', reason: 'deadline_passed' }],
    ['cap frees before the deadline: DEFER', { ok: false, freeAt: ms('2026-06-17T07:00:00Z'), rule: 'sms-daily' } as const, { deadline: '2026-06-17T07:00:01Z' }, { kind: 'DEFER', reason: 'cap_reached' }],
  ] as const)('%s', (_name, cap, c, want) => {
    expect(applyCap(send, cap, rules(c))).toMatchObject(want);
  });

  it('with capCheck and the policy caps: an SMS sent 3 h ago defers this one by 21 h (sms-daily)', () => {
    const x = rules();
    const d = decide(recipient({ tier: 'C', hasEmail: false }), x, NOW);
    expect(d.kind).toBe('SEND');
    const cap = capCheck(capsFor(x, recipient({ tier: 'C' })), 'sms', [{ at: NOW - 3 * HOUR, channel: 'sms' }], NOW);
    // Tier C's monthly cadence holds it longer than sms-daily: the cap names the rule that holds it longest.
    expect(applyCap(d as Decision & { kind: 'SEND' }, cap, x)).toEqual({ kind: 'DEFER', reason: 'cap_reached', until: NOW - 3 * HOUR + 30 * 24 * HOUR, channel: 'sms', rule: 'cap:tier-cadence-C' });
  });

  it('transactional: no caps, however many sends', () => {
    const c = campaign({ category: 'transactional' });
    const sends = Array.from({ length: 10 }, (_, i) => ({ at: NOW - i * HOUR, channel: 'sms' as const }));
    const cap = capCheck(capsFor(rulesOf(c), recipient()), 'sms', sends, NOW);
    expect(cap).toEqual({ ok: true });
    const d = decide(recipient(), rulesOf(c), NOW) as Decision & { kind: 'SEND' };
    expect(applyCap(d, cap, rulesOf(c))).toBe(d);
  });
});

describe('every reason is reachable and tested', () => {
  it('the table plus applyCap covers every SKIP, DEFER and SEND reason', () => {
    const seen = new Set(Object.values(CASES).map((c) => `${c.want.kind} ${String(c.want.reason)}`));
    seen.add('DEFER cap_reached'); // applyCap cases above
    const all = [
      ...['opted_out', 'complaint', 'suppressed', 'quarantined', 'tier_excluded', 'no_consent', 'invalid_number', 'no_channel', 'deadline_passed', 'holiday', 'outside_window'].map((r) => `SKIP ${r}`),
      ...['cap_reached', 'quiet_hours', 'holiday', 'outside_window', 'not_started'].map((r) => `DEFER ${r}`),
      'SEND ok',
      'SEND fallback_channel',
    ];
    expect([...seen].sort()).toEqual(all.sort());
  });
});

// ---------- 2. local time per recipient, DST-correct, real zones ----------

// Timing tests are about the clock only: no holiday calendar.
// An urgent transactional message has no window but its own, so any window (02:30, 08:00) is tested as given.
const clockRules = (window = { start: '09:00', end: '20:00' }) => rules({ category: 'transactional', urgent: true, window });
const OUTSIDE = 'outside_window:campaign-window';
const inZones = (timeZones: readonly string[], countryZones: readonly string[] = []) => recipient({ country: null, timeZones, countryZones });

// Two seasons and two host zones for luxon's globals: none may change a decision.
const ENVIRONMENTS = [
  { label: 'now=January, host zone UTC', now: ms('2026-01-15T12:00:00Z'), zone: 'UTC' },
  { label: 'now=July, host zone Kiritimati', now: ms('2026-07-15T12:00:00Z'), zone: 'Pacific/Kiritimati' },
] as const;
afterEach(() => {
  Settings.now = () => Date.now();
  Settings.defaultZone = 'system';
});
function inEnv<T>(env: (typeof ENVIRONMENTS)[number], fn: () => T): T {
  Settings.now = () => env.now;
  Settings.defaultZone = env.zone;
  try {
    return fn();
  } finally {
    Settings.now = () => Date.now();
    Settings.defaultZone = 'system';
  }
}

const localHHmm = (t: number, zone: string) => DateTime.fromMillis(t, { zone }).toFormat('yyyy-MM-dd HH:mm');

describe('one campaign, one instant, five real zones: each recipient by its own clock', () => {
  // Expected instants by hand: 09:00 local minus the zone's UTC offset on that date.
  const instants = {
    // 2026-06-15 12:00Z: Shanghai 20:00 (+8, closed: end exclusive), New York 08:00 (EDT -4),
    // Honolulu 02:00 (-10), London 13:00 (BST +1), Sydney 22:00 (AEST +10).
    june: {
      now: ms('2026-06-15T12:00:00Z'),
      want: {
        'Asia/Shanghai': ms('2026-06-16T01:00:00Z'), // 2026-06-16 09:00 +08:00
        'America/New_York': ms('2026-06-15T13:00:00Z'), // 09:00 -04:00
        'Pacific/Honolulu': ms('2026-06-15T19:00:00Z'), // 09:00 -10:00
        'Europe/London': 'SEND',
        'Australia/Sydney': ms('2026-06-15T23:00:00Z'), // 2026-06-16 09:00 +10:00
      },
    },
    // 2026-01-15 14:30Z: Shanghai 22:30 (+8), New York 09:30 (EST -5), Honolulu 04:30 (-10),
    // London 14:30 (GMT), Sydney 01:30 on 01-16 (AEDT +11).
    january: {
      now: ms('2026-01-15T14:30:00Z'),
      want: {
        'Asia/Shanghai': ms('2026-01-16T01:00:00Z'), // 2026-01-16 09:00 +08:00
        'America/New_York': 'SEND',
        'Pacific/Honolulu': ms('2026-01-15T19:00:00Z'), // 09:00 -10:00
        'Europe/London': 'SEND',
        'Australia/Sydney': ms('2026-01-15T22:00:00Z'), // 2026-01-16 09:00 +11:00
      },
    },
  } as const;

  const rows = Object.entries(instants).flatMap(([season, { now, want }]) =>
    Object.entries(want).map(([zone, w]) => [`${season}: ${zone}`, now, zone, w] as const),
  );

  it.each(rows)('%s', (_name, now, zone, w) => {
    const x = clockRules();
    const d = decide(inZones([zone]), x, now);
    if (w === 'SEND') {
      expect(d).toEqual({ kind: 'SEND', channel: 'sms', reason: 'ok' });
      return;
    }
    expect(d).toEqual({ kind: 'DEFER', reason: 'outside_window', until: w, channel: 'sms', rule: OUTSIDE });
    // Cross-check (not the oracle): the deferral lands on 09:00 local, and that instant sends.
    expect(localHHmm(w, zone).slice(11)).toBe('09:00');
    expect(decide(inZones([zone]), x, w).kind).toBe('SEND');
    expect(decide(inZones([zone]), x, w - 1)).toMatchObject({ kind: 'DEFER', until: w });
  });
});

describe('DST days: a 09:00 opening is 09:00 local wall time with that day\'s offset', () => {
  const vectorCase = (id: string) => windowVectors.cases.find((c) => c.id === id)!;
  // [vector id, zone, before (local night, UTC), 09:00 local with the offset in force that morning]
  const DST = [
    ['newyork-dst-start', 'America/New_York', '2026-03-08T06:00:00Z' /* 01:00 EST */, '2026-03-08T09:00:00-04:00' /* EDT from 03:00 */],
    ['newyork-dst-end', 'America/New_York', '2026-11-01T05:00:00Z' /* 01:00 EDT */, '2026-11-01T09:00:00-05:00' /* EST from 02:00 */],
    ['london-dst-start', 'Europe/London', '2026-03-29T00:30:00Z' /* 00:30 GMT */, '2026-03-29T09:00:00+01:00' /* BST from 01:00Z */],
    ['london-dst-end', 'Europe/London', '2026-10-25T00:30:00Z' /* 01:30 BST */, '2026-10-25T09:00:00+00:00' /* GMT from 01:00Z */],
    ['sydney-dst-end', 'Australia/Sydney', '2026-04-04T14:00:00Z' /* 01:00 AEDT */, '2026-04-05T09:00:00+10:00' /* AEST from 03:00 AEDT */],
    ['sydney-dst-start', 'Australia/Sydney', '2026-10-03T14:00:00Z' /* 00:00 AEST */, '2026-10-04T09:00:00+11:00' /* AEDT from 02:00 AEST */],
  ] as const;

  for (const env of ENVIRONMENTS) {
    it.each(DST)(`%s (${env.label})`, (id, zone, before, opening) => {
      const open = ms(opening);
      expect(iso(open)).toBe(vectorCase(id).utc_start); // the vector agrees with the hand computation
      const x = clockRules();
      inEnv(env, () => {
        expect(decide(inZones([zone]), x, ms(before))).toEqual({ kind: 'DEFER', reason: 'outside_window', until: open, channel: 'sms', rule: OUTSIDE });
        expect(decide(inZones([zone]), x, open - MIN)).toMatchObject({ kind: 'DEFER', until: open });
        expect(decide(inZones([zone]), x, open).kind).toBe('SEND');
      });
      expect(localHHmm(open, zone)).toBe(`${opening.slice(0, 10)} 09:00`);
    });
  }

  it('a 02:30 start on the New York spring-forward day (does not exist) moves forward past the gap', () => {
    const v = vectorCase('gap-newyork-start-0230');
    const x = clockRules(v.window);
    const transition = ms('2026-03-08T07:00:00Z'); // 02:00 EST -> 03:00 EDT
    const opening = ms('2026-03-08T03:30:00-04:00'); // 02:30 + the 1 h gap
    expect(iso(opening)).toBe(v.start_boundary!.luxon);
    for (const now of [ms('2026-03-08T06:45:00Z') /* 01:45 EST */, transition /* 03:00 EDT */, ms('2026-03-08T07:15:00Z') /* 03:15 EDT */]) {
      const d = decide(inZones([v.zone]), x, now);
      expect(d).toEqual({ kind: 'DEFER', reason: 'outside_window', until: opening, channel: 'sms', rule: OUTSIDE });
    }
    expect(decide(inZones([v.zone]), x, opening).kind).toBe('SEND');
    expect(opening).toBeGreaterThan(transition);
  });

  describe('every next-opening vector, through decide()', () => {
    it.each(windowVectors.next_open_cases.map((c) => [`${c.id}: ${c.note}`, c] as const))('%s', (_name, c) => {
      const d = decide(inZones([c.zone]), clockRules(c.window), ms(c.now_utc));
      if (c.now_utc === c.next_open_utc) expect(d.kind).toBe('SEND');
      else expect(d).toEqual({ kind: 'DEFER', reason: 'outside_window', until: ms(c.next_open_utc), channel: 'sms', rule: OUTSIDE });
    });
  });
});

describe('several candidate zones: sent only when every zone is inside the window', () => {
  const zonesOf = (id: string) => [...zoneVectors.cases.find((c) => c.id === id)!.zones];

  // +1 709 (Newfoundland & Labrador) -> Halifax and St John's. June: ADT -3, NDT -2:30.
  // 09:00 NDT = 11:30Z, 09:00 ADT = 12:00Z; 20:00 NDT = 22:30Z, 20:00 ADT = 23:00Z. Common: 12:00Z–22:30Z.
  // Chicago + Denver, June: CDT -5, MDT -6. 09:00 MDT = 15:00Z; 20:00 CDT = 01:00Z. Common: 15:00Z–01:00Z.
  it.each([
    ['+1 709: 11:45Z, St John\'s 09:15 open, Halifax 08:45 closed', zonesOf('ca-nl-709'), '2026-06-16T11:45:00Z', { until: '2026-06-16T12:00:00Z' }],
    ['+1 709: 12:00Z, both at or after 09:00', zonesOf('ca-nl-709'), '2026-06-16T12:00:00Z', 'SEND'],
    ['+1 709: 22:15Z, St John\'s 19:45, Halifax 19:15', zonesOf('ca-nl-709'), '2026-06-16T22:15:00Z', 'SEND'],
    ['+1 709: 22:40Z, St John\'s 20:10 closed, Halifax 19:40 open', zonesOf('ca-nl-709'), '2026-06-16T22:40:00Z', { until: '2026-06-17T12:00:00Z' }],
    ['+1 907 (Adak, Anchorage): 17:30Z, Anchorage 09:30, Adak 08:30', zonesOf('us-ak-907'), '2026-06-16T17:30:00Z', { until: '2026-06-16T18:00:00Z' }],
    ['Chicago + Denver: 14:30Z, Chicago 09:30, Denver 08:30', ['America/Chicago', 'America/Denver'], '2026-06-16T14:30:00Z', { until: '2026-06-16T15:00:00Z' }],
    ['Chicago + Denver: 00:30Z, Chicago 19:30, Denver 18:30', ['America/Chicago', 'America/Denver'], '2026-06-17T00:30:00Z', 'SEND'],
    ['Chicago + Denver: 01:00Z, Chicago 20:00 closed', ['America/Chicago', 'America/Denver'], '2026-06-17T01:00:00Z', { until: '2026-06-17T15:00:00Z' }],
  ] as const)('%s', (_name, zones, now, want) => {
    const d = decide(inZones(zones), clockRules(), ms(now));
    if (want === 'SEND') expect(d.kind).toBe('SEND');
    else expect(d).toEqual({ kind: 'DEFER', reason: 'outside_window', until: ms(want.until), channel: 'sms', rule: OUTSIDE });
  });

  it('a single-zone recipient in the more permissive zone is sent at the same instant', () => {
    expect(decide(inZones(['America/Chicago']), clockRules(), ms('2026-06-16T14:30:00Z')).kind).toBe('SEND');
    expect(decide(inZones(['America/St_Johns']), clockRules(), ms('2026-06-16T11:45:00Z')).kind).toBe('SEND');
  });
});

describe('unknown zone: the strictest window of the country', () => {
  const au = countryLevelTimeZones('61');
  // Winter (no DST in the north; Lord Howe +10:30, Sydney +10, Eucla +8:45, Perth +8, Christmas +7,
  // Cocos +6:30). 09:00 opens last in Cocos: 02:30Z. 20:00 closes first on Lord Howe: 09:30Z.
  it('AU (Etc/Unknown): 02:30Z–09:30Z, the instants every Australian zone allows', () => {
    expect(au).toContain('Indian/Cocos');
    expect(au).toContain('Australia/Lord_Howe');
    const x = clockRules();
    const unknown = recipient({ country: 'AU', timeZones: ['Etc/Unknown'], countryZones: au });
    const sydney = recipient({ country: 'AU', timeZones: ['Australia/Sydney'], countryZones: au });
    const t = ms('2026-06-16T01:00:00Z'); // 11:00 in Sydney
    expect(decide(sydney, x, t).kind).toBe('SEND');
    expect(decide(unknown, x, t)).toEqual({ kind: 'DEFER', reason: 'outside_window', until: ms('2026-06-16T02:30:00Z'), channel: 'sms', rule: OUTSIDE });
    expect(decide(unknown, x, ms('2026-06-16T02:30:00Z')).kind).toBe('SEND');
    expect(decide(unknown, x, ms('2026-06-16T09:29:00Z')).kind).toBe('SEND');
    // 19:45 in Sydney: still open there, but 20:15 on Lord Howe.
    expect(decide(sydney, x, ms('2026-06-16T09:45:00Z')).kind).toBe('SEND');
    expect(decide(unknown, x, ms('2026-06-16T09:45:00Z'))).toEqual({ kind: 'DEFER', reason: 'outside_window', until: ms('2026-06-17T02:30:00Z'), channel: 'sms', rule: OUTSIDE });
  });

  it('an invalid zone name is treated as unknown too', () => {
    const r = recipient({ country: 'AU', timeZones: ['Mars/Olympus'], countryZones: au });
    expect(decide(r, clockRules(), ms('2026-06-16T01:00:00Z'))).toMatchObject({ kind: 'DEFER', until: ms('2026-06-16T02:30:00Z') });
  });

  it('+1 unknown (42 zones, Guam to Pago Pago): no common 09:00–20:00 instant, so SKIP outside_window, never a guess', () => {
    const r = recipient({ country: 'US', timeZones: ['Etc/Unknown'], countryZones: countryLevelTimeZones('1') });
    expect(decide(r, clockRules(), ms('2026-06-16T18:00:00Z'))).toMatchObject({ kind: 'SKIP', reason: 'outside_window' });
  });

  it('a country window overrides the campaign window for that country', () => {
    const x = rules({ window: { start: '09:00', end: '20:00' }, countryWindows: { US: { start: '09:00', end: '21:00' } } });
    const r = recipient({ country: 'US', subdivision: 'NY', timeZones: ['America/New_York'], countryZones: countryLevelTimeZones('1') });
    const gb = recipient();
    // 20:30 EDT = 00:30Z: open under the US window (TCPA and the product allow until 21:00).
    expect(decide(r, x, ms('2026-06-17T00:30:00Z')).kind).toBe('SEND');
    // 20:30 BST = 19:30Z: closed for GB under the campaign window.
    expect(decide(gb, x, ms('2026-06-16T19:30:00Z'))).toMatchObject({ kind: 'DEFER', reason: 'outside_window', rule: 'outside_window:campaign-window' });
  });

  it('a country window cannot loosen the law: 08:00 in New York stays closed under the product default', () => {
    const x = rules({ countryWindows: { US: { start: '08:00', end: '21:00' } } });
    const r = recipient({ country: 'US', subdivision: 'NY', timeZones: ['America/New_York'], countryZones: countryLevelTimeZones('1') });
    expect(decide(r, x, ms('2026-06-16T12:30:00Z'))).toMatchObject({ kind: 'DEFER', reason: 'outside_window', rule: 'outside_window:product-default-window' });
  });
});
