import { describe, expect, it } from 'vitest';
import { contactFactsOf } from '../../core/activity';
import { deviceFarmOf, type FarmSignals } from '../../core/device-farm';
import { evaluateContact } from '../../core/evaluate';
import type { ContactDraft } from '../../core/intake/merge';
import { contactDraft } from '../helpers/drafts';
import { CONTACT_POLICY, parseContactPolicy } from '../../core/policy/contact-policy';
import policyV1 from '../../core/policy/contact-policy.v1.json';
import { matchCandidates, type CandidateLink } from '../../core/recovery/match';
import { SCORE_POLICY_V1 } from '../../core/score-policy';

describe('deviceFarmOf (contact policy deviceFarms: device 5/24 h, range 10/24 h, 5 accounts on a device)', () => {
  const none = { sameDeviceRegistrations: 0, sameRangeRegistrations: 0 };
  it.each<[string, FarmSignals, string[]]>([
    ['no registrations counted', none, []],
    ['one account on its own device', { ...none, sameDeviceRegistrations: 1, accountsOnDevice: 1 }, []],
    ['a household: 3 accounts on one tablet in a day', { ...none, sameDeviceRegistrations: 3 }, []],
    ['4 on one device: still under', { ...none, sameDeviceRegistrations: 4 }, []],
    ['5 on one device in a day', { ...none, sameDeviceRegistrations: 5 }, ['deviceFarms.sameDeviceRegistrations']],
    ['40 on one device in a day', { ...none, sameDeviceRegistrations: 40 }, ['deviceFarms.sameDeviceRegistrations']],
    ['9 of one number range in a day: under', { ...none, sameRangeRegistrations: 9 }, []],
    ['10 of one number range in a day', { ...none, sameRangeRegistrations: 10 }, ['deviceFarms.sameRangeRegistrations']],
    ['4 accounts share the device over time: under', { ...none, accountsOnDevice: 4 }, []],
    ['5 accounts share the device over time', { ...none, accountsOnDevice: 5 }, ['deviceFarms.accountsOnDevice']],
    [
      'every rule at once, all named',
      { sameDeviceRegistrations: 6, sameRangeRegistrations: 12, accountsOnDevice: 8 },
      ['deviceFarms.sameDeviceRegistrations', 'deviceFarms.sameRangeRegistrations', 'deviceFarms.accountsOnDevice'],
    ],
  ])('%s', (_what, signals, rules) => {
    const v = deviceFarmOf(signals);
    expect(v.farm).toBe(rules.length > 0);
    expect(v.rules).toEqual(rules);
    expect(v.reasons).toHaveLength(rules.length);
  });

  it('says why in one line per rule', () => {
    expect(deviceFarmOf({ sameDeviceRegistrations: 8, sameRangeRegistrations: 0 }).reasons).toEqual(['device farm: 8 registrations from one device within 24 h >= 5']);
  });

  it('follows the policy it is given', () => {
    const strict = { ...CONTACT_POLICY.deviceFarms, sameDeviceRegistrations: { atLeast: 3, withinHours: 24 } };
    expect(deviceFarmOf({ sameDeviceRegistrations: 3, sameRangeRegistrations: 0 }, strict).farm).toBe(true);
  });
});

describe('contact policy: the deviceFarms section', () => {
  it('ships with the defaults its note explains', () => {
    expect(CONTACT_POLICY.deviceFarms).toMatchObject({
      sameDeviceRegistrations: { atLeast: 5, withinHours: 24 },
      sameRangeRegistrations: { atLeast: 10, withinHours: 24 },
      accountsOnDevice: { atLeast: 5 },
    });
    expect(CONTACT_POLICY.deviceFarms.note).toMatch(/household/);
  });

  it.each([
    ['a window below the day the intake counts in', { sameDeviceRegistrations: { atLeast: 5, withinHours: 6 } }, /deviceFarms\.sameDeviceRegistrations\.withinHours: registrations are counted per day/],
    ['a threshold of one (every account a farm)', { accountsOnDevice: { atLeast: 1 } }, /deviceFarms\.accountsOnDevice\.atLeast/],
    ['an unknown key', { sameIpRegistrations: { atLeast: 5, withinHours: 24 } }, /deviceFarms/],
  ])('refuses %s', (_what, change, message) => {
    const raw = { ...policyV1, deviceFarms: { ...policyV1.deviceFarms, ...change } };
    expect(() => parseContactPolicy(raw)).toThrow(message);
  });
});

