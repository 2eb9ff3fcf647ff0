import { describe, expect, it } from 'vitest';
import { createSandboxLookup } from '../../channels/sandbox-lookup';
import { answerFromTwilio, type TwilioLookupReply } from '../../channels/twilio-lookup-answer';
import { statusOf } from '../../channels/number-lookup';
import { RuleBook } from '../../sandbox/twilio-rules';

// The sandbox carrier no longer makes numbers up: a plain good number is a reachable mobile,
// whatever its digits. The old hash marked about 7% of them (and every ...0000/1111/2222/3333/
// 4444/5555) bad; this range holds 5,000 numbers, each of those suffixes included.
describe('sandbox lookup (LOOKUP_PROVIDER=sandbox, in process)', () => {
  it('never marks a plain valid number bad', async () => {
    const numbers = Array.from({ length: 5_000 }, (_, i) => `+861380013${String(i).padStart(4, '0')}`);
    numbers.push('+14155552671', '+447911123456', '+8613800000000', '+8613800001111', '+12125555555');
    const answers = await createSandboxLookup().lookup(numbers);
    const bad = numbers.filter((_, i) => statusOf(answers[i]!) !== 'active');
    expect(bad).toEqual([]);
    expect(answers[0]).toEqual({ status: 'active', lineType: 'mobile' });
  });

  it('answers from the same scripted rules as messages', async () => {
    const rules = new RuleBook([
      { to: '+8613800138001', errorCode: 30005 },
      { to: '+8613800138002', errorCode: 30003 },
      { to: '+8613800138003', lineType: 'landline' },
      { to: '+8613800138004', errorCode: 30006 },
      { to: '+8613800138005', lineType: 'nonFixedVoip' },
      { to: '+8613800138006', errorCode: 21610 },
      { to: '+8613800138007', reject: { code: 21211 } },
      { to: '+8613800138008', errorCode: 30003, times: 1 },
    ]);
    const lookup = createSandboxLookup(new Map(), rules);
    const asked = ['+8613800138001', '+8613800138002', '+8613800138003', '+8613800138004', '+8613800138005', '+8613800138006', '+8613800138007', '+8613800138000', '+86 0000 0000'.replace(/ /g, '')];
    expect(await lookup.lookup(asked)).toEqual([
      'stopped',
      { status: 'switched_off', lineType: 'mobile' },
      { status: 'active', lineType: 'fixed_line' },
      { status: 'active', lineType: 'fixed_line' },
      { status: 'active', lineType: 'voip' },
      { status: 'active', lineType: 'mobile' },
      'stopped',
      { status: 'active', lineType: 'mobile' },
      'empty',
    ]);
    // A lookup does not use up a rule: the next message still fails, then the number is fine.
    expect(await lookup.lookup(['+8613800138008'])).toEqual([{ status: 'switched_off', lineType: 'mobile' }]);
    expect('script' in rules.decide('+8613800138008') && rules.decide('+8613800138008')).toMatchObject({ script: { outcome: 'delivered' } });
    expect(await lookup.lookup(['+8613800138008'])).toEqual([{ status: 'active', lineType: 'mobile' }]);
  });

  it('a landline rule also fails messages with 30006 unless it says otherwise', () => {
    const rules = new RuleBook([{ toEndsWith: '1', lineType: 'landline' }, { toEndsWith: '2', lineType: 'landline', outcome: 'delivered' }]);
    expect(rules.decide('+8613800138001')).toMatchObject({ script: { outcome: 'undelivered', errorCode: 30006 } });
    expect(rules.decide('+8613800138002')).toMatchObject({ script: { outcome: 'delivered', errorCode: null } });
  });
});

describe('Twilio Lookup v2 -> our status and line type', () => {
  it.each<[string, TwilioLookupReply, ReturnType<typeof answerFromTwilio>]>([
    ['invalid number', { valid: false, lineTypeIntelligence: null }, 'empty'],
    ['LTI mobile, no line status', { valid: true, lineTypeIntelligence: { type: 'mobile', errorCode: null } }, { status: 'active', lineType: 'mobile' }],
    ['LTI landline', { valid: true, lineTypeIntelligence: { type: 'landline', errorCode: null } }, { status: 'active', lineType: 'fixed_line' }],
    ['LTI fixedVoip', { valid: true, lineTypeIntelligence: { type: 'fixedVoip' } }, { status: 'active', lineType: 'voip' }],
    ['LTI tollFree', { valid: true, lineTypeIntelligence: { type: 'tollFree' } }, { status: 'active', lineType: 'toll_free' }],
    ['LTI 60610 not provisioned', { valid: true, lineTypeIntelligence: { type: null, errorCode: 60610 } }, 'out_of_service'],
    ['LTI other error (60607 unsupported country)', { valid: true, lineTypeIntelligence: { type: null, errorCode: 60607 } }, 'unknown'],
    ['LTI type unknown', { valid: true, lineTypeIntelligence: { type: 'unknown' } }, 'unknown'],
    ['line status inactive', { valid: true, lineTypeIntelligence: { type: null, errorCode: 60610 }, lineStatus: { status: 'inactive' } }, 'stopped'],
    ['line status unreachable', { valid: true, lineTypeIntelligence: { type: 'mobile' }, lineStatus: { status: 'unreachable' } }, { status: 'switched_off', lineType: 'mobile' }],
    ['line status reachable', { valid: true, lineTypeIntelligence: { type: 'mobile' }, lineStatus: { status: 'reachable' } }, { status: 'active', lineType: 'mobile' }],
    ['line status unknown falls back to LTI', { valid: true, lineTypeIntelligence: { type: 'mobile' }, lineStatus: { status: 'unknown' } }, { status: 'active', lineType: 'mobile' }],
    ['nothing at all', {}, 'unknown'],
  ])('%s', (_what, reply, want) => {
    expect(answerFromTwilio(reply)).toEqual(want);
  });
});
