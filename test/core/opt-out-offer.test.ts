import { describe, expect, it } from 'vitest';
import { classifyInbound } from '../../core/keywords';
import { inboundPolicyFor, offeredOptOutKeywords } from '../../core/opt-out-offer';
import { OPT_OUT_FOOTERS, withOptOutFooter } from '../../core/sms';

describe('offeredOptOutKeywords: the keywords a sent SMS offered for opting out', () => {
  it.each([
    ['【Acme】双十一5折，仅限本周。回N退订', ['n']],
    ['【Acme】新品上架 回复TD退订', ['td']],
    ['【Acme】新品上架，回覆T退訂', ['t']],
    ['【Acme】会员日 回复0000退订', ['0000']],
    ['【Acme】会员日，拒收请回复R', ['r']],
    ['【Acme】会员日，退订回N', ['n']],
    ['【Acme】会员日，回「N」退订', ['n']],
    ['【Acme】会员日，回Ｎ退订', ['n']], // full width, as handsets and templates write it
    ['Acme: 20% off this week. Reply N to opt out', ['n']],
    ['Acme: 20% off. Text STOP to unsubscribe', ['stop']],
    ['Acme: 20% off. Reply "NO" to stop', ['no']],
    ['Acme: new arrivals. Reply with X to be removed', ['x']],
    ['[Acme] Reply Y to confirm, N to opt out', ['n']],
    ['Acme: Responde N para darte de baja', ['n']],
    ['Acme: Répondez N pour vous désabonner', ['n']],
    ['Acme: Antworte N zum Abmelden', ['n']],
    ['Acme: 配信停止はNと返信', ['n']],
    [withOptOutFooter('Acme: 20% off this week.', 'en'), ['stop']],
    [withOptOutFooter('【Acme】双十一5折', 'zh'), ['t']],
    // no keyword offered
    ['Acme: 20% off this week.', []],
    ['【Acme】回复退订', []], // 退订 itself: a standard keyword already, no extra
    ['Acme: reply to opt out of these offers', []],
    ['Acme: Reply HELP for help', []],
    ['Acme: Reply START to opt out', []], // START keeps its meaning (opt in), whatever a template says
    ['Acme: the sale ends on Sunday. N is for November', []],
    ['Acme: Reply Y to confirm this is your new number', []],
  ])('%s -> %j', (text, expected) => {
    expect(offeredOptOutKeywords(text).keywords).toEqual(expected);
  });

  it('adds the campaign\'s configured keywords after the text\'s, once each', () => {
    const offer = offeredOptOutKeywords('【Acme】回N退订', ['BYE', 'n']);
    expect(offer.keywords).toEqual(['n', 'bye']);
    expect(offer.found).toEqual([
      { keyword: 'n', rule: 'zh_reply_kw_stop' },
      { keyword: 'bye', rule: 'campaign.optOutKeywords' },
    ]);
  });

  it('every standard footer offers a keyword the classifier already honours', () => {
    for (const [lang, footer] of Object.entries(OPT_OUT_FOOTERS)) {
      const offered = offeredOptOutKeywords(footer).keywords;
      expect(offered, lang).toHaveLength(1);
      expect(classifyInbound(offered[0]!).kind, lang).toBe('opt_out');
    }
  });
});

describe('inboundPolicyFor: a reply to a message that made the offer', () => {
  const n = offeredOptOutKeywords('【Acme】双十一5折 回N退订');
  it.each([
    ['N', 'opt_out'],
    ['n', 'opt_out'],
    ['Ｎ', 'opt_out'],
    [' N. ', 'opt_out'],
    ['No', 'other'], // "No" was not offered
    ['T', 'opt_out'], // the standard keywords stay
    ['START', 'opt_in'],
  ])('%s -> %s', (body, kind) => {
    expect(classifyInbound(body, inboundPolicyFor(n)).kind).toBe(kind);
  });

  it('names the offer as the reason', () => {
    expect(classifyInbound('N', inboundPolicyFor(n))).toMatchObject({ kind: 'opt_out', keyword: 'N', basis: 'keyword', reason: expect.stringContaining('offered by the message') });
  });

  it('without the offer, N is no opt-out', () => {
    expect(classifyInbound('N', inboundPolicyFor(offeredOptOutKeywords('Acme: 20% off. Reply STOP to opt out'))).kind).toBe('other');
  });

  it('while a number confirmation is pending, N answers that question (a decline), other offered keywords still opt out', () => {
    const both = offeredOptOutKeywords('【Acme】回N退订', ['R']);
    expect(classifyInbound('N', inboundPolicyFor(both, 'recovery_confirmation'))).toMatchObject({ kind: 'other', keyword: 'N' });
    expect(classifyInbound('R', inboundPolicyFor(both, 'recovery_confirmation')).kind).toBe('opt_out');
    expect(classifyInbound('Y', inboundPolicyFor(both, 'recovery_confirmation')).kind).toBe('confirm_yes');
  });
});
