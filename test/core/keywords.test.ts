import { describe, expect, it } from 'vitest';
import vectors from '../fixtures/opt_out_keywords.json';
import { autoReply } from '../../core/auto-reply';
import { classifyInbound, type InboundContext, type InboundPolicy } from '../../core/keywords';

interface KeywordCase {
  id: string;
  body: string;
  expect: string;
  lang: string;
  source_rule: string;
  context: 'none' | 'pending_confirmation';
  twilio_default_filter?: 'blocks' | 'does_not_block' | 'undocumented';
  configurable?: boolean;
  note: string;
}

const cases = vectors.cases as KeywordCase[];
// The vectors say 'none' / 'pending_confirmation'; the product calls these 'default' /
// 'recovery_confirmation' (a changed-number confirmation SMS is awaiting its reply).
const contextOf = (c: KeywordCase): InboundContext => (c.context === 'pending_confirmation' ? 'recovery_confirmation' : 'default');

describe('classifyInbound: every case of opt_out_keywords.json', () => {
  it('fixture is the full vector file', () => {
    expect(vectors.source.fcc_2024).toContain('FCC 24-18');
    expect(cases).toHaveLength(68);
  });

  // No case disagrees with the product: every expectation below is the vector's own.
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const r = classifyInbound(c.body, { context: contextOf(c) });
    expect(r.kind, r.reason).toBe(c.expect);
  });

  it.each(cases.filter((c) => c.twilio_default_filter).map((c) => [c.id, c] as const))(
    'Twilio default filter: %s',
    (_id, c) => {
      expect(classifyInbound(c.body, { context: contextOf(c) }).twilioDefaultFilter).toBe(c.twilio_default_filter);
    },
  );

  // configurable=true cases: the vector value is the default; show the switch works.
  it('N becomes an opt-out only when the policy enables it (回N退订 senders)', () => {
    expect(classifyInbound('N', {}).kind).toBe('other');
    expect(classifyInbound('N', { context: 'recovery_confirmation' })).toMatchObject({ kind: 'other', keyword: 'N' });
    expect(classifyInbound('N', { nMeansOptOut: true })).toMatchObject({ kind: 'opt_out', keyword: 'N' });
    expect(classifyInbound('ｎ', { nMeansOptOut: true, context: 'recovery_confirmation' }).kind).toBe('opt_out');
    expect(classifyInbound('No', { nMeansOptOut: true }).kind).toBe('other');
  });

  it('a campaign can add opt-out keywords (拒收请回复R)', () => {
    expect(classifyInbound('R', {}).kind).toBe('other');
    expect(classifyInbound('r', { extraOptOutKeywords: ['R'] })).toMatchObject({ kind: 'opt_out', keyword: 'R' });
  });
});

describe('YES: opt-in keyword or recovery confirmation', () => {
  const p = (context: InboundContext): InboundPolicy => ({ context });
  it.each(['Y', 'YES', 'yes', 'Yes!', ' y ', '是', '是的', '确认', '確認', 'ＹＥＳ'])('%s confirms in recovery context', (b) => {
    expect(classifyInbound(b, p('recovery_confirmation')).kind).toBe('confirm_yes');
  });
  it('YES is an opt-in outside it, Y is nothing', () => {
    expect(classifyInbound('YES', p('default')).kind).toBe('opt_in');
    expect(classifyInbound('Y', p('default')).kind).toBe('other');
    expect(classifyInbound('确认', p('default')).kind).toBe('other');
  });
  it('opt-out, help and START keep their meaning in recovery context', () => {
    expect(classifyInbound('T', p('recovery_confirmation')).kind).toBe('opt_out');
    expect(classifyInbound('退订', p('recovery_confirmation')).kind).toBe('opt_out');
    expect(classifyInbound('HELP', p('recovery_confirmation')).kind).toBe('help');
    expect(classifyInbound('START', p('recovery_confirmation')).kind).toBe('opt_in');
  });
});

