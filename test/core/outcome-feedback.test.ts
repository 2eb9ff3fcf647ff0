import { describe, expect, it } from 'vitest';
import fixture from '../fixtures/twilio_error_codes.json';
import { DEAD_AFTER_CONSECUTIVE_FAILURES, emailOutcomeFeedback, smsOutcomeFeedback, SOFT_BOUNCES_TO_SUPPRESS, type OutcomeVerdict } from '../../core/outcome-feedback';

// Every error code of the fixture (copied from vectors/twilio_error_codes.json; actions are
// product policy) gets the contact-side verdict its suggested_action implies, with one documented
// disagreement: 30006 (invalid_number in the fixture) makes the number suspect on its first
// occurrence, as the issue asks ("30003/30005/30006 unreachable or landline -> suspect and
// re-verify"): Twilio's 30006 text names an unreachable carrier as well as a landline.
const AT = '2026-11-25T15:00:00.000Z';
const fresh = { activity: {}, numberStatus: 'active' as const };

const expectedVerdict: Record<string, OutcomeVerdict> = {
  invalid_number: 'invalid_number',
  suppress: 'suppressed',
  suspect_reverify: 'suspect',
  content_issue: 'content_issue',
  carrier_issue: 'sender_issue',
};

describe('smsOutcomeFeedback: one undelivered message per fixture code, fresh contact', () => {
  const cases = fixture.codes.map((c) => {
    let want = expectedVerdict[c.suggested_action];
    if (c.suggested_action === 'retry_later') want = c.code === 30003 ? 'suspect' : c.code === 30008 ? 'not_counted' : 'sender_issue';
    if (c.code === 30006) want = 'suspect'; // the disagreement above
    return { code: c.code, action: c.suggested_action, want: want! };
  });
  it.each(cases)('$code ($action) -> $want', ({ code, want }) => {
    const f = smsOutcomeFeedback(fresh, { status: 'undelivered', errorCode: code, at: AT })!;
    expect(f.verdict).toBe(want);
    expect(f.cause).toBe(`outcome:${code}`);
    const counted = want === 'suspect' || want === 'invalid_number';
    expect(f.activity.consecutiveFailures ?? 0).toBe(counted ? 1 : 0);
    if (want === 'suppressed') expect(f.suppression).toEqual({ channel: 'sms', kind: code === 21610 ? 'opt_out' : 'carrier_block' });
    else expect(f.suppression).toBeUndefined();
    if (want === 'invalid_number') expect(f).toMatchObject({ numberStatus: 'empty', recovery: 'invalid_number' });
    if (want === 'suspect') expect(['switched_off', 'out_of_service']).toContain(f.numberStatus);
  });
});

describe('smsOutcomeFeedback: streaks', () => {
  it('30003 makes the number suspect (switched off, recheck in hours); the second in a row makes it dead', () => {
    const one = smsOutcomeFeedback(fresh, { status: 'undelivered', errorCode: '30003', at: AT })!;
    expect(one).toMatchObject({ verdict: 'suspect', numberStatus: 'switched_off', activity: { consecutiveFailures: 1, messagesSent: 1 } });
    expect(one.smsEligible).toBeUndefined();
    const two = smsOutcomeFeedback({ activity: one.activity, numberStatus: 'switched_off' }, { status: 'undelivered', errorCode: 30003, at: AT })!;
    expect(DEAD_AFTER_CONSECUTIVE_FAILURES).toBe(2);
    expect(two).toMatchObject({ verdict: 'dead', validity: 'unreachable', smsEligible: false, recovery: 'consecutive_failures', activity: { consecutiveFailures: 2, messagesSent: 2 } });
  });

  it('a delivery resets the streak and proves a suspect number active; a silent number stays silent', () => {
    const d = smsOutcomeFeedback({ activity: { consecutiveFailures: 1, messagesSent: 3 }, numberStatus: 'switched_off' }, { status: 'delivered', at: AT })!;
    expect(d).toMatchObject({ verdict: 'reachable', cause: 'outcome:delivered', numberStatus: 'active', activity: { consecutiveFailures: 0, messagesSent: 4, messagesDelivered: 1, lastDeliveredAt: AT } });
    expect(smsOutcomeFeedback({ activity: {}, numberStatus: 'silent' }, { status: 'delivered', at: AT })!.numberStatus).toBeUndefined();
  });

  it('sender-side and unknown failures do not break or extend a streak', () => {
    for (const code of [30007, 30008, 30034, null]) {
      const f = smsOutcomeFeedback({ activity: { consecutiveFailures: 1 }, numberStatus: 'switched_off' }, { status: 'failed', errorCode: code, at: AT })!;
      expect(f.activity.consecutiveFailures).toBe(1);
      expect(f.numberStatus).toBeUndefined();
    }
  });

  it('non-final statuses change nothing', () => {
    for (const status of ['queued', 'sent', 'accepted', 'sending'] as const) expect(smsOutcomeFeedback(fresh, { status, at: AT })).toBeNull();
  });

  it('21610 and 30004 count as refusals for the risk score, not as reachability failures', () => {
    const f = smsOutcomeFeedback({ activity: { messagesSent: 4, messagesRejected: 1, consecutiveFailures: 1 }, numberStatus: 'active' }, { status: 'failed', errorCode: 21610, at: AT })!;
    expect(f.activity).toMatchObject({ messagesSent: 5, messagesRejected: 2, consecutiveFailures: 1 });
  });
});

describe('emailOutcomeFeedback', () => {
  it.each([0, 550, 551, 553])('SMTP %i is a hard bounce: e-mail suppressed at once', (code) => {
    expect(emailOutcomeFeedback(fresh, { smtpCode: code, at: AT })).toMatchObject({ verdict: 'email_hard_bounce', suppression: { channel: 'email', kind: 'bounce' } });
  });
  it(`the ${SOFT_BOUNCES_TO_SUPPRESS}th soft bounce suppresses e-mail`, () => {
    let activity: Record<string, unknown> = {};
    const verdicts: boolean[] = [];
    for (let i = 0; i < SOFT_BOUNCES_TO_SUPPRESS; i++) {
      const f = emailOutcomeFeedback({ activity, numberStatus: 'active' }, { smtpCode: 552, at: AT });
      activity = f.activity;
      verdicts.push(f.suppression !== undefined);
    }
    expect(verdicts).toEqual([false, false, true]);
  });
});