describe('a device-farm account is quarantined whatever its risk points', () => {
  const NOW = new Date('2026-11-25T12:00:00Z');
  const draft: ContactDraft = contactDraft({ deviceIds: ['dev-1'] });
  const evaluate = (sameDevice: number, sameRange = 0) =>
    evaluateContact(draft, contactFactsOf({ activity: {}, complaints: 0, sameDeviceRegistrations: sameDevice, sameRangeRegistrations: sameRange }, 'reachable'), SCORE_POLICY_V1, NOW);

  it.each([
    [1, 0, false],
    [3, 0, false], // +25 risk points, under the score policy's threshold of 50: marketable
    [4, 0, false],
    [5, 0, true], // still only 25 points, but a farm by the contact policy
    [8, 0, true],
    [1, 10, true],
  ])('%i from the device, %i from the range -> quarantined %s', (device, range, quarantined) => {
    const ev = evaluate(device, range);
    expect(ev.risk.quarantined).toBe(quarantined);
    expect(ev.deviceFarm.farm).toBe(quarantined);
    expect(ev.riskKeys.includes('deviceFarm')).toBe(quarantined);
    if (quarantined) expect(ev.tier.tier).toBe('D');
  });

  it('names the rule in the risk reasons and the tier reasons; the points stay the score policy\'s', () => {
    const ev = evaluate(8);
    expect(ev.risk.points).toBe(25);
    expect(ev.risk.reasons).toContain('device farm: 8 registrations from one device within 24 h >= 5 (contact policy deviceFarms.sameDeviceRegistrations)');
    expect(ev.tier.reasons.join('\n')).toMatch(/^quarantined \(.*deviceFarms\.sameDeviceRegistrations/m);
    expect(ev.tier.reasons.join('\n')).not.toContain('>= quarantine threshold');
  });
});

describe('matchCandidates: device-farm candidates are never asked', () => {
  const OLD = { id: 1, phoneHash: 'old'.padEnd(64, '0'), firstSeenAt: Date.parse('2023-01-01T00:00:00Z') };
  const link = (id: number, farmSignals: FarmSignals, via: CandidateLink['via'] = 'same_device'): CandidateLink => ({
    contactId: id,
    phoneHash: `c${id}`.padEnd(64, '0'),
    via,
    detail: 'device 7f3a',
    firstSeenAt: Date.parse('2026-11-24T00:00:00Z'),
    quarantined: false,
    farmSignals,
  });

  it('five new accounts on the old customer\'s device: none is used, each excluded as device_farm', () => {
    const farm = [2, 3, 4, 5, 6].map((id) => link(id, { sameDeviceRegistrations: 5, sameRangeRegistrations: 0, accountsOnDevice: 6 }));
    const m = matchCandidates(OLD, farm);
    expect(m.best).toBeNull();
    expect(m.excluded.map((e) => e.reason)).toEqual(Array(5).fill('device_farm'));
  });

  it('a device many accounts share over time is no evidence, even for an account found by e-mail', () => {
    const m = matchCandidates(OLD, [link(2, { sameDeviceRegistrations: 1, sameRangeRegistrations: 0, accountsOnDevice: 7 }, 'same_email')]);
    expect(m.best).toBeNull();
    expect(m.excluded).toEqual([expect.objectContaining({ contactId: 2, reason: 'device_farm' })]);
  });

  it('device_farm is named before quarantined (the farm is why it was quarantined)', () => {
    const m = matchCandidates(OLD, [{ ...link(2, { sameDeviceRegistrations: 5, sameRangeRegistrations: 0 }), quarantined: true }]);
    expect(m.excluded[0]!.reason).toBe('device_farm');
  });

  it('the customer\'s one new account on a household tablet is still the candidate', () => {
    const m = matchCandidates(OLD, [link(2, { sameDeviceRegistrations: 1, sameRangeRegistrations: 0, accountsOnDevice: 2 })]);
    expect(m.best).toMatchObject({ contactId: 2, confidence: 0.7 });
  });
});
