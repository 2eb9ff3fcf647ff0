import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import {
  normalizePhone,
  type CountryCode,
  type PhoneErrorReason,
  type PhoneResult,
  type PhoneType,
} from '../../core/phone';
import vectors from '../fixtures/phone_normalization.json';

// Fixture: test/fixtures/phone_normalization.json, an unchanged copy of shared/vectors (see its
// `source`: Python phonenumbers 9.0.43 cross-checked with libphonenumber-js 1.13.16 /max).

interface VectorCase {
  id: string;
  input: string;
  default_country: string | null;
  expect:
    | { e164: string; valid: boolean; type: string; country: string; ext: string | null }
    | { error: string };
  same_as?: string;
  note?: string;
  libphonenumber_js_raw?: { error: string; on_calls?: string };
}

const cases = vectors.cases as VectorCase[];

/** The vector spells types as libphonenumber does; core/phone uses lower-case names. */
const VECTOR_TYPE: Record<string, PhoneType> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'fixed_line',
  FIXED_LINE_OR_MOBILE: 'fixed_line_or_mobile',
  VOIP: 'voip',
  TOLL_FREE: 'toll_free',
  PREMIUM_RATE: 'premium_rate',
  SHARED_COST: 'shared_cost',
  PERSONAL_NUMBER: 'personal',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
};

/**
 * The vector's error names are the upper-case form of our reasons, except that libphonenumber has no
 * `empty`: a blank cell is its NOT_A_NUMBER, which we split out so operators see "empty".
 */
function vectorError(reason: PhoneErrorReason): string {
  return reason === 'empty' ? 'NOT_A_NUMBER' : reason.toUpperCase();
}

function opts(defaultCountry: string | null | undefined) {
  return { defaultCountry: (defaultCountry ?? undefined) as CountryCode | undefined };
}

function summary(r: PhoneResult) {
  return r.ok
    ? { e164: r.e164, country: r.country, type: r.type, ext: r.extension ?? null }
    : { error: vectorError(r.reason) };
}

describe('phone_normalization.json vectors', () => {
  it('has the 120 cases and its source line', () => {
    expect(cases).toHaveLength(120);
    expect(vectors.source).toMatch(/phonenumbers 9\.0\.43/);
  });

  // Each case runs twice in a row: libphonenumber-js fails every second ;phone-context= parse in one
  // process, so a single call could pass by luck.
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const want =
      'error' in c.expect
        ? { error: c.expect.error }
        : {
            e164: c.expect.e164,
            country: c.expect.country,
            type: VECTOR_TYPE[c.expect.type],
            ext: c.expect.ext,
          };
    expect(summary(normalizePhone(c.input, opts(c.default_country)))).toEqual(want);
    expect(summary(normalizePhone(c.input, opts(c.default_country)))).toEqual(want);
  });

  const sameAs = cases.filter((c) => c.same_as);
  it.each(sameAs.map((c) => [c.id, c] as const))('%s normalises like its same_as case', (_id, c) => {
    const ref = cases.find((x) => x.id === c.same_as);
    expect(ref).toBeDefined();
    const a = normalizePhone(c.input, opts(c.default_country));
    const b = normalizePhone(ref!.input, opts(ref!.default_country));
    expect(a.ok && b.ok && a.e164 === b.e164).toBe(true);
  });

  // The 4 DISAGREEMENT cases: our answer is the libphonenumber (Python) one (checked above). These
  // canaries show the raw libphonenumber-js quirk that our NFKC / tel: unwrapping works around is
  // still there in the pinned version; if one fails after an upgrade, the workaround may go.
  const raw = cases.filter((c) => c.libphonenumber_js_raw);
  it.each(raw.map((c) => [c.id, c] as const))('%s: raw libphonenumber-js still differs', (_id, c) => {
    const dc = (c.default_country ?? undefined) as CountryCode | undefined;
    if (c.libphonenumber_js_raw!.on_calls) {
      const results = [parsePhoneNumberFromString(c.input, dc), parsePhoneNumberFromString(c.input, dc)];
      expect(results.filter((p) => p === undefined)).toHaveLength(1);
    } else {
      const p = parsePhoneNumberFromString(c.input, dc);
      expect(p === undefined || p.number !== ('e164' in c.expect ? c.expect.e164 : '')).toBe(true);
    }
  });
});

type Want = Partial<{ e164: string; country: string | null; type: PhoneType; ext: string | null }> & {
  error?: PhoneErrorReason;
};

