import { describe, expect, it } from 'vitest';
import { resolveColumns, type RawFields } from '../../core/intake/fields';
import { MAX_FIELD_LENGTH, parseAmount, parseInstant, validateRow, type RejectReason } from '../../core/intake/row';

// The intake's row rules (issue 4): a row is kept with its number in E.164 and enriched, or
// rejected with one reason; dates without an offset are UTC; amounts lose their currency marks.

const NOW = Date.parse('2026-06-01T12:00:00Z');
const opts = { defaultCountry: 'CN' as const, now: NOW };
const valid = (fields: RawFields) => {
  const r = validateRow(fields, opts);
  if (!r.ok) throw new Error(`expected a valid row, got ${r.reason}: ${r.detail}`);
  return r.row;
};

describe('validateRow rejects a row for one reason', () => {
  const rows: Array<[string, RejectReason, RawFields]> = [
    ['no phone column value', 'missing_phone', { email: 'a@example.com' }],
    ['a blank phone', 'missing_phone', { phone: '   ' }],
    ['words', 'not_a_number', { phone: 'call me' }],
    ['too short', 'too_short', { phone: '12' }],
    ['too long for China', 'too_long', { phone: '+86 1380013800012345' }],
    ['an unknown calling code', 'invalid_country_code', { phone: '+999 123 4567' }],
    ['invalid for its region', 'invalid_for_region', { phone: '+86 0000 0000' }],
    ['a country that is not a two-letter code', 'invalid_country', { phone: '13800138000', country: 'China' }],
    ['a bad e-mail', 'invalid_email', { phone: '+8613800138000', email: 'not-an-address' }],
    ['a date that does not exist', 'invalid_date', { phone: '+8613800138000', last_order_at: '2026-02-30' }],
    ['a month 13', 'invalid_date', { phone: '+8613800138000', opt_in_at: '2026-13-01' }],
    ['text for a date', 'invalid_date', { phone: '+8613800138000', opt_in_at: 'yesterday' }],
    ['an order in the future (beyond a day of clock skew)', 'date_in_future', { phone: '+8613800138000', last_order_at: '2026-06-03' }],
    ['an opt-in in the future', 'date_in_future', { phone: '+8613800138000', opt_in_at: '2027-01-01T00:00:00Z' }],
    ['a negative order value', 'invalid_order_value', { phone: '+8613800138000', order_value: '-5' }],
    ['words for an order value', 'invalid_order_value', { phone: '+8613800138000', order_value: 'lots' }],
    ['a field over the limit', 'field_too_long', { phone: '+8613800138000', name: 'x'.repeat(MAX_FIELD_LENGTH + 1) }],
    ['bytes that were not UTF-8', 'invalid_encoding', { phone: '+8613800138000', name: 'Li \uFFFD' }],
  ];
  it.each(rows)('%s -> %s', (_label, reason, fields) => {
    const r = validateRow(fields, opts);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.detail.length).toBeGreaterThan(0);
    }
  });
});

describe('validateRow keeps and normalises a good row', () => {
  it('a national number takes the default country, and is enriched', () => {
    expect(valid({ phone: '138 0013 8000' })).toMatchObject({
      e164: '+8613800138000', lineType: 'mobile', country: 'CN', currency: 'CNY', timeZones: ['Asia/Shanghai'],
      email: null, name: null, lastOrderAt: null, orderValue: null, channelTag: null, optInAt: null, deviceId: null, extension: null,
    });
  });

  it("the row's own country wins over the default", () => {
    expect(valid({ phone: '020 7946 0018', country: 'gb' }).e164).toBe('+442079460018');
  });

  it('an extension is stripped and kept', () => {
    expect(valid({ phone: '+1 212 555 0143 ext. 12', country: 'US' })).toMatchObject({ e164: '+12125550143', extension: '12' });
  });

  it('e-mail, dates, amount, tag, name and device are normalised', () => {
    expect(
      valid({
        phone: '+8613800138000', email: '  Li.Wei@Example.COM ', name: ' Li\tWei ', last_order_at: '2026-05-31 08:30', order_value: '¥1,234.50',
        channel_tag: ' WeChat ', opt_in_at: '2026-01-05T10:00:00+08:00', device_id: ' dev-1 ',
      }),
    ).toMatchObject({
      email: 'li.wei@example.com', name: 'Li Wei', lastOrderAt: '2026-05-31T08:30:00.000Z', orderValue: 1234.5,
      channelTag: 'wechat', optInAt: '2026-01-05T02:00:00.000Z', deviceId: 'dev-1',
    });
  });

  it('a date up to a day ahead (clock skew between systems) is accepted', () => {
    expect(valid({ phone: '+8613800138000', last_order_at: '2026-06-02T11:00:00Z' }).lastOrderAt).toBe('2026-06-02T11:00:00.000Z');
  });
});

