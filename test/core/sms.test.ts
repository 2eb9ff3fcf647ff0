import { describe, expect, it } from 'vitest';
import vectors from '../fixtures/sms_segments.json';
import { CONTACT_POLICY, requiredFooterLanguage } from '../../core/policy/contact-policy';
import {
  analyzeSms,
  composeMarketingSms,
  composeSms,
  hasOptOutInstruction,
  OPT_OUT_FOOTERS,
  optOutFooterFor,
  SMS_SEGMENT_LIMITS,
  withOptOutFooter,
} from '../../core/sms';
import { classifyInbound } from '../../core/keywords';

interface SegmentCase {
  id: string;
  text: string;
  encoding: string;
  units: number;
  segments: number;
  code_points: number;
  non_gsm_chars?: string[];
  with_smart_encoding?: { encoding: string; units: number; segments: number };
  oracles_agree: boolean;
}

const cases = vectors.cases as SegmentCase[];
const byId = (id: string): SegmentCase => {
  const c = cases.find((x) => x.id === id);
  if (!c) throw new Error(`no vector ${id}`);
  return c;
};

describe('analyzeSms: every case of sms_segments.json (Twilio calculator 1.3.0)', () => {
  it('fixture is the full vector file', () => {
    expect(vectors.source.oracle).toContain('sms-segments-calculator@1.3.0');
    expect(cases).toHaveLength(53);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const a = analyzeSms(c.text);
    expect({ encoding: a.encoding, units: a.units, segments: a.segments, codePoints: a.codePoints }).toEqual({
      encoding: c.encoding,
      units: c.units,
      segments: c.segments,
      codePoints: c.code_points,
    });
    if (c.non_gsm_chars) expect(a.nonGsmChars).toEqual(c.non_gsm_chars);
    else expect(a.nonGsmChars).toEqual([]);
    // Segment capacity follows the encoding and single/concatenated state.
    const lim = SMS_SEGMENT_LIMITS[a.encoding];
    expect(a.unitsPerSegment).toBe(a.segments > 1 ? lim.concatenated : lim.single);
  });

  // zwj-emoji-at-67-boundary is the one case where the oracles disagree (oracles_agree=false):
  // split-sms and a surrogate-only Python splitter say 2, Twilio's calculator says 3. We follow
  // Twilio's calculator, since Twilio is what bills us; the test above pins 3.
  it('follows Twilio (3 segments) where simpler splitters say 2', () => {
    const c = byId('zwj-emoji-at-67-boundary');
    expect(c.oracles_agree).toBe(false);
    expect(analyzeSms(c.text).segments).toBe(3);
  });

  it.each(cases.filter((c) => c.with_smart_encoding).map((c) => [c.id, c] as const))(
    'smart encoding emulation: %s',
    (_id, c) => {
      const a = analyzeSms(c.text, { smartEncoding: true });
      expect({ encoding: a.encoding, units: a.units, segments: a.segments }).toEqual(c.with_smart_encoding);
    },
  );

  it('flags the empty text', () => {
    expect(analyzeSms('').warnings).toContain('empty');
  });
});

describe('optOutFooterFor', () => {
  it.each([
    ['en', 'Reply STOP to opt out'],
    ['en-US', 'Reply STOP to opt out'],
    ['zh', '回复T退订'],
    ['zh-CN', '回复T退订'],
    ['zh_Hans_CN', '回复T退订'],
    ['zh-TW', '回覆T退訂'],
    ['zh-Hant-HK', '回覆T退訂'],
    ['es-MX', 'Responde STOP para darte de baja'],
    ['fr', 'Répondez STOP pour vous désabonner'],
    ['de-DE', 'Antworte STOP zum Abmelden'],
    ['pt-BR', 'Responda STOP para sair'],
    ['ja', '配信停止はSTOPと返信'],
    ['xx', 'Reply STOP to opt out'],
    ['', 'Reply STOP to opt out'],
  ])('%s -> %s', (lang, footer) => {
    expect(optOutFooterFor(lang)).toBe(footer);
  });

  it.each(Object.entries(OPT_OUT_FOOTERS))('footer %s is recognised as an instruction', (_lang, footer) => {
    expect(hasOptOutInstruction(footer)).toBe(true);
    expect(withOptOutFooter(`Sale today. ${footer}`, 'en')).toBe(`Sale today. ${footer}`);
  });

  it.each(Object.entries(OPT_OUT_FOOTERS))(
    'footer %s names a keyword that the inbound classifier honours as opt-out',
    (_lang, footer) => {
      const keyword = /STOP/.test(footer) ? 'STOP' : /T退/.test(footer) ? 'T' : null;
      expect(keyword).not.toBeNull();
      expect(classifyInbound(keyword!, {}).kind).toBe('opt_out');
      // The user may also paste the instruction back.
      if (/退/.test(footer)) expect(classifyInbound(footer, {}).kind).toBe('opt_out');
    },
  );
});