function check(input: string, defaultCountry: string | undefined, want: Want) {
  const r = normalizePhone(input, opts(defaultCountry));
  if (want.error) {
    expect(r).toMatchObject({ ok: false, reason: want.error });
    return;
  }
  expect(r.ok, JSON.stringify(r)).toBe(true);
  if (!r.ok) return;
  if (want.e164 !== undefined) expect(r.e164).toBe(want.e164);
  if (want.country !== undefined) expect(r.country).toBe(want.country);
  if (want.type !== undefined) expect(r.type).toBe(want.type);
  if (want.ext !== undefined) expect(r.extension ?? null).toBe(want.ext);
}

type Row = readonly [name: string, input: string, defaultCountry: string | undefined, want: Want];

const CN_MOBILE = { e164: '+8613123456789', country: 'CN', type: 'mobile' as const };
const US_NJ = { e164: '+12015550123', country: 'US', type: 'fixed_line_or_mobile' as const };
const GB_MOBILE = { e164: '+447400123456', country: 'GB', type: 'mobile' as const };

describe('rule: NFKC first (full-width digits, plus, spaces and punctuation)', () => {
  const rows: Row[] = [
    ['full-width plus, no default', '＋８６　１３１　２３４５　６７８９', undefined, CN_MOBILE],
    ['full-width plus beats default CN', '＋４４ ７４００ １２３４５６', 'CN', GB_MOBILE],
    ['full-width hyphens', '１３１－２３４５－６７８９', 'CN', CN_MOBILE],
    ['full-width parentheses', '（０１０）１２３４　５６７８', 'CN', { e164: '+861012345678', type: 'fixed_line' }],
    ['full-width digits only', '１３１２３４５６７８９', 'CN', CN_MOBILE],
    ['full-width # extension', '＋１ ２０１ ５５５ ０１２３ ＃１２', undefined, { ...US_NJ, ext: '12' }],
    ['Arabic-Indic digits (kept by NFKC, read by the parser)', '+٩٧١٥٠١٢٣٤٥٦٧', undefined, { e164: '+971501234567' }],
    ['ideographic space only is empty', '\u3000\u3000', 'CN', { error: 'empty' }],
  ];
  it.each(rows)('%s: %j (%s)', (_n, input, dc, want) => check(input, dc, want));
});

describe('rule: tel: URIs (RFC 3966), phone-context parsed the same on every call', () => {
  const rows: Row[] = [
    ['global number', 'tel:+1-201-555-0123', undefined, US_NJ],
    ['upper-case scheme', 'TEL:+44-7400-123456', undefined, GB_MOBILE],
    ['ext parameter', 'tel:+44-121-234-5678;ext=45', undefined, { e164: '+441212345678', ext: '45' }],
    ['phone-context +1', 'tel:2015550123;phone-context=+1', undefined, US_NJ],
    ['phone-context +44, ext', 'tel:7400123456;phone-context=+44;ext=7', undefined, { ...GB_MOBILE, ext: '7' }],
    ['phone-context without tel:', '2015550123;phone-context=+1', undefined, US_NJ],
    ['domain context uses the default region', 'tel:0121-234-5678;phone-context=example.com', 'GB', { e164: '+441212345678' }],
    ['domain context, no default region', 'tel:0121-234-5678;phone-context=example.com', undefined, { error: 'invalid_country_code' }],
    ['empty tel:', 'tel:', 'US', { error: 'not_a_number' }],
  ];
  it.each(rows)('%s: %j (%s)', (_n, input, dc, want) => {
    check(input, dc, want);
    check(input, dc, want);
    check(input, dc, want);
  });

  it('alternating different phone-context inputs never fail (the upstream bug does here)', () => {
    for (let i = 0; i < 6; i++) {
      check('tel:2015550123;phone-context=+1', undefined, US_NJ);
      check('tel:7400123456;phone-context=+44', undefined, GB_MOBILE);
    }
  });
});

describe('rule: separators (spaces, dots, dashes, parentheses, NBSP, stray text)', () => {
  const rows: Row[] = [
    ['dots', '201.555.0123', 'US', US_NJ],
    ['dashes', '+1-201-555-0123', undefined, US_NJ],
    ['parentheses', '(201) 555-0123', 'US', US_NJ],
    ['NBSP', '+1\u00a0201\u00a0555\u00a00123', undefined, US_NJ],
    ['tabs and padding', '\t +1 201 555 0123 \t', undefined, US_NJ],
    ['(+86) prefix', '(+86) 131-2345-6789', undefined, CN_MOBILE],
    ['Excel apostrophe', "'13123456789", 'CN', CN_MOBILE],
  ];
  it.each(rows)('%s: %j (%s)', (_n, input, dc, want) => check(input, dc, want));
});