describe('parseInstant', () => {
  const rows: Array<[string, string | null | undefined]> = [
    ['', null],
    ['  ', null],
    ['2026-03-01', '2026-03-01T00:00:00.000Z'],
    ['2026/3/1', '2026-03-01T00:00:00.000Z'],
    ['2026.03.01', '2026-03-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2026-03-01T09:05', '2026-03-01T09:05:00.000Z'],
    ['2026-03-01 09:05:07', '2026-03-01T09:05:07.000Z'],
    ['2026-03-01T09:05:07.123Z', '2026-03-01T09:05:07.000Z'],
    ['2026-03-01T09:05:00+08:00', '2026-03-01T01:05:00.000Z'],
    ['2026-03-01T09:05:00-0500', '2026-03-01T14:05:00.000Z'],
    ['2026-03-01T00:30:00+01:00', '2026-02-28T23:30:00.000Z'],
    ['2026-02-29', undefined],
    ['1900-02-29', undefined],
    ['2026-04-31', undefined],
    ['2026-00-10', undefined],
    ['2026-03-01T24:00', undefined],
    ['2026-03-01T10:60', undefined],
    ['1899-12-31', undefined],
    ['01/03/2026', undefined],
    ['March 1, 2026', undefined],
  ];
  it.each(rows)('%j -> %j', (raw, want) => expect(parseInstant(raw)).toBe(want));
});

describe('parseAmount', () => {
  const rows: Array<[string, number | null | undefined]> = [
    ['', null],
    ['0', 0],
    ['12', 12],
    ['12.50', 12.5],
    ['1,234.50', 1234.5],
    ['1,234,567', 1234567],
    ['¥99', 99],
    ['$ 12', 12],
    ['€7.5', 7.5],
    ['CNY 88', 88],
    ['88 USD', 88],
    ['１２３', 123],
    ['-5', undefined],
    ['12,5', undefined],
    ['1.2.3', undefined],
    ['abc', undefined],
    ['1e3', undefined],
    ['1000000000000', undefined],
  ];
  it.each(rows)('%j -> %j', (raw, want) => expect(parseAmount(raw)).toBe(want));
});

describe('the consent source column', () => {
  it.each([['consent_source'], ['Opt-in Source'], ['opt_in_method'], ['同意来源']])('header %j is the consent source', (header) => {
    const cols = resolveColumns(['phone', header]);
    expect(cols.consent_source).toBe(1);
  });

  it.each([
    ['Pre-Ticked', 'pre_ticked'],
    ['web form', 'web_form'],
    ['PURCHASED_LIST', 'purchased_list'],
  ])('%j is stored as %j; without the column the row has none (the import\'s source applies)', (raw, want) => {
    const r = validateRow({ phone: '+8613800138000', consent_source: raw }, { now: Date.parse('2026-06-01T00:00:00Z') });
    expect(r.ok && r.row.consentSource).toBe(want);
    const bare = validateRow({ phone: '+8613800138000' }, { now: Date.parse('2026-06-01T00:00:00Z') });
    expect(bare.ok && bare.row.consentSource).toBeNull();
  });
});
