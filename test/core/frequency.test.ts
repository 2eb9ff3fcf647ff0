import { describe, expect, it } from 'vitest';
import { CAP_RULE, capCheck, longestWindowHours, type CountedSend, type NamedCapRule } from '../../core/frequency';
import { CONTACT_POLICY } from '../../core/policy/contact-policy';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Tuesday 2026-06-16 10:00Z; every send below is written relative to it, in hours. */
const NOW = Date.parse('2026-06-16T10:00:00Z');
const ago = (hours: number) => NOW - hours * HOUR;
const sms = (hoursAgo: readonly number[]): CountedSend[] => hoursAgo.map((h) => ({ at: ago(h), channel: 'sms' }));

const PER_DAY: NamedCapRule = { id: 'per-day', channel: 'sms', max: 1, perHours: 24 };
const PER_WEEK: NamedCapRule = { id: 'per-week', channel: 'sms', max: 2, perHours: 24 * 7 };
const SMS = [PER_DAY, PER_WEEK];
const POLICY_EMAIL = CONTACT_POLICY.caps.marketing.filter((c) => c.channel === 'email');

describe('the policy caps (seed 000/003: marketing SMS 1–2 a week)', () => {
  it('SMS: 1 per 24 h and 2 per 7 days; e-mail 3 per 7 days', () => {
    expect(CONTACT_POLICY.caps.marketing.map(({ note: _n, ...c }) => c)).toEqual([
      { id: 'sms-daily', channel: 'sms', max: 1, perHours: 24 },
      { id: 'sms-weekly', channel: 'sms', max: 2, perHours: 168 },
      { id: 'email-weekly', channel: 'email', max: 3, perHours: 168 },
    ]);
    expect(longestWindowHours(CONTACT_POLICY.caps.marketing)).toBe(168);
    expect(longestWindowHours([])).toBe(0);
  });
});

describe('capCheck: SMS 1 per 24 h and 2 per 7 days, freeAt exact', () => {
  // freeAt = the send that has to leave the window + the window length (by hand, in hours ago).
  it.each([
    ['no sends', [], null],
    ['one send 25 h ago', [25], null],
    ['one send exactly 24 h ago has left the day window', [24], null],
    ['one send 23 h 30 m ago: day rule, frees at that send + 24 h', [23.5], NOW + 0.5 * HOUR],
    ['one send 3 h ago: frees in 21 h', [3], NOW + 21 * HOUR],
    ['two sends 6 d and 2 d ago: week rule frees when the 6-day-old one leaves (in 1 d)', [6 * 24, 2 * 24], NOW + DAY],
    ['two sends 6 d and 2 h ago: day rule (22 h) and week rule (1 d): the later wins', [6 * 24, 2], NOW + DAY],
    ['two sends 6 d 23 h and 2 h ago: day rule (22 h) is later than week rule (1 h)', [6 * 24 + 23, 2], NOW + 22 * HOUR],
    ['three sends 6 d, 4 d, 2 d ago: week rule frees when the 4-day-old one leaves (in 3 d)', [6 * 24, 4 * 24, 2 * 24], NOW + 3 * DAY],
    ['one send 8 d ago and one 2 d ago: the old one is outside the week', [8 * 24, 2 * 24], null],
    ['sends exactly 7 d ago do not count', [7 * 24, 7 * 24, 2 * 24], null],
  ] as const)('%s', (_name, hoursAgo, freeAt) => {
    const got = capCheck(SMS, 'sms', sms(hoursAgo), NOW);
    if (freeAt === null) expect(got).toEqual({ ok: true });
    else expect(got).toMatchObject({ ok: false, freeAt });
  });

  it('names the rule that holds the send longest', () => {
    expect(capCheck(SMS, 'sms', sms([3]), NOW)).toEqual({ ok: false, freeAt: NOW + 21 * HOUR, rule: 'per-day' });
    expect(capCheck(SMS, 'sms', sms([6 * 24, 2 * 24]), NOW)).toEqual({ ok: false, freeAt: NOW + DAY, rule: 'per-week' });
  });

  it('at freeAt the next send is allowed, one millisecond before it is not', () => {
    const sent = sms([6 * 24, 2]);
    const r = capCheck(SMS, 'sms', sent, NOW);
    if (r.ok) throw new Error('expected the cap to be reached');
    expect(capCheck(SMS, 'sms', sent, r.freeAt)).toEqual({ ok: true });
    expect(capCheck(SMS, 'sms', sent, r.freeAt - 1)).toMatchObject({ ok: false, freeAt: r.freeAt });
  });

  it('the order of the input does not matter, and the input is not mutated', () => {
    const sent = sms([2 * 24, 6 * 24, 4 * 24, 30 * 24, 5]);
    const copy = [...sent];
    const want = capCheck(SMS, 'sms', [...sent].sort((a, b) => a.at - b.at), NOW);
    // Week: 6 d, 4 d, 2 d and 5 h ago are inside; at most 1 may remain, so the 2-day-old one must leave.
    expect(want).toEqual({ ok: false, freeAt: NOW + 5 * DAY, rule: 'per-week' });
    for (const order of [sent, [...sent].reverse(), [sent[3]!, sent[0]!, sent[4]!, sent[2]!, sent[1]!]]) {
      expect(capCheck(SMS, 'sms', order, NOW)).toEqual(want);
    }
    expect(sent).toEqual(copy);
  });

  it('the order of the rules does not matter', () => {
    const sent = sms([6 * 24 + 23, 2]);
    expect(capCheck([PER_WEEK, PER_DAY], 'sms', sent, NOW)).toEqual(capCheck([PER_DAY, PER_WEEK], 'sms', sent, NOW));
  });
});