describe('rule: international prefixes 00 / 011 / 0011 for the default region', () => {
  const rows: Row[] = [
    ['00 from DE', '00 44 7400 123456', 'DE', GB_MOBILE],
    ['00 from FR to NANP', '00 1 201 555 0123', 'FR', US_NJ],
    ['011 from US', '011 86 131 2345 6789', 'US', CN_MOBILE],
    ['011 from CA', '01144 7400 123456', 'CA', GB_MOBILE],
    ['0011 from AU', '0011 86 131 2345 6789', 'AU', CN_MOBILE],
    ['0086 from CN', '0086 131 2345 6789', 'CN', CN_MOBILE],
    // 00 is not the US international prefix: 0086... is read as a US national number.
    ['00 from US is not an IDD', '0086 131 2345 6789', 'US', { error: 'too_long' }],
    // Without a default region there is no IDD to recognise; libphonenumber does not guess.
    ['00 with no default region', '0044 7400 123456', undefined, { error: 'invalid_country_code' }],
  ];
  it.each(rows)('%s: %j (%s)', (_n, input, dc, want) => check(input, dc, want));
});

describe('rule: national trunk prefix', () => {
  const rows: Row[] = [
    ['GB 0', '07400 123456', 'GB', GB_MOBILE],
    ['DE 0', '0151 23456789', 'DE', { e164: '+4915123456789', type: 'mobile' }],
    ['AU 0', '0412 345 678', 'AU', { e164: '+61412345678', type: 'mobile' }],
    ['CN 0 before area code', '010 1234 5678', 'CN', { e164: '+861012345678', type: 'fixed_line' }],
    ['(0) after the calling code', '+44 (0)7400 123456', undefined, GB_MOBILE],
    ['0 after the calling code without parentheses', '+44 07400 123456', undefined, GB_MOBILE],
    ['RU trunk 8', '8 912 345-67-89', 'RU', { e164: '+79123456789', country: 'RU' }],
    ['US trunk 1', '1 (201) 555-0123', 'US', US_NJ],
    ['IT has no trunk prefix: 0 stays', '02 1234 5678', 'IT', { e164: '+390212345678' }],
  ];
  it.each(rows)('%s: %j (%s)', (_n, input, dc, want) => check(input, dc, want));
});

describe('rule: extensions are stripped from E.164 and returned', () => {
  const rows: Row[] = [
    ['ext. 12', '+1 201 555 0123 ext. 12', undefined, { ...US_NJ, ext: '12' }],
    ['ext 12', '+1 201 555 0123 ext 12', undefined, { ...US_NJ, ext: '12' }],
    ['extension 12', '+1 201 555 0123 extension 12', undefined, { ...US_NJ, ext: '12' }],
    ['x12', '+1 201 555 0123 x12', undefined, { ...US_NJ, ext: '12' }],
    ['x 12', '+1 201 555 0123 x 12', undefined, { ...US_NJ, ext: '12' }],
    ['#12', '+1 201 555 0123 #12', undefined, { ...US_NJ, ext: '12' }],
    ['#12 glued', '+1 201 555 0123#12', undefined, { ...US_NJ, ext: '12' }],
    [';ext=12', '+1-201-555-0123;ext=12', undefined, { ...US_NJ, ext: '12' }],
    [',,12 (auto-dial)', '+1 201 555 0123,,12', undefined, { ...US_NJ, ext: '12' }],
    ['national with x', '0121 234 5678 x12', 'GB', { e164: '+441212345678', ext: '12' }],
    ['Chinese 转', '010-1234 5678转12', 'CN', { e164: '+861012345678', ext: '12' }],
    ['Chinese 分机', '010-1234 5678 分机 8001', 'CN', { e164: '+861012345678', ext: '8001' }],
    ['no extension: field absent', '+1 201 555 0123', undefined, { ...US_NJ, ext: null }],
  ];
  it.each(rows)('%s: %j (%s)', (_n, input, dc, want) => check(input, dc, want));

  it('omits the extension key when there is none', () => {
    const r = normalizePhone('+12015550123', {});
    expect(r.ok && 'extension' in r).toBe(false);
  });
});

