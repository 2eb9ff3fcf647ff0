import { describe, expect, it } from 'vitest';
import type { NumberStatus } from '../../core/number-status';
import { decideRecheck, lineTypeTurned, type RecheckPrior } from '../../core/recheck';

const prior = (numberStatus: NumberStatus): RecheckPrior => {
  const validity = { active: 'reachable', silent: 'reachable', switched_off: 'suspected_disconnected', out_of_service: 'suspected_disconnected', empty: 'unreachable', stopped: 'unreachable', unknown: 'unknown' } as const;
  return { numberStatus, validity: validity[numberStatus], smsEligible: numberStatus !== 'empty' && numberStatus !== 'stopped' };
};

describe('decideRecheck', () => {
  // LOOKUP_PROVIDER=none knows the numbering plan only: "valid" about a number deliveries took
  // down is no evidence, so it never revives one; it still marks an impossible number empty.
  it.each<[NumberStatus, NumberStatus, string, NumberStatus]>([
    ['stopped', 'active', 'inconclusive', 'stopped'],
    ['switched_off', 'active', 'inconclusive', 'switched_off'],
    ['active', 'active', 'unchanged', 'active'],
    ['unknown', 'active', 'changed', 'active'],
    ['active', 'empty', 'removed_from_sms', 'empty'],
  ])('without a carrier check: %s, numbering plan says %s -> %s', (from, answer, outcome, status) => {
    const d = decideRecheck(prior(from), answer, undefined, { carrierChecked: false });
    expect(d).toMatchObject({ outcome, status });
    // The same answer from a carrier revives (or moves) it.
    if (outcome === 'inconclusive') expect(decideRecheck(prior(from), answer, undefined, { carrierChecked: true }).outcome).toBe('revived');
  });

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

describe('a line type that changed (a reassigned number)', () => {
  const active = { numberStatus: 'active' as const, validity: 'reachable' as const, smsEligible: true };
  it.each([
    ['mobile', 'fixed_line', true],
    ['mobile', 'voip', true],
    ['fixed_line_or_mobile', 'toll_free', true],
    ['mobile', 'mobile', false],
    ['mobile', 'fixed_line_or_mobile', false],
    ['mobile', 'unknown', false],
    ['mobile', undefined, false],
    ['fixed_line', 'voip', false], // never textable: nothing to lose
    [undefined, 'fixed_line', false],
  ] as const)('%s -> %s: turned %s', (from, to, turned) => {
    expect(lineTypeTurned(from, to)).toBe(turned);
    const d = decideRecheck({ ...active, ...(from ? { lineType: from } : {}) }, 'active', to);
    expect(d.outcome === 'line_type_changed').toBe(turned);
    expect(d.action.smsEligible).toBe(!turned);
    expect(d.lineTypeChanged).toEqual(turned ? { from, to } : undefined);
  });

  it('keeps what the status says besides', () => {
    const d = decideRecheck({ numberStatus: 'active', validity: 'reachable', smsEligible: true, lineType: 'mobile' }, 'switched_off', 'voip');
    expect(d).toMatchObject({ status: 'switched_off', outcome: 'line_type_changed', recheckInHours: 6, action: { validity: 'suspected_disconnected', smsEligible: false } });
  });
});