describe('withOptOutFooter', () => {
  it('appends the English footer with one space', () => {
    expect(withOptOutFooter('Spring sale, 20% off.', 'en')).toBe('Spring sale, 20% off. Reply STOP to opt out');
  });

  it('drops trailing spaces before appending', () => {
    expect(withOptOutFooter('Spring sale   ', 'en')).toBe('Spring sale Reply STOP to opt out');
  });

  it('keeps a trailing newline and puts the footer on its own line', () => {
    expect(withOptOutFooter('Spring sale\n', 'en')).toBe('Spring sale\nReply STOP to opt out');
  });

  it('attaches the Chinese footer directly after CJK text', () => {
    expect(withOptOutFooter('【品牌】新品上市，全场8折。', 'zh')).toBe('【品牌】新品上市，全场8折。回复T退订');
    expect(withOptOutFooter('【品牌】新品上市', 'zh-CN')).toBe('【品牌】新品上市回复T退订');
  });

  it('separates the Chinese footer from a trailing link with a space', () => {
    expect(withOptOutFooter('【品牌】详情 https://rl.example/a1', 'zh')).toBe('【品牌】详情 https://rl.example/a1 回复T退订');
  });

  it('falls back to English for an unknown language', () => {
    expect(withOptOutFooter('Hej', 'sv')).toBe('Hej Reply STOP to opt out');
  });

  it.each([
    ['exact English', 'Big sale today. Reply STOP to opt out', 'en'],
    ['lower case', 'big sale today. reply stop to opt out', 'en'],
    ['upper case', 'BIG SALE TODAY. REPLY STOP TO OPT OUT', 'en'],
    ['other wording', 'Big sale! Text STOP to unsubscribe.', 'en'],
    ['quoted keyword', 'Big sale! Reply "STOP" to end.', 'en'],
    ['Chinese instruction in an English message', 'Big sale 回T退订', 'en'],
    ['English instruction in a Chinese message', '全场8折 Reply STOP to opt out', 'zh'],
    ['Chinese TD form', '【品牌】全场8折，回复TD退订', 'zh'],
    ['Chinese reversed form', '【品牌】全场8折，退订回T', 'zh'],
    ['Chinese full-width ＴＤ', '【品牌】全场8折，回复ＴＤ退订', 'zh'],
    ['Chinese 拒收 form', '【品牌】全场8折，拒收请回复R', 'zh'],
    ['Traditional Chinese', '【品牌】全場8折，回覆T退訂', 'zh-TW'],
    ['recovery confirmation template', '【品牌】回复Y确认，回复T退订', 'zh'],
    ['French short-code form', 'Soldes -20%. STOP SMS au 36180', 'fr'],
    ['Spanish', 'Rebajas hoy. Responde BAJA para no recibir más', 'es'],
  ])('does not add a second instruction: %s', (_name, body, lang) => {
    expect(withOptOutFooter(body, lang)).toBe(body);
    expect(composeMarketingSms(body, lang).footerAdded).toBe(false);
  });

  it.each([
    ['stop as a plain word', 'Non-stop deals all weekend'],
    ['reply without keyword', 'Reply YES to confirm your booking'],
    ['bus stop', 'Meet us at the bus stop'],
    ['unsubscribe link only', 'Unsubscribe at https://rl.example/u'],
    ['Chinese 回复 without 退订', '【品牌】回复Y确认'],
  ])('still adds the footer when no instruction is present: %s', (_name, body) => {
    expect(hasOptOutInstruction(body)).toBe(false);
    expect(composeMarketingSms(body, 'en').footerAdded).toBe(true);
  });
});