describe('rule: default country for national numbers', () => {
  const rows: Row[] = [
    ['CN national', '13123456789', 'CN', CN_MOBILE],
    ['same digits, no default', '13123456789', undefined, { error: 'invalid_country_code' }],
    // The wrong default is not detectable: a CN mobile read with default US is trunk 1 + a valid
    // Chicago number. Intake must pick the default per source list, not per deployment.
    ['same digits, default US: a different valid number', '13123456789', 'US', { e164: '+13123456789', country: 'US' }],
    ['+CC wins over the default', '+44 7400 123456', 'CN', GB_MOBILE],
    ['country code without + and the default', '86 131 2345 6789', 'CN', CN_MOBILE],
    ['lower-case default accepted', '13123456789', 'cn', CN_MOBILE],
    ['unknown default ignored for +CC', '+86 131 2345 6789', 'ZZ', CN_MOBILE],
    ['unknown default: national number unresolvable', '13123456789', 'ZZ', { error: 'invalid_country_code' }],
    ['non-geographic +800 has no country', '+800 1234 5678', undefined, { e164: '+80012345678', country: null, type: 'toll_free' }],
    ['NANP country from the area code', '+1 506 234 5678', undefined, { country: 'CA' }],
    ['+7 7xx is KZ', '+7 771 000 9998', undefined, { country: 'KZ' }],
  ];
  it.each(rows)('%s: %j (%s)', (_n, input, dc, want) => check(input, dc, want));
});

describe('rule: line types from full metadata', () => {
  const rows: Row[] = [
    ['CN 400 is shared cost, not toll free', '400 123 4567', 'CN', { type: 'shared_cost' }],
    ['CN 800 is toll free', '800 123 4567', 'CN', { type: 'toll_free' }],
    ['US geographic is fixed_line_or_mobile', '+1 415 555 0123', undefined, { type: 'fixed_line_or_mobile' }],
    ['GB 070 personal', '+44 70 1234 5678', undefined, { type: 'personal' }],
    ['GB 076 pager', '+44 76 4012 3456', undefined, { type: 'pager' }],
    ['GB 056 voip', '+44 56 1234 5678', undefined, { type: 'voip' }],
    ['GB 09 premium', '+44 90 1234 5678', undefined, { type: 'premium_rate' }],
    ['GB 055 uan', '+44 55 1234 5678', undefined, { type: 'uan' }],
    ['DE voicemail', '+49 177 991234567', undefined, { type: 'voicemail' }],
    ['JP 050 voip', '050-1234-5678', 'JP', { type: 'voip' }],
  ];
  it.each(rows)('%s: %j (%s)', (_n, input, dc, want) => check(input, dc, want));
});

describe('rule: garbage and impossible numbers get a closed-set reason', () => {
  const rows: Row[] = [
    ['empty string', '', 'US', { error: 'empty' }],
    ['spaces', '   ', 'US', { error: 'empty' }],
    ['N/A', 'N/A', 'CN', { error: 'not_a_number' }],
    ['#N/A', '#N/A', 'CN', { error: 'not_a_number' }],
    ['null', 'null', 'CN', { error: 'not_a_number' }],
    ['dash', '-', 'CN', { error: 'not_a_number' }],
    ['emoji', '📞', 'CN', { error: 'not_a_number' }],
    ['lone plus', '+', undefined, { error: 'not_a_number' }],
    ['double plus', '++86 131 2345 6789', undefined, { error: 'not_a_number' }],
    ['Excel scientific notation', '8.61312E+12', 'CN', { error: 'not_a_number' }],
    ['two numbers in one cell', '+86 131 2345 6789 / +86 131 2345 6780', undefined, { error: 'not_a_number' }],
    ['unassigned calling code', '+999 123 4567', undefined, { error: 'invalid_country_code' }],
    ['one digit', '1', 'US', { error: 'too_short' }],
    ['too short', '+86 138', undefined, { error: 'too_short' }],
    ['too long', '+86 131 2345 6789 0000', undefined, { error: 'too_long' }],
    ['no such range', '+1 555 123 4567', undefined, { error: 'invalid_for_region' }],
    ['CN mobile missing a digit', '+86 131 2345 678', undefined, { error: 'invalid_for_region' }],
  ];
  it.each(rows)('%s: %j (%s)', (_n, input, dc, want) => check(input, dc, want));

  it('error messages are readable and never echo the number', () => {
    const r = normalizePhone('+86 131 2345 678', {});
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message.length).toBeGreaterThan(5);
      expect(r.message).not.toMatch(/\d{3}/);
    }
  });

  it('a non-string cell (undefined from a ragged CSV row) is empty, not a crash', () => {
    expect(normalizePhone(undefined as unknown as string, {})).toMatchObject({ ok: false, reason: 'empty' });
  });
});