describe('capCheck: channels', () => {
  const CADENCE: NamedCapRule = { id: 'tier-cadence-B', channel: 'any', max: 1, perHours: 14 * 24 };
  it('a rule of one channel counts only that channel, and holds only that channel', () => {
    const emails: CountedSend[] = [{ at: ago(3), channel: 'email' }];
    expect(capCheck(SMS, 'sms', emails, NOW)).toEqual({ ok: true });
    expect(capCheck(SMS, 'email', sms([3]), NOW)).toEqual({ ok: true });
  });
  it("a rule of channel 'any' (tier cadence) counts every marketing message whatever its channel", () => {
    expect(capCheck([CADENCE], 'sms', [{ at: ago(24), channel: 'email' }], NOW)).toEqual({ ok: false, freeAt: NOW + 13 * DAY, rule: 'tier-cadence-B' });
    expect(capCheck([CADENCE], 'email', sms([24]), NOW)).toEqual({ ok: false, freeAt: NOW + 13 * DAY, rule: 'tier-cadence-B' });
    expect(capCheck([CADENCE], 'email', sms([15 * 24]), NOW)).toEqual({ ok: true });
  });
});

describe('capCheck: other rule sets', () => {
  it.each([
    ['no rules (transactional): never capped', [], [1, 2, 3, 4], null],
    ['e-mail policy 3 per week, 2 sent', POLICY_EMAIL, [1, 2], null],
    ['e-mail policy 3 per week, 3 sent: frees when the oldest leaves', POLICY_EMAIL, [100, 50, 1], NOW + (168 - 100) * HOUR],
    ['3 rules at once: 1/1 h, 2/24 h, 4/168 h; the 24 h rule binds', [{ max: 1, perHours: 1 }, { max: 2, perHours: 24 }, { max: 4, perHours: 168 }], [100, 20, 10], NOW + 4 * HOUR],
    ['3 rules at once: 1/1 h, 2/24 h, 3/168 h; the 168 h rule (68 h) outlasts the 24 h rule (4 h)', [{ max: 1, perHours: 1 }, { max: 2, perHours: 24 }, { max: 3, perHours: 168 }], [100, 20, 10], NOW + 68 * HOUR],
    ['3 rules at once: the 168 h rule binds', [{ max: 1, perHours: 1 }, { max: 2, perHours: 24 }, { max: 3, perHours: 168 }], [160, 100, 30], NOW + 8 * HOUR],
    ['3 rules at once: the 1 h rule binds', [{ max: 1, perHours: 1 }, { max: 5, perHours: 24 }, { max: 9, perHours: 168 }], [0.5], NOW + 0.5 * HOUR],
    ['fractional window: 1 per 1.5 h, sent 1 h ago', [{ max: 1, perHours: 1.5 }], [1], NOW + 0.5 * HOUR],
    ['max 2 with 4 in the window: frees when the second-newest leaves', [{ max: 2, perHours: 24 }], [20, 15, 10, 5], NOW + 14 * HOUR],
  ] as const)('%s', (_name, rules, hoursAgo, freeAt) => {
    // Rules without a channel are given one: the channel of the sends.
    const named = (rules as readonly { max: number; perHours: number; id?: string; channel?: string }[]).map((r, i) => ({ id: `r${i}`, ...r, channel: 'email' as const }));
    const got = capCheck(named, 'email', hoursAgo.map((h) => ({ at: ago(h), channel: 'email' as const })), NOW);
    if (freeAt === null) expect(got).toEqual({ ok: true });
    else expect(got).toMatchObject({ ok: false, freeAt });
  });
});

describe('CAP_RULE, the rule a reservation applies (db/ledger.ts decides nothing)', () => {
  it('caps marketing sends only: a transactional one is never capped', () => {
    expect(CAP_RULE.caps('marketing')).toBe(true);
    expect(CAP_RULE.caps('transactional')).toBe(false);
  });
  it('looks back the longest window of the rules and checks with capCheck', () => {
    const rules: NamedCapRule[] = [{ id: 'a', channel: 'sms', max: 1, perHours: 24 }, { id: 'b', channel: 'any', max: 3, perHours: 168 }];
    expect(CAP_RULE.windowHours(rules)).toBe(168);
    expect(CAP_RULE.check(rules, 'sms', sms([2]), NOW)).toEqual(capCheck(rules, 'sms', sms([2]), NOW));
    expect(CAP_RULE.check(rules, 'sms', sms([2]), NOW)).toMatchObject({ ok: false, rule: 'a' });
  });
});