describe('composeSms / composeMarketingSms', () => {
  it('reproduces the vector texts that carry a footer', () => {
    expect(composeMarketingSms('Reachloop: Spring sale, 20% off everything this weekend only.', 'en').text).toBe(
      byId('optout-suffix-en').text,
    );
    expect(composeMarketingSms('a'.repeat(139), 'en').text).toBe(byId('optout-suffix-en-pushes-over').text);
    expect(composeMarketingSms('【Reachloop】春季大促，全场8折，仅限本周末。', 'zh').text).toBe(byId('optout-suffix-cn').text);
    expect(composeMarketingSms('中'.repeat(66), 'zh').text).toBe(byId('optout-suffix-cn-71').text);
  });

  it('counts the footer: 138 GSM chars stay at 1 segment, 139 go to 2', () => {
    const fits = composeMarketingSms('a'.repeat(138), 'en');
    expect(analyzeSms('a'.repeat(138)).segments).toBe(1);
    expect(fits.analysis).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1, unitsPerSegment: 160 });

    const over = composeMarketingSms('a'.repeat(139), 'en');
    expect(analyzeSms('a'.repeat(139)).segments).toBe(1);
    expect(over.footerAdded).toBe(true);
    expect(over.analysis).toMatchObject({ encoding: 'GSM-7', units: 161, segments: 2, unitsPerSegment: 153 });
  });

  it('a realistic body of 1 segment grows to 2 with the footer', () => {
    const body =
      'Reachloop: our Spring sale starts now! Take 20% off all shoes and bags until Sunday night. Show this text in store or use code SPRING20 online today.';
    expect(analyzeSms(body).segments).toBe(1);
    const c = composeMarketingSms(body, 'en');
    expect(c.text.endsWith('. Reply STOP to opt out')).toBe(true);
    expect(c.analysis.segments).toBe(2);
  });

  it('a Chinese body uses UCS-2 limits (70/67), footer included', () => {
    const fits = composeMarketingSms('中'.repeat(65), 'zh');
    expect(fits.analysis).toMatchObject({ encoding: 'UCS-2', units: 70, segments: 1, unitsPerSegment: 70 });
    const over = composeMarketingSms('中'.repeat(66), 'zh');
    expect(over.analysis).toMatchObject({ encoding: 'UCS-2', units: 71, segments: 2, unitsPerSegment: 67 });
  });

  it('an English footer on a Chinese body makes the English part count at UCS-2 rates', () => {
    const c = composeMarketingSms('中'.repeat(40), 'en');
    expect(c.text).toBe(`${'中'.repeat(40)} Reply STOP to opt out`);
    expect(c.analysis).toMatchObject({ encoding: 'UCS-2', units: 62, segments: 1 });
  });

  it('a GSM body in a Chinese campaign switches to UCS-2 because of the footer', () => {
    const c = composeMarketingSms('Sale 20% off', 'zh');
    expect(c.text).toBe('Sale 20% off 回复T退订');
    expect(c.analysis.encoding).toBe('UCS-2');
    expect(analyzeSms('Sale 20% off').encoding).toBe('GSM-7');
  });

  it('transactional messages get no footer', () => {
    const c = composeSms('Your code is 123456', 'en', 'transactional');
    expect(c).toMatchObject({ text: 'Your code is 123456', footerAdded: false, category: 'transactional' });
    expect(c.analysis).toMatchObject({ encoding: 'GSM-7', units: 19, segments: 1 });
  });

  it('marketing via composeSms equals composeMarketingSms', () => {
    expect(composeSms('Hi', 'zh', 'marketing')).toEqual(composeMarketingSms('Hi', 'zh'));
  });

  it('an already-present footer is not counted twice', () => {
    const body = byId('optout-suffix-en').text;
    const c = composeMarketingSms(body, 'en');
    expect(c).toMatchObject({ text: body, footerAdded: false });
    expect(c.analysis.units).toBe(83);
  });

  it('rejects an empty or blank body', () => {
    expect(() => composeMarketingSms('', 'en')).toThrow(/empty/);
    expect(() => composeSms('  \n', 'en', 'transactional')).toThrow(/empty/);
  });

  it('passes smart encoding through to the analysis', () => {
    const c = composeMarketingSms('It’s on sale', 'en', { smartEncoding: true });
    expect(c.analysis.encoding).toBe('GSM-7');
    expect(composeMarketingSms('It’s on sale', 'en').analysis.encoding).toBe('UCS-2');
  });
});

describe('composeSms: the footer a country requires (contact policy optOutFooters, CN: 回复T退订)', () => {
  it.each([
    ['English text to China gets both instructions', 'Sale this week', 'en', 'Sale this week Reply STOP to opt out 回复T退订'],
    ['an English instruction already written still gets the Chinese one', 'Sale. Reply STOP to opt out', 'en', 'Sale. Reply STOP to opt out 回复T退订'],
    ['Chinese text with its instruction is left alone', '双十一大促，全场8折 回N退订', 'zh', '双十一大促，全场8折 回N退订'],
    ['Chinese text without one gets it once', '双十一大促，全场8折', 'zh', '双十一大促，全场8折回复T退订'],
  ] as const)('%s', (_name, body, language, want) => {
    expect(composeSms(body, language, 'marketing', {}, 'zh').text).toBe(want);
  });
  it('a transactional message is sent as written', () => {
    expect(composeSms('Your code is 123456', 'en', 'transactional', {}, 'zh').text).toBe('Your code is 123456');
  });
  it('the contact policy requires it for CN numbers only', () => {
    expect(requiredFooterLanguage(CONTACT_POLICY, 'CN')).toBe('zh');
    expect(requiredFooterLanguage(CONTACT_POLICY, 'US')).toBeNull();
    expect(requiredFooterLanguage(CONTACT_POLICY, null)).toBeNull();
  });
});