describe('classifyInbound: more cases', () => {
  it.each([
    // keywords and normalisation
    ['STOPALL', 'opt_out'],
    ['stop all!!', 'opt_out'],
    ['Ｓｔｏｐ。', 'opt_out'],
    ['«STOP»', 'opt_out'],
    ['TD。', 'opt_out'],
    ['T D', 'opt_out'],
    ['退訂', 'opt_out'],
    ['帮助', 'help'],
    ['Info.', 'help'],
    ['unstop', 'opt_in'],
    // free-text revocations
    ['STOP texting me please', 'opt_out'],
    ['Stop, please', 'opt_out'],
    ['Can you please stop sending these?', 'opt_out'],
    ['how do I unsubscribe', 'opt_out'],
    ['I hereby revoke consent', 'opt_out'],
    ['cancel my subscription', 'opt_out'],
    ['Stop it', 'opt_out'],
    ['Hey Acme, stop texting me', 'opt_out'],
    ['no more texts', 'opt_out'],
    ['take me off your list', 'opt_out'],
    ['unsub', 'opt_out'],
    ['Please opt me out', 'opt_out'],
    ['Do not text me again', 'opt_out'],
    ['Who is this? Wrong number', 'opt_out'],
    ['不要再发了', 'opt_out'],
    ['别再发', 'opt_out'],
    ['别发了', 'opt_out'],
    ['停止发送', 'opt_out'],
    ['我不想再收到你们的短信', 'opt_out'],
    ['我要退订', 'opt_out'],
    ['取消订阅', 'opt_out'],
    ['拒收', 'opt_out'],
    // negated or unrelated
    ['the bus stop', 'other'],
    ['unstoppable', 'other'],
    ['Nonstop deals, love it', 'other'],
    ["don't stop", 'other'],
    ['Do not stop sending deals', 'other'],
    ['Please never stop', 'other'],
    ['Can you stop by the store?', 'other'],
    ['cancel my order', 'other'],
    ['End of season sale?', 'other'],
    ['I quit smoking', 'other'],
    ["please don't remove me", 'other'],
    ['不要发票', 'other'],
    ['别发错地址', 'other'],
    ['不要停止发送', 'other'],
    ['我不退订', 'other'],
    ['Thanks!', 'other'],
    ['', 'other'],
    ['🛑', 'other'],
  ])('%j -> %s', (body, kind) => {
    const r = classifyInbound(body, {});
    expect(r.kind, r.reason).toBe(kind);
  });

  it('flags opt-out words it did not take as a request for review, and not plain chatter', () => {
    expect(classifyInbound("can't stop smiling", {}).needsReview).toBe(true);
    expect(classifyInbound('cancel my order', {}).needsReview).toBe(true);
    expect(classifyInbound('【品牌】新品上市，全场8折。回复T退订', {}).needsReview).toBe(true);
    expect(classifyInbound('stopped by the store yesterday', {}).needsReview).toBe(false);
    expect(classifyInbound('Thanks!', {}).needsReview).toBe(false);
  });

  it('reports keyword, basis and reason', () => {
    expect(classifyInbound('ＳＴＯＰ', {})).toMatchObject({ kind: 'opt_out', keyword: 'STOP', basis: 'keyword' });
    expect(classifyInbound('Opt-Out', {})).toMatchObject({ keyword: 'OPTOUT', basis: 'keyword' });
    expect(classifyInbound('please stop texting me', {})).toMatchObject({ keyword: 'STOP', basis: 'per_se_request' });
    expect(classifyInbound('leave me alone', {})).toMatchObject({ basis: 'phrase' });
    expect(classifyInbound('怎么退订？', {})).toMatchObject({ keyword: '退订', basis: 'zh_short_tuiding' });
    expect(classifyInbound('Wrong number', {})).toMatchObject({ kind: 'opt_out', needsReview: true });
    for (const c of cases) expect(classifyInbound(c.body, { context: contextOf(c) }).reason.length).toBeGreaterThan(0);
  });

  it('the brief\'s confirmation SMS offers replies that classify as promised', () => {
    // 【品牌】回复Y确认，回复T退订 / [Brand] Reply Y to confirm this is your new number, STOP to opt out
    const ctx: InboundPolicy = { context: 'recovery_confirmation' };
    expect(classifyInbound('Y', ctx).kind).toBe('confirm_yes');
    expect(classifyInbound('T', ctx).kind).toBe('opt_out');
    expect(classifyInbound('STOP', ctx).kind).toBe('opt_out');
  });
});

describe('autoReply', () => {
  it.each([
    ['opt_out', 'en', 'Acme: You have been unsubscribed and will receive no further messages. Reply START to resubscribe.'],
    ['opt_in', 'en-US', 'Acme: You are subscribed again. Msg frequency varies. Msg & data rates may apply. Reply HELP for help, STOP to opt out.'],
    ['help', 'en', 'Acme: Msg frequency varies. Msg & data rates may apply. Reply STOP to opt out.'],
    ['opt_out', 'zh', '【Acme】您已成功退订，将不再收到我们的短信。如需恢复，请回复START。'],
    ['opt_in', 'zh-CN', '【Acme】您已重新订阅我们的短信。回复T退订。'],
    ['help', 'zh', '【Acme】回复T退订。'],
    ['help', 'fr', 'Acme: Msg frequency varies. Msg & data rates may apply. Reply STOP to opt out.'],
  ] as const)('%s / %s', (kind, lang, text) => {
    expect(autoReply(kind, lang, 'Acme')).toBe(text);
  });

  it('includes the help contact when given', () => {
    expect(autoReply('help', 'en', 'Acme', { helpContact: 'acme.example/help' })).toBe(
      'Acme: Help: acme.example/help. Msg frequency varies. Msg & data rates may apply. Reply STOP to opt out.',
    );
    expect(autoReply('help', 'zh', 'Acme', { helpContact: '400-800-1234' })).toBe('【Acme】客服：400-800-1234。回复T退订。');
  });

  it('returns null for kinds without an auto-reply', () => {
    expect(autoReply('confirm_yes', 'en', 'Acme')).toBeNull();
    expect(autoReply('other', 'zh', 'Acme')).toBeNull();
  });

  it('every reply names keywords the classifier understands', () => {
    for (const lang of ['en', 'zh']) {
      const off = autoReply('opt_out', lang, 'Acme')!;
      expect(off).toContain('START');
      expect(classifyInbound('START', {}).kind).toBe('opt_in');
      for (const kind of ['opt_in', 'help'] as const) {
        const text = autoReply(kind, lang, 'Acme')!;
        const kw = lang === 'zh' ? 'T' : 'STOP';
        expect(text).toContain(kw);
        expect(classifyInbound(kw, {}).kind).toBe('opt_out');
      }
    }
  });
});
