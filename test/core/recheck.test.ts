import { describe, expect, it } from 'vitest';
import type { NumberStatus } from '../../core/number-status';
import { decideRecheck, parseRecheckInterval, type RecheckPrior } from '../../core/recheck';

const prior = (numberStatus: NumberStatus): RecheckPrior => {
  const validity = { active: 'reachable', silent: 'reachable', switched_off: 'suspected_disconnected', out_of_service: 'suspected_disconnected', empty: 'unreachable', stopped: 'unreachable', unknown: 'unknown' } as const;
  return { numberStatus, validity: validity[numberStatus], smsEligible: numberStatus !== 'empty' && numberStatus !== 'stopped' };
};

describe('decideRecheck', () => {
  it.each<[NumberStatus, NumberStatus, string, { smsEligible: boolean; cheaper: boolean; hours: number; status?: NumberStatus }]>([
    ['active', 'active', 'unchanged', { smsEligible: true, cheaper: false, hours: 90 * 24 }],
    ['active', 'stopped', 'removed_from_sms', { smsEligible: false, cheaper: false, hours: 90 * 24 }],
    ['active', 'empty', 'removed_from_sms', { smsEligible: false, cheaper: false, hours: 90 * 24 }],
    ['active', 'switched_off', 'recheck_later', { smsEligible: true, cheaper: false, hours: 6 }],
    ['active', 'out_of_service', 'recheck_later', { smsEligible: true, cheaper: false, hours: 24 }],
    ['active', 'silent', 'cheaper_channel', { smsEligible: true, cheaper: true, hours: 90 * 24 }],
    ['stopped', 'active', 'revived', { smsEligible: true, cheaper: false, hours: 90 * 24 }],
    ['empty', 'silent', 'revived', { smsEligible: true, cheaper: true, hours: 90 * 24 }],
    ['switched_off', 'active', 'revived', { smsEligible: true, cheaper: false, hours: 90 * 24 }],
    ['switched_off', 'switched_off', 'unchanged', { smsEligible: true, cheaper: false, hours: 6 }],
    ['switched_off', 'stopped', 'removed_from_sms', { smsEligible: false, cheaper: false, hours: 90 * 24 }],
    ['stopped', 'empty', 'changed', { smsEligible: false, cheaper: false, hours: 90 * 24 }],
    ['silent', 'active', 'changed', { smsEligible: true, cheaper: false, hours: 90 * 24 }],
    ['unknown', 'active', 'changed', { smsEligible: true, cheaper: false, hours: 90 * 24 }],
    // A failed lookup never overrides what is known: a stopped number stays off SMS lists.
    ['stopped', 'unknown', 'inconclusive', { smsEligible: false, cheaper: false, hours: 24, status: 'stopped' }],
    ['active', 'unknown', 'inconclusive', { smsEligible: true, cheaper: false, hours: 24, status: 'active' }],
    ['unknown', 'unknown', 'unchanged', { smsEligible: true, cheaper: false, hours: 90 * 24 }],
  ])('%s, lookup says %s -> %s', (from, answer, outcome, want) => {
    const d = decideRecheck(prior(from), answer);
    expect(d.outcome).toBe(outcome);
    expect(d.status).toBe(want.status ?? answer);
    expect(d.transition).toBe(`${from}->${want.status ?? answer}`);
    expect(d.action.smsEligible).toBe(want.smsEligible);
    expect(d.action.preferCheaperChannel).toBe(want.cheaper);
    expect(d.recheckInHours).toBe(want.hours);
  });
});

describe('parseRecheckInterval', () => {
  it.each([
    ['every 90d', '90d'],
    ['90d', '90d'],
    ['Every 6h', '6h'],
    ['every 30m', '30m'],
    ['every 2w', '14d'],
    ['every 10 min', '10m'],
  ])('%j -> %j', (text, out) => expect(parseRecheckInterval(text)).toBe(out));

  it.each(['quarterly', 'every', 'every 1m', 'every 400d', 'every -1d', '90'])('refuses %j', (text) => expect(parseRecheckInterval(text)).toBeNull());
});
