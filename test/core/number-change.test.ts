import { describe, expect, it } from 'vitest';
import { CONTACT_POLICY, parseContactPolicy } from '../../core/policy/contact-policy';
import { currentAnswerWithinMs, currentNumberCheck, currentNumberNotice, interpretCurrentNumberReply } from '../../core/recovery/number-change';
import policyFile from '../../core/policy/contact-policy.v1.json';

describe('a reported number change: the current number', () => {
  it('is told and must agree under the shipped policy; a dead one is not asked', () => {
    expect(CONTACT_POLICY.consent.numberChange).toMatchObject({ id: 'number-change-current-number', requireCurrentNumberAnswer: true, answerWithinHours: 72 });
    expect(currentNumberCheck(CONTACT_POLICY, true)).toBe('consent');
    expect(currentNumberCheck(CONTACT_POLICY, false)).toBeNull();
    const notifyOnly = structuredClone(policyFile);
    notifyOnly.consent.numberChange.requireCurrentNumberAnswer = false;
    expect(currentNumberCheck(parseContactPolicy(notifyOnly), true)).toBe('notify');
    expect(currentAnswerWithinMs(CONTACT_POLICY)).toBe(72 * 3_600_000);
  });

  it('the policy refuses a numberChange without its switch or with a zero answer time', () => {
    const missing = structuredClone(policyFile) as { consent: { numberChange: Record<string, unknown> } };
    delete missing.consent.numberChange.requireCurrentNumberAnswer;
    expect(() => parseContactPolicy(missing)).toThrow(/consent\.numberChange\.requireCurrentNumberAnswer/);
    const zero = structuredClone(policyFile);
    zero.consent.numberChange.answerWithinHours = 0;
    expect(() => parseContactPolicy(zero)).toThrow(/consent\.numberChange\.answerWithinHours/);
  });

  it.each([
    ['en-US', 'consent', '[Acme] Your number at Acme is being changed to +120****0143. Reply YES to allow it, NO if this wasn\'t you'],
    [null, 'notify', '[Acme] Your number at Acme is being changed to +120****0143. Reply NO if this wasn\'t you'],
    ['zh-CN', 'consent', '【Acme】您在Acme的号码将被更改为+120****0143。同意请回复Y，如非本人操作请回复N'],
    ['zh-Hant-TW', 'notify', '【Acme】您在Acme的號碼將被更改為+120****0143。如非本人操作，請回覆N'],
  ] as const)('the notice in %s (%s) names the new number masked', (language, check, text) => {
    expect(currentNumberNotice(language, 'Acme', check, '+12015550143').text).toBe(text);
  });

  it.each([
    ['YES', 'consent'],
    ['y', 'consent'],
    ['是', 'consent'],
    ['NO', 'refuse'],
    ['n', 'refuse'],
    ['不是', 'refuse'],
    ['STOP', 'refuse'],
    ['退订', 'refuse'],
    ['who is this?', 'unclear'],
    ['yes please change it', 'unclear'],
    ['HELP', 'unclear'],
  ] as const)('the answer %j is %s', (body, reply) => {
    expect(interpretCurrentNumberReply(body)).toBe(reply);
  });
});
